//! Command line and environment → `Options`. Pure: the caller passes the
//! arguments and an environment lookup, so every case is a table row.
//!
//! Invariants:
//! - Options end at `--` or at the first non-option word: everything after
//!   belongs to COMMAND untouched (it may even be non-UTF-8).
//! - Every option has an env mirror (`VANISH_*`); a flag wins over its
//!   variable, and a variable that a flag overrides is not even validated.
//!   An empty variable counts as unset (ECS overrides may write "").
//! - Every bad value is reported, each as one line naming the flag or the
//!   variable, the value and the expected form or range; nothing here
//!   panics, and every accepted value is in range for the time arithmetic
//!   and formatting done later (durations up to 100y, instants within
//!   1970-01-01..=9999-12-31): what passes here cannot panic after the
//!   spawn.
//! - Repeatable options (`--rewrite`, `--success-exit-code`) accumulate;
//!   their variables hold a comma-separated list. A later `--rewrite` of
//!   the same signal wins, as with dumb-init's `-r`.
//!
//! Hand-rolled rather than clap: clap costs ~200 KB in a binary whose whole
//! budget is 699 KB, for a dozen options.

use std::ffi::OsString;
use std::fmt;
use std::time::{Duration, SystemTime};

use crate::log::Level;
use crate::signals;

pub const USAGE: &str = "\
Usage: vanish-init [OPTIONS] [--] COMMAND [ARGS...]

A tiny PID 1: runs COMMAND, reaps every zombie, forwards every signal, and
expires after a TTL, at a deadline or when idle (the stop signal, then
SIGKILL after --grace).

Options (each has an env mirror; the flag wins):
      --ttl DURATION          lifetime, e.g. 90s, 30m, 1h30m      [VANISH_TTL]
      --deadline RFC3339      absolute expiry, e.g. 2026-11-21T12:30:00Z
                                                              [VANISH_DEADLINE]
                              (with both, the earlier wins; with neither,
                              no expiry)
      --grace DURATION        stop signal → SIGKILL delay (default 10s)
                                                                 [VANISH_GRACE]
      --ttl-exit-code N       exit code on expiry (default 0)
                                                         [VANISH_TTL_EXIT_CODE]
      --signal-target T       group (default) or child   [VANISH_SIGNAL_TARGET]
      --warn-before DURATION  warn this long before expiry (default 5m)
                                                           [VANISH_WARN_BEFORE]
      --idle DURATION         also expire after this long with no connection
                              from outside to a listening port  [VANISH_IDLE]
      --idle-ports LIST       ports that count, e.g. 80,443 (default: every
                              listening port)              [VANISH_IDLE_PORTS]
      --stop-signal SIG       sent at expiry, and what an outside SIGTERM
                              becomes (default TERM)      [VANISH_STOP_SIGNAL]
  -r, --rewrite FROM:TO       forward signal FROM as TO (TO 0: drop it);
                              repeatable, e.g. USR1:HUP         [VANISH_REWRITE]
  -e, --success-exit-code N   report the child's exit code N as 0, e.g. 143;
                              repeatable             [VANISH_SUCCESS_EXIT_CODE]
  -v, --verbose               also log each forwarded signal and reaped pid
  -q, --quiet                 only warnings (-qq: only errors)
                              [VANISH_LOG=off|error|warn|info|debug]
  -h, --help                  print this help
  -V, --version               print the version

Signals are names (QUIT, SIGQUIT, RTMIN+2) or numbers; lists are
comma-separated in the variables.

Exit status: the child's (its code, or 128+N if signal N killed it); the
--ttl-exit-code on expiry (TTL, deadline or idle); 127 command not found;
126 not executable; 2 usage error.
";

/// Where signals from outside go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The child's process group (the child is its leader).
    Group,
    /// The child alone.
    Child,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub ttl: Option<Duration>,
    pub deadline: Option<SystemTime>,
    pub grace: Duration,
    pub ttl_exit_code: u8,
    pub target: Target,
    pub warn_before: Duration,
    pub idle: Option<Duration>,
    /// Ports whose connections count for `idle`; empty = every listening one.
    pub idle_ports: Vec<u16>,
    pub stop_signal: i32,
    /// (from, to) in the order given; to = 0 drops the signal.
    pub rewrite: Vec<(i32, i32)>,
    /// Child exit codes reported as 0.
    pub success_codes: Vec<u8>,
    pub log: Level,
    pub command: Vec<OsString>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(Options),
    Help,
    Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    NoCommand,
    Unknown(String),
    MissingValue(&'static str),
    Invalid {
        name: String,
        value: String,
        what: &'static str,
        expected: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoCommand => f.write_str("no command given (see --help)"),
            Error::Unknown(o) => write!(f, "unknown option {o:?} (see --help)"),
            Error::MissingValue(o) => write!(f, "{o}: missing value (see --help)"),
            Error::Invalid {
                name,
                value,
                what,
                expected,
            } => write!(f, "{name}: invalid {what} {value:?} (expected {expected})"),
        }
    }
}

/// The options that take one value: flag, env mirror.
const TTL: (&str, &str) = ("--ttl", "VANISH_TTL");
const DEADLINE: (&str, &str) = ("--deadline", "VANISH_DEADLINE");
const GRACE: (&str, &str) = ("--grace", "VANISH_GRACE");
const EXIT: (&str, &str) = ("--ttl-exit-code", "VANISH_TTL_EXIT_CODE");
const TARGET: (&str, &str) = ("--signal-target", "VANISH_SIGNAL_TARGET");
const WARN: (&str, &str) = ("--warn-before", "VANISH_WARN_BEFORE");
const STOP: (&str, &str) = ("--stop-signal", "VANISH_STOP_SIGNAL");
const IDLE: (&str, &str) = ("--idle", "VANISH_IDLE");
const IDLE_PORTS: (&str, &str) = ("--idle-ports", "VANISH_IDLE_PORTS");
const VALUED: [(&str, &str); 9] = [
    TTL, DEADLINE, GRACE, EXIT, TARGET, WARN, STOP, IDLE, IDLE_PORTS,
];
/// The repeatable options: long flag, short flag, env mirror (a list).
const REWRITE: (&str, &str, &str) = ("--rewrite", "-r", "VANISH_REWRITE");
const SUCCESS: (&str, &str, &str) = ("--success-exit-code", "-e", "VANISH_SUCCESS_EXIT_CODE");
const REPEATED: [(&str, &str, &str); 2] = [REWRITE, SUCCESS];
const ENV_LOG: &str = "VANISH_LOG";

/// The longest duration accepted anywhere (TTL, grace, warning, idle): far
/// beyond any review app, and far from every overflow.
pub const MAX_DURATION: Duration = Duration::from_secs(100 * 31_557_600);
const MAX_DURATION_TEXT: &str = "0s to 100y";
/// 9999-12-31T23:59:59Z, the last instant RFC 3339 can write.
const MAX_INSTANT_SECS: u64 = 253_402_300_799;

/// Parses `args` (without `argv[0]`) and the environment seen through `env`.
pub fn parse<I, E>(args: I, env: E) -> Result<Parsed, Vec<Error>>
where
    I: IntoIterator<Item = OsString>,
    E: Fn(&str) -> Option<OsString>,
{
    let mut errors = Vec::new();
    let mut flags: [Option<String>; 9] = Default::default();
    let mut repeated: [Vec<String>; 2] = Default::default();
    let (mut verbose, mut quiet) = (0i32, 0i32);
    let mut command = Vec::new();
    let mut args = args.into_iter();

    while let Some(arg) = args.next() {
        let Some(s) = arg.to_str() else {
            command.push(arg);
            break;
        };
        if s == "--" {
            break;
        }
        if !s.starts_with('-') || s == "-" {
            command.push(arg);
            break;
        }
        let (name, inline) = match s.split_once('=') {
            Some((n, v)) if s.starts_with("--") => (n, Some(v.to_owned())),
            // getopt style: -e143, -r15:3.
            _ if s.len() > 2 && (s.starts_with("-e") || s.starts_with("-r")) => {
                (&s[..2], Some(s[2..].to_owned()))
            }
            _ => (s, None),
        };
        match name {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--verbose" => verbose += 1,
            "--quiet" => quiet += 1,
            _ if is_short_cluster(name) => {
                for c in name[1..].chars() {
                    if c == 'v' { verbose += 1 } else { quiet += 1 }
                }
            }
            _ => {
                let single = VALUED.iter().position(|(flag, _)| *flag == name);
                let multi = REPEATED
                    .iter()
                    .position(|(long, short, _)| *long == name || *short == name);
                let flag = match (single, multi) {
                    (Some(i), _) => VALUED[i].0,
                    (None, Some(i)) => REPEATED[i].0,
                    (None, None) => {
                        errors.push(Error::Unknown(name.to_owned()));
                        continue;
                    }
                };
                match (inline.or_else(|| args.next().map(lossy)), single, multi) {
                    (None, _, _) => errors.push(Error::MissingValue(flag)),
                    (Some(v), Some(i), _) => flags[i] = Some(v),
                    (Some(v), None, Some(i)) => repeated[i].push(v),
                    (Some(_), None, None) => {}
                }
            }
        }
    }
    command.extend(args);

    let env_str = |name: &str| env(name).filter(|v| !v.is_empty()).map(lossy);
    // The flag if given, else the variable: (name to blame, value).
    let pick = |i: usize| -> Option<(String, String)> {
        let (flag, var) = VALUED[i];
        match flags[i].clone() {
            Some(v) => Some((flag.to_owned(), v)),
            None => env_str(var).map(|v| (var.to_owned(), v)),
        }
    };
    // Every use of the flag if given, else the variable's list items.
    let pick_all = |i: usize| -> Vec<(String, String)> {
        let (flag, _, var) = REPEATED[i];
        if !repeated[i].is_empty() {
            return repeated[i]
                .iter()
                .map(|v| (flag.to_owned(), v.clone()))
                .collect();
        }
        env_str(var)
            .map(|list| {
                list.split(',')
                    .filter(|item| !item.trim().is_empty())
                    .map(|item| (var.to_owned(), item.to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };

    let e = &mut errors;
    let ttl = pick(0).and_then(|(n, v)| keep(e, duration(n, v)));
    let deadline = pick(1).and_then(|(n, v)| keep(e, rfc3339(n, v)));
    let grace = pick(2).and_then(|(n, v)| keep(e, duration(n, v)));
    let exit = pick(3).and_then(|(n, v)| keep(e, exit_code(n, v)));
    let target = pick(4).and_then(|(n, v)| keep(e, target(n, v)));
    let warn = pick(5).and_then(|(n, v)| keep(e, duration(n, v)));
    let stop = pick(6).and_then(|(n, v)| keep(e, stop_signal(n, v)));
    let idle = pick(7).and_then(|(n, v)| keep(e, duration(n, v)));
    let idle_ports = pick(8).and_then(|(n, v)| keep(e, ports(n, v)));
    let rewrite: Vec<(i32, i32)> = pick_all(0)
        .into_iter()
        .filter_map(|(n, v)| keep(e, rewrite(n, v)))
        .collect();
    let success: Vec<u8> = pick_all(1)
        .into_iter()
        .filter_map(|(n, v)| keep(e, exit_code(n, v)))
        .collect();
    let log = if verbose > 0 || quiet > 0 {
        Some(Level::from_offset(verbose - quiet))
    } else {
        env_str(ENV_LOG).and_then(|v| keep(e, level(ENV_LOG.to_owned(), v)))
    };

    if command.is_empty() {
        errors.push(Error::NoCommand);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Parsed::Run(Options {
        ttl,
        deadline,
        grace: grace.unwrap_or(Duration::from_secs(10)),
        ttl_exit_code: exit.unwrap_or(0),
        target: target.unwrap_or(Target::Group),
        warn_before: warn.unwrap_or(Duration::from_secs(300)),
        idle,
        idle_ports: idle_ports.unwrap_or_default(),
        stop_signal: stop.unwrap_or(signals::SIGTERM),
        rewrite,
        success_codes: success,
        log: log.unwrap_or(Level::Info),
        command,
    }))
}

/// The value, or `None` with the error recorded.
fn keep<T>(errors: &mut Vec<Error>, r: Result<T, Error>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

fn is_short_cluster(s: &str) -> bool {
    s.len() > 1
        && s.starts_with('-')
        && !s.starts_with("--")
        && s[1..].chars().all(|c| c == 'v' || c == 'q')
}

fn lossy(s: OsString) -> String {
    s.to_string_lossy().into_owned()
}

fn invalid(name: String, value: String, what: &'static str, expected: &'static str) -> Error {
    Error::Invalid {
        name,
        value,
        what,
        expected,
    }
}

fn duration(name: String, value: String) -> Result<Duration, Error> {
    match humantime::parse_duration(value.trim()) {
        Ok(d) if d <= MAX_DURATION => Ok(d),
        Ok(_) => Err(invalid(name, value, "duration", MAX_DURATION_TEXT)),
        // humantime's own overflow: a number, just too big.
        Err(humantime::DurationError::NumberOverflow) => {
            Err(invalid(name, value, "duration", MAX_DURATION_TEXT))
        }
        Err(_) => Err(invalid(name, value, "duration", "e.g. 30m, 1h30m")),
    }
}

/// A signal to send: a name or 1 to 64.
fn stop_signal(name: String, value: String) -> Result<i32, Error> {
    signals::parse(value.trim())
        .filter(|&s| s > 0)
        .ok_or_else(|| {
            invalid(
                name,
                value,
                "signal",
                "a name like QUIT or SIGQUIT, or 1 to 64",
            )
        })
}

/// FROM:TO, FROM any signal we forward (not KILL, STOP or CHLD), TO a
/// signal or 0 (drop).
fn rewrite(name: String, value: String) -> Result<(i32, i32), Error> {
    let parsed = value.trim().split_once(':').and_then(|(from, to)| {
        let from = signals::parse(from.trim()).filter(|&s| signals::forwardable(s))?;
        let to = signals::parse(to.trim())?;
        Some((from, to))
    });
    parsed.ok_or_else(|| {
        invalid(
            name,
            value,
            "rewrite",
            "FROM:TO, e.g. TERM:QUIT or 15:3; FROM any signal but KILL, STOP, CHLD; TO 0 drops it",
        )
    })
}

/// Comma-separated TCP ports, 1 to 65535.
fn ports(name: String, value: String) -> Result<Vec<u16>, Error> {
    let list: Option<Vec<u16>> = value
        .split(',')
        .map(|p| p.trim().parse::<u16>().ok().filter(|&p| p > 0))
        .collect();
    list.filter(|l| !l.is_empty())
        .ok_or_else(|| invalid(name, value, "port list", "e.g. 80,443 (ports 1 to 65535)"))
}

fn exit_code(name: String, value: String) -> Result<u8, Error> {
    value
        .trim()
        .parse()
        .map_err(|_| invalid(name, value, "exit code", "0 to 255"))
}

fn target(name: String, value: String) -> Result<Target, Error> {
    match value.trim() {
        "group" => Ok(Target::Group),
        "child" => Ok(Target::Child),
        _ => Err(invalid(name, value, "signal target", "group or child")),
    }
}

fn level(name: String, value: String) -> Result<Level, Error> {
    Level::parse(value.trim())
        .ok_or_else(|| invalid(name, value, "log level", "off, error, warn, info or debug"))
}

/// RFC 3339 with `Z` or a numeric offset (`+02:00`); humantime alone only
/// takes `Z`.
fn rfc3339(name: String, value: String) -> Result<SystemTime, Error> {
    let bad = || {
        invalid(
            name.clone(),
            value.clone(),
            "RFC 3339 instant",
            "e.g. 2026-11-21T12:30:00Z",
        )
    };
    let s = value.trim();
    if s.ends_with(['Z', 'z']) {
        let utc = format!("{}Z", &s[..s.len() - 1]).replacen(['t', ' '], "T", 1);
        let at = humantime::parse_rfc3339(&utc).map_err(|_| bad())?;
        return in_range(at, name, value);
    }
    let split = s.len().checked_sub(6).filter(|&i| s.is_char_boundary(i));
    let Some(i) = split else { return Err(bad()) };
    let (local, off) = s.split_at(i);
    let b = off.as_bytes();
    if !(matches!(b[0], b'+' | b'-') && b[3] == b':') {
        return Err(bad());
    }
    let hh: u64 = off[1..3].parse().map_err(|_| bad())?;
    let mm: u64 = off[4..6].parse().map_err(|_| bad())?;
    if hh > 23 || mm > 59 {
        return Err(bad());
    }
    let at = humantime::parse_rfc3339(&format!("{local}Z")).map_err(|_| bad())?;
    let shift = Duration::from_secs(hh * 3600 + mm * 60);
    // local = UTC + offset, so UTC = local - offset.
    let utc = if b[0] == b'+' {
        at.checked_sub(shift)
    } else {
        at.checked_add(shift)
    };
    in_range(utc.ok_or_else(bad)?, name, value)
}

/// Instants RFC 3339 can write back (the start line prints the deadline).
fn in_range(at: SystemTime, name: String, value: String) -> Result<SystemTime, Error> {
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs());
    match secs {
        Ok(s) if s <= MAX_INSTANT_SECS => Ok(at),
        _ => Err(invalid(
            name,
            value,
            "RFC 3339 instant",
            "1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z",
        )),
    }
}

/// When the supervisor expires, on its monotonic clock (time since start),
/// and by how much an absolute deadline was already past at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    pub after: Option<Duration>,
    pub deadline_past_by: Option<Duration>,
}

impl Options {
    /// The earlier of TTL and deadline, the deadline converted with one
    /// reading of the wall clock (`wall_now`), at start.
    pub fn expiry(&self, wall_now: SystemTime) -> Expiry {
        let (from_deadline, past_by) = match self.deadline {
            None => (None, None),
            Some(d) => match d.duration_since(wall_now) {
                Ok(left) => (Some(left), None),
                Err(e) => (Some(Duration::ZERO), Some(e.duration())),
            },
        };
        let after = match (self.ttl, from_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Expiry {
            after,
            deadline_past_by: past_by,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn run(args: &[&str], env: &[(&str, &str)]) -> Result<Parsed, Vec<String>> {
        let args = args.iter().map(OsString::from);
        let lookup = |k: &str| {
            env.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| OsString::from(v))
        };
        parse(args, lookup).map_err(|es| es.iter().map(|e| e.to_string()).collect())
    }

    fn opts(args: &[&str], env: &[(&str, &str)]) -> Options {
        match run(args, env) {
            Ok(Parsed::Run(o)) => o,
            other => panic!("{args:?} {env:?}: {other:?}"),
        }
    }

    fn err(args: &[&str], env: &[(&str, &str)]) -> Vec<String> {
        match run(args, env) {
            Err(e) => e,
            other => panic!("{args:?} {env:?}: expected an error, got {other:?}"),
        }
    }

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn defaults() {
        let o = opts(&["sleep", "5"], &[]);
        assert_eq!(
            o,
            Options {
                ttl: None,
                deadline: None,
                grace: S(10),
                ttl_exit_code: 0,
                target: Target::Group,
                warn_before: S(300),
                idle: None,
                idle_ports: vec![],
                stop_signal: 15,
                rewrite: vec![],
                success_codes: vec![],
                log: Level::Info,
                command: vec!["sleep".into(), "5".into()],
            }
        );
    }

    #[test]
    fn values_from_flags_env_and_both() {
        // (args, env, ttl, grace, exit code, target, warn-before, log)
        type Row<'a> = (
            &'a [&'a str],
            &'a [(&'a str, &'a str)],
            Option<Duration>,
            Duration,
            u8,
            Target,
            Duration,
            Level,
        );
        let (g, c) = (Target::Group, Target::Child);
        let rows: &[Row] = &[
            (
                &["--ttl", "90s", "x"],
                &[],
                Some(S(90)),
                S(10),
                0,
                g,
                S(300),
                Level::Info,
            ),
            (
                &["--ttl=1h30m", "x"],
                &[],
                Some(S(5400)),
                S(10),
                0,
                g,
                S(300),
                Level::Info,
            ),
            (
                &["x"],
                &[("VANISH_TTL", "30m")],
                Some(S(1800)),
                S(10),
                0,
                g,
                S(300),
                Level::Info,
            ),
            (
                &["--ttl", "1m", "x"],
                &[("VANISH_TTL", "banana")],
                Some(S(60)),
                S(10),
                0,
                g,
                S(300),
                Level::Info,
            ),
            (
                &["x"],
                &[("VANISH_TTL", "")],
                None,
                S(10),
                0,
                g,
                S(300),
                Level::Info,
            ),
            (
                &["--grace", "3s", "x"],
                &[("VANISH_GRACE", "1s")],
                None,
                S(3),
                0,
                g,
                S(300),
                Level::Info,
            ),
            (
                &["x"],
                &[("VANISH_GRACE", "0s")],
                None,
                S(0),
                0,
                g,
                S(300),
                Level::Info,
            ),
            (
                &["--ttl-exit-code", "3", "x"],
                &[],
                None,
                S(10),
                3,
                g,
                S(300),
                Level::Info,
            ),
            (
                &["x"],
                &[("VANISH_TTL_EXIT_CODE", "255")],
                None,
                S(10),
                255,
                g,
                S(300),
                Level::Info,
            ),
            (
                &["--signal-target", "child", "x"],
                &[],
                None,
                S(10),
                0,
                c,
                S(300),
                Level::Info,
            ),
            (
                &["x"],
                &[("VANISH_SIGNAL_TARGET", "child")],
                None,
                S(10),
                0,
                c,
                S(300),
                Level::Info,
            ),
            (
                &["--signal-target=group", "x"],
                &[("VANISH_SIGNAL_TARGET", "child")],
                None,
                S(10),
                0,
                g,
                S(300),
                Level::Info,
            ),
            (
                &["--warn-before", "1m", "x"],
                &[("VANISH_WARN_BEFORE", "2m")],
                None,
                S(10),
                0,
                g,
                S(60),
                Level::Info,
            ),
            (&["-v", "x"], &[], None, S(10), 0, g, S(300), Level::Debug),
            (&["-q", "x"], &[], None, S(10), 0, g, S(300), Level::Warn),
            (&["-qq", "x"], &[], None, S(10), 0, g, S(300), Level::Error),
            (
                &["--quiet", "--quiet", "--quiet", "x"],
                &[],
                None,
                S(10),
                0,
                g,
                S(300),
                Level::Off,
            ),
            (
                &["x"],
                &[("VANISH_LOG", "debug")],
                None,
                S(10),
                0,
                g,
                S(300),
                Level::Debug,
            ),
            (
                &["-q", "x"],
                &[("VANISH_LOG", "debug")],
                None,
                S(10),
                0,
                g,
                S(300),
                Level::Warn,
            ),
            (
                &["x"],
                &[("VANISH_LOG", "off")],
                None,
                S(10),
                0,
                g,
                S(300),
                Level::Off,
            ),
        ];
        for (args, env, ttl, grace, code, target, warn, log) in rows {
            let o = opts(args, env);
            let got = (
                o.ttl,
                o.grace,
                o.ttl_exit_code,
                o.target,
                o.warn_before,
                o.log,
            );
            assert_eq!(
                got,
                (*ttl, *grace, *code, *target, *warn, *log),
                "{args:?} {env:?}"
            );
        }
    }

    #[test]
    fn command_boundaries() {
        let rows: &[(&[&str], &[&str])] = &[
            (&["sleep", "5"], &["sleep", "5"]),
            (&["--", "sleep", "5"], &["sleep", "5"]),
            (&["--", "--ttl", "5"], &["--ttl", "5"]),
            (
                &["--ttl", "5s", "sh", "-c", "--ttl"],
                &["sh", "-c", "--ttl"],
            ),
            (&["-v", "--", "-"], &["-"]),
            (&["-"], &["-"]),
        ];
        for (args, want) in rows {
            let want: Vec<OsString> = want.iter().map(OsString::from).collect();
            assert_eq!(opts(args, &[]).command, want, "{args:?}");
        }
    }

    #[test]
    fn help_and_version() {
        assert_eq!(run(&["--help"], &[]), Ok(Parsed::Help));
        assert_eq!(run(&["-h", "x"], &[]), Ok(Parsed::Help));
        assert_eq!(run(&["-V"], &[]), Ok(Parsed::Version));
    }

    #[test]
    fn errors_one_line_each_naming_the_source() {
        type Row<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a [&'a str]);
        let rows: &[Row] = &[
            (&[], &[], &["no command given (see --help)"]),
            (&["--"], &[], &["no command given (see --help)"]),
            (
                &["x"],
                &[("VANISH_TTL", "banana")],
                &[r#"VANISH_TTL: invalid duration "banana" (expected e.g. 30m, 1h30m)"#],
            ),
            (
                &["--ttl", "banana", "x"],
                &[],
                &[r#"--ttl: invalid duration "banana" (expected e.g. 30m, 1h30m)"#],
            ),
            (
                &["--grace=-1s", "x"],
                &[],
                &[r#"--grace: invalid duration "-1s" (expected e.g. 30m, 1h30m)"#],
            ),
            (
                &["x"],
                &[("VANISH_TTL_EXIT_CODE", "300")],
                &[r#"VANISH_TTL_EXIT_CODE: invalid exit code "300" (expected 0 to 255)"#],
            ),
            (
                &["x"],
                &[("VANISH_SIGNAL_TARGET", "pgrp")],
                &[
                    r#"VANISH_SIGNAL_TARGET: invalid signal target "pgrp" (expected group or child)"#,
                ],
            ),
            (
                &["x"],
                &[("VANISH_LOG", "loud")],
                &[
                    r#"VANISH_LOG: invalid log level "loud" (expected off, error, warn, info or debug)"#,
                ],
            ),
            (
                &["--deadline", "tomorrow", "x"],
                &[],
                &[
                    r#"--deadline: invalid RFC 3339 instant "tomorrow" (expected e.g. 2026-11-21T12:30:00Z)"#,
                ],
            ),
            (
                &["--ttl"],
                &[],
                &[
                    "--ttl: missing value (see --help)",
                    "no command given (see --help)",
                ],
            ),
            (
                &["--frobnicate", "x"],
                &[],
                &[r#"unknown option "--frobnicate" (see --help)"#],
            ),
            (
                &["x"],
                &[("VANISH_TTL", "1parsec"), ("VANISH_GRACE", "soon")],
                &[
                    r#"VANISH_TTL: invalid duration "1parsec" (expected e.g. 30m, 1h30m)"#,
                    r#"VANISH_GRACE: invalid duration "soon" (expected e.g. 30m, 1h30m)"#,
                ],
            ),
        ];
        for (args, env, want) in rows {
            assert_eq!(err(args, env), *want, "{args:?} {env:?}");
        }
    }

    #[test]
    fn deadlines_with_zone_or_offset() {
        let at = |secs| Some(UNIX_EPOCH + S(secs));
        // 2026-11-21T12:30:00Z = 1795264200
        let rows: &[(&str, Option<SystemTime>)] = &[
            ("2026-11-21T12:30:00Z", at(1_795_264_200)),
            ("2026-11-21t12:30:00z", at(1_795_264_200)),
            ("2026-11-21T14:30:00+02:00", at(1_795_264_200)),
            ("2026-11-21T07:00:00-05:30", at(1_795_264_200)),
            (
                "2026-11-21T12:30:00.500Z",
                Some(UNIX_EPOCH + Duration::from_millis(1_795_264_200_500)),
            ),
        ];
        for (s, want) in rows {
            assert_eq!(opts(&["--deadline", s, "x"], &[]).deadline, *want, "{s}");
        }
        for bad in [
            "2026-11-21",
            "2026-11-21T12:30:00",
            "2026-11-21T12:30:00+2",
            "2026-13-01T00:00:00Z",
            "x+02:00",
            "é",
        ] {
            assert_eq!(err(&["--deadline", bad, "x"], &[]).len(), 1, "{bad}");
        }
    }

    #[test]
    fn expiry_is_the_earlier_of_ttl_and_deadline() {
        let now = UNIX_EPOCH + S(1_000_000);
        let base = opts(&["x"], &[]);
        let with = |ttl: Option<u64>, deadline: Option<SystemTime>| {
            Options {
                ttl: ttl.map(S),
                deadline,
                ..base.clone()
            }
            .expiry(now)
        };
        let e = |after: Option<u64>, past: Option<u64>| Expiry {
            after: after.map(S),
            deadline_past_by: past.map(S),
        };
        assert_eq!(with(None, None), e(None, None));
        assert_eq!(with(Some(60), None), e(Some(60), None));
        assert_eq!(with(None, Some(now + S(30))), e(Some(30), None));
        assert_eq!(with(Some(60), Some(now + S(30))), e(Some(30), None));
        assert_eq!(with(Some(20), Some(now + S(30))), e(Some(20), None));
        assert_eq!(with(Some(20), Some(now - S(5))), e(Some(0), Some(5)));
    }
    #[test]
    fn stop_signal_rewrites_success_codes_and_idle() {
        let o = opts(
            &[
                "--stop-signal",
                "quit",
                "-r",
                "USR1:HUP",
                "--rewrite=15:0",
                "-rWINCH:12",
                "-e",
                "143",
                "-e3",
                "--success-exit-code=7",
                "--idle",
                "30m",
                "--idle-ports",
                "80, 443",
                "x",
            ],
            &[
                ("VANISH_REWRITE", "banana"),
                ("VANISH_SUCCESS_EXIT_CODE", "x"),
            ],
        );
        assert_eq!(o.stop_signal, 3);
        assert_eq!(o.rewrite, [(10, 1), (15, 0), (28, 12)]);
        assert_eq!(o.success_codes, [143, 3, 7]);
        assert_eq!(o.idle, Some(S(1800)));
        assert_eq!(o.idle_ports, [80, 443]);

        let o = opts(
            &["x"],
            &[
                ("VANISH_STOP_SIGNAL", "SIGWINCH"),
                ("VANISH_REWRITE", "USR1:HUP, ,SIGUSR2:0"),
                ("VANISH_SUCCESS_EXIT_CODE", "143,130"),
                ("VANISH_IDLE", "2s"),
                ("VANISH_IDLE_PORTS", "8080"),
            ],
        );
        assert_eq!(o.stop_signal, 28);
        assert_eq!(o.rewrite, [(10, 1), (12, 0)]);
        assert_eq!(o.success_codes, [143, 130]);
        assert_eq!((o.idle, o.idle_ports), (Some(S(2)), vec![8080]));

        // Empty variables are unset.
        let o = opts(
            &["x"],
            &[
                ("VANISH_IDLE", ""),
                ("VANISH_STOP_SIGNAL", ""),
                ("VANISH_REWRITE", ""),
            ],
        );
        assert_eq!((o.idle, o.stop_signal, o.rewrite), (None, 15, vec![]));
        assert_eq!(
            err(&["-e"], &[]),
            [
                "--success-exit-code: missing value (see --help)",
                "no command given (see --help)"
            ]
        );
    }

    #[test]
    fn limits_are_inclusive_and_one_past_is_an_error() {
        assert_eq!(opts(&["--ttl", "100y", "x"], &[]).ttl, Some(MAX_DURATION));
        assert_eq!(err(&["--ttl", "100y 1s", "x"], &[]).len(), 1);
        let last = opts(&["--deadline", "9999-12-31T23:59:59Z", "x"], &[]).deadline;
        assert_eq!(last, Some(UNIX_EPOCH + S(MAX_INSTANT_SECS)));
        assert_eq!(
            opts(&["--deadline", "1970-01-01T00:00:00Z", "x"], &[]).deadline,
            Some(UNIX_EPOCH)
        );
        assert_eq!(
            opts(&["--deadline", "1970-01-01T01:00:00+01:00", "x"], &[]).deadline,
            Some(UNIX_EPOCH)
        );
        assert_eq!(
            err(&["--deadline", "1969-12-31T23:59:59Z", "x"], &[]).len(),
            1
        );
    }

    /// No input panics: hostile values for every option, alone and through
    /// `expiry` with the extreme clocks.
    #[test]
    fn no_input_panics() {
        let values = [
            "",
            " ",
            "-",
            "--",
            ":",
            "::",
            "0",
            "-0",
            "1",
            "64",
            "65",
            "-1",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999999y",
            "1ns",
            "100y",
            "10000y",
            "9999-12-31T23:59:59-23:59",
            "0000-01-01T00:00:00+23:59",
            "1970-01-01T00:00:00+00:00",
            "é",
            "ééééééé",
            "+00:00",
            "T+99:99",
            "RTMIN+",
            "RTMAX-99",
            "SIG",
            "0:0",
            "1:",
            ":1",
            "TERM:TERM:TERM",
            "80,",
            ",",
            "65535",
            "\u{0}",
        ];
        let flags = [
            "--ttl",
            "--deadline",
            "--grace",
            "--ttl-exit-code",
            "--signal-target",
            "--warn-before",
            "--stop-signal",
            "--idle",
            "--idle-ports",
            "--rewrite",
            "--success-exit-code",
            "-e",
            "-r",
        ];
        for flag in flags {
            for v in values {
                if let Ok(Parsed::Run(o)) = run(&[flag, v, "x"], &[]) {
                    for now in [
                        UNIX_EPOCH,
                        UNIX_EPOCH + S(MAX_INSTANT_SECS),
                        SystemTime::now(),
                    ] {
                        let _ = o.expiry(now);
                    }
                }
                let joined = format!("{flag}={v}");
                let _ = run(&[&joined, "x"], &[]);
            }
        }
        for (_, var) in VALUED {
            for v in values {
                let _ = run(&["x"], &[(var, v)]);
            }
        }
    }
}
