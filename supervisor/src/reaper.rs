//! Reaping and whole-tree signalling.
//!
//! Invariants:
//! - `reap` drains with `waitpid(-1, WNOHANG)` until nothing is ready, so
//!   coalesced SIGCHLDs never lose an exit; it reports the main child's
//!   status and whether no child at all is left (ECHILD).
//! - When not PID 1 we are a child subreaper, so every orphan of our tree is
//!   reparented to us and "no child left" means "no descendant left".
//! - `signal_everyone` uses `kill(-1)` only as PID 1 (then it means "the
//!   whole namespace"). Otherwise it must not touch anything outside our
//!   tree: it signals our descendants, found through /proc (without /proc,
//!   e.g. in a bare chroot, it falls back to the child's process group).

use std::io;

use nix::libc;

use crate::signals;
use crate::status;

pub fn become_subreaper() -> io::Result<()> {
    nix::sys::prctl::set_child_subreaper(true).map_err(io::Error::from)
}

/// One drain. Returns (main child's exit code if reaped, nothing left).
pub fn reap(main: i32) -> (Option<i32>, bool) {
    let mut main_code = None;
    loop {
        let mut st: libc::c_int = 0;
        // SAFETY: `st` is a valid out-parameter.
        let pid = unsafe { libc::waitpid(-1, &mut st, libc::WNOHANG) };
        if pid > 0 {
            let code = status::exit_code(st);
            crate::debug!("reaped pid={pid} code={code}");
            if pid == main {
                main_code = Some(code);
            }
        } else if pid == 0 {
            return (main_code, false);
        } else {
            match io::Error::last_os_error().raw_os_error() {
                Some(libc::EINTR) => continue,
                // ECHILD, or anything unexpected: nothing we can wait for.
                _ => return (main_code, true),
            }
        }
    }
}

/// Sends `sig` to everything still running under us; returns how many
/// processes were signalled (as PID 1: 1 if any, since kill(-1) says no
/// more).
pub fn signal_everyone(sig: i32, pid1: bool, group: i32) -> usize {
    if pid1 {
        return usize::from(signals::send(-1, sig));
    }
    let me = std::process::id() as i32;
    match descendants(me) {
        Some(pids) => pids
            .into_iter()
            .filter(|&pid| signals::send(pid, sig))
            .count(),
        None => usize::from(signals::send(-group, sig)),
    }
}

/// Every process whose parent chain leads to `root`, from one /proc scan;
/// `None` if /proc cannot be read.
fn descendants(root: i32) -> Option<Vec<i32>> {
    let dir = std::fs::read_dir("/proc").ok()?;
    let table: Vec<(i32, i32)> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            Some((pid, parse_ppid(&stat)?))
        })
        .collect();
    // An empty or foreign /proc (not mounted, other namespace) lacks us.
    let mounted = std::fs::metadata(format!("/proc/{root}")).is_ok();
    mounted.then(|| tree(root, &table))
}

/// Pure part of `descendants`: `table` holds (pid, ppid) pairs.
fn tree(root: i32, table: &[(i32, i32)]) -> Vec<i32> {
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            table
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// The ppid from a `/proc/<pid>/stat` line: `pid (comm) state ppid ...`;
/// comm may hold spaces and parentheses, so split after the last `)`.
fn parse_ppid(stat: &str) -> Option<i32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_ascii_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppid_from_stat() {
        let rows = [
            ("12 (sleep) S 7 12 7 0 -1", Some(7)),
            ("13 (a b) c)) R 1 13 1", Some(1)),
            ("14 ((sh)) Z 12 14", Some(12)),
            ("garbage", None),
            ("15 (x) S", None),
        ];
        for (s, want) in rows {
            assert_eq!(parse_ppid(s), want, "{s}");
        }
    }

    #[test]
    fn tree_walk() {
        // 10 → 11 → 12 → 13, 10 → 14; 20 → 21 is someone else's.
        let table = [(11, 10), (12, 11), (13, 12), (14, 10), (21, 20), (10, 1)];
        let mut got = tree(10, &table);
        got.sort();
        assert_eq!(got, [11, 12, 13, 14]);
        assert_eq!(tree(13, &table), Vec::<i32>::new());
        assert_eq!(tree(99, &table), Vec::<i32>::new());
    }
}
