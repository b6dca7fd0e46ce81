//! `vanish up / ls / down / sweep` end to end against a real moto server:
//! the real binary, the real SDK, SigV4 and the wire protocol. What moto
//! lacks (public IPs on task ENIs) the fixture supplies: it associates an
//! Elastic IP with the task's ENI while `up` waits, and `up` must print it.

use std::process::Stdio;
use std::time::Duration;

use vanish_e2e::moto::Moto;
use vanish_e2e::wait;

const FUTURE: &str = "2099-01-01T00:00:00Z";

fn task_arn(stdout: &str) -> String {
    stdout
        .split_whitespace()
        .find(|w| w.starts_with("arn:aws:ecs:"))
        .unwrap_or_else(|| panic!("no task ARN in {stdout:?}"))
        .to_string()
}

#[test]
fn up_prints_the_elastic_ip_then_ls_shows_it_and_down_stops_it() {
    let moto = Moto::start();
    let plan = moto.plan("mr-1", "nginx:1", FUTURE);
    let child = moto
        .vanish()
        .args(["up", "--plan"])
        .arg(&plan)
        .args(["--ip-wait", "60s", "--wait", "90s"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn vanish up");
    // Play AWS: give the task's ENI a public IP while vanish polls for it.
    let ip = moto.fixture(&["eip", "mr-1", "60"]).trim().to_string();
    let out = wait(child, Duration::from_secs(90));
    assert_eq!(out.code(), 0, "{out:?}");
    let line = out.stdout.lines().next().expect("one line");
    assert!(
        line.starts_with(&format!("http://{ip}:80  web  mr-1  expires {FUTURE} (in ")),
        "{out:?}"
    );
    assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
    assert!(
        out.stderr.contains("using the default VPC"),
        "says so: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("vanish: RUNNING after"),
        "{}",
        out.stderr
    );
    let arn = task_arn(&out.stdout);

    let ls = moto.run_vanish(&["ls"]);
    assert_eq!(ls.code(), 0, "{ls:?}");
    let rows: Vec<&str> = ls.stdout.lines().collect();
    assert_eq!(rows.len(), 2, "{ls:?}");
    assert!(rows[0].starts_with("NAME  STATUS   URL"), "{ls:?}");
    let cols: Vec<&str> = rows[1].split_whitespace().collect();
    assert_eq!(cols[0], "mr-1");
    assert_eq!(cols[1], "RUNNING");
    assert_eq!(cols[2], format!("http://{ip}:80"));
    assert!(rows[1].contains("alice"), "{ls:?}");
    assert!(arn.ends_with(cols[cols.len() - 1]), "{ls:?}");

    let json = moto.run_vanish(&["ls", "--output", "json"]);
    assert_eq!(json.code(), 0, "{json:?}");
    assert!(json.stdout.contains(r#""ttl": "2h""#), "{json:?}");
    assert!(
        json.stdout
            .contains(&format!(r#""expires_at": "{FUTURE}""#)),
        "{json:?}"
    );

    let down = moto.run_vanish(&["down", "mr-1", "--wait", "--timeout", "30s"]);
    assert_eq!(down.code(), 0, "{down:?}");
    assert_eq!(down.stdout, format!("stopped mr-1  {arn}\n"));
    assert_eq!(moto.fixture(&["status", &arn]).trim(), "STOPPED");
    let ls = moto.run_vanish(&["ls"]);
    assert_eq!(ls.code(), 0, "{ls:?}");
    assert_eq!(ls.stdout, "", "{ls:?}");
}

#[test]
fn second_up_of_the_same_name_replaces_the_first_without_churn() {
    let moto = Moto::start();
    let plan = moto.plan("mr-2", "nginx:1", FUTURE);
    let up = |extra: &[&str]| {
        let mut args = vec![
            "up",
            "--plan",
            plan.to_str().expect("utf-8"),
            "--no-public-ip",
        ];
        args.extend_from_slice(extra);
        moto.run_vanish(&args)
    };
    let first = up(&[]);
    assert_eq!(first.code(), 0, "{first:?}");
    assert!(
        first.stderr.contains("registering the task definition"),
        "{first:?}"
    );
    let first_arn = task_arn(&first.stdout);
    let gh_out = moto.dir.join("github_output");
    let gh_sum = moto.dir.join("github_summary");
    let dotenv = moto.dir.join("review.env");
    let second = vanish_e2e::run(
        moto.vanish()
            .env("GITHUB_OUTPUT", &gh_out)
            .env("GITHUB_STEP_SUMMARY", &gh_sum)
            .args([
                "up",
                "--plan",
                plan.to_str().expect("utf-8"),
                "--no-public-ip",
            ])
            .args(["--output", "json", "--dotenv"])
            .arg(&dotenv),
        Duration::from_secs(60),
    );
    assert_eq!(second.code(), 0, "{second:?}");
    assert!(
        second
            .stderr
            .contains("task definition unchanged: reusing it"),
        "{second:?}"
    );
    assert!(
        second.stderr.contains("replaced the previous task"),
        "{second:?}"
    );
    assert!(second.stdout.contains(r#""task_definition": "arn:aws:ecs:us-east-1:123456789012:task-definition/vanish-mr-2:1""#), "{second:?}");
    assert!(second.stdout.contains(r#""public_ip": null"#), "{second:?}");
    assert_eq!(moto.fixture(&["status", &first_arn]).trim(), "STOPPED");
    let second_arn = second
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix(r#""task_arn": ""#))
        .and_then(|l| l.strip_suffix(r#"","#))
        .expect("task_arn in JSON")
        .to_string();
    let ip = second
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix(r#""private_ip": ""#))
        .and_then(|l| l.strip_suffix(r#"","#))
        .expect("private_ip in JSON")
        .to_string();
    assert_eq!(
        std::fs::read_to_string(&gh_out).expect("GITHUB_OUTPUT"),
        format!("url=http://{ip}:80\nip={ip}\ntask_arn={second_arn}\n")
    );
    assert!(
        std::fs::read_to_string(&gh_sum)
            .expect("GITHUB_STEP_SUMMARY")
            .contains(&format!("- web: http://{ip}:80\n")),
    );
    assert_eq!(
        std::fs::read_to_string(&dotenv).expect("dotenv"),
        format!(
            "VANISH_URL=http://{ip}:80\nVANISH_IP={ip}\nVANISH_NAME=mr-2\nVANISH_TASK_ARN={second_arn}\nVANISH_CLUSTER=default\nVANISH_EXPIRES_AT={FUTURE}\n"
        )
    );
    let ls = moto.run_vanish(&["ls"]);
    assert_eq!(ls.stdout.lines().count(), 2, "only the new task: {ls:?}");

    // --no-replace keeps both; a changed image registers revision 2.
    let plan2 = moto.plan("mr-2", "nginx:2", FUTURE);
    let third = moto.run_vanish(&[
        "up",
        "--plan",
        plan2.to_str().expect("utf-8"),
        "--no-public-ip",
        "--no-replace",
    ]);
    assert_eq!(third.code(), 0, "{third:?}");
    assert!(
        third
            .stderr
            .contains("changed=containerDefinitions[web].image"),
        "{third:?}"
    );
    let ls = moto.run_vanish(&["ls"]);
    assert_eq!(ls.stdout.lines().count(), 3, "both kept: {ls:?}");

    let unknown = moto.run_vanish(&["down", "nope"]);
    assert_eq!(unknown.code(), 1, "{unknown:?}");
    assert!(
        unknown
            .stderr
            .ends_with("error: no review app named nope\n  running: mr-2\n"),
        "{unknown:?}"
    );
}

#[test]
fn sweep_dry_run_then_sweep_stops_only_the_expired() {
    let moto = Moto::start();
    moto.fixture(&["spawn", "2", "old", "2020-01-01T00:00:00Z"]);
    moto.fixture(&["spawn", "1", "new", FUTURE]);
    let dry = moto.run_vanish(&["sweep", "--dry-run"]);
    assert_eq!(dry.code(), 0, "{dry:?}");
    let lines: Vec<&str> = dry.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{dry:?}");
    assert!(
        lines.iter().all(|l| l.starts_with("would stop old-")),
        "{dry:?}"
    );
    assert_eq!(
        moto.run_vanish(&["ls"]).stdout.lines().count(),
        4,
        "nothing stopped"
    );

    let sweep = moto.run_vanish(&["sweep"]);
    assert_eq!(sweep.code(), 0, "{sweep:?}");
    assert_eq!(
        sweep
            .stdout
            .lines()
            .filter(|l| l.starts_with("stopped old-"))
            .count(),
        2,
        "{sweep:?}"
    );
    let ls = moto.run_vanish(&["ls"]);
    let rows: Vec<&str> = ls.stdout.lines().collect();
    assert_eq!(rows.len(), 2, "{ls:?}");
    assert!(rows[1].starts_with("new-0 "), "{ls:?}");

    let all = moto.run_vanish(&["down", "--all"]);
    assert_eq!(all.code(), 0, "{all:?}");
    assert!(
        all.stdout.starts_with("stopped new-0  arn:aws:ecs:"),
        "{all:?}"
    );
    assert_eq!(moto.run_vanish(&["ls"]).stdout, "");
}

#[test]
fn ls_lists_250_tasks_with_describe_in_batches_of_100() {
    let moto = Moto::start();
    moto.fixture(&["spawn", "250", "app", FUTURE]);
    let ls = moto.run_vanish(&["-v", "ls", "--output", "json"]);
    assert_eq!(ls.code(), 0, "{ls:?}");
    let names = ls.stdout.matches(r#""name": "app-"#).count();
    assert_eq!(names, 250, "{}", ls.stderr);
    for i in [0, 99, 100, 249] {
        assert!(
            ls.stdout.contains(&format!(r#""name": "app-{i}""#)),
            "app-{i}"
        );
    }
    let describes = ls.stderr.matches(r#"call="ecs:DescribeTasks""#).count();
    assert_eq!(describes, 3, "{}", ls.stderr);
}

#[test]
fn no_wait_returns_at_once_and_a_task_that_stops_is_exit_1() {
    let moto = Moto::start();
    let plan = moto.plan("mr-3", "nginx:1", FUTURE);
    let plan = plan.to_str().expect("utf-8");
    let quick = moto.run_vanish(&["up", "--plan", plan, "--no-wait"]);
    assert_eq!(quick.code(), 0, "{quick:?}");
    // No public IP yet (moto gives none): the private one is reported.
    assert!(quick.stdout.starts_with("http://10."), "{quick:?}");
    assert!(quick.stdout.contains("  web  mr-3  expires "), "{quick:?}");
    assert_eq!(quick.stdout.lines().count(), 1, "{quick:?}");

    moto.fixture(&["release"]);
    let failed = moto.run_vanish(&["up", "--plan", plan, "--no-public-ip"]);
    assert_eq!(failed.code(), 1, "{failed:?}");
    assert_eq!(failed.stdout, "");
    let tail: Vec<&str> = failed.stderr.lines().rev().take(4).collect();
    assert_eq!(
        tail,
        [
            "  container web: exitCode 0",
            "  stoppedReason: (none)",
            "  stopCode: (none)",
            tail[3],
        ],
        "{}",
        failed.stderr
    );
    assert!(
        tail[3].starts_with("error: task ") && tail[3].ends_with(" stopped before it was up"),
        "{}",
        failed.stderr
    );
}

/// The path a CI job takes: the example's compose file, loaded, validated and
/// translated by `up` itself; the URL is the public proxy's, in `up` and in
/// `ls`; a relaunch reuses the task definition and replaces the task.
#[test]
fn up_from_the_example_spec_and_relaunch_without_churn() {
    let moto = Moto::start();
    let root = vanish_e2e::workspace_root();
    let compose = root.join("examples/review-app/docker-compose.yml");
    // The example's own ecs-params names its team's subnets; here the
    // default VPC is used (memory reservations are kept: moto needs one).
    let params = moto.dir.join("params.yml");
    std::fs::write(
        &params,
        "version: 1
task_definition:
  task_execution_role: arn:aws:iam::123456789012:role/vanish-task-execution
  task_size: {cpu_limit: 512, mem_limit: 1GB}
  services:
    web: {mem_reservation: 384m}
    proxy: {mem_reservation: 64m}
",
    )
    .expect("params");
    let up = || {
        let child = moto
            .vanish()
            .arg("up")
            .arg("-f")
            .arg(&compose)
            .arg("--params")
            .arg(&params)
            .args([
                "--name",
                "mr-7",
                "--ttl",
                "30m",
                "--ip-wait",
                "60s",
                "--wait",
                "90s",
            ])
            .env("GITLAB_USER_LOGIN", "bob")
            .env("CI_COMMIT_REF_NAME", "feature/login")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn vanish up");
        let ip = moto.fixture(&["eip", "mr-7", "60"]).trim().to_string();
        (ip, wait(child, Duration::from_secs(90)))
    };

    let (ip, first) = up();
    assert_eq!(first.code(), 0, "{first:?}");
    assert!(
        first
            .stdout
            .starts_with(&format!("http://{ip}:80  proxy  mr-7  expires ")),
        "{first:?}"
    );
    assert!(
        first
            .stderr
            .contains("first launch of this family: registering the task definition"),
        "{}",
        first.stderr
    );

    let ls = moto.run_vanish(&["ls"]);
    assert_eq!(ls.code(), 0, "{ls:?}");
    let cols: Vec<&str> = ls
        .stdout
        .lines()
        .nth(1)
        .expect("a row")
        .split_whitespace()
        .collect();
    assert_eq!(
        &cols[..3],
        ["mr-7", "RUNNING", &format!("http://{ip}:80")],
        "{ls:?}"
    );
    assert!(
        ls.stdout.contains("bob") && ls.stdout.contains("feature/login"),
        "{ls:?}"
    );

    let (ip2, second) = up();
    assert_eq!(second.code(), 0, "{second:?}");
    assert!(
        second
            .stderr
            .contains("task definition unchanged: reusing it"),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("replaced the previous task"),
        "{}",
        second.stderr
    );
    let ls = moto.run_vanish(&["ls"]);
    let rows: Vec<&str> = ls.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "one app after the replace: {ls:?}");
    assert!(rows[0].contains(&format!("http://{ip2}:80")), "{ls:?}");
}
