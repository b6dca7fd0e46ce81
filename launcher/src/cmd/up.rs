//! `vanish up`: launch (or replace) a review app and print its URL.
//!
//! Invariants: stdout carries only the result (text lines or one JSON
//! object); progress and logs go to stderr. Ctrl-C (exit 130) or SIGTERM
//! (exit 143) before the task is RUNNING stops it ("launch interrupted");
//! after RUNNING it is left to its TTL; a second signal exits at once,
//! naming the task. `--wait` bounds the whole command, setup included.
//! The Plan comes from the spec (exactly as `vanish render` loads it), or
//! from `--plan FILE` (what `vanish render` printed; its identity fields
//! must be vanish's). Once the app is up its outputs are always published,
//! even when stopping the replaced task failed (a warning).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::Context;

use crate::aws::Clients;
use crate::exit::Exit;
use crate::global::Global;
use crate::interrupt::Signals;
use crate::launch::{self, UpOptions};
use crate::output;
use crate::plan::Plan;
use crate::progress::Progress;
use crate::spec::SpecArgs;
use crate::stdout;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Launch this Plan (JSON, as `vanish render` prints it) instead of a spec.
    #[arg(long, env = "VANISH_PLAN", value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Bound on the whole of `up`: setup, RunTask, RUNNING and the health check (also with --no-wait).
    #[arg(long, env = "VANISH_WAIT", value_name = "DURATION", default_value = "10m", value_parser = humantime::parse_duration)]
    pub wait: Duration,
    /// Return right after RunTask, without waiting for RUNNING (--wait still bounds setup and RunTask).
    #[arg(long, env = "VANISH_NO_WAIT")]
    pub no_wait: bool,
    /// Keep a running task of the same name instead of replacing it.
    #[arg(long, env = "VANISH_NO_REPLACE")]
    pub no_replace: bool,
    /// Run without a public IP (private subnets); report the private IP.
    #[arg(long, env = "VANISH_NO_PUBLIC_IP")]
    pub no_public_ip: bool,
    /// Enable ECS Exec (`aws ecs execute-command`) on the task.
    #[arg(long, env = "VANISH_EXEC")]
    pub exec: bool,
    /// Stop the task when the wait runs out (default: leave it to its TTL).
    #[arg(long, env = "VANISH_STOP_ON_FAILURE")]
    pub stop_on_failure: bool,
    /// After RUNNING, how long to wait for the public IP to be assigned.
    #[arg(long, env = "VANISH_IP_WAIT", value_name = "DURATION", default_value = "30s", value_parser = humantime::parse_duration)]
    pub ip_wait: Duration,
    /// Result format on stdout.
    #[arg(long, env = "VANISH_OUTPUT", value_enum, default_value = "text")]
    pub output: Format,
    /// Do not print the last log lines of crashed containers when the task stops early.
    #[arg(long, env = "VANISH_NO_LOGS")]
    pub no_logs: bool,
    /// Also write VANISH_URL=... etc. to this file (GitLab dotenv report).
    #[arg(long, env = "VANISH_DOTENV", value_name = "FILE")]
    pub dotenv: Option<PathBuf>,
}

/// Applies the flags that change the Plan.
pub fn apply_flags(plan: &mut Plan, args: &Args) {
    if args.no_public_ip {
        plan.run_task
            .network_configuration
            .awsvpc_configuration
            .assign_public_ip = "DISABLED".into();
    }
    if args.exec {
        plan.run_task.enable_execute_command = true;
    }
}

fn append(path: &std::ffi::OsStr, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.to_string_lossy()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.to_string_lossy()))
}

pub async fn run(global: &Global, args: Args, signals: &mut Signals) -> anyhow::Result<Exit> {
    // --wait bounds everything from here, setup included.
    let pace = launch::Pace::real();
    let clients = Clients::new(&global.aws()).await?;
    // The region the clients resolved (flag, env or profile) is the one the
    // awslogs configuration must name.
    let region = clients.ecs.config().region().map(|r| r.to_string());
    let mut plan =
        launch::plan_file::load(args.plan.as_deref(), &args.spec, region, signals).await?;
    apply_flags(&mut plan, &args);
    let mut opts = UpOptions::new(
        launch::token::fresh(&plan.vanish.name),
        Progress::stderr(global.quiet),
    );
    opts.pace = pace;
    opts.wait = Some(args.wait);
    opts.no_wait = args.no_wait;
    opts.replace = !args.no_replace;
    opts.stop_on_failure = args.stop_on_failure;
    opts.ip_wait = args.ip_wait;
    if args.no_logs {
        opts.crash_log_lines = 0;
    }
    let outcome = launch::up(&clients, plan, opts, signals).await?;

    match args.output {
        Format::Text => stdout::print(&output::text(&outcome, SystemTime::now()))?,
        Format::Json => stdout::print(&output::json(&outcome))?,
    }
    if let Some(p) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
        append(&p, &output::github_output(&outcome))?;
    }
    if let Some(p) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        append(&p, &output::github_summary(&outcome))?;
    }
    if let Some(p) = &args.dotenv {
        std::fs::write(p, output::dotenv(&outcome))
            .with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(Exit::Ok)
}
