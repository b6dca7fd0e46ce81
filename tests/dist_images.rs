//! The release images scripts/dist.sh builds, run on the real Docker engine:
//! the `vanish-init` image for both architectures (arm64 through
//! qemu-aarch64-static mounted as the container's entrypoint, so no binfmt
//! registration is needed) holds exactly `/vanish-init`, and copied with
//! `COPY --from=` into an app image it runs the app as PID 1; `--manifest`
//! makes a manifest list of the two. The `vanish`
//! CLI image needs the launcher's slow release builds, so its test is
//! `#[ignore]`d: run it after `scripts/dist.sh` with `--run-ignored only`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use vanish_e2e::docker::{available, docker};
use vanish_e2e::init::temp_dir;
use vanish_e2e::{Output, bin, run, workspace_root};

const QEMU: &str = "/usr/bin/qemu-aarch64-static";

fn version() -> String {
    std::fs::read_to_string(workspace_root().join("Cargo.toml"))
        .expect("Cargo.toml")
        .lines()
        .find_map(|l| {
            l.strip_prefix("version = \"")
                .map(|v| v.trim_end_matches('"').to_string())
        })
        .expect("workspace version")
}

/// Removes the images (by tag) and containers a test made, even on failure.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = Command::new("docker").args(["rm", "-f", name]).output();
            let _ = Command::new("docker").args(["rmi", "-f", name]).output();
        }
    }
}

/// The files in an image's single layer (FROM scratch + one COPY).
fn layer_files(tag: &str) -> Vec<String> {
    let dir = temp_dir("save");
    let tar = dir.join("image.tar");
    let out = docker(
        &["save", "-o", tar.to_str().expect("utf-8"), tag],
        Duration::from_secs(120),
    );
    assert_eq!(out.code(), 0, "{out:?}");
    let x = run(
        Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&dir),
        Duration::from_secs(60),
    );
    assert_eq!(x.code(), 0, "{x:?}");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    let layers = manifest[0]["Layers"].as_array().expect("layers");
    let mut files = Vec::new();
    for layer in layers {
        let t = run(
            Command::new("tar")
                .arg("-tf")
                .arg(dir.join(layer.as_str().expect("path"))),
            Duration::from_secs(60),
        );
        assert_eq!(t.code(), 0, "{t:?}");
        files.extend(t.stdout.lines().map(String::from));
    }
    let _ = std::fs::remove_dir_all(&dir);
    files.sort();
    files
}

fn arch_of(tag: &str) -> String {
    let out = docker(
        &[
            "image",
            "inspect",
            "--format",
            "{{.Os}}/{{.Architecture}}",
            tag,
        ],
        Duration::from_secs(30),
    );
    assert_eq!(out.code(), 0, "{out:?}");
    out.stdout.trim().to_string()
}

/// `docker run --rm --network none` of an arm64 image, its entrypoint run by
/// the host's qemu-aarch64-static (mounted read-only).
fn run_arm64(tag: &str, argv: &[&str]) -> Output {
    let mount = format!("{QEMU}:/qemu:ro");
    let mut args = vec![
        "run",
        "--rm",
        "--network",
        "none",
        "--platform",
        "linux/arm64",
        "-v",
        &mount,
        "--entrypoint",
        "/qemu",
        tag,
    ];
    args.extend_from_slice(argv);
    docker(&args, Duration::from_secs(120))
}

#[test]
fn vanish_init_images_hold_only_the_binary_and_run_an_app_as_pid_1() {
    if !available("vanish_init_images_hold_only_the_binary_and_run_an_app_as_pid_1") {
        return;
    }
    let pid = std::process::id();
    let prefix = format!("vanish-test/dist-{pid}-");
    let dist: PathBuf = workspace_root().join(format!("target/dist-test-{pid}"));
    let version = version();
    let tags: Vec<String> = ["amd64", "arm64"]
        .iter()
        .map(|a| format!("{prefix}vanish-init:{version}-{a}"))
        .collect();
    let app = format!("vanish-test/dist-{pid}-app:latest");
    let mut cleanup = Cleanup(tags.clone());
    cleanup.0.push(app.clone());

    let out = run(
        Command::new(workspace_root().join("scripts/dist.sh"))
            .args(["--init-only", "--manifest"])
            .env("VANISH_DIST_DIR", &dist)
            .env("VANISH_IMAGE_PREFIX", &prefix),
        Duration::from_secs(900),
    );
    assert_eq!(
        out.code(),
        0,
        "scripts/dist.sh --init-only:\n{}",
        out.stderr
    );
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).expect("SHA256SUMS");
    let names: Vec<&str> = sums.lines().filter_map(|l| l.split("  ").nth(1)).collect();
    assert_eq!(
        names,
        ["vanish-init-linux-aarch64", "vanish-init-linux-x86_64"]
    );

    // The multi-arch manifest list (pushed to dist.sh's loopback registry).
    let list: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dist.join("manifests/vanish-init.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(
        list["mediaType"],
        "application/vnd.docker.distribution.manifest.list.v2+json"
    );
    let platforms: Vec<String> = list["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["platform"]["os"].as_str().expect("os"),
                m["platform"]["architecture"].as_str().expect("arch")
            )
        })
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);

    // Exactly /vanish-init, for the right architecture, in each image.
    assert_eq!(arch_of(&tags[0]), "linux/amd64");
    assert_eq!(arch_of(&tags[1]), "linux/arm64");
    for tag in &tags {
        assert_eq!(layer_files(tag), ["vanish-init"], "{tag}");
    }

    // Each runs: natively, and arm64 under qemu.
    let want = format!("vanish-init {version}\n");
    let amd = docker(
        &["run", "--rm", "--network", "none", &tags[0], "--version"],
        Duration::from_secs(60),
    );
    assert_eq!(
        (amd.code(), amd.stdout.as_str()),
        (0, want.as_str()),
        "{amd:?}"
    );
    let arm = run_arm64(&tags[1], &["/vanish-init", "--version"]);
    assert_eq!(
        (arm.code(), arm.stdout.as_str()),
        (0, want.as_str()),
        "{arm:?}"
    );

    // What it is for: COPY --from= into an app image, as its ENTRYPOINT.
    let ctx = temp_dir("app");
    std::fs::copy("/bin/busybox", ctx.join("busybox")).expect("busybox-static");
    std::fs::write(
        ctx.join("Dockerfile"),
        format!(
            "FROM {} AS init\nFROM scratch\nCOPY --from=init /vanish-init /vanish-init\n\
             COPY busybox /bin/busybox\nENTRYPOINT [\"/vanish-init\", \"--\"]\n",
            tags[0]
        ),
    )
    .expect("Dockerfile");
    let built = docker(
        &["build", "-q", "-t", &app, ctx.to_str().expect("utf-8")],
        Duration::from_secs(120),
    );
    let _ = std::fs::remove_dir_all(&ctx);
    assert_eq!(built.code(), 0, "{built:?}");
    let ran = docker(
        &[
            "run",
            "--rm",
            "--network",
            "none",
            &app,
            "/bin/busybox",
            "sh",
            "-c",
            "echo hello; exit 3",
        ],
        Duration::from_secs(60),
    );
    assert_eq!((ran.code(), ran.stdout.as_str()), (3, "hello\n"), "{ran:?}");
    assert!(ran.stderr.contains("started pid=1"), "{ran:?}");
    let _ = std::fs::remove_dir_all(&dist);
}

/// The CLI image for both architectures, as `scripts/dist.sh` left them
/// (default prefix): it runs, answers as the workspace's own build does,
/// has CA roots, and a shell for CI runners (GitLab overrides the entrypoint).
#[test]
#[ignore = "needs the launcher's release builds: run scripts/dist.sh first"]
fn vanish_cli_images_run_with_ca_roots_and_a_shell() {
    if !available("vanish_cli_images_run_with_ca_roots_and_a_shell") {
        return;
    }
    let version = version();
    let amd = format!("vanish-dist/vanish:{version}-amd64");
    let arm = format!("vanish-dist/vanish:{version}-arm64");
    assert_eq!(arch_of(&amd), "linux/amd64", "run scripts/dist.sh first");
    assert_eq!(arch_of(&arm), "linux/arm64", "run scripts/dist.sh first");

    let want = format!("vanish {version}\n");
    let out = docker(
        &["run", "--rm", "--network", "none", &amd, "--version"],
        Duration::from_secs(60),
    );
    assert_eq!(
        (out.code(), out.stdout.as_str()),
        (0, want.as_str()),
        "{out:?}"
    );
    let out = run_arm64(&arm, &["/usr/local/bin/vanish", "--version"]);
    assert_eq!(
        (out.code(), out.stdout.as_str()),
        (0, want.as_str()),
        "{out:?}"
    );

    // The same policy as the workspace's own (debug) build prints.
    let own = run(
        Command::new(bin("vanish")).arg("iam-policy"),
        Duration::from_secs(30),
    );
    assert_eq!(own.code(), 0, "{own:?}");
    let out = docker(
        &["run", "--rm", "--network", "none", &amd, "iam-policy"],
        Duration::from_secs(60),
    );
    assert_eq!((out.code(), &out.stdout), (0, &own.stdout), "{out:?}");
    let out = run_arm64(&arm, &["/usr/local/bin/vanish", "iam-policy"]);
    assert_eq!((out.code(), &out.stdout), (0, &own.stdout), "{out:?}");

    // GitLab's way: entrypoint "" and a shell script; the CA bundle is the one
    // SSL_CERT_FILE names.
    let out = docker(
        &[
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "",
            &amd,
            "sh",
            "-c",
            "mkdir -p /tmp/x && test -s \"$SSL_CERT_FILE\" && grep -c 'BEGIN CERTIFICATE' \"$SSL_CERT_FILE\" >/dev/null && command -v vanish",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(
        (out.code(), out.stdout.as_str()),
        (0, "/usr/local/bin/vanish\n"),
        "{out:?}"
    );
    let ca =
        std::fs::read(Path::new("/etc/ssl/certs/ca-certificates.crt")).expect("host CA bundle");
    let out = docker(
        &[
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "/bin/cat",
            &amd,
            "/etc/ssl/certs/ca-certificates.crt",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(
        out.stdout.as_bytes(),
        ca.as_slice(),
        "Debian's ca-certificates bundle"
    );
}
