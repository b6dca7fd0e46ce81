//! The launch as a pure state machine: `Machine::observe(observation, now)
//! -> Step`, modelled on the supervisor's `Machine::step`. The driver
//! (`drive.rs`) performs each step (an AWS call, a sleep, one health probe)
//! and feeds back what it saw; nothing here does I/O or reads a clock.
//!
//! Invariants:
//! - Every phase answers every observation, including an interrupt and the
//!   `--wait` deadline; an observation that cannot occur in a phase is
//!   ignored (the machine repeats the step it is waiting on).
//! - Before RunTask is sent nothing is left behind: interrupt or deadline end
//!   the launch at once. While RunTask is in flight the task may exist: the
//!   machine asks to recover it (its answer, or the task found by its launch
//!   tag) and to stop it. Before RUNNING an interrupt stops the task; after
//!   RUNNING it is left to its TTL; a one-off task (`vanish run`) is always
//!   stopped.
//! - A second interrupt during cleanup ends at once, naming the task left.
//! - `--wait` bounds the whole launch (setup included): a sleep that would
//!   cross the deadline is the deadline. Throttling backs off and repeats
//!   the same step (RunTask keeps its client token, so a repeat is safe).
//! - `--no-wait` keeps the bound: the `--wait` duration (default 10m) still
//!   bounds setup, RunTask, the one look at the task's ENI after it and the
//!   replacement, with the same exit 4; only the polling for RUNNING and the
//!   health check are skipped. `vanish run` has no deadline (`wait: None`):
//!   it follows its task to the end.
//! - When the deadline cuts an AWS call short, a warning names the call(s)
//!   still in flight.
//! - The health check is polled here, one probe per step: each answer, a
//!   probe's own bound running out, the deadline and an interrupt are
//!   observations like any other; probes back off as the task polls do.
//!   After a probe that did not pass, DescribeTasks looks at the task: a
//!   task that stopped meanwhile (a crash) is exit 1 with its report, not a
//!   health check that runs out.
//! - Exit codes: STOPPED 1, AWS error 3, deadline 4, SIGINT 130, SIGTERM 143.

use std::time::Duration;

use crate::exit::{Exit, Failure};
use crate::interrupt::Signal;
use crate::net::short_id;
use crate::wait::{StopReport, backoff};

/// How the launch behaves (from `UpOptions`).
#[derive(Debug, Clone)]
pub struct Config {
    /// The deadline (`--wait`) counted from the start of the launch; `None`
    /// for none (`vanish run`, which follows its task to the end).
    pub wait: Option<Duration>,
    /// `--no-wait`: one look at RunTask's answer (and the ENI), no polling,
    /// no health check; the deadline still applies.
    pub no_wait: bool,
    pub ip_wait: Duration,
    pub wants_public: bool,
    pub stop_on_failure: bool,
    /// The health check, if the plan has one and a public port to probe.
    pub health: Option<HealthCheck>,
    pub poll_initial: Duration,
    pub poll_cap: Duration,
    /// `vanish run`: follow the task to its end instead of waiting for an
    /// address; an interrupt always stops it.
    pub one_off: bool,
}

/// Where the health check probes: `http://IP:port` + `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub port: u16,
    pub path: String,
}

/// Where the launch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Network discovery and task definition (nothing launched yet).
    Setup,
    /// RunTask sent, no answer yet.
    InFlight,
    /// The task exists and is not RUNNING yet (under `--no-wait`: the one
    /// look at its ENI).
    Starting,
    /// RUNNING, waiting for the public IP.
    AwaitingIp,
    /// Probing the health path until it answers 2xx/3xx.
    Health,
    /// Stopping older tasks of the same name.
    Replacing,
    /// `vanish run`: following the task's logs to its end.
    Following,
    /// Stopping or recovering a task before ending with a failure.
    Cleanup,
    Done,
}

/// A task's state as DescribeTasks or RunTask told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Starting(String),
    Running,
    Stopped(StopReport),
}

/// What one look at the task showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSeen {
    pub arn: String,
    pub status: Status,
    pub eni: Option<String>,
    pub private_ip: Option<String>,
}

/// The URL a health probe GETs.
pub fn probe_url(hostport: &str, path: &str) -> String {
    format!("http://{hostport}{path}")
}

/// What one health probe got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// An HTTP answer with this status code.
    Status(u16),
    /// No HTTP answer: why (connection refused, reset, not HTTP).
    Failed(String),
    /// No answer within the probe's own bound (`health::PROBE_BOUND`).
    TimedOut,
}

impl Probe {
    /// 2xx and 3xx pass.
    pub fn passed(&self) -> bool {
        matches!(self, Probe::Status(code) if (200..400).contains(code))
    }

    fn describe(&self) -> String {
        match self {
            Probe::Status(code) => format!("HTTP {code}"),
            Probe::Failed(why) => format!("no HTTP answer ({why})"),
            Probe::TimedOut => format!(
                "no answer within {}",
                humantime::format_duration(super::health::PROBE_BOUND)
            ),
        }
    }
}

/// The AWS calls a step had in flight, named as IAM actions.
pub type Calls = Vec<&'static str>;

/// What the driver saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    SetupDone,
    /// RunTask's answer (or the task recovered after it).
    Launched(TaskSeen),
    Described(TaskSeen),
    /// The ENI answered: its public IP, if it has one yet.
    Eni {
        public_ip: Option<String>,
        private_ip: Option<String>,
    },
    /// EC2 does not (yet) know the task's ENI.
    EniMissing,
    /// One health probe's result.
    Probed(Probe),
    /// Older tasks of the name were handled (failures already warned).
    Replaced,
    /// The one-off task ended with this exit.
    Followed(Exit),
    /// Cleanup finished: the task it stopped, or why it could not.
    CleanedUp(Result<Option<String>, String>),
    Slept,
    /// An AWS call answered throttling even after the SDK's retries.
    Throttled,
    /// Any other failure of the step's AWS call.
    CallFailed(Failure),
    /// `--wait` ran out (or, in cleanup, the cleanup bound), with the AWS
    /// calls the step still had in flight.
    Timeout(Calls),
    Interrupt(Signal),
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Setup,
    RunTask,
    Describe,
    LookupEni(String),
    Sleep(Duration),
    /// One plain HTTP GET of `http://{hostport}{path}`, bounded by
    /// `health::PROBE_BOUND`.
    Probe {
        hostport: String,
        path: String,
    },
    Replace,
    Follow,
    /// RunTask was sent: get its answer within the cleanup bound, or find
    /// the task by its launch tag; stop it when `stop`.
    Recover {
        stop: bool,
        reason: String,
    },
    Stop {
        arn: String,
        reason: String,
    },
    /// The launch succeeded.
    Done,
    /// The task stopped before it was up: fail with its report (the driver
    /// adds crash logs).
    FailStopped(Failure),
    Fail(Failure),
    /// `vanish run`: end with the container's status.
    Exit(Exit),
}

/// The launch's state.
#[derive(Debug, Clone)]
pub struct Machine {
    cfg: Config,
    pub phase: Phase,
    pub task: Option<String>,
    pub status: String,
    pub eni: Option<String>,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
    running_since: Option<Duration>,
    attempt: u32,
    current: Step,
    after_sleep: Step,
    pending: Option<Failure>,
    /// The last health probe's result.
    probed: Option<Probe>,
    /// Warnings for the driver to log (drained after each step).
    pub warnings: Vec<String>,
}

fn interrupted(sig: Signal) -> Failure {
    Failure::new(sig.exit(), format!("interrupted ({})", sig.name()))
}

impl Machine {
    pub fn new(cfg: Config) -> Machine {
        Machine {
            cfg,
            phase: Phase::Setup,
            task: None,
            status: String::new(),
            eni: None,
            private_ip: None,
            public_ip: None,
            running_since: None,
            attempt: 0,
            current: Step::Setup,
            after_sleep: Step::Setup,
            pending: None,
            probed: None,
            warnings: Vec::new(),
        }
    }

    /// The first step.
    pub fn start(&self) -> Step {
        Step::Setup
    }

    fn short(&self) -> String {
        self.task.as_deref().map(short_id).unwrap_or("?").to_owned()
    }

    fn wait_text(&self) -> String {
        self.cfg
            .wait
            .map(|w| humantime::format_duration(w).to_string())
            .unwrap_or_default()
    }

    /// A pause before repeating `then`, or the deadline if it would cross it.
    fn sleep_then(&mut self, then: Step, now: Duration) -> Step {
        let pause = backoff(self.attempt, self.cfg.poll_initial, self.cfg.poll_cap);
        self.attempt += 1;
        if let Some(limit) = self.cfg.wait
            && !matches!(self.phase, Phase::Cleanup | Phase::Following)
            && now + pause > limit
        {
            return self.observe(Observation::Timeout(Calls::new()), now);
        }
        self.after_sleep = then;
        Step::Sleep(pause)
    }

    fn cleanup(&mut self, failure: Failure, step: Step) -> Step {
        self.pending = Some(failure);
        self.phase = Phase::Cleanup;
        step
    }

    fn stop_current(&mut self, failure: Failure, reason: &str) -> Step {
        let arn = self.task.clone().unwrap_or_default();
        self.cleanup(
            failure,
            Step::Stop {
                arn,
                reason: reason.into(),
            },
        )
    }

    /// The health probe for the address found, if there is one to make.
    fn probe(&self) -> Option<Step> {
        let check = self.cfg.health.as_ref()?;
        let ip = self.public_ip.as_ref().or(self.private_ip.as_ref())?;
        Some(Step::Probe {
            hostport: format!("{ip}:{}", check.port),
            path: check.path.clone(),
        })
    }

    /// After RUNNING with an address (or the one look, under `--no-wait`):
    /// health, then replacement.
    fn up(&mut self, warning: Option<String>) -> Step {
        self.warnings.extend(warning);
        match self.probe() {
            Some(probe) if !self.cfg.no_wait => {
                self.phase = Phase::Health;
                self.attempt = 0;
                probe
            }
            _ => {
                self.phase = Phase::Replacing;
                Step::Replace
            }
        }
    }

    fn seen(&mut self, t: &TaskSeen) {
        self.task = Some(t.arn.clone());
        if self.eni.is_none() {
            self.eni.clone_from(&t.eni);
        }
        if self.private_ip.is_none() {
            self.private_ip.clone_from(&t.private_ip);
        }
        self.status = match &t.status {
            Status::Starting(s) => s.clone(),
            Status::Running => "RUNNING".into(),
            Status::Stopped(_) => "STOPPED".into(),
        };
    }

    fn stopped(&mut self, report: &StopReport) -> Step {
        self.phase = Phase::Done;
        let mut f = Failure::new(
            Exit::TaskFailed,
            format!("task {} stopped before it was up", self.short()),
        );
        for line in report.lines() {
            f = f.detail(line);
        }
        Step::FailStopped(f)
    }

    /// The next step after `obs` at `now` (time since the launch began).
    pub fn observe(&mut self, obs: Observation, now: Duration) -> Step {
        let step = self.next(obs, now);
        if !matches!(step, Step::Sleep(_)) {
            self.current = step.clone();
        }
        step
    }

    fn next(&mut self, obs: Observation, now: Duration) -> Step {
        use Observation as O;
        use Phase as P;
        if let O::Timeout(calls) = &obs
            && !calls.is_empty()
            && !matches!(self.phase, P::Cleanup | P::Following | P::Done)
        {
            self.warnings.push(format!(
                "still in flight when --wait {} ran out: {}",
                self.wait_text(),
                calls.join(", ")
            ));
        }
        match (self.phase, obs) {
            (P::Done, _) => self.current.clone(),
            (_, O::Slept) => self.after_sleep.clone(),

            // ---- interrupts ----
            (P::Setup, O::Interrupt(s)) => {
                self.phase = P::Done;
                Step::Fail(interrupted(s).detail("  nothing was launched"))
            }
            (P::InFlight, O::Interrupt(s)) => self.cleanup(
                interrupted(s),
                Step::Recover {
                    stop: true,
                    reason: "launch interrupted".into(),
                },
            ),
            (P::Starting, O::Interrupt(s)) => {
                let reason = if self.cfg.one_off {
                    "vanish run interrupted"
                } else {
                    "launch interrupted"
                };
                self.stop_current(interrupted(s), reason)
            }
            (P::Following, O::Interrupt(s)) => {
                self.stop_current(interrupted(s), "vanish run interrupted")
            }
            // RUNNING (or, under --no-wait, launched and looked at).
            (P::AwaitingIp | P::Health | P::Replacing, O::Interrupt(s)) => {
                self.phase = P::Done;
                Step::Fail(interrupted(s).detail(format!(
                    "  the task {} is {}: left to its TTL",
                    self.short(),
                    self.status
                )))
            }
            (P::Cleanup, O::Interrupt(s)) => {
                self.phase = P::Done;
                let task = self
                    .task
                    .as_deref()
                    .unwrap_or("(RunTask's answer not known yet)");
                let f = self.pending.take().unwrap_or_else(|| interrupted(s));
                Step::Fail(
                    Failure::new(
                        s.exit(),
                        format!("{}; second {}: exiting now", f.message, s.name()),
                    )
                    .detail(format!("  left running, not stopped: {task}"))
                    .hint("`vanish down NAME` stops it; otherwise its TTL does"),
                )
            }

            // ---- the deadline ----
            (P::Setup, O::Timeout(_)) => {
                self.phase = P::Done;
                let f = Failure::new(
                    Exit::WaitTimeout,
                    format!("--wait {} ran out before RunTask", self.wait_text()),
                )
                .detail("  nothing was launched");
                Step::Fail(if self.cfg.no_wait {
                    f.hint("--no-wait skips the wait for RUNNING, but --wait still bounds setup and RunTask")
                } else {
                    f
                })
            }
            (P::InFlight, O::Timeout(_)) => {
                let stop = self.cfg.stop_on_failure;
                let f = Failure::new(
                    Exit::WaitTimeout,
                    format!(
                        "--wait {} ran out while RunTask was in flight",
                        self.wait_text()
                    ),
                );
                self.cleanup(
                    f,
                    Step::Recover {
                        stop,
                        reason: "vanish up: wait timed out".into(),
                    },
                )
            }
            (P::Starting | P::AwaitingIp, O::Timeout(_)) => {
                let f = if self.cfg.no_wait {
                    Failure::new(
                        Exit::WaitTimeout,
                        format!(
                            "--wait {} ran out while looking up task {}'s ENI",
                            self.wait_text(),
                            self.short()
                        ),
                    )
                } else {
                    let what = if self.phase == P::Starting {
                        "not RUNNING"
                    } else {
                        "RUNNING but without a public IP"
                    };
                    Failure::new(
                        Exit::WaitTimeout,
                        format!("task {} {what} after {}", self.short(), self.wait_text()),
                    )
                }
                .detail(format!("  last status: {}", self.status));
                if self.cfg.stop_on_failure {
                    self.stop_current(f, "vanish up: wait timed out")
                } else {
                    self.phase = P::Done;
                    Step::Fail(
                        f.hint("the task is left running until its TTL; `vanish down` stops it"),
                    )
                }
            }
            (P::Health, O::Timeout(_)) => {
                let url = match self.probe() {
                    Some(Step::Probe { hostport, path }) => probe_url(&hostport, &path),
                    _ => "the health path".into(),
                };
                let mut f = Failure::new(
                    Exit::WaitTimeout,
                    format!(
                        "{url} did not answer 2xx/3xx within --wait {}",
                        self.wait_text()
                    ),
                );
                if let Some(p) = &self.probed {
                    f = f.detail(format!("  last answer: {}", p.describe()));
                }
                self.health_failed(f)
            }
            (P::Replacing, O::Timeout(_)) => {
                self.phase = P::Done;
                self.warnings.push(format!(
                    "--wait {} ran out while stopping the replaced task(s): they are left to their TTL",
                    self.wait_text()
                ));
                Step::Done
            }
            (P::Cleanup, O::Timeout(_)) => {
                self.phase = P::Done;
                let f = self
                    .pending
                    .take()
                    .unwrap_or_else(|| Failure::new(Exit::Aws, "cleanup timed out"));
                let task = self
                    .task
                    .as_deref()
                    .unwrap_or("(RunTask's answer not known)");
                Step::Fail(
                    f.detail(format!("  could not stop the task in time: {task}"))
                        .hint("`vanish down NAME` stops it; otherwise its TTL does"),
                )
            }
            (P::Following, O::Timeout(_)) => self.current.clone(),

            // ---- throttling: back off and repeat ----
            (
                P::Setup | P::InFlight | P::Starting | P::AwaitingIp | P::Health | P::Cleanup,
                O::Throttled,
            ) => {
                let again = self.current.clone();
                self.sleep_then(again, now)
            }
            (P::Replacing, O::Throttled) => {
                self.phase = P::Done;
                self.warnings.push(
                    "throttled while replacing: older tasks of this name are left to their TTL"
                        .into(),
                );
                Step::Done
            }
            (P::Following, O::Throttled) => self.current.clone(),

            // ---- other call failures ----
            (P::Replacing, O::CallFailed(f)) => {
                self.phase = P::Done;
                self.warnings.push(format!(
                    "the new task is up, but replacing the older one(s) failed: {f}"
                ));
                Step::Done
            }
            (P::Cleanup, O::CallFailed(f)) => self.observe(O::CleanedUp(Err(f.to_string())), now),
            (_, O::CallFailed(f)) => {
                self.phase = P::Done;
                match &self.task {
                    Some(arn)
                        if !f.message.contains(short_id(arn))
                            && !f.details.iter().any(|d| d.contains(arn.as_str())) =>
                    {
                        let d = format!("  task: {arn}");
                        Step::Fail(f.detail(d))
                    }
                    _ => Step::Fail(f),
                }
            }

            // ---- progress ----
            (P::Setup, O::SetupDone) => {
                self.phase = P::InFlight;
                self.attempt = 0;
                Step::RunTask
            }
            (P::InFlight, O::Launched(t)) => {
                self.seen(&t);
                self.attempt = 0;
                if let Status::Stopped(r) = &t.status {
                    return self.stopped(r);
                }
                self.phase = P::Starting;
                if self.cfg.one_off {
                    self.phase = P::Following;
                    return Step::Follow;
                }
                if self.cfg.no_wait {
                    return match (&self.eni, self.cfg.wants_public) {
                        (Some(id), true) => Step::LookupEni(id.clone()),
                        _ => self.up(None),
                    };
                }
                // Confirm with DescribeTasks, at once, before deciding.
                Step::Describe
            }
            (P::Starting | P::AwaitingIp, O::Described(t)) => {
                self.seen(&t);
                match &t.status {
                    Status::Stopped(r) => self.stopped(r),
                    // The public IP may come before RUNNING: look early.
                    Status::Starting(_) => match (&self.eni, &self.public_ip) {
                        (Some(id), None) if self.cfg.wants_public => Step::LookupEni(id.clone()),
                        _ => self.sleep_then(Step::Describe, now),
                    },
                    Status::Running => {
                        self.phase = P::AwaitingIp;
                        let since = *self.running_since.get_or_insert(now);
                        if !self.cfg.wants_public || self.public_ip.is_some() {
                            return self.up(None);
                        }
                        match &self.eni {
                            Some(id) => Step::LookupEni(id.clone()),
                            None => self.ip_or_wait(since, now),
                        }
                    }
                }
            }
            (
                P::Starting | P::AwaitingIp,
                O::Eni {
                    public_ip,
                    private_ip,
                },
            ) => {
                if self.private_ip.is_none() {
                    self.private_ip = private_ip;
                }
                self.public_ip = public_ip;
                if self.cfg.no_wait {
                    return self.up(None);
                }
                match self.running_since {
                    None => self.sleep_then(Step::Describe, now),
                    Some(_) if self.public_ip.is_some() => self.up(None),
                    Some(since) => self.ip_or_wait(since, now),
                }
            }
            (P::Starting | P::AwaitingIp, O::EniMissing) => {
                if self.cfg.no_wait {
                    return self.up(None);
                }
                match self.running_since {
                    Some(since) => self.ip_or_wait(since, now),
                    None => self.sleep_then(Step::Describe, now),
                }
            }
            (P::Health, O::Probed(p)) => {
                let passed = p.passed();
                self.probed = Some(p);
                if passed {
                    self.phase = P::Replacing;
                    return Step::Replace;
                }
                // Is the task still there to answer? (A crash shows as STOPPED.)
                Step::Describe
            }
            (P::Health, O::Described(t)) => {
                self.seen(&t);
                match (&t.status, self.probe()) {
                    (Status::Stopped(r), _) => self.stopped(r),
                    (_, Some(probe)) => self.sleep_then(probe, now),
                    (_, None) => self.up(None),
                }
            }
            (P::Replacing, O::Replaced) => {
                self.phase = P::Done;
                Step::Done
            }
            (P::Following, O::Followed(exit)) => {
                self.phase = P::Done;
                Step::Exit(exit)
            }
            (P::Cleanup, O::CleanedUp(result)) => {
                self.phase = P::Done;
                let mut f = self
                    .pending
                    .take()
                    .unwrap_or_else(|| Failure::new(Exit::TaskFailed, "launch failed"));
                match result {
                    Ok(Some(arn)) => {
                        let stopped = matches!(self.current, Step::Stop { .. })
                            || matches!(self.current, Step::Recover { stop: true, .. });
                        self.task = Some(arn.clone());
                        f = if stopped {
                            f.detail(format!("  stopped {arn}"))
                        } else {
                            f.detail(format!("  the task {arn} is left running until its TTL"))
                                .hint("`vanish down` stops it")
                        };
                    }
                    Ok(None) => {
                        f = f.detail("  RunTask did not answer and no task carries this launch's tag: nothing to stop");
                    }
                    Err(why) => {
                        let task = self.task.as_deref().unwrap_or("(unknown task)");
                        f = f
                            .detail(format!("  could not stop {task}: {why}"))
                            .hint("`vanish down NAME` stops it; otherwise its TTL does");
                    }
                }
                Step::Fail(f)
            }

            // ---- anything else cannot happen here: keep waiting ----
            _ => self.current.clone(),
        }
    }

    fn health_failed(&mut self, f: Failure) -> Step {
        if self.cfg.stop_on_failure {
            self.stop_current(f, "vanish up: health check failed")
        } else {
            self.phase = Phase::Done;
            Step::Fail(f)
        }
    }

    /// RUNNING without a public IP: look again, or give up on it after the
    /// IP wait and report the private IP.
    fn ip_or_wait(&mut self, since: Duration, now: Duration) -> Step {
        if now.saturating_sub(since) >= self.cfg.ip_wait {
            let w = humantime::format_duration(self.cfg.ip_wait);
            return self.up(Some(format!(
                "the task is RUNNING but has no public IP after {w}: reporting its private IP"
            )));
        }
        self.sleep_then(Step::Describe, now)
    }
}

impl TaskSeen {
    /// What RunTask's or DescribeTasks' task says.
    pub fn from_task(task: &aws_sdk_ecs::types::Task) -> TaskSeen {
        use crate::wait::{Phase as W, phase};
        TaskSeen {
            arn: task.task_arn().unwrap_or_default().to_owned(),
            status: match phase(task) {
                W::Running => Status::Running,
                W::Stopped(r) => Status::Stopped(r),
                W::Starting => Status::Starting(task.last_status().unwrap_or("?").to_owned()),
            },
            eni: crate::net::eni_id(task).map(str::to_owned),
            private_ip: crate::net::private_ip(task).map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The transition table: every phase × {interrupt, timeout, STOPPED,
    //! missing ENI, throttled}, for `--wait` and for `--no-wait`; the health
    //! phase probe by probe; and the scenarios the mocked suite used to walk
    //! call by call (each row says which mocked test it replaces).
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;
    const ARN: &str = "arn:aws:ecs:us-east-1:1:task/default/t1";

    fn cfg() -> Config {
        Config {
            wait: Some(S(60)),
            no_wait: false,
            ip_wait: S(30),
            wants_public: true,
            stop_on_failure: false,
            health: Some(HealthCheck {
                port: 80,
                path: "/healthz".into(),
            }),
            poll_initial: S(1),
            poll_cap: S(5),
            one_off: false,
        }
    }

    fn no_wait() -> Config {
        Config {
            no_wait: true,
            wait: Some(S(3)),
            ..cfg()
        }
    }

    fn seen(status: Status, eni: bool) -> TaskSeen {
        TaskSeen {
            arn: ARN.into(),
            status,
            eni: eni.then(|| "eni-1".into()),
            private_ip: eni.then(|| "10.0.0.5".into()),
        }
    }

    fn starting(s: &str, eni: bool) -> Observation {
        Observation::Described(seen(Status::Starting(s.into()), eni))
    }

    fn stopped() -> Status {
        Status::Stopped(StopReport {
            stop_code: Some("TaskFailedToStart".into()),
            ..StopReport::default()
        })
    }

    fn ip(public: Option<&str>) -> Observation {
        Observation::Eni {
            public_ip: public.map(str::to_owned),
            private_ip: None,
        }
    }

    fn timeout() -> Observation {
        Observation::Timeout(Calls::new())
    }

    fn probe_step() -> Step {
        Step::Probe {
            hostport: "3.3.3.3:80".into(),
            path: "/healthz".into(),
        }
    }

    /// The failure as `main` prints it.
    fn rendered(step: &Step) -> String {
        match step {
            Step::Fail(f) | Step::FailStopped(f) => {
                crate::exit::render(&anyhow::Error::from(f.clone()))
            }
            other => panic!("not a failure: {other:?}"),
        }
    }

    /// A machine driven into `phase` through the real transitions.
    fn at(phase: Phase, cfg: Config) -> Machine {
        use Observation as O;
        let no_wait = cfg.no_wait;
        let mut m = Machine::new(cfg);
        let t0 = Duration::ZERO;
        let launched = O::Launched(seen(Status::Starting("PROVISIONING".into()), no_wait));
        let walk: Vec<Observation> = match (phase, no_wait) {
            (Phase::Setup, _) => vec![],
            (Phase::InFlight, _) => vec![O::SetupDone],
            // Under --no-wait, Starting is the one look at the ENI.
            (Phase::Starting, _) => vec![O::SetupDone, launched],
            (Phase::Replacing, true) => vec![O::SetupDone, launched, ip(Some("3.3.3.3"))],
            (Phase::AwaitingIp, false) => vec![
                O::SetupDone,
                launched,
                O::Described(seen(Status::Running, true)),
            ],
            (Phase::Health, false) => vec![
                O::SetupDone,
                launched,
                O::Described(seen(Status::Running, true)),
                ip(Some("3.3.3.3")),
            ],
            (Phase::Replacing, false) => vec![
                O::SetupDone,
                launched,
                O::Described(seen(Status::Running, true)),
                ip(Some("3.3.3.3")),
                O::Probed(Probe::Status(200)),
            ],
            (Phase::Cleanup, _) => vec![O::SetupDone, launched, O::Interrupt(Signal::Int)],
            _ => unreachable!("{phase:?} is not walked to (no_wait: {no_wait})"),
        };
        for o in walk {
            m.observe(o, t0);
        }
        assert_eq!(m.phase, phase, "walking to {phase:?}");
        m
    }

    fn following() -> Machine {
        let mut m = Machine::new(Config {
            one_off: true,
            wait: None,
            ..cfg()
        });
        m.observe(Observation::SetupDone, Duration::ZERO);
        m.observe(
            Observation::Launched(seen(Status::Starting("PENDING".into()), false)),
            Duration::ZERO,
        );
        assert_eq!(m.phase, Phase::Following);
        m
    }

    /// What a step is, in a word, for the table.
    fn kind(s: &Step) -> String {
        match s {
            Step::Fail(f) | Step::FailStopped(f) => format!("fail {}", f.code.code()),
            Step::Recover { stop, .. } => format!("recover stop={stop}"),
            Step::Stop { .. } => "stop".into(),
            Step::Sleep(_) => "sleep".into(),
            Step::LookupEni(_) => "eni".into(),
            Step::Probe { .. } => "probe".into(),
            other => format!("{other:?}").to_lowercase(),
        }
    }

    fn hostile(which: &str) -> Observation {
        use Observation as O;
        match which {
            "interrupt" => O::Interrupt(Signal::Term),
            "timeout" => timeout(),
            "stopped" => O::Described(seen(stopped(), true)),
            "no eni" => O::EniMissing,
            _ => O::Throttled,
        }
    }

    const HOSTILE: [&str; 5] = ["interrupt", "timeout", "stopped", "no eni", "throttled"];

    #[test]
    fn every_phase_answers_every_hostile_observation() {
        // phase, [interrupt, timeout, STOPPED, missing ENI, throttled]
        let table: [(Phase, [&str; 5]); 8] = [
            (
                Phase::Setup,
                ["fail 143", "fail 4", "setup", "setup", "sleep"],
            ),
            (
                Phase::InFlight,
                [
                    "recover stop=true",
                    "recover stop=false",
                    "runtask",
                    "runtask",
                    "sleep",
                ],
            ),
            (
                Phase::Starting,
                ["stop", "fail 4", "fail 1", "sleep", "sleep"],
            ),
            (
                Phase::AwaitingIp,
                ["fail 143", "fail 4", "fail 1", "sleep", "sleep"],
            ),
            (
                Phase::Health,
                ["fail 143", "fail 4", "fail 1", "probe", "sleep"],
            ),
            (
                Phase::Replacing,
                ["fail 143", "done", "replace", "replace", "done"],
            ),
            (
                Phase::Following,
                ["stop", "follow", "follow", "follow", "follow"],
            ),
            (
                Phase::Cleanup,
                ["fail 143", "fail 130", "stop", "stop", "sleep"],
            ),
        ];
        for (phase, want) in table {
            for (which, want) in HOSTILE.iter().zip(want) {
                let mut m = if phase == Phase::Following {
                    following()
                } else {
                    at(phase, cfg())
                };
                let got = kind(&m.observe(hostile(which), S(10)));
                assert_eq!(got, want, "{phase:?} × {which}");
            }
        }
    }

    #[test]
    fn under_no_wait_every_phase_answers_every_hostile_observation_too() {
        // --no-wait --wait 3s; at 1 s, so a throttled call may back off once.
        // phase, [interrupt, timeout, STOPPED, missing ENI, throttled]
        let table: [(Phase, [&str; 5]); 5] = [
            (
                Phase::Setup,
                ["fail 143", "fail 4", "setup", "setup", "sleep"],
            ),
            (
                Phase::InFlight,
                [
                    "recover stop=true",
                    "recover stop=false",
                    "runtask",
                    "runtask",
                    "sleep",
                ],
            ),
            (
                Phase::Starting,
                ["stop", "fail 4", "fail 1", "replace", "sleep"],
            ),
            (
                Phase::Replacing,
                ["fail 143", "done", "replace", "replace", "done"],
            ),
            (
                Phase::Cleanup,
                ["fail 143", "fail 130", "stop", "stop", "sleep"],
            ),
        ];
        for (phase, want) in table {
            for (which, want) in HOSTILE.iter().zip(want) {
                let mut m = at(phase, no_wait());
                let got = kind(&m.observe(hostile(which), S(1)));
                assert_eq!(got, want, "--no-wait: {phase:?} × {which}");
            }
        }
    }

    #[test]
    fn under_no_wait_the_wait_bounds_setup_run_task_and_the_one_look() {
        use Observation as O;
        // Setup: every call stalled; the deadline names what was in flight.
        let mut m = at(Phase::Setup, no_wait());
        let step = m.observe(
            O::Timeout(vec![
                "ec2:DescribeVpcs/DescribeSubnets/DescribeSecurityGroups",
                "ecs:DescribeTaskDefinition",
            ]),
            S(3),
        );
        assert_eq!(
            m.warnings,
            [
                "still in flight when --wait 3s ran out: ec2:DescribeVpcs/DescribeSubnets/DescribeSecurityGroups, ecs:DescribeTaskDefinition"
            ]
        );
        assert_eq!(
            rendered(&step),
            "error: --wait 3s ran out before RunTask\n  nothing was launched\n  hint: --no-wait skips the wait for RUNNING, but --wait still bounds setup and RunTask"
        );
        // A throttled setup backs off only while the pause fits in the bound.
        let mut m = at(Phase::Setup, no_wait());
        assert_eq!(m.observe(O::Throttled, S(1)), Step::Sleep(S(1)));
        assert_eq!(m.observe(O::Slept, S(2)), Step::Setup);
        assert_eq!(kind(&m.observe(O::Throttled, S(2))), "fail 4");
        // RunTask in flight: recover the task it may have started, leave it.
        let mut m = at(Phase::InFlight, no_wait());
        let step = m.observe(O::Timeout(vec!["ecs:RunTask"]), S(3));
        assert_eq!(
            step,
            Step::Recover {
                stop: false,
                reason: "vanish up: wait timed out".into()
            }
        );
        let step = m.observe(O::CleanedUp(Ok(Some(ARN.into()))), S(4));
        assert_eq!(
            rendered(&step),
            format!(
                "error: --wait 3s ran out while RunTask was in flight\n  the task {ARN} is left running until its TTL\n  hint: `vanish down` stops it"
            )
        );
        // The one look at the ENI.
        let mut m = at(Phase::Starting, no_wait());
        assert_eq!(m.current, Step::LookupEni("eni-1".into()));
        let step = m.observe(O::Timeout(vec!["ec2:DescribeNetworkInterfaces"]), S(3));
        assert_eq!(
            rendered(&step),
            "error: --wait 3s ran out while looking up task t1's ENI\n  last status: PROVISIONING\n  hint: the task is left running until its TTL; `vanish down` stops it"
        );
        let mut m = at(
            Phase::Starting,
            Config {
                stop_on_failure: true,
                ..no_wait()
            },
        );
        let step = m.observe(timeout(), S(3));
        assert_eq!(
            step,
            Step::Stop {
                arn: ARN.into(),
                reason: "vanish up: wait timed out".into()
            }
        );
        // An interrupt after the look leaves the launched task, naming its status.
        let mut m = at(Phase::Replacing, no_wait());
        assert_eq!(
            rendered(&m.observe(O::Interrupt(Signal::Int), S(1))),
            "error: interrupted (SIGINT)\n  the task t1 is PROVISIONING: left to its TTL"
        );
        // Replacement: the app is up, the older tasks are left, with a warning.
        let mut m = at(Phase::Replacing, no_wait());
        assert_eq!(
            m.observe(O::Timeout(vec!["ecs:StopTask"]), S(3)),
            Step::Done
        );
        assert_eq!(
            m.warnings,
            [
                "still in flight when --wait 3s ran out: ecs:StopTask",
                "--wait 3s ran out while stopping the replaced task(s): they are left to their TTL"
            ]
        );
    }

    #[test]
    fn the_deadline_names_the_calls_it_cuts_short_in_every_phase_but_cleanup() {
        use Observation as O;
        for phase in [
            Phase::Setup,
            Phase::InFlight,
            Phase::Starting,
            Phase::AwaitingIp,
        ] {
            let mut m = at(phase, cfg());
            m.observe(O::Timeout(vec!["ecs:DescribeTasks"]), S(60));
            assert_eq!(
                m.warnings,
                ["still in flight when --wait 1m ran out: ecs:DescribeTasks"],
                "{phase:?}"
            );
        }
        // A sleep that would cross the deadline cuts no call short.
        let mut m = at(Phase::Starting, cfg());
        let step = m.observe(starting("PENDING", false), Duration::from_millis(59_500));
        assert_eq!(kind(&step), "fail 4");
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        // In cleanup the bound is cleanup's, and its message names the task.
        let mut m = at(Phase::Cleanup, cfg());
        m.observe(O::Timeout(vec!["ecs:StopTask"]), S(70));
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    }

    #[test]
    fn stop_on_failure_stops_on_timeout_and_recovers_in_flight() {
        let c = Config {
            stop_on_failure: true,
            ..cfg()
        };
        let mut m = at(Phase::Starting, c.clone());
        assert_eq!(kind(&m.observe(timeout(), S(61))), "stop");
        let step = m.observe(Observation::CleanedUp(Ok(Some("arn/t1".into()))), S(62));
        let Step::Fail(f) = step else {
            panic!("{step:?}")
        };
        assert_eq!(f.code, Exit::WaitTimeout);
        assert!(f.details.iter().any(|d| d == "  stopped arn/t1"), "{f:?}");
        let mut m = at(Phase::InFlight, c);
        assert_eq!(kind(&m.observe(timeout(), S(61))), "recover stop=true");
    }

    #[test]
    fn an_interrupt_stops_a_starting_task_and_names_it() {
        let mut m = at(Phase::Starting, cfg());
        let step = m.observe(Observation::Interrupt(Signal::Int), S(3));
        assert!(matches!(&step, Step::Stop { reason, .. } if reason == "launch interrupted"));
        let step = m.observe(Observation::CleanedUp(Ok(Some(ARN.into()))), S(4));
        let Step::Fail(f) = step else {
            panic!("{step:?}")
        };
        assert_eq!(f.code, Exit::Interrupted);
        assert_eq!(f.message, "interrupted (SIGINT)");
        assert_eq!(f.details, [format!("  stopped {ARN}")]);
    }

    #[test]
    fn a_second_interrupt_exits_at_once_naming_the_task_left() {
        let mut m = at(Phase::Cleanup, cfg());
        let Step::Fail(f) = m.observe(Observation::Interrupt(Signal::Int), S(5)) else {
            panic!()
        };
        assert_eq!(f.code, Exit::Interrupted);
        assert_eq!(
            f.message,
            "interrupted (SIGINT); second SIGINT: exiting now"
        );
        assert_eq!(f.details[0], format!("  left running, not stopped: {ARN}"));
    }

    #[test]
    fn the_happy_path_polls_with_backoff_then_finds_the_ip() {
        use Observation as O;
        let mut m = Machine::new(Config {
            health: None,
            ..cfg()
        });
        let mut steps = vec![kind(&m.observe(O::SetupDone, S(0)))];
        let starting = || seen(Status::Starting("PENDING".into()), false);
        steps.push(kind(&m.observe(O::Launched(starting()), S(0))));
        steps.push(kind(&m.observe(O::Described(starting()), S(0))));
        assert_eq!(m.observe(O::Slept, S(1)), Step::Describe);
        assert_eq!(m.observe(O::Described(starting()), S(1)), Step::Sleep(S(2)));
        m.observe(O::Slept, S(3));
        steps.push(kind(
            &m.observe(O::Described(seen(Status::Running, true)), S(3)),
        ));
        steps.push(kind(&m.observe(
            O::Eni {
                public_ip: None,
                private_ip: Some("10.0.0.5".into()),
            },
            S(3),
        )));
        m.observe(O::Slept, S(7));
        steps.push(kind(
            &m.observe(O::Described(seen(Status::Running, true)), S(7)),
        ));
        steps.push(kind(&m.observe(ip(Some("3.3.3.3")), S(7))));
        steps.push(kind(&m.observe(O::Replaced, S(8))));
        assert_eq!(
            steps,
            [
                "runtask", "describe", "sleep", "eni", "sleep", "eni", "replace", "done"
            ]
        );
        assert_eq!(m.public_ip.as_deref(), Some("3.3.3.3"));
        assert_eq!(m.private_ip.as_deref(), Some("10.0.0.5"));
    }

    #[test]
    fn no_public_ip_after_the_ip_wait_reports_the_private_one_with_a_warning() {
        let mut m = at(Phase::AwaitingIp, cfg());
        // The health check probes the private IP then.
        let step = m.observe(ip(None), S(31));
        assert_eq!(
            step,
            Step::Probe {
                hostport: "10.0.0.5:80".into(),
                path: "/healthz".into()
            }
        );
        assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
    }

    #[test]
    fn a_sleep_that_would_cross_the_deadline_is_the_deadline() {
        let mut m = at(Phase::Starting, cfg());
        let step = m.observe(starting("PENDING", false), Duration::from_millis(59_500));
        let Step::Fail(f) = step else {
            panic!("{step:?}")
        };
        assert_eq!(f.code, Exit::WaitTimeout);
        assert_eq!(f.message, "task t1 not RUNNING after 1m");
    }

    #[test]
    fn no_wait_takes_one_look_and_no_health_check() {
        use Observation as O;
        let mut m = Machine::new(Config {
            no_wait: true,
            ..cfg()
        });
        m.observe(O::SetupDone, S(0));
        let step = m.observe(
            O::Launched(seen(Status::Starting("PROVISIONING".into()), true)),
            S(0),
        );
        assert_eq!(step, Step::LookupEni("eni-1".into()));
        assert_eq!(m.observe(O::EniMissing, S(0)), Step::Replace);
        let mut m = at(Phase::Starting, no_wait());
        assert_eq!(m.observe(ip(Some("3.3.3.3")), S(1)), Step::Replace);
        assert_eq!(m.public_ip.as_deref(), Some("3.3.3.3"));
    }

    #[test]
    fn replacement_failure_still_publishes() {
        let mut m = at(Phase::Replacing, cfg());
        let step = m.observe(
            Observation::CallFailed(Failure::new(Exit::Aws, "ecs:ListTasks failed: boom")),
            S(9),
        );
        assert_eq!(step, Step::Done);
        assert_eq!(m.warnings.len(), 1);
    }

    #[test]
    fn one_off_ends_with_the_container_s_exit() {
        let mut m = following();
        assert_eq!(
            m.observe(Observation::Followed(Exit::Container(3)), S(9)),
            Step::Exit(Exit::Container(3))
        );
    }

    // ---- the health phase, probe by probe ----

    #[test]
    fn the_health_phase_answers_every_probe_result_and_hostile_observation() {
        use Observation as O;
        // observation at 10 s → the step (kind) the machine asks for next;
        // after a probe that did not pass, a look at the task.
        let table: [(Observation, &str); 11] = [
            (O::Probed(Probe::Status(200)), "replace"),
            (O::Probed(Probe::Status(204)), "replace"),
            (O::Probed(Probe::Status(302)), "replace"),
            (O::Probed(Probe::Status(399)), "replace"),
            (O::Probed(Probe::Status(199)), "describe"),
            (O::Probed(Probe::Status(404)), "describe"),
            (O::Probed(Probe::Status(503)), "describe"),
            (
                O::Probed(Probe::Failed("connection refused".into())),
                "describe",
            ),
            (O::Probed(Probe::TimedOut), "describe"),
            (O::Interrupt(Signal::Int), "fail 130"),
            (timeout(), "fail 4"),
        ];
        for (obs, want) in table {
            let mut m = at(Phase::Health, cfg());
            assert_eq!(m.current, probe_step());
            let got = kind(&m.observe(obs.clone(), S(10)));
            assert_eq!(got, want, "Health × {obs:?}");
        }
    }

    #[test]
    fn health_probes_back_off_and_repeat_the_same_probe_until_2xx() {
        use Observation as O;
        let mut m = at(Phase::Health, cfg());
        let mut slept = Vec::new();
        let mut now = S(5);
        for answer in [
            Probe::Failed("connection refused".into()),
            Probe::TimedOut,
            Probe::Status(503),
            Probe::Status(503),
        ] {
            assert_eq!(m.observe(O::Probed(answer), now), Step::Describe);
            let running = O::Described(seen(Status::Running, true));
            let Step::Sleep(d) = m.observe(running, now) else {
                panic!("not a sleep")
            };
            slept.push(d);
            now += d;
            assert_eq!(m.observe(O::Slept, now), probe_step());
        }
        assert_eq!(
            slept,
            [S(1), S(2), S(4), S(5)],
            "as the task polls: 1 s → 5 s"
        );
        assert_eq!(m.observe(O::Probed(Probe::Status(200)), now), Step::Replace);
        assert_eq!(m.phase, Phase::Replacing);
    }

    #[test]
    fn health_running_out_names_the_url_and_the_last_answer() {
        use Observation as O;
        // The pause after a 503 (and a look at the task) would cross the deadline.
        let mut m = at(Phase::Health, cfg());
        let late = Duration::from_millis(59_500);
        m.observe(O::Probed(Probe::Status(503)), late);
        let step = m.observe(O::Described(seen(Status::Running, true)), late);
        assert_eq!(
            rendered(&step),
            "error: http://3.3.3.3:80/healthz did not answer 2xx/3xx within --wait 1m\n  last answer: HTTP 503"
        );
        // The deadline fires during a probe, after one that got no answer.
        let mut m = at(Phase::Health, cfg());
        m.observe(O::Probed(Probe::TimedOut), S(10));
        m.observe(O::Described(seen(Status::Running, true)), S(10));
        assert_eq!(m.observe(O::Slept, S(11)), probe_step());
        let step = m.observe(timeout(), S(60));
        assert_eq!(
            rendered(&step),
            "error: http://3.3.3.3:80/healthz did not answer 2xx/3xx within --wait 1m\n  last answer: no answer within 5s"
        );
        // Before any probe answered.
        let mut m = at(Phase::Health, cfg());
        let step = m.observe(timeout(), S(60));
        assert_eq!(
            rendered(&step),
            "error: http://3.3.3.3:80/healthz did not answer 2xx/3xx within --wait 1m"
        );
        // With --stop-on-failure the task is stopped, and the message says so.
        let mut m = at(
            Phase::Health,
            Config {
                stop_on_failure: true,
                ..cfg()
            },
        );
        m.observe(O::Probed(Probe::Failed("connection refused".into())), S(10));
        // The deadline fires during the look at the task.
        let step = m.observe(O::Timeout(vec!["ecs:DescribeTasks"]), S(60));
        assert_eq!(
            step,
            Step::Stop {
                arn: ARN.into(),
                reason: "vanish up: health check failed".into()
            }
        );
        let step = m.observe(O::CleanedUp(Ok(Some(ARN.into()))), S(61));
        assert_eq!(
            rendered(&step),
            format!(
                "error: http://3.3.3.3:80/healthz did not answer 2xx/3xx within --wait 1m\n  last answer: no HTTP answer (connection refused)\n  stopped {ARN}"
            )
        );
    }

    #[test]
    fn an_interrupt_during_a_probe_or_between_probes_leaves_the_running_task() {
        use Observation as O;
        for between in [false, true] {
            let mut m = at(Phase::Health, cfg());
            if between {
                m.observe(O::Probed(Probe::Status(503)), S(5));
                let running = O::Described(seen(Status::Running, true));
                assert_eq!(kind(&m.observe(running, S(5))), "sleep");
            }
            let step = m.observe(O::Interrupt(Signal::Term), S(6));
            assert_eq!(
                rendered(&step),
                "error: interrupted (SIGTERM)\n  the task t1 is RUNNING: left to its TTL",
                "between probes: {between}"
            );
        }
    }

    #[test]
    fn a_task_that_crashes_during_the_health_check_is_exit_1_with_its_report() {
        use Observation as O;
        let mut m = at(Phase::Health, cfg());
        let refused = Probe::Failed("connection refused".into());
        assert_eq!(m.observe(O::Probed(refused), S(3)), Step::Describe);
        // DescribeTasks throttled: back off, look again.
        assert_eq!(m.observe(O::Throttled, S(3)), Step::Sleep(S(1)));
        assert_eq!(m.observe(O::Slept, S(4)), Step::Describe);
        let crashed = Status::Stopped(StopReport {
            stop_code: Some("EssentialContainerExited".into()),
            stopped_reason: Some("Essential container in task exited".into()),
            containers: vec![("web".into(), None, Some(1))],
        });
        let step = m.observe(O::Described(seen(crashed, true)), S(4));
        assert!(matches!(step, Step::FailStopped(_)), "{step:?}");
        assert_eq!(
            rendered(&step),
            "error: task t1 stopped before it was up\n  stopCode: EssentialContainerExited\n  stoppedReason: Essential container in task exited\n  container web: exitCode 1"
        );
    }

    #[test]
    fn no_health_check_without_an_address_or_under_no_wait() {
        use Observation as O;
        // RUNNING with no ENI at all: after the IP wait there is no address.
        let mut m = Machine::new(cfg());
        m.observe(O::SetupDone, S(0));
        m.observe(O::Launched(seen(Status::Running, false)), S(0));
        let step = m.observe(O::Described(seen(Status::Running, false)), S(0));
        assert_eq!(step, Step::Sleep(S(1)));
        m.observe(O::Slept, S(31));
        assert_eq!(
            m.observe(O::Described(seen(Status::Running, false)), S(31)),
            Step::Replace
        );
        // --no-wait: the one look, then replacement, whatever the plan says.
        let mut m = at(Phase::Starting, no_wait());
        assert_eq!(m.observe(ip(Some("3.3.3.3")), S(1)), Step::Replace);
    }

    // ---- the scenarios launcher/tests/up_mocked.rs used to walk ----

    /// Was `stopped_with_cannot_pull_container_error_is_exit_1_with_reasons`:
    /// PENDING, then STOPPED with TaskFailedToStart; the report, exactly.
    #[test]
    fn stopped_with_cannot_pull_container_error_is_exit_1_with_reasons() {
        use Observation as O;
        use aws_sdk_ecs::types::{Container, Task, TaskStopCode};
        let task = Task::builder()
            .task_arn(ARN)
            .last_status("STOPPED")
            .stop_code(TaskStopCode::TaskFailedToStart)
            .stopped_reason("Task failed to start")
            .containers(
                Container::builder()
                    .name("web")
                    .reason(
                        "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
                    )
                    .build(),
            )
            .containers(Container::builder().name("sidecar").exit_code(137).build())
            .build();
        let mut m = Machine::new(Config {
            health: None,
            ..cfg()
        });
        m.observe(O::SetupDone, S(0));
        m.observe(
            O::Launched(seen(Status::Starting("PROVISIONING".into()), false)),
            S(0),
        );
        assert_eq!(
            m.observe(starting("PENDING", true), S(0)),
            Step::LookupEni("eni-1".into())
        );
        assert_eq!(m.observe(O::EniMissing, S(0)), Step::Sleep(S(1)));
        assert_eq!(m.observe(O::Slept, S(1)), Step::Describe);
        let step = m.observe(O::Described(TaskSeen::from_task(&task)), S(1));
        assert!(matches!(step, Step::FailStopped(_)), "{step:?}");
        assert_eq!(
            rendered(&step),
            "error: task t1 stopped before it was up\n  stopCode: TaskFailedToStart\n  stoppedReason: Task failed to start\n  container web: exitCode none, reason: CannotPullContainerError: pull image manifest has been retried 5 time(s)\n  container sidecar: exitCode 137"
        );
    }

    /// Was `wait_timeout_is_exit_4_and_stops_the_task_only_when_asked`:
    /// PENDING until `--wait 20s` runs out; backoff 1 s → 5 s; exit 4; the
    /// task stopped only with `--stop-on-failure`.
    #[test]
    fn wait_timeout_is_exit_4_and_stops_the_task_only_when_asked() {
        use Observation as O;
        for stop_on_failure in [false, true] {
            let mut m = Machine::new(Config {
                wait: Some(S(20)),
                stop_on_failure,
                health: None,
                ..cfg()
            });
            m.observe(O::SetupDone, S(0));
            let mut step = m.observe(
                O::Launched(seen(Status::Starting("PROVISIONING".into()), false)),
                S(0),
            );
            let (mut now, mut slept) = (S(0), Vec::new());
            while step == Step::Describe {
                step = m.observe(starting("PENDING", false), now);
                if let Step::Sleep(d) = step {
                    slept.push(d);
                    now += d;
                    step = m.observe(O::Slept, now);
                }
            }
            assert_eq!(slept, [S(1), S(2), S(4), S(5), S(5)], "backoff 1s → 5s cap");
            if stop_on_failure {
                assert_eq!(
                    step,
                    Step::Stop {
                        arn: ARN.into(),
                        reason: "vanish up: wait timed out".into()
                    }
                );
                step = m.observe(O::CleanedUp(Ok(Some(ARN.into()))), now);
                assert_eq!(
                    rendered(&step),
                    format!(
                        "error: task t1 not RUNNING after 20s\n  last status: PENDING\n  stopped {ARN}"
                    )
                );
            } else {
                assert_eq!(
                    rendered(&step),
                    "error: task t1 not RUNNING after 20s\n  last status: PENDING\n  hint: the task is left running until its TTL; `vanish down` stops it"
                );
            }
            let Step::Fail(f) = step else { panic!() };
            assert_eq!(f.code, Exit::WaitTimeout);
        }
    }

    /// Was `interrupt_before_running_stops_the_task_after_running_leaves_it`:
    /// Ctrl-C after two polls (the ENI known, no public IP yet).
    #[test]
    fn interrupt_before_running_stops_the_task_after_running_leaves_it() {
        use Observation as O;
        for (status, stops, detail) in [
            (
                Status::Starting("PENDING".into()),
                true,
                format!("  stopped {ARN}"),
            ),
            (
                Status::Running,
                false,
                "  the task t1 is RUNNING: left to its TTL".to_owned(),
            ),
        ] {
            let mut m = at(Phase::InFlight, cfg());
            let mut step = m.observe(
                O::Launched(seen(Status::Starting("PROVISIONING".into()), false)),
                S(0),
            );
            let (mut now, mut slept) = (S(0), 0);
            while slept < 2 {
                step = match step {
                    Step::Describe => m.observe(O::Described(seen(status.clone(), true)), now),
                    Step::LookupEni(_) => m.observe(O::EniMissing, now),
                    Step::Sleep(d) => {
                        slept += 1;
                        now += d;
                        m.observe(O::Slept, now)
                    }
                    other => panic!("{other:?}"),
                };
            }
            step = m.observe(O::Interrupt(Signal::Int), now);
            if stops {
                assert_eq!(
                    step,
                    Step::Stop {
                        arn: ARN.into(),
                        reason: "launch interrupted".into()
                    }
                );
                step = m.observe(O::CleanedUp(Ok(Some(ARN.into()))), now);
            }
            assert_eq!(
                rendered(&step),
                format!("error: interrupted (SIGINT)\n{detail}")
            );
            let Step::Fail(f) = step else { panic!() };
            assert_eq!(f.code, Exit::Interrupted);
        }
    }
}
