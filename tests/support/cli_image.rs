//! The CLI test image that CI builds before the tests (`scripts/dist.sh
//! --cli-test-image`, `.ci/run`): its tag, and whether it is there. Included
//! with `#[path]` by the tests that run it (tests/dist_images.rs,
//! tests/gitlab_ci.rs).
//!
//! Invariants: an absent image (or engine) is a visible `SKIP` line naming the
//! command that builds it, and a failure under `CI=true`, where `.ci/run`
//! builds it first; a present image is the test build (label
//! `vanish.test-image=true`), never a release image under that tag.

use std::time::Duration;

use vanish_e2e::docker::{available, docker, in_ci};
use vanish_e2e::workspace_root;

/// The workspace version (`version = "…"` in the root Cargo.toml).
pub fn version() -> String {
    std::fs::read_to_string(workspace_root().join("Cargo.toml"))
        .expect("Cargo.toml")
        .lines()
        .find_map(|l| {
            l.strip_prefix("version = \"")
                .map(|v| v.trim_end_matches('"').to_string())
        })
        .expect("workspace version")
}

/// The x86_64 CLI test image's tag, as `scripts/dist.sh --cli-test-image`
/// names it (default `VANISH_IMAGE_PREFIX`).
pub fn tag() -> String {
    format!("vanish-dist/vanish:{}-amd64-ci-test", version())
}

/// The tag when the engine answers and the image exists; otherwise `SKIP`
/// (or a panic under `CI=true`) and `None`.
pub fn present(test: &str) -> Option<String> {
    if !available(test) {
        return None;
    }
    let tag = tag();
    let out = docker(
        &[
            "image",
            "inspect",
            "--format",
            "{{index .Config.Labels \"vanish.test-image\"}}",
            &tag,
        ],
        Duration::from_secs(30),
    );
    if out.status.success() {
        assert_eq!(
            out.stdout.trim(),
            "true",
            "{tag} is not labelled vanish.test-image=true: {out:?}"
        );
        return Some(tag);
    }
    let why =
        format!("the image {tag} is absent; build it with `scripts/dist.sh --cli-test-image`");
    assert!(
        !in_ci(),
        "{test}: {why} (CI=true: .ci/run builds it before the tests)"
    );
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIP {test}: {why}");
    None
}
