//! scripts/install.sh (the GitHub Action's install step) against a local
//! release directory laid out as a GitHub release is (`SHA256SUMS`,
//! `vanish-linux-<arch>`), reached through `file://`: it installs and
//! verifies, keeps a verified cached binary, and installs nothing on a
//! checksum mismatch. Then action.yml's own shell steps, run here in order
//! with the environment GitHub gives them, install from the same directory
//! and expose `url`, `ip` and `task-arn` from `$GITHUB_OUTPUT`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_yaml::Value;
use vanish_e2e::init::temp_dir;
use vanish_e2e::{Output, run, workspace_root};

/// A stand-in for the vanish binary: prints its arguments, and writes the
/// keys `vanish up` writes to `$GITHUB_OUTPUT`.
const FAKE_VANISH: &str = "#!/bin/sh\n\
echo \"fake-vanish $*\"\n\
if [ -n \"$GITHUB_OUTPUT\" ]; then\n\
  printf 'url=http://203.0.113.7/\\nip=203.0.113.7\\ntask_arn=arn:aws:ecs:eu-west-1:1:task/review-apps/abc\\n' >> \"$GITHUB_OUTPUT\"\n\
fi\n";

fn sha256(path: &Path) -> String {
    let out = run(Command::new("sha256sum").arg(path), Duration::from_secs(10));
    assert_eq!(out.code(), 0, "{out:?}");
    out.stdout
        .split_whitespace()
        .next()
        .expect("hash")
        .to_string()
}

/// A release directory with the fake binary for x86_64 and its SHA256SUMS.
fn release_dir() -> (PathBuf, String) {
    let dir = temp_dir("release");
    let bin = dir.join("vanish-linux-x86_64");
    std::fs::write(&bin, FAKE_VANISH).expect("write");
    std::fs::write(dir.join("vanish-linux-aarch64"), "not for this machine\n").expect("write");
    let sums = format!(
        "{}  vanish-linux-aarch64\n{}  vanish-linux-x86_64\n",
        sha256(&dir.join("vanish-linux-aarch64")),
        sha256(&bin)
    );
    std::fs::write(dir.join("SHA256SUMS"), sums).expect("write");
    let hash = sha256(&bin);
    (dir, hash)
}

fn install(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(workspace_root().join("scripts/install.sh"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", temp_dir("home"))
        .envs(env.iter().copied())
        .args(args);
    run(&mut cmd, Duration::from_secs(60))
}

fn url(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

#[test]
fn installs_verifies_and_keeps_a_verified_cached_binary() {
    let (rel, _) = release_dir();
    let dest = temp_dir("bin");
    let (u, d) = (url(&rel), dest.display().to_string());
    let args = [
        "--version",
        "0.1.0",
        "--arch",
        "x86_64",
        "--base-url",
        &u,
        "--dir",
        &d,
    ];
    let out = install(&args, &[]);
    assert_eq!(
        (out.code(), out.stdout.clone()),
        (0, format!("{d}/vanish\n")),
        "{out:?}"
    );
    assert_eq!(
        out.stderr,
        format!(
            "install.sh: downloading {u}/vanish-linux-x86_64\n\
             install.sh: installed vanish 0.1.0 (x86_64) in {d}, checksum verified\n"
        )
    );
    let ran = run(
        Command::new(dest.join("vanish")).arg("--version"),
        Duration::from_secs(10),
    );
    assert_eq!(ran.stdout, "fake-vanish --version\n");

    // A restored cache: the binary is there and verifies, so it is kept even
    // though the release's binary is gone.
    std::fs::remove_file(rel.join("vanish-linux-x86_64")).expect("rm");
    let again = install(&args, &[]);
    assert_eq!(
        (again.code(), again.stderr.as_str()),
        (
            0,
            format!("install.sh: vanish 0.1.0 (x86_64) already in {d}, checksum verified\n")
                .as_str()
        ),
        "{again:?}"
    );
}

#[test]
fn a_checksum_mismatch_installs_nothing_and_is_exit_1() {
    let (rel, good) = release_dir();
    // The release's binary was replaced after SHA256SUMS was written.
    std::fs::write(rel.join("vanish-linux-x86_64"), "#!/bin/sh\necho evil\n").expect("write");
    let bad = sha256(&rel.join("vanish-linux-x86_64"));
    let dest = temp_dir("bin");
    let (u, d) = (url(&rel), dest.display().to_string());
    let out = install(
        &["--version", "v0.1.0", "--base-url", &u],
        &[("VANISH_INSTALL_DIR", &d), ("VANISH_ARCH", "amd64")],
    );
    assert_eq!((out.code(), out.stdout.as_str()), (1, ""), "{out:?}");
    assert_eq!(
        out.stderr,
        format!(
            "install.sh: downloading {u}/vanish-linux-x86_64\n\
             install.sh: error: vanish-linux-x86_64: checksum mismatch: expected {good}, got {bad}; nothing installed\n  \
             hint: a corrupted download or a tampered release: do not use it\n"
        )
    );
    assert!(!dest.join("vanish").exists(), "nothing installed");

    // A pinned --sha256 is checked instead of SHA256SUMS, with the same result.
    let pinned = install(
        &["--version", "0.1.0", "--base-url", &u, "--sha256", &good],
        &[("VANISH_INSTALL_DIR", &d), ("VANISH_ARCH", "x86_64")],
    );
    assert_eq!(pinned.code(), 1, "{pinned:?}");
    assert!(!dest.join("vanish").exists(), "nothing installed");
}

#[test]
fn bad_input_is_every_problem_at_once_and_exit_2() {
    let out = install(&["--arch", "mips", "--sha256", "XYZ"], &[]);
    assert_eq!((out.code(), out.stdout.as_str()), (2, ""), "{out:?}");
    assert_eq!(
        out.stderr,
        "install.sh: error: no version: pass --version or set VANISH_VERSION\n\
         install.sh: error: architecture 'mips' is not supported (x86_64 or aarch64)\n\
         install.sh: error: --sha256 must be 64 lowercase hex digits\n\
         install.sh: error: no --base-url and no --repo: cannot tell where the release is\n"
    );
    let missing = install(
        &[
            "--version",
            "0.1.0",
            "--base-url",
            "file:///nonexistent/vanish",
        ],
        &[("VANISH_ARCH", "x86_64")],
    );
    assert_eq!(missing.code(), 1, "{missing:?}");
    assert!(
        missing.stderr.starts_with(
            "install.sh: error: cannot download file:///nonexistent/vanish/SHA256SUMS: "
        ),
        "{missing:?}"
    );
}

// --- action.yml's steps, run here -----------------------------------------------

/// Replaces `${{ inputs.X }}` and `${{ steps.S.outputs.K }}` in an action
/// value; any other expression fails the test (it would not be simulated).
fn expand(
    value: &str,
    inputs: &BTreeMap<String, String>,
    outputs: &BTreeMap<String, String>,
) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        out += &rest[..start];
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let expr = rest[start + 3..end].trim();
        let v = if let Some(name) = expr.strip_prefix("inputs.") {
            inputs.get(name).cloned()
        } else if let Some(path) = expr.strip_prefix("steps.") {
            outputs.get(path).cloned().or(Some(String::new()))
        } else {
            None
        };
        out += &v.unwrap_or_else(|| panic!("unsimulated expression {expr:?} in {value:?}"));
        rest = &rest[end + 2..];
    }
    out + rest
}

#[test]
fn action_steps_install_from_a_release_and_expose_the_outputs() {
    let action: Value = serde_yaml::from_str(
        &std::fs::read_to_string(workspace_root().join("action.yml")).expect("action.yml"),
    )
    .expect("yaml");
    assert_eq!(action["runs"]["using"], "composite");
    let (rel, _) = release_dir();
    let tool_cache = temp_dir("toolcache");
    let work = temp_dir("work");

    let mut inputs = BTreeMap::new();
    for (k, v) in action["inputs"].as_mapping().expect("inputs") {
        let default = v["default"].as_str().unwrap_or_default().to_string();
        inputs.insert(k.as_str().expect("name").to_string(), default);
    }
    inputs.insert("command".into(), "up".into());
    inputs.insert("args".into(), "-f compose.yml --spot".into());
    inputs.insert("repository".into(), "acme/vanish".into());

    let mut outputs = BTreeMap::new();
    let mut ran = Vec::new();
    for step in action["runs"]["steps"].as_sequence().expect("steps") {
        let id = step["id"].as_str().unwrap_or_default().to_string();
        if let Some(uses) = step["uses"].as_str() {
            // actions/cache: a cold cache, nothing restored.
            assert!(uses.starts_with("actions/cache@"), "{uses}");
            continue;
        }
        let script = step["run"].as_str().expect("a run step");
        assert_eq!(step["shell"], "bash", "{id}: shell: bash");
        if let Some(cond) = step["if"].as_str() {
            assert_eq!(cond, "inputs.command != ''", "{id}");
        }
        let out_file = work.join(format!("output-{id}"));
        std::fs::write(&out_file, "").expect("touch");
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(&work)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", temp_dir("home"))
            .env("GITHUB_ACTION_PATH", workspace_root())
            .env("GITHUB_OUTPUT", &out_file)
            .env("GITHUB_PATH", work.join("path"))
            .env("GITHUB_REPOSITORY", "someone/app")
            .env("RUNNER_TOOL_CACHE", &tool_cache)
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_OS", "Linux")
            // The release: the local directory instead of github.com.
            .env("VANISH_BASE_URL", url(&rel));
        for (k, v) in step["env"].as_mapping().into_iter().flatten() {
            let v = expand(v.as_str().unwrap_or_default(), &inputs, &outputs);
            cmd.env(k.as_str().expect("env name"), v);
        }
        let out = run(&mut cmd, Duration::from_secs(60));
        assert_eq!(out.code(), 0, "step {id}: {out:?}");
        for line in std::fs::read_to_string(&out_file).expect("outputs").lines() {
            let (k, v) = line.split_once('=').expect("k=v");
            outputs.insert(format!("{id}.outputs.{k}"), v.to_string());
        }
        ran.push((id, out.stdout));
    }

    let dir = tool_cache.join("vanish/0.1.0/X64");
    assert_eq!(
        ran.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        ["where", "install", "run"]
    );
    assert_eq!(ran[2].1, "fake-vanish up -f compose.yml --spot\n");
    assert_eq!(
        std::fs::read_to_string(work.join("path")).expect("GITHUB_PATH"),
        format!("{}\n", dir.display())
    );
    let mut got = BTreeMap::new();
    for (k, v) in action["outputs"].as_mapping().expect("outputs") {
        got.insert(
            k.as_str().expect("name").to_string(),
            expand(v["value"].as_str().expect("value"), &inputs, &outputs),
        );
    }
    assert_eq!(
        got,
        BTreeMap::from([
            ("url".to_string(), "http://203.0.113.7/".to_string()),
            ("ip".to_string(), "203.0.113.7".to_string()),
            (
                "task-arn".to_string(),
                "arn:aws:ecs:eu-west-1:1:task/review-apps/abc".to_string()
            ),
            ("path".to_string(), format!("{}/vanish", dir.display())),
        ])
    );
}

/// The keys the action reads are the keys `vanish up` writes to
/// `$GITHUB_OUTPUT` (launcher/src/output.rs).
#[test]
fn action_outputs_are_the_keys_vanish_up_writes() {
    let src = std::fs::read_to_string(workspace_root().join("launcher/src/output.rs"))
        .expect("output.rs");
    assert!(
        src.contains("\"url={}\\nip={}\\ntask_arn={}\\n\""),
        "launcher/src/output.rs no longer writes url=, ip=, task_arn= for GITHUB_OUTPUT"
    );
}
