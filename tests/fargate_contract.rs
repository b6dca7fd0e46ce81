//! The contract between vanish and vanish-init, end to end on the local
//! Fargate: the container expires at the `VANISH_DEADLINE` that RunTask set
//! (the TTL in the task definition is 2 h, so nothing else can end it), within
//! the grace, and ECS stops the task: EssentialContainerExited, exit code 0.

use std::time::Duration;

use serde_json::Value;
use vanish_e2e::docker::available;
use vanish_e2e::fargate::{Fargate, epoch_now, http_status, rfc3339};
use vanish_e2e::moto::write_plan;

#[test]
fn container_expires_at_the_deadline_runtask_set() {
    if !available("container_expires_at_the_deadline_runtask_set") {
        return;
    }
    let mut fargate = Fargate::start();
    let image = fargate.local_app_image("contract");
    // The plan's container has VANISH_TTL=2h and VANISH_GRACE=10s; RunTask's
    // override sets VANISH_DEADLINE, 12 s from now.
    let deadline = epoch_now().ceil() as i64 + 12;
    let plan = fargate.dir.join("plan.json");
    write_plan(&plan, "contract", &image, &rfc3339(deadline));

    let up = fargate.run_vanish(&[
        "up",
        "--plan",
        plan.to_str().expect("utf-8"),
        "--wait",
        "30s",
        "--output",
        "json",
    ]);
    assert_eq!(up.code(), 0, "{up:?}\n{}", fargate.log());
    let result: Value = serde_json::from_str(&up.stdout).expect("up --output json");
    let url = result["urls"][0].as_str().expect("a URL").to_string();
    let arn = result["task_arn"].as_str().expect("task arn").to_string();
    assert!(url.starts_with("http://127."), "{url}");
    assert_eq!(
        http_status(&url),
        Some(200),
        "{url} answers from the container"
    );
    assert!(
        epoch_now() < deadline as f64,
        "the app answered before its deadline"
    );

    let stopped: Value =
        serde_json::from_str(&fargate.wait_status(&arn, "STOPPED", Duration::from_secs(60)))
            .expect("describe json");
    let stopped_at = stopped["stoppedAt"].as_f64().expect("stoppedAt");
    let grace = 10.0;
    assert!(
        stopped_at >= deadline as f64 && stopped_at <= deadline as f64 + grace + 3.0,
        "stopped at {stopped_at}, deadline {deadline} + grace {grace}s\n{}",
        fargate.log()
    );
    assert_eq!(stopped["stopCode"], "EssentialContainerExited", "{stopped}");
    assert_eq!(
        stopped["stoppedReason"], "Essential container in task exited",
        "{stopped}"
    );
    assert_eq!(stopped["containers"][0]["exitCode"], 0, "{stopped}");
    assert_eq!(
        http_status(&url),
        None,
        "nothing answers once the task is gone"
    );
    let ls = fargate.run_vanish(&["ls"]);
    assert_eq!((ls.code(), ls.stdout.as_str()), (0, ""), "{ls:?}");
}
