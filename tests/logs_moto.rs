//! `vanish logs` end to end against moto: the fixture runs a task whose two
//! containers log with awslogs, writes events into the group and streams
//! vanish must derive (`<prefix>/<container>/<task-id>`), and `vanish logs`
//! prints them merged by time, filtered by `--tail`/`--since`, and follows
//! until the task stops.

use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vanish_e2e::moto::Moto;
use vanish_e2e::wait;

/// Ten minutes ago, on a whole minute (epoch seconds): recent enough for
/// CloudWatch Logs (and moto) to accept events.
fn base() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    (now / 60 * 60 - 600).to_string()
}

fn app(moto: &Moto, name: &str, base: &str) -> String {
    let arn = moto.fixture(&["logapp", name]).trim().to_string();
    moto.fixture(&[
        "put",
        &arn,
        "web",
        base,
        "0:web starting",
        "2:GET / 200",
        "4:GET /x 404",
    ]);
    moto.fixture(&["put", &arn, "worker", base, "1:worker up", "3:job 1 done"]);
    arn
}

#[test]
fn logs_merge_two_services_in_time_order_with_tail_and_since() {
    let moto = Moto::start();
    let base = base();
    app(&moto, "mr-logs", &base);

    let all = moto.run_vanish(&["logs", "mr-logs"]);
    assert_eq!(all.code(), 0, "{all:?}");
    assert_eq!(
        all.stdout,
        "web    | web starting\nworker | worker up\nweb    | GET / 200\nworker | job 1 done\nweb    | GET /x 404\n"
    );

    let tail = moto.run_vanish(&["logs", "mr-logs", "--tail", "2"]);
    assert_eq!(tail.code(), 0, "{tail:?}");
    assert_eq!(tail.stdout, "worker | job 1 done\nweb    | GET /x 404\n");

    let at = (base.parse::<u64>().expect("base") + 2).to_string();
    let at = moto.fixture(&["iso", &at]).trim().to_string();
    let since = moto.run_vanish(&["logs", "mr-logs", "--since", &at]);
    assert_eq!(since.code(), 0, "{since:?}");
    assert_eq!(
        since.stdout,
        "web    | GET / 200\nworker | job 1 done\nweb    | GET /x 404\n"
    );

    // One service: the app's own lines, no prefix; env mirrors work.
    let web = run_env(&moto, &["logs", "mr-logs", "web"], &[("VANISH_TAIL", "2")]);
    assert_eq!(web.code(), 0, "{web:?}");
    assert_eq!(web.stdout, "GET / 200\nGET /x 404\n");

    let bad = moto.run_vanish(&["logs", "mr-logs", "--since", "banana"]);
    assert_eq!(bad.code(), 2, "{bad:?}");
    assert!(bad.stderr.contains("invalid --since value"), "{bad:?}");
}

fn run_env(moto: &Moto, args: &[&str], env: &[(&str, &str)]) -> vanish_e2e::Output {
    let mut c = moto.vanish();
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    vanish_e2e::run(&mut c, Duration::from_secs(60))
}

#[test]
fn unknown_name_and_missing_stream_are_one_clear_error() {
    let moto = Moto::start();
    app(&moto, "mr-a", &base());
    let unknown = moto.run_vanish(&["logs", "nope"]);
    assert_eq!(unknown.code(), 1, "{unknown:?}");
    assert_eq!(unknown.stdout, "");
    assert_eq!(
        unknown.stderr,
        "error: no review app named nope\n  running: mr-a\n"
    );

    // A task whose containers have not logged anything yet.
    moto.fixture(&["logapp", "mr-b"]);
    let missing = moto.run_vanish(&["logs", "mr-b", "web"]);
    assert_eq!(missing.code(), 1, "{missing:?}");
    assert_eq!(missing.stdout, "");
    assert!(
        missing.stderr.starts_with("error: log stream 'mr-b/web/")
            && missing
                .stderr
                .contains("' in group '/vanish/mr-b' does not exist yet\n  hint: "),
        "{missing:?}"
    );
    assert!(!missing.stderr.contains("panicked"), "{missing:?}");
}

#[test]
fn follow_prints_new_lines_and_ends_with_the_exit_code_when_the_task_stops() {
    let moto = Moto::start();
    let arn = moto.fixture(&["logapp", "mr-f"]).trim().to_string();
    // Nothing logged yet: --follow waits for the streams.
    let child = moto
        .vanish()
        .args(["logs", "mr-f", "web", "--follow", "--poll", "100ms"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vanish logs --follow");
    let base = base();
    moto.fixture(&["put", &arn, "web", &base, "0:first"]);
    moto.fixture(&["put", &arn, "web", &base, "1:second"]);
    moto.fixture(&["stop", &arn]);
    let out = wait(child, Duration::from_secs(60));
    // moto reports exit code 0 for the task's (essential) container.
    assert_eq!(out.code(), 0, "{out:?}");
    assert_eq!(out.stdout, "first\nsecond\n", "{out:?}");
}

#[test]
fn a_stream_longer_than_one_page_is_read_to_the_end_in_order() {
    // GetLogEvents answers at most 10,000 events a page.
    const N: usize = 10_005;
    let moto = Moto::start();
    let arn = moto.fixture(&["logapp", "mr-big"]).trim().to_string();
    moto.fixture(&["bulk", &arn, "web", &base(), &N.to_string()]);
    let out = moto.run_vanish(&["logs", "mr-big", "web"]);
    assert_eq!(out.code(), 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), N);
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(*l, format!("line {i}"));
    }
    let tail = moto.run_vanish(&["logs", "mr-big", "web", "--tail", "2"]);
    assert_eq!(tail.code(), 0, "{tail:?}");
    assert_eq!(tail.stdout, format!("line {}\nline {}\n", N - 2, N - 1));
}

#[test]
fn run_streams_the_one_off_task_s_logs_and_exits_with_its_code() {
    let moto = Moto::start();
    let plan = moto.plan("mr-r", "app:1", "2099-01-01T00:00:00Z");
    // The moto plan has no log configuration: give web an awslogs one.
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("plan")).expect("json");
    json["registerTaskDefinition"]["containerDefinitions"][0]["logConfiguration"] = serde_json::json!({
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/vanish/mr-r", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "mr-r"}
    });
    // awslogs needs a task execution role (the strict AWS layer checks it).
    json["registerTaskDefinition"]["executionRoleArn"] =
        serde_json::json!("arn:aws:iam::123456789012:role/vanish-task-execution");
    std::fs::write(&plan, json.to_string()).expect("write plan");
    let child = moto
        .vanish()
        .args(["run", "--plan"])
        .arg(&plan)
        .args([
            "--poll",
            "100ms",
            "-e",
            "MIGRATE=1",
            "web",
            "--",
            "manage.py",
            "migrate",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vanish run");
    // The one-off task is its own app, `<name>-run`.
    let arn = moto
        .fixture(&["await", "mr-r-run", "60"])
        .trim()
        .to_string();
    let base = base();
    moto.fixture(&["put", &arn, "web", &base, "0:Applying 0001_initial... OK"]);
    moto.fixture(&["stop", &arn]);
    let out = wait(child, Duration::from_secs(60));
    assert_eq!(out.code(), 0, "{out:?}");
    assert_eq!(out.stdout, "Applying 0001_initial... OK\n", "{out:?}");
    assert!(out.stderr.contains("one-off task started"), "{out:?}");
}

#[test]
fn an_interrupted_run_stops_its_task_and_is_exit_143() {
    let moto = Moto::start();
    let plan = moto.plan("mr-i", "app:1", "2099-01-01T00:00:00Z");
    let child = moto
        .vanish()
        .args(["run", "--plan"])
        .arg(&plan)
        .args(["--poll", "100ms", "web"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vanish run");
    let arn = moto
        .fixture(&["await", "mr-i-run", "60"])
        .trim()
        .to_string();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    let out = wait(child, Duration::from_secs(60));
    // SIGTERM is exit 143 (issue 12; docs/cli.md "Exit codes").
    assert_eq!(out.code(), 143, "{out:?}");
    assert!(
        out.stderr
            .ends_with(&format!("error: interrupted (SIGTERM)\n  stopped {arn}\n")),
        "{out:?}"
    );
    assert_eq!(moto.fixture(&["status", &arn]).trim(), "STOPPED");
}
