//! The local Fargate for the end-to-end tests: `fargate.py` (moto in process,
//! the tasks moto accepts run as real containers on the Docker engine) started
//! per test, plus the images it runs, built from local files, and a `vanish`
//! command pointed at it. docs/local-fargate.md says what it models.
//!
//! Invariants:
//! - Callers check [`crate::docker::available`] first (a visible SKIP outside
//!   CI, a failure under `CI=true`); a missing `.venv` is a failure naming
//!   `scripts/setup.sh`, never a skip.
//! - On drop the harness gets SIGTERM (it removes its containers), then
//!   SIGKILL after a deadline; then every container carrying its label and
//!   every image tag built here is removed, even when the test failed.
//! - `vanish` talks only to [`Fargate::endpoint`], the strict AWS layer
//!   (`moto::strict_proxy`) in front of the harness: a test whose vanish
//!   requests broke a rule fails on drop, as with `Moto`. The test's own
//!   queries go to [`Fargate::harness_endpoint`], unchecked.
//! - Every wait has a deadline.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::docker::docker;
use crate::images::init_busybox_image;
use crate::{Output, run, workspace_root};

/// The `x-vanish` block that gives a test spec its task execution role.
pub const EXECUTION_ROLE: &str =
    "x-vanish:\n  task_execution_role: arn:aws:iam::123456789012:role/vanish-task-execution\n";

/// A running local Fargate, stopped and cleaned up on drop.
#[derive(Debug)]
pub struct Fargate {
    child: Child,
    /// The strict AWS layer in front of the harness (`moto::strict_proxy`).
    proxy: Option<Child>,
    violations: PathBuf,
    /// The AWS endpoint vanish talks to: the strict proxy in front of the
    /// harness's moto, `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The harness's own moto, unchecked: for the test's own queries.
    pub harness_endpoint: String,
    /// Scratch directory: the harness log, empty AWS config files.
    pub dir: PathBuf,
    /// The label value and name prefix of every container it starts.
    pub id: String,
    images: Vec<String>,
}

fn python() -> PathBuf {
    let path = std::env::var_os("VANISH_MOTO_SERVER")
        .map(|p| PathBuf::from(p).with_file_name("python"))
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    assert!(
        path.is_file(),
        "{} not found: run scripts/setup.sh (it makes .venv with moto), or set VANISH_MOTO_SERVER",
        path.display()
    );
    path
}

/// RFC 3339 (UTC, seconds) of a Unix time, as vanish writes expiries.
pub fn rfc3339(epoch: i64) -> String {
    let (days, secs) = (epoch.div_euclid(86_400), epoch.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Seconds since the Unix epoch, now.
pub fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs_f64()
}

impl Fargate {
    /// Builds the pause image and starts the harness; panics (with its log)
    /// if it does not answer within 60 s.
    pub fn start() -> Fargate {
        // Unique per instance: `cargo test` runs a file's tests as threads of one process.
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let id = format!("vanish-fargate-{}-{n}", std::process::id());
        let pause = init_busybox_image(&format!("{id}/base:local"));
        let dir = crate::init::temp_dir("fargate");
        std::fs::write(dir.join("config"), "").expect("config");
        std::fs::write(dir.join("credentials"), "").expect("credentials");
        let log = std::fs::File::create(dir.join("fargate.log")).expect("harness log");
        let mut child = Command::new(python())
            .arg(workspace_root().join("tests/support/fargate.py"))
            .args(["--pause-image", &pause, "--id", &id])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting fargate.py: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let violations = dir.join("violations.jsonl");
        let mut fargate = Fargate {
            child,
            proxy: None,
            violations,
            endpoint: String::new(),
            harness_endpoint: String::new(),
            dir,
            id,
            images: vec![pause],
        };
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        match line.trim().strip_prefix("ready ") {
            Some(endpoint) => {
                let (proxy, url, violations) = crate::moto::strict_proxy(endpoint, &fargate.dir);
                fargate.proxy = Some(proxy);
                fargate.endpoint = url;
                fargate.violations = violations;
                fargate.harness_endpoint = endpoint.to_string();
            }
            None => panic!(
                "fargate.py did not get ready within 60s (said {line:?}); its log:\n{}",
                fargate.log()
            ),
        }
        fargate
    }

    /// What the harness logged so far (task states, container exits).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("fargate.log")).unwrap_or_default()
    }

    /// The image every task's network namespace runs in: FROM scratch, the
    /// static `/vanish-init` and busybox under /bin, no entrypoint.
    pub fn base_image(&self) -> &str {
        &self.images[0]
    }

    /// Registers `containers` (a JSON array of container definitions) as the
    /// family FAMILY and runs it once (awsvpc, public IP); returns the task ARN.
    /// `overrides` is RunTask's `overrides` (JSON).
    pub fn run_task(&self, family: &str, containers: &str, overrides: &str) -> String {
        self.py(
            r#"family, containers, overrides = args[0], json.loads(args[1]), json.loads(args[2])
ecs.register_task_definition(family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                             cpu="256", memory="512", containerDefinitions=containers)
vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                           {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
t = ecs.run_task(cluster="default", taskDefinition=family, launchType="FARGATE", overrides=overrides,
                 networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg],
                                                               "assignPublicIp": "ENABLED"}})
print(t["tasks"][0]["taskArn"], end="")"#,
            &[family, containers, overrides],
        )
    }

    /// Builds `examples/local` (busybox httpd under vanish-init) as
    /// `<id>/<name>:latest`, removed on drop; returns the tag.
    pub fn local_app_image(&mut self, name: &str) -> String {
        let tag = format!("{}/{name}:latest", self.id);
        let base = format!("BASE={}", self.images[0]);
        let ctx = workspace_root().join("examples/local");
        let out = docker(
            &[
                "build",
                "-q",
                "--build-arg",
                &base,
                "-t",
                &tag,
                ctx.to_str().expect("utf-8 path"),
            ],
            Duration::from_secs(120),
        );
        assert!(out.status.success(), "docker build {tag}: {out:?}");
        self.images.push(tag.clone());
        tag
    }

    /// Builds `<id>/<name>:latest` from a Dockerfile body that follows
    /// `FROM <the vanish-init + busybox base>`; removed on drop.
    pub fn image_from_base(&mut self, name: &str, dockerfile_rest: &str) -> String {
        let tag = format!("{}/{name}:latest", self.id);
        let ctx = crate::init::temp_dir("fargate-image");
        std::fs::write(
            ctx.join("Dockerfile"),
            format!("FROM {}\n{dockerfile_rest}\n", self.images[0]),
        )
        .expect("Dockerfile");
        let out = docker(
            &["build", "-q", "-t", &tag, ctx.to_str().expect("utf-8 path")],
            Duration::from_secs(120),
        );
        let _ = std::fs::remove_dir_all(&ctx);
        assert!(out.status.success(), "docker build {tag}: {out:?}");
        self.images.push(tag.clone());
        tag
    }

    /// `vanish` pointed at this harness (through the strict proxy), isolated
    /// from the real AWS config.
    pub fn vanish(&self) -> Command {
        crate::moto::vanish_at(&self.endpoint, &self.dir)
    }

    /// Runs `vanish ARGS` to completion (deadline 90 s).
    pub fn run_vanish(&self, args: &[&str]) -> Output {
        run(self.vanish().args(args), Duration::from_secs(90))
    }

    /// Runs a Python snippet with boto3 clients `ecs`, `ec2` and `logs`
    /// pointed at this harness and the extra arguments in `args`; returns its
    /// stdout (the test fails if the snippet does).
    pub fn py(&self, body: &str, args: &[&str]) -> String {
        let script = format!(
            r#"import json, sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
ecs, ec2, logs = (boto3.client(s, **kw) for s in ("ecs", "ec2", "logs"))
args = sys.argv[2:]
{body}"#
        );
        let out = run(
            Command::new(python())
                .arg("-c")
                .arg(&script)
                .arg(&self.harness_endpoint)
                .args(args)
                .env("AWS_CONFIG_FILE", self.dir.join("config"))
                .env("AWS_SHARED_CREDENTIALS_FILE", self.dir.join("credentials")),
            Duration::from_secs(60),
        );
        assert_eq!(out.code(), 0, "python {body}: {out:?}");
        out.stdout
    }

    /// DescribeTasks of one task, as JSON; timestamps are Unix seconds.
    pub fn describe(&self, task_arn: &str) -> String {
        self.status_and_task(task_arn).1
    }

    /// The task's lastStatus, and DescribeTasks of it as JSON.
    fn status_and_task(&self, task_arn: &str) -> (String, String) {
        let out = self.py(
            r#"t = ecs.describe_tasks(cluster="default", tasks=[args[0]])["tasks"][0]
print(t["lastStatus"])
print(json.dumps(t, default=lambda d: d.timestamp()))"#,
            &[task_arn],
        );
        let (status, task) = out.split_once('\n').unwrap_or((&out, ""));
        (status.to_string(), task.to_string())
    }

    /// The CloudWatch Logs events of one stream, as a JSON array.
    pub fn log_events(&self, group: &str, stream: &str) -> String {
        self.py(
            r#"print(json.dumps(logs.get_log_events(logGroupName=args[0], logStreamName=args[1],
                                     startFromHead=True)["events"]))"#,
            &[group, stream],
        )
    }

    /// Waits until the task's lastStatus is `status`; returns its description.
    pub fn wait_status(&self, task_arn: &str, status: &str, deadline: Duration) -> String {
        let start = Instant::now();
        loop {
            let (now, d) = self.status_and_task(task_arn);
            if now == status {
                return d;
            }
            assert!(
                start.elapsed() < deadline,
                "task {task_arn} not {status} within {deadline:?}: {d}\nharness log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Writes `docker-compose.yml` with BODY into a fresh directory; returns its
    /// path. A BODY without an `x-vanish` block gets one naming a task
    /// execution role, which real Fargate needs for awslogs (vanish refuses a
    /// spec without it), as every team's spec has.
    pub fn compose(&self, name: &str, body: &str) -> PathBuf {
        let d = self.dir.join(name);
        std::fs::create_dir_all(&d).expect("compose dir");
        let path = d.join("docker-compose.yml");
        let text = if body.contains("x-vanish:") {
            body.to_string()
        } else {
            format!("{EXECUTION_ROLE}{body}")
        };
        std::fs::write(&path, text).expect("compose file");
        path
    }
}

/// The status code of `GET url` (HTTP/1.0, 2 s timeouts), or None when
/// nothing answers.
pub fn http_status(url: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let addr: std::net::SocketAddr = host.parse().ok()?;
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").ok()?;
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.split_whitespace().nth(1)?.parse().ok()
}

fn cleanup(id: &str, images: &[String]) {
    let filter = format!("label=vanish.fargate={id}");
    let ps = docker(&["ps", "-aq", "--filter", &filter], Duration::from_secs(60));
    let ids: Vec<&str> = ps.stdout.split_whitespace().collect();
    if !ids.is_empty() {
        let mut args = vec!["rm", "-f"];
        args.extend(ids);
        let _ = docker(&args, Duration::from_secs(120));
    }
    let mut args = vec!["rmi", "-f"];
    args.extend(images.iter().map(String::as_str));
    let _ = docker(&args, Duration::from_secs(120));
}

impl Drop for Fargate {
    fn drop(&mut self) {
        if let Some(proxy) = &mut self.proxy {
            let _ = proxy.kill();
            let _ = proxy.wait();
        }
        let violations = crate::moto::read_violations(&self.violations);
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        cleanup(&self.id, &self.images);
        let failed = std::thread::panicking() || !violations.is_empty();
        if !failed && std::env::var_os("VANISH_KEEP_FARGATE_LOG").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            eprintln!("local Fargate log kept in {}", self.dir.display());
        }
        crate::moto::assert_no_violations(&violations);
    }
}
