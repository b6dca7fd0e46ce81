//! `vanish down NAME... | --all`: stop review apps by name.
//!
//! Invariants: an unknown name stops nothing and is exit 1 with the names
//! that do exist; with `--wait` every stopped task is polled until STOPPED
//! (bounded by `--timeout`). A failed StopTask does not stop the others:
//! each failure is one stderr line, and `down` then exits 3.

use std::time::{Duration, Instant};

use crate::apps::App;
use crate::apps::names;
use crate::aws::{Clients, ecs};
use crate::exit::{Exit, Failure};
use crate::global::Global;
use crate::stdout;
use crate::wait::backoff;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Review apps to stop.
    #[arg(
        env = "VANISH_NAMES",
        value_delimiter = ',',
        required_unless_present = "all"
    )]
    pub names: Vec<String>,
    /// Stop every review app in the cluster.
    #[arg(long, env = "VANISH_ALL", conflicts_with = "names")]
    pub all: bool,
    /// The ECS cluster (name or ARN).
    #[arg(long, env = "VANISH_CLUSTER", default_value = "default")]
    pub cluster: String,
    /// The stop reason ECS records.
    #[arg(long, env = "VANISH_REASON", default_value = "stopped by vanish down")]
    pub reason: String,
    /// Wait until the tasks are STOPPED.
    #[arg(long, env = "VANISH_DOWN_WAIT")]
    pub wait: bool,
    /// Bound for --wait.
    #[arg(long, env = "VANISH_DOWN_TIMEOUT", value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
}

/// The apps to stop, or the unknown names.
pub fn select<'a>(
    apps: &'a [App],
    names: &[String],
    all: bool,
) -> Result<Vec<&'a App>, Vec<String>> {
    if all {
        return Ok(apps.iter().collect());
    }
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| !apps.iter().any(|a| &a.name == *n))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    Ok(apps.iter().filter(|a| names.contains(&a.name)).collect())
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<Exit> {
    let clients = Clients::new(&global.aws()).await?;
    let tasks = ecs::list_vanish_tasks(&clients.ecs, &args.cluster).await?;
    let apps: Vec<App> = tasks.iter().filter_map(App::from_task).collect();
    let chosen = select(&apps, &args.names, args.all).map_err(|unknown| {
        Failure::new(
            Exit::TaskFailed,
            format!("no review app named {}", unknown.join(", ")),
        )
        .detail(format!("  running: {}", names(&apps)))
    })?;
    let mut arns = Vec::new();
    let mut failed = 0usize;
    for a in &chosen {
        match ecs::stop_task(&clients.ecs, &args.cluster, &a.task_arn, &args.reason).await {
            Ok(()) => {
                stdout::println(&format!("stopped {}  {}", a.name, a.task_arn))?;
                arns.push(a.task_arn.clone());
            }
            Err(f) => {
                eprintln!("error: could not stop {}  {}: {f}", a.name, a.task_arn);
                failed += 1;
            }
        }
    }
    if args.wait && !arns.is_empty() {
        let start = Instant::now();
        let mut attempt = 0;
        loop {
            let mut pending = Vec::new();
            for batch in arns.chunks(ecs::DESCRIBE_BATCH) {
                for t in ecs::describe_tasks(&clients.ecs, &args.cluster, batch).await? {
                    if t.last_status() != Some("STOPPED") {
                        pending.extend(t.task_arn().map(str::to_string));
                    }
                }
            }
            if pending.is_empty() {
                tracing::info!(count = arns.len(), "all stopped");
                break;
            }
            let pause = backoff(attempt, Duration::from_secs(1), Duration::from_secs(5));
            attempt += 1;
            if start.elapsed() + pause > args.timeout {
                return Err(Failure::new(
                    Exit::WaitTimeout,
                    format!(
                        "{} task(s) not STOPPED after {}",
                        pending.len(),
                        humantime::format_duration(args.timeout)
                    ),
                )
                .into());
            }
            tokio::time::sleep(pause).await;
        }
    }
    if failed > 0 {
        return Err(Failure::new(
            Exit::Aws,
            format!("could not stop {failed} of {} task(s)", chosen.len()),
        )
        .into());
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(name: &str) -> App {
        App {
            name: name.into(),
            status: "RUNNING".into(),
            task_arn: format!("arn/{name}"),
            task_id: name.into(),
            task_definition: String::new(),
            ttl: None,
            expires_at: None,
            requested_by: None,
            git_ref: None,
            created_at: None,
            private_ip: None,
            eni_id: None,
            public_ip: None,
            url: None,
        }
    }

    #[test]
    fn selection() {
        let apps = vec![app("a"), app("b"), app("a")];
        let names = |v: Result<Vec<&App>, Vec<String>>| {
            v.map(|x| x.iter().map(|a| a.name.clone()).collect::<Vec<_>>())
        };
        assert_eq!(
            names(select(&apps, &["a".into()], false)),
            Ok(vec!["a".into(), "a".into()])
        );
        assert_eq!(names(select(&apps, &[], true)).map(|v| v.len()), Ok(3));
        assert_eq!(
            names(select(&apps, &["a".into(), "zz".into()], false)),
            Err(vec!["zz".into()])
        );
    }
}
