//! Signal plumbing: block everything, then take signals one at a time with
//! `sigtimedwait`, with a timeout only when something is due.
//!
//! Invariants:
//! - `block_all` runs before the child is spawned, so no signal is lost in
//!   the gap (as PID 1 an unhandled, unblocked signal is dropped by the
//!   kernel; a blocked one is always queued).
//! - Every signal is blocked, the fault ones (SEGV, BUS, FPE, ILL, TRAP,
//!   SYS, ABRT) included, so that one sent with kill() is queued and
//!   forwarded like any other (dumb-init does the same). This cannot hide a
//!   crash of ours: a fault the CPU raises is forced through by the kernel,
//!   which unblocks it and resets it to the default action when it is
//!   blocked; abort() unblocks SIGABRT itself. Only KILL and STOP cannot be
//!   blocked; CHLD is taken for reaping, never forwarded.
//! - `wait(.., None)` sleeps in the kernel until a signal arrives: no
//!   polling, no periodic tick, zero wake-ups while idle.
//! - Nothing here changes dispositions, so nothing leaks into the child;
//!   the spawn resets the mask (see child.rs).

use std::io;
use std::time::Duration;

use nix::libc;

pub const SIGCHLD: i32 = libc::SIGCHLD;
pub const SIGTERM: i32 = libc::SIGTERM;
/// The highest signal number on Linux (x86_64 and aarch64).
pub const MAX: i32 = 64;

/// The kernel's signal set: bit N-1 = signal N, signals 1 to 64 (the
/// libc's `sigset_t` is larger, and libc's helpers refuse to touch their
/// reserved signals 32-34, so the raw syscalls take this one).
pub type Set = u64;

/// Blocks every signal (1 to 64; the kernel ignores KILL and STOP) and
/// returns the set to wait on.
///
/// Raw `rt_sigprocmask`: glibc's and musl's `sigprocmask` silently leave
/// their reserved signals 32-34 unblocked, and one of those from outside
/// would then kill a supervisor that is not PID 1 (and be dropped by the
/// kernel for one that is) instead of being forwarded.
pub fn block_all() -> io::Result<Set> {
    let all: Set = !0;
    // SAFETY: rt_sigprocmask reads 8 bytes from `all` (a live u64) and
    // writes nothing (null old set).
    let r = unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &all as *const Set,
            std::ptr::null_mut::<Set>(),
            std::mem::size_of::<Set>(),
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(all)
}

/// The next signal from `set`, or `None` once `timeout` has elapsed (or on
/// a spurious interruption, which the caller treats as a timer check).
///
/// Signals the supervisor raised on itself are skipped: the SIGPIPE a log
/// write to a closed stderr queues (blocked, so it does not kill us) is not
/// a signal from outside and must not be forwarded.
///
/// `me` is our pid, read once by the caller: asking the kernel on every
/// signal was one syscall more on the forwarding path.
pub fn wait(set: &Set, timeout: Option<Duration>, me: i32) -> Option<i32> {
    let ts = timeout.map(|d| libc::timespec {
        tv_sec: d.as_secs().min(i32::MAX as u64) as _,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    });
    let ts_ptr = ts.as_ref().map_or(std::ptr::null(), |t| t as *const _);
    loop {
        // SAFETY: siginfo_t is plain data the kernel fills in.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `set`, `info` and `ts_ptr` point to live, initialised
        // values (or null for "no timeout"); the size is the kernel's.
        let sig = unsafe {
            libc::syscall(
                libc::SYS_rt_sigtimedwait,
                set as *const Set,
                &mut info as *mut libc::siginfo_t,
                ts_ptr,
                std::mem::size_of::<Set>(),
            )
        };
        if sig <= 0 {
            return None;
        }
        let sig = sig as i32;
        // SAFETY: si_pid is valid for the SI_USER/SI_TKILL codes checked.
        let from_self = matches!(info.si_code, libc::SI_USER | libc::SI_TKILL)
            && unsafe { info.si_pid() } == me;
        if !from_self {
            return Some(sig);
        }
    }
}

/// Sends `sig` to `pid` (negative: a process group; -1: everyone we may
/// signal). Errors (ESRCH: already gone) are the normal race and ignored.
pub fn send(pid: i32, sig: i32) -> bool {
    // SAFETY: kill has no memory-safety preconditions.
    unsafe { libc::kill(pid, sig) == 0 }
}

/// Whether a signal from outside is passed on: all but KILL and STOP (which
/// never reach us) and CHLD (ours, for reaping).
pub fn forwardable(sig: i32) -> bool {
    (1..=MAX).contains(&sig) && ![libc::SIGKILL, libc::SIGSTOP, libc::SIGCHLD].contains(&sig)
}

/// SIGRTMIN as the kernel's users know it (glibc, procps `kill -l`,
/// Docker's signal table): 34. musl says 35, so the libc's value is not
/// used: `RTMIN+2` means 36 in every build.
pub const RTMIN: i32 = 34;

/// A signal from text: `QUIT`, `SIGQUIT`, `sigquit`, `RTMIN+2`,
/// `SIGRTMAX-1`, or a number 0 to 64 (0: "no signal", for rewrites).
pub fn parse(s: &str) -> Option<i32> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok().filter(|n| (0..=MAX).contains(n));
    }
    let upper = s.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    let (rtmin, rtmax) = (RTMIN, MAX);
    let rt = |base: i32, rest: &str, sign: i32| -> Option<i32> {
        let n: i32 = if rest.is_empty() {
            0
        } else {
            let digits = rest.strip_prefix(if sign > 0 { '+' } else { '-' })?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            digits.parse().ok()?
        };
        Some(base + sign * n).filter(|s| (rtmin..=rtmax).contains(s))
    };
    if let Some(rest) = bare.strip_prefix("RTMIN") {
        return rt(rtmin, rest, 1);
    }
    if let Some(rest) = bare.strip_prefix("RTMAX") {
        return rt(rtmax, rest, -1);
    }
    let alias = match bare {
        "IOT" => Some(libc::SIGABRT),
        "POLL" => Some(libc::SIGIO),
        _ => None,
    };
    alias.or_else(|| {
        (1..=31)
            .find(|&n| NAMES[n as usize].strip_prefix("SIG") == Some(bare))
            .filter(|_| !bare.is_empty())
    })
}

const NAMES: [&str; 32] = [
    "0",
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

/// `SIGTERM`, `SIGRTMIN+2`, or the number for anything unknown.
pub fn name(sig: i32) -> String {
    match sig {
        1..=31 => NAMES[sig as usize].to_owned(),
        RTMIN => "SIGRTMIN".to_owned(),
        35..=MAX => format!("SIGRTMIN+{}", sig - RTMIN),
        _ => format!("signal {sig}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let rows = [
            (1, "SIGHUP".to_owned()),
            (2, "SIGINT".to_owned()),
            (9, "SIGKILL".to_owned()),
            (10, "SIGUSR1".to_owned()),
            (15, "SIGTERM".to_owned()),
            (28, "SIGWINCH".to_owned()),
            (31, "SIGSYS".to_owned()),
            (36, "SIGRTMIN+2".to_owned()),
            (34, "SIGRTMIN".to_owned()),
            (32, "signal 32".to_owned()),
            (200, "signal 200".to_owned()),
        ];
        for (sig, want) in rows {
            assert_eq!(name(sig), want, "{sig}");
        }
    }

    #[test]
    fn parse_names_and_numbers() {
        let (rtmin, rtmax) = (34, 64);
        let rows: &[(&str, Option<i32>)] = &[
            ("QUIT", Some(3)),
            ("SIGQUIT", Some(3)),
            ("sigquit", Some(3)),
            ("quit", Some(3)),
            ("WINCH", Some(28)),
            ("TERM", Some(15)),
            ("SYS", Some(31)),
            ("IOT", Some(6)),
            ("15", Some(15)),
            ("0", Some(0)),
            ("64", Some(64)),
            ("65", None),
            ("-1", None),
            ("RTMIN", Some(rtmin)),
            ("SIGRTMIN+2", Some(rtmin + 2)),
            ("RTMAX-1", Some(rtmax - 1)),
            ("RTMAX", Some(rtmax)),
            ("RTMIN+99", None),
            ("RTMIN+", None),
            ("RTMIN-1", None),
            ("SIG", None),
            ("", None),
            ("QUITE", None),
            ("0x3", None),
            ("99999999999999999999", None),
        ];
        for (s, want) in rows {
            assert_eq!(parse(s), *want, "{s:?}");
        }
        for n in 1..=31 {
            assert_eq!(parse(&name(n)), Some(n), "{n}");
        }
    }

    #[test]
    fn forwardable_is_all_but_kill_stop_chld() {
        let not: Vec<i32> = (0..=70).filter(|&s| !forwardable(s)).collect();
        let mut want = vec![0, 9, 17, 19];
        want.extend(65..=70);
        assert_eq!(not, want);
    }
}
