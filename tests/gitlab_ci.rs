//! The GitLab CI/CD component (templates/vanish/template.yml) run for real:
//! gitlab-ci-local (npm, pinned; installed into .tools/ by scripts/setup.sh)
//! runs the jobs of examples/gitlab/.gitlab-ci.yml on the local Docker engine,
//! in the CLI test image (`scripts/dist.sh --cli-test-image`), against moto on
//! loopback: `review` runs `vanish up` and leaves its dotenv report, `sweep`
//! (a scheduled pipeline) leaves a live app alone, `stop` runs `vanish down`,
//! and a second `stop` of a gone app still passes.
//!
//! Where GitLab itself is stood in for:
//! - The example includes `component: $CI_SERVER_FQDN/OWNER/vanish/vanish@0.1.0`,
//!   which only a GitLab server resolves. Here the include is pinned to the
//!   pipeline's own commit instead (`@$CI_COMMIT_SHA`, GitLab's documented way
//!   to test a component in its own project): the test project is a git
//!   repository whose origin is `OWNER/vanish` and which holds
//!   templates/vanish/template.yml, so gitlab-ci-local reads the component
//!   from the checkout. That one reference is the only change to the example.
//! - `id_tokens`: no GitLab signs an OIDC token here, so `VANISH_ID_TOKEN` is a
//!   CI/CD variable with a JWT-shaped test token. The job writes it to its
//!   file and vanish exchanges it for the role (AssumeRoleWithWebIdentity on
//!   moto, through a recorder: moto ignores the token, the test reads what
//!   was sent).
//! - Inputs are the example's, plus `image` (the CLI test image) by --input.
//!   The example's CI/CD variables (role, account, subnets, security group)
//!   are --variable, the subnets those of moto's default VPC in the example's
//!   region; so are the AWS endpoints (AWS_ENDPOINT_URL to the strict AWS
//!   layer, AWS_ENDPOINT_URL_STS to the recorder).
//! - The job containers use the host's network (--network host), to reach
//!   moto on 127.0.0.1. Nothing is pulled: the job image is local
//!   (--pull-policy if-not-present pulls only a missing image), and
//!   gitlab-ci-local's helper image (it copies the checkout into the job's
//!   volume and the artifacts out) is built here from the host's busybox,
//!   bash and rsync.
//!
//! Not covered, GitLab's part: the issuance and claims of the ID token and
//! AWS's trust-policy check of them; environments (the URL taken from the
//! dotenv report, on_stop, auto_stop_in); the manual job's button (the stop
//! job is run by name).

#[path = "support/cli_image.rs"]
mod cli_image;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vanish_e2e::docker::in_ci;
use vanish_e2e::images::scratch_image;
use vanish_e2e::init::temp_dir;
use vanish_e2e::moto::{Moto, python, vanish_at};
use vanish_e2e::{Output, run, wait, workspace_root};

const REGION: &str = "eu-west-1";
const CLUSTER: &str = "review-apps";
const ROLE: &str = "arn:aws:iam::123456789012:role/vanish-ci";
/// A JWT-shaped token: header `{"alg":"RS256","typ":"JWT"}`, a GitLab-like
/// claim set, and a signature nobody checks here.
const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2dpdGxhYi5leGFtcGxlLmludmFsaWQiLCJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSIsInN1YiI6InByb2plY3RfcGF0aDpPV05FUi92YW5pc2g6cmVmX3R5cGU6YnJhbmNoOnJlZjptYWluIn0.c2lnbmF0dXJl";

/// gitlab-ci-local, as scripts/setup.sh installs it; `SKIP` (or a failure
/// under `CI=true`) when it is missing.
fn gitlab_ci_local(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("VANISH_GITLAB_CI_LOCAL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            workspace_root().join(".tools/gitlab-ci-local/node_modules/.bin/gitlab-ci-local")
        });
    let works = path.is_file()
        && run(
            Command::new(&path).arg("--version"),
            Duration::from_secs(60),
        )
        .status
        .success();
    if works {
        return Some(path);
    }
    let why = format!(
        "gitlab-ci-local does not run at {}; install it with `scripts/setup.sh`",
        path.display()
    );
    assert!(
        !in_ci(),
        "{test}: {why} (CI=true: a missing tool is a failure)"
    );
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIP {test}: {why}");
    None
}

/// The test project: a git repository whose origin is OWNER/vanish, holding
/// the component, the compose file the example names, and the example's
/// .gitlab-ci.yml with the component pinned to the pipeline's own commit.
fn project() -> PathBuf {
    let root = workspace_root();
    let dir = temp_dir("gitlab-project");
    let example = std::fs::read_to_string(root.join("examples/gitlab/.gitlab-ci.yml"))
        .expect("examples/gitlab/.gitlab-ci.yml");
    let released = format!(
        "component: $CI_SERVER_FQDN/OWNER/vanish/vanish@{}\n",
        cli_image::version()
    );
    assert_eq!(
        example.matches(&released).count(),
        1,
        "the example includes the released component once"
    );
    let pinned = example.replace(
        &released,
        "component: $CI_SERVER_FQDN/OWNER/vanish/vanish@$CI_COMMIT_SHA\n",
    );
    std::fs::write(dir.join(".gitlab-ci.yml"), pinned).expect(".gitlab-ci.yml");
    for file in [
        "templates/vanish/template.yml",
        "examples/review-app/docker-compose.yml",
        "examples/review-app/ecs-params.yml",
    ] {
        let dst = dir.join(file);
        std::fs::create_dir_all(dst.parent().expect("parent")).expect("mkdir");
        std::fs::copy(root.join(file), &dst).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=vanish",
            "-c",
            "user.email=dev@vanish.invalid",
            "commit",
            "-q",
            "-m",
            "review app",
        ],
        &[
            "remote",
            "add",
            "origin",
            "https://gitlab.example.invalid/OWNER/vanish.git",
        ],
        // As in a clone: origin's default branch is main.
        &["update-ref", "refs/remotes/origin/main", "HEAD"],
        &[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/main",
        ],
    ] {
        let out = run(
            Command::new("git").args(args).current_dir(&dir),
            Duration::from_secs(30),
        );
        assert_eq!(out.code(), 0, "git {args:?}: {out:?}");
    }
    dir
}

/// The CI/CD variables and options of a pipeline whose source is `source`.
fn pipeline_args(source: &str) -> Vec<String> {
    let mut args: Vec<String> = [
        "--variable",
        &format!("CI_PIPELINE_SOURCE={source}"),
        "--ignore-predefined-vars",
        "CI_PIPELINE_SOURCE",
        "--variable",
        "CI_MERGE_REQUEST_IID=42",
        "--no-color",
        "--max-job-name-padding",
        "0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if source == "schedule" {
        args.extend(["--variable".into(), "VANISH_SWEEP=true".into()]);
    }
    args
}

/// gitlab-ci-local in `project`, with its own home (no variables.yml of the
/// machine's user).
fn gcl(tool: &Path, project: &Path, args: &[String], deadline: Duration) -> Output {
    let home = project.join(".gcl-home");
    std::fs::create_dir_all(&home).expect("gcl home");
    run(
        Command::new(tool)
            .arg("--home")
            .arg(&home)
            .args(args)
            .current_dir(project),
        deadline,
    )
}

/// The jobs a pipeline of `source` gets, as `name=when` (from --list-json).
fn jobs(tool: &Path, project: &Path, source: &str) -> Vec<String> {
    let mut args = pipeline_args(source);
    args.push("--list-json".into());
    let out = gcl(tool, project, &args, Duration::from_secs(120));
    assert_eq!(out.code(), 0, "{out:?}");
    let list: serde_json::Value = serde_json::from_str(&out.stdout).expect("--list-json");
    let mut jobs: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|j| {
            format!(
                "{}={}",
                j["name"].as_str().expect("name"),
                j["when"].as_str().expect("when")
            )
        })
        .collect();
    jobs.sort();
    jobs
}

/// GitLab's rules, evaluated by gitlab-ci-local for the example: a merge
/// request gets `review` and a manual `stop`, a schedule with
/// VANISH_SWEEP=true gets `sweep` only.
#[test]
fn merge_requests_get_review_and_stop_and_schedules_get_sweep() {
    let test = "merge_requests_get_review_and_stop_and_schedules_get_sweep";
    let Some(tool) = gitlab_ci_local(test) else {
        return;
    };
    let project = project();
    assert_eq!(
        jobs(&tool, &project, "merge_request_event"),
        [
            "build=on_success",
            "review=on_success",
            "stop=manual",
            "sweep=never"
        ]
    );
    assert_eq!(
        jobs(&tool, &project, "schedule"),
        [
            "build=never",
            "review=never",
            "stop=never",
            "sweep=on_success"
        ]
    );
    let _ = std::fs::remove_dir_all(&project);
}

/// A Python helper from tests/support on a free loopback port, killed on drop.
struct Helper {
    child: Child,
    url: String,
}

impl Helper {
    fn start(script: &str, upstream: &str, log: &Path, dir: &Path) -> Helper {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let out = std::fs::File::create(dir.join(format!("{script}.log"))).expect("log");
        let mut child = Command::new(python())
            .arg(workspace_root().join("tests/support").join(script))
            .arg(upstream)
            .arg(port.to_string())
            .arg(log)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {script}: {e}"));
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log =
                    std::fs::read_to_string(dir.join(format!("{script}.log"))).unwrap_or_default();
                panic!("{script} exited ({status}) before it listened:\n{log}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{script} did not listen on {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Helper {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Removes the images a test built, even on failure.
struct Images(Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        for tag in &self.0 {
            let _ = Command::new("docker").args(["rmi", "-f", tag]).output();
        }
    }
}

/// gitlab-ci-local's helper image, from the host's files: it runs `sh` (to
/// chown the job's volume) and `bash` with `rsync` (to copy artifacts out);
/// busybox gives the rest. Each dynamically linked program comes with the
/// libraries `ldd` names, at the same paths.
fn helper_image(tag: &str) -> String {
    let programs = ["/usr/bin/bash", "/usr/bin/rsync"];
    let ldd = run(Command::new("ldd").args(programs), Duration::from_secs(30));
    assert_eq!(ldd.code(), 0, "{ldd:?}");
    let mut files: Vec<String> = programs.iter().map(|p| p.to_string()).collect();
    // `\tlibc.so.6 => /lib/…/libc.so.6 (0x…)` and `\t/lib64/ld-linux-….so.2 (0x…)`.
    for line in ldd.stdout.lines().filter(|l| l.contains(" (0x")) {
        let path = match line.split_once("=>") {
            Some((_, rest)) => rest.split_whitespace().next(),
            None => line
                .split_whitespace()
                .next()
                .filter(|p| p.starts_with('/')),
        };
        if let Some(path) = path.filter(|p| p.starts_with('/')) {
            files.push(path.to_string());
        }
    }
    files.sort();
    files.dedup();
    let mut pairs: Vec<(&Path, &str)> = files.iter().map(|f| (Path::new(f), f.as_str())).collect();
    pairs.push((Path::new("/bin/busybox"), "/bin/busybox"));
    scratch_image(tag, &pairs)
}

/// The review app's row of `vanish ls` (the host's own build), or "".
/// `moto_fixture.py` playing AWS's part in the pipeline's region and cluster.
fn fixture(endpoint: &str) -> Command {
    let mut cmd = Command::new(python());
    cmd.arg(workspace_root().join("tests/support/moto_fixture.py"))
        .arg(endpoint)
        .env("MOTO_FIXTURE_REGION", REGION)
        .env("MOTO_FIXTURE_CLUSTER", CLUSTER);
    cmd
}

fn ls_row(moto: &Moto, name: &str) -> String {
    let out = run(
        vanish_at(&moto.endpoint, &moto.dir)
            .env("AWS_REGION", REGION)
            .env("VANISH_CLUSTER", CLUSTER)
            .arg("ls"),
        Duration::from_secs(60),
    );
    assert_eq!(out.code(), 0, "{out:?}");
    out.stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or_default()
        .to_string()
}

/// What a job's script printed on stdout and on stderr: gitlab-ci-local's
/// `JOB > ` lines of each stream, without that prefix.
fn job_lines<'a>(out: &'a Output, job: &str) -> (Vec<&'a str>, Vec<&'a str>) {
    let prefix = format!("{job} > ");
    let lines = |s: &'a str| -> Vec<&'a str> {
        s.lines().filter_map(|l| l.strip_prefix(&prefix)).collect()
    };
    (lines(&out.stdout), lines(&out.stderr))
}

#[test]
fn review_sweep_and_stop_jobs_run_in_the_cli_image_against_moto() {
    let test = "review_sweep_and_stop_jobs_run_in_the_cli_image_against_moto";
    let Some(image) = cli_image::present(test) else {
        return;
    };
    let Some(tool) = gitlab_ci_local(test) else {
        return;
    };
    let moto = Moto::start();
    let region = |args: &[&str]| {
        let out = run(
            fixture(&moto.moto_endpoint).args(args),
            Duration::from_secs(120),
        );
        assert_eq!(out.code(), 0, "moto_fixture.py {args:?}: {out:?}");
        out.stdout.trim().to_string()
    };
    region(&["cluster"]);
    let net = region(&["net"]);
    let net: Vec<&str> = net.split(' ').collect();
    let sts_log = moto.dir.join("sts.jsonl");
    let sts = Helper::start("sts_recorder.py", &moto.moto_endpoint, &sts_log, &moto.dir);
    let helper = format!("vanish-test/gcl-helper-{}:local", std::process::id());
    let _images = Images(vec![helper.clone()]);
    helper_image(&helper);
    let project = project();

    let job = |name: &str, source: &str| {
        let mut args = pipeline_args(source);
        for var in [
            format!("VANISH_CI_ROLE_ARN={ROLE}"),
            "AWS_ACCOUNT_ID=123456789012".into(),
            format!("SUBNET_A={}", net[0]),
            format!("SUBNET_B={}", net[1]),
            format!("SECURITY_GROUP={}", net[2]),
            "EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/vanish-task-execution".into(),
            format!("VANISH_ID_TOKEN={TOKEN}"),
            format!("AWS_ENDPOINT_URL={}", moto.endpoint),
            format!("AWS_ENDPOINT_URL_STS={}", sts.url),
            "AWS_EC2_METADATA_DISABLED=true".into(),
            "VANISH_IP_WAIT=120s".into(),
            "NO_COLOR=1".into(),
        ] {
            args.extend(["--variable".into(), var]);
        }
        args.extend(
            [
                "--input",
                &format!("image={image}"),
                "--network",
                "host",
                "--pull-policy",
                "if-not-present",
                "--helper-image",
                &helper,
                "--no-artifacts-to-source",
                name,
            ]
            .map(String::from),
        );
        let home = project.join(".gcl-home");
        std::fs::create_dir_all(&home).expect("gcl home");
        Command::new(&tool)
            .arg("--home")
            .arg(&home)
            .args(&args)
            .current_dir(&project)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn gitlab-ci-local")
    };

    // review: `vanish up`, while the fixture plays AWS's part (the public IP).
    let child = job("review", "merge_request_event");
    let mut eip = fixture(&moto.moto_endpoint)
        .args(["eip", "mr-42", "240"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn moto_fixture.py eip");
    let review = wait(child, Duration::from_secs(480));
    if review.code() != 0 {
        let _ = eip.kill();
        panic!("the review job failed: {review:?}");
    }
    let eip = wait(eip, Duration::from_secs(60));
    assert_eq!(eip.code(), 0, "moto_fixture.py eip: {eip:?}");
    let ip = eip.stdout.trim().to_string();
    let url = format!("http://{ip}:80");
    let dotenv = std::fs::read_to_string(
        project.join(".gitlab-ci-local/artifacts/review/.gitlab-ci-reports/dotenv/vanish.env"),
    )
    .unwrap_or_else(|e| panic!("the review job's dotenv report: {e}\n{review:?}"));
    let report: Vec<(&str, &str)> = dotenv
        .lines()
        .map(|l| l.split_once('=').unwrap_or((l, "")))
        .collect();
    let value = |key: &str| {
        report
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("{key} in the dotenv report:\n{dotenv}"))
    };
    let arn = value("VANISH_TASK_ARN");
    let expires = value("VANISH_EXPIRES_AT");
    assert_eq!(
        report,
        [
            ("VANISH_URL", url.as_str()),
            ("VANISH_IP", ip.as_str()),
            ("VANISH_NAME", "mr-42"),
            ("VANISH_TASK_ARN", arn),
            ("VANISH_CLUSTER", CLUSTER),
            ("VANISH_EXPIRES_AT", expires),
        ],
        "{dotenv}"
    );
    assert!(
        arn.starts_with("arn:aws:ecs:eu-west-1:123456789012:task/review-apps/"),
        "{dotenv}"
    );
    // The job printed the URL line (stdout) and progress (stderr), nothing else.
    let (out, err) = job_lines(&review, "review");
    assert_eq!(out.len(), 1, "{review:?}");
    assert!(
        out[0].starts_with(&format!("{url}  proxy  mr-42  expires {expires} (in "))
            && out[0].ends_with(&format!(")  {arn}")),
        "{review:?}"
    );
    assert_eq!(err.len(), 3, "{review:?}");
    assert_eq!(
        err[0],
        " INFO first launch of this family: registering the task definition family=vanish-mr-42"
    );
    assert_eq!(err[1], format!(" INFO task started task={arn}"));
    assert!(err[2].contains(" vanish: RUNNING after "), "{review:?}");
    let row = ls_row(&moto, "mr-42");
    assert!(
        row.starts_with(&format!("mr-42  RUNNING  {url}")),
        "{row:?}"
    );

    // sweep (a schedule): the app is not expired, so it stays.
    let sweep = wait(job("sweep", "schedule"), Duration::from_secs(300));
    assert_eq!(sweep.code(), 0, "{sweep:?}");
    assert_eq!(
        job_lines(&sweep, "sweep"),
        (
            vec![],
            vec![" INFO sweep done checked=1 due=0 dry_run=false"]
        ),
        "{sweep:?}"
    );
    assert!(
        ls_row(&moto, "mr-42").starts_with("mr-42  RUNNING"),
        "{sweep:?}"
    );

    // stop: `vanish down`; then again, when the app is gone (exit 1 of
    // `vanish down` is success for this job).
    let stop = wait(job("stop", "merge_request_event"), Duration::from_secs(300));
    assert_eq!(stop.code(), 0, "{stop:?}");
    let stopped = format!("stopped mr-42  {arn}");
    assert_eq!(
        job_lines(&stop, "stop"),
        (vec![stopped.as_str()], vec![]),
        "{stop:?}"
    );
    assert_eq!(ls_row(&moto, "mr-42"), "", "stopped: {stop:?}");
    let again = wait(job("stop", "merge_request_event"), Duration::from_secs(300));
    assert_eq!(again.code(), 0, "{again:?}");
    assert_eq!(
        job_lines(&again, "stop"),
        (
            vec![],
            vec!["error: no review app named mr-42", "  running: (none)"]
        ),
        "{again:?}"
    );
    for out in [&review, &sweep, &stop, &again] {
        assert!(out.stdout.contains("\n PASS  "), "{out:?}");
        assert!(
            !out.stdout.contains(" pulled "),
            "nothing is pulled: {out:?}"
        );
        assert!(
            !out.stdout.contains("WARN") && !out.stderr.contains("WARN"),
            "{out:?}"
        );
    }

    // Each job's vanish exchanged the ID token (from the file the job wrote)
    // for the role the component names, in the component's session name
    // (gitlab-$CI_PROJECT_ID-$CI_JOB_ID): once per job.
    let calls: Vec<serde_json::Value> = std::fs::read_to_string(&sts_log)
        .expect("STS calls")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(calls.len(), 4, "{calls:#?}");
    let mut sessions = Vec::new();
    for call in &calls {
        let p = &call["params"];
        assert_eq!(p["Action"], "AssumeRoleWithWebIdentity", "{call}");
        assert_eq!(p["RoleArn"], ROLE, "{call}");
        assert_eq!(p["WebIdentityToken"], TOKEN, "{call}");
        let session = p["RoleSessionName"].as_str().expect("session name");
        let job_id = session.strip_prefix("gitlab-1217-").unwrap_or_default();
        assert!(
            !job_id.is_empty() && job_id.bytes().all(|b| b.is_ascii_digit()),
            "gitlab-$CI_PROJECT_ID-$CI_JOB_ID: {call}"
        );
        sessions.push(session);
    }
    sessions.sort();
    sessions.dedup();
    assert_eq!(sessions.len(), 4, "one session per job: {calls:#?}");

    let _ = std::fs::remove_dir_all(&project);
    drop(sts);
}
