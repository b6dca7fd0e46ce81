//! The local Fargate itself, driven through the ECS API (boto3) without
//! vanish: what it claims to model (docs/local-fargate.md) is what the
//! containers really do. dependsOn SUCCESS/HEALTHY/START, healthCheck,
//! essential, the RunTask overrides, user, workingDirectory,
//! readonlyRootFilesystem, ulimits, stopTimeout, stop order, awslogs streams.

use std::time::Duration;

use serde_json::{Value, json};
use vanish_e2e::docker::available;
use vanish_e2e::fargate::Fargate;

fn awslogs(family: &str) -> Value {
    json!({"logDriver": "awslogs", "options": {"awslogs-group": format!("/local/{family}"),
        "awslogs-region": "us-east-1", "awslogs-stream-prefix": family,
        "awslogs-create-group": "true"}})
}

fn sh(script: &str) -> Value {
    json!(["/bin/sh", "-c", script])
}

/// The messages of one container's stream, with their timestamps (ms).
fn events(fargate: &Fargate, family: &str, container: &str, arn: &str) -> Vec<(i64, String)> {
    let id = arn.rsplit('/').next().expect("task id");
    let v: Value = serde_json::from_str(&fargate.log_events(
        &format!("/local/{family}"),
        &format!("{family}/{container}/{id}"),
    ))
    .expect("json");
    v.as_array()
        .expect("array")
        .iter()
        .map(|e| {
            (
                e["timestamp"].as_i64().expect("timestamp"),
                e["message"].as_str().expect("message").to_string(),
            )
        })
        .collect()
}

fn container<'a>(task: &'a Value, name: &str) -> &'a Value {
    task["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}: {task}"))
}

#[test]
fn dependencies_health_and_container_settings() {
    if !available("dependencies_health_and_container_settings") {
        return;
    }
    let fargate = Fargate::start();
    let image = fargate.base_image();
    let family = "deps";
    let containers = json!([
        {"name": "migrate", "image": image, "essential": false, "memory": 64,
         "command": sh("echo migrating; exit 0"), "logConfiguration": awslogs(family)},
        {"name": "db", "image": image, "essential": false, "memory": 64, "stopTimeout": 2,
         // PID 1 without a TERM handler ignores SIGTERM: only SIGKILL ends it.
         "command": sh("mkdir -p /tmp; sleep 1; touch /tmp/ready; echo db ready; exec sleep 1000"),
         "healthCheck": {"command": ["CMD-SHELL", "test -f /tmp/ready"], "interval": 5,
                         "timeout": 2, "retries": 3, "startPeriod": 0},
         "logConfiguration": awslogs(family)},
        {"name": "web", "image": image, "essential": true, "memory": 64,
         "dependsOn": [{"containerName": "migrate", "condition": "SUCCESS"},
                       {"containerName": "db", "condition": "HEALTHY"}],
         "command": sh("echo \"greeting=$GREETING uid=$(id -u) pwd=$(pwd) nofile=$(ulimit -n)\"; \
                        touch /x 2>/dev/null && echo writable || echo read-only; exit 7"),
         "environment": [{"name": "GREETING", "value": "from the task definition"}],
         "user": "1000", "workingDirectory": "/bin", "readonlyRootFilesystem": true,
         "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 2048}],
         "logConfiguration": awslogs(family)}
    ]);
    let overrides = json!({"containerOverrides": [
        {"name": "web", "environment": [{"name": "GREETING", "value": "overridden"}]}]});
    let arn = fargate.run_task(family, &containers.to_string(), &overrides.to_string());
    let task: Value =
        serde_json::from_str(&fargate.wait_status(&arn, "STOPPED", Duration::from_secs(60)))
            .expect("json");

    assert_eq!(task["stopCode"], "EssentialContainerExited", "{task}");
    assert_eq!(
        task["stoppedReason"], "Essential container in task exited",
        "{task}"
    );
    assert_eq!(container(&task, "migrate")["exitCode"], 0, "{task}");
    assert_eq!(container(&task, "web")["exitCode"], 7, "{task}");
    assert_eq!(
        container(&task, "db")["exitCode"],
        137,
        "db ignored SIGTERM; SIGKILL after its stopTimeout: {task}"
    );
    assert_eq!(container(&task, "db")["healthStatus"], "HEALTHY", "{task}");

    let web = events(&fargate, family, "web", &arn);
    let texts: Vec<&str> = web.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(
        texts,
        [
            "greeting=overridden uid=1000 pwd=/bin nofile=1024",
            "read-only"
        ],
        "{}",
        fargate.log()
    );
    let migrated = events(&fargate, family, "migrate", &arn);
    let db = events(&fargate, family, "db", &arn);
    assert_eq!(migrated.last().map(|e| e.1.as_str()), Some("migrating"));
    assert_eq!(db.last().map(|e| e.1.as_str()), Some("db ready"));
    assert!(
        migrated[0].0 <= web[0].0 && db[0].0 <= web[0].0,
        "web started after migrate succeeded and db was healthy: {migrated:?} {db:?} {web:?}"
    );
}

#[test]
fn failed_success_dependency_stops_the_task_before_it_runs() {
    if !available("failed_success_dependency_stops_the_task_before_it_runs") {
        return;
    }
    let fargate = Fargate::start();
    let image = fargate.base_image();
    let containers = json!([
        {"name": "migrate", "image": image, "essential": false, "memory": 64,
         "command": sh("echo migration failed; exit 1")},
        {"name": "web", "image": image, "memory": 64,
         "dependsOn": [{"containerName": "migrate", "condition": "SUCCESS"}],
         "command": sh("echo never")}
    ]);
    let arn = fargate.run_task("failing", &containers.to_string(), "{}");
    let task: Value =
        serde_json::from_str(&fargate.wait_status(&arn, "STOPPED", Duration::from_secs(60)))
            .expect("json");
    assert_eq!(task["stopCode"], "TaskFailedToStart", "{task}");
    assert_eq!(
        task["stoppedReason"],
        "dependency migrate of container web exited with code 1; condition SUCCESS cannot be met",
        "{task}"
    );
    assert_eq!(container(&task, "migrate")["exitCode"], 1, "{task}");
    assert!(
        container(&task, "web").get("exitCode").is_none(),
        "web never ran: {task}"
    );
    assert!(task.get("startedAt").is_none(), "never RUNNING: {task}");
    // StopTask on a stopped task changes nothing.
    fargate.py(
        r#"ecs.stop_task(cluster="default", task=args[0], reason="again")"#,
        &[&arn],
    );
    let again: Value = serde_json::from_str(&fargate.describe(&arn)).expect("json");
    assert_eq!(again["stoppedReason"], task["stoppedReason"], "{again}");
    assert_eq!(again["stopCode"], "TaskFailedToStart", "{again}");
}

#[test]
fn stop_task_stops_dependents_first_with_sigterm() {
    if !available("stop_task_stops_dependents_first_with_sigterm") {
        return;
    }
    let fargate = Fargate::start();
    let image = fargate.base_image();
    let family = "order";
    let trap = |name: &str| {
        sh(&format!(
            "trap 'echo {name} got SIGTERM; exit 0' TERM; echo {name} up; \
             while true; do sleep 0.1; done"
        ))
    };
    let containers = json!([
        {"name": "db", "image": image, "memory": 64, "command": trap("db"),
         "logConfiguration": awslogs(family)},
        {"name": "web", "image": image, "memory": 64, "command": trap("web"),
         "dependsOn": [{"containerName": "db", "condition": "START"}],
         "logConfiguration": awslogs(family)}
    ]);
    let arn = fargate.run_task(family, &containers.to_string(), "{}");
    fargate.wait_status(&arn, "RUNNING", Duration::from_secs(60));
    fargate.py(
        r#"ecs.stop_task(cluster="default", task=args[0], reason="done with it")"#,
        &[&arn],
    );
    let task: Value =
        serde_json::from_str(&fargate.wait_status(&arn, "STOPPED", Duration::from_secs(60)))
            .expect("json");
    assert_eq!(task["stopCode"], "UserInitiated", "{task}");
    assert_eq!(task["stoppedReason"], "done with it", "{task}");
    assert_eq!(container(&task, "db")["exitCode"], 0, "{task}");
    assert_eq!(container(&task, "web")["exitCode"], 0, "{task}");
    let web = events(&fargate, family, "web", &arn);
    let db = events(&fargate, family, "db", &arn);
    let (web_term, db_term) = (web.last().expect("web lines"), db.last().expect("db lines"));
    assert_eq!(web_term.1, "web got SIGTERM");
    assert_eq!(db_term.1, "db got SIGTERM");
    assert!(
        web_term.0 <= db_term.0,
        "web (depends on db) stopped first: {web:?} {db:?}"
    );
}
