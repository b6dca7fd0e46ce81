//! `vanish sweep`: stop every review app whose `vanish:expires-at` is more
//! than `--slack` in the past. The backstop for images without vanish-init.
//!
//! Invariants: only tasks with `startedBy: vanish` and a parseable expiry tag
//! are ever stopped; `--dry-run` stops nothing. Safe to run on a schedule.
//! A failed StopTask does not stop the sweep: every due task is tried, each
//! failure is one stderr line, and the sweep then exits 3 naming how many.

use std::time::{Duration, SystemTime};

use crate::apps::{App, due_for_sweep, short};
use crate::aws::{Clients, ecs};
use crate::exit::{Exit, Failure};
use crate::global::Global;
use crate::stdout;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ECS cluster (name or ARN).
    #[arg(long, env = "VANISH_CLUSTER", default_value = "default")]
    pub cluster: String,
    /// How far past its expiry a task must be before it is stopped.
    #[arg(long, env = "VANISH_SLACK", value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub slack: Duration,
    /// Show what would be stopped, stop nothing.
    #[arg(long, env = "VANISH_DRY_RUN")]
    pub dry_run: bool,
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<Exit> {
    let clients = Clients::new(&global.aws()).await?;
    let tasks = ecs::list_vanish_tasks(&clients.ecs, &args.cluster).await?;
    let apps: Vec<App> = tasks.iter().filter_map(App::from_task).collect();
    let now = SystemTime::now();
    let due = due_for_sweep(&apps, now, args.slack);
    let mut failed = Vec::new();
    for (a, late) in &due {
        let exp = a.expires_at.as_deref().unwrap_or("-");
        if args.dry_run {
            stdout::println(&format!(
                "would stop {}  {}  expired {exp} ({} ago)",
                a.name,
                a.task_arn,
                short(*late)
            ))?;
        } else {
            let reason = format!("expired at {exp} (vanish sweep)");
            if let Err(f) = ecs::stop_task(&clients.ecs, &args.cluster, &a.task_arn, &reason).await
            {
                eprintln!("error: could not stop {}  {}: {f}", a.name, a.task_arn);
                failed.push(a.task_arn.clone());
                continue;
            }
            stdout::println(&format!(
                "stopped {}  {}  expired {exp} ({} ago)",
                a.name,
                a.task_arn,
                short(*late)
            ))?;
        }
    }
    tracing::info!(
        checked = apps.len(),
        due = due.len(),
        dry_run = args.dry_run,
        "sweep done"
    );
    if !failed.is_empty() {
        return Err(Failure::new(
            Exit::Aws,
            format!(
                "sweep could not stop {} of {} expired task(s)",
                failed.len(),
                due.len()
            ),
        )
        .into());
    }
    Ok(Exit::Ok)
}
