//! Shared helpers for the end-to-end tests: find the built binaries and run
//! them with a hard deadline, so that a hung test fails instead of hanging.
//!
//! Invariants:
//! - Binaries are the ones `cargo build --workspace` put beside this test
//!   executable's directory (`target/<profile>/`); a missing one is a clear
//!   failure naming the command to run, never a silent skip.
//! - Every wait has a deadline; on expiry the child is SIGKILLed and the test
//!   panics with what the child printed so far.

pub mod docker;
pub mod fargate;
pub mod faults;
pub mod images;
pub mod init;
pub mod moto;
pub mod render;
pub mod ship;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Path of a workspace binary (`vanish`, `vanish-init`) built for this profile.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test-binary> → target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("test binary lives in target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is not built: run `cargo build --workspace` before the tests (scripts/test does)",
        path.display()
    );
    path
}

/// The workspace root (holds `examples/`, `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

/// What a finished process left behind.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The exit code; panics (with the output) if a signal ended the process.
    pub fn code(&self) -> i32 {
        match self.status.code() {
            Some(c) => c,
            None => panic!("process ended by a signal: {self:?}"),
        }
    }
}

/// Runs `cmd` to completion, capturing stdout and stderr, and fails the test
/// if it has not exited within `deadline`.
pub fn run(cmd: &mut Command, deadline: Duration) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {cmd:?}: {e}"));
    wait(child, deadline)
}

/// Waits for a spawned child (stdout/stderr piped) with a deadline.
pub fn wait(mut child: Child, deadline: Duration) -> Output {
    let out = child.stdout.take().map(drain);
    let err = child.stderr.take().map(drain);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let stdout = out.map(join).unwrap_or_default();
            let stderr = err.map(join).unwrap_or_default();
            panic!(
                "still running after {deadline:?}; killed.\nstdout:\n{stdout}\nstderr:\n{stderr}"
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: out.map(join).unwrap_or_default(),
        stderr: err.map(join).unwrap_or_default(),
    }
}

fn drain<R: Read + Send + 'static>(mut r: R) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

fn join(h: std::thread::JoinHandle<String>) -> String {
    h.join().unwrap_or_default()
}
