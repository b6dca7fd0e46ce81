//! The thin effectful shell around `machine.rs`: performs each `Step` (an
//! AWS call, a sleep, a health probe, following a one-off task), races it
//! against the interrupts and the deadline, and feeds back the observation.
//!
//! Invariants:
//! - Every step is raced against the next signal and against `--wait`'s
//!   deadline (whole launch, setup included, under `--no-wait` too);
//!   cleanup steps against the next signal and the cleanup bound instead.
//!   When the deadline wins, the observation names the AWS calls the step
//!   still had in flight (for setup and replacement, as `calls::Tracker`
//!   lists them). Nothing here decides: the machine does.
//! - A health probe is one HTTP GET raced against its own bound
//!   (`health::PROBE_BOUND`, through `Pace`), the signals and the deadline.
//! - RunTask's future is kept when an interrupt or the deadline cuts in, so
//!   that recovery can still take its answer; failing that, the task is
//!   found by its launch tag (`token::TAG_LAUNCH`).
//! - Progress lines show status transitions on stderr.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use aws_sdk_ecs::operation::run_task::RunTaskOutput;
use aws_sdk_ecs::types::Task;
use tracing::{debug, info, warn};

use super::calls::Tracker;
use super::machine::{Calls, Config, HealthCheck, Machine, Observation, Step, TaskSeen, probe_url};
use super::token::TAG_LAUNCH;
use super::{UpOptions, crash_logs, health, replace, setup};
use crate::aws::{Clients, ecs, tasks};
use crate::exit::{Exit, Failure};
use crate::interrupt::{Signal, Signals};
use crate::net;
use crate::output::{UpOutcome, urls};
use crate::plan::Plan;
use crate::plan::model::Tag;
use crate::progress::Progress;
use crate::wait::Transitions;

/// How a launch ended well.
#[derive(Debug)]
pub enum Ended {
    Up(Box<UpOutcome>),
    /// `vanish run`: the one-off task's exit.
    Exit(Exit),
}

enum Raced<T> {
    Done(T),
    Signal(Signal),
    Timeout,
}

async fn race<T>(
    fut: impl Future<Output = T>,
    signals: &mut Signals,
    timer: impl Future<Output = ()>,
) -> Raced<T> {
    tokio::select! {
        biased;
        s = signals.next() => Raced::Signal(s),
        () = timer => Raced::Timeout,
        v = fut => Raced::Done(v),
    }
}

fn failed(f: Failure) -> Observation {
    if tasks::is_throttled(&f) {
        Observation::Throttled
    } else {
        Observation::CallFailed(f)
    }
}

/// The observation for a raced step; `calls` are what a timeout cut short.
fn settle<T>(r: Raced<T>, calls: Calls, done: impl FnOnce(T) -> Observation) -> Observation {
    match r {
        Raced::Done(v) => done(v),
        Raced::Signal(s) => Observation::Interrupt(s),
        Raced::Timeout => Observation::Timeout(calls),
    }
}

type InFlight<'a> = Pin<Box<dyn Future<Output = Result<RunTaskOutput, Failure>> + 'a>>;

/// What RunTask answered: the task, or its `failures[]` as a failure.
fn answered(out: RunTaskOutput) -> Result<Task, Failure> {
    match out.tasks().first() {
        Some(t) if out.failures().is_empty() => Ok(t.clone()),
        _ => Err(setup::run_failures(out.failures())),
    }
}

/// Runs the launch of `plan` to its end. `follow` is `vanish run`'s step
/// (unused by `up`): follow the task to its end and return its exit.
pub async fn drive<F, Fut>(
    clients: &Clients,
    mut plan: Plan,
    opts: &mut UpOptions,
    signals: &mut Signals,
    follow: F,
) -> anyhow::Result<Ended>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = anyhow::Result<Exit>>,
{
    let wants_public = plan
        .run_task
        .network_configuration
        .awsvpc_configuration
        .assign_public_ip
        == "ENABLED";
    let health = match (&plan.vanish.health_path, plan.vanish.public.first()) {
        (Some(path), Some(p)) => Some(HealthCheck {
            port: p.port,
            path: path.clone(),
        }),
        _ => None,
    };
    let mut m = Machine::new(Config {
        wait: opts.wait,
        no_wait: opts.no_wait,
        ip_wait: opts.ip_wait,
        wants_public,
        stop_on_failure: opts.stop_on_failure,
        health,
        poll_initial: opts.poll_initial,
        poll_cap: opts.poll_cap,
        one_off: opts.one_off,
    });
    plan.run_task.tags.retain(|t| t.key != TAG_LAUNCH);
    plan.run_task.tags.push(Tag {
        key: TAG_LAUNCH.into(),
        value: opts.client_token.clone(),
    });
    let cluster = plan.run_task.cluster.clone();
    let name = plan.vanish.name.clone();
    let progress = std::cell::RefCell::new(std::mem::replace(
        &mut opts.progress,
        Progress::new(Box::new(std::io::sink()), false, true),
    ));
    let opts = &*opts;
    let pace = &opts.pace;
    let deadline = |now: Duration| {
        let left = opts.wait.map(|w| w.saturating_sub(now));
        async move {
            match left {
                Some(d) => pace.timer(d).await,
                None => std::future::pending().await,
            }
        }
    };

    let calls = Tracker::default();
    let mut td_arn = String::new();
    let mut run_plan: Option<Plan> = None;
    let mut inflight: Option<InFlight<'_>> = None;
    let mut last: Option<Task> = None;
    let mut replaced = Vec::new();
    let mut transitions = Transitions::default();
    let mut step = m.start();
    loop {
        for w in m.warnings.drain(..) {
            progress.borrow_mut().finish();
            warn!("{w}");
        }
        let now = pace.elapsed();
        let obs = match step {
            Step::Setup => {
                calls.clear();
                let r = race(
                    setup::prepare(clients, &mut plan, &calls),
                    signals,
                    deadline(now),
                )
                .await;
                settle(r, calls.names(), |v| match v {
                    Ok(arn) => {
                        td_arn = arn;
                        Observation::SetupDone
                    }
                    Err(f) => failed(f),
                })
            }
            Step::RunTask => {
                if inflight.is_none() {
                    let p = run_plan.get_or_insert_with(|| plan.clone()).clone();
                    let (td, token) = (td_arn.clone(), opts.client_token.clone());
                    let ecs_client = clients.ecs.clone();
                    inflight = Some(Box::pin(async move {
                        ecs::run_task(&ecs_client, &p.run_task, &td, &token).await
                    }));
                }
                let fut = inflight.as_mut().map(|f| f.as_mut());
                let r = match fut {
                    Some(f) => race(f, signals, deadline(now)).await,
                    None => Raced::Timeout,
                };
                if matches!(r, Raced::Done(_)) {
                    inflight = None;
                }
                settle(r, vec!["ecs:RunTask"], |v| match v.and_then(answered) {
                    Ok(task) => {
                        let seen = TaskSeen::from_task(&task);
                        info!(task = %seen.arn, "task started");
                        last = Some(task);
                        Observation::Launched(seen)
                    }
                    Err(f) => failed(f),
                })
            }
            Step::Recover { stop, ref reason } => {
                let r = race(
                    recover(
                        clients,
                        &cluster,
                        inflight.take(),
                        &opts.client_token,
                        opts.cleanup,
                        stop.then_some(reason.as_str()),
                    ),
                    signals,
                    pace.timer(opts.cleanup),
                )
                .await;
                settle(r, Calls::new(), Observation::CleanedUp)
            }
            Step::Stop {
                ref arn,
                ref reason,
            } => {
                progress.borrow_mut().finish();
                let r = race(
                    ecs::stop_task(&clients.ecs, &cluster, arn, reason),
                    signals,
                    pace.timer(opts.cleanup),
                )
                .await;
                settle(r, vec!["ecs:StopTask"], |v| {
                    Observation::CleanedUp(v.map(|()| Some(arn.clone())).map_err(|f| f.to_string()))
                })
            }
            Step::Describe => {
                let arn = m.task.clone().unwrap_or_default();
                let r = race(
                    ecs::describe_tasks(&clients.ecs, &cluster, std::slice::from_ref(&arn)),
                    signals,
                    deadline(now),
                )
                .await;
                settle(r, vec!["ecs:DescribeTasks"], |v| match v {
                    Ok(tasks) => match tasks.into_iter().next() {
                        Some(t) => {
                            let status = t.last_status().unwrap_or("?").to_owned();
                            let elapsed = pace.elapsed();
                            match transitions.observe(&status) {
                                Some(s) => {
                                    progress.borrow_mut().status(&s, elapsed, SystemTime::now())
                                }
                                None => {
                                    progress
                                        .borrow_mut()
                                        .tick(&status, elapsed, SystemTime::now())
                                }
                            }
                            let seen = TaskSeen::from_task(&t);
                            last = Some(t);
                            Observation::Described(seen)
                        }
                        None => Observation::CallFailed(Failure::new(
                            Exit::Aws,
                            format!("DescribeTasks does not know task {arn}"),
                        )),
                    },
                    Err(f) => failed(f),
                })
            }
            Step::LookupEni(ref id) => {
                let r = race(tasks::eni(clients, id), signals, deadline(now)).await;
                settle(r, vec!["ec2:DescribeNetworkInterfaces"], |v| match v {
                    Ok(Some(e)) => Observation::Eni {
                        public_ip: net::public_ip(&e).map(str::to_owned),
                        private_ip: e.private_ip_address().map(str::to_owned),
                    },
                    Ok(None) => Observation::EniMissing,
                    Err(f) => failed(f),
                })
            }
            Step::Sleep(d) => {
                let r = race(pace.sleep(d), signals, deadline(now)).await;
                settle(r, Calls::new(), |()| Observation::Slept)
            }
            Step::Probe {
                ref hostport,
                ref path,
            } => {
                progress.borrow_mut().finish();
                let r = race(
                    health::probe(hostport, path, health::PROBE_BOUND, pace),
                    signals,
                    deadline(now),
                )
                .await;
                settle(r, Calls::new(), |p| {
                    let url = probe_url(hostport, path);
                    if p.passed() {
                        info!(%url, answer = ?p, "health check passed");
                    } else {
                        debug!(%url, answer = ?p, "health check not passing yet");
                    }
                    Observation::Probed(p)
                })
            }
            Step::Replace => {
                progress.borrow_mut().finish();
                if opts.replace {
                    let own = last
                        .as_ref()
                        .map(replace::order)
                        .unwrap_or((None, m.task.clone().unwrap_or_default()));
                    calls.clear();
                    let r = race(
                        replace::converge(clients, &cluster, &name, &own, &calls),
                        signals,
                        deadline(now),
                    )
                    .await;
                    settle(r, calls.names(), |v| match v {
                        Ok(stopped) => {
                            replaced = stopped;
                            Observation::Replaced
                        }
                        Err(f) => failed(f),
                    })
                } else {
                    Observation::Replaced
                }
            }
            Step::Follow => {
                let arn = m.task.clone().unwrap_or_default();
                let r = race(follow(arn), signals, std::future::pending()).await;
                settle(r, Calls::new(), |v| match v {
                    Ok(exit) => Observation::Followed(exit),
                    Err(e) => Observation::CallFailed(match e.downcast::<Failure>() {
                        Ok(f) => f,
                        Err(e) => Failure::new(Exit::Aws, format!("{e:#}")),
                    }),
                })
            }
            Step::Done => {
                progress.borrow_mut().finish();
                return Ok(Ended::Up(Box::new(outcome(
                    &m,
                    &plan,
                    &cluster,
                    td_arn,
                    replaced,
                    !opts.no_wait,
                ))));
            }
            Step::Exit(e) => return Ok(Ended::Exit(e)),
            Step::Fail(f) => {
                progress.borrow_mut().finish();
                return Err(f.into());
            }
            Step::FailStopped(mut f) => {
                progress.borrow_mut().finish();
                if let Some(t) = &last {
                    for line in
                        crash_logs::crash_logs(clients, &plan, t, opts.crash_log_lines).await
                    {
                        f = f.detail(line);
                    }
                }
                return Err(f.into());
            }
        };
        if matches!(obs, Observation::Interrupt(_)) {
            progress.borrow_mut().finish();
            eprintln!();
        }
        step = m.observe(obs, pace.elapsed());
    }
}

fn public_ports(plan: &Plan) -> Vec<(String, u16)> {
    plan.vanish
        .public
        .iter()
        .map(|p| (p.service.clone(), p.port))
        .collect()
}

fn outcome(
    m: &Machine,
    plan: &Plan,
    cluster: &str,
    td_arn: String,
    replaced: Vec<String>,
    waited: bool,
) -> UpOutcome {
    let ip = m.public_ip.clone().or_else(|| m.private_ip.clone());
    let services = ip
        .as_deref()
        .map(|ip| urls(ip, &public_ports(plan)))
        .unwrap_or_default();
    UpOutcome {
        name: plan.vanish.name.clone(),
        task_arn: m.task.clone().unwrap_or_default(),
        cluster: cluster.to_owned(),
        public_ip: m.public_ip.clone(),
        private_ip: m.private_ip.clone(),
        urls: services.iter().map(|(_, u)| u.clone()).collect(),
        expires_at: plan.vanish.expires_at.clone(),
        task_definition: td_arn,
        services,
        replaced,
        waited,
    }
}

/// After an interrupt or the deadline while RunTask was in flight: its
/// answer within half the bound, else the task found by its launch tag
/// (polled for the rest of it); stopped when `stop` names a reason.
async fn recover(
    clients: &Clients,
    cluster: &str,
    inflight: Option<InFlight<'_>>,
    token: &str,
    bound: Duration,
    stop: Option<&str>,
) -> Result<Option<String>, String> {
    let mut arn = None;
    if let Some(f) = inflight {
        info!("waiting for RunTask's answer to stop the task it started");
        if let Ok(Ok(out)) = tokio::time::timeout(bound / 2, f).await {
            arn = out
                .tasks()
                .first()
                .and_then(|t| t.task_arn())
                .map(str::to_owned);
        }
    }
    if arn.is_none() {
        for attempt in 0..3u32 {
            if let Ok(found) = tasks::find_by_tag(clients, cluster, TAG_LAUNCH, token).await
                && let Some(t) = found.first()
            {
                arn = t.task_arn().map(str::to_owned);
                break;
            }
            if attempt < 2 {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    let Some(arn) = arn else { return Ok(None) };
    if let Some(reason) = stop {
        ecs::stop_task(&clients.ecs, cluster, &arn, reason)
            .await
            .map_err(|f| f.to_string())?;
    }
    Ok(Some(arn))
}
