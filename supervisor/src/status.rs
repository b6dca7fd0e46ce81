//! Wait status → exit code, the way a shell reports it.
//!
//! Invariants: a normal exit keeps its code (0-255); death by signal N is
//! 128+N; anything else (stopped, continued: never asked for) maps to 1 rather
//! than being mistaken for success.

use nix::libc;

/// The exit code a supervisor should exit with for a raw `waitpid` status.
pub fn exit_code(status: libc::c_int) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Raw statuses as the kernel encodes them: exit code in bits 8-15,
    // terminating signal in bits 0-6 (bit 7 = core dumped), 0x7f = stopped.
    #[test]
    fn table() {
        let cases: &[(libc::c_int, i32, &str)] = &[
            (0, 0, "exit 0"),
            (1 << 8, 1, "exit 1"),
            (42 << 8, 42, "exit 42"),
            (255 << 8, 255, "exit 255"),
            (9, 137, "SIGKILL"),
            (15, 143, "SIGTERM"),
            (2, 130, "SIGINT"),
            (11 | 0x80, 139, "SIGSEGV with core dump"),
            (34, 162, "SIGRTMIN"),
            ((19 << 8) | 0x7f, 1, "stopped by SIGSTOP"),
        ];
        for &(raw, want, what) in cases {
            assert_eq!(exit_code(raw), want, "{what}");
        }
    }
}
