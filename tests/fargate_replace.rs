//! Replacing a review app on the local Fargate: the old task is stopped only
//! after the new one answers. The evidence is outside vanish: the new
//! container's own access-log line (CloudWatch Logs) is older than the old
//! task's stoppingAt, and the old container really got SIGTERM. `vanish down`
//! stops the new one the same way.

use std::time::Duration;

use serde_json::Value;
use vanish_e2e::docker::available;
use vanish_e2e::fargate::{Fargate, http_status};

fn up(fargate: &Fargate, file: &str) -> (String, String) {
    let up = fargate.run_vanish(&[
        "up",
        "-f",
        file,
        "--name",
        "rep",
        "--wait",
        "30s",
        "--health-path",
        "/",
        "--output",
        "json",
    ]);
    assert_eq!(up.code(), 0, "{up:?}\n{}", fargate.log());
    let v: Value = serde_json::from_str(&up.stdout).expect("json");
    (
        v["task_arn"].as_str().expect("arn").to_string(),
        v["urls"][0].as_str().expect("url").to_string(),
    )
}

#[test]
fn old_task_stops_only_after_the_new_one_answers() {
    if !available("old_task_stops_only_after_the_new_one_answers") {
        return;
    }
    let mut fargate = Fargate::start();
    let image = fargate.local_app_image("replace");
    let file = fargate.compose(
        "replace",
        &format!(
            "services:\n  web:\n    image: {image}\n    ports: [\"80:80\"]\n    mem_limit: 64m\n"
        ),
    );
    let file = file.to_str().expect("utf-8");
    let (old_arn, old_url) = up(&fargate, file);
    assert_eq!(http_status(&old_url), Some(200));

    let (new_arn, new_url) = up(&fargate, file);
    assert_ne!(old_arn, new_arn);
    assert_ne!(old_url, new_url, "each task has its own address");
    let new_id = new_arn.rsplit('/').next().expect("task id");

    let old: Value =
        serde_json::from_str(&fargate.wait_status(&old_arn, "STOPPED", Duration::from_secs(60)))
            .expect("json");
    assert_eq!(old["stopCode"], "UserInitiated", "{old}");
    assert_eq!(
        old["stoppedReason"],
        format!("replaced by {new_id}").as_str(),
        "{old}"
    );
    // vanish-init forwarded ECS's SIGTERM; httpd died of it: 128 + 15.
    assert_eq!(old["containers"][0]["exitCode"], 143, "{old}");
    assert_eq!(
        http_status(&new_url),
        Some(200),
        "the new one keeps answering"
    );
    assert_eq!(http_status(&old_url), None, "the old one is gone");

    let events: Value =
        serde_json::from_str(&fargate.log_events("/vanish/rep", &format!("rep/web/{new_id}")))
            .expect("json");
    let answered_ms = events
        .as_array()
        .expect("array")
        .iter()
        .find(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("response:200"))
        })
        .and_then(|e| e["timestamp"].as_i64())
        .unwrap_or_else(|| panic!("the new container logged no answer: {events}"));
    let stopping_ms = (old["stoppingAt"].as_f64().expect("stoppingAt") * 1000.0) as i64;
    assert!(
        answered_ms <= stopping_ms,
        "the new task answered at {answered_ms} ms, the old one was told to stop at {stopping_ms} ms"
    );

    // `vanish down` is StopTask too: the new task's container gets SIGTERM.
    let down = fargate.run_vanish(&["down", "rep", "--wait", "--timeout", "60s"]);
    assert_eq!(
        (down.code(), down.stdout.as_str()),
        (0, format!("stopped rep  {new_arn}\n").as_str()),
        "{down:?}"
    );
    let gone: Value = serde_json::from_str(&fargate.describe(&new_arn)).expect("json");
    assert_eq!(gone["lastStatus"], "STOPPED", "down --wait waited: {gone}");
    assert_eq!(gone["stoppedReason"], "stopped by vanish down", "{gone}");
    assert_eq!(gone["containers"][0]["exitCode"], 143, "{gone}");
    assert_eq!(http_status(&new_url), None);
}
