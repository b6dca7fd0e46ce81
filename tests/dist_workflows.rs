//! The install-side files teams use or CI runs, linted and checked for what
//! they promise: .github/workflows/*.yml (actionlint, with shellcheck),
//! action.yml (its bash steps through shellcheck), the GitLab component
//! templates/vanish/template.yml, scripts/dist.sh and scripts/install.sh
//! (shellcheck), all YAML through yamllint; every action pinned by a full
//! commit SHA.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_yaml::Value;
use vanish_e2e::init::temp_dir;
use vanish_e2e::ship::venv_tool;
use vanish_e2e::{run, workspace_root};

fn read(rel: &str) -> String {
    std::fs::read_to_string(workspace_root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(rel: &str) -> Value {
    serde_yaml::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A tool from .venv (tests/requirements.txt), or a failure naming the fix.
fn tool(name: &str) -> PathBuf {
    venv_tool(name).unwrap_or_else(|| {
        panic!(
            "{}/.venv/bin/{name} is missing: bash scripts/setup.sh installs tests/requirements.txt",
            workspace_root().display()
        )
    })
}

/// PATH with .venv/bin first (actionlint runs shellcheck when it finds it).
fn venv_path() -> std::ffi::OsString {
    let bin = tool("shellcheck").parent().expect("bin").to_path_buf();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH")
}

fn workflows() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(workspace_root().join(".github/workflows"))
        .expect(".github/workflows")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .map(|n| format!(".github/workflows/{n}"))
        .collect();
    files.sort();
    assert!(files.contains(&".github/workflows/release.yml".to_string()));
    files
}

#[test]
fn workflows_pass_actionlint() {
    let out = run(
        Command::new(tool("actionlint"))
            .current_dir(workspace_root())
            .env("PATH", venv_path())
            .arg("-no-color")
            .args(workflows()),
        Duration::from_secs(60),
    );
    assert_eq!(out.code(), 0, "actionlint:\n{}{}", out.stdout, out.stderr);
}

#[test]
fn install_side_yaml_is_yamllint_clean() {
    let out = run(
        Command::new(tool("yamllint"))
            .current_dir(workspace_root())
            .args([
                "--strict",
                "--format",
                "parsable",
                "action.yml",
                "templates",
                ".github",
            ]),
        Duration::from_secs(60),
    );
    assert_eq!(out.code(), 0, "yamllint:\n{}{}", out.stdout, out.stderr);
}

/// actionlint reads workflows, not action metadata: action.yml's `run:`
/// scripts go through shellcheck as GitHub runs them (`bash -e -o pipefail`).
#[test]
fn scripts_and_action_steps_pass_shellcheck() {
    let dir = temp_dir("shellcheck");
    let mut files = vec![
        workspace_root().join("scripts/dist.sh"),
        workspace_root().join("scripts/install.sh"),
    ];
    let action = yaml("action.yml");
    for (i, step) in action["runs"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .enumerate()
    {
        if let Some(script) = step["run"].as_str() {
            assert!(
                !script.contains("${{"),
                "step {i}: expressions belong in env:, not in the script (injection)"
            );
            let f = dir.join(format!("action-step-{i}.sh"));
            std::fs::write(&f, format!("#!/bin/bash\nset -eo pipefail\n{script}")).expect("write");
            files.push(f);
        }
    }
    let out = run(
        Command::new(tool("shellcheck")).args(&files),
        Duration::from_secs(60),
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.code(), 0, "shellcheck:\n{}{}", out.stdout, out.stderr);
}

/// Every `uses:` names a full 40-hex commit SHA and says which release it is.
#[test]
fn every_action_is_pinned_by_a_full_sha() {
    let mut files = workflows();
    files.push("action.yml".into());
    let mut examples: Vec<String> = std::fs::read_dir(workspace_root().join("examples/github"))
        .expect("examples/github")
        .map(|e| {
            format!(
                "examples/github/{}",
                e.expect("entry").file_name().to_string_lossy()
            )
        })
        .filter(|n| n.ends_with(".yml"))
        .collect();
    examples.sort();
    files.extend(examples);
    let mut seen = 0;
    for rel in &files {
        for (n, line) in read(rel).lines().enumerate() {
            let Some(rest) = line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses: ")
            else {
                continue;
            };
            seen += 1;
            if rest.starts_with("./") {
                continue; // this repository's own action, at the same commit
            }
            let (action, pin) = rest.split_once('@').unwrap_or((rest, ""));
            let (sha, comment) = pin.split_once("  # ").unwrap_or((pin, ""));
            assert!(
                sha.len() == 40
                    && sha
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
                "{rel}:{}: {action} is not pinned by a full commit SHA: {line:?}",
                n + 1
            );
            assert!(
                comment.starts_with('v'),
                "{rel}:{}: say which release the SHA is (`  # vX.Y.Z`): {line:?}",
                n + 1
            );
        }
    }
    assert!(seen >= 3, "found only {seen} uses: lines");
}

#[test]
fn release_workflow_runs_dist_sh_and_publishes_what_it_built() {
    let wf = yaml(".github/workflows/release.yml");
    let tags = wf["on"]["push"]["tags"]
        .as_sequence()
        .expect("on.push.tags");
    assert!(!tags.is_empty(), "runs on version tags");
    assert_eq!(
        wf["permissions"]["contents"], "read",
        "read-only by default"
    );
    let job = &wf["jobs"]["release"];
    assert_eq!(job["permissions"]["contents"], "write");
    assert_eq!(job["permissions"]["packages"], "write");
    let all = serde_yaml::to_string(&job["steps"]).expect("yaml");
    for needle in [
        "scripts/dist.sh --no-images",
        "gh release create",
        "dist/SHA256SUMS",
        "--platform linux/amd64,linux/arm64",
        "--provenance=mode=max",
        "packaging/docker/$image.Dockerfile",
        "--push dist/image",
    ] {
        assert!(all.contains(needle), "release.yml lacks {needle:?}");
    }
    // It attaches exactly the files dist.sh makes.
    let dist = read("scripts/dist.sh");
    for asset in [
        "vanish-init-linux-x86_64",
        "vanish-init-linux-aarch64",
        "vanish-linux-x86_64",
        "vanish-linux-aarch64",
    ] {
        assert!(
            all.contains(&format!("dist/{asset}")),
            "release.yml does not attach {asset}"
        );
        assert!(
            dist.contains(asset.rsplit_once('-').expect("arch").0),
            "{asset}"
        );
    }
}

// --- the GitLab component --------------------------------------------------------

/// `$[[ inputs.NAME ]]` references in a text.
fn input_refs(text: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("$[[") {
        let end = rest[i..].find("]]").expect("closed") + i;
        let inner = rest[i + 3..end].trim();
        let name = inner
            .strip_prefix("inputs.")
            .expect("only inputs are interpolated");
        refs.insert(name.trim().to_string());
        rest = &rest[end + 2..];
    }
    refs
}

#[test]
fn gitlab_component_has_inputs_and_review_stop_sweep_jobs() {
    let text = read("templates/vanish/template.yml");
    let (header, body) = text
        .split_once("\n---\n")
        .expect("spec header, then ---, then jobs");
    let spec: Value = serde_yaml::from_str(header).expect("spec yaml");
    let jobs: Value = serde_yaml::from_str(body).expect("jobs yaml");
    let inputs = spec["spec"]["inputs"].as_mapping().expect("spec: inputs");
    let declared: BTreeSet<String> = inputs
        .keys()
        .map(|k| k.as_str().expect("name").to_string())
        .collect();
    // Used and declared agree both ways; the two without a default are required.
    assert_eq!(
        input_refs(body),
        declared,
        "every input used, every use declared"
    );
    let required: BTreeSet<&str> = inputs
        .iter()
        .filter(|(_, v)| v.get("default").is_none())
        .map(|(k, _)| k.as_str().expect("name"))
        .collect();
    assert_eq!(required, BTreeSet::from(["aws-region", "role-arn"]));
    for (name, v) in inputs {
        assert!(
            v["description"].as_str().is_some(),
            "input {name:?} has a description"
        );
    }

    let base = &jobs[".vanish"];
    assert_eq!(base["image"]["name"], "$[[ inputs.image ]]");
    assert_eq!(
        base["image"]["entrypoint"],
        Value::Sequence(vec![Value::String(String::new())]),
        "the image's entrypoint is vanish: GitLab needs it empty to run sh"
    );
    // Apps are named by the MR IID, not the branch slug.
    assert_eq!(base["variables"]["VANISH_NAME"], "mr-$CI_MERGE_REQUEST_IID");
    assert_eq!(
        base["id_tokens"]["VANISH_ID_TOKEN"]["aud"],
        "$[[ inputs.oidc-audience ]]"
    );
    let token_file = base["variables"]["AWS_WEB_IDENTITY_TOKEN_FILE"]
        .as_str()
        .expect("token file");
    assert!(
        !token_file.starts_with("$CI_PROJECT_DIR"),
        "outside the checkout: {token_file}"
    );
    let rm = "rm -f \"$AWS_WEB_IDENTITY_TOKEN_FILE\"";
    assert_eq!(
        base["after_script"][0], rm,
        "removed after a failed job too"
    );

    for name in ["review", "stop", "sweep"] {
        let job = &jobs[name];
        assert_eq!(job["extends"], ".vanish", "{name}");
        let script: Vec<&str> = job["script"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name}: script"))
            .iter()
            .map(|l| l.as_str().expect("line"))
            .collect();
        assert_eq!(
            script.last(),
            Some(&rm),
            "{name}: the token file goes right after use"
        );
        let cmd = match name {
            "review" => "vanish up ",
            "stop" => "vanish down ",
            _ => "vanish sweep",
        };
        assert!(
            script.iter().any(|l| l.starts_with(cmd)),
            "{name} runs {cmd}"
        );
    }
    let review = &jobs["review"];
    let stop = &jobs["stop"];
    assert_eq!(
        review["environment"]["name"],
        "review/mr-$CI_MERGE_REQUEST_IID"
    );
    assert_eq!(review["environment"]["name"], stop["environment"]["name"]);
    assert_eq!(review["environment"]["on_stop"], "stop");
    assert_eq!(review["environment"]["url"], "$VANISH_URL");
    assert_eq!(review["artifacts"]["reports"]["dotenv"], "vanish.env");
    assert_eq!(stop["environment"]["action"], "stop");
    assert_eq!(
        stop["variables"]["GIT_STRATEGY"], "none",
        "stop checks out nothing"
    );
    assert_eq!(jobs["sweep"]["variables"]["GIT_STRATEGY"], "none");
    assert!(
        jobs["sweep"]["rules"][0]["if"]
            .as_str()
            .expect("rule")
            .contains("$CI_PIPELINE_SOURCE == \"schedule\""),
        "sweep only in scheduled pipelines"
    );
}

// --- the hardened examples ---------------------------------------------------------

/// GitHub: the deploying run waits for a required reviewer's approval (an
/// environment with reviewers), names the commit it deploys, refuses if the
/// PR moved since the label, runs the PR's Dockerfile before any credential
/// exists, and launches the plan rendered without credentials.
#[test]
fn github_example_deploys_only_the_approved_commit() {
    let wf = yaml("examples/github/review-app.yml");
    let jobs = &wf["jobs"];
    let sha = "${{ github.event.pull_request.head.sha }}";
    let approve = &jobs["approve"];
    assert_eq!(approve["environment"], "review-app-approval");
    assert!(
        s_of(&approve["name"]).contains(sha),
        "the approval names the commit"
    );
    assert_eq!(approve["permissions"], Value::Mapping(Default::default()));
    let plan = &jobs["plan"];
    assert!(
        !serde_yaml::to_string(plan)
            .expect("yaml")
            .contains("id-token"),
        "plan has no credentials"
    );

    let deploy = &jobs["deploy"];
    assert_eq!(
        deploy["needs"],
        serde_yaml::from_str::<Value>("[plan, approve]").expect("yaml")
    );
    assert!(s_of(&deploy["name"]).contains(sha));
    let steps = deploy["steps"].as_sequence().expect("steps");
    let pos = |needle: &str| {
        steps
            .iter()
            .position(|st| serde_yaml::to_string(st).expect("yaml").contains(needle))
            .unwrap_or_else(|| panic!("deploy has no step with {needle:?}"))
    };
    assert_eq!(
        pos("gh api"),
        0,
        "first: the PR's head is still the approved commit"
    );
    assert!(
        pos("docker build") < pos("configure-aws-credentials"),
        "build before credentials"
    );
    let up = &steps[pos("command: up")];
    assert_eq!(
        up["with"]["args"], "--plan plan.json",
        "the plan, not the PR's compose file"
    );
    assert!(pos("download-artifact") < pos("command: up"));
}

/// GitLab: the example's own job that holds an ID token removes its file.
#[test]
fn gitlab_example_removes_the_id_token_file() {
    let ci = yaml("examples/gitlab/.gitlab-ci.yml");
    let build = &ci["build"];
    assert!(build["id_tokens"].is_mapping());
    let rm = "rm -f \"$AWS_WEB_IDENTITY_TOKEN_FILE\"";
    let script: Vec<&str> = build["script"]
        .as_sequence()
        .expect("script")
        .iter()
        .map(|l| l.as_str().expect("line"))
        .collect();
    let login = script
        .iter()
        .position(|l| l.contains("docker login"))
        .expect("ECR login");
    assert_eq!(script[login + 1], rm, "removed right after its one use");
    assert_eq!(build["after_script"][0], rm);
}

fn s_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v:?}"))
}
