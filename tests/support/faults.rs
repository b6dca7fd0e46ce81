//! The fault proxy (`fault_proxy.py`) for end-to-end tests: started on
//! 127.0.0.1 in front of an upstream (normally `moto.endpoint`), its rules
//! changeable while it runs, its request log readable, killed on drop.
//!
//! Invariants: the proxy is ready (listening) when `start` returns, or the
//! test fails within 30 s; rules are JSON exactly as `fault_proxy.py`
//! documents; operations are named as IAM actions (`ecs:RunTask`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::workspace_root;

/// A running fault proxy, killed on drop.
#[derive(Debug)]
pub struct FaultProxy {
    child: Child,
    /// Point `AWS_ENDPOINT_URL` here.
    pub endpoint: String,
    rules: PathBuf,
    log: PathBuf,
}

fn python() -> PathBuf {
    let venv = workspace_root().join(".venv/bin/python");
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

impl FaultProxy {
    /// Starts the proxy in front of `upstream` with `rules` (a JSON list).
    pub fn start(upstream: &str, rules: &str) -> FaultProxy {
        let dir = std::env::temp_dir().join(format!(
            "vanish-faults-{}-{}",
            std::process::id(),
            upstream.rsplit(':').next().unwrap_or("0")
        ));
        std::fs::create_dir_all(&dir).expect("fault proxy dir");
        let rules_path = dir.join("rules.json");
        let log = dir.join("requests.log");
        std::fs::write(&rules_path, rules).expect("rules");
        std::fs::write(&log, "").expect("log");
        let mut child = Command::new(python())
            .arg(workspace_root().join("tests/support/fault_proxy.py"))
            .arg(upstream)
            .arg(&rules_path)
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting fault_proxy.py");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("fault proxy did not start within 30 s");
            }
        };
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("fault proxy said {line:?}"))
            .to_string();
        FaultProxy {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            rules: rules_path,
            log,
        }
    }

    /// Replaces the rules (the proxy re-reads them on every request).
    pub fn set_rules(&self, rules: &str) {
        let tmp = self.rules.with_extension("tmp");
        std::fs::write(&tmp, rules).expect("rules");
        std::fs::rename(&tmp, &self.rules).expect("rules");
    }

    /// Every request so far: (operation, action) in arrival order.
    pub fn requests(&self) -> Vec<(String, String)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                Some((w.next()?.to_string(), w.next()?.to_string()))
            })
            .collect()
    }

    /// How many requests of operation `op` (e.g. `ecs:StopTask`) arrived.
    pub fn count(&self, op: &str) -> usize {
        self.requests().iter().filter(|(o, _)| o == op).count()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = self.log.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
