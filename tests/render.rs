//! `vanish render` end to end: the real binary on the examples (golden
//! files), on a file with five mistakes (exit 2, every mistake located, exact
//! stderr), and on missing files. Nothing here talks to AWS.

use std::path::Path;

use vanish_e2e::render::{NOW, check_golden, example_args, example_dirs, render_in, render_with};
use vanish_e2e::workspace_root;

#[test]
fn every_example_renders_to_its_golden_files() {
    let dirs = example_dirs();
    assert!(
        dirs.len() >= 3,
        "expected at least three examples, found {dirs:?}"
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let args = example_args(dir);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = render_in(dir, &args);
        assert_eq!(out.code(), 0, "{}: {}", dir.display(), out.stderr);
        assert!(
            out.stdout.starts_with('{'),
            "{}: stdout is not JSON",
            dir.display()
        );
        for (file, text) in [
            ("render.golden.json", &out.stdout),
            ("render.golden.stderr", &out.stderr),
        ] {
            if let Err(e) = check_golden(&dir.join(file), text) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn review_app_plan_is_stable_and_pipeable() {
    let dir = workspace_root().join("examples/review-app");
    let out = render_in(&dir, &[]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    // The per-launch deadline is in the RunTask overrides, never the task definition.
    let td_start = out
        .stdout
        .find("\"registerTaskDefinition\"")
        .expect("task definition");
    let rt_start = out.stdout.find("\"runTask\"").expect("run task");
    let td = &out.stdout[td_start..rt_start];
    assert!(!td.contains("VANISH_DEADLINE") && !td.contains(NOW));
    assert!(out.stdout[rt_start..].contains("\"VANISH_DEADLINE\""));
    assert!(out.stdout.contains("\"family\": \"vanish-mr-42\""));
    // Secrets are masked unless asked for.
    assert!(
        out.stdout
            .contains("\"name\": \"SECRET_KEY\",\n            \"value\": \"********\"")
    );
    let shown = render_in(&dir, &["--show-secrets"]);
    assert!(shown.stdout.contains("\"value\": \"not-a-secret\""));
    // YAML output carries the same plan.
    let yaml = render_in(&dir, &["--output", "yaml"]);
    assert_eq!(yaml.code(), 0, "{}", yaml.stderr);
    assert!(
        yaml.stdout.contains("family: vanish-mr-42"),
        "{}",
        yaml.stdout
    );
    // One request alone, as the aws CLI's --cli-input-json takes it.
    let td = render_in(&dir, &["--only", "task-definition"]);
    assert_eq!(td.code(), 0, "{}", td.stderr);
    assert!(
        td.stdout.starts_with("{\n  \"family\": \"vanish-mr-42\","),
        "{}",
        td.stdout
    );
    let rt = render_in(&dir, &["--only", "run-task"]);
    assert!(
        rt.stdout.starts_with("{\n  \"cluster\": \"default\","),
        "{}",
        rt.stdout
    );
}

#[test]
fn five_mistakes_are_all_reported_with_their_places() {
    let dir = workspace_root().join("tests/golden/render/five-mistakes");
    let out = render_in(&dir, &[]);
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "\
warning: 'build' in service 'web' is not supported on Fargate and is ignored
  --> docker-compose.yml:4:5
  hint: build and push the image in CI first, then reference it with 'image'
error: required variable 'DATABASE_PASSWORD' is not set: set it in the CI variables
  --> docker-compose.yml:6:26
  hint: set it in the CI variables or in .env beside the compose file
error: host port 8080 differs from container port 80 in '8080:80'; in awsvpc the host port must equal the container port in service 'web'
  --> docker-compose.yml:8:9
  hint: publish the port as 'N:N' (or just 'N') and reach it on that port
error: unknown key 'healtcheck' in service 'web'
  --> docker-compose.yml:9:5
  hint: did you mean 'healthcheck'?
error: service 'web' depends on 'dbb', which is not defined
  --> docker-compose.yml:12:9
  hint: did you mean 'db'?
error: cpu 256 with memory 4096 MiB is not a Fargate task size
  --> ecs-params.yml:5:16
  hint: with 256 CPU units Fargate accepts 512, 1024, 2048 MiB
"
    );
}

#[test]
fn strict_turns_warnings_into_errors() {
    let dir = workspace_root().join("examples/multi-file");
    let out = render_in(
        &dir,
        &[
            "-f",
            "docker-compose.yml",
            "-f",
            "docker-compose.review.yml",
            "--strict",
        ],
    );
    assert_eq!(out.code(), 2, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("warning: stop_grace_period"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("error: 'build' in service 'api' is not supported on Fargate"),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_files_exit_2() {
    let dir = workspace_root().join("examples/review-app");
    let out = render_in(&dir, &["-f", "nope.yml"]);
    assert_eq!(out.code(), 2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: cannot read nope.yml: No such file or directory (os error 2)\n  hint: check the path given with -f or --params\n"
    );
    let out = render_in(&dir, &["--params", "missing-params.yml"]);
    assert_eq!(out.code(), 2);
    assert!(
        out.stderr
            .starts_with("error: cannot read missing-params.yml: "),
        "{}",
        out.stderr
    );

    let empty = std::env::temp_dir().join(format!("vanish-render-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("temp dir");
    let out = render_in(&empty, &[]);
    assert_eq!(out.code(), 2);
    assert_eq!(
        out.stderr,
        format!(
            "error: no compose file in {}\n  hint: pass -f FILE, or run where compose.yaml or docker-compose.yml is\n",
            Path::new(&empty).display()
        )
    );
    let _ = std::fs::remove_dir(&empty);
}

#[test]
fn environment_wins_over_dot_env_and_names_come_from_ci() {
    let dir = workspace_root().join("examples/multi-file");
    let files = [
        "-f",
        "docker-compose.yml",
        "-f",
        "docker-compose.review.yml",
    ];
    let out = render_with(&dir, &files, &[("TAG", "sha-1234")]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "\"image\": \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/blog-api:sha-1234\""
        ),
        "{}",
        out.stdout
    );
    // GitHub: the PR number names the app; the actor asked for it.
    let github = [
        ("CI_MERGE_REQUEST_IID", ""),
        ("CI_COMMIT_REF_NAME", ""),
        ("GITLAB_USER_LOGIN", ""),
        ("GITHUB_REF", "refs/pull/7/merge"),
        ("GITHUB_HEAD_REF", "fix/typo"),
        ("GITHUB_ACTOR", "octo"),
    ];
    let out = render_with(&dir, &files, &github);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("\"family\": \"vanish-pr-7\""),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\"value\": \"octo\""), "{}", out.stdout);
    assert!(
        out.stdout.contains("\"value\": \"fix/typo\""),
        "{}",
        out.stdout
    );
    let out = render_with(
        &dir,
        &[&files[..], &["--name", "demo", "--ttl", "45m"]].concat(),
        &[],
    );
    assert!(
        out.stdout.contains("\"family\": \"vanish-demo\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("\"value\": \"2026-11-21T12:45:00Z\""),
        "{}",
        out.stdout
    );
}

/// A reader that stops early (`vanish render | head -1`) is not a failure:
/// no panic ("failed printing to stdout"), exit 0, and stderr exactly as
/// with a reader that reads everything. The pipe's read end is closed before
/// vanish starts, so every write meets EPIPE.
#[test]
fn a_closed_stdout_is_not_a_failure() {
    let dir = workspace_root().join("examples/review-app");
    for args in [vec!["render"], vec!["iam-policy"]] {
        let command = |stdout: std::process::Stdio| {
            let mut cmd = std::process::Command::new(vanish_e2e::bin("vanish"));
            cmd.current_dir(&dir)
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("VANISH_NOW", NOW)
                .env("AWS_REGION", "eu-west-1")
                .env("CI_MERGE_REQUEST_IID", "42")
                .env(
                    "VANISH_EXECUTION_ROLE_ARN",
                    "arn:aws:iam::123456789012:role/x",
                )
                .args(&args)
                .stdin(std::process::Stdio::null())
                .stdout(stdout)
                .stderr(std::process::Stdio::piped());
            cmd
        };
        let full = vanish_e2e::wait(
            command(std::process::Stdio::piped())
                .spawn()
                .expect("spawn vanish"),
            std::time::Duration::from_secs(30),
        );
        assert_eq!(full.code(), 0, "vanish {args:?}: {}", full.stderr);
        assert!(!full.stdout.is_empty(), "vanish {args:?} printed nothing");

        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let closed = vanish_e2e::wait(
            command(writer.into()).spawn().expect("spawn vanish"),
            std::time::Duration::from_secs(30),
        );
        assert_eq!(
            (closed.code(), closed.stderr.as_str()),
            (0, full.stderr.as_str()),
            "vanish {args:?} with a closed stdout"
        );
    }
}
