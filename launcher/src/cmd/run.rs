//! `vanish run [-f ...] SERVICE [-- COMMAND...]`: one service of the spec as
//! a one-off task, run to completion (the migrate pattern).
//!
//! Invariants:
//! - Same spec, network resolution and tags as `up`, but the task holds only
//!   SERVICE's container (no web server or sidecars are started for a
//!   migration), so the task ends exactly when it exits. It is its own app:
//!   name `<name>-run`, family `<family>-run`, so it neither replaces nor is
//!   replaced by the review app, and `up` does not see a changed definition.
//! - `-- COMMAND...` and `-e K=V` go into RunTask's containerOverrides.
//! - vanish-init's TTL applies: `--ttl` defaults to 1h here. Ctrl-C (exit
//!   130) or SIGTERM (exit 143) stops the one-off task at any point, even
//!   while RunTask is in flight (a cancelled CI job must not leave a
//!   migration running); the message names the task.
//! - Logs stream while it runs (as `logs --follow`); the exit status is the
//!   container's (`Exit::Container`); a task that could not start is exit 1
//!   with the reasons.

use std::time::Duration;

use crate::aws::Clients;
use crate::exit::{Exit, Failure};
use crate::global::Global;
use crate::interrupt::Signals;
use crate::launch::{self, UpOptions};
use crate::logs::read::{self, Reading, TaskLogs};
use crate::plan::Plan;
use crate::plan::model::{ContainerOverride, KeyValue};
use crate::progress::Progress;
use crate::spec::SpecArgs;

/// `run`'s default TTL (up's is 2h).
pub const RUN_TTL: &str = "1h";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Run from this Plan (JSON, as `vanish render` prints it) instead of a spec.
    #[arg(long, env = "VANISH_PLAN", value_name = "FILE")]
    pub plan: Option<std::path::PathBuf>,
    /// The service (container) to run.
    #[arg(env = "VANISH_SERVICE")]
    pub service: String,
    /// Extra environment for the container (repeatable; the value may hold commas).
    #[arg(short = 'e', long = "env", env = "VANISH_RUN_ENV", value_name = "K=V", value_parser = parse_kv)]
    pub env: Vec<(String, String)>,
    /// Run without a public IP (private subnets).
    #[arg(long, env = "VANISH_NO_PUBLIC_IP")]
    pub no_public_ip: bool,
    /// How often the logs and the task are polled.
    #[arg(long, env = "VANISH_LOGS_POLL", value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration, hide = true)]
    pub poll: Duration,
    /// The command to run instead of the service's (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected K=V, got {s:?}")),
    }
}

/// The Plan of `up` turned into a one-off run of `service` (pure).
pub fn one_off(
    mut plan: Plan,
    service: &str,
    command: &[String],
    env: &[(String, String)],
) -> Result<Plan, Failure> {
    let td = &mut plan.register_task_definition;
    let Some(mut container) = td
        .container_definitions
        .iter()
        .find(|c| c.name == service)
        .cloned()
    else {
        let have: Vec<&str> = td
            .container_definitions
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        return Err(Failure::new(
            Exit::BadInput,
            format!(
                "no service named {service} in the spec (it has: {})",
                have.join(", ")
            ),
        ));
    };
    container.essential = true;
    container.depends_on.clear();
    td.container_definitions = vec![container];
    td.family = format!("{}-run", td.family);

    let name = format!("{}-run", plan.vanish.name);
    for t in plan
        .run_task
        .tags
        .iter_mut()
        .chain(plan.register_task_definition.tags.iter_mut())
    {
        if t.key == crate::contract::TAG_NAME {
            t.value.clone_from(&name);
        }
    }
    plan.vanish.name = name;
    plan.vanish.public.clear();
    plan.vanish.health_path = None;
    plan.run_task.task_definition = plan.register_task_definition.family.clone();

    let overrides = &mut plan.run_task.overrides.container_overrides;
    overrides.retain(|o| o.name == service);
    if overrides.is_empty() {
        overrides.push(ContainerOverride {
            name: service.to_owned(),
            command: None,
            environment: Vec::new(),
        });
    }
    let o = &mut overrides[0];
    if !command.is_empty() {
        o.command = Some(command.to_vec());
    }
    for (k, v) in env {
        o.environment.retain(|kv| &kv.name != k);
        o.environment.push(KeyValue {
            name: k.clone(),
            value: v.clone(),
        });
    }
    Ok(plan)
}

/// Where the one-off task's logs are: from the plan's awslogs options.
pub fn plan_logs(plan: &Plan, task_arn: &str) -> Result<TaskLogs, Failure> {
    use crate::logs::source::{ContainerLogConfig, sources};
    let configs: Vec<ContainerLogConfig> = plan
        .register_task_definition
        .container_definitions
        .iter()
        .map(|c| ContainerLogConfig {
            container: c.name.clone(),
            driver: c.log_configuration.as_ref().map(|l| l.log_driver.clone()),
            options: c
                .log_configuration
                .as_ref()
                .map(|l| l.options.clone())
                .unwrap_or_default(),
        })
        .collect();
    let essential = configs.iter().map(|c| c.container.clone()).collect();
    let sources = match sources(&configs, task_arn, None) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("{e}: its logs are not shown");
            Vec::new()
        }
    };
    Ok(TaskLogs { sources, essential })
}

/// Registers (without churn), runs and follows the one-off task, honouring
/// `signals` (an interrupt stops the task).
pub async fn execute(
    clients: &Clients,
    plan: Plan,
    opts: UpOptions,
    poll: Duration,
    signals: &mut Signals,
) -> anyhow::Result<Exit> {
    let cluster = plan.run_task.cluster.clone();
    let pace = opts.pace.clone();
    let (for_logs, cluster, pace) = (&plan.clone(), &cluster, &pace);
    let follow = |task_arn: String| async move {
        tracing::info!(task = %task_arn, "one-off task started");
        let logs = plan_logs(for_logs, &task_arn)?;
        let reading = Reading::new(&logs.sources, None, None);
        read::follow(clients, cluster, &task_arn, &logs, &reading, poll, pace).await
    };
    launch::one_off(clients, plan, opts, signals, follow).await
}

pub async fn run(global: &Global, mut args: Args, signals: &mut Signals) -> anyhow::Result<Exit> {
    let pace = launch::Pace::real();
    if args.spec.ttl.is_none() {
        args.spec.ttl = Some(RUN_TTL.parse().expect("RUN_TTL is a duration"));
    }
    let clients = Clients::new(&global.aws()).await?;
    let region = clients.ecs.config().region().map(|r| r.to_string());
    let plan = launch::plan_file::load(args.plan.as_deref(), &args.spec, region, signals).await?;
    let mut plan = one_off(plan, &args.service, &args.command, &args.env)?;
    if args.no_public_ip {
        plan.run_task
            .network_configuration
            .awsvpc_configuration
            .assign_public_ip = "DISABLED".into();
    }
    let mut opts = UpOptions::new(
        launch::token::fresh(&plan.vanish.name),
        Progress::stderr(global.quiet),
    );
    opts.pace = pace;
    opts.wait = None;
    execute(&clients, plan, opts, args.poll, signals).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_off_keeps_only_the_service_with_its_overrides() {
        let json = include_str!("../../../examples/multi-file/render.golden.json");
        let plan: Plan = serde_json::from_str(json).expect("golden plan parses");
        let names: Vec<String> = plan
            .register_task_definition
            .container_definitions
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let service = names.first().expect("a container").clone();
        let family = plan.register_task_definition.family.clone();
        let app = plan.vanish.name.clone();
        let cmd = vec!["manage.py".to_string(), "migrate".to_string()];
        let env = vec![("A".to_string(), "1".to_string())];
        let got = one_off(plan.clone(), &service, &cmd, &env).expect("one-off");
        let td = &got.register_task_definition;
        assert_eq!(td.container_definitions.len(), 1);
        assert_eq!(td.container_definitions[0].name, service);
        assert!(td.container_definitions[0].essential);
        assert_eq!(td.family, format!("{family}-run"));
        assert_eq!(got.run_task.task_definition, td.family);
        assert_eq!(got.vanish.name, format!("{app}-run"));
        assert!(
            got.run_task
                .tags
                .iter()
                .any(|t| t.key == crate::contract::TAG_NAME && t.value == got.vanish.name)
        );
        let o = &got.run_task.overrides.container_overrides;
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].name, service);
        assert_eq!(o[0].command.as_deref(), Some(cmd.as_slice()));
        assert!(
            o[0].environment
                .iter()
                .any(|kv| kv.name == "A" && kv.value == "1")
        );

        let err = one_off(plan, "nope", &[], &[]).expect_err("unknown service");
        assert_eq!(err.code, Exit::BadInput);
        assert!(
            err.message.starts_with("no service named nope"),
            "{}",
            err.message
        );
    }

    #[test]
    fn kv_parsing() {
        assert_eq!(parse_kv("A=1=2"), Ok(("A".into(), "1=2".into())));
        assert_eq!(parse_kv("A="), Ok(("A".into(), String::new())));
        assert!(parse_kv("=1").is_err());
        assert!(parse_kv("A").is_err());
    }
}
