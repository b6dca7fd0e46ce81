//! The container test support works on this machine: the engine answers, a
//! `FROM scratch` image of the static vanish-init and busybox builds, and a
//! container of it runs the app under vanish-init, isolated (`--network none`).

use std::time::Duration;

use vanish_e2e::docker::{available, docker};
use vanish_e2e::images::init_busybox_image;

#[test]
fn scratch_image_runs_under_vanish_init() {
    if !available("scratch_image_runs_under_vanish_init") {
        return;
    }
    let tag = init_busybox_image("vanish-test/engine:smoke");
    let out = docker(
        &[
            "run",
            "--rm",
            "--network",
            "none",
            &tag,
            "/vanish-init",
            "--",
            "/bin/sh",
            "-c",
            "echo hello; exit 3",
        ],
        Duration::from_secs(60),
    );
    assert_eq!((out.code(), out.stdout.as_str()), (3, "hello\n"), "{out:?}");
    assert!(
        out.stderr.contains("started pid=1"),
        "vanish-init is PID 1 in the container: {out:?}"
    );
}
