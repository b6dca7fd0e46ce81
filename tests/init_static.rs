//! vanish-init point 10 (small and static): the release binary for
//! x86_64-unknown-linux-musl runs in an empty root (only itself and a static
//! busybox, entered with chroot), as PID 1 and not: what `FROM scratch`
//! means.
//!
//! The test builds (or finds, when up to date) the static binary itself:
//! musl with the pinned 1.95.0 toolchain, else musl with the default one,
//! else glibc with `+crt-static`. A missing prerequisite (busybox-static,
//! chroot, every build failing) fails the test with the fix; it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use vanish_e2e::images::{has_no_interpreter, static_init};
use vanish_e2e::init::{require, temp_dir};
use vanish_e2e::run;

const T: Duration = Duration::from_secs(20);

/// A directory holding only /vanish-init and /bin/busybox.
fn empty_root(binary: &Path) -> PathBuf {
    require(
        "/bin/busybox",
        "apt-get install -y busybox-static (the static busybox)",
    );
    require("/usr/sbin/chroot", "apt-get install -y coreutils");
    let root = temp_dir("chroot");
    std::fs::create_dir(root.join("bin")).expect("mkdir bin");
    std::fs::copy(binary, root.join("vanish-init")).expect("copy vanish-init");
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).expect("copy busybox");
    assert!(
        has_no_interpreter(&root.join("bin/busybox")),
        "/bin/busybox is dynamic: install busybox-static"
    );
    root
}

#[test]
fn static_binary_runs_in_an_empty_root() {
    let binary = static_init();
    assert!(
        has_no_interpreter(&binary),
        "{} has a dynamic loader",
        binary.display()
    );
    let size = std::fs::metadata(&binary).expect("stat").len();
    assert!(size > 0, "{}", binary.display());
    let root = empty_root(&binary);
    let r = root.to_str().expect("utf-8 temp path");

    // Runs a command, passes output through.
    let out = run(
        Command::new("chroot").args([r, "/vanish-init", "--", "/bin/busybox", "echo", "hello"]),
        T,
    );
    assert_eq!((out.code(), out.stdout.as_str()), (0, "hello\n"), "{out:?}");
    assert!(
        out.stderr.contains("vanish-init: child exited with code 0"),
        "{out:?}"
    );

    // Not PID 1 and no /proc: expiry still terms the child's group.
    let out = run(
        Command::new("chroot").args([
            r,
            "/vanish-init",
            "--ttl",
            "1s",
            "--ttl-exit-code",
            "9",
            "--",
            "/bin/busybox",
            "sh",
            "-c",
            "/bin/busybox sleep 30 & /bin/busybox sleep 30",
        ]),
        T,
    );
    assert_eq!(out.code(), 9, "{out:?}");
    assert!(
        out.stderr.contains("vanish-init: expired after 1s"),
        "{out:?}"
    );

    // As PID 1 of a new PID namespace inside the empty root.
    let out = run(
        Command::new("unshare").args([
            "--pid",
            "--fork",
            "chroot",
            r,
            "/vanish-init",
            "--ttl",
            "1s",
            "--ttl-exit-code",
            "9",
            "--",
            "/bin/busybox",
            "sh",
            "-c",
            "echo $$; /bin/busybox sleep 30",
        ]),
        T,
    );
    assert_eq!((out.code(), out.stdout.as_str()), (9, "2\n"), "{out:?}");
    assert!(out.stderr.contains("started pid=1 child=2"), "{out:?}");

    let _ = std::fs::remove_dir_all(&root);
}
