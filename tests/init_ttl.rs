//! vanish-init point 6 (expire): TTL, deadline, warning, exit code; as PID 1
//! and as a child subreaper.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use vanish_e2e::init::{MODES, Mode, Running, command};

const TRAP_TERM: &str =
    "trap 'echo got-term; exit 0' TERM; echo ready; while :; do sleep 0.05; done";
const IGNORE_TERM: &str = "trap '' TERM; echo ready; while :; do sleep 0.05; done";

fn start(mode: Mode, opts: &[&str], env: &[(&str, &str)], script: &str) -> Running {
    let mut args: Vec<&str> = opts.to_vec();
    args.extend(["--", "sh", "-c", script]);
    let mut cmd = command(mode, &args);
    cmd.envs(env.iter().copied());
    Running::spawn(mode, cmd)
}

/// RFC 3339 UTC, whole seconds, `secs` from now (GNU date does the calendar).
fn rfc3339_in(secs: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let out = Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{}", now + secs),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .expect("date");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

#[test]
fn ttl_expiry_terms_the_child_and_exits_with_ttl_exit_code() {
    for mode in MODES {
        let mut r = start(
            mode,
            &["--ttl", "1s", "--ttl-exit-code", "7", "--grace", "5s"],
            &[],
            TRAP_TERM,
        );
        r.expect_stdout("ready");
        let f = r.finish();
        f.assert_code(7).assert_stdout_has("got-term");
        assert!(
            f.stderr[0].contains(" ttl=1s expires_in=1s expires_at="),
            "{f:#?}"
        );
        f.assert_stderr_has("vanish-init: expired after 1s; sending SIGTERM to all, SIGKILL in 5s");
        assert!(!f.stderr_has("SIGKILL to all"), "{f:#?}");
    }
}

#[test]
fn ttl_from_env_kills_a_child_ignoring_term_after_grace() {
    let env = [
        ("VANISH_TTL", "1s"),
        ("VANISH_TTL_EXIT_CODE", "9"),
        ("VANISH_GRACE", "1s"),
    ];
    for mode in MODES {
        let mut r = start(mode, &[], &env, IGNORE_TERM);
        r.expect_stdout("ready");
        let f = r.finish();
        f.assert_code(9);
        f.assert_stderr_has("vanish-init: expired after 1s; sending SIGTERM to all, SIGKILL in 1s");
        f.assert_stderr_has("vanish-init: warning: grace of 1s over; sending SIGKILL to all");
    }
}

#[test]
fn deadline_in_the_past_is_an_immediate_orderly_shutdown() {
    for mode in MODES {
        for (opts, env) in [
            (&["--deadline", "2000-01-01T00:00:00Z"][..], &[][..]),
            (&[][..], &[("VANISH_DEADLINE", "2000-01-01T00:00:00Z")][..]),
        ] {
            let mut args = opts.to_vec();
            args.extend(["--", "sleep", "60"]);
            let mut cmd = command(mode, &args);
            cmd.envs(env.iter().copied());
            let f = Running::spawn(mode, cmd).finish();
            f.assert_code(0);
            f.assert_stderr_has("vanish-init: warning: deadline passed ");
            f.assert_stderr_has("vanish-init: child killed by SIGTERM (exit code 143)");
            f.assert_stderr_has("vanish-init: expired after 0s; sending SIGTERM to all");
        }
    }
}

#[test]
fn earlier_of_deadline_and_ttl_wins() {
    for mode in MODES {
        // Deadline first (ttl 1h).
        let deadline = rfc3339_in(2);
        let mut r = start(
            mode,
            &["--ttl", "1h", "--deadline", &deadline],
            &[],
            TRAP_TERM,
        );
        r.expect_stdout("ready");
        let f = r.finish();
        f.assert_code(0).assert_stdout_has("got-term");
        assert!(
            f.stderr[0].contains(&format!(" ttl=1h deadline={deadline} ")),
            "{f:#?}"
        );
        f.assert_stderr_has("vanish-init: expired after ");

        // TTL first (deadline in an hour).
        let deadline = rfc3339_in(3600);
        let f = start(
            mode,
            &["--ttl", "1s", "--deadline", &deadline],
            &[],
            TRAP_TERM,
        )
        .finish();
        f.assert_code(0).assert_stdout_has("got-term");
        f.assert_stderr_has("vanish-init: expired after 1s;");
    }
}

#[test]
fn warns_before_expiry() {
    for mode in MODES {
        let f = start(
            mode,
            &["--ttl", "2s", "--warn-before", "1s"],
            &[],
            TRAP_TERM,
        )
        .finish();
        f.assert_code(0);
        let warn = f
            .stderr
            .iter()
            .position(|l| l == "vanish-init: warning: expiring in 1s");
        let expired = f.stderr.iter().position(|l| l.contains("expired after 2s"));
        assert!(
            matches!((warn, expired), (Some(w), Some(e)) if w < e),
            "{mode:?}: warning then expiry: {f:#?}"
        );
    }
}

#[test]
fn no_expiry_without_ttl_or_deadline() {
    for mode in MODES {
        let mut r = start(mode, &[], &[], TRAP_TERM);
        r.expect_stdout("ready");
        r.expect_stderr("expiry=never");
        r.signal("TERM");
        r.finish().assert_code(0);
    }
}
