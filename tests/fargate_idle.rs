//! Idle expiry end to end on the local Fargate: `vanish up --idle` puts
//! `VANISH_IDLE` (and the public ports) in the task definition, vanish-init
//! in the container sees no connection to those ports for that long and ends
//! the app on the TTL's path, and ECS stops the task long before its TTL.

use std::time::Duration;

use serde_json::Value;
use vanish_e2e::docker::available;
use vanish_e2e::fargate::{Fargate, epoch_now, http_status};

#[test]
fn an_app_nobody_opens_ends_after_its_idle_time() {
    if !available("an_app_nobody_opens_ends_after_its_idle_time") {
        return;
    }
    let mut fargate = Fargate::start();
    let image = fargate.local_app_image("idle");
    let file = fargate.compose(
        "idle",
        &format!(
            "services:\n  web:\n    image: {image}\n    ports: [\"80:80\"]\n    mem_limit: 64m\n"
        ),
    );
    let up = fargate.run_vanish(&[
        "up",
        "-f",
        file.to_str().expect("utf-8"),
        "--name",
        "idle",
        "--idle",
        "8s",
        "--wait",
        "60s",
        "--output",
        "json",
    ]);
    assert_eq!(up.code(), 0, "{up:?}\n{}", fargate.log());
    let result: Value = serde_json::from_str(&up.stdout).expect("up --output json");
    let url = result["urls"][0].as_str().expect("a URL").to_string();
    let arn = result["task_arn"].as_str().expect("task arn").to_string();
    // One visit; after it, nobody connects again.
    assert_eq!(http_status(&url), Some(200), "{url}\n{}", fargate.log());
    let last_visit = epoch_now();

    let stopped: Value =
        serde_json::from_str(&fargate.wait_status(&arn, "STOPPED", Duration::from_secs(60)))
            .expect("describe json");
    let stopped_at = stopped["stoppedAt"].as_f64().expect("stoppedAt");
    // Idle 8 s after the last connection, ± one check (≤ 1 s at this idle
    // time), plus the stop and the harness's own poll.
    assert!(
        stopped_at >= last_visit + 7.0 && stopped_at <= last_visit + 8.0 + 6.0,
        "stopped at {stopped_at}, last visit {last_visit}, idle 8s\n{}",
        fargate.log()
    );
    assert_eq!(stopped["stopCode"], "EssentialContainerExited", "{stopped}");
    assert_eq!(stopped["containers"][0]["exitCode"], 0, "{stopped}");
    let logs = fargate.run_vanish(&["logs", "idle"]);
    assert!(
        format!("{}{}", logs.stdout, logs.stderr).contains("idle: no connection for 8s"),
        "vanish-init says why it ended the app: {logs:?}"
    );
}
