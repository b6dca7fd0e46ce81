//! The real Docker engine for the container tests: is one there, and images
//! built `FROM scratch` from local files (no registry is reachable).
//!
//! Invariants:
//! - A missing engine is a visible `SKIP` line on the test process's stderr
//!   outside CI, and a failure under `CI=true` (CI installs and starts one
//!   with scripts/docker.sh, so its absence there is a broken run, not a pass).
//! - Every docker command runs with a deadline ([`crate::run`]).

use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::{Output, run};

/// Whether `CI=true` is set: there, a missing component fails the test.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// True when a Docker engine answers. Otherwise prints `SKIP <test>: …` and
/// returns false, or panics under `CI=true`.
pub fn available(test: &str) -> bool {
    static ANSWERS: OnceLock<Result<(), String>> = OnceLock::new();
    let answers = ANSWERS.get_or_init(|| {
        match Command::new("docker")
            .args(["version", "--format", "{{.Server.Version}}"])
            .stdin(std::process::Stdio::null())
            .output()
        {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
            Err(e) => Err(format!("docker: {e}")),
        }
    });
    match answers {
        Ok(()) => true,
        Err(why) => {
            let why = format!(
                "no Docker engine answers ({why}); start one with `scripts/docker.sh start`"
            );
            assert!(
                !in_ci(),
                "{test}: {why} (CI=true: a missing engine is a failure)"
            );
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIP {test}: {why}");
            false
        }
    }
}

/// `docker ARGS…` with a deadline; the test fails if it does not finish.
pub fn docker(args: &[&str], deadline: Duration) -> Output {
    run(Command::new("docker").args(args), deadline)
}
