//! Spawns the main child: found on PATH, in its own process group, with
//! the supervisor's env, cwd and stdio.
//!
//! Two paths, one result:
//! - No terminal on stdin (every container, ECS): `posix_spawnp`, which
//!   glibc and musl implement with `clone(CLONE_VM|CLONE_VFORK)`: no copy
//!   of our page tables, no copy-on-write faults afterwards, the exec error
//!   returned directly. This is most of the start-up work saved against a
//!   fork (bench/RESULTS-pid1.md).
//! - A terminal on stdin (`docker run -it`): fork, then `tcsetpgrp` in the
//!   child before exec (no posix_spawn attribute does that portably), via
//!   std's `Command` with a `pre_exec` hook.
//!
//! Invariants:
//! - The child starts with an empty signal mask and default dispositions
//!   for all 64 signals: `POSIX_SPAWN_SETSIGDEF` with every bit set (the
//!   set's bits are written directly: libc's `sigaddset` refuses its
//!   reserved 32-34, and glibc's posix_spawn would otherwise mark those
//!   ignored in the child), or `reset_signals` between fork and exec. The
//!   e2e tests read `/proc/<child>/status` to prove it, on both paths.
//! - The process group id is the child's pid, so "the group" = `-pid`. If
//!   stdin is our controlling terminal, the child's group becomes its
//!   foreground group (like tini), so an interactive app can read it
//!   without being stopped by SIGTTIN.
//! - The `Child` handle is dropped, never waited on: reaping belongs to
//!   reaper.rs alone (a second reaper would race `waitpid(-1)` and lose
//!   the status).

use std::ffi::{CString, OsString};
use std::fmt;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::process::Command;

use nix::libc;

/// Why the command could not be started, and the exit code that says so.
#[derive(Debug)]
pub struct SpawnError {
    pub command: String,
    pub reason: String,
    /// 127 not found, 126 found but not executable.
    pub code: u8,
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.command, self.reason)
    }
}

/// Starts `argv` and returns its pid.
pub fn spawn(argv: &[OsString]) -> Result<i32, SpawnError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(SpawnError {
            command: String::new(),
            reason: "no command".to_owned(),
            code: 127,
        });
    };
    // SAFETY: isatty only reads the descriptor's state.
    if unsafe { libc::isatty(0) } == 1 {
        forked(program, args)
    } else {
        spawned(program, argv)
    }
}

unsafe extern "C" {
    static environ: *const *const libc::c_char;
}

/// posix_spawnp with an empty mask, every signal at its default, and a
/// process group of its own.
fn spawned(program: &OsString, argv: &[OsString]) -> Result<i32, SpawnError> {
    let cargs: Result<Vec<CString>, _> = argv.iter().map(|a| CString::new(a.as_bytes())).collect();
    let Ok(cargs) = cargs else {
        return Err(SpawnError {
            command: program.to_string_lossy().into_owned(),
            reason: "an argument holds a NUL byte".to_owned(),
            code: 126,
        });
    };
    let mut ptrs: Vec<*mut libc::c_char> = cargs.iter().map(|c| c.as_ptr().cast_mut()).collect();
    ptrs.push(std::ptr::null_mut());
    let flags =
        libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF | libc::POSIX_SPAWN_SETPGROUP;
    let mut pid: libc::pid_t = 0;
    // SAFETY: the attribute object is initialised before use and destroyed
    // after; the sets are plain data (zeroed = empty; the first 64 bits of
    // `all` set by hand, inside the type's size on every Linux libc);
    // `ptrs` is a NUL-terminated array of pointers into `cargs`, alive
    // across the call; `environ` is the process environment.
    let r = unsafe {
        let mut attr: libc::posix_spawnattr_t = std::mem::zeroed();
        if libc::posix_spawnattr_init(&mut attr) != 0 {
            return forked(program, &argv[1..]);
        }
        let empty: libc::sigset_t = std::mem::zeroed();
        let mut all: libc::sigset_t = std::mem::zeroed();
        std::ptr::write_unaligned((&raw mut all).cast::<u64>(), !0u64);
        libc::posix_spawnattr_setsigmask(&mut attr, &empty);
        libc::posix_spawnattr_setsigdefault(&mut attr, &all);
        libc::posix_spawnattr_setpgroup(&mut attr, 0);
        libc::posix_spawnattr_setflags(&mut attr, flags as libc::c_short);
        let r = libc::posix_spawnp(
            &mut pid,
            ptrs[0],
            std::ptr::null(),
            &attr,
            ptrs.as_ptr(),
            environ.cast(),
        );
        libc::posix_spawnattr_destroy(&mut attr);
        r
    };
    if r != 0 {
        return Err(classify(program, &io::Error::from_raw_os_error(r)));
    }
    Ok(pid)
}

/// fork, then `prepare` (terminal, signals), then exec.
fn forked(program: &OsString, args: &[OsString]) -> Result<i32, SpawnError> {
    let mut cmd = Command::new(program);
    cmd.args(args).process_group(0);
    // SAFETY: `prepare` only calls async-signal-safe functions.
    unsafe { cmd.pre_exec(prepare) };
    match cmd.spawn() {
        Ok(child) => Ok(child.id() as i32),
        Err(e) => Err(classify(program, &e)),
    }
}

fn classify(program: &OsString, e: &io::Error) -> SpawnError {
    let command = program.to_string_lossy().into_owned();
    let (code, reason) = match e.kind() {
        io::ErrorKind::NotFound if !command.contains('/') => (127, "command not found".to_owned()),
        io::ErrorKind::NotFound => (127, "no such file or directory".to_owned()),
        io::ErrorKind::PermissionDenied => (126, "permission denied (not executable)".to_owned()),
        _ => (126, format!("cannot execute: {e}")),
    };
    SpawnError {
        command,
        reason,
        code,
    }
}

/// Runs in the forked child, after setpgid, before exec.
fn prepare() -> io::Result<()> {
    // SAFETY: tcsetpgrp/getpid are async-signal-safe. Fails (ENOTTY, ...)
    // when stdin is not our terminal: nothing to do then. SIGTTOU is still
    // blocked here (inherited mask), so a background caller is allowed.
    unsafe {
        libc::tcsetpgrp(0, libc::getpid());
    }
    reset_signals()
}

/// Default disposition for every
/// signal, then an empty mask. Only async-signal-safe calls.
///
/// The raw `rt_sigaction` syscall, not libc's `sigaction`: glibc and musl
/// refuse their reserved real-time signals (32-34), and glibc's posix_spawn
/// leaves exactly those ignored in whatever it starts, so a supervisor
/// started that way would pass them on as ignored.
fn reset_signals() -> io::Result<()> {
    // The kernel's `struct sigaction` on x86_64 / aarch64.
    #[repr(C)]
    struct KernelSigaction {
        handler: libc::c_ulong,
        flags: libc::c_ulong,
        restorer: libc::c_ulong,
        mask: u64,
    }
    let dfl = KernelSigaction {
        handler: libc::SIG_DFL as libc::c_ulong,
        flags: 0,
        restorer: 0,
        mask: 0,
    };
    // SAFETY: rt_sigaction reads `dfl` (a live, correctly laid out value)
    // and writes nothing (null old action); sigprocmask gets an
    // initialised set. Errors for KILL/STOP are expected and ignored.
    unsafe {
        for sig in 1..=64 {
            libc::syscall(
                libc::SYS_rt_sigaction,
                sig,
                &dfl as *const KernelSigaction,
                std::ptr::null_mut::<KernelSigaction>(),
                8usize,
            );
        }
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        if libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawn_errors_map_to_126_and_127() {
        use io::ErrorKind::*;
        let rows = [
            (
                "nosuch",
                io::Error::from(NotFound),
                127,
                "command not found",
            ),
            (
                "./nosuch",
                io::Error::from(NotFound),
                127,
                "no such file or directory",
            ),
            (
                "/etc/passwd",
                io::Error::from(PermissionDenied),
                126,
                "permission denied (not executable)",
            ),
            (
                "./bad",
                io::Error::from_raw_os_error(libc::ENOEXEC),
                126,
                "cannot execute: Exec format error (os error 8)",
            ),
        ];
        for (cmd, err, code, reason) in rows {
            let e = classify(&OsString::from(cmd), &err);
            assert_eq!((e.code, e.reason.as_str()), (code, reason), "{cmd}");
            assert_eq!(e.to_string(), format!("{cmd}: {reason}"));
        }
    }
}
