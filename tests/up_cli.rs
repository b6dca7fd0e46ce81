//! `vanish up/ls` failures that need no AWS at all: bad input is exit 2
//! before any call; missing credentials is one clear line and exit 3.

use std::process::Command;
use std::time::Duration;

use vanish_e2e::{bin, run};

/// `vanish` with no credentials anywhere, pointed at a closed local port.
fn isolated(dir: &std::path::Path) -> Command {
    let empty = dir.join("empty");
    std::fs::write(&empty, "").expect("empty file");
    let mut c = Command::new(bin("vanish"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .current_dir(dir);
    c
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("vanish-up-cli-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn no_credentials_is_one_line_and_exit_3() {
    let dir = tempdir("creds");
    let out = run(isolated(&dir).arg("ls"), Duration::from_secs(60));
    assert_eq!(out.code(), 3, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: no AWS credentials found\n  hint: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE (--profile), or use OIDC/SSO (`aws sso login`)\n"
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn bad_plans_are_exit_2_before_any_call() {
    let dir = tempdir("plan");
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{\"not\": \"a plan\"}").expect("write");
    let missing = dir.join("missing.json");
    // render's output with its default masking: SECRET_KEY is "********".
    let masked = vanish_e2e::workspace_root().join("examples/review-app/render.golden.json");
    let table: [(Vec<std::ffi::OsString>, String); 4] = [
        (
            // No --plan and no compose file: the spec cannot be loaded.
            vec!["up".into()],
            format!(
                "error: no compose file in {}\n  hint: pass -f FILE, or run where compose.yaml or docker-compose.yml is\n",
                dir.display()
            ),
        ),
        (
            vec!["up".into(), "--plan".into(), missing.clone().into()],
            format!(
                "error: cannot read the plan {}: No such file or directory (os error 2)\n",
                missing.display()
            ),
        ),
        (
            vec!["up".into(), "--plan".into(), garbage.clone().into()],
            format!(
                "error: {}: not a vanish plan: missing field `vanish` at line 1 column 17\n  hint: write it with `vanish render --show-secrets > plan.json`\n",
                garbage.display()
            ),
        ),
        (
            vec!["up".into(), "--plan".into(), masked.clone().into()],
            format!(
                "error: {}: the plan holds masked values (web.SECRET_KEY); launching it would set them to \"********\"\n  hint: render it with `vanish render --show-secrets > plan.json`\n",
                masked.display()
            ),
        ),
    ];
    for (args, want) in table {
        let out = run(isolated(&dir).args(&args), Duration::from_secs(30));
        assert_eq!(out.code(), 2, "{args:?}: {out:?}");
        assert_eq!(out.stderr, want, "{args:?}");
    }
}

#[test]
fn no_region_is_bad_input() {
    let dir = tempdir("region");
    let out = run(
        isolated(&dir)
            .env_remove("AWS_REGION")
            .env("AWS_ACCESS_KEY_ID", "x")
            .env("AWS_SECRET_ACCESS_KEY", "y")
            .arg("ls"),
        Duration::from_secs(30),
    );
    assert_eq!(out.code(), 2, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: no AWS region configured\n  hint: pass --region, set AWS_REGION, or name one in the profile\n"
    );
}
