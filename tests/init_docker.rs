//! vanish-init issue 9 point 7: a real Docker engine runs vanish-init as it
//! ships (static musl, `FROM scratch` with busybox): TTL from the
//! environment, `docker stop` on an app that ignores SIGTERM, `docker run
//! --init` (vanish-init under docker-init, the subreaper path that ECS
//! `initProcessEnabled` creates), `docker kill -s`, the stop signal, and
//! idle expiry through a published port.
//!
//! Every container has a unique name (test + pid), runs `--network none` or
//! publishes on 127.0.0.1 only, and is removed by a guard even when the test
//! fails. Without an engine the tests print `SKIP` (and fail under CI=true).

use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use vanish_e2e::Output;
use vanish_e2e::docker::{available, docker};
use vanish_e2e::images::init_busybox_image;

const T: Duration = Duration::from_secs(60);
const LOOP: &str = "while :; do sleep 0.05; done";

fn image() -> String {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        init_busybox_image(&format!("vanish-test/init-docker:{}", std::process::id()))
    })
    .clone()
}

/// A container name, removed (with its container) when dropped.
struct Container(String);

impl Container {
    fn new(test: &str) -> Container {
        let c = Container(format!("vanish-init-{test}-{}", std::process::id()));
        let _ = docker(&["rm", "-f", &c.0], T);
        c
    }

    /// `docker run` in the foreground to completion.
    fn run(&self, opts: &[&str], argv: &[&str]) -> Output {
        let mut args = vec!["run", "--name", &self.0];
        args.extend(opts);
        args.push(Box::leak(image().into_boxed_str()));
        args.extend(argv);
        docker(&args, T)
    }

    /// `docker run -d`.
    fn start(&self, opts: &[&str], argv: &[&str]) {
        let mut args = vec!["run", "-d", "--name", &self.0];
        args.extend(opts);
        args.push(Box::leak(image().into_boxed_str()));
        args.extend(argv);
        let out = docker(&args, T);
        assert_eq!(out.code(), 0, "docker run -d: {out:?}");
    }

    fn logs(&self) -> String {
        let out = docker(&["logs", &self.0], T);
        format!("{}{}", out.stdout, out.stderr)
    }

    /// Waits (with a deadline) for a log line containing `needle`.
    fn expect_log(&self, needle: &str) {
        let start = Instant::now();
        loop {
            let logs = self.logs();
            if logs.contains(needle) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no {needle:?} in the logs of {} within 20s:\n{logs}",
                self.0
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `docker wait`: the exit code, with a deadline.
    fn wait(&self) -> i32 {
        let out = docker(&["wait", &self.0], T);
        assert_eq!(out.code(), 0, "docker wait: {out:?}");
        out.stdout.trim().parse().expect("exit code")
    }

    fn inspect(&self, format: &str) -> String {
        let out = docker(&["inspect", "-f", format, &self.0], T);
        assert_eq!(out.code(), 0, "docker inspect: {out:?}");
        out.stdout.trim().to_owned()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.0], T);
    }
}

#[test]
fn ttl_from_the_environment_ends_the_container_with_the_ttl_exit_code() {
    if !available("ttl_from_the_environment_ends_the_container_with_the_ttl_exit_code") {
        return;
    }
    let c = Container::new("ttl");
    let out = c.run(
        &[
            "--network",
            "none",
            "-e",
            "VANISH_TTL=1s",
            "-e",
            "VANISH_TTL_EXIT_CODE=9",
            "-e",
            "VANISH_GRACE=2s",
        ],
        &[
            "/vanish-init",
            "--",
            "/bin/sh",
            "-c",
            "echo up; exec sleep 30",
        ],
    );
    assert_eq!((out.code(), out.stdout.as_str()), (9, "up\n"), "{out:?}");
    assert!(
        out.stderr.contains("vanish-init: started pid=1 "),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("vanish-init: expired after 1s; sending SIGTERM to all, SIGKILL in 2s"),
        "{out:?}"
    );
}

#[test]
fn docker_stop_on_an_app_ignoring_sigterm_ends_at_the_grace() {
    if !available("docker_stop_on_an_app_ignoring_sigterm_ends_at_the_grace") {
        return;
    }
    let c = Container::new("stop");
    c.start(
        &["--network", "none", "-e", "VANISH_GRACE=1s"],
        &[
            "/vanish-init",
            "--",
            "/bin/sh",
            "-c",
            &format!("trap '' TERM; echo ready; {LOOP}"),
        ],
    );
    c.expect_log("ready");
    let sent = Instant::now();
    let out = docker(&["stop", "-t", "10", &c.0], T);
    let took = sent.elapsed();
    assert_eq!(out.code(), 0, "{out:?}");
    // Docker's own SIGKILL would come at 10 s; vanish-init's at 1 s.
    assert!(took < Duration::from_secs(6), "docker stop took {took:?}");
    assert!(
        took >= Duration::from_millis(900),
        "before the grace: {took:?}"
    );
    assert_eq!(c.inspect("{{.State.ExitCode}}"), "137");
    let logs = c.logs();
    assert!(
        logs.contains("vanish-init: got SIGTERM; forwarded to group ")
            && logs.contains("vanish-init: warning: grace of 1s over; sending SIGKILL to all"),
        "{logs}"
    );
}

#[test]
fn under_docker_init_it_is_a_subreaper_that_leaves_nothing_behind() {
    if !available("under_docker_init_it_is_a_subreaper_that_leaves_nothing_behind") {
        return;
    }
    let c = Container::new("dinit");
    // A daemon that ignores SIGTERM, double-forked away from the app: it is
    // reparented to vanish-init (subreaper), not to docker-init.
    let out = c.run(
        &["--init", "--network", "none"],
        &[
            "/vanish-init",
            "--ttl",
            "1s",
            "--grace",
            "1s",
            "--ttl-exit-code",
            "5",
            "--",
            "/bin/sh",
            "-c",
            "(setsid sh -c 'trap \"\" TERM; exec sleep 300' &); echo up; exec sleep 300",
        ],
    );
    assert_eq!((out.code(), out.stdout.as_str()), (5, "up\n"), "{out:?}");
    let first = out.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("vanish-init: started pid=")
            && !first.starts_with("vanish-init: started pid=1 "),
        "not PID 1 under --init: {out:?}"
    );
    assert!(
        out.stderr
            .contains("vanish-init: warning: grace of 1s over; sending SIGKILL to all"),
        "{out:?}"
    );
}

#[test]
fn docker_kill_signals_are_forwarded() {
    if !available("docker_kill_signals_are_forwarded") {
        return;
    }
    let sigs = ["QUIT", "ABRT", "USR1", "SEGV", "HUP"];
    let traps: String = sigs
        .iter()
        .map(|s| format!("trap 'echo got-{s}' {s}; "))
        .collect();
    for init in [false, true] {
        let c = Container::new(if init { "kill-init" } else { "kill" });
        let mut opts = vec!["--network", "none"];
        if init {
            opts.push("--init");
        }
        c.start(
            &opts,
            &[
                "/vanish-init",
                "--",
                "/bin/sh",
                "-c",
                &format!("{traps}trap 'exit 3' TERM; echo ready; {LOOP}"),
            ],
        );
        c.expect_log("ready");
        for sig in sigs {
            let out = docker(&["kill", "-s", sig, &c.0], T);
            assert_eq!(out.code(), 0, "docker kill -s {sig}: {out:?}");
            c.expect_log(&format!("got-{sig}"));
        }
        let out = docker(&["kill", "-s", "TERM", &c.0], T);
        assert_eq!(out.code(), 0, "{out:?}");
        assert_eq!(c.wait(), 3, "--init {init}: {}", c.logs());
    }
}

#[test]
fn stop_signal_is_what_docker_stop_delivers() {
    if !available("stop_signal_is_what_docker_stop_delivers") {
        return;
    }
    let c = Container::new("stopsig");
    c.start(
        &["--network", "none", "-e", "VANISH_STOP_SIGNAL=QUIT"],
        &[
            "/vanish-init",
            "--",
            "/bin/sh",
            "-c",
            &format!(
                "trap 'echo got-TERM' TERM; trap 'echo got-QUIT; exit 0' QUIT; echo ready; {LOOP}"
            ),
        ],
    );
    c.expect_log("ready");
    let out = docker(&["stop", &c.0], T);
    assert_eq!(out.code(), 0, "{out:?}");
    assert_eq!(c.inspect("{{.State.ExitCode}}"), "0");
    let logs = c.logs();
    let line = |want: &str| logs.lines().any(|l| l == want);
    assert!(line("got-QUIT") && !line("got-TERM"), "{logs}");
    assert!(
        logs.contains("vanish-init: got SIGTERM; forwarded as SIGQUIT to group "),
        "{logs}"
    );
}

#[test]
fn idle_expiry_through_a_published_port() {
    if !available("idle_expiry_through_a_published_port") {
        return;
    }
    let c = Container::new("idle");
    c.start(
        &[
            "-p",
            "127.0.0.1::8080",
            "-e",
            "VANISH_IDLE=2s",
            "-e",
            "VANISH_TTL_EXIT_CODE=5",
            "-e",
            "VANISH_GRACE=1s",
        ],
        &[
            "/vanish-init",
            "--",
            "/bin/httpd",
            "-f",
            "-p",
            "8080",
            "-h",
            "/",
        ],
    );
    c.expect_log("idle=2s");
    let port = docker(&["port", &c.0, "8080/tcp"], T);
    let addr = port
        .stdout
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "{port:?}");

    // Held for three idle periods: the app stays up.
    let conn = TcpStream::connect(&addr).expect("connect to the published port");
    let held = Instant::now();
    while held.elapsed() < Duration::from_secs(6) {
        assert_eq!(
            c.inspect("{{.State.Running}}"),
            "true",
            "expired with a connection held: {}",
            c.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(conn);
    let closed = Instant::now();
    let code = c.wait();
    let took = closed.elapsed();
    let logs = c.logs();
    assert_eq!(code, 5, "{logs}");
    assert!(
        logs.contains("vanish-init: idle: no connection for 2s; sending SIGTERM to all"),
        "{logs}"
    );
    // 2 s after the close, give or take one check (250 ms), plus docker.
    assert!(took >= Duration::from_millis(1700), "{took:?}: {logs}");
    assert!(took < Duration::from_secs(6), "{took:?}: {logs}");
}
