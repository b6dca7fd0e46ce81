//! `vanish` under faults (issue 12): the real binary against moto through the
//! fault proxy (`tests/support/fault_proxy.py`): stalled and delayed calls,
//! failed StopTask, lost RunTask answers, signals at every phase, concurrent
//! launches. Each test asserts the exact exit status and the lines that
//! name what was left behind.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vanish_e2e::faults::FaultProxy;
use vanish_e2e::moto::Moto;
use vanish_e2e::{Output, wait};

const FUTURE: &str = "2099-01-01T00:00:00Z";
const PAST: &str = "2000-01-01T00:00:00Z";

/// `vanish ARGS` through `proxy`, spawned with piped output.
fn spawn(moto: &Moto, proxy: &FaultProxy, args: &[&str]) -> Child {
    moto.vanish()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vanish")
}

fn run(moto: &Moto, proxy: &FaultProxy, args: &[&str]) -> Output {
    wait(spawn(moto, proxy, args), Duration::from_secs(90))
}

/// Waits (deadline 30 s) until `cond` holds.
fn until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(30), "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill(child: &Child, sig: &str) {
    let st = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(st.success());
}

fn arn_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with("arn:aws:ecs:") && w.contains(":task/"))
        .unwrap_or_else(|| panic!("no task ARN in {text:?}"))
        .to_string()
}

#[test]
fn wait_bounds_up_when_describe_tasks_never_answers() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(
        &moto.endpoint,
        r#"[{"op": "ecs:DescribeTasks", "action": "stall"}]"#,
    );
    let plan = moto.plan("stall-1", "nginx:1", FUTURE);
    let start = Instant::now();
    let out = run(
        &moto,
        &proxy,
        &[
            "up",
            "--plan",
            plan.to_str().expect("utf-8"),
            "--no-public-ip",
            "--wait",
            "5s",
        ],
    );
    let took = start.elapsed();
    assert_eq!(out.code(), 4, "{out:?}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert!(
        out.stderr.contains("error: task ") && out.stderr.contains(" not RUNNING after 5s\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("  hint: the task is left running until its TTL; `vanish down` stops it"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn wait_bounds_setup_too_and_nothing_is_launched_when_it_runs_out() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(
        &moto.endpoint,
        r#"[{"op": "*", "action": "delay", "ms": 2000}]"#,
    );
    let plan = moto.plan("slow-1", "nginx:1", FUTURE);
    let start = Instant::now();
    let out = run(
        &moto,
        &proxy,
        &[
            "up",
            "--plan",
            plan.to_str().expect("utf-8"),
            "--wait",
            "3s",
        ],
    );
    let took = start.elapsed();
    assert_eq!(out.code(), 4, "{out:?}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(
        out.stderr
            .ends_with("error: --wait 3s ran out before RunTask\n  nothing was launched\n"),
        "{}",
        out.stderr
    );
    assert_eq!(proxy.count("ecs:RunTask"), 0, "{:?}", proxy.requests());
}

#[test]
fn an_interrupt_while_run_task_is_in_flight_stops_the_task_and_names_it() {
    for (sig, code, name) in [("-INT", 130, "SIGINT"), ("-TERM", 143, "SIGTERM")] {
        let moto = Moto::start();
        let proxy = FaultProxy::start(
            &moto.endpoint,
            r#"[{"op": "ecs:RunTask", "action": "delay", "ms": 2000}]"#,
        );
        let plan = moto.plan("inflight-1", "nginx:1", FUTURE);
        let child = spawn(
            &moto,
            &proxy,
            &[
                "up",
                "--plan",
                plan.to_str().expect("utf-8"),
                "--no-public-ip",
            ],
        );
        until("RunTask sent", || proxy.count("ecs:RunTask") >= 1);
        kill(&child, sig);
        let out = wait(child, Duration::from_secs(30));
        assert_eq!(out.code(), code, "{out:?}");
        assert!(
            out.stderr.contains(&format!(
                "error: interrupted ({name})\n  stopped arn:aws:ecs:"
            )),
            "{}",
            out.stderr
        );
        let arn = arn_in(&out.stderr);
        assert_eq!(proxy.count("ecs:StopTask"), 1, "{:?}", proxy.requests());
        assert_eq!(moto.fixture(&["status", &arn]).trim(), "STOPPED");
    }
}

#[test]
fn a_lost_run_task_answer_is_recovered_by_the_launch_tag_and_stopped() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(
        &moto.endpoint,
        r#"[{"op": "ecs:RunTask", "action": "blackhole"}]"#,
    );
    let plan = moto.plan("lost-1", "nginx:1", FUTURE);
    let child = spawn(
        &moto,
        &proxy,
        &[
            "up",
            "--plan",
            plan.to_str().expect("utf-8"),
            "--no-public-ip",
            "--aws-attempt-timeout",
            "60s",
        ],
    );
    until("RunTask sent", || proxy.count("ecs:RunTask") >= 1);
    std::thread::sleep(Duration::from_millis(500));
    kill(&child, "-TERM");
    let out = wait(child, Duration::from_secs(40));
    assert_eq!(out.code(), 143, "{out:?}");
    assert!(
        out.stderr
            .contains("error: interrupted (SIGTERM)\n  stopped arn:aws:ecs:"),
        "{}",
        out.stderr
    );
    let arn = arn_in(&out.stderr);
    assert_eq!(moto.fixture(&["status", &arn]).trim(), "STOPPED");
}

#[test]
fn a_second_interrupt_exits_at_once_naming_what_it_leaves() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(
        &moto.endpoint,
        r#"[{"op": "ecs:RunTask", "action": "stall"}]"#,
    );
    let plan = moto.plan("twice-1", "nginx:1", FUTURE);
    let child = spawn(
        &moto,
        &proxy,
        &[
            "up",
            "--plan",
            plan.to_str().expect("utf-8"),
            "--no-public-ip",
        ],
    );
    until("RunTask sent", || proxy.count("ecs:RunTask") >= 1);
    kill(&child, "-INT");
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    kill(&child, "-INT");
    let out = wait(child, Duration::from_secs(30));
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(out.code(), 130, "{out:?}");
    assert!(
        out.stderr.contains(
            "error: interrupted (SIGINT); second SIGINT: exiting now\n  left running, not stopped: (RunTask's answer not known yet)\n  hint: `vanish down NAME` stops it; otherwise its TTL does\n"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn sigterm_while_the_plan_loads_is_a_message_and_exit_143() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint, "[]");
    // The plan comes from stdin, which stays open and empty: the load blocks.
    let child = moto
        .vanish()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args(["up", "--plan", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(1500));
    kill(&child, "-TERM");
    let out = wait(child, Duration::from_secs(20));
    assert_eq!(out.code(), 143, "{out:?}");
    assert_eq!(
        out.stderr,
        "error: interrupted (SIGTERM) while loading the spec: nothing was launched\n"
    );
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
}

#[test]
fn concurrent_ups_of_one_name_converge_to_the_newest() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(
        &moto.endpoint,
        r#"[{"op": "*", "action": "delay", "ms": 300}]"#,
    );
    let plan = moto.plan("race-1", "nginx:1", FUTURE);
    let args = [
        "up",
        "--plan",
        plan.to_str().expect("utf-8"),
        "--no-public-ip",
    ];
    let a = spawn(&moto, &proxy, &args);
    let b = spawn(&moto, &proxy, &args);
    let (a, b) = (
        wait(a, Duration::from_secs(90)),
        wait(b, Duration::from_secs(90)),
    );
    assert_eq!(a.code(), 0, "{a:?}");
    assert_eq!(b.code(), 0, "{b:?}");
    let ls = moto.run_vanish(&["ls"]);
    assert_eq!(ls.code(), 0, "{ls:?}");
    let rows: Vec<&str> = ls.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "exactly one task survives: {ls:?}");
    let survivor = rows[0].split_whitespace().last().expect("task id");
    let (arn_a, arn_b) = (arn_in(&a.stdout), arn_in(&b.stdout));
    assert!(
        arn_a.ends_with(survivor) || arn_b.ends_with(survivor),
        "{survivor} is one of the two launches"
    );
}

#[test]
fn a_failed_stop_of_the_replaced_task_warns_and_still_publishes() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint, "[]");
    let plan = moto.plan("repl-1", "nginx:1", FUTURE);
    let args = [
        "up",
        "--plan",
        plan.to_str().expect("utf-8"),
        "--no-public-ip",
    ];
    let first = run(&moto, &proxy, &args);
    assert_eq!(first.code(), 0, "{first:?}");
    proxy.set_rules(r#"[{"op": "ecs:StopTask", "action": "error", "status": 500}]"#);
    let gh = moto.dir.join("gh_output");
    let second = wait(
        moto.vanish()
            .env("AWS_ENDPOINT_URL", &proxy.endpoint)
            .env("GITHUB_OUTPUT", &gh)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn"),
        Duration::from_secs(90),
    );
    assert_eq!(second.code(), 0, "{second:?}");
    assert!(second.stdout.starts_with("http://10."), "{second:?}");
    assert!(
        second
            .stderr
            .contains("could not stop the replaced task (it runs until its TTL)"),
        "{}",
        second.stderr
    );
    let out = std::fs::read_to_string(&gh).expect("GITHUB_OUTPUT written");
    assert!(out.contains("url=http://10."), "{out}");
}

#[test]
fn sweep_and_down_all_go_on_after_a_failed_stop_task_and_exit_3() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint, "[]");
    for name in ["old-1", "old-2", "old-3"] {
        let plan = moto.plan(name, "nginx:1", PAST);
        let up = run(
            &moto,
            &proxy,
            &[
                "up",
                "--plan",
                plan.to_str().expect("utf-8"),
                "--no-public-ip",
            ],
        );
        assert_eq!(up.code(), 0, "{up:?}");
    }
    // The second StopTask fails (with the SDK's two retries); the others
    // must still be tried.
    proxy.set_rules(
        r#"[{"op": "ecs:StopTask", "action": "error", "status": 500, "after": 1, "times": 3}]"#,
    );
    let sweep = run(&moto, &proxy, &["sweep"]);
    assert_eq!(sweep.code(), 3, "{sweep:?}");
    assert_eq!(sweep.stdout.lines().count(), 2, "{sweep:?}");
    assert_eq!(
        sweep.stderr.matches("error: could not stop old-").count(),
        1,
        "{}",
        sweep.stderr
    );
    assert!(
        sweep
            .stderr
            .ends_with("error: sweep could not stop 1 of 3 expired task(s)\n"),
        "{}",
        sweep.stderr
    );
    assert_eq!(
        proxy.count("ecs:StopTask"),
        3 + 2,
        "the SDK retried the 500 twice"
    );

    proxy.set_rules(r#"[{"op": "ecs:StopTask", "action": "error", "status": 500}]"#);
    let down = run(&moto, &proxy, &["down", "--all"]);
    assert_eq!(down.code(), 3, "{down:?}");
    assert!(
        down.stderr
            .ends_with("error: could not stop 1 of 1 task(s)\n"),
        "{}",
        down.stderr
    );
}

#[test]
fn an_edited_identity_in_a_plan_is_refused_before_any_call() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint, "[]");
    let plan = moto.plan("ident-1", "nginx:1", FUTURE);
    let text = std::fs::read_to_string(&plan).expect("plan");
    std::fs::write(
        &plan,
        text.replace(r#""startedBy": "vanish""#, r#""startedBy": "me""#),
    )
    .expect("edit");
    let out = run(
        &moto,
        &proxy,
        &["up", "--plan", plan.to_str().expect("utf-8")],
    );
    assert_eq!(out.code(), 2, "{out:?}");
    assert_eq!(
        out.stderr,
        format!(
            "error: {}: the plan's identity fields are not vanish's: ls, down and sweep would never see the task\n  --> runTask.startedBy is \"me\", not \"vanish\"\n  hint: render the plan again with `vanish render --show-secrets`; do not edit these fields\n",
            plan.display()
        )
    );
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
}

#[test]
fn an_interrupted_vanish_run_stops_its_one_off_task() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint, "[]");
    let plan = moto.plan("mig-1", "nginx:1", FUTURE);
    let child = spawn(
        &moto,
        &proxy,
        &[
            "run",
            "--plan",
            plan.to_str().expect("utf-8"),
            "web",
            "--",
            "migrate",
        ],
    );
    until("the task is followed", || {
        proxy.count("ecs:RunTask") >= 1 && proxy.count("ecs:DescribeTasks") >= 1
    });
    kill(&child, "-TERM");
    let out = wait(child, Duration::from_secs(30));
    assert_eq!(out.code(), 143, "{out:?}");
    assert!(
        out.stderr
            .contains("error: interrupted (SIGTERM)\n  stopped arn:aws:ecs:"),
        "{}",
        out.stderr
    );
    let arn = arn_in(&out.stderr);
    assert_eq!(moto.fixture(&["status", &arn]).trim(), "STOPPED");
}
