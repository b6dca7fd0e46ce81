//! `vanish logs NAME [SERVICE]`: print a review app's CloudWatch Logs.
//!
//! Invariants:
//! - The task is the newest one tagged `vanish:name` NAME that is meant to
//!   run, else the newest recently stopped one; an unknown name is exit 1
//!   naming the apps that exist (as `down`).
//! - Group and stream come from the task definition's awslogs options
//!   (`logs::source`); events of several streams are merged by timestamp.
//! - stdout carries log lines only; a stream that does not exist is one
//!   stderr line (waited for under `--follow`), never a stack trace.
//! - `--follow` polls every stream from its kept token (`--poll`, 2 s); once
//!   DescribeTasks says STOPPED it drains once more and exits with the
//!   essential container's exit code (`Exit::Container`). All waiting goes
//!   through `Pace`.

use std::time::{Duration, SystemTime};

use crate::aws::Clients;
use crate::exit::{Exit, Failure};
use crate::global::Global;
use crate::logs::read::{Reading, find_task, follow, print_once, task_logs};
use crate::logs::window;
use crate::pace::Pace;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The review app.
    #[arg(env = "VANISH_NAME")]
    pub name: String,
    /// Only this service's (container's) logs.
    #[arg(env = "VANISH_SERVICE")]
    pub service: Option<String>,
    /// The ECS cluster (name or ARN).
    #[arg(long, env = "VANISH_CLUSTER", default_value = "default")]
    pub cluster: String,
    /// Only events since then: a duration back (10m, 1h30m) or an RFC 3339 time.
    #[arg(long, env = "VANISH_SINCE", value_name = "WHEN")]
    pub since: Option<String>,
    /// Only the last N lines (of the merged output).
    #[arg(long, env = "VANISH_TAIL", value_name = "N")]
    pub tail: Option<usize>,
    /// Keep printing until the task stops, then exit with its essential container's exit code.
    #[arg(short, long, env = "VANISH_FOLLOW")]
    pub follow: bool,
    /// How often --follow polls the streams.
    #[arg(long, env = "VANISH_LOGS_POLL", value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration, hide = true)]
    pub poll: Duration,
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<Exit> {
    let start_time = args
        .since
        .as_deref()
        .map(|s| window::parse_since(s, SystemTime::now()))
        .transpose()
        .map_err(|e| Failure::new(Exit::BadInput, e.to_string()))?;
    let clients = Clients::new(&global.aws()).await?;
    let task = find_task(&clients, &args.cluster, &args.name).await?;
    let task_arn = task.task_arn().unwrap_or_default().to_owned();
    let logs = task_logs(
        &clients,
        task.task_definition_arn().unwrap_or_default(),
        &task_arn,
        args.service.as_deref(),
    )
    .await?;
    tracing::debug!(task = %task_arn, streams = logs.sources.len(), "reading logs");
    let reading = Reading::new(&logs.sources, start_time, args.tail);
    if args.follow {
        follow(
            &clients,
            &args.cluster,
            &task_arn,
            &logs,
            &reading,
            args.poll,
            &Pace::real(),
        )
        .await
    } else {
        print_once(&clients, &logs.sources, &reading).await
    }
}
