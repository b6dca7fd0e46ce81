//! Tasks → review apps (pure): the rows `ls` prints and the choices `down`
//! and `sweep` make.
//!
//! Invariants: a review app is known only by its tags (`vanish:*`) and
//! `startedBy`; times are compared against a `now` passed in, never read
//! from the clock here.

use std::time::{Duration, SystemTime};

use aws_sdk_ecs::types::Task;
use serde::Serialize;

use crate::contract::{TAG_EXPIRES_AT, TAG_NAME, TAG_REF, TAG_REQUESTED_BY, TAG_TTL};
use crate::net;

/// One running review app (one task).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct App {
    pub name: String,
    pub status: String,
    pub task_arn: String,
    pub task_id: String,
    pub task_definition: String,
    pub ttl: Option<String>,
    pub expires_at: Option<String>,
    pub requested_by: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub created_at: Option<String>,
    pub private_ip: Option<String>,
    #[serde(skip)]
    pub eni_id: Option<String>,
    pub public_ip: Option<String>,
    pub url: Option<String>,
}

fn tag<'a>(task: &'a Task, key: &str) -> Option<&'a str> {
    task.tags()
        .iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

impl App {
    /// The app a task is, or `None` for a task without a `vanish:name` tag.
    pub fn from_task(task: &Task) -> Option<App> {
        let name = tag(task, TAG_NAME)?.to_string();
        let arn = task.task_arn().unwrap_or_default().to_string();
        Some(App {
            name,
            status: task.last_status().unwrap_or("?").to_string(),
            task_id: net::short_id(&arn).to_string(),
            task_arn: arn,
            task_definition: task.task_definition_arn().unwrap_or_default().to_string(),
            ttl: tag(task, TAG_TTL).map(str::to_string),
            expires_at: tag(task, TAG_EXPIRES_AT).map(str::to_string),
            requested_by: tag(task, TAG_REQUESTED_BY).map(str::to_string),
            git_ref: tag(task, TAG_REF).map(str::to_string),
            created_at: task
                .created_at()
                .and_then(|d| SystemTime::try_from(*d).ok())
                .map(rfc3339),
            private_ip: net::private_ip(task).map(str::to_string),
            eni_id: net::eni_id(task).map(str::to_string),
            public_ip: None,
            url: None,
        })
    }

    /// When the app expires, if its tag parses.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expires_at
            .as_deref()
            .and_then(|e| humantime::parse_rfc3339_weak(e).ok())
    }
}

/// Signed seconds from `now` to `then` (negative: in the past).
pub fn seconds_until(now: SystemTime, then: SystemTime) -> i64 {
    match then.duration_since(now) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// A short human form of a signed duration: `in 1h 59m`, `3m ago`.
pub fn relative(secs: i64) -> String {
    let abs = Duration::from_secs(secs.unsigned_abs());
    let text = short(abs);
    if secs >= 0 {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

/// `1h 59m`, `3m 5s`, `42s`, `2d 3h`: the two largest units.
pub fn short(d: Duration) -> String {
    let s = d.as_secs();
    let (days, h, m, sec) = (s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
    if days > 0 {
        format!("{days}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {sec}s")
    } else {
        format!("{sec}s")
    }
}

/// The apps whose expiry is more than `slack` in the past at `now`, with
/// how long ago they expired. Apps without a parseable expiry are never due.
pub fn due_for_sweep(apps: &[App], now: SystemTime, slack: Duration) -> Vec<(&App, Duration)> {
    apps.iter()
        .filter_map(|a| {
            let exp = a.expiry()?;
            let late = now.duration_since(exp).ok()?;
            (late > slack).then_some((a, late))
        })
        .collect()
}

/// Tells which names exist, for "unknown name" errors.
pub fn names(apps: &[App]) -> String {
    let mut n: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    n.sort();
    n.dedup();
    if n.is_empty() {
        "(none)".into()
    } else {
        n.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::Tag;

    fn task(name: Option<&str>, expires: Option<&str>) -> Task {
        let mut b = Task::builder()
            .task_arn("arn:aws:ecs:us-east-1:1:task/default/abc")
            .last_status("RUNNING");
        if let Some(n) = name {
            b = b.tags(Tag::builder().key(TAG_NAME).value(n).build());
        }
        if let Some(e) = expires {
            b = b.tags(Tag::builder().key(TAG_EXPIRES_AT).value(e).build());
        }
        b.build()
    }

    #[test]
    fn apps_need_a_name_tag() {
        assert_eq!(App::from_task(&task(None, None)), None);
        let app = App::from_task(&task(Some("mr-1"), Some("2026-11-21T12:00:00Z"))).expect("app");
        assert_eq!(app.name, "mr-1");
        assert_eq!(app.task_id, "abc");
        assert_eq!(app.status, "RUNNING");
    }

    #[test]
    fn sweep_respects_the_slack() {
        let now = humantime::parse_rfc3339("2026-11-21T12:00:00Z").expect("time");
        let slack = Duration::from_secs(300);
        let table = [
            (Some("2026-11-21T11:00:00Z"), Some(3600)),
            (Some("2026-11-21T11:54:00Z"), Some(360)),
            (Some("2026-11-21T11:56:00Z"), None), // within the slack
            (Some("2026-11-21T13:00:00Z"), None), // not yet expired
            (Some("garbage"), None),
            (None, None),
        ];
        for (exp, want) in table {
            let apps: Vec<App> = App::from_task(&task(Some("a"), exp)).into_iter().collect();
            let due = due_for_sweep(&apps, now, slack);
            assert_eq!(due.first().map(|(_, d)| d.as_secs()), want, "{exp:?}");
        }
    }

    #[test]
    fn relative_times() {
        let table = [
            (7140, "in 1h 59m"),
            (-185, "3m 5s ago"),
            (42, "in 42s"),
            (0, "in 0s"),
            (183600, "in 2d 3h"),
        ];
        for (secs, want) in table {
            assert_eq!(relative(secs), want, "{secs}");
        }
    }
}
