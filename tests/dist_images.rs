//! The images scripts/dist.sh builds, run on the real Docker engine: the
//! `vanish-init` image for both architectures (arm64 through
//! qemu-aarch64-static mounted as the container's entrypoint, so no binfmt
//! registration is needed) holds exactly `/vanish-init`, and copied with
//! `COPY --from=` into an app image it runs the app as PID 1; `--manifest`
//! makes a manifest list of the two. The `vanish` CLI image: CI builds its
//! x86_64 test build (`scripts/dist.sh --cli-test-image`, the fast `ci-image`
//! profile) before the tests, and the same checks run on it as on the release
//! images: it answers as the workspace's build does, holds exactly the CLI,
//! Debian's CA roots and busybox, verifies TLS against those roots, and runs a
//! job script as GitLab's Docker executor does. The release images need the
//! launcher's slow release builds, so their test is `#[ignore]`d: run it after
//! `scripts/dist.sh` with `--run-ignored only`.

#[path = "support/cli_image.rs"]
mod cli_image;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cli_image::version;
use vanish_e2e::docker::{available, docker};
use vanish_e2e::init::temp_dir;
use vanish_e2e::moto::{Moto, python};
use vanish_e2e::{Output, bin, run, workspace_root};

const QEMU: &str = "/usr/bin/qemu-aarch64-static";

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

/// The x86_64 CLI test image that CI builds before the tests
/// (`scripts/dist.sh --cli-test-image`): marked as a test build, and it does
/// everything the release image is for ([`check_cli_image`]).
#[test]
fn vanish_cli_test_image_runs_as_a_gitlab_job_image_with_ca_roots() {
    let Some(tag) =
        cli_image::present("vanish_cli_test_image_runs_as_a_gitlab_job_image_with_ca_roots")
    else {
        return;
    };
    let label = |key: &str| {
        let format = format!("{{{{index .Config.Labels \"{key}\"}}}}");
        let out = docker(
            &["image", "inspect", "--format", &format, &tag],
            Duration::from_secs(30),
        );
        assert_eq!(out.code(), 0, "{out:?}");
        out.stdout.trim().to_string()
    };
    assert_eq!(label("vanish.build-profile"), "ci-image");
    assert_eq!(
        label("org.opencontainers.image.description"),
        "vanish CLI: a CI test build (ci-image profile), not a release"
    );
    check_cli_image(&tag);
}

/// The release CLI images for both architectures, as `scripts/dist.sh` left
/// them (default prefix): the amd64 one passes [`check_cli_image`], the arm64
/// one (under qemu) answers as the workspace's own build does.
#[test]
#[ignore = "needs the launcher's release builds: run scripts/dist.sh first"]
fn vanish_cli_release_images_run_with_ca_roots_and_a_shell() {
    if !available("vanish_cli_release_images_run_with_ca_roots_and_a_shell") {
        return;
    }
    let version = version();
    let amd = format!("vanish-dist/vanish:{version}-amd64");
    let arm = format!("vanish-dist/vanish:{version}-arm64");
    assert_eq!(arch_of(&arm), "linux/arm64", "run scripts/dist.sh first");
    check_cli_image(&amd);
    let want = format!("vanish {version}\n");
    let out = run_arm64(&arm, &["/usr/local/bin/vanish", "--version"]);
    assert_eq!(
        (out.code(), out.stdout.as_str()),
        (0, want.as_str()),
        "{out:?}"
    );
    let own = run(
        Command::new(bin("vanish")).arg("iam-policy"),
        Duration::from_secs(30),
    );
    assert_eq!(own.code(), 0, "{own:?}");
    let out = run_arm64(&arm, &["/usr/local/bin/vanish", "iam-policy"]);
    assert_eq!((out.code(), &out.stdout), (0, &own.stdout), "{out:?}");
}

/// A job script as GitLab's Docker executor runs it in the CLI image: the
/// entrypoint overridden with "", the script run by the image's `sh`
/// (busybox), as root, in a build directory it makes; the ID token file
/// written the component's way (umask 077).
const JOB_SCRIPT: &str = r#"set -eo pipefail
mkdir -p /builds/group/project && cd /builds/group/project
(umask 077 && printf '%s' "$TOKEN" > .token) && stat -c 'token=%a' .token
printf 'user=%s tmp=%s\n' "$(id -u)" "$(stat -c %a /tmp)"
printf 'path=%s\nca=%s\n' "$PATH" "$SSL_CERT_FILE"
command -v vanish
vanish --version | tr a-z A-Z
rm -f .token && test ! -e .token && echo removed
"#;

/// What a `vanish` CLI image (linux/amd64) is for, on the real engine.
fn check_cli_image(tag: &str) {
    let version = version();
    assert_eq!(arch_of(tag), "linux/amd64", "{tag}");

    // Exactly the CLI, Debian's CA bundle, busybox with its applets, and /tmp.
    let applets = run(
        Command::new("/bin/busybox").arg("--list"),
        Duration::from_secs(10),
    );
    let mut want: Vec<String> = applets
        .stdout
        .lines()
        .filter(|a| *a != "busybox")
        .map(|a| format!("bin/{a}"))
        .chain(
            [
                "bin/",
                "bin/busybox",
                "etc/",
                "etc/ssl/",
                "etc/ssl/certs/",
                "etc/ssl/certs/ca-certificates.crt",
                "tmp/",
                "usr/",
                "usr/local/",
                "usr/local/bin/",
                "usr/local/bin/vanish",
            ]
            .map(String::from),
        )
        .collect();
    want.sort();
    assert_eq!(layer_files(tag), want, "{tag}");

    // The entrypoint is the CLI.
    let out = docker(
        &["run", "--rm", "--network", "none", tag, "--version"],
        Duration::from_secs(60),
    );
    assert_eq!(
        (out.code(), out.stdout.as_str(), out.stderr.as_str()),
        (0, format!("vanish {version}\n").as_str(), ""),
        "{out:?}"
    );
    // The same policy as the workspace's own (debug) build prints.
    let own = run(
        Command::new(bin("vanish")).arg("iam-policy"),
        Duration::from_secs(30),
    );
    assert_eq!(own.code(), 0, "{own:?}");
    let out = docker(
        &["run", "--rm", "--network", "none", tag, "iam-policy"],
        Duration::from_secs(60),
    );
    assert_eq!((out.code(), &out.stdout), (0, &own.stdout), "{out:?}");

    // GitLab's Docker executor.
    let out = docker(
        &[
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "",
            "-e",
            "TOKEN=eyJ0eXAiOiJKV1QifQ.e30.c2ln",
            tag,
            "sh",
            "-c",
            JOB_SCRIPT,
        ],
        Duration::from_secs(60),
    );
    assert_eq!(
        (out.code(), out.stdout.as_str(), out.stderr.as_str()),
        (
            0,
            format!(
                "token=600\nuser=0 tmp=1777\npath=/usr/local/bin:/bin\n\
                 ca=/etc/ssl/certs/ca-certificates.crt\n/usr/local/bin/vanish\n\
                 VANISH {version}\nremoved\n"
            )
            .as_str(),
            ""
        ),
        "{out:?}"
    );

    // The CA bundle is Debian's ca-certificates bundle, byte for byte.
    let ca = std::fs::read(Path::new(HOST_CA)).expect("host CA bundle");
    let out = docker(
        &[
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "/bin/cat",
            tag,
            HOST_CA,
        ],
        Duration::from_secs(60),
    );
    assert_eq!(
        out.stdout.as_bytes(),
        ca.as_slice(),
        "Debian's ca-certificates bundle"
    );

    check_tls_roots(tag, &ca);
}

const HOST_CA: &str = "/etc/ssl/certs/ca-certificates.crt";

/// The CLI in the image verifies TLS against the roots SSL_CERT_FILE names
/// (the image's bundle by default): an AWS endpoint on loopback whose
/// certificate a throwaway CA signed is refused with the image's own roots,
/// and answers once those roots plus that CA are named.
fn check_tls_roots(tag: &str, bundle: &[u8]) {
    let moto = Moto::start();
    moto.fixture(&["spawn", "1", "ci", "2099-01-01T00:00:00Z"]);
    let front = TlsFront::start(&moto.endpoint, &moto.dir);
    let roots = moto.dir.join("roots.pem");
    let mut combined = bundle.to_vec();
    combined.extend(std::fs::read(&front.ca).expect("test CA"));
    std::fs::write(&roots, combined).expect("roots.pem");
    let endpoint = format!("AWS_ENDPOINT_URL=https://127.0.0.1:{}", front.port);
    let mount = format!("{}:/test-roots.pem:ro", roots.display());
    let ls = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "--rm",
            "--network",
            "host",
            "-e",
            &endpoint,
            "-e",
            "AWS_ACCESS_KEY_ID=testing",
            "-e",
            "AWS_SECRET_ACCESS_KEY=testing",
            "-e",
            "AWS_REGION=us-east-1",
            "-e",
            "AWS_EC2_METADATA_DISABLED=true",
            "-e",
            "AWS_MAX_ATTEMPTS=1",
            "-e",
            "NO_COLOR=1",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[tag, "ls"]);
        docker(&args, Duration::from_secs(60))
    };

    // Refused: an AWS error (exit 3), not a panic (101: what the CLI does
    // when no root parses at all, e.g. a missing bundle).
    let refused = ls(&[]);
    assert_eq!(
        (refused.code(), refused.stdout.as_str()),
        (3, ""),
        "{refused:?}"
    );
    let lines: Vec<&str> = refused.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{refused:?}");
    assert_eq!(lines[0], "error: ecs:ListTasks: cannot reach AWS");
    assert!(
        lines[1].starts_with(
            "  --> dispatch failure: io error: client error (Connect): \
             TLS handshake failed: invalid peer certificate: UnknownIssuer"
        ),
        "{refused:?}"
    );
    assert_eq!(
        lines[2],
        "  hint: check the network, --region and --endpoint-url"
    );

    let answered = ls(&["-v", &mount, "-e", "SSL_CERT_FILE=/test-roots.pem"]);
    assert_eq!(answered.code(), 0, "{answered:?}");
    let rows: Vec<&str> = answered.stdout.lines().collect();
    assert_eq!(rows.len(), 2, "{answered:?}");
    assert!(rows[0].starts_with("NAME  STATUS"), "{answered:?}");
    assert!(rows[1].starts_with("ci-0  RUNNING"), "{answered:?}");
    drop(front);
}

/// `tls_front.py`: TLS with a throwaway CA's certificate on a loopback port,
/// relayed to an HTTP server; killed on drop.
struct TlsFront {
    child: Child,
    port: u16,
    ca: PathBuf,
}

impl TlsFront {
    fn start(upstream: &str, dir: &Path) -> TlsFront {
        let upstream_port = upstream.rsplit(':').next().expect("port");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let ca = dir.join("test-ca.pem");
        let log = std::fs::File::create(dir.join("tls-front.log")).expect("log");
        let mut child = Command::new(python())
            .arg(workspace_root().join("tests/support/tls_front.py"))
            .args([upstream_port, &port.to_string()])
            .arg(&ca)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("starting tls_front.py");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(dir.join("tls-front.log")).unwrap_or_default();
                panic!("tls_front.py exited ({status}) before it listened:\n{log}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "tls_front.py did not listen on {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        TlsFront { child, port, ca }
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
