//! Helpers for the vanish-init end-to-end tests: run the real binary as PID 1
//! of a new PID namespace (`unshare --pid --fork --mount-proc`, we are root)
//! or directly (then it is a child subreaper), and talk to it while it runs.
//!
//! Invariants:
//! - Every wait has a deadline and panics with everything the process
//!   printed so far; nothing here sleeps to synchronise, it waits for a line
//!   or a condition.
//! - A supervisor still running when its `Running` is dropped is SIGKILLed,
//!   so a failed test leaves nothing behind.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How the supervisor runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// PID 1 of a fresh PID namespace with its own /proc.
    Pid1,
    /// An ordinary child of the test: it makes itself a subreaper.
    Sub,
}

pub const MODES: [Mode; 2] = [Mode::Pid1, Mode::Sub];

/// Default deadline for a whole scenario.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The binary under test: `VANISH_INIT_BIN` if set (e.g. the static musl
/// release build, to run the same suite against what ships), else the
/// workspace build.
pub fn init_bin() -> std::path::PathBuf {
    match std::env::var_os("VANISH_INIT_BIN") {
        Some(p) => {
            let p = std::path::PathBuf::from(p);
            assert!(p.is_file(), "VANISH_INIT_BIN={} is not a file", p.display());
            p
        }
        None => crate::bin("vanish-init"),
    }
}

/// `vanish-init ARGS` as `mode` says; env and cwd are the caller's to set.
pub fn command(mode: Mode, args: &[&str]) -> Command {
    let bin = init_bin();
    match mode {
        Mode::Pid1 => {
            let mut c = Command::new("unshare");
            // --kill-child: if the test kills unshare, PID 1 (and with it
            // the whole namespace) dies too instead of lingering.
            c.args(["--pid", "--fork", "--mount-proc", "--kill-child"])
                .arg(bin)
                .args(args);
            c
        }
        Mode::Sub => {
            let mut c = Command::new(bin);
            c.args(args);
            c
        }
    }
}

/// A supervisor running in the background, its stdout and stderr read line
/// by line.
pub struct Running {
    pub mode: Mode,
    child: Option<Child>,
    out: Stream,
    err: Stream,
}

struct Stream {
    rx: Receiver<String>,
    seen: Arc<Mutex<Vec<String>>>,
    pending: VecDeque<String>,
}

impl Stream {
    fn new<R: std::io::Read + Send + 'static>(r: R) -> Stream {
        let (tx, rx) = channel();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        thread::spawn(move || {
            for line in BufReader::new(r).lines() {
                let Ok(line) = line else { break };
                log.lock().expect("lock").push(line.clone());
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Stream {
            rx,
            seen,
            pending: VecDeque::new(),
        }
    }

    fn all(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Running {
    /// Spawns `cmd` (from `command`) with piped stdout and stderr.
    pub fn spawn(mode: Mode, mut cmd: Command) -> Running {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {cmd:?}: {e}"));
        let out = Stream::new(child.stdout.take().expect("stdout"));
        let err = Stream::new(child.stderr.take().expect("stderr"));
        Running {
            mode,
            child: Some(child),
            out,
            err,
        }
    }

    /// Waits for a stdout line equal to `want`; returns the lines before it.
    pub fn expect_stdout(&mut self, want: &str) -> Vec<String> {
        let (before, _) = self.expect_in(true, |l| l == want, want);
        before
    }

    /// Waits until every line in `want` has shown on stdout, in any order.
    pub fn expect_stdout_all(&mut self, want: &[&str]) {
        let mut missing: Vec<&str> = want.to_vec();
        while !missing.is_empty() {
            let (_, line) = self.expect_in(true, |l| missing.contains(&l), &missing.join(" + "));
            missing.retain(|m| *m != line);
        }
    }

    /// Waits for a stdout line starting with `prefix`; returns that line.
    pub fn expect_stdout_prefix(&mut self, prefix: &str) -> String {
        self.expect_in(true, |l| l.starts_with(prefix), prefix).1
    }

    /// Waits for a stderr line containing `needle`; returns that line.
    pub fn expect_stderr(&mut self, needle: &str) -> String {
        self.expect_in(false, |l| l.contains(needle), needle).1
    }

    fn expect_in(
        &mut self,
        stdout: bool,
        matches: impl Fn(&str) -> bool,
        what: &str,
    ) -> (Vec<String>, String) {
        let start = Instant::now();
        let mut before = Vec::new();
        loop {
            let stream = if stdout { &mut self.out } else { &mut self.err };
            let next = match stream.pending.pop_front() {
                Some(l) => Ok(l),
                None => {
                    let left = DEADLINE.saturating_sub(start.elapsed());
                    stream.rx.recv_timeout(left)
                }
            };
            match next {
                Ok(line) if matches(&line) => return (before, line),
                Ok(line) => before.push(line),
                Err(e) => {
                    let why = match e {
                        RecvTimeoutError::Timeout => format!("no such line within {DEADLINE:?}"),
                        RecvTimeoutError::Disconnected => "stream closed".to_owned(),
                    };
                    self.kill();
                    panic!(
                        "waiting for {} line {what:?}: {why}\nstdout: {:#?}\nstderr: {:#?}",
                        if stdout { "stdout" } else { "stderr" },
                        self.out.all(),
                        self.err.all()
                    );
                }
            }
        }
    }

    /// The supervisor's pid as the test (host) sees it.
    pub fn supervisor_pid(&self) -> i32 {
        let child = self.child.as_ref().expect("running");
        let pid = child.id() as i32;
        match self.mode {
            Mode::Sub => pid,
            // unshare --fork: the supervisor is unshare's only child.
            Mode::Pid1 => wait_for(|| children_of(pid).first().copied(), "unshare's child"),
        }
    }

    /// Sends `sig` (e.g. "USR1") to the supervisor.
    pub fn signal(&self, sig: &str) {
        send(self.supervisor_pid(), sig);
    }

    /// Waits for the supervisor to exit; returns status, stdout, stderr.
    pub fn finish(mut self) -> Finished {
        let mut child = self.child.take().expect("running");
        let start = Instant::now();
        let status = loop {
            if let Some(st) = child.try_wait().expect("try_wait") {
                break st;
            }
            if start.elapsed() > DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "supervisor still running after {DEADLINE:?}; killed.\nstdout: {:#?}\nstderr: {:#?}",
                    self.out.all(),
                    self.err.all()
                );
            }
            thread::sleep(Duration::from_millis(5));
        };
        // The readers end at EOF, which comes once every writer is gone.
        drain(&mut self.out, &self.err);
        drain(&mut self.err, &self.out);
        Finished {
            status,
            stdout: self.out.all(),
            stderr: self.err.all(),
        }
    }

    fn kill(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn drain(s: &mut Stream, other: &Stream) {
    let start = Instant::now();
    loop {
        match s.rx.recv_timeout(DEADLINE.saturating_sub(start.elapsed())) {
            Ok(_) => {}
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => panic!(
                "output still open {DEADLINE:?} after the supervisor exited: a process outlived it\n\
                 so far: {:#?}\nother stream: {:#?}",
                s.all(),
                other.all()
            ),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What a finished supervisor left.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Finished {
    pub fn code(&self) -> i32 {
        self.status
            .code()
            .unwrap_or_else(|| panic!("ended by a signal: {self:#?}"))
    }

    /// Asserts the exit code, showing everything on mismatch.
    pub fn assert_code(&self, want: i32) -> &Finished {
        assert_eq!(self.status.code(), Some(want), "exit status: {self:#?}");
        self
    }

    pub fn stderr_has(&self, needle: &str) -> bool {
        self.stderr.iter().any(|l| l.contains(needle))
    }

    pub fn assert_stderr_has(&self, needle: &str) -> &Finished {
        assert!(
            self.stderr_has(needle),
            "stderr lacks {needle:?}: {self:#?}"
        );
        self
    }

    pub fn assert_stdout_has(&self, line: &str) -> &Finished {
        assert!(
            self.stdout.iter().any(|l| l == line),
            "stdout lacks {line:?}: {self:#?}"
        );
        self
    }
}

/// Sends `sig` ("USR1", "TERM", ...) to `pid` with the shell's kill.
pub fn send(pid: i32, sig: &str) {
    let st = Command::new("sh")
        .args(["-c", r#"kill -s "$0" "$1""#, sig, &pid.to_string()])
        .status()
        .expect("running kill");
    assert!(st.success(), "kill -s {sig} {pid} failed");
}

/// Host pids whose parent is `ppid`, from /proc.
pub fn children_of(ppid: i32) -> Vec<i32> {
    procs()
        .into_iter()
        .filter(|p| p.ppid == ppid)
        .map(|p| p.pid)
        .collect()
}

/// One `/proc/<pid>/stat` entry.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: i32,
    pub ppid: i32,
    pub state: char,
}

/// Every process visible in the test's /proc.
pub fn procs() -> Vec<Proc> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        panic!("/proc is not readable")
    };
    dir.filter_map(|e| {
        let pid: i32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = &stat[stat.rfind(')')? + 1..];
        let mut f = rest.split_ascii_whitespace();
        let state = f.next()?.chars().next()?;
        let ppid = f.next()?.parse().ok()?;
        Some(Proc { pid, ppid, state })
    })
    .collect()
}

/// Polls `f` until it returns `Some`, for at most `DEADLINE`.
pub fn wait_for<T>(mut f: impl FnMut() -> Option<T>, what: &str) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "no {what} within {DEADLINE:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos();
    let dir = std::env::temp_dir().join(format!("vanish-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// True if `path` exists (for prerequisite checks with a clear message).
pub fn require(path: &str, hint: &str) {
    assert!(
        Path::new(path).exists(),
        "prerequisite {path} is missing: {hint}"
    );
}
