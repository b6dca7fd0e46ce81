//! Images for the container tests, built from local files only (no registry
//! is reachable): the static vanish-init (musl), Debian's busybox-static, and
//! `FROM scratch` images made of them.
//!
//! Invariants:
//! - The static vanish-init is built once per test process (release, musl with
//!   the pinned toolchain, else musl, else glibc `+crt-static`) into the
//!   workspace's own target dir; every build has a deadline.
//! - An image's tag names its content: building the same files again reuses
//!   Docker's cache and is cheap.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::docker::docker;
use crate::init::temp_dir;
use crate::{bin, run, workspace_root};

const BUILD: Duration = Duration::from_secs(900);

/// The static vanish-init binary (built on first use).
pub fn static_init() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(build_static_init).clone()
}

fn build_static_init() -> PathBuf {
    // target/<profile>/vanish-init → target/
    let target_dir = bin("vanish-init")
        .parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf();
    let attempts: [(&[&str], &str, Option<&str>); 3] = [
        (&["+1.95.0"], "x86_64-unknown-linux-musl", None),
        (&[], "x86_64-unknown-linux-musl", None),
        (
            &[],
            "x86_64-unknown-linux-gnu",
            Some("-C target-feature=+crt-static"),
        ),
    ];
    let mut failures = String::new();
    for (toolchain, triple, rustflags) in attempts {
        let mut cmd = Command::new("cargo");
        cmd.args(toolchain)
            .args([
                "build",
                "--release",
                "-p",
                "vanish-init",
                "--target",
                triple,
            ])
            .arg("--target-dir")
            .arg(&target_dir)
            .current_dir(workspace_root());
        if let Some(flags) = rustflags {
            cmd.env("RUSTFLAGS", flags);
        }
        let out = run(&mut cmd, BUILD);
        let path = target_dir.join(triple).join("release/vanish-init");
        if out.status.success() && path.is_file() {
            return path;
        }
        failures += &format!("{cmd:?}:\n{}\n", out.stderr);
    }
    panic!(
        "cannot build a static vanish-init; install the musl target (rustup target add x86_64-unknown-linux-musl):\n{failures}"
    );
}

/// True if the ELF file has no PT_INTERP program header (no dynamic loader).
pub fn has_no_interpreter(path: &Path) -> bool {
    let b = std::fs::read(path).expect("read binary");
    assert_eq!(&b[..4], b"\x7fELF", "{} is not ELF", path.display());
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(b[0x20..0x28].try_into().expect("8 bytes")) as usize;
    let (size, count) = (u16_at(0x36), u16_at(0x38));
    (0..count).all(|i| {
        let o = phoff + i * size;
        u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes")) != 3
    })
}

/// Builds `tag` `FROM scratch` holding `files` (host path → absolute path in
/// the image), with busybox's applets installed under /bin when /bin/busybox is
/// among them. Returns the tag; panics with Docker's output on failure.
pub fn scratch_image(tag: &str, files: &[(&Path, &str)]) -> String {
    let ctx = temp_dir("image");
    let mut dockerfile = String::from("FROM scratch\n");
    for (i, (src, dst)) in files.iter().enumerate() {
        let name = format!("f{i}");
        std::fs::copy(src, ctx.join(&name))
            .unwrap_or_else(|e| panic!("copy {} into the build context: {e}", src.display()));
        dockerfile += &format!("COPY {name} {dst}\n");
    }
    if files.iter().any(|(_, dst)| *dst == "/bin/busybox") {
        dockerfile += "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n";
    }
    std::fs::write(ctx.join("Dockerfile"), dockerfile).expect("write Dockerfile");
    let out = docker(
        &[
            "build",
            "-q",
            "-t",
            tag,
            ctx.to_str().expect("utf-8 temp path"),
        ],
        Duration::from_secs(120),
    );
    let _ = std::fs::remove_dir_all(&ctx);
    assert!(out.status.success(), "docker build {tag}: {out:?}");
    tag.to_string()
}

/// The basic review-app image: `/vanish-init` (static) and busybox-static
/// (`sh`, `httpd`, …) under /bin.
pub fn init_busybox_image(tag: &str) -> String {
    let init = static_init();
    scratch_image(
        tag,
        &[
            (init.as_path(), "/vanish-init"),
            (Path::new("/bin/busybox"), "/bin/busybox"),
        ],
    )
}
