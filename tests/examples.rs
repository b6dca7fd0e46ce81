//! The files in examples/ that teams copy: linted, cross-checked against each
//! other, and run where this machine allows it (no Docker engine here, so the
//! Dockerfile is checked as text and its cargo recipe is run directly).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_yaml::Value;
use vanish_e2e::ship::{dockerfile_instructions, elf_is_static, skip, venv_tool};
use vanish_e2e::{run, workspace_root};

fn path(rel: &str) -> PathBuf {
    workspace_root().join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(rel: &str) -> Value {
    serde_yaml::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn s<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v:?}"))
}

// --- linters -------------------------------------------------------------------

#[test]
fn yaml_is_yamllint_clean() {
    let tool = venv_tool("yamllint").unwrap_or_else(|| {
        panic!(
            "{}/.venv/bin/yamllint is missing: python3 -m venv .venv && .venv/bin/pip install -r tests/requirements.txt",
            workspace_root().display()
        )
    });
    let out = run(
        Command::new(tool).current_dir(workspace_root()).args([
            "--strict",
            "--format",
            "parsable",
            "examples",
            ".yamllint",
        ]),
        Duration::from_secs(60),
    );
    assert_eq!(out.code(), 0, "yamllint:\n{}{}", out.stdout, out.stderr);
}

#[test]
fn github_workflow_passes_actionlint() {
    let Some(tool) = venv_tool("actionlint") else {
        skip(
            "github_workflow_passes_actionlint",
            "no .venv/bin/actionlint \
             (pip install -r tests/requirements.txt installs it)",
        );
        return;
    };
    // actionlint also runs shellcheck on every `run:` when it is on PATH.
    let venv_bin = tool.parent().expect("bin dir").to_path_buf();
    let path_var = std::env::join_paths(std::iter::once(venv_bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let out = run(
        Command::new(&tool)
            .current_dir(workspace_root())
            .env("PATH", path_var)
            .args(["-no-color", "examples/github/review-app.yml"]),
        Duration::from_secs(60),
    );
    assert_eq!(out.code(), 0, "actionlint:\n{}{}", out.stdout, out.stderr);
}

/// Every Terraform file parses as HCL2 (python-hcl2, installed by
/// tests/requirements.txt, so CI always runs it); where a `terraform` binary
/// is on PATH (a developer's machine: no package registry here carries it),
/// `terraform fmt -check` runs too.
#[test]
fn terraform_parses_and_is_formatted() {
    let Some(python) = venv_tool("python") else {
        skip(
            "terraform_parses_and_is_formatted",
            "no .venv/bin/python (scripts/setup.sh creates it)",
        );
        return;
    };
    let dir = path("examples/terraform");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/terraform")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .tf files in {}", dir.display());
    let out = run(
        Command::new(python)
            .args([
                "-c",
                "import sys, hcl2\nfor f in sys.argv[1:]:\n    hcl2.load(open(f))",
            ])
            .args(&files),
        Duration::from_secs(60),
    );
    assert_eq!(out.code(), 0, "HCL2 parse:\n{}{}", out.stdout, out.stderr);

    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("terraform"))
        .find(|p| p.is_file());
    if let Some(terraform) = found {
        let out = run(
            Command::new(terraform)
                .current_dir(&dir)
                .env("TF_CLI_CONFIG_FILE", "/dev/null")
                .args(["fmt", "-check", "-diff", "-no-color"]),
            Duration::from_secs(60),
        );
        assert_eq!(
            out.code(),
            0,
            "terraform fmt:\n{}{}",
            out.stdout,
            out.stderr
        );
    }
}

/// The account-wide Terraform keeps its doors narrow (issue 13), read from
/// the files as parsed HCL2, not grepped:
/// - ingress is a required CIDR list (no default), validated;
/// - the GitLab trust pins this project's branch pipelines (GitLab gives a
///   fork MR's token the fork's project_path, so forks never match) and the
///   GitHub trust one environment of one repository;
/// - StopTask needs vanish's tag on the task; RegisterTaskDefinition and
///   RunTask reach only vanish's families, and registration needs the tag.
#[test]
fn terraform_doors_are_narrow() {
    let Some(python) = venv_tool("python") else {
        skip(
            "terraform_doors_are_narrow",
            "no .venv/bin/python (scripts/setup.sh creates it)",
        );
        return;
    };
    // python-hcl2 keeps string quotes and block markers; strip both and
    // print the two files as plain JSON.
    let script = "import sys, json, hcl2\n\
        def uq(x):\n\
        \x20   if isinstance(x, str) and len(x) >= 2 and x[0] == x[-1] == '\"': return x[1:-1]\n\
        \x20   if isinstance(x, dict): return {uq(k): uq(v) for k, v in x.items() if not k.startswith('__')}\n\
        \x20   if isinstance(x, list): return [uq(i) for i in x]\n\
        \x20   return x\n\
        print(json.dumps({f: uq(hcl2.load(open(f))) for f in sys.argv[1:]}))";
    let dir = path("examples/terraform");
    let out = run(
        Command::new(python)
            .current_dir(&dir)
            .args(["-c", script, "variables.tf", "ci.tf"]),
        Duration::from_secs(60),
    );
    assert_eq!(out.code(), 0, "HCL2:\n{}{}", out.stdout, out.stderr);
    let tf: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");

    let variable = |name: &str| -> serde_json::Value {
        tf["variables.tf"]["variable"]
            .as_array()
            .expect("variables")
            .iter()
            .find_map(|v| v.get(name).cloned())
            .unwrap_or_else(|| panic!("variable {name} is missing"))
    };
    let cidrs = variable("allowed_cidrs");
    assert!(
        cidrs.get("default").is_none(),
        "allowed_cidrs must be required (no default): {cidrs}"
    );
    assert_eq!(
        cidrs["validation"].as_array().map(Vec::len),
        Some(2),
        "allowed_cidrs validates non-empty and IPv4 CIDRs: {cidrs}"
    );

    let data = tf["ci.tf"]["data"].as_array().expect("data blocks");
    let doc = |name: &str| -> serde_json::Value {
        data.iter()
            .find_map(|d| d["aws_iam_policy_document"].get(name).cloned())
            .unwrap_or_else(|| panic!("policy document {name} is missing"))
    };
    let trust = doc("ci_assume");
    let statements: Vec<&serde_json::Value> = trust["dynamic"]
        .as_array()
        .expect("dynamic statements")
        .iter()
        .map(|d| &d["statement"]["content"][0])
        .collect();
    let sub = |sid: &str| -> String {
        let s = statements
            .iter()
            .find(|s| s["sid"] == sid)
            .unwrap_or_else(|| panic!("trust statement {sid} is missing"));
        let c = s["condition"]
            .as_array()
            .expect("conditions")
            .iter()
            .find(|c| c["variable"].as_str().is_some_and(|v| v.ends_with(":sub")))
            .unwrap_or_else(|| panic!("{sid} has no sub condition"));
        c["values"].to_string()
    };
    assert!(
        sub("GitHubActions")
            .contains("repo:${var.github_repository}:environment:${var.github_environment}"),
        "GitHub: one repository's environment, got {}",
        sub("GitHubActions")
    );
    let gitlab = sub("GitLabCI");
    assert!(
        gitlab.contains("project_path:${var.gitlab_project_path}:ref_type:branch:ref:${b}")
            && gitlab.contains("var.gitlab_branches"),
        "GitLab: this project's branches from var.gitlab_branches, got {gitlab}"
    );

    let policy = doc("vanish");
    let stmt = |action: &str| -> serde_json::Value {
        policy["statement"]
            .as_array()
            .expect("statements")
            .iter()
            .find(|s| {
                s["actions"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == action))
            })
            .cloned()
            .unwrap_or_else(|| panic!("no statement allows {action}"))
    };
    let has_condition = |s: &serde_json::Value, test: &str, var: &str| {
        s["condition"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["test"] == test && c["variable"] == var && c["values"][0] == "false")
        })
    };
    let stop = stmt("ecs:StopTask");
    assert!(
        has_condition(&stop, "Null", "aws:ResourceTag/vanish:name"),
        "StopTask only on vanish-tagged tasks: {stop}"
    );
    for action in ["ecs:RegisterTaskDefinition", "ecs:RunTask"] {
        let s = stmt(action);
        let resources = s["resources"].as_array().expect("resources");
        assert!(
            !resources.is_empty()
                && resources.iter().all(|r| r
                    .as_str()
                    .is_some_and(|r| r.ends_with(":task-definition/vanish-*"))),
            "{action} only on vanish families: {s}"
        );
    }
    let register = stmt("ecs:RegisterTaskDefinition");
    assert!(
        has_condition(&register, "Null", "aws:RequestTag/vanish:name"),
        "RegisterTaskDefinition only with vanish's tag: {register}"
    );
}

// --- the review app: compose, params, Dockerfile --------------------------------

#[test]
fn compose_files_agree_with_each_other_and_the_dockerfile() {
    let compose = yaml("examples/review-app/docker-compose.yml");
    let over = yaml("examples/review-app/docker-compose.override.yml");
    let params = yaml("examples/review-app/ecs-params.yml");
    let services = compose["services"].as_mapping().expect("services");
    let names: BTreeSet<&str> = services.keys().map(|k| s(k, "service name")).collect();
    assert_eq!(names, BTreeSet::from(["proxy", "web"]));

    // On Fargate the proxy reaches the app on localhost; locally, by name.
    assert_eq!(
        compose["services"]["proxy"]["environment"]["UPSTREAM_HOST"],
        "127.0.0.1"
    );
    assert_eq!(
        over["services"]["proxy"]["environment"]["UPSTREAM_HOST"],
        "web"
    );

    // The override builds each service from this repository's Dockerfile,
    // with the repository root as context, and a stage of the same name.
    let dockerfile = read("examples/review-app/Dockerfile");
    let stages: BTreeSet<String> = dockerfile_instructions(&dockerfile)
        .into_iter()
        .filter(|(i, _)| i == "FROM")
        .filter_map(|(_, a)| a.split_whitespace().last().map(String::from))
        .collect();
    for name in &names {
        let build = &over["services"][*name]["build"];
        let context = path("examples/review-app").join(s(&build["context"], "context"));
        assert_eq!(
            context.canonicalize().expect("context exists"),
            workspace_root().canonicalize().expect("root"),
            "{name}: build context must be the repository root"
        );
        assert!(
            context
                .join(s(&build["dockerfile"], "dockerfile"))
                .is_file(),
            "{name}: dockerfile"
        );
        assert!(
            stages.contains(s(&build["target"], "target")),
            "{name}: no stage {:?}",
            build["target"]
        );
        assert_ne!(
            over["services"][*name]["logging"]["driver"], "awslogs",
            "{name}: awslogs needs AWS"
        );
    }

    // The web command serves the WSGI callable the app defines.
    let command: Vec<&str> = compose["services"]["web"]["command"]
        .as_sequence()
        .expect("exec-form command")
        .iter()
        .map(|v| s(v, "arg"))
        .collect();
    assert_eq!(command[0], "uwsgi");
    let module = command
        .iter()
        .position(|a| *a == "--module")
        .map(|i| command[i + 1]);
    assert_eq!(module, Some("app:application"));
    assert!(
        read("examples/review-app/app/app.py")
            .contains("\ndef application(environ, start_response):")
    );

    // ecs-params only configures services the compose file has.
    for svc in params["task_definition"]["services"]
        .as_mapping()
        .expect("params services")
        .keys()
    {
        assert!(
            names.contains(s(svc, "service")),
            "ecs-params names unknown service {svc:?}"
        );
    }
}

#[test]
fn dockerfile_builds_a_static_vanish_init_and_runs_everything_under_it() {
    let text = read("examples/review-app/Dockerfile");
    assert!(
        text.starts_with("# syntax=docker/dockerfile:1\n"),
        "BuildKit syntax line first"
    );
    let inst = dockerfile_instructions(&text);

    // Split into stages: FROM ... AS name → (name, image, instructions).
    type Stage = (String, String, Vec<(String, String)>);
    let mut stages: Vec<Stage> = Vec::new();
    for (i, a) in &inst {
        if i == "FROM" {
            let words: Vec<&str> = a.split_whitespace().collect();
            assert!(
                words.len() == 3 && words[1].eq_ignore_ascii_case("as"),
                "named stage: FROM {a}"
            );
            stages.push((words[2].to_string(), words[0].to_string(), Vec::new()));
        } else if let Some(last) = stages.last_mut() {
            last.2.push((i.clone(), a.clone()));
        }
    }
    let names: Vec<&str> = stages.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["vanish-init", "proxy", "web"],
        "the app image is the default (last) stage"
    );

    // The builder: Rust on Alpine, the workspace's toolchain, a musl target.
    let (_, image, body) = &stages[0];
    assert!(
        image.starts_with("rust:${RUST_VERSION}-alpine"),
        "builder image {image}"
    );
    let rust_version = read("Cargo.toml")
        .lines()
        .find_map(|l| {
            l.strip_prefix("rust-version = \"")
                .map(|v| v.trim_end_matches('"').to_string())
        })
        .expect("workspace rust-version");
    assert!(
        inst.contains(&("ARG".to_string(), format!("RUST_VERSION={rust_version}"))),
        "ARG RUST_VERSION matches the workspace's rust-version {rust_version}"
    );
    let build = body
        .iter()
        .find(|(i, a)| i == "RUN" && a.contains("cargo build"))
        .map(|(_, a)| a.clone())
        .expect("a RUN with cargo build");
    for needle in [
        "cargo build --release --locked -p vanish-init --target \"$target\"",
        "target=\"$(uname -m)-unknown-linux-musl\"",
        "cp \"target/$target/release/vanish-init\" /out/vanish-init",
    ] {
        assert!(
            build.contains(needle),
            "builder RUN lacks {needle:?}:\n{build}"
        );
    }
    assert!(
        body.contains(&("COPY".to_string(), ". .".to_string())),
        "the builder copies the workspace"
    );

    // Both images: vanish-init copied in and used as the exec-form entrypoint.
    for (name, _, body) in &stages[1..] {
        assert!(
            body.contains(&(
                "COPY".to_string(),
                "--from=vanish-init /out/vanish-init /usr/local/bin/vanish-init".to_string()
            )),
            "{name}: copies vanish-init"
        );
        let entry: Vec<&String> = body
            .iter()
            .filter(|(i, _)| i == "ENTRYPOINT")
            .map(|(_, a)| a)
            .collect();
        assert_eq!(
            entry,
            [r#"["/usr/local/bin/vanish-init", "--"]"#],
            "{name}: ENTRYPOINT"
        );
        let cmd = body
            .iter()
            .find(|(i, _)| i == "CMD")
            .map(|(_, a)| a.as_str())
            .expect("CMD");
        assert!(
            cmd.starts_with('[') && cmd.ends_with(']'),
            "{name}: exec-form CMD, got {cmd}"
        );
    }
    let web = &stages[2].2;
    assert!(
        web.iter()
            .any(|(i, a)| i == "ENV" && a.contains("UWSGI_DIE_ON_TERM=true")),
        "uWSGI must exit on SIGTERM, not reload"
    );

    // Build context = the repository root: every COPY source exists there.
    for (i, a) in &inst {
        if i != "COPY" || a.starts_with("--from") {
            continue;
        }
        let words: Vec<&str> = a
            .split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .collect();
        for src in &words[..words.len() - 1] {
            assert!(
                path(src).exists(),
                "COPY source {src} is not in the repository root"
            );
        }
    }
    let ignore = read("examples/review-app/Dockerfile.dockerignore");
    for must in ["target/", ".venv/", ".git/"] {
        assert!(
            ignore.lines().any(|l| l.trim() == must),
            "Dockerfile.dockerignore lacks {must}"
        );
    }
}

/// Runs the Dockerfile's own cargo command (the musl target, as the builder
/// stage would) and checks that the result is a static executable.
#[test]
fn dockerfile_recipe_gives_a_static_binary() {
    let triple = format!("{}-unknown-linux-musl", std::env::consts::ARCH);
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == triple)
        })
        .unwrap_or(false);
    if !installed {
        skip(
            "dockerfile_recipe_gives_a_static_binary",
            &format!("rustup target {triple} is not installed"),
        );
        return;
    }
    let text = read("examples/review-app/Dockerfile");
    let build = dockerfile_instructions(&text)
        .into_iter()
        .find(|(i, a)| i == "RUN" && a.contains("cargo build"))
        .map(|(_, a)| a)
        .expect("cargo build RUN");
    // The cargo invocation exactly as written, with the stage's $target.
    let start = build.find("cargo build").expect("cargo build");
    let end = build[start..]
        .find(" && ")
        .map_or(build.len(), |e| start + e);
    let cargo = build[start..end].replace("\"$target\"", &triple);
    let args: Vec<&str> = cargo.split_whitespace().skip(1).collect();
    let target_dir = workspace_root().join("target/dockerfile-recipe");
    let out = run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(workspace_root())
            .env("CARGO_TARGET_DIR", &target_dir)
            .args(&args),
        Duration::from_secs(900),
    );
    assert_eq!(out.code(), 0, "{cargo}:\n{}", out.stderr);
    let binary = target_dir.join(&triple).join("release/vanish-init");
    assert_eq!(
        elf_is_static(&binary),
        Ok(true),
        "{} must be static",
        binary.display()
    );
}

// --- the CI examples ------------------------------------------------------------

/// GitLab's deep merge of two job hashes (`extends:`, and a job that names a
/// job of an included file): `over` wins, hashes merge key by key.
fn merge(base: &Value, over: &Value) -> Value {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            let mut m = b.clone();
            for (k, v) in o {
                let merged = m.get(k).map_or_else(|| v.clone(), |old| merge(old, v));
                m.insert(k.clone(), merged);
            }
            Value::Mapping(m)
        }
        _ => over.clone(),
    }
}

/// The GitLab example as GitLab runs it: the jobs of the vanish component it
/// includes (templates/vanish/template.yml, `$[[ inputs.* ]]` from the
/// include or the spec's defaults, `extends:` resolved), merged with the
/// file's own keys.
fn gitlab_pipeline() -> Value {
    let ci = yaml("examples/gitlab/.gitlab-ci.yml");
    let include = &ci["include"][0];
    let component = s(&include["component"], "include: component");
    assert!(
        component.starts_with("$CI_SERVER_FQDN/") && component.contains("/vanish/vanish@"),
        "includes the vanish component: {component}"
    );
    let text = read("templates/vanish/template.yml");
    let (header, body) = text.split_once("\n---\n").expect("spec, ---, jobs");
    let spec: Value = serde_yaml::from_str(header).expect("spec");
    let mut body = body.to_string();
    for (name, input) in spec["spec"]["inputs"].as_mapping().expect("inputs") {
        let name = s(name, "input");
        let value = include["inputs"][name]
            .as_str()
            .or(input["default"].as_str())
            .unwrap_or_else(|| panic!("required input {name} not given"));
        body = body.replace(&format!("$[[ inputs.{name} ]]"), value);
    }
    assert!(!body.contains("$[["), "an undeclared input");
    let jobs: Value = serde_yaml::from_str(&body).expect("component jobs");
    let mut out = ci.clone();
    for (name, job) in jobs.as_mapping().expect("jobs") {
        let job = match job["extends"].as_str() {
            Some(base) => merge(&jobs[base], job),
            None => job.clone(),
        };
        let mine = &ci[s(name, "job")];
        let merged = if mine.is_null() {
            job
        } else {
            merge(&job, mine)
        };
        out.as_mapping_mut()
            .expect("mapping")
            .insert(name.clone(), merged);
    }
    out
}

#[test]
fn gitlab_review_job_publishes_the_url_and_stops_with_the_ttl() {
    let ci = gitlab_pipeline();
    let review = &ci["review"];
    let script: Vec<&str> = review["script"]
        .as_sequence()
        .expect("script")
        .iter()
        .map(|v| s(v, "line"))
        .collect();
    let up = script
        .iter()
        .find(|l| l.starts_with("vanish up"))
        .expect("review runs vanish up");
    let dotenv = up
        .split_whitespace()
        .skip_while(|w| *w != "--dotenv")
        .nth(1)
        .expect("--dotenv FILE");
    assert_eq!(review["artifacts"]["reports"]["dotenv"], dotenv);
    let env = &review["environment"];
    // Named by the MR's IID, as the app is (fork MRs share branch names).
    assert_eq!(env["name"], "review/mr-$CI_MERGE_REQUEST_IID");
    assert_eq!(
        review["variables"]["VANISH_NAME"],
        "mr-$CI_MERGE_REQUEST_IID"
    );
    assert_eq!(env["url"], "$VANISH_URL");
    assert_eq!(review["needs"][0], "build", "review waits for the images");

    // auto_stop_in is the TTL vanish-init enforces.
    let ttl = s(&review["variables"]["VANISH_TTL"], "VANISH_TTL");
    assert_eq!(
        gitlab_duration(s(&env["auto_stop_in"], "auto_stop_in")),
        humantime_secs(ttl)
    );

    let stop_name = s(&env["on_stop"], "on_stop");
    let stop = &ci[stop_name];
    assert_eq!(stop["environment"]["action"], "stop");
    assert_eq!(stop["environment"]["name"], env["name"]);
    assert!(
        stop["script"]
            .as_sequence()
            .expect("script")
            .iter()
            .any(|l| s(l, "line").starts_with("vanish down "))
    );

    let sweep = ci
        .as_mapping()
        .expect("jobs")
        .values()
        .find(|job| {
            job["script"]
                .as_sequence()
                .is_some_and(|sc| sc.iter().any(|l| l.as_str() == Some("vanish sweep")))
        })
        .expect("a job running vanish sweep");
    let rules = serde_yaml::to_string(&sweep["rules"]).expect("yaml");
    assert!(
        rules.contains(r#"$CI_PIPELINE_SOURCE == "schedule""#),
        "sweep runs on a schedule: {rules}"
    );
}

/// GitLab's `auto_stop_in` phrases we use: `N minutes|hours|days`.
fn gitlab_duration(text: &str) -> u64 {
    let (n, unit) = text.split_once(' ').expect("N unit");
    let n: u64 = n.parse().expect("number");
    n * match unit.trim_end_matches('s') {
        "minute" => 60,
        "hour" => 3600,
        "day" => 86400,
        other => panic!("unit {other}"),
    }
}

/// The humantime forms used in the examples: `90m`, `2h`, `1h30m`.
fn humantime_secs(text: &str) -> u64 {
    let mut total = 0;
    let mut num = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            let n: u64 = std::mem::take(&mut num).parse().expect("number");
            total += n * match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86400,
                other => panic!("unit {other}"),
            };
        }
    }
    assert!(num.is_empty(), "trailing number in {text}");
    total
}

#[test]
fn github_workflow_keeps_secrets_away_from_untrusted_code() {
    let text = read("examples/github/review-app.yml");
    let wf: Value = serde_yaml::from_str(&text).expect("yaml");
    assert!(
        text.starts_with("# Review apps"),
        "the trust model is explained at the top"
    );
    assert!(
        text.lines().take(40).any(|l| l.contains("Trust model")),
        "a trust-model comment"
    );
    let on = wf["on"].as_mapping().expect("on:");
    for trigger in ["pull_request", "pull_request_target", "schedule"] {
        assert!(on.contains_key(trigger), "trigger {trigger}");
    }
    let jobs = wf["jobs"].as_mapping().expect("jobs");
    let mut uses_aws = 0;
    for (name, job) in jobs {
        let name = s(name, "job name");
        let cond = job["if"].as_str().unwrap_or_default();
        let body = serde_yaml::to_string(job).expect("yaml");
        let assumes_role = body.contains("aws-actions/configure-aws-credentials");
        if cond.contains("github.event_name == 'pull_request'") {
            // The untrusted build: no secrets, no OIDC, nothing pushed.
            assert!(
                !body.contains("secrets.") && !body.contains("vars."),
                "{name} reads secrets"
            );
            assert!(
                !assumes_role && !body.contains("id-token"),
                "{name} gets AWS credentials"
            );
            assert!(!body.contains("docker push"), "{name} pushes");
        }
        if assumes_role {
            uses_aws += 1;
            assert_eq!(
                job["permissions"]["id-token"], "write",
                "{name}: OIDC needs id-token: write"
            );
            assert!(
                cond.contains("pull_request_target") || cond.contains("schedule"),
                "{name} assumes the role outside a trusted trigger: {cond}"
            );
            assert!(
                !body.contains("aws-access-key-id"),
                "{name}: OIDC, not stored keys"
            );
        }
        let checkout = job["steps"]
            .as_sequence()
            .into_iter()
            .flatten()
            .find(|step| {
                step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/checkout@"))
            });
        if let Some(step) = checkout {
            assert_eq!(
                step["with"]["persist-credentials"], false,
                "{name}: no token left in .git"
            );
            if cond.contains("pull_request_target") {
                // Exactly the labelled commit, and only after a maintainer's label.
                assert_eq!(
                    step["with"]["ref"], "${{ github.event.pull_request.head.sha }}",
                    "{name}"
                );
                assert!(
                    cond.contains("github.event.action == 'labeled'"),
                    "{name}: PR code only when labelled"
                );
            }
        }
    }
    assert_eq!(uses_aws, 3, "deploy, down and sweep assume the role");
    let all = serde_yaml::to_string(&wf["jobs"]).expect("yaml");
    for cmd in ["vanish up", "vanish down", "vanish sweep", "gh pr comment"] {
        assert!(all.contains(cmd), "the workflow runs {cmd}");
    }
}

// --- the Python app, run for real ------------------------------------------------

/// A child killed on drop, so a failed assertion never leaks a server.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(port: u16, target: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(stream, "GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").expect("send");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("read the response");
    let (head, body) = response.split_once("\r\n\r\n").expect("head and body");
    (
        head.lines().next().unwrap_or_default().to_string(),
        body.to_string(),
    )
}

/// Starts the app with wsgiref on a free loopback port; returns the server,
/// its port, and its remaining stderr lines (the reader ends when it exits).
fn start_app() -> (
    Server,
    u16,
    mpsc::Receiver<String>,
    std::thread::JoinHandle<()>,
) {
    let child = Command::new("python3")
        .current_dir(workspace_root())
        .args([
            "examples/review-app/app/app.py",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--server",
            "wsgiref",
        ])
        .env_remove("APP_SERVER")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut server = Server(child);
    let stderr = server.0.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });

    // Wait, with a deadline, for the one line that says where it listens.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    let port: u16 = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix("app: listening on http://127.0.0.1:") {
                    break url.parse().expect("port");
                }
                seen.push(line);
            }
            Err(e) => panic!("no 'listening' line within 20s ({e}); stderr so far: {seen:?}"),
        }
    };
    (server, port, rx, reader)
}

#[test]
fn python_app_serves_healthz_with_wsgiref_and_stops_on_sigterm() {
    let (mut server, port, rx, reader) = start_app();

    assert_eq!(
        http_get(port, "/healthz"),
        ("HTTP/1.0 200 OK".to_string(), "ok\n".to_string())
    );
    let (status, body) = http_get(port, "/");
    assert_eq!(status, "HTTP/1.0 200 OK");
    assert!(body.contains("<h1>Hello from a review app</h1>"), "{body}");
    assert_eq!(http_get(port, "/nope").0, "HTTP/1.0 404 Not Found");

    // SIGTERM (what vanish-init sends at expiry) ends it cleanly, exit 0.
    let pid = server.0.id().to_string();
    let kill = run(
        Command::new("kill").args(["-TERM", &pid]),
        Duration::from_secs(10),
    );
    assert_eq!(kill.code(), 0, "{kill:?}");
    let stop_deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.0.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            Instant::now() < stop_deadline,
            "the app did not stop within 10s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
    reader.join().expect("reader");
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(
        rest.iter()
            .any(|l| l == "app: SIGTERM received, shutting down"),
        "{rest:?}"
    );
    assert_eq!(
        rest.last().map(String::as_str),
        Some("app: stopped"),
        "{rest:?}"
    );
}

/// The web image's own server setup, run here: the compose file's uWSGI
/// command with the Dockerfile's `UWSGI_*` environment serves `/healthz` and
/// exits 0 on SIGTERM (uWSGI 2.0 without die-on-term does not).
#[test]
fn uwsgi_command_from_compose_serves_and_exits_0_on_sigterm() {
    let Some(uwsgi) = venv_tool("uwsgi") else {
        skip(
            "uwsgi_command_from_compose_serves_and_exits_0_on_sigterm",
            "no .venv/bin/uwsgi (pyuwsgi)",
        );
        return;
    };
    let pin = |rel: &str| {
        read(rel)
            .lines()
            .find(|l| l.starts_with("pyuwsgi=="))
            .map(String::from)
            .unwrap_or_else(|| panic!("{rel} pins pyuwsgi"))
    };
    assert_eq!(
        pin("tests/requirements.txt"),
        pin("examples/review-app/app/requirements.txt")
    );

    // The web stage's ENV, as the image sets it.
    let mut env = Vec::new();
    let mut in_web = false;
    for (i, a) in dockerfile_instructions(&read("examples/review-app/Dockerfile")) {
        if i == "FROM" {
            in_web = a.ends_with(" AS web");
        } else if in_web && i == "ENV" {
            for kv in a.split_whitespace() {
                let (k, v) = kv.split_once('=').expect("ENV k=v");
                env.push((k.to_string(), v.to_string()));
            }
        }
    }
    assert!(env.iter().any(|(k, _)| k == "UWSGI_DIE_ON_TERM"), "{env:?}");

    // The compose command, on a free loopback port instead of :8000.
    let compose = yaml("examples/review-app/docker-compose.yml");
    let mut argv: Vec<String> = compose["services"]["web"]["command"]
        .as_sequence()
        .expect("command")
        .iter()
        .map(|v| s(v, "arg").to_string())
        .collect();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let socket = argv
        .iter()
        .position(|a| a == ":8000")
        .expect("listens on :8000");
    argv[socket] = format!("127.0.0.1:{port}");
    let workers: usize = argv
        .iter()
        .position(|a| a == "--processes")
        .map_or(1, |i| argv[i + 1].parse().expect("--processes N"));
    // Test instrumentation only: each worker prints a line once it accepts.
    // A SIGTERM that reaches uWSGI while its workers are still starting can
    // be lost (vanish-init's SIGKILL after --grace covers that in the image),
    // so the test signals only a fully started server.
    argv.extend([
        "--hook-accepting-once".into(),
        "exec:echo vanish-test-accepting".into(),
    ]);
    let child = Command::new(uwsgi)
        .args(&argv[1..])
        .current_dir(path("examples/review-app/app"))
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("uwsgi");
    let mut server = Server(child);
    let stdout = server.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut accepting = 0;
    while accepting < workers {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => accepting += usize::from(line == "vanish-test-accepting"),
            Err(e) => panic!("{accepting} of {workers} uWSGI workers accepting after 20s ({e})"),
        }
    }
    let (status, body) = http_get(port, "/healthz");
    assert_eq!(
        (status.split_once(' ').map(|(_, s)| s), body.as_str()),
        (Some("200 OK"), "ok\n")
    );

    let pid = server.0.id().to_string();
    assert_eq!(
        run(
            Command::new("kill").args(["-TERM", &pid]),
            Duration::from_secs(10)
        )
        .code(),
        0
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.0.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "uWSGI still running 15s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// The proxy image's NGINX config, rendered as the image renders it (only
/// `${UPSTREAM_*}` substituted), in front of the real app: `nginx -t`
/// accepts it and a request through it reaches the app.
#[test]
fn nginx_template_proxies_to_the_app() {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let Some(nginx) = nginx else {
        skip(
            "nginx_template_proxies_to_the_app",
            "no nginx (apt-get install nginx-light)",
        );
        return;
    };
    let (_app, app_port, _rx, _reader) = start_app();
    let proxy_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();

    // Render: UPSTREAM_HOST as on Fargate; the fixed ports moved to free ones.
    let template = read("examples/review-app/proxy/default.conf.template");
    let mut conf = template.clone();
    for (from, to) in [
        ("${UPSTREAM_HOST}:8000;", format!("127.0.0.1:{app_port};")),
        (
            "listen 80 default_server;",
            format!("listen 127.0.0.1:{proxy_port} default_server;"),
        ),
    ] {
        assert_eq!(
            template.matches(from).count(),
            1,
            "template has exactly one {from:?}"
        );
        conf = conf.replace(from, &to);
    }
    assert!(
        !conf.contains("${"),
        "only ${{UPSTREAM_*}} is substituted in the image:\n{conf}"
    );

    let dir = workspace_root().join(format!("target/nginx-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let d = dir.display();
    std::fs::write(dir.join("default.conf"), conf).expect("write");
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
             fastcgi_temp_path {d}/fcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
             include {d}/default.conf;\n}}\n"
        ),
    )
    .expect("write");
    let conf_path = dir.join("nginx.conf");
    let check = run(
        Command::new(&nginx)
            .arg("-t")
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&conf_path),
        Duration::from_secs(20),
    );
    assert_eq!(check.code(), 0, "nginx -t:\n{}", check.stderr);

    let child = Command::new(&nginx)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx");
    let mut proxy = Server(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", proxy_port)).is_err() {
        assert!(Instant::now() < deadline, "nginx not listening within 20s");
        assert!(
            proxy.0.try_wait().expect("try_wait").is_none(),
            "nginx exited early"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let through = http_get(proxy_port, "/healthz");
    let own = http_get(proxy_port, "/nginx-healthz");
    drop(proxy);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        through,
        ("HTTP/1.1 200 OK".to_string(), "ok\n".to_string()),
        "proxied to the app"
    );
    assert_eq!(
        own,
        ("HTTP/1.1 200 OK".to_string(), "ok\n".to_string()),
        "the proxy's own health"
    );
}

#[test]
fn examples_tree_has_what_the_readme_promises() {
    for rel in [
        "examples/review-app/app/app.py",
        "examples/review-app/app/requirements.txt",
        "examples/review-app/proxy/default.conf.template",
        "examples/review-app/Dockerfile",
        "examples/review-app/docker-compose.yml",
        "examples/review-app/docker-compose.override.yml",
        "examples/review-app/ecs-params.yml",
        "examples/gitlab/.gitlab-ci.yml",
        "examples/github/review-app.yml",
        "examples/terraform/main.tf",
        "examples/terraform/ci.tf",
    ] {
        assert!(Path::new(&path(rel)).is_file(), "{rel} is missing");
    }
    let template = read("examples/review-app/proxy/default.conf.template");
    assert!(
        template.contains("server ${UPSTREAM_HOST}:8000;"),
        "the proxy's upstream comes from UPSTREAM_HOST"
    );
}
