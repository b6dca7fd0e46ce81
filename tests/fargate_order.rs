//! Migrate-then-serve on the local Fargate: `depends_on` with
//! `condition: service_completed_successfully` renders the migration as a
//! non-essential container that the app waits on (SUCCESS), so the migration
//! runs to completion, its exit does not end the task, and then the app
//! answers. (Before the ECS rules, vanish rendered the migration essential:
//! its exit 0 stopped the whole task and the app never started.)

use std::time::Duration;

use serde_json::Value;
use vanish_e2e::docker::available;
use vanish_e2e::fargate::{Fargate, http_status};

#[test]
fn the_app_starts_after_its_migration_completes() {
    if !available("the_app_starts_after_its_migration_completes") {
        return;
    }
    let mut fargate = Fargate::start();
    let image = fargate.local_app_image("order");
    let file = fargate.compose(
        "order",
        &format!(
            r#"services:
  migrate:
    image: {image}
    command: ["/bin/sh", "-c", "echo migrating; sleep 1; echo migrated"]
    mem_limit: 32m
  web:
    image: {image}
    ports: ["80:80"]
    mem_limit: 64m
    depends_on:
      migrate:
        condition: service_completed_successfully
"#
        ),
    );
    let file = file.to_str().expect("utf-8");

    let render = fargate.run_vanish(&["render", "-f", file, "--name", "order"]);
    assert_eq!(render.code(), 0, "{render:?}");
    let plan: Value = serde_json::from_str(&render.stdout).expect("render json");
    let defs = &plan["registerTaskDefinition"]["containerDefinitions"];
    let def = |name: &str| {
        defs.as_array()
            .and_then(|a| a.iter().find(|c| c["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no container {name}: {defs}"))
    };
    assert_eq!(def("migrate")["essential"], false, "{defs}");
    assert_eq!(def("web")["essential"], true, "{defs}");
    assert_eq!(
        def("web")["dependsOn"],
        serde_json::json!([{"containerName": "migrate", "condition": "SUCCESS"}]),
        "{defs}"
    );

    let up = fargate.run_vanish(&[
        "up", "-f", file, "--name", "order", "--wait", "60s", "--output", "json",
    ]);
    assert_eq!(up.code(), 0, "{up:?}\n{}", fargate.log());
    let result: Value = serde_json::from_str(&up.stdout).expect("up --output json");
    let url = result["urls"][0].as_str().expect("a URL").to_string();
    let arn = result["task_arn"].as_str().expect("task arn").to_string();
    assert_eq!(http_status(&url), Some(200), "{url}\n{}", fargate.log());

    let task: Value =
        serde_json::from_str(&fargate.wait_status(&arn, "RUNNING", Duration::from_secs(30)))
            .expect("describe json");
    let containers = task["containers"].as_array().expect("containers");
    let migrate = containers
        .iter()
        .find(|c| c["name"] == "migrate")
        .expect("migrate container");
    assert_eq!(migrate["exitCode"], 0, "the migration completed: {task}");
    assert_eq!(
        task["lastStatus"], "RUNNING",
        "its exit did not end the task: {task}"
    );

    let down = fargate.run_vanish(&["down", "order", "--wait"]);
    assert!(down.status.success(), "{down:?}");
}
