//! `vanish up`: launch (or replace) a review app and print its URL.
//!
//! Invariants: stdout carries only the result (text lines or one JSON
//! object); progress and logs go to stderr. Ctrl-C or SIGTERM before the
//! task is RUNNING stops it ("launch interrupted"); after RUNNING it is left to its
//! TTL. The Plan comes from the spec (exactly as `vanish render` loads it),
//! or from `--plan FILE` (what `vanish render` printed).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::Context;

use crate::aws::Clients;
use crate::cli::Global;
use crate::cmd::render::MASK;
use crate::exit::{Exit, Failure};
use crate::launch::{self, UpOptions};
use crate::output;
use crate::plan::Plan;
use crate::progress::Progress;
use crate::spec::{LoadContext, SpecArgs};

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
    /// How long to wait for RUNNING (and the health check).
    #[arg(long, env = "VANISH_WAIT", value_name = "DURATION", default_value = "10m", value_parser = humantime::parse_duration)]
    pub wait: Duration,
    /// Return right after RunTask, without waiting for RUNNING.
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

/// Reads a Plan file (`-` for stdin).
pub fn read_plan(path: &std::path::Path) -> anyhow::Result<Plan> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading the plan from stdin")?
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            Failure::new(
                Exit::BadInput,
                format!("cannot read the plan {}: {e}", path.display()),
            )
        })?
    };
    let plan: Plan = serde_json::from_str(&text).map_err(|e| {
        Failure::new(
            Exit::BadInput,
            format!("{}: not a vanish plan: {e}", path.display()),
        )
        .hint("write it with `vanish render --show-secrets > plan.json`")
    })?;
    let masked = masked_names(&plan);
    if !masked.is_empty() {
        return Err(Failure::new(
            Exit::BadInput,
            format!(
                "{}: the plan holds masked values ({}); launching it would set them to {MASK:?}",
                path.display(),
                masked.join(", ")
            ),
        )
        .hint("render it with `vanish render --show-secrets > plan.json`")
        .into());
    }
    Ok(plan)
}

/// Environment variables whose value is render's mask, container by container.
fn masked_names(plan: &Plan) -> Vec<String> {
    let defs = plan
        .register_task_definition
        .container_definitions
        .iter()
        .map(|c| (&c.name, &c.environment));
    let overrides = plan
        .run_task
        .overrides
        .container_overrides
        .iter()
        .map(|c| (&c.name, &c.environment));
    defs.chain(overrides)
        .flat_map(|(container, env)| {
            env.iter()
                .filter(|kv| crate::mask::is_masked(&kv.value))
                .map(move |kv| format!("{container}.{}", kv.name))
        })
        .collect()
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

fn client_token(plan: &Plan) -> String {
    // Unique per launch, stable across the SDK's retries of one RunTask call.
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut t = format!(
        "vanish-{}-{nanos:x}-{}",
        plan.vanish.name,
        std::process::id()
    );
    t.truncate(64);
    t
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

pub async fn run(global: &Global, args: Args) -> anyhow::Result<Exit> {
    let clients = Clients::from_global(global).await?;
    let mut plan = match &args.plan {
        Some(path) => read_plan(path)?,
        None => {
            // The region the clients resolved (flag, env or profile) is the
            // one the awslogs configuration must name.
            let region = clients.ecs.config().region().map(|r| r.to_string());
            crate::load::load_plan(&args.spec, &LoadContext::from_process(region))?
        }
    };
    apply_flags(&mut plan, &args);
    let mut opts = UpOptions::new(client_token(&plan), Progress::stderr(global.quiet));
    opts.wait = (!args.no_wait).then_some(args.wait);
    opts.replace = !args.no_replace;
    opts.stop_on_failure = args.stop_on_failure;
    opts.ip_wait = args.ip_wait;
    if args.no_logs {
        opts.crash_log_lines = 0;
    }
    let interrupt = async {
        crate::interrupt::interrupted().await;
        eprintln!();
    };
    let outcome = launch::up_or_interrupt(&clients, plan, opts, interrupt).await?;

    match args.output {
        Format::Text => print!("{}", output::text(&outcome, SystemTime::now())),
        Format::Json => print!("{}", output::json(&outcome)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{ContainerDefinition, ContainerOverride, KeyValue};

    fn kv(name: &str, value: &str) -> KeyValue {
        KeyValue {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn masked_values_are_found_in_definitions_and_overrides() {
        let json = include_str!("../../../examples/review-app/render.golden.json");
        let mut plan: Plan = serde_json::from_str(json).expect("golden plan parses");
        // The golden is rendered with masking on.
        assert_eq!(masked_names(&plan), ["web.SECRET_KEY"]);
        for c in &mut plan.register_task_definition.container_definitions {
            c.environment.retain(|kv| kv.value != MASK);
        }
        assert!(masked_names(&plan).is_empty());
        plan.register_task_definition
            .container_definitions
            .push(ContainerDefinition {
                name: "side".into(),
                environment: vec![kv("A", "1"), kv("DB_PASSWORD", MASK)],
                ..Default::default()
            });
        plan.run_task
            .overrides
            .container_overrides
            .push(ContainerOverride {
                name: "side".into(),
                command: None,
                environment: vec![kv("TOKEN", MASK)],
            });
        assert_eq!(masked_names(&plan), ["side.DB_PASSWORD", "side.TOKEN"]);
    }
}
