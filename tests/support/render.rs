//! Helpers for the `vanish render` end-to-end tests: a fixed, clean
//! environment (so output is deterministic) and golden-file comparison.
//!
//! Invariants: the child sees only the variables set here (no AWS_* or CI
//! variables leak in from the machine); `VANISH_UPDATE_GOLDEN=1` rewrites the
//! golden files instead of comparing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{Output, bin, run, workspace_root};

/// The instant every golden render is made at.
pub const NOW: &str = "2026-11-21T12:00:00Z";

/// A `vanish render` in `dir` with a fixed GitLab-like CI environment.
pub fn render_in(dir: &Path, args: &[&str]) -> Output {
    render_with(dir, args, &[])
}

/// [`render_in`] with extra environment variables.
pub fn render_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin("vanish"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("VANISH_NOW", NOW)
        .env("AWS_REGION", "eu-west-1")
        .env("CI_MERGE_REQUEST_IID", "42")
        .env("CI_COMMIT_REF_NAME", "feature/login")
        .env("GITLAB_USER_LOGIN", "ann")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .arg("render")
        .args(args);
    run(&mut cmd, Duration::from_secs(30))
}

/// `examples/<name>` folders that hold a compose file.
pub fn example_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("examples"))
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            [
                "compose.yaml",
                "compose.yml",
                "docker-compose.yaml",
                "docker-compose.yml",
            ]
            .iter()
            .any(|f| p.join(f).is_file())
        })
        .collect();
    dirs.sort();
    dirs
}

/// Extra arguments for an example: `render.args` (whitespace-separated), if any.
pub fn example_args(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("render.args"))
        .map(|t| t.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Compares `actual` with the golden file, or rewrites it under
/// `VANISH_UPDATE_GOLDEN=1`. Returns a description of the difference.
pub fn check_golden(path: &Path, actual: &str) -> Result<(), String> {
    if std::env::var_os("VANISH_UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(path, actual).map_err(|e| format!("writing {}: {e}", path.display()))?;
        return Ok(());
    }
    let want = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "reading {}: {e} (run with VANISH_UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    })?;
    if want == actual {
        return Ok(());
    }
    let line = want
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| want.lines().count().min(actual.lines().count()));
    Err(format!(
        "{} differs from the render at line {}:\n  golden: {:?}\n  actual: {:?}\n(VANISH_UPDATE_GOLDEN=1 regenerates it after a deliberate change)",
        path.display(),
        line + 1,
        want.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>"),
    ))
}
