//! The contract end to end: the environment `vanish render` gives the
//! essential containers (task definition + RunTask overrides) is a valid
//! configuration for vanish-init, which then expires at the rendered deadline.
//! The names are defined once, in launcher/src/contract.rs.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use vanish_e2e::init::{MODES, command};
use vanish_e2e::{bin, run, workspace_root};

/// `VANISH_*` variables of container `name`, definition and override merged.
fn contract_env(plan: &serde_json::Value, name: &str) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let lists = [
        &plan["registerTaskDefinition"]["containerDefinitions"],
        &plan["runTask"]["overrides"]["containerOverrides"],
    ];
    for list in lists {
        let containers = list.as_array().expect("a list of containers");
        for c in containers.iter().filter(|c| c["name"] == name) {
            for kv in c["environment"].as_array().into_iter().flatten() {
                let (k, v) = (
                    kv["name"].as_str().expect("name"),
                    kv["value"].as_str().expect("value"),
                );
                if k.starts_with("VANISH_") {
                    env.insert(k.to_owned(), v.to_owned());
                }
            }
        }
    }
    env
}

#[test]
fn vanish_init_accepts_what_vanish_renders() {
    // The real clock: the rendered deadline lies 30 minutes ahead.
    let out = run(
        Command::new(bin("vanish"))
            .current_dir(workspace_root().join("examples/review-app"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_REGION", "eu-west-1")
            .args([
                "render", "--name", "contract", "--ttl", "30m", "--grace", "7s",
            ]),
        Duration::from_secs(30),
    );
    assert_eq!(out.code(), 0, "{out:?}");
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON plan");

    for service in ["web", "proxy"] {
        let env = contract_env(&plan, service);
        let names: Vec<&str> = env.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["VANISH_DEADLINE", "VANISH_GRACE", "VANISH_TTL"],
            "{service}"
        );
        assert_eq!(env["VANISH_TTL"], "30m");
        assert_eq!(env["VANISH_GRACE"], "7s");
        let deadline = &env["VANISH_DEADLINE"];
        assert_eq!(plan["vanish"]["expiresAt"], deadline.as_str());

        for mode in MODES {
            let got = run(
                command(mode, &["--", "true"]).envs(&env),
                Duration::from_secs(20),
            );
            assert_eq!(got.code(), 0, "{mode:?}: {got:?}");
            let started = got
                .stderr
                .lines()
                .find(|l| l.starts_with("vanish-init: started "))
                .unwrap_or_else(|| panic!("{mode:?}: no start line: {}", got.stderr));
            assert!(
                started.contains(" ttl=30m ")
                    && started.ends_with(&format!(" expires_at={deadline}")),
                "{mode:?}: {started}"
            );
        }
    }
}
