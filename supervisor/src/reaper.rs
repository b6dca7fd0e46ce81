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
/// (see the module's invariants). `killed` remembers, across the sweeps of
/// one shutdown, every process already sent SIGKILL (by pid and start
/// time, so a reused pid is a new process): a later sweep reports only
/// what is new, i.e. what escaped. Returns (processes newly killed, scans
/// made); as PID 1, (1 if anything was left, 1).
pub fn kill_everyone(pid1: bool, group: i32, killed: &mut Vec<(i32, u64)>) -> (usize, usize) {
    if pid1 {
        return (usize::from(signals::send(-1, libc::SIGKILL)), 1);
    }
    let me = std::process::id() as i32;
    let mut new = 0;
    // A bound for a process that somehow survives SIGKILL in the kernel:
    // the machine's REKILL timer takes over from there.
    for scan in 1..=64 {
        let Some(live) = live_descendants(me) else {
            return (
                new + usize::from(signals::send(-group, libc::SIGKILL)),
                scan,
            );
        };
        let before = new;
        for id in live {
            if !killed.contains(&id) && signals::send(id.0, libc::SIGKILL) {
                killed.push(id);
                new += 1;
            }
        }
        if new == before {
            return (new, scan);
        }
    }
    (new, 64)
}

/// One `/proc/<pid>/stat` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    pid: i32,
    ppid: i32,
    state: char,
    /// Start time in clock ticks since boot: with the pid, a process's
    /// identity.
    start: u64,
}

/// Every process whose parent chain leads to `root`, from one /proc scan;
/// `None` if /proc cannot be read.
fn descendants(root: i32) -> Option<Vec<i32>> {
    Some(
        tree(root, &proc_table(root)?)
            .iter()
            .map(|e| e.pid)
            .collect(),
    )
}

/// Like `descendants`, without zombies (and the dead): what can still run
/// or fork, as (pid, start time).
fn live_descendants(root: i32) -> Option<Vec<(i32, u64)>> {
    let all = tree(root, &proc_table(root)?);
    Some(
        all.iter()
            .filter(|e| !matches!(e.state, 'Z' | 'X' | 'x'))
            .map(|e| (e.pid, e.start))
            .collect(),
    )
}

/// Every process in /proc; `None` if /proc is not ours.
fn proc_table(root: i32) -> Option<Vec<Entry>> {
    let dir = std::fs::read_dir("/proc").ok()?;
    let table: Vec<Entry> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let (state, ppid, start) = parse_stat(&stat)?;
            Some(Entry {
                pid,
                ppid,
                state,
                start,
            })
        })
        .collect();
    // An empty or foreign /proc (not mounted, other namespace) lacks us.
    let mounted = std::fs::metadata(format!("/proc/{root}")).is_ok();
    mounted.then_some(table)
}

/// Pure part of `descendants`: every descendant of `root` in `table`.
/// Zombies are walked through: their children are reparented, but may
/// still show them as parent.
fn tree(root: i32, table: &[Entry]) -> Vec<Entry> {
    let mut found: Vec<Entry> = Vec::new();
    let mut parents = vec![root];
    let mut i = 0;
    while i < parents.len() {
        let parent = parents[i];
        for e in table.iter().filter(|e| e.ppid == parent && e.pid != root) {
            found.push(*e);
            parents.push(e.pid);
        }
        i += 1;
    }
    found
}

/// (state, ppid, start time) from a `/proc/<pid>/stat` line: `pid (comm)
/// state ppid ... starttime(22nd field) ...`; comm may hold spaces and
/// parentheses, so split after the last `)`.
fn parse_stat(stat: &str) -> Option<(char, i32, u64)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_ascii_whitespace().collect();
    let state = f.first()?.chars().next()?;
    let ppid = f.get(1)?.parse().ok()?;
    let start = f.get(19)?.parse().ok()?;
    Some((state, ppid, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_ppid_and_start_from_stat() {
        let tail = "0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 777 2000 100";
        let line = |head: &str| format!("{head} {tail}");
        let rows = [
            (line("12 (sleep) S 7 12 7"), Some(('S', 7, 777))),
            (line("13 (a b) c)) R 1 13 1"), Some(('R', 1, 777))),
            (line("14 ((sh)) Z 12 14 12"), Some(('Z', 12, 777))),
            ("garbage".to_owned(), None),
            ("15 (x) S 1 2 3".to_owned(), None),
            (String::new(), None),
        ];
        for (s, want) in rows {
            assert_eq!(parse_stat(&s), want, "{s}");
        }
    }

    #[test]
    fn tree_walk() {
        let e = |pid, ppid, state| Entry {
            pid,
            ppid,
            state,
            start: 0,
        };
        // 10 → 11 → 12 (zombie) → 13, 10 → 14; 20 → 21 is someone else's.
        let table = [
            e(11, 10, 'S'),
            e(12, 11, 'Z'),
            e(13, 12, 'R'),
            e(14, 10, 'S'),
            e(21, 20, 'S'),
            e(10, 1, 'S'),
        ];
        let mut got: Vec<i32> = tree(10, &table).iter().map(|e| e.pid).collect();
        got.sort();
        assert_eq!(got, [11, 12, 13, 14]);
        assert_eq!(tree(13, &table), []);
        assert_eq!(tree(99, &table), []);
        // A cycle through the root (pid reuse) cannot loop forever.
        assert_eq!(
            tree(10, &[e(10, 11, 'S'), e(11, 10, 'S')]),
            [e(11, 10, 'S')]
        );
    }
}
