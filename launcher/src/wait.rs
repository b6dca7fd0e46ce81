//! Task status → what `up` does next (pure): keep polling, done, or failed.
//!
//! Invariants:
//! - STOPPED at any point is a failure, reported with stopCode,
//!   stoppedReason and each container's reason and exit code.
//! - RUNNING is done once the address is known (the public IP when the task
//!   has one, else the private IP once the IP grace has run out).
//! - The poll interval backs off 1 s, 2 s, 4 s, then stays at the 5 s cap.

use std::time::Duration;

use aws_sdk_ecs::types::Task;

/// The poll interval before poll number `attempt` (0-based).
pub fn backoff(attempt: u32, initial: Duration, cap: Duration) -> Duration {
    initial
        .checked_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX))
        .map_or(cap, |d| d.min(cap))
}

/// Why a task stopped, in the words ECS gave.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StopReport {
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    /// (container name, reason, exit code)
    pub containers: Vec<(String, Option<String>, Option<i32>)>,
}

impl StopReport {
    pub fn from_task(task: &Task) -> StopReport {
        StopReport {
            stop_code: task.stop_code().map(|c| c.as_str().to_string()),
            stopped_reason: task
                .stopped_reason()
                .filter(|r| !r.is_empty())
                .map(str::to_string),
            containers: task
                .containers()
                .iter()
                .map(|c| {
                    (
                        c.name().unwrap_or("?").to_string(),
                        c.reason().filter(|r| !r.is_empty()).map(str::to_string),
                        c.exit_code(),
                    )
                })
                .collect(),
        }
    }

    /// Detail lines for the error, already indented.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.push(format!(
            "  stopCode: {}",
            self.stop_code.as_deref().unwrap_or("(none)")
        ));
        out.push(format!(
            "  stoppedReason: {}",
            self.stopped_reason.as_deref().unwrap_or("(none)")
        ));
        for (name, reason, code) in &self.containers {
            let code = code.map_or_else(|| "none".to_string(), |c| c.to_string());
            out.push(format!(
                "  container {name}: exitCode {code}{}",
                reason
                    .as_deref()
                    .map(|r| format!(", reason: {r}"))
                    .unwrap_or_default()
            ));
        }
        out
    }
}

/// What one DescribeTasks answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Not running yet (PROVISIONING, PENDING, ACTIVATING, or unknown).
    Starting,
    Running,
    Stopped(StopReport),
}

/// Classifies a task by its lastStatus (DEACTIVATING and later are on the
/// way to STOPPED, so they count as stopped).
pub fn phase(task: &Task) -> Phase {
    match task.last_status().unwrap_or("") {
        "RUNNING" => Phase::Running,
        "DEACTIVATING" | "STOPPING" | "DEPROVISIONING" | "STOPPED" | "DELETED" => {
            Phase::Stopped(StopReport::from_task(task))
        }
        _ => Phase::Starting,
    }
}

/// Remembers the last status shown; reports only transitions.
#[derive(Debug, Default)]
pub struct Transitions {
    last: Option<String>,
}

impl Transitions {
    /// `Some(status)` when `status` differs from the previous one.
    pub fn observe(&mut self, status: &str) -> Option<String> {
        if self.last.as_deref() == Some(status) {
            None
        } else {
            self.last = Some(status.to_string());
            self.last.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::{Container, TaskStopCode};

    #[test]
    fn backoff_doubles_to_the_cap() {
        let s = Duration::from_secs;
        let got: Vec<Duration> = (0..6).map(|a| backoff(a, s(1), s(5))).collect();
        assert_eq!(got, vec![s(1), s(2), s(4), s(5), s(5), s(5)]);
        assert_eq!(backoff(40, s(1), s(5)), s(5));
    }

    #[test]
    fn phases() {
        let table = [
            ("PROVISIONING", Phase::Starting),
            ("PENDING", Phase::Starting),
            ("ACTIVATING", Phase::Starting),
            ("", Phase::Starting),
            ("RUNNING", Phase::Running),
        ];
        for (status, want) in table {
            let t = Task::builder().last_status(status).build();
            assert_eq!(phase(&t), want, "{status}");
        }
        for status in ["DEACTIVATING", "STOPPING", "STOPPED"] {
            let t = Task::builder().last_status(status).build();
            assert!(matches!(phase(&t), Phase::Stopped(_)), "{status}");
        }
    }

    #[test]
    fn stop_report_names_everything() {
        let t = Task::builder()
            .last_status("STOPPED")
            .stop_code(TaskStopCode::TaskFailedToStart)
            .stopped_reason("Task failed to start")
            .containers(
                Container::builder()
                    .name("web")
                    .reason("CannotPullContainerError: pull access denied")
                    .build(),
            )
            .containers(Container::builder().name("db").exit_code(137).build())
            .build();
        let Phase::Stopped(r) = phase(&t) else {
            panic!("not stopped")
        };
        assert_eq!(
            r.lines(),
            vec![
                "  stopCode: TaskFailedToStart",
                "  stoppedReason: Task failed to start",
                "  container web: exitCode none, reason: CannotPullContainerError: pull access denied",
                "  container db: exitCode 137",
            ]
        );
    }

    #[test]
    fn transitions_only_on_change() {
        let mut tr = Transitions::default();
        let seen: Vec<Option<String>> = [
            "PROVISIONING",
            "PROVISIONING",
            "PENDING",
            "RUNNING",
            "RUNNING",
        ]
        .iter()
        .map(|s| tr.observe(s))
        .collect();
        assert_eq!(
            seen,
            vec![
                Some("PROVISIONING".into()),
                None,
                Some("PENDING".into()),
                Some("RUNNING".into()),
                None
            ]
        );
    }
}
