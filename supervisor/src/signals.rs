//! Signal plumbing: block (nearly) everything, then take signals one at a
//! time with `sigtimedwait`, with a timeout only when something is due.
//!
//! Invariants:
//! - `block_all` runs before the child is spawned, so no signal is lost in
//!   the gap (as PID 1 an unhandled, unblocked signal is dropped by the
//!   kernel; a blocked one is always queued).
//! - Only synchronous fault signals stay unblocked (blocking them would turn
//!   a crash of ours into a hang).
//! - `wait(.., None)` sleeps in the kernel until a signal arrives: no
//!   polling, no periodic tick, zero wake-ups while idle.
//! - Nothing here changes dispositions, so nothing leaks into the child;
//!   the spawn resets the mask (see child.rs).

use std::io;
use std::time::Duration;

use nix::libc;

pub const SIGCHLD: i32 = libc::SIGCHLD;

/// Blocks every signal except the synchronous fault ones and returns the
/// set to wait on.
pub fn block_all() -> io::Result<libc::sigset_t> {
    // SAFETY: sigset_t is plain data, initialised by sigfillset before use;
    // sigprocmask only reads `set`.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        for sig in [
            libc::SIGSEGV,
            libc::SIGBUS,
            libc::SIGFPE,
            libc::SIGILL,
            libc::SIGTRAP,
            libc::SIGSYS,
            libc::SIGABRT,
        ] {
            libc::sigdelset(&mut set, sig);
        }
        if libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(set)
    }
}

/// The next signal from `set`, or `None` once `timeout` has elapsed (or on
/// a spurious interruption, which the caller treats as a timer check).
///
/// Signals the supervisor raised on itself are skipped: the SIGPIPE a log
/// write to a closed stderr queues (blocked, so it does not kill us) is not
/// a signal from outside and must not be forwarded.
pub fn wait(set: &libc::sigset_t, timeout: Option<Duration>) -> Option<i32> {
    let ts = timeout.map(|d| libc::timespec {
        tv_sec: d.as_secs().min(i32::MAX as u64) as _,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    });
    let ts_ptr = ts.as_ref().map_or(std::ptr::null(), |t| t as *const _);
    let me = std::process::id() as libc::pid_t;
    loop {
        // SAFETY: siginfo_t is plain data the kernel fills in.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `set`, `info` and `ts_ptr` point to live, initialised
        // values (or null for "no timeout").
        let sig = unsafe { libc::sigtimedwait(set, &mut info, ts_ptr) };
        if sig <= 0 {
            return None;
        }
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

/// `SIGTERM`, `SIGRTMIN+2`, or the number for anything unknown.
pub fn name(sig: i32) -> String {
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
    let rtmin = libc::SIGRTMIN();
    match sig {
        1..=31 => NAMES[sig as usize].to_owned(),
        _ if sig >= rtmin && sig <= libc::SIGRTMAX() => format!("SIGRTMIN+{}", sig - rtmin),
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
            (libc::SIGRTMIN() + 2, "SIGRTMIN+2".to_owned()),
            (200, "signal 200".to_owned()),
        ];
        for (sig, want) in rows {
            assert_eq!(name(sig), want, "{sig}");
        }
    }
}
