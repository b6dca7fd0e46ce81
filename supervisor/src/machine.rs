//! The supervisor's pure state machine: `step(event, now) -> actions`.
//!
//! Running → Draining(kill_at) → Killing → Done. Time is an argument (time
//! since start, on the monotonic clock), so every transition is a table row.
//!
//! Invariants:
//! - Nothing is SIGKILLed without having had its stop signal (or SIGTERM,
//!   for leftovers) and a grace period first, except on a second
//!   SIGTERM/SIGINT from outside (asked for).
//! - External SIGTERM/SIGINT is forwarded to the target (SIGTERM as the stop
//!   signal, unless a rewrite says otherwise) and starts the grace clock; it
//!   is never restarted, so the total stop time stays within `grace` (keep
//!   it under ECS's stopTimeout). A signal rewritten to 0 is dropped: it
//!   neither reaches the child nor starts anything.
//! - Expiry (TTL, deadline, or `idle` with no connection) sends the stop
//!   signal to everyone; the exit code is then `ttl_exit_code`.
//! - Exit happens only once no process is left to reap; the exit code is the
//!   main child's (code or 128+N, 0 if listed as a success code), or
//!   `ttl_exit_code` after an expiry.
//! - `next_wakeup` is `None` whenever nothing is scheduled: no timer, no
//!   wake-up while idle. Idle checks are scheduled only with `idle` set.
//! - Time arithmetic saturates: no value of `now` or of the config panics.

use std::time::Duration;

/// Between repeated SIGKILL sweeps while something still has to die (a
/// process stuck in the kernel; the sweep itself converges, see reaper.rs).
/// Only ever armed in `Killing`.
pub const REKILL: Duration = Duration::from_millis(100);

pub const SIGINT: i32 = 2;
pub const SIGKILL: i32 = 9;
pub const SIGTERM: i32 = 15;

/// Signals 0..=64 mapped to what they are forwarded as.
pub type Rewrites = [u8; 65];

/// Every signal forwarded as itself.
pub const fn identity() -> Rewrites {
    let mut t = [0u8; 65];
    let mut i = 0;
    while i < t.len() {
        t[i] = i as u8;
        i += 1;
    }
    t
}

/// The table for a stop signal and `--rewrite` pairs (later pairs win): an
/// outside SIGTERM becomes the stop signal unless a pair says otherwise.
pub fn rewrites(stop_signal: i32, pairs: &[(i32, i32)]) -> Rewrites {
    let mut t = identity();
    let mut set = |from: i32, to: i32| {
        if let (Ok(f), Ok(to)) = (usize::try_from(from), u8::try_from(to))
            && f < t.len()
        {
            t[f] = to;
        }
    };
    set(SIGTERM, stop_signal);
    for &(from, to) in pairs {
        set(from, to);
    }
    t
}

/// Exit codes reported as 0, as a 256-bit set.
pub fn success_set(codes: &[u8]) -> [u64; 4] {
    let mut set = [0u64; 4];
    for &c in codes {
        set[usize::from(c / 64)] |= 1 << (c % 64);
    }
    set
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idle {
    /// Expire after this long without a counted connection.
    pub after: Duration,
    /// Between two looks at the connection table.
    pub every: Duration,
}

impl Idle {
    /// A tenth of `after`, kept within 250ms..=30s: a 30m idle looks twice
    /// a minute, a 2s one four times a second.
    pub fn new(after: Duration) -> Idle {
        let every = (after / 10).clamp(Duration::from_millis(250), Duration::from_secs(30));
        Idle { after, every }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub grace: Duration,
    /// Expiry, as time since start.
    pub expiry: Option<Duration>,
    pub warn_before: Duration,
    pub ttl_exit_code: u8,
    /// Sent to everyone at expiry.
    pub stop_signal: i32,
    /// What each signal from outside is forwarded as (0: dropped).
    pub rewrite: Rewrites,
    /// Child exit codes reported as 0 (`success_set`).
    pub success: [u64; 4],
    pub idle: Option<Idle>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// The stop signal went out; SIGKILL for everything at `kill_at`.
    Draining {
        kill_at: Duration,
    },
    /// SIGKILL went out; another sweep at `rekill_at` if needed.
    Killing {
        rekill_at: Duration,
    },
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A signal from outside (never SIGCHLD).
    Signal(i32),
    /// One `waitpid(-1, WNOHANG)` sweep: the main child's exit code if it was
    /// among the reaped, and whether no child at all is left.
    Reaped { main: Option<i32>, none_left: bool },
    /// The timeout from `next_wakeup` elapsed.
    Tick,
    /// An idle check (when `idle_due`): connections from outside counted.
    Connections(usize),
}

/// Who a signal goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    /// The configured target: the child's group or the child alone.
    Target,
    /// Everything still running: as PID 1 the whole namespace, otherwise all
    /// our descendants.
    Everyone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Grace,
    SecondSignal(i32),
}

/// Why the supervisor expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// TTL or deadline.
    Time,
    /// No connection for `idle.after`.
    Idle,
}

/// Facts worth a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    Forwarded { got: i32, sent: i32 },
    Dropped(i32),
    Stopping { got: i32, sent: i32 },
    WillExpire { left: Duration },
    Expired(Expiry),
    ChildExited(i32),
    Draining { kill_in: Duration },
    Escalating(Why),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Send { sig: i32, to: To },
    Note(Note),
    Exit(i32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine {
    cfg: Config,
    phase: Phase,
    child_code: Option<i32>,
    expired: bool,
    warned: bool,
    /// Last idle check that saw a connection (start counts as one).
    last_active: Duration,
    next_idle_check: Option<Duration>,
}

impl Machine {
    pub fn new(cfg: Config) -> Machine {
        // No warning when expiry is already within the warning window at
        // start: the start line says when it expires.
        let warned = match cfg.expiry {
            Some(at) => at <= cfg.warn_before,
            None => true,
        };
        Machine {
            cfg,
            phase: Phase::Running,
            child_code: None,
            expired: false,
            warned,
            last_active: Duration::ZERO,
            next_idle_check: cfg.idle.map(|i| i.every.min(i.after)),
        }
    }

    #[cfg(test)]
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// When the loop must wake up at the latest, or `None` to sleep until a
    /// signal arrives.
    pub fn next_wakeup(&self) -> Option<Duration> {
        match self.phase {
            Phase::Running => {
                let timer = self.cfg.expiry.map(|expiry| {
                    if self.warned {
                        expiry
                    } else {
                        expiry.saturating_sub(self.cfg.warn_before)
                    }
                });
                match (timer, self.next_idle_check) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
            Phase::Draining { kill_at } => Some(kill_at),
            Phase::Killing { rekill_at } => Some(rekill_at),
            Phase::Done => None,
        }
    }

    /// Whether the supervisor expired (the exit code is `ttl_exit_code`).
    pub fn expired(&self) -> bool {
        self.expired
    }

    /// Whether the loop should count connections and step `Connections`.
    pub fn idle_due(&self, now: Duration) -> bool {
        self.phase == Phase::Running && self.next_idle_check.is_some_and(|at| now >= at)
    }

    /// The actions for `event` at `now`, in a fresh Vec.
    #[cfg(test)]
    pub fn step(&mut self, event: Event, now: Duration) -> Vec<Action> {
        let mut out = Vec::new();
        self.step_into(event, now, &mut out);
        out
    }

    /// What a signal from outside is forwarded as (0: dropped).
    fn forward_as(&self, sig: i32) -> i32 {
        usize::try_from(sig)
            .ok()
            .and_then(|i| self.cfg.rewrite.get(i))
            .map_or(sig, |&to| i32::from(to))
    }

    /// Appends the actions for `event` at `now` to `out`; the loop reuses
    /// one buffer, so forwarding a signal allocates nothing.
    pub fn step_into(&mut self, event: Event, now: Duration, out: &mut Vec<Action>) {
        use Action::*;
        match (event, self.phase) {
            (_, Phase::Done) => {}
            (Event::Signal(_), Phase::Killing { .. }) => {}
            (Event::Signal(got), Phase::Running | Phase::Draining { .. }) => {
                let sent = self.forward_as(got);
                let stop_request = got == SIGTERM || got == SIGINT;
                if sent == 0 {
                    out.push(Note(self::Note::Dropped(got)));
                } else if stop_request && self.phase == Phase::Running {
                    out.push(Note(self::Note::Stopping { got, sent }));
                    out.push(Send {
                        sig: sent,
                        to: To::Target,
                    });
                    self.phase = Phase::Draining {
                        kill_at: now.saturating_add(self.cfg.grace),
                    };
                } else if stop_request {
                    self.kill_all(now, Why::SecondSignal(got), out);
                } else {
                    out.push(Note(self::Note::Forwarded { got, sent }));
                    out.push(Send {
                        sig: sent,
                        to: To::Target,
                    });
                }
            }
            (Event::Reaped { main, none_left }, phase) => {
                if let Some(code) = main {
                    self.child_code = Some(code);
                    out.push(Note(self::Note::ChildExited(code)));
                }
                if none_left {
                    self.phase = Phase::Done;
                    out.push(Exit(self.exit_code()));
                } else if main.is_some() {
                    // Leftovers (daemons, orphans) get their SIGTERM; a fresh
                    // grace only if no stop is under way already.
                    match phase {
                        Phase::Running => {
                            out.push(Note(self::Note::Draining {
                                kill_in: self.cfg.grace,
                            }));
                            out.push(Send {
                                sig: SIGTERM,
                                to: To::Everyone,
                            });
                            self.phase = Phase::Draining {
                                kill_at: now.saturating_add(self.cfg.grace),
                            };
                        }
                        Phase::Draining { kill_at } => {
                            out.push(Note(self::Note::Draining {
                                kill_in: kill_at.saturating_sub(now),
                            }));
                            out.push(Send {
                                sig: SIGTERM,
                                to: To::Everyone,
                            });
                        }
                        Phase::Killing { .. } | Phase::Done => {}
                    }
                }
            }
            (Event::Tick, Phase::Running) => {
                let Some(expiry) = self.cfg.expiry else {
                    return;
                };
                if now >= expiry {
                    self.expire(self::Expiry::Time, now, out);
                } else if !self.warned && now.saturating_add(self.cfg.warn_before) >= expiry {
                    self.warned = true;
                    out.push(Note(self::Note::WillExpire {
                        left: expiry.saturating_sub(now),
                    }));
                }
            }
            (Event::Connections(n), Phase::Running) => {
                let Some(idle) = self.cfg.idle else {
                    return;
                };
                if n > 0 {
                    self.last_active = now;
                }
                let quiet_until = self.last_active.saturating_add(idle.after);
                if n == 0 && now >= quiet_until {
                    self.next_idle_check = None;
                    self.expire(self::Expiry::Idle, now, out);
                } else {
                    // Look again after `every`, or exactly when the quiet
                    // time would be up, whichever comes first.
                    let next = now.saturating_add(idle.every);
                    self.next_idle_check = Some(if n == 0 { next.min(quiet_until) } else { next });
                }
            }
            (Event::Connections(_), _) => {}
            (Event::Tick, Phase::Draining { kill_at }) => {
                if now >= kill_at {
                    self.kill_all(now, Why::Grace, out);
                }
            }
            (Event::Tick, Phase::Killing { rekill_at }) => {
                if now >= rekill_at {
                    out.push(Send {
                        sig: SIGKILL,
                        to: To::Everyone,
                    });
                    self.phase = Phase::Killing {
                        rekill_at: now.saturating_add(REKILL),
                    };
                }
            }
        }
    }

    fn expire(&mut self, why: Expiry, now: Duration, out: &mut Vec<Action>) {
        self.expired = true;
        self.warned = true;
        out.push(Action::Note(Note::Expired(why)));
        out.push(Action::Send {
            sig: self.cfg.stop_signal,
            to: To::Everyone,
        });
        self.phase = Phase::Draining {
            kill_at: now.saturating_add(self.cfg.grace),
        };
    }

    fn kill_all(&mut self, now: Duration, why: Why, out: &mut Vec<Action>) {
        out.push(Action::Note(Note::Escalating(why)));
        out.push(Action::Send {
            sig: SIGKILL,
            to: To::Everyone,
        });
        self.phase = Phase::Killing {
            rekill_at: now.saturating_add(REKILL),
        };
    }

    fn exit_code(&self) -> i32 {
        if self.expired {
            return i32::from(self.cfg.ttl_exit_code);
        }
        // `none_left` implies our own child was reaped; 0 is unreachable
        // in practice but never a reason to panic.
        let code = self.child_code.unwrap_or(0);
        let listed = u8::try_from(code)
            .is_ok_and(|c| self.cfg.success[usize::from(c / 64)] & (1 << (c % 64)) != 0);
        if listed { 0 } else { code }
    }
}

#[cfg(test)]
mod tests {
    use super::Note as N;
    use super::*;
    use Action::{Exit, Send};
    use Event::*;

    const fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }
    const fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }
    const CFG: Config = Config {
        grace: s(10),
        expiry: Some(s(3600)),
        warn_before: s(300),
        ttl_exit_code: 3,
        stop_signal: SIGTERM,
        rewrite: identity(),
        success: [0; 4],
        idle: None,
    };
    const NO_TTL: Config = Config {
        expiry: None,
        ..CFG
    };
    const fn reaped(main: Option<i32>, none_left: bool) -> Event {
        Reaped { main, none_left }
    }
    const TERM_ALL: Action = Send {
        sig: SIGTERM,
        to: To::Everyone,
    };
    const KILL_ALL: Action = Send {
        sig: SIGKILL,
        to: To::Everyone,
    };
    const fn fwd(sig: i32) -> [Action; 2] {
        [
            Action::Note(N::Forwarded {
                got: sig,
                sent: sig,
            }),
            Send {
                sig,
                to: To::Target,
            },
        ]
    }

    /// Feeds `(event, now)` pairs in order, checking the actions and the
    /// phase after each one.
    fn script(cfg: Config, steps: &[(Event, Duration, &[Action], Phase)]) {
        let mut m = Machine::new(cfg);
        for (i, (ev, now, want, phase)) in steps.iter().enumerate() {
            let got = m.step(*ev, *now);
            assert_eq!(got, *want, "step {i}: {ev:?} at {now:?}");
            assert_eq!(m.phase(), *phase, "step {i}: phase after {ev:?}");
        }
    }

    #[test]
    fn child_exits_alone_and_nothing_is_left() {
        script(
            NO_TTL,
            &[(
                reaped(Some(42), true),
                s(1),
                &[Action::Note(N::ChildExited(42)), Exit(42)],
                Phase::Done,
            )],
        );
    }

    #[test]
    fn child_exits_leaving_daemons_which_get_term_then_kill() {
        let drain = Phase::Draining { kill_at: s(11) };
        script(
            NO_TTL,
            &[
                (
                    reaped(Some(0), false),
                    s(1),
                    &[
                        Action::Note(N::ChildExited(0)),
                        Action::Note(N::Draining { kill_in: s(10) }),
                        TERM_ALL,
                    ],
                    drain,
                ),
                (reaped(None, false), s(2), &[], drain),
                (Tick, s(10), &[], drain),
                (
                    Tick,
                    s(11),
                    &[Action::Note(N::Escalating(Why::Grace)), KILL_ALL],
                    Phase::Killing {
                        rekill_at: s(11) + REKILL,
                    },
                ),
                (
                    Tick,
                    s(11) + REKILL,
                    &[KILL_ALL],
                    Phase::Killing {
                        rekill_at: s(11) + REKILL * 2,
                    },
                ),
                (reaped(None, true), s(12), &[Exit(0)], Phase::Done),
            ],
        );
    }

    #[test]
    fn signals_are_forwarded_while_running() {
        for sig in [1, 3, 10, 12, 18, 28, 34, 64] {
            script(NO_TTL, &[(Signal(sig), s(1), &fwd(sig), Phase::Running)]);
        }
    }

    #[test]
    fn term_is_forwarded_child_obeys_exit_like_child() {
        for sig in [SIGTERM, SIGINT] {
            let drain = Phase::Draining { kill_at: s(11) };
            script(
                CFG,
                &[
                    (
                        Signal(sig),
                        s(1),
                        &[
                            Action::Note(N::Stopping {
                                got: sig,
                                sent: sig,
                            }),
                            Send {
                                sig,
                                to: To::Target,
                            },
                        ],
                        drain,
                    ),
                    (Signal(10), s(2), &fwd(10), drain),
                    (
                        reaped(Some(128 + sig), true),
                        s(2),
                        &[Action::Note(N::ChildExited(128 + sig)), Exit(128 + sig)],
                        Phase::Done,
                    ),
                ],
            );
        }
    }

    #[test]
    fn child_ignoring_term_is_killed_at_grace_and_exit_is_137() {
        let drain = Phase::Draining { kill_at: s(11) };
        let killing = Phase::Killing {
            rekill_at: s(11) + REKILL,
        };
        script(
            NO_TTL,
            &[
                (
                    Signal(SIGTERM),
                    s(1),
                    &[
                        Action::Note(N::Stopping {
                            got: SIGTERM,
                            sent: SIGTERM,
                        }),
                        Send {
                            sig: SIGTERM,
                            to: To::Target,
                        },
                    ],
                    drain,
                ),
                (Tick, s(11) - ms(1), &[], drain),
                (
                    Tick,
                    s(11),
                    &[Action::Note(N::Escalating(Why::Grace)), KILL_ALL],
                    killing,
                ),
                (Signal(SIGTERM), s(11), &[], killing),
                (Signal(10), s(11), &[], killing),
                (
                    reaped(Some(137), true),
                    s(11),
                    &[Action::Note(N::ChildExited(137)), Exit(137)],
                    Phase::Done,
                ),
            ],
        );
    }

    #[test]
    fn second_term_or_int_escalates_at_once() {
        for second in [SIGTERM, SIGINT] {
            script(
                NO_TTL,
                &[
                    (
                        Signal(SIGINT),
                        s(1),
                        &[
                            Action::Note(N::Stopping {
                                got: SIGINT,
                                sent: SIGINT,
                            }),
                            Send {
                                sig: SIGINT,
                                to: To::Target,
                            },
                        ],
                        Phase::Draining { kill_at: s(11) },
                    ),
                    (
                        Signal(second),
                        s(2),
                        &[
                            Action::Note(N::Escalating(Why::SecondSignal(second))),
                            KILL_ALL,
                        ],
                        Phase::Killing {
                            rekill_at: s(2) + REKILL,
                        },
                    ),
                ],
            );
        }
    }

    #[test]
    fn child_exit_during_stop_keeps_the_grace_clock() {
        let drain = Phase::Draining { kill_at: s(11) };
        script(
            NO_TTL,
            &[
                (
                    Signal(SIGTERM),
                    s(1),
                    &[
                        Action::Note(N::Stopping {
                            got: SIGTERM,
                            sent: SIGTERM,
                        }),
                        Send {
                            sig: SIGTERM,
                            to: To::Target,
                        },
                    ],
                    drain,
                ),
                (
                    reaped(Some(143), false),
                    s(5),
                    &[
                        Action::Note(N::ChildExited(143)),
                        Action::Note(N::Draining { kill_in: s(6) }),
                        TERM_ALL,
                    ],
                    drain,
                ),
                (
                    Tick,
                    s(11),
                    &[Action::Note(N::Escalating(Why::Grace)), KILL_ALL],
                    Phase::Killing {
                        rekill_at: s(11) + REKILL,
                    },
                ),
                (reaped(None, true), s(11), &[Exit(143)], Phase::Done),
            ],
        );
    }

    #[test]
    fn expiry_warns_then_terms_then_kills_and_exits_with_ttl_code() {
        let drain = Phase::Draining { kill_at: s(3610) };
        script(
            CFG,
            &[
                (Tick, s(3299), &[], Phase::Running),
                (
                    Tick,
                    s(3300),
                    &[Action::Note(N::WillExpire { left: s(300) })],
                    Phase::Running,
                ),
                (Tick, s(3301), &[], Phase::Running),
                (
                    Tick,
                    s(3600),
                    &[Action::Note(N::Expired(Expiry::Time)), TERM_ALL],
                    drain,
                ),
                (Tick, s(3605), &[], drain),
                (
                    Tick,
                    s(3610),
                    &[Action::Note(N::Escalating(Why::Grace)), KILL_ALL],
                    Phase::Killing {
                        rekill_at: s(3610) + REKILL,
                    },
                ),
                (
                    reaped(Some(137), true),
                    s(3610),
                    &[Action::Note(N::ChildExited(137)), Exit(3)],
                    Phase::Done,
                ),
            ],
        );
    }

    #[test]
    fn expiry_child_obeys_term_exit_with_ttl_code() {
        script(
            CFG,
            &[
                (
                    Tick,
                    s(3600),
                    &[Action::Note(N::Expired(Expiry::Time)), TERM_ALL],
                    Phase::Draining { kill_at: s(3610) },
                ),
                (
                    reaped(Some(143), true),
                    s(3601),
                    &[Action::Note(N::ChildExited(143)), Exit(3)],
                    Phase::Done,
                ),
            ],
        );
    }

    #[test]
    fn expiry_at_zero_is_an_immediate_orderly_shutdown() {
        let cfg = Config {
            expiry: Some(Duration::ZERO),
            ..CFG
        };
        script(
            cfg,
            &[(
                Tick,
                Duration::ZERO,
                &[Action::Note(N::Expired(Expiry::Time)), TERM_ALL],
                Phase::Draining { kill_at: s(10) },
            )],
        );
    }

    #[test]
    fn next_wakeup_only_when_something_is_due() {
        let short = Config {
            expiry: Some(s(60)),
            ..CFG
        };
        type Row<'a> = (Config, &'a [(Event, Duration)], Option<Duration>);
        let rows: &[Row] = &[
            (NO_TTL, &[], None),
            (NO_TTL, &[(Signal(10), s(1))], None),
            (NO_TTL, &[(reaped(None, false), s(1))], None),
            (CFG, &[], Some(s(3300))),
            (CFG, &[(Tick, s(3300))], Some(s(3600))),
            (short, &[], Some(s(60))),
            (NO_TTL, &[(Signal(SIGTERM), s(1))], Some(s(11))),
            (
                NO_TTL,
                &[(Signal(SIGTERM), s(1)), (Signal(SIGTERM), s(2))],
                Some(s(2) + REKILL),
            ),
            (NO_TTL, &[(reaped(Some(0), true), s(1))], None),
        ];
        for (cfg, events, want) in rows {
            let mut m = Machine::new(*cfg);
            for (ev, now) in *events {
                m.step(*ev, *now);
            }
            assert_eq!(m.next_wakeup(), *want, "{cfg:?} after {events:?}");
        }
    }

    #[test]
    fn done_ignores_everything() {
        let mut m = Machine::new(CFG);
        assert_eq!(
            m.step(reaped(Some(1), true), s(1)),
            [Action::Note(N::ChildExited(1)), Exit(1)]
        );
        for ev in [Tick, Signal(SIGTERM), Signal(10), reaped(None, true)] {
            assert_eq!(m.step(ev, s(5000)), [], "{ev:?}");
        }
    }
    #[test]
    fn stop_signal_and_rewrites_shape_what_is_forwarded() {
        let cfg = Config {
            stop_signal: 3,
            rewrite: rewrites(3, &[(10, 1), (12, 0), (10, 28)]),
            ..NO_TTL
        };
        let drain = Phase::Draining { kill_at: s(11) };
        script(
            cfg,
            &[
                // USR1 → HUP, then → WINCH: the later pair wins.
                (
                    Signal(10),
                    s(1),
                    &[
                        Action::Note(N::Forwarded { got: 10, sent: 28 }),
                        Send {
                            sig: 28,
                            to: To::Target,
                        },
                    ],
                    Phase::Running,
                ),
                (
                    Signal(12),
                    s(1),
                    &[Action::Note(N::Dropped(12))],
                    Phase::Running,
                ),
                (Signal(1), s(1), &fwd(1), Phase::Running),
                (
                    Signal(SIGTERM),
                    s(1),
                    &[
                        Action::Note(N::Stopping {
                            got: SIGTERM,
                            sent: 3,
                        }),
                        Send {
                            sig: 3,
                            to: To::Target,
                        },
                    ],
                    drain,
                ),
                (Signal(12), s(2), &[Action::Note(N::Dropped(12))], drain),
            ],
        );
        // An explicit TERM rewrite beats the stop signal; expiry still
        // sends the stop signal.
        let cfg = Config {
            stop_signal: 3,
            rewrite: rewrites(3, &[(SIGTERM, 12)]),
            ..CFG
        };
        let mut m = Machine::new(cfg);
        assert_eq!(
            m.step(Signal(SIGTERM), s(1)),
            [
                Action::Note(N::Stopping {
                    got: SIGTERM,
                    sent: 12
                }),
                Send {
                    sig: 12,
                    to: To::Target
                }
            ]
        );
        let mut m = Machine::new(cfg);
        assert_eq!(
            m.step(Tick, s(3600)),
            [
                Action::Note(N::Expired(Expiry::Time)),
                Send {
                    sig: 3,
                    to: To::Everyone
                }
            ]
        );
    }

    #[test]
    fn dropped_term_starts_nothing() {
        let cfg = Config {
            rewrite: rewrites(SIGTERM, &[(SIGTERM, 0), (SIGINT, 0)]),
            ..NO_TTL
        };
        script(
            cfg,
            &[
                (
                    Signal(SIGTERM),
                    s(1),
                    &[Action::Note(N::Dropped(SIGTERM))],
                    Phase::Running,
                ),
                (
                    Signal(SIGINT),
                    s(1),
                    &[Action::Note(N::Dropped(SIGINT))],
                    Phase::Running,
                ),
            ],
        );
        assert_eq!(Machine::new(cfg).next_wakeup(), None);
    }

    #[test]
    fn success_codes_map_the_childs_code_to_0_but_not_the_ttl_code() {
        let cfg = Config {
            success: success_set(&[143, 3, 255, 0]),
            ..CFG
        };
        for (code, want) in [
            (143, 0),
            (3, 0),
            (255, 0),
            (4, 4),
            (137, 137),
            (0, 0),
            (64, 64),
        ] {
            let mut m = Machine::new(cfg);
            let out = m.step(reaped(Some(code), true), s(1));
            assert_eq!(out.last(), Some(&Exit(want)), "{code}");
        }
        let mut m = Machine::new(Config {
            success: success_set(&[3]),
            ..CFG
        });
        m.step(Tick, s(3600));
        assert_eq!(
            m.step(reaped(Some(143), true), s(3601)).last(),
            Some(&Exit(3))
        );
    }

    #[test]
    fn idle_expires_after_the_last_connection_on_the_ttl_path() {
        let idle = Idle::new(s(20));
        assert_eq!(idle.every, s(2));
        assert_eq!(Idle::new(s(1)).every, ms(250));
        assert_eq!(Idle::new(s(3600)).every, s(30));
        let cfg = Config {
            idle: Some(idle),
            expiry: None,
            ..CFG
        };
        let mut m = Machine::new(cfg);
        assert_eq!(m.next_wakeup(), Some(s(2)));
        assert!(!m.idle_due(s(1)));
        assert!(m.idle_due(s(2)));
        // Nobody yet; then a connection at 10 s, held until 30 s.
        assert_eq!(m.step(Connections(0), s(2)), []);
        assert_eq!(m.next_wakeup(), Some(s(4)));
        assert_eq!(m.step(Connections(1), s(10)), []);
        assert_eq!(m.step(Connections(2), s(30)), []);
        assert_eq!(m.next_wakeup(), Some(s(32)));
        // Gone at 32: the quiet time runs from 30, the last check seeing it.
        assert_eq!(m.step(Connections(0), s(32)), []);
        assert_eq!(m.step(Connections(0), s(48)), []);
        // The next look is exactly when the quiet time is up, not later.
        assert_eq!(m.next_wakeup(), Some(s(50)));
        assert_eq!(
            m.step(Connections(0), s(50)),
            [Action::Note(N::Expired(Expiry::Idle)), TERM_ALL]
        );
        assert_eq!(m.phase(), Phase::Draining { kill_at: s(60) });
        assert!(!m.idle_due(s(100)));
        assert_eq!(m.step(Connections(0), s(51)), []);
        assert_eq!(
            m.step(reaped(Some(143), true), s(52)).last(),
            Some(&Exit(3))
        );
        // Without --idle: no check is ever due, nothing is scheduled.
        let m = Machine::new(NO_TTL);
        assert!(!m.idle_due(s(1_000_000)));
        assert_eq!(m.next_wakeup(), None);
    }

    #[test]
    fn idle_and_ttl_whichever_comes_first() {
        let cfg = Config {
            idle: Some(Idle::new(s(20))),
            expiry: Some(s(5)),
            warn_before: s(1),
            ..CFG
        };
        let mut m = Machine::new(cfg);
        assert_eq!(m.next_wakeup(), Some(s(2)));
        m.step(Connections(1), s(2));
        assert_eq!(m.next_wakeup(), Some(s(4)));
        assert_eq!(
            m.step(Tick, s(4)),
            [Action::Note(N::WillExpire { left: s(1) })]
        );
        assert_eq!(m.next_wakeup(), Some(s(4)));
        m.step(Connections(1), s(4));
        assert_eq!(m.next_wakeup(), Some(s(5)));
        assert_eq!(
            m.step(Tick, s(5)),
            [Action::Note(N::Expired(Expiry::Time)), TERM_ALL]
        );
    }

    #[test]
    fn extreme_times_saturate_instead_of_panicking() {
        let huge = Config {
            grace: Duration::MAX,
            expiry: Some(Duration::MAX),
            warn_before: Duration::MAX,
            idle: Some(Idle::new(Duration::MAX)),
            ..CFG
        };
        for cfg in [
            huge,
            Config {
                expiry: Some(Duration::ZERO),
                ..huge
            },
        ] {
            for now in [Duration::ZERO, s(1), Duration::MAX] {
                let mut m = Machine::new(cfg);
                for ev in [
                    Tick,
                    Connections(0),
                    Connections(1),
                    Signal(10),
                    Signal(SIGTERM),
                    Tick,
                    Signal(SIGTERM),
                    Tick,
                    reaped(Some(1), false),
                    Signal(i32::MAX),
                    Signal(-1),
                    reaped(None, true),
                ] {
                    m.step(ev, now);
                    m.next_wakeup();
                    m.idle_due(now);
                }
            }
        }
    }

    #[test]
    fn rewrite_tables_ignore_out_of_range_pairs() {
        let t = rewrites(3, &[(-1, 5), (65, 1), (1, 300), (2, -4), (10, 12)]);
        let mut want = identity();
        want[15] = 3;
        want[10] = 12;
        assert_eq!(t, want);
    }
}
