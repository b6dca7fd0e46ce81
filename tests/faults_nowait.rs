//! `vanish up --no-wait` under faults: the real binary against moto through
//! the fault proxy (`tests/support/fault_proxy.py`). `--no-wait` skips the
//! wait for RUNNING, but `--wait` (default 10m) still bounds setup, RunTask
//! and the one look after it: running out is exit 4, as with `--wait`, and
//! stderr names the call(s) still in flight. Each test asserts the exact
//! exit status, the lines that name what was cut short, and the time taken.

use std::process::Stdio;
use std::time::{Duration, Instant};

use vanish_e2e::faults::FaultProxy;
use vanish_e2e::moto::Moto;
use vanish_e2e::{Output, wait};

const FUTURE: &str = "2099-01-01T00:00:00Z";

/// `vanish up --plan PLAN --no-wait --wait 3s` through `proxy`, and how long
/// it took.
fn up_no_wait(moto: &Moto, proxy: &FaultProxy, name: &str) -> (Output, Duration) {
    let plan = moto.plan(name, "nginx:1", FUTURE);
    let start = Instant::now();
    let child = moto
        .vanish()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args([
            "up",
            "--plan",
            plan.to_str().expect("utf-8"),
            "--no-wait",
            "--wait",
            "3s",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vanish");
    let out = wait(child, Duration::from_secs(90));
    (out, start.elapsed())
}

#[test]
fn no_wait_is_still_bounded_by_wait_when_every_call_stalls() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint, r#"[{"op": "*", "action": "stall"}]"#);
    let (out, took) = up_no_wait(&moto, &proxy, "nowait-stall-1");
    assert_eq!(out.code(), 4, "{out:?}");
    // The SDK alone would give up only after --aws-timeout (60 s), with exit 3.
    assert!(took >= Duration::from_secs(3), "took {took:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // The plan names no subnets: the default network and the task
    // definition are looked up at once, and both stall.
    assert!(
        out.stderr.contains(
            "WARN still in flight when --wait 3s ran out: ec2:DescribeVpcs/DescribeSubnets/DescribeSecurityGroups, ecs:DescribeTaskDefinition\n"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with(
            "error: --wait 3s ran out before RunTask\n  nothing was launched\n  hint: --no-wait skips the wait for RUNNING, but --wait still bounds setup and RunTask\n"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
    assert_eq!(proxy.count("ecs:RunTask"), 0, "{:?}", proxy.requests());
}

#[test]
fn no_wait_is_bounded_during_its_one_look_at_the_eni() {
    let moto = Moto::start();
    let proxy = FaultProxy::start(
        &moto.endpoint,
        r#"[{"op": "ec2:DescribeNetworkInterfaces", "action": "stall"}]"#,
    );
    let (out, took) = up_no_wait(&moto, &proxy, "nowait-eni-1");
    assert_eq!(out.code(), 4, "{out:?}");
    assert!(took >= Duration::from_secs(3), "took {took:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(
        out.stderr.contains(
            "WARN still in flight when --wait 3s ran out: ec2:DescribeNetworkInterfaces\n"
        ),
        "{}",
        out.stderr
    );
    let error = out
        .stderr
        .lines()
        .skip_while(|l| !l.starts_with("error: "))
        .collect::<Vec<_>>();
    assert_eq!(error.len(), 3, "{}", out.stderr);
    assert!(
        error[0].starts_with("error: --wait 3s ran out while looking up task ")
            && error[0].ends_with("'s ENI"),
        "{}",
        out.stderr
    );
    assert!(error[1].starts_with("  last status: "), "{}", out.stderr);
    assert_eq!(
        error[2],
        "  hint: the task is left running until its TTL; `vanish down` stops it"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(proxy.count("ecs:RunTask"), 1, "{:?}", proxy.requests());
}
