//! Reading a task's logs: which task (`find_task`), where its logs are
//! (`task_logs`, from the task definition's awslogs options), printing them
//! once or following them until the task stops (`logs --follow`, `run`).
//!
//! Invariants:
//! - The task is the newest one tagged `vanish:name` NAME that is meant to
//!   run, else the newest recently stopped one; an unknown name is exit 1
//!   naming the apps that exist.
//! - Events of several streams are merged by timestamp; stdout carries log
//!   lines only; a missing stream is one stderr line, never an error.
//! - Following polls every stream from its kept token; once DescribeTasks
//!   says STOPPED it drains once more and returns the essential container's
//!   exit code (`Exit::Container`). All waiting goes through `Pace`.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use aws_sdk_ecs::types::{DesiredStatus, Task};

use crate::apps::{App, names};
use crate::aws::logs::{self as awslogs, Event, LogsError};
use crate::aws::{Clients, ecs, logs_in, tasks};
use crate::exit::{Exit, Failure};
use crate::logs::format::{LineFormat, color_wanted};
use crate::logs::source::{self, ContainerLogConfig, LogSource};
use crate::logs::window;
use crate::pace::Pace;
use crate::wait::{Phase, phase};

/// Where a task's logs are and which containers decide its exit code.
#[derive(Debug, Clone)]
pub struct TaskLogs {
    pub sources: Vec<LogSource>,
    pub essential: Vec<String>,
}

/// The newest task of `tasks` (by creation time).
fn newest(tasks: Vec<Task>) -> Option<Task> {
    tasks.into_iter().max_by_key(|t| {
        t.created_at()
            .map(|d| (d.secs(), d.subsec_nanos()))
            .unwrap_or_default()
    })
}

fn named(tasks: &[Task], name: &str) -> Vec<Task> {
    tasks
        .iter()
        .filter(|t| App::from_task(t).is_some_and(|a| a.name == name))
        .cloned()
        .collect()
}

/// The task to read: running first, else recently stopped.
pub async fn find_task(clients: &Clients, cluster: &str, name: &str) -> Result<Task, Failure> {
    let running = ecs::list_vanish_tasks(&clients.ecs, cluster).await?;
    if let Some(t) = newest(named(&running, name)) {
        return Ok(t);
    }
    let stopped = ecs::list_vanish_tasks_by(&clients.ecs, cluster, DesiredStatus::Stopped).await?;
    if let Some(t) = newest(named(&stopped, name)) {
        return Ok(t);
    }
    let apps: Vec<App> = running.iter().filter_map(App::from_task).collect();
    Err(
        Failure::new(Exit::TaskFailed, format!("no review app named {name}"))
            .detail(format!("  running: {}", names(&apps))),
    )
}

/// The awslogs settings of a task definition's containers, and its essential containers.
pub async fn task_logs(
    clients: &Clients,
    task_definition: &str,
    task_arn: &str,
    service: Option<&str>,
) -> Result<TaskLogs, Failure> {
    let defs = tasks::container_definitions(clients, task_definition).await?;
    let configs: Vec<ContainerLogConfig> = defs
        .iter()
        .map(|c| ContainerLogConfig {
            container: c.name().unwrap_or_default().to_owned(),
            driver: c
                .log_configuration()
                .map(|l| l.log_driver().as_str().to_owned()),
            options: c
                .log_configuration()
                .and_then(|l| l.options())
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        })
        .collect();
    let sources = source::sources(&configs, task_arn, service)
        .map_err(|e| Failure::new(Exit::BadInput, e.to_string()))?;
    let essential = defs
        .iter()
        .filter(|c| c.essential().unwrap_or(true))
        .filter_map(|c| c.name().map(str::to_owned))
        .collect();
    Ok(TaskLogs { sources, essential })
}

/// Events of several streams in time order (stable: equal timestamps keep
/// the streams' order).
pub fn merge(batches: Vec<(String, Vec<Event>)>) -> Vec<(String, Event)> {
    let mut all: Vec<(String, Event)> = batches
        .into_iter()
        .flat_map(|(s, evs)| evs.into_iter().map(move |e| (s.clone(), e)))
        .collect();
    all.sort_by_key(|(_, e)| e.timestamp);
    all
}

/// How a stopped task ends `logs --follow` / `run`: the first essential
/// container that exited non-zero, else the first essential one's code; no
/// exit code at all (it never started) is a failure with the stop report.
pub fn essential_exit(task: &Task, essential: &[String]) -> Result<Exit, Failure> {
    let codes: Vec<(&str, Option<i32>)> = task
        .containers()
        .iter()
        .filter(|c| c.name().is_some_and(|n| essential.iter().any(|e| e == n)))
        .map(|c| (c.name().unwrap_or_default(), c.exit_code()))
        .collect();
    let code = codes
        .iter()
        .find_map(|(_, c)| c.filter(|c| *c != 0))
        .or_else(|| codes.iter().find_map(|(_, c)| *c));
    match code {
        Some(c) => Ok(Exit::Container(u8::try_from(c).unwrap_or(1))),
        None => {
            let mut f = Failure::new(
                Exit::TaskFailed,
                format!(
                    "task {} stopped without an exit code",
                    crate::net::short_id(task.task_arn().unwrap_or_default())
                ),
            );
            if let Phase::Stopped(report) = phase(task) {
                for line in report.lines() {
                    f = f.detail(line);
                }
            }
            Err(f)
        }
    }
}

/// Writes lines to stdout; a closed pipe (`| head`) is not an error.
fn emit(format: &LineFormat, events: &[(String, Event)]) -> bool {
    let mut out = std::io::stdout().lock();
    for (service, e) in events {
        if writeln!(out, "{}", format.line(service, &e.message)).is_err() {
            return false;
        }
    }
    out.flush().is_ok()
}

/// How to read and print.
#[derive(Debug, Clone)]
pub struct Reading {
    pub start_time: Option<i64>,
    pub tail: Option<usize>,
    pub format: LineFormat,
}

impl Reading {
    pub fn new(sources: &[LogSource], start_time: Option<i64>, tail: Option<usize>) -> Self {
        let services: Vec<String> = sources.iter().map(|s| s.service.clone()).collect();
        let color = color_wanted(
            std::io::stdout().is_terminal(),
            std::env::var("NO_COLOR").ok().as_deref(),
        );
        Reading {
            start_time,
            tail,
            format: LineFormat::new(&services, color),
        }
    }
}

/// One pass over every source from its kept token. Missing streams are
/// reported (once each, by the caller's `missing` memory) and skipped.
async fn poll_once(
    clients: &Clients,
    sources: &[LogSource],
    tokens: &mut [Option<String>],
    start_time: Option<i64>,
    missing: &mut [bool],
    warn_missing: bool,
) -> Result<Vec<(String, Event)>, Failure> {
    let mut batches = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let client = logs_in(&clients.logs, src.region.as_deref());
        match awslogs::drain(&client, src, start_time, tokens[i].clone()).await {
            Ok(d) => {
                if d.truncated {
                    tracing::warn!(stream = %src.stream, "page limit reached: output truncated");
                }
                tokens[i] = d.token.or(tokens[i].take());
                missing[i] = false;
                batches.push((src.service.clone(), d.events));
            }
            Err(e @ LogsError::NotFound { .. }) => {
                if warn_missing && !missing[i] {
                    tracing::warn!("{e}");
                }
                missing[i] = true;
            }
            Err(e @ LogsError::Api { .. }) => {
                return Err(Failure::new(Exit::Aws, e.to_string()));
            }
        }
    }
    Ok(merge(batches))
}

/// Prints the logs once (no --follow). All streams missing → exit 1.
pub async fn print_once(
    clients: &Clients,
    sources: &[LogSource],
    reading: &Reading,
) -> anyhow::Result<Exit> {
    let mut tokens = vec![None; sources.len()];
    let mut missing = vec![false; sources.len()];
    let lines = poll_once(
        clients,
        sources,
        &mut tokens,
        reading.start_time,
        &mut missing,
        sources.len() > 1,
    )
    .await?;
    if !sources.is_empty() && missing.iter().all(|m| *m) {
        let s = &sources[0];
        return Err(Failure::new(
            Exit::TaskFailed,
            if sources.len() == 1 {
                format!(
                    "log stream '{}' in group '{}' does not exist yet",
                    s.stream, s.group
                )
            } else {
                format!(
                    "none of the {} log streams in group '{}' exists yet",
                    sources.len(),
                    s.group
                )
            },
        )
        .hint("the task may still be starting: --follow waits for it")
        .into());
    }
    emit(&reading.format, &window::tail(lines, reading.tail));
    Ok(Exit::Ok)
}

/// Prints the logs until the task stops, then drains once more and returns
/// the essential container's exit code.
pub async fn follow(
    clients: &Clients,
    cluster: &str,
    task_arn: &str,
    logs: &TaskLogs,
    reading: &Reading,
    poll: Duration,
    pace: &Pace,
) -> anyhow::Result<Exit> {
    let n = logs.sources.len();
    let mut tokens = vec![None; n];
    let mut missing = vec![false; n];
    let mut first = true;
    loop {
        // Status first: the drain after seeing STOPPED is the final one.
        let task = ecs::describe_tasks(&clients.ecs, cluster, &[task_arn.to_owned()])
            .await?
            .into_iter()
            .next();
        let stopped = task.as_ref().is_none_or(|t| {
            matches!(phase(t), Phase::Stopped(_)) && t.last_status() == Some("STOPPED")
        });
        let lines = poll_once(
            clients,
            &logs.sources,
            &mut tokens,
            reading.start_time,
            &mut missing,
            true,
        )
        .await?;
        let lines = if first {
            window::tail(lines, reading.tail)
        } else {
            lines
        };
        if !lines.is_empty() {
            first = false;
        }
        if !emit(&reading.format, &lines) {
            return Ok(Exit::Ok);
        }
        if stopped {
            return match task {
                Some(t) => Ok(essential_exit(&t, &logs.essential)?),
                None => Err(Failure::new(
                    Exit::Aws,
                    format!("DescribeTasks does not know task {task_arn}"),
                )
                .into()),
            };
        }
        pace.sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::Container;

    fn ev(ts: i64, m: &str) -> Event {
        Event {
            timestamp: ts,
            message: m.into(),
        }
    }

    #[test]
    fn merge_orders_by_time_and_keeps_ties_stable() {
        let got = merge(vec![
            ("web".into(), vec![ev(1, "w1"), ev(3, "w3"), ev(5, "w5")]),
            ("db".into(), vec![ev(2, "d2"), ev(3, "d3")]),
        ]);
        let got: Vec<_> = got
            .iter()
            .map(|(s, e)| format!("{s}:{}", e.message))
            .collect();
        assert_eq!(got, ["web:w1", "db:d2", "web:w3", "db:d3", "web:w5"]);
    }

    fn stopped(containers: &[(&str, Option<i32>)]) -> Task {
        let mut b = Task::builder().task_arn("arn/t1").last_status("STOPPED");
        for (n, c) in containers {
            b = b.containers(Container::builder().name(*n).set_exit_code(*c).build());
        }
        b.build()
    }

    type Codes<'a> = &'a [(&'a str, Option<i32>)];

    #[test]
    fn essential_exit_table() {
        let ess = vec!["web".to_string(), "worker".to_string()];
        let table: [(Codes, Option<u8>); 6] = [
            (&[("web", Some(0))], Some(0)),
            (&[("web", Some(3)), ("side", Some(9))], Some(3)),
            (&[("side", Some(9)), ("web", Some(0))], Some(0)),
            (&[("web", Some(0)), ("worker", Some(137))], Some(137)),
            (&[("web", Some(-1))], Some(1)),
            (&[("web", None)], None),
        ];
        for (cs, want) in table {
            let got = essential_exit(&stopped(cs), &ess).ok().map(Exit::code);
            assert_eq!(got, want, "{cs:?}");
        }
    }
}
