//! `vanish run` on the local Fargate: a one-off container really runs the
//! command from RunTask's override, its output streams back, and vanish exits
//! with the container's own exit code; a migration, then the app.

use vanish_e2e::docker::available;
use vanish_e2e::fargate::{Fargate, http_status};

fn compose(fargate: &mut Fargate, name: &str) -> String {
    let image = fargate.local_app_image(name);
    let path = fargate.compose(
        name,
        &format!(
            r#"services:
  web:
    image: {image}
    ports: ["80:80"]
    mem_limit: 64m
"#
        ),
    );
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn one_off_exit_code_is_vanishs_exit_code() {
    if !available("one_off_exit_code_is_vanishs_exit_code") {
        return;
    }
    let mut fargate = Fargate::start();
    let file = compose(&mut fargate, "oneoff");
    let run = fargate.run_vanish(&[
        "run",
        "-f",
        &file,
        "--name",
        "oneoff",
        "web",
        "--",
        "/bin/sh",
        "-c",
        "echo checking the schema; exit 3",
    ]);
    assert_eq!(run.code(), 3, "{run:?}\n{}", fargate.log());
    assert!(
        run.stdout.contains("checking the schema") || run.stderr.contains("checking the schema"),
        "the container's output streams back: {run:?}"
    );
}

#[test]
fn migration_runs_to_completion_then_the_app_answers() {
    if !available("migration_runs_to_completion_then_the_app_answers") {
        return;
    }
    let mut fargate = Fargate::start();
    let file = compose(&mut fargate, "migrate");
    let run = fargate.run_vanish(&[
        "run",
        "-f",
        &file,
        "--name",
        "mr-7",
        "-e",
        "STEPS=3",
        "web",
        "--",
        "/bin/sh",
        "-c",
        "echo \"applying $STEPS migrations\"; echo migrated",
    ]);
    assert_eq!(run.code(), 0, "{run:?}\n{}", fargate.log());
    let out = format!("{}{}", run.stdout, run.stderr);
    assert!(
        out.contains("applying 3 migrations") && out.contains("migrated"),
        "the migration's output, with RunTask's environment override: {run:?}"
    );

    let up = fargate.run_vanish(&[
        "up", "-f", &file, "--name", "mr-7", "--wait", "30s", "--output", "json",
    ]);
    assert_eq!(up.code(), 0, "{up:?}\n{}", fargate.log());
    let result: serde_json::Value = serde_json::from_str(&up.stdout).expect("json");
    let url = result["urls"][0].as_str().expect("url");
    assert_eq!(http_status(url), Some(200), "{url}");
    // The one-off task is gone; only the app is listed.
    let ls = fargate.run_vanish(&["ls", "--output", "json"]);
    assert_eq!(ls.code(), 0, "{ls:?}");
    let apps: serde_json::Value = serde_json::from_str(&ls.stdout).expect("json");
    let names: Vec<&str> = apps
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["mr-7"], "{ls:?}");
}
