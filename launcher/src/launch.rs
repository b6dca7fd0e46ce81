//! `vanish up`'s logic: network → register without churn → RunTask → wait →
//! address → health → replace. Independent of where the Plan came from.
//!
//! Invariants:
//! - Polls DescribeTasks itself (not the SDK waiter), backing off 1 s → 5 s;
//!   all waiting goes through `Pace`, so tests run on virtual time.
//! - STOPPED at any point → `Exit::TaskFailed` with the stop report;
//!   `--wait` running out → `Exit::WaitTimeout` (the task is stopped only
//!   with `stop_on_failure`); RunTask `failures[]` → `Exit::TaskFailed`.
//! - STOPPED before up also shows the last `crash_log_lines` (30) log lines
//!   of each container that exited non-zero (best effort, never an error).
//! - The old task of the same name is stopped only after the new one is up.
//! - `Launched` tells an interrupt handler which task to stop while the
//!   launch is not RUNNING yet; once RUNNING it is left to its TTL.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tracing::{info, warn};

use aws_sdk_ecs::types::Task;

use crate::aws::{Clients, ec2, ecs};
use crate::contract::TAG_NAME;
use crate::exit::{Exit, Failure};
use crate::output::{UpOutcome, urls};
use crate::plan::Plan;
use crate::wait::{Phase, Transitions, backoff, phase};
use crate::{apps, churn, net};

/// Time for `up`: real, or virtual (tests), where sleeping only advances a
/// counter and records the durations slept.
#[derive(Debug, Clone)]
pub enum Pace {
    Real(Instant),
    Virtual(Arc<Mutex<Vec<Duration>>>),
}

impl Pace {
    pub fn real() -> Pace {
        Pace::Real(Instant::now())
    }

    pub fn virtual_time() -> Pace {
        Pace::Virtual(Arc::default())
    }

    /// Time since the launch began.
    pub fn elapsed(&self) -> Duration {
        match self {
            Pace::Real(t) => t.elapsed(),
            Pace::Virtual(v) => v.lock().map(|v| v.iter().sum()).unwrap_or_default(),
        }
    }

    pub async fn sleep(&self, d: Duration) {
        match self {
            Pace::Real(_) => tokio::time::sleep(d).await,
            Pace::Virtual(v) => {
                if let Ok(mut v) = v.lock() {
                    v.push(d);
                }
                // Let whatever races the launch (an interrupt) run.
                tokio::task::yield_now().await;
            }
        }
    }

    /// The sleeps so far (virtual time only).
    pub fn slept(&self) -> Vec<Duration> {
        match self {
            Pace::Real(_) => Vec::new(),
            Pace::Virtual(v) => v.lock().map(|v| v.clone()).unwrap_or_default(),
        }
    }
}

/// The task a launch has started, for an interrupt handler.
#[derive(Debug, Clone, Default)]
pub struct Launched {
    pub cluster: String,
    pub task_arn: Option<String>,
    pub running: bool,
}

/// How `up` behaves, apart from the Plan.
#[derive(Debug)]
pub struct UpOptions {
    /// Lines of each crashed container's log shown when the task stops
    /// before it is up (0: `--no-logs`).
    pub crash_log_lines: usize,
    /// `None`: `--no-wait` (one look at the task, no polling).
    pub wait: Option<Duration>,
    pub replace: bool,
    pub stop_on_failure: bool,
    /// After RUNNING, how long to keep looking for a public IP.
    pub ip_wait: Duration,
    pub client_token: String,
    pub poll_initial: Duration,
    pub poll_cap: Duration,
    pub pace: Pace,
    pub progress: crate::progress::Progress,
    pub launched: Arc<Mutex<Launched>>,
}

impl UpOptions {
    pub fn new(client_token: String, progress: crate::progress::Progress) -> UpOptions {
        UpOptions {
            crash_log_lines: CRASH_LOG_LINES,
            wait: Some(Duration::from_secs(600)),
            replace: true,
            stop_on_failure: false,
            ip_wait: Duration::from_secs(30),
            client_token,
            poll_initial: Duration::from_secs(1),
            poll_cap: Duration::from_secs(5),
            pace: Pace::real(),
            progress,
            launched: Arc::default(),
        }
    }
}

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

/// Fills in the network from the default VPC when the plan names none.
pub async fn resolve_network(clients: &Clients, plan: &mut Plan) -> Result<(), Failure> {
    let net = &mut plan.run_task.network_configuration.awsvpc_configuration;
    if !net.subnets.is_empty() {
        return Ok(());
    }
    let d = ec2::default_network(&clients.ec2).await?;
    info!(
        vpc = %d.vpc_id,
        subnets = %d.subnets.join(","),
        security_group = d.security_group.as_deref().unwrap_or("-"),
        "no subnets given: using the default VPC's default subnets and security group"
    );
    net.subnets = d.subnets;
    if net.security_groups.is_empty() {
        net.security_groups.extend(d.security_group);
    }
    Ok(())
}

/// Registers the task definition unless the latest ACTIVE revision already
/// matches; returns the revision ARN to run.
pub async fn register_without_churn(clients: &Clients, plan: &Plan) -> Result<String, Failure> {
    let wanted = &plan.register_task_definition;
    tracing::debug!(call = "ecs:DescribeTaskDefinition", family = %wanted.family, "aws call");
    let current = clients
        .ecs
        .describe_task_definition()
        .task_definition(&wanted.family)
        .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
        .send()
        .await;
    let current = match current {
        Ok(out) => {
            let tags = out.tags().to_vec();
            out.task_definition
                .filter(|td| td.status() == Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Active))
                .map(|td| (ecs::from_sdk_task_definition(&td, &tags), td))
        }
        // ECS answers ClientException ("Unable to describe task definition")
        // for a family that was never registered.
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_client_exception()) =>
        {
            None
        }
        Err(e) => return Err(crate::aws::error::classify("ecs:DescribeTaskDefinition", e)),
    };
    if let Some((model, td)) = &current {
        let diff = churn::diff(wanted, model);
        let arn = td.task_definition_arn().unwrap_or_default();
        if diff.is_empty() && !arn.is_empty() {
            info!(
                task_definition = arn,
                "task definition unchanged: reusing it"
            );
            return Ok(arn.to_string());
        }
        info!(family = %wanted.family, changed = %diff.join(", "), "task definition changed: registering a new revision");
    } else {
        info!(family = %wanted.family, "first launch of this family: registering the task definition");
    }
    ecs::register(&clients.ecs, wanted).await
}

/// RunTask's `failures[]` as an exit-1 failure with one line per reason.
pub fn run_failures(failures: &[aws_sdk_ecs::types::Failure]) -> Failure {
    let mut f = Failure::new(Exit::TaskFailed, "ECS did not start the task");
    for x in failures {
        f = f.detail(format!(
            "  {}: {}{}",
            x.arn().unwrap_or("-"),
            x.reason().unwrap_or("(no reason)"),
            x.detail().map(|d| format!(" ({d})")).unwrap_or_default()
        ));
    }
    f
}

/// The running tasks of the app `name` (for replacement).
async fn same_name(clients: &Clients, cluster: &str, name: &str) -> Result<Vec<String>, Failure> {
    let tasks = ecs::list_vanish_tasks(&clients.ecs, cluster).await?;
    Ok(tasks
        .iter()
        .filter(|t| {
            t.tags()
                .iter()
                .any(|x| x.key() == Some(TAG_NAME) && x.value() == Some(name))
        })
        .filter_map(|t| t.task_arn().map(str::to_string))
        .collect())
}

/// Launches the Plan and waits for it as `opts` says.
pub async fn up(
    clients: &Clients,
    mut plan: Plan,
    mut opts: UpOptions,
) -> anyhow::Result<UpOutcome> {
    resolve_network(clients, &mut plan).await?;
    let cluster = plan.run_task.cluster.clone();
    let name = plan.vanish.name.clone();
    let td_arn = register_without_churn(clients, &plan).await?;
    let old = if opts.replace {
        same_name(clients, &cluster, &name).await?
    } else {
        Vec::new()
    };

    let out = ecs::run_task(&clients.ecs, &plan.run_task, &td_arn, &opts.client_token).await?;
    let failures = out.failures();
    let Some(task) = out.tasks().first().filter(|_| failures.is_empty()) else {
        return Err(run_failures(failures).into());
    };
    let task_arn = task.task_arn().unwrap_or_default().to_string();
    info!(task = %task_arn, "task started");
    if let Ok(mut l) = opts.launched.lock() {
        *l = Launched {
            cluster: cluster.clone(),
            task_arn: Some(task_arn.clone()),
            running: false,
        };
    }

    let wants_public = plan
        .run_task
        .network_configuration
        .awsvpc_configuration
        .assign_public_ip
        == "ENABLED";
    let ports: Vec<(String, u16)> = plan
        .vanish
        .public
        .iter()
        .map(|p| (p.service.clone(), p.port))
        .collect();

    let mut private_ip = net::private_ip(task).map(str::to_string);
    let mut public_ip = None;
    let mut eni = net::eni_id(task).map(str::to_string);
    let mut transitions = Transitions::default();
    let mut running_since: Option<Duration> = None;
    let mut attempt = 0u32;
    let wait = opts.wait;
    // RunTask's answer is the first observation (all of it with --no-wait);
    // DescribeTasks the rest.
    let mut observed = Some(task.clone());
    loop {
        let from_run = observed.is_some();
        let t = match observed.take() {
            Some(t) => t,
            None => ecs::describe_tasks(&clients.ecs, &cluster, std::slice::from_ref(&task_arn))
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    Failure::new(
                        Exit::Aws,
                        format!("DescribeTasks does not know task {task_arn}"),
                    )
                })?,
        };
        let t = &t;
        let elapsed = opts.pace.elapsed();
        let status = t.last_status().unwrap_or("?");
        match transitions.observe(status) {
            Some(s) => opts.progress.status(&s, elapsed, SystemTime::now()),
            None => opts.progress.tick(status, elapsed, SystemTime::now()),
        }
        if eni.is_none() {
            eni = net::eni_id(t).map(str::to_string);
        }
        if private_ip.is_none() {
            private_ip = net::private_ip(t).map(str::to_string);
        }
        if from_run && wait.is_some() {
            // Confirm with DescribeTasks, at once, before deciding anything.
            continue;
        }
        if let (Some(id), true, None) = (&eni, wants_public, &public_ip) {
            let enis = ec2::network_interfaces(&clients.ec2, std::slice::from_ref(id)).await?;
            if let Some(e) = enis.first() {
                public_ip = net::public_ip(e).map(str::to_string);
                if private_ip.is_none() {
                    private_ip = e.private_ip_address().map(str::to_string);
                }
            }
        }
        match phase(t) {
            Phase::Stopped(report) => {
                opts.progress.finish();
                if let Ok(mut l) = opts.launched.lock() {
                    l.task_arn = None;
                }
                let mut f = Failure::new(
                    Exit::TaskFailed,
                    format!("task {} stopped before it was up", net::short_id(&task_arn)),
                );
                for line in report.lines() {
                    f = f.detail(line);
                }
                for line in crash_logs(clients, &plan, t, opts.crash_log_lines).await {
                    f = f.detail(line);
                }
                return Err(f.into());
            }
            Phase::Running => {
                if let Ok(mut l) = opts.launched.lock() {
                    l.running = true;
                }
                let since = *running_since.get_or_insert(elapsed);
                if !wants_public || public_ip.is_some() {
                    break;
                }
                if elapsed.saturating_sub(since) >= opts.ip_wait {
                    opts.progress.finish();
                    warn!(after = ?opts.ip_wait, "the task is RUNNING but has no public IP: reporting its private IP");
                    break;
                }
            }
            Phase::Starting => {}
        }
        let Some(limit) = wait else { break };
        let pause = backoff(attempt, opts.poll_initial, opts.poll_cap);
        attempt += 1;
        if elapsed + pause > limit && running_since.is_none() {
            opts.progress.finish();
            if opts.stop_on_failure {
                ecs::stop_task(
                    &clients.ecs,
                    &cluster,
                    &task_arn,
                    "vanish up: wait timed out",
                )
                .await?;
            }
            let mut f = Failure::new(
                Exit::WaitTimeout,
                format!(
                    "task {} not RUNNING after {}",
                    net::short_id(&task_arn),
                    humantime::format_duration(limit)
                ),
            )
            .detail(format!("  last status: {}", t.last_status().unwrap_or("?")));
            f = if opts.stop_on_failure {
                f.detail("  the task was stopped (--stop-on-failure)")
            } else {
                f.hint("the task is left running until its TTL; `vanish down` stops it")
            };
            return Err(f.into());
        }
        opts.pace.sleep(pause).await;
    }
    opts.progress.finish();

    let ip = public_ip.clone().or_else(|| private_ip.clone());
    let services = ip.as_deref().map(|ip| urls(ip, &ports)).unwrap_or_default();

    let healthy = match (&plan.vanish.health_path, services.first(), wait) {
        (Some(path), Some((_, url)), Some(limit)) => health(url, path, limit, &opts).await,
        _ => Ok(()),
    };
    if let Err(f) = healthy {
        if opts.stop_on_failure {
            ecs::stop_task(
                &clients.ecs,
                &cluster,
                &task_arn,
                "vanish up: health check failed",
            )
            .await?;
        }
        return Err(f.into());
    }

    let mut replaced = Vec::new();
    for arn in old.iter().filter(|a| **a != task_arn) {
        ecs::stop_task(
            &clients.ecs,
            &cluster,
            arn,
            &format!("replaced by {}", net::short_id(&task_arn)),
        )
        .await?;
        info!(task = %arn, "replaced the previous task");
        replaced.push(arn.clone());
    }

    Ok(UpOutcome {
        name,
        task_arn,
        cluster,
        public_ip,
        private_ip,
        urls: services.iter().map(|(_, u)| u.clone()).collect(),
        expires_at: plan.vanish.expires_at.clone(),
        task_definition: td_arn,
        services,
        replaced,
        waited: wait.is_some(),
    })
}

/// Runs `up` until `interrupt` fires (Ctrl-C, CI cancel). Interrupted
/// before RUNNING, the task is stopped ("launch interrupted"); after
/// RUNNING it is left to its TTL. Either way the result is an
/// `Exit::TaskFailed` "interrupted" failure.
pub async fn up_or_interrupt(
    clients: &Clients,
    plan: Plan,
    opts: UpOptions,
    interrupt: impl std::future::Future<Output = ()>,
) -> anyhow::Result<UpOutcome> {
    let launched = opts.launched.clone();
    tokio::select! {
        r = up(clients, plan, opts) => r,
        () = interrupt => {
            let l = launched.lock().map(|l| l.clone()).unwrap_or_default();
            let mut f = Failure::new(Exit::TaskFailed, "interrupted");
            match (&l.task_arn, l.running) {
                (Some(arn), false) => {
                    ecs::stop_task(&clients.ecs, &l.cluster, arn, "launch interrupted").await?;
                    f = f.detail(format!("  the task was not RUNNING yet: stopped {}", net::short_id(arn)));
                }
                (Some(arn), true) => {
                    f = f.detail(format!("  the task {} is RUNNING: left to its TTL", net::short_id(arn)));
                }
                (None, _) => {}
            }
            Err(f.into())
        }
    }
}

/// Polls `url` + `path` until it answers 2xx/3xx, bounded by `limit`.
async fn health(url: &str, path: &str, limit: Duration, opts: &UpOptions) -> Result<(), Failure> {
    let hostport = url.trim_start_matches("http://").to_string();
    let mut attempt = 0;
    loop {
        match http_status(&hostport, path).await {
            Some(code) if (200..400).contains(&code) => {
                info!(url, path, code, "health check passed");
                return Ok(());
            }
            other => tracing::debug!(url, path, status = ?other, "health check not yet passing"),
        }
        let pause = backoff(attempt, opts.poll_initial, opts.poll_cap);
        attempt += 1;
        if opts.pace.elapsed() + pause > limit {
            return Err(Failure::new(
                Exit::WaitTimeout,
                format!(
                    "{url}{path} did not answer 2xx/3xx within {}",
                    humantime::format_duration(limit)
                ),
            ));
        }
        opts.pace.sleep(pause).await;
    }
}

/// One plain HTTP/1.1 GET; the status code, or `None` on any error.
pub async fn http_status(hostport: &str, path: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fut = async {
        let mut s = tokio::net::TcpStream::connect(hostport).await.ok()?;
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nUser-Agent: vanish\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.ok()?;
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).await.ok()?;
        let head = std::str::from_utf8(&buf[..n]).ok()?;
        head.split_whitespace().nth(1)?.parse().ok()
    };
    tokio::time::timeout(Duration::from_secs(5), fut)
        .await
        .ok()
        .flatten()
}

/// Tells which names exist, for "unknown name" errors.
pub fn names(apps: &[apps::App]) -> String {
    let mut n: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    n.sort();
    n.dedup();
    if n.is_empty() {
        "(none)".into()
    } else {
        n.join(", ")
    }
}
