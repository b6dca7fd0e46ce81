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
//! - `kill_everyone` converges: as PID 1 one `kill(-1, SIGKILL)` reaches
//!   every process atomically (the kernel signals under the task-list lock
//!   that fork takes, and a fork with SIGKILL pending fails). As a
//!   subreaper, a process forked between a /proc scan and the kill of its
//!   parent escapes that scan; so it scans again, until a scan finds no live
//!   descendant it has not already killed. Every killed process can no
//!   longer fork, so each round only finds what forked during the previous
//!   one, and the sweep ends with nothing left to fork.

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

/// SIGKILL for everything under us, repeated until nothing new is found
/// (see the module's invariants). Returns (processes killed, scans made).
pub fn kill_everyone(pid1: bool, group: i32) -> (usize, usize) {
    if pid1 {
        return (usize::from(signals::send(-1, libc::SIGKILL)), 1);
    }
    let me = std::process::id() as i32;
    let mut killed: Vec<i32> = Vec::new();
    // A bound for a process that somehow survives SIGKILL in the kernel:
    // the machine's REKILL timer takes over from there.
    for scan in 1..=64 {
        let Some(live) = live_descendants(me) else {
            return (
                killed.len() + usize::from(signals::send(-group, libc::SIGKILL)),
                scan,
            );
        };
        let before = killed.len();
        for pid in live {
            if !killed.contains(&pid) && signals::send(pid, libc::SIGKILL) {
                killed.push(pid);
            }
        }
        if killed.len() == before {
            return (killed.len(), scan);
        }
    }
    (killed.len(), 64)
}

/// Every process whose parent chain leads to `root`, from one /proc scan;
/// `None` if /proc cannot be read.
fn descendants(root: i32) -> Option<Vec<i32>> {
    Some(
        tree(root, &proc_table(root)?)
            .into_iter()
            .map(|(p, _)| p)
            .collect(),
    )
}

/// Like `descendants`, without zombies (and the dead): what can still run
/// or fork.
fn live_descendants(root: i32) -> Option<Vec<i32>> {
    let all = tree(root, &proc_table(root)?);
    Some(
        all.into_iter()
            .filter(|(_, st)| !matches!(st, 'Z' | 'X' | 'x'))
            .map(|(p, _)| p)
            .collect(),
    )
}

/// (pid, ppid, state) of every process in /proc; `None` if /proc is not
/// ours.
fn proc_table(root: i32) -> Option<Vec<(i32, i32, char)>> {
    let dir = std::fs::read_dir("/proc").ok()?;
    let table: Vec<(i32, i32, char)> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let (state, ppid) = parse_stat(&stat)?;
            Some((pid, ppid, state))
        })
        .collect();
    // An empty or foreign /proc (not mounted, other namespace) lacks us.
    let mounted = std::fs::metadata(format!("/proc/{root}")).is_ok();
    mounted.then_some(table)
}

/// Pure part of `descendants`: `table` holds (pid, ppid, state); returns
/// (pid, state) of every descendant of `root`. Zombies are walked through:
/// their children are reparented, but may still show them as parent.
fn tree(root: i32, table: &[(i32, i32, char)]) -> Vec<(i32, char)> {
    let mut found = vec![(root, 'R')];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i].0;
        found.extend(
            table
                .iter()
                .filter(|(p, pp, _)| *pp == parent && *p != root)
                .map(|(p, _, st)| (*p, *st)),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// (state, ppid) from a `/proc/<pid>/stat` line: `pid (comm) state ppid
/// ...`; comm may hold spaces and parentheses, so split after the last `)`.
fn parse_stat(stat: &str) -> Option<(char, i32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut f = rest.split_ascii_whitespace();
    let state = f.next()?.chars().next()?;
    Some((state, f.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_and_ppid_from_stat() {
        let rows = [
            ("12 (sleep) S 7 12 7 0 -1", Some(('S', 7))),
            ("13 (a b) c)) R 1 13 1", Some(('R', 1))),
            ("14 ((sh)) Z 12 14", Some(('Z', 12))),
            ("garbage", None),
            ("15 (x) S", None),
            ("", None),
        ];
        for (s, want) in rows {
            assert_eq!(parse_stat(s), want, "{s}");
        }
    }

    #[test]
    fn tree_walk() {
        // 10 → 11 → 12 (zombie) → 13, 10 → 14; 20 → 21 is someone else's.
        let table = [
            (11, 10, 'S'),
            (12, 11, 'Z'),
            (13, 12, 'R'),
            (14, 10, 'S'),
            (21, 20, 'S'),
            (10, 1, 'S'),
        ];
        let mut got = tree(10, &table);
        got.sort();
        assert_eq!(got, [(11, 'S'), (12, 'Z'), (13, 'R'), (14, 'S')]);
        assert_eq!(tree(13, &table), Vec::<(i32, char)>::new());
        assert_eq!(tree(99, &table), Vec::<(i32, char)>::new());
        // A cycle through the root (pid reuse) cannot loop forever.
        assert_eq!(tree(10, &[(10, 11, 'S'), (11, 10, 'S')]), [(11, 'S')]);
    }
}
