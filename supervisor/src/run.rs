//! The supervisor's loop: parse, block signals, spawn, then feed signals,
//! reaps and timeouts to the state machine and carry out its actions.
//!
//! Invariants:
//! - Signals are blocked before the spawn; the only blocking call is
//!   `signals::wait`, with a timeout only when the machine has something
//!   due (so an idle supervisor never wakes).
//! - Time is measured on the monotonic clock from one `Instant` taken at
//!   start; the wall clock is read once, to place a `--deadline`.
//! - Nothing after the spawn can panic on a value from the user: options
//!   are range-checked before it, arithmetic saturates, and formatting of
//!   instants is guarded.

use std::ffi::OsString;
use std::time::{Duration, Instant, SystemTime};

use crate::machine::{self, Action, Config, Event, Expiry, Idle, Machine, Note, To, Why};
use crate::options::{self, Options, Parsed, Target};
use crate::{child, idle, info, log, reaper, signals, warn};

/// Everything after parsing `args` (without `argv[0]`): returns the exit
/// code.
pub fn run(args: Vec<OsString>) -> u8 {
    let opts = match options::parse(args, |k| std::env::var_os(k)) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            print!("{}", options::USAGE);
            return 0;
        }
        Ok(Parsed::Version) => {
            println!("vanish-init {}", env!("CARGO_PKG_VERSION"));
            return 0;
        }
        Err(errors) => {
            for e in &errors {
                log::always(format_args!("{e}"));
            }
            if errors.contains(&options::Error::NoCommand) {
                eprint!("\n{}", options::USAGE);
            }
            return 2;
        }
    };
    log::set_level(opts.log);
    supervise(&opts)
}

fn supervise(opts: &Options) -> u8 {
    let start = Instant::now();
    let wall = SystemTime::now();
    let expiry = opts.expiry(wall);

    let set = match signals::block_all() {
        Ok(set) => set,
        Err(e) => {
            log::always(format_args!("cannot block signals: {e}"));
            return 1;
        }
    };
    let me = std::process::id() as i32;
    let pid1 = me == 1;
    if !pid1 && let Err(e) = reaper::become_subreaper() {
        warn!("cannot become a child subreaper ({e}); orphans will not be reaped");
    }
    // Idle expiry needs the connection table; without it (no /proc) an app
    // in use would look idle, so the setting is dropped, loudly.
    let idle = opts
        .idle
        .filter(|_| match idle::connections(&opts.idle_ports) {
            Ok(_) => true,
            Err(e) => {
                warn!("cannot read /proc/net/tcp ({e}); --idle is off");
                false
            }
        });
    let child = match child::spawn(&opts.command) {
        Ok(pid) => pid,
        Err(e) => {
            log::always(format_args!("{e}"));
            return e.code;
        }
    };

    info!(
        "started pid={me} child={child} command={:?} {}{}",
        join(&opts.command),
        describe_expiry(opts, expiry.after, wall),
        describe_extras(opts, idle)
    );
    if let Some(past) = expiry.deadline_past_by {
        warn!(
            "deadline passed {} ago; shutting down now",
            human(past.max(Duration::from_secs(1)))
        );
    }

    let mut m = Machine::new(Config {
        grace: opts.grace,
        expiry: expiry.after,
        warn_before: opts.warn_before,
        ttl_exit_code: opts.ttl_exit_code,
        stop_signal: opts.stop_signal,
        rewrite: machine::rewrites(opts.stop_signal, &opts.rewrite),
        success: machine::success_set(&opts.success_codes),
        idle: idle.map(Idle::new),
    });
    let target_pid = match opts.target {
        Target::Group => -child,
        Target::Child => child,
    };
    let mut child_gone = false;
    let mut child_code = None;
    let mut actions = Vec::with_capacity(8);
    // Processes already sent SIGKILL, so that a repeated sweep tells what
    // is new (reaper::kill_everyone).
    let mut killed = Vec::new();
    loop {
        let timeout = m.next_wakeup().map(|at| at.saturating_sub(start.elapsed()));
        let event = match signals::wait(&set, timeout, me) {
            Some(signals::SIGCHLD) => {
                let (main, none_left) = reaper::reap(child);
                child_gone |= main.is_some();
                child_code = child_code.or(main);
                Event::Reaped { main, none_left }
            }
            Some(sig) => Event::Signal(sig),
            None => Event::Tick,
        };
        actions.clear();
        m.step_into(event, start.elapsed(), &mut actions);
        // A steady stream of signals must not starve the timer: whatever
        // woke us, a deadline that has come is handled now.
        if event != Event::Tick && m.next_wakeup().is_some_and(|at| at <= start.elapsed()) {
            m.step_into(Event::Tick, start.elapsed(), &mut actions);
        }
        if m.idle_due(start.elapsed()) {
            // Unreadable now (it was at start): count as busy, never expire
            // an app because we went blind.
            let n = idle::connections(&opts.idle_ports).unwrap_or(1);
            crate::debug!("idle check: {n} connection(s) from outside");
            m.step_into(Event::Connections(n), start.elapsed(), &mut actions);
        }
        // Signals first, logging after: a log line never delays a signal.
        for action in &actions {
            match *action {
                Action::Send {
                    sig,
                    to: To::Target,
                } => {
                    // A reaped child's pid may be reused: never signal it
                    // alone; its group still exists while it has members.
                    // A live child that moved itself to another process
                    // group (job control) still gets it, directly.
                    let skip = child_gone && opts.target == Target::Child;
                    if !skip && !signals::send(target_pid, sig) && !child_gone {
                        signals::send(child, sig);
                    }
                }
                Action::Send {
                    sig: machine::SIGKILL,
                    to: To::Everyone,
                } => {
                    let (n, scans) = reaper::kill_everyone(pid1, child, &mut killed);
                    crate::debug!("sent SIGKILL to everyone ({n} new, {scans} scan(s))");
                }
                Action::Send {
                    sig,
                    to: To::Everyone,
                } => {
                    let n = reaper::signal_everyone(sig, pid1, child);
                    crate::debug!("sent {} to everyone ({n} signalled)", signals::name(sig));
                }
                Action::Note(_) | Action::Exit(_) => {}
            }
        }
        for &action in &actions {
            match action {
                Action::Note(note) => say(note, opts, expiry.after, target_pid),
                Action::Exit(code) => {
                    if m.expired() {
                        if child_code != Some(code) {
                            info!("exiting with code {code} (--ttl-exit-code)");
                        }
                    } else if let Some(c) = child_code.filter(|&c| c != code) {
                        info!("exiting with code {code} (--success-exit-code {c})");
                    }
                    return code.clamp(0, 255) as u8;
                }
                Action::Send { .. } => {}
            }
        }
    }
}

fn say(note: Note, opts: &Options, expiry: Option<Duration>, target_pid: i32) {
    // The hot path (a forwarded signal) formats nothing unless asked to.
    if matches!(note, Note::Forwarded { .. } | Note::Dropped(_)) && !log::enabled(log::Level::Debug)
    {
        return;
    }
    let to = if target_pid < 0 {
        format!("group {}", -target_pid)
    } else {
        format!("child {target_pid}")
    };
    let grace = human(opts.grace);
    match note {
        Note::Forwarded { got, sent } => {
            crate::debug!("forwarded {}{} to {to}", signals::name(got), as_(got, sent))
        }
        Note::Dropped(sig) => crate::debug!("dropped {} (--rewrite)", signals::name(sig)),
        Note::Stopping { got, sent } => info!(
            "got {}; forwarded{} to {to}, SIGKILL in {grace}",
            signals::name(got),
            as_(got, sent)
        ),
        Note::WillExpire { left } => warn!("expiring in {}", human(left)),
        Note::Expired(Expiry::Time) => info!(
            "expired after {}; sending {} to all, SIGKILL in {grace}",
            human(expiry.unwrap_or_default()),
            signals::name(opts.stop_signal)
        ),
        Note::Expired(Expiry::Idle) => info!(
            "idle: no connection for {}; sending {} to all, SIGKILL in {grace}",
            human(opts.idle.unwrap_or_default()),
            signals::name(opts.stop_signal)
        ),
        Note::ChildExited(code) if code > 128 => info!(
            "child killed by {} (exit code {code})",
            signals::name(code - 128)
        ),
        Note::ChildExited(code) => info!("child exited with code {code}"),
        Note::Draining { kill_in } => info!(
            "sending SIGTERM to leftover processes, SIGKILL in {}",
            human(kill_in)
        ),
        Note::Escalating(Why::Grace) => warn!("grace of {grace} over; sending SIGKILL to all"),
        Note::Escalating(Why::SecondSignal(sig)) => {
            warn!("second {}; sending SIGKILL to all now", signals::name(sig))
        }
    }
}

/// " as SIGQUIT" when a signal was rewritten, else nothing.
fn as_(got: i32, sent: i32) -> String {
    if got == sent {
        String::new()
    } else {
        format!(" as {}", signals::name(sent))
    }
}

fn describe_expiry(opts: &Options, after: Option<Duration>, wall: SystemTime) -> String {
    let Some(after) = after else {
        return "expiry=never".to_owned();
    };
    let mut s = String::new();
    if let Some(ttl) = opts.ttl {
        s += &format!("ttl={} ", human(ttl));
    }
    if let Some(d) = opts.deadline {
        s += &format!("deadline={} ", rfc3339(d));
    }
    s + &format!(
        "expires_in={} expires_at={}",
        human(after),
        wall.checked_add(after)
            .map_or_else(|| "?".to_owned(), rfc3339)
    )
}

/// The settings beyond expiry that change behaviour, for the start line.
fn describe_extras(opts: &Options, idle: Option<Duration>) -> String {
    let mut s = String::new();
    if let Some(d) = idle {
        s += &format!(
            " idle={} idle_check_every={}",
            human(d),
            human(Idle::new(d).every)
        );
        if !opts.idle_ports.is_empty() {
            let ports: Vec<String> = opts.idle_ports.iter().map(u16::to_string).collect();
            s += &format!(" idle_ports={}", ports.join(","));
        }
    }
    if opts.stop_signal != signals::SIGTERM {
        s += &format!(" stop_signal={}", signals::name(opts.stop_signal));
    }
    s
}

/// RFC 3339, or "?" outside the years 1970-9999 (humantime would panic;
/// options.rs keeps inputs inside, this keeps the output safe regardless).
fn rfc3339(t: SystemTime) -> String {
    let ok = t
        .duration_since(std::time::UNIX_EPOCH)
        .is_ok_and(|d| d.as_secs() <= 253_402_300_799);
    if ok {
        humantime::format_rfc3339_seconds(t).to_string()
    } else {
        "?".to_owned()
    }
}

/// Nearest whole second (milliseconds under half a second), humantime
/// style: a warning due 1s before expiry says "1s", not "999ms".
fn human(d: Duration) -> String {
    let d = if d >= Duration::from_millis(500) {
        Duration::from_secs(d.saturating_add(Duration::from_millis(500)).as_secs())
    } else {
        Duration::from_millis(d.as_millis() as u64)
    };
    humantime::format_duration(d).to_string()
}

fn join(argv: &[OsString]) -> String {
    let parts: Vec<_> = argv.iter().map(|a| a.to_string_lossy()).collect();
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_rounds_to_the_nearest_second() {
        let ms = Duration::from_millis;
        let rows = [
            (ms(0), "0s"),
            (ms(120), "120ms"),
            (ms(499), "499ms"),
            (ms(500), "1s"),
            (ms(999), "1s"),
            (ms(1499), "1s"),
            (ms(1500), "2s"),
            (ms(299_999), "5m"),
            (ms(5_400_000), "1h 30m"),
            (Duration::MAX, "584542046090years 7months 15days 17h 5m 3s"),
        ];
        for (d, want) in rows {
            assert_eq!(human(d), want, "{d:?}");
        }
    }
}
