//! Replacement that converges: once the new task is up, every other task of
//! the same name that was created before it is stopped. Two concurrent `up
//! --name x` thus end with exactly one task, the newest: each stops only
//! the older ones, and the older launch sees the newer task and leaves it.
//!
//! Invariants:
//! - The listing happens after the new task is up (not before RunTask), so
//!   a concurrent launch's task is seen.
//! - "Older" is by `createdAt`, ties broken by ARN, so two launches agree.
//!   A task without `createdAt` (moto omits it) is placed by the time in its
//!   launch tag (`token::launched_at`).
//! - A failed StopTask is a warning, never the launch's failure: the new
//!   app is up and its outputs are published.
//! - Each call is listed in the `Tracker` while in flight (for a deadline
//!   that cuts it short).

use std::time::SystemTime;

use aws_sdk_ecs::types::Task;
use tracing::{info, warn};

use super::calls::Tracker;
use crate::aws::{Clients, ecs};
use crate::contract::TAG_NAME;
use crate::exit::Failure;
use crate::net::short_id;

/// A task's place in launch order.
pub type Order = (Option<SystemTime>, String);

/// The tasks of `name` in `tasks` to stop for the new task `own` (pure).
pub fn older<'a>(tasks: &'a [(String, Order)], own: &Order) -> Vec<&'a str> {
    tasks
        .iter()
        .filter(|(_, order)| order.1 != own.1 && order < own)
        .map(|(_, order)| order.1.as_str())
        .collect()
}

/// A task's order key.
pub fn order(task: &Task) -> Order {
    let created = task
        .created_at()
        .and_then(|d| SystemTime::try_from(*d).ok())
        .or_else(|| {
            task.tags()
                .iter()
                .find(|t| t.key() == Some(super::token::TAG_LAUNCH))
                .and_then(|t| t.value())
                .and_then(super::token::launched_at)
        });
    (created, task.task_arn().unwrap_or_default().to_owned())
}

/// Stops the older tasks of `name`; returns the ARNs stopped. Only the
/// listing can fail; each failed StopTask is warned about and skipped.
pub async fn converge(
    clients: &Clients,
    cluster: &str,
    name: &str,
    own: &Order,
    calls: &Tracker,
) -> Result<Vec<String>, Failure> {
    let tasks = calls
        .during(
            "ecs:ListTasks/DescribeTasks",
            ecs::list_vanish_tasks(&clients.ecs, cluster),
        )
        .await?;
    let same: Vec<(String, Order)> = tasks
        .iter()
        .filter(|t| {
            t.tags()
                .iter()
                .any(|x| x.key() == Some(TAG_NAME) && x.value() == Some(name))
        })
        .map(|t| (name.to_owned(), order(t)))
        .collect();
    let mut stopped = Vec::new();
    let reason = format!("replaced by {}", short_id(&own.1));
    for arn in older(&same, own) {
        let stop = ecs::stop_task(&clients.ecs, cluster, arn, &reason);
        match calls.during("ecs:StopTask", stop).await {
            Ok(()) => {
                info!(task = %arn, "replaced the previous task");
                stopped.push(arn.to_owned());
            }
            Err(f) => {
                warn!(task = %arn, "could not stop the replaced task (it runs until its TTL): {f}");
            }
        }
    }
    Ok(stopped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, arn: &str) -> (String, Order) {
        (
            "x".into(),
            (
                Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs)),
                arn.into(),
            ),
        )
    }

    #[test]
    fn only_older_tasks_are_stopped_and_two_launches_agree() {
        let tasks = vec![at(1, "a"), at(2, "b"), at(3, "c"), at(2, "d")];
        let own_b = tasks[1].1.clone();
        let own_c = tasks[2].1.clone();
        let own_d = tasks[3].1.clone();
        assert_eq!(older(&tasks, &own_b), ["a"]);
        assert_eq!(older(&tasks, &own_c), ["a", "b", "d"]);
        // Same createdAt: the ARN decides, the same way for both.
        assert_eq!(older(&tasks, &own_d), ["a", "b"]);
        // Whatever the order of the two launches, exactly the newest survives.
        let survivors: Vec<&str> = tasks
            .iter()
            .map(|(_, o)| o.1.as_str())
            .filter(|arn| {
                !tasks
                    .iter()
                    .any(|(_, own)| older(&tasks, own).contains(arn))
            })
            .collect();
        assert_eq!(survivors, ["c"]);
    }
}
