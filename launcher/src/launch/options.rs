//! How `up` behaves apart from the Plan: waits, replacement, polling, the
//! client token, time and progress.
//!
//! Invariants: `UpOptions::new` holds the documented defaults (wait 10m, IP
//! wait 30s, polls 1 s → 5 s, replace on, 30 crash log lines, cleanup 15 s).
//! `wait` is the deadline of the whole launch and applies under `no_wait`
//! too (setup, RunTask, the one look after it, replacement); only `None`
//! (`vanish run`, which follows its task to the end) has no deadline.

use std::time::Duration;

use super::crash_logs::CRASH_LOG_LINES;
use crate::pace::Pace;

/// How `up` behaves, apart from the Plan.
#[derive(Debug)]
pub struct UpOptions {
    /// Lines of each crashed container's log shown when the task stops
    /// before it is up (0: `--no-logs`).
    pub crash_log_lines: usize,
    /// The deadline of the whole launch (`--wait`), `--no-wait` included;
    /// `None`: none (`vanish run`).
    pub wait: Option<Duration>,
    /// `--no-wait`: one look at the task after RunTask, no polling, no
    /// health check (`wait` still bounds what is done).
    pub no_wait: bool,
    pub replace: bool,
    pub stop_on_failure: bool,
    /// After RUNNING, how long to keep looking for a public IP.
    pub ip_wait: Duration,
    pub client_token: String,
    pub poll_initial: Duration,
    pub poll_cap: Duration,
    pub pace: Pace,
    pub progress: crate::progress::Progress,
    /// After an interrupt or a deadline, how long cleanup (RunTask's answer,
    /// finding the task, stopping it) may take.
    pub cleanup: Duration,
    /// `vanish run`: follow the task to its end; an interrupt always stops it.
    pub one_off: bool,
}

impl UpOptions {
    pub fn new(client_token: String, progress: crate::progress::Progress) -> UpOptions {
        UpOptions {
            crash_log_lines: CRASH_LOG_LINES,
            wait: Some(Duration::from_secs(600)),
            no_wait: false,
            replace: true,
            stop_on_failure: false,
            ip_wait: Duration::from_secs(30),
            client_token,
            poll_initial: Duration::from_secs(1),
            poll_cap: Duration::from_secs(5),
            pace: Pace::real(),
            progress,
            cleanup: Duration::from_secs(15),
            one_off: false,
        }
    }
}
