//! The backstop on the local Fargate: an image built without vanish-init
//! outlives its expiry (nothing inside ends it), and `vanish sweep` stops it.
//! Its PID 1 (busybox httpd) ignores SIGTERM, so the task's stopTimeout
//! (compose `stop_grace_period`) ends in SIGKILL, as on Fargate.

use std::time::{Duration, Instant};

use serde_json::Value;
use vanish_e2e::docker::available;
use vanish_e2e::fargate::{Fargate, epoch_now, http_status};

#[test]
fn sweep_stops_an_expired_task_without_vanish_init() {
    if !available("sweep_stops_an_expired_task_without_vanish_init") {
        return;
    }
    let mut fargate = Fargate::start();
    let image = fargate.image_from_base(
        "noinit",
        "RUN mkdir /www && echo no vanish-init here > /www/index.html\nCMD [\"httpd\", \"-f\", \"-p\", \"80\", \"-h\", \"/www\"]",
    );
    let file = fargate.compose(
        "noinit",
        &format!(
            "services:\n  web:\n    image: {image}\n    ports: [\"80:80\"]\n    mem_limit: 64m\n    stop_grace_period: 2s\n"
        ),
    );
    let up = fargate.run_vanish(&[
        "up",
        "-f",
        file.to_str().expect("utf-8"),
        "--name",
        "noinit",
        "--ttl",
        "2s",
        "--wait",
        "30s",
        "--output",
        "json",
    ]);
    assert_eq!(up.code(), 0, "{up:?}\n{}", fargate.log());
    let v: Value = serde_json::from_str(&up.stdout).expect("json");
    let (arn, url) = (
        v["task_arn"].as_str().expect("arn"),
        v["urls"][0].as_str().expect("url"),
    );
    let expires = v["expires_at"].as_str().expect("expires_at").to_string();

    // Past its expiry, nothing ended it: it still answers.
    let start = Instant::now();
    let (alive, sweep) = loop {
        let alive = http_status(url);
        let s = fargate.run_vanish(&["sweep", "--slack", "1s"]);
        assert_eq!(s.code(), 0, "{s:?}");
        if !s.stdout.is_empty() {
            break (alive, s);
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "sweep never found the task expired at {expires}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(alive, Some(200), "still answering 1 s past {expires}");
    assert!(sweep.stdout.starts_with("stopped noinit "), "{sweep:?}");
    let swept_at = epoch_now();

    let d: Value =
        serde_json::from_str(&fargate.wait_status(arn, "STOPPED", Duration::from_secs(30)))
            .expect("json");
    assert_eq!(d["stopCode"], "UserInitiated", "{d}");
    assert_eq!(
        d["stoppedReason"],
        format!("expired at {expires} (vanish sweep)").as_str(),
        "{d}"
    );
    assert_eq!(
        d["containers"][0]["exitCode"], 137,
        "SIGTERM ignored by PID 1, SIGKILL after stopTimeout: {d}"
    );
    let stopped_after = d["stoppedAt"].as_f64().expect("stoppedAt") - swept_at;
    assert!(
        (1.5..10.0).contains(&stopped_after),
        "the 2 s stopTimeout ran before SIGKILL: {stopped_after}s\n{}",
        fargate.log()
    );
    assert_eq!(http_status(url), None);
}
