//! A moto server per test: started on 127.0.0.1 on a free port, answered
//! within a deadline, killed on drop; in front of it the strict proxy
//! (`strict_proxy.py`), which checks every request against botocore's service
//! models and the ECS rules moto does not enforce; plus the fixture helper
//! (`moto_fixture.py`) that plays AWS's part where moto lacks it, and a
//! `vanish` command pointed at the proxy with dummy credentials.
//!
//! Invariants: a missing moto is a failure naming `scripts/test.sh`, never a
//! skip; nothing reads the real ~/.aws; every wait has a deadline; vanish
//! talks only to the proxy (`endpoint`), and a test whose requests broke a
//! rule fails when its `Moto` is dropped (the proxy answered those requests
//! 400 `VanishStrictViolation` and recorded them in `violations`). The fixture
//! plays AWS's part and talks to moto directly (`moto_endpoint`).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Output, bin, run, workspace_root};

/// A running moto server, killed on drop.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    proxy: Child,
    /// The strict proxy's URL: what vanish is pointed at.
    pub endpoint: String,
    /// moto's own URL (the fixture's; no checks).
    pub moto_endpoint: String,
    /// JSON lines, one per rule a request broke (see `strict_proxy.py`).
    pub violations: PathBuf,
    pub dir: PathBuf,
}

fn moto_server() -> PathBuf {
    let path = std::env::var_os("VANISH_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/moto_server"));
    assert!(
        path.is_file(),
        "moto_server not found at {}: run scripts/test.sh (it installs tests/requirements.txt into .venv), or set VANISH_MOTO_SERVER",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn await_port(port: u16, what: &str, child: &mut Child) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited ({status}) before it answered on port {port}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what} did not answer on port {port} within 60s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts the strict proxy (`strict_proxy.py`) in front of `upstream`,
/// logging to `dir/proxy.log`; returns it, its URL and the file where it
/// records the rules that requests broke (one JSON line each).
pub fn strict_proxy(upstream: &str, dir: &Path) -> (Child, String, PathBuf) {
    let violations = dir.join("violations.jsonl");
    let port = free_port();
    let log = std::fs::File::create(dir.join("proxy.log")).expect("proxy log");
    let mut proxy = Command::new(python())
        .arg(workspace_root().join("tests/support/strict_proxy.py"))
        .arg(upstream)
        .arg(port.to_string())
        .arg(&violations)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("starting the strict proxy: {e}"));
    await_port(port, "the strict proxy", &mut proxy);
    (proxy, format!("http://127.0.0.1:{port}"), violations)
}

/// The rules recorded in a strict proxy's violations file (empty: none).
pub fn read_violations(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Fails the test (unless it is failing already) when the strict proxy
/// recorded violations.
pub fn assert_no_violations(violations: &[String]) {
    if !violations.is_empty() && !std::thread::panicking() {
        panic!(
            "the strict AWS layer rejected {} request(s) that moto would have accepted:\n{}",
            violations.len(),
            violations.join("\n")
        );
    }
}

impl Moto {
    /// Starts moto and the strict proxy in front of it, creates the default
    /// cluster and holds tasks RUNNING.
    pub fn start() -> Moto {
        let server = moto_server();
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("vanish-moto-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let log = std::fs::File::create(dir.join("moto.log")).expect("moto log");
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", server.display()));
        let mut child = child;
        await_port(port, "moto", &mut child);
        let moto_endpoint = format!("http://127.0.0.1:{port}");
        let (proxy, endpoint, violations) = strict_proxy(&moto_endpoint, &dir);
        let moto = Moto {
            child,
            proxy,
            endpoint,
            moto_endpoint,
            violations,
            dir,
        };
        // Empty AWS config files: isolate from ~/.aws without warnings.
        std::fs::write(moto.dir.join("config"), "").expect("config");
        std::fs::write(moto.dir.join("credentials"), "").expect("credentials");
        moto.fixture(&["setup"]);
        moto
    }

    /// The rules the requests so far broke, one line each (empty: none).
    pub fn violations(&self) -> Vec<String> {
        read_violations(&self.violations)
    }

    /// Forgets the violations so far: for a test that sends a bad request on
    /// purpose and has asserted what the proxy recorded.
    pub fn clear_violations(&self) {
        std::fs::write(&self.violations, "").expect("clearing violations");
    }

    /// Runs the fixture helper; panics on failure; returns its stdout.
    pub fn fixture(&self, args: &[&str]) -> String {
        let script = workspace_root().join("tests/support/moto_fixture.py");
        let out = run(
            Command::new(python())
                .arg(&script)
                .arg(&self.moto_endpoint)
                .args(args),
            Duration::from_secs(120),
        );
        assert_eq!(
            out.code(),
            0,
            "fixture {args:?} failed: {out:?}\nstrict AWS layer violations so far: {:#?}",
            self.violations()
        );
        out.stdout
    }

    /// `vanish` pointed at this server, isolated from the real AWS config.
    pub fn vanish(&self) -> Command {
        vanish_at(&self.endpoint, &self.dir)
    }

    /// Runs `vanish ARGS` to completion (deadline 60 s).
    pub fn run_vanish(&self, args: &[&str]) -> Output {
        run(self.vanish().args(args), Duration::from_secs(60))
    }

    /// Writes a Plan for the app `name` (one public `web` service on port
    /// 80, default network) and returns its path.
    pub fn plan(&self, name: &str, image: &str, expires_at: &str) -> PathBuf {
        let path = self.dir.join(format!("plan-{name}.json"));
        write_plan(&path, name, image, expires_at);
        path
    }
}

/// `vanish` with only PATH, dummy credentials, us-east-1 and NO_COLOR,
/// pointed at `endpoint`, with the empty AWS config files in `dir` (isolated
/// from the real ~/.aws and instance metadata).
pub fn vanish_at(endpoint: &str, dir: &Path) -> Command {
    let mut c = Command::new(bin("vanish"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1");
    c
}

/// The venv's python (beside moto_server).
pub fn python() -> PathBuf {
    moto_server().parent().expect("bin dir").join("python")
}

/// A Plan as `vanish render` would print it.
pub fn write_plan(path: &Path, name: &str, image: &str, expires_at: &str) {
    let json = format!(
        r#"{{
  "vanish": {{"name": "{name}", "ttlSeconds": 7200, "graceSeconds": 10, "expiresAt": "{expires_at}",
    "cluster": "default", "capacity": "fargate", "public": [{{"service": "web", "port": 80}}],
    "logGroup": "/vanish/{name}", "region": "us-east-1"}},
  "registerTaskDefinition": {{"family": "vanish-{name}", "networkMode": "awsvpc",
    "containerDefinitions": [{{"name": "web", "image": "{image}", "essential": true, "memory": 512,
       "portMappings": [{{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}}],
       "environment": [{{"name": "VANISH_GRACE", "value": "10s"}}, {{"name": "VANISH_TTL", "value": "2h"}}]}}],
    "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512"}},
  "runTask": {{"cluster": "default", "taskDefinition": "vanish-{name}", "launchType": "FARGATE",
    "networkConfiguration": {{"awsvpcConfiguration": {{"subnets": [], "securityGroups": [], "assignPublicIp": "ENABLED"}}}},
    "overrides": {{"containerOverrides": [{{"name": "web", "environment": [{{"name": "VANISH_DEADLINE", "value": "{expires_at}"}}]}}]}},
    "enableExecuteCommand": false, "startedBy": "vanish",
    "tags": [{{"key": "vanish:expires-at", "value": "{expires_at}"}}, {{"key": "vanish:name", "value": "{name}"}},
             {{"key": "vanish:requested-by", "value": "alice"}}, {{"key": "vanish:ttl", "value": "2h"}}]}}
}}"#
    );
    std::fs::write(path, json).expect("writing plan");
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.proxy.kill();
        let _ = self.proxy.wait();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let violations = self.violations();
        let _ = std::fs::remove_dir_all(&self.dir);
        assert_no_violations(&violations);
    }
}
