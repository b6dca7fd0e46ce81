//! The last log lines of each container that exited non-zero, for the
//! report of a task that stopped before it was up.
//!
//! Invariant: best effort: a missing stream or an API error is one line,
//! never the launch's error; a container without awslogs is skipped.

use aws_sdk_ecs::types::Task;

use crate::aws::Clients;
use crate::plan::Plan;

/// Lines of a crashed container's log `up` shows by default.
pub const CRASH_LOG_LINES: usize = 30;

/// Detail lines with the last `n` log lines of each container of `task` that
/// exited non-zero, found from the plan's awslogs options. Best effort: a
/// missing stream or an API error is one line, never the launch's error; a
/// container without awslogs is skipped.
pub async fn crash_logs(clients: &Clients, plan: &Plan, task: &Task, n: usize) -> Vec<String> {
    use crate::logs::source::{ContainerLogConfig, sources};
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let task_arn = task.task_arn().unwrap_or_default();
    for c in task.containers() {
        let (Some(name), Some(code)) = (c.name(), c.exit_code()) else {
            continue;
        };
        if code == 0 {
            continue;
        }
        let Some(def) = plan
            .register_task_definition
            .container_definitions
            .iter()
            .find(|d| d.name == name)
        else {
            continue;
        };
        let Some(lc) = &def.log_configuration else {
            continue;
        };
        let config = ContainerLogConfig {
            container: name.to_owned(),
            driver: Some(lc.log_driver.clone()),
            options: lc.options.clone(),
        };
        let Ok(srcs) = sources(std::slice::from_ref(&config), task_arn, None) else {
            continue;
        };
        for src in srcs {
            let client = crate::aws::logs_in(&clients.logs, src.region.as_deref());
            match crate::aws::logs::last(&client, &src, n).await {
                Ok(d) if d.events.is_empty() => {
                    out.push(format!("  {name} (exitCode {code}) logged nothing"));
                }
                Ok(d) => {
                    out.push(format!(
                        "  last {} log lines of {name} (exitCode {code}):",
                        d.events.len()
                    ));
                    for e in &d.events {
                        let m = e.message.strip_suffix('\n').unwrap_or(&e.message);
                        out.push(format!("    | {m}"));
                    }
                }
                Err(e) => out.push(format!("  no logs for {name}: {e}")),
            }
        }
    }
    out
}
