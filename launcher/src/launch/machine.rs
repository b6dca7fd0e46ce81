//! The launch as a pure state machine: `Machine::observe(observation, now)
//! -> Step`, modelled on the supervisor's `Machine::step`. The driver
//! (`drive.rs`) performs each step (an AWS call, a sleep, a health probe) and
//! feeds back what it saw; nothing here does I/O or reads a clock.
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
//! - Exit codes: STOPPED 1, AWS error 3, deadline 4, SIGINT 130, SIGTERM 143.

use std::time::Duration;

use crate::exit::{Exit, Failure};
use crate::interrupt::Signal;
use crate::net::short_id;
use crate::wait::{StopReport, backoff};

/// How the launch behaves (from `UpOptions`).
#[derive(Debug, Clone)]
pub struct Config {
    /// `None`: `--no-wait` (one look at RunTask's answer, no polling).
    pub wait: Option<Duration>,
    pub ip_wait: Duration,
    pub wants_public: bool,
    pub stop_on_failure: bool,
    pub has_health: bool,
    pub poll_initial: Duration,
    pub poll_cap: Duration,
    /// `vanish run`: follow the task to its end instead of waiting for an
    /// address; an interrupt always stops it.
    pub one_off: bool,
}

/// Where the launch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Network discovery and task definition (nothing launched yet).
    Setup,
    /// RunTask sent, no answer yet.
    InFlight,
    /// The task exists and is not RUNNING yet.
    Starting,
    /// RUNNING, waiting for the public IP.
    AwaitingIp,
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
    HealthPassed,
    HealthFailed(String),
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
    /// `--wait` ran out (or, in cleanup, the cleanup bound).
    Timeout,
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
    Health,
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
            return self.observe(Observation::Timeout, now);
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

    /// After RUNNING with an address: health, then replacement.
    fn up(&mut self, warning: Option<String>) -> Step {
        self.warnings.extend(warning);
        if self.cfg.has_health && self.cfg.wait.is_some() {
            self.phase = Phase::Health;
            Step::Health
        } else {
            self.phase = Phase::Replacing;
            Step::Replace
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
            (P::AwaitingIp | P::Health | P::Replacing, O::Interrupt(s)) => {
                self.phase = P::Done;
                Step::Fail(interrupted(s).detail(format!(
                    "  the task {} is RUNNING: left to its TTL",
                    self.short()
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
            (P::Setup, O::Timeout) => {
                self.phase = P::Done;
                Step::Fail(
                    Failure::new(
                        Exit::WaitTimeout,
                        format!("--wait {} ran out before RunTask", self.wait_text()),
                    )
                    .detail("  nothing was launched"),
                )
            }
            (P::InFlight, O::Timeout) => {
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
            (P::Starting | P::AwaitingIp, O::Timeout) => {
                let what = if self.phase == P::Starting {
                    "not RUNNING"
                } else {
                    "RUNNING but without a public IP"
                };
                let f = Failure::new(
                    Exit::WaitTimeout,
                    format!("task {} {what} after {}", self.short(), self.wait_text()),
                )
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
            (P::Health, O::Timeout) => {
                let f = Failure::new(
                    Exit::WaitTimeout,
                    format!("the health check did not pass within {}", self.wait_text()),
                );
                self.health_failed(f)
            }
            (P::Replacing, O::Timeout) => {
                self.phase = P::Done;
                self.warnings.push(format!(
                    "--wait {} ran out while stopping the replaced task(s): they are left to their TTL",
                    self.wait_text()
                ));
                Step::Done
            }
            (P::Cleanup, O::Timeout) => {
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
            (P::Following, O::Timeout) => self.current.clone(),

            // ---- throttling: back off and repeat ----
            (P::Setup | P::InFlight | P::Starting | P::AwaitingIp | P::Cleanup, O::Throttled) => {
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
            (P::Health | P::Following, O::Throttled) => self.current.clone(),

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
                if self.cfg.wait.is_none() {
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
                if self.cfg.wait.is_none() {
                    return self.up(None);
                }
                match self.running_since {
                    None => self.sleep_then(Step::Describe, now),
                    Some(_) if self.public_ip.is_some() => self.up(None),
                    Some(since) => self.ip_or_wait(since, now),
                }
            }
            (P::Starting | P::AwaitingIp, O::EniMissing) => {
                if self.cfg.wait.is_none() {
                    return self.up(None);
                }
                match self.running_since {
                    Some(since) => self.ip_or_wait(since, now),
                    None => self.sleep_then(Step::Describe, now),
                }
            }
            (P::Health, O::HealthPassed) => {
                self.phase = P::Replacing;
                Step::Replace
            }
            (P::Health, O::HealthFailed(why)) => {
                self.health_failed(Failure::new(Exit::WaitTimeout, why))
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
    //! missing ENI, throttled}, plus the happy paths the mocked suite used
    //! to walk call by call.
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn cfg() -> Config {
        Config {
            wait: Some(S(60)),
            ip_wait: S(30),
            wants_public: true,
            stop_on_failure: false,
            has_health: true,
            poll_initial: S(1),
            poll_cap: S(5),
            one_off: false,
        }
    }

    fn seen(status: Status, eni: bool) -> TaskSeen {
        TaskSeen {
            arn: "arn:aws:ecs:us-east-1:1:task/default/t1".into(),
            status,
            eni: eni.then(|| "eni-1".into()),
            private_ip: eni.then(|| "10.0.0.5".into()),
        }
    }

    fn stopped() -> Status {
        Status::Stopped(StopReport {
            stop_code: Some("TaskFailedToStart".into()),
            ..StopReport::default()
        })
    }

    /// A machine driven into `phase` through the real transitions.
    fn at(phase: Phase, cfg: Config) -> Machine {
        use Observation as O;
        let mut m = Machine::new(cfg);
        let t0 = Duration::ZERO;
        let walk: &[Observation] = match phase {
            Phase::Setup => &[],
            Phase::InFlight => &[O::SetupDone],
            Phase::Starting => &[
                O::SetupDone,
                O::Launched(seen(Status::Starting("PROVISIONING".into()), false)),
            ],
            Phase::AwaitingIp => &[
                O::SetupDone,
                O::Launched(seen(Status::Starting("PROVISIONING".into()), false)),
                O::Described(seen(Status::Running, true)),
            ],
            Phase::Health => &[
                O::SetupDone,
                O::Launched(seen(Status::Starting("PROVISIONING".into()), false)),
                O::Described(seen(Status::Running, true)),
                O::Eni {
                    public_ip: Some("3.3.3.3".into()),
                    private_ip: None,
                },
            ],
            Phase::Replacing => &[
                O::SetupDone,
                O::Launched(seen(Status::Starting("PROVISIONING".into()), false)),
                O::Described(seen(Status::Running, true)),
                O::Eni {
                    public_ip: Some("3.3.3.3".into()),
                    private_ip: None,
                },
                O::HealthPassed,
            ],
            Phase::Cleanup => &[
                O::SetupDone,
                O::Launched(seen(Status::Starting("PROVISIONING".into()), false)),
                O::Interrupt(Signal::Int),
            ],
            Phase::Following | Phase::Done => unreachable!("built separately"),
        };
        for o in walk {
            m.observe(o.clone(), t0);
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
            other => format!("{other:?}").to_lowercase(),
        }
    }

    #[test]
    fn every_phase_answers_every_hostile_observation() {
        use Observation as O;
        let hostile = |which: &str| match which {
            "interrupt" => O::Interrupt(Signal::Term),
            "timeout" => O::Timeout,
            "stopped" => O::Described(seen(stopped(), true)),
            "no eni" => O::EniMissing,
            _ => O::Throttled,
        };
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
                ["fail 143", "fail 4", "health", "health", "health"],
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
        let names = ["interrupt", "timeout", "stopped", "no eni", "throttled"];
        for (phase, want) in table {
            for (which, want) in names.iter().zip(want) {
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
    fn stop_on_failure_stops_on_timeout_and_recovers_in_flight() {
        let c = Config {
            stop_on_failure: true,
            ..cfg()
        };
        let mut m = at(Phase::Starting, c.clone());
        assert_eq!(kind(&m.observe(Observation::Timeout, S(61))), "stop");
        let step = m.observe(Observation::CleanedUp(Ok(Some("arn/t1".into()))), S(62));
        let Step::Fail(f) = step else {
            panic!("{step:?}")
        };
        assert_eq!(f.code, Exit::WaitTimeout);
        assert!(f.details.iter().any(|d| d == "  stopped arn/t1"), "{f:?}");
        let mut m = at(Phase::InFlight, c);
        assert_eq!(
            kind(&m.observe(Observation::Timeout, S(61))),
            "recover stop=true"
        );
    }

    #[test]
    fn an_interrupt_stops_a_starting_task_and_names_it() {
        let mut m = at(Phase::Starting, cfg());
        let step = m.observe(Observation::Interrupt(Signal::Int), S(3));
        assert!(matches!(&step, Step::Stop { reason, .. } if reason == "launch interrupted"));
        let step = m.observe(
            Observation::CleanedUp(Ok(Some("arn:aws:ecs:us-east-1:1:task/default/t1".into()))),
            S(4),
        );
        let Step::Fail(f) = step else {
            panic!("{step:?}")
        };
        assert_eq!(f.code, Exit::Interrupted);
        assert_eq!(f.message, "interrupted (SIGINT)");
        assert_eq!(
            f.details,
            ["  stopped arn:aws:ecs:us-east-1:1:task/default/t1"]
        );
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
        assert_eq!(
            f.details[0],
            "  left running, not stopped: arn:aws:ecs:us-east-1:1:task/default/t1"
        );
    }

    #[test]
    fn the_happy_path_polls_with_backoff_then_finds_the_ip() {
        use Observation as O;
        let mut m = Machine::new(Config {
            has_health: false,
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
        steps.push(kind(&m.observe(
            O::Eni {
                public_ip: Some("3.3.3.3".into()),
                private_ip: None,
            },
            S(7),
        )));
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
        use Observation as O;
        let mut m = at(Phase::AwaitingIp, cfg());
        let step = m.observe(
            O::Eni {
                public_ip: None,
                private_ip: None,
            },
            S(31),
        );
        assert_eq!(step, Step::Health);
        assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
    }

    #[test]
    fn a_sleep_that_would_cross_the_deadline_is_the_deadline() {
        let mut m = at(Phase::Starting, cfg());
        let step = m.observe(
            Observation::Described(seen(Status::Starting("PENDING".into()), false)),
            Duration::from_millis(59_500),
        );
        let Step::Fail(f) = step else {
            panic!("{step:?}")
        };
        assert_eq!(f.code, Exit::WaitTimeout);
        assert_eq!(f.message, "task t1 not RUNNING after 1m");
    }

    #[test]
    fn no_wait_takes_one_look() {
        use Observation as O;
        let mut m = Machine::new(Config {
            wait: None,
            ..cfg()
        });
        m.observe(O::SetupDone, S(0));
        let step = m.observe(
            O::Launched(seen(Status::Starting("PROVISIONING".into()), true)),
            S(0),
        );
        assert_eq!(step, Step::LookupEni("eni-1".into()));
        assert_eq!(m.observe(O::EniMissing, S(0)), Step::Replace);
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
}
