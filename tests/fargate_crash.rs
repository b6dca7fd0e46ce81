//! A crashing app on the local Fargate: the container really exits 1, its
//! output really reaches CloudWatch Logs (awslogs stream names), and `vanish
//! up` explains the stop with those lines (exit 1).

use vanish_e2e::docker::available;
use vanish_e2e::fargate::Fargate;

#[test]
fn crash_gives_up_the_containers_last_log_lines() {
    if !available("crash_gives_up_the_containers_last_log_lines") {
        return;
    }
    let mut fargate = Fargate::start();
    let image = fargate.local_app_image("crash");
    let compose = fargate.compose(
        "crash",
        &format!(
            r#"services:
  web:
    image: {image}
    command: ["/bin/sh", "-c", "echo booting; sleep 0.3; echo 'fatal: DATABASE_URL is not set' >&2; exit 1"]
    ports: ["80:80"]
    mem_limit: 64m
"#
        ),
    );
    let up = fargate.run_vanish(&[
        "up",
        "-f",
        compose.to_str().expect("utf-8"),
        "--name",
        "crash",
        "--wait",
        "30s",
        "--health-path",
        "/",
    ]);
    assert_eq!(up.code(), 1, "{up:?}\n{}", fargate.log());
    assert_eq!(up.stdout, "", "no URL for a crashed app");
    // The stop explanation, then the real output of the container (vanish-init's
    // own lines around the app's).
    let tail: Vec<&str> = up
        .stderr
        .lines()
        .skip_while(|l| !l.starts_with("error: task "))
        .collect();
    assert!(
        tail.len() > 5 && tail[0].ends_with("stopped before it was up"),
        "{up:?}"
    );
    assert_eq!(
        &tail[1..5],
        &[
            "  stopCode: EssentialContainerExited",
            "  stoppedReason: Essential container in task exited",
            "  container web: exitCode 1",
            "  last 4 log lines of web (exitCode 1):",
        ],
        "{up:?}"
    );
    // vanish-init's start line and the app's first line race (two processes
    // writing to two pipes). Docker reads stdout and stderr apart too, so the
    // app's stdout line and its stderr line are only ordered because the app
    // writes them 0.3 s apart (CloudWatch keeps milliseconds).
    let mut lines: Vec<&str> = tail[5..].iter().map(|l| l.trim_start()).collect();
    assert_eq!(lines.len(), 4, "{up:?}");
    let started = lines
        .iter()
        .position(|l| l.starts_with("| vanish-init: started pid=1 "))
        .unwrap_or_else(|| panic!("vanish-init's start line: {up:?}"));
    lines.remove(started);
    assert_eq!(
        lines,
        [
            "| booting",
            "| fatal: DATABASE_URL is not set",
            "| vanish-init: child exited with code 1"
        ],
        "{up:?}"
    );
}
