//! vanish-init issue 9 point 4: the stop signal (`--stop-signal`), signal
//! rewriting (`--rewrite`, after dumb-init's `-r`) and exit codes reported
//! as success (`--success-exit-code`/`-e`, after tini's `-e`), each from its
//! flag and its variable, as PID 1 and as a child subreaper.
//!
//! The peers were asked first (Debian's tini 0.19 and dumb-init 1.2.5):
//! `tini -e 143` maps both `exit 143` and death by SIGTERM (128+15) to 0,
//! and `-e` may repeat; `dumb-init -r 10:12 -r 10:0` drops SIGUSR1 (the
//! later rewrite of a signal wins), and TO 0 means "do not forward".

use vanish_e2e::init::{MODES, Mode, Running, command};

const LOOP: &str = "while :; do sleep 0.05; done";

fn start(mode: Mode, opts: &[&str], env: &[(&str, &str)], script: &str) -> Running {
    let mut args: Vec<&str> = opts.to_vec();
    args.extend(["--", "sh", "-c", script]);
    let mut cmd = command(mode, &args);
    cmd.envs(env.iter().copied());
    Running::spawn(mode, cmd)
}

/// Traps every signal in `sigs` as `got-SIG` and exits 0 on QUIT.
fn trapper(sigs: &[&str]) -> String {
    let traps: String = sigs
        .iter()
        .map(|s| format!("trap 'echo got-{s}' {s}; "))
        .collect();
    format!("{traps}trap 'echo got-QUIT; exit 0' QUIT; echo ready; {LOOP}")
}

#[test]
fn outside_sigterm_becomes_the_stop_signal() {
    let script = trapper(&["TERM"]);
    for mode in MODES {
        for (opts, env) in [
            (&["--stop-signal", "QUIT"][..], &[][..]),
            (&[][..], &[("VANISH_STOP_SIGNAL", "SIGQUIT")][..]),
            (&[][..], &[("VANISH_STOP_SIGNAL", "3")][..]),
        ] {
            let mut r = start(mode, opts, env, &script);
            let first = r.expect_stderr("started pid=");
            assert!(first.ends_with(" stop_signal=SIGQUIT"), "{first}");
            r.expect_stdout("ready");
            r.signal("TERM");
            let f = r.finish();
            f.assert_code(0).assert_stdout_has("got-QUIT");
            assert!(!f.stdout.contains(&"got-TERM".to_owned()), "{f:#?}");
            f.assert_stderr_has("vanish-init: got SIGTERM; forwarded as SIGQUIT to group ");
        }
    }
}

#[test]
fn expiry_sends_the_stop_signal_to_all() {
    let script = trapper(&["TERM"]);
    for mode in MODES {
        let mut r = start(
            mode,
            &["--ttl", "1s", "--ttl-exit-code", "4"],
            &[("VANISH_STOP_SIGNAL", "quit")],
            &script,
        );
        r.expect_stdout("ready");
        let f = r.finish();
        f.assert_code(4).assert_stdout_has("got-QUIT");
        f.assert_stderr_has(
            "vanish-init: expired after 1s; sending SIGQUIT to all, SIGKILL in 10s",
        );
    }
}

#[test]
fn an_app_ignoring_the_stop_signal_is_killed_at_grace() {
    for mode in MODES {
        let mut r = start(
            mode,
            &["--stop-signal", "WINCH", "--grace", "1s"],
            &[],
            &format!("trap '' WINCH; echo ready; {LOOP}"),
        );
        r.expect_stdout("ready");
        r.signal("TERM");
        let f = r.finish();
        f.assert_code(137);
        f.assert_stderr_has("vanish-init: got SIGTERM; forwarded as SIGWINCH to group ");
        f.assert_stderr_has("vanish-init: warning: grace of 1s over; sending SIGKILL to all");
    }
}

#[test]
fn rewrite_forwards_as_another_signal_or_drops_it() {
    let script = trapper(&["USR1", "USR2", "HUP", "WINCH", "TERM"]);
    for mode in MODES {
        for (opts, env) in [
            (
                &["-v", "--rewrite", "USR1:HUP", "-r", "USR2:0", "-r28:12"][..],
                &[][..],
            ),
            (
                &["-v"][..],
                &[("VANISH_REWRITE", "SIGUSR1:SIGHUP, 12:0,WINCH:USR2")][..],
            ),
            // A later rewrite of the same signal wins (dumb-init: the same).
            (
                &[
                    "-v",
                    "-r",
                    "USR1:WINCH",
                    "-r",
                    "USR1:HUP",
                    "-r",
                    "USR2:0",
                    "-r",
                    "WINCH:USR2",
                ][..],
                &[("VANISH_REWRITE", "USR1:TERM")][..],
            ),
        ] {
            let mut r = start(mode, opts, env, &script);
            r.expect_stdout("ready");
            r.signal("USR1");
            r.expect_stdout("got-HUP");
            r.expect_stderr("vanish-init: debug: forwarded SIGUSR1 as SIGHUP to group ");
            r.signal("USR2");
            r.expect_stderr("vanish-init: debug: dropped SIGUSR2 (--rewrite)");
            r.signal("WINCH");
            r.expect_stdout("got-USR2");
            r.signal("QUIT");
            let f = r.finish();
            f.assert_code(0);
            for never in ["got-USR1", "got-WINCH", "got-TERM"] {
                assert!(
                    !f.stdout.contains(&never.to_owned()),
                    "{mode:?} {opts:?}: {f:#?}"
                );
            }
        }
    }
}

#[test]
fn rewrite_of_term_wins_over_the_stop_signal_and_still_starts_the_grace() {
    let script = trapper(&["TERM", "USR2"]);
    for mode in MODES {
        let mut r = start(
            mode,
            &["--stop-signal", "QUIT", "-r", "TERM:USR2", "--grace", "1s"],
            &[],
            &script,
        );
        r.expect_stdout("ready");
        r.signal("TERM");
        r.expect_stdout("got-USR2");
        let f = r.finish();
        f.assert_code(137);
        f.assert_stderr_has("vanish-init: got SIGTERM; forwarded as SIGUSR2 to group ");
        f.assert_stderr_has("vanish-init: warning: grace of 1s over; sending SIGKILL to all");
    }
}

#[test]
fn dropped_term_is_ignored_entirely() {
    for mode in MODES {
        let mut r = start(
            mode,
            &["-v", "-r", "TERM:0", "--grace", "1s"],
            &[],
            &trapper(&["TERM"]),
        );
        r.expect_stdout("ready");
        r.signal("TERM");
        r.expect_stderr("vanish-init: debug: dropped SIGTERM (--rewrite)");
        r.signal("TERM");
        r.expect_stderr("vanish-init: debug: dropped SIGTERM (--rewrite)");
        r.signal("QUIT");
        let f = r.finish();
        f.assert_code(0);
        assert!(!f.stderr_has("SIGKILL"), "{f:#?}");
        assert!(!f.stdout.contains(&"got-TERM".to_owned()), "{f:#?}");
    }
}

#[test]
fn success_exit_codes_are_reported_as_0() {
    // (opts, env, script, exit code, log line)
    type Row<'a> = (
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
        &'a str,
        i32,
        Option<&'a str>,
    );
    let rows: &[Row] = &[
        // A JVM-like app dying of SIGTERM: 128+15 = 143 → 0, like tini -e 143.
        (
            &["-e", "143"],
            &[],
            "kill -s TERM $$",
            0,
            Some("vanish-init: exiting with code 0 (--success-exit-code 143)"),
        ),
        (
            &["--success-exit-code", "143"],
            &[],
            "exit 143",
            0,
            Some("vanish-init: exiting with code 0 (--success-exit-code 143)"),
        ),
        (&["-e143", "-e", "3"], &[], "exit 3", 0, None),
        (
            &[],
            &[("VANISH_SUCCESS_EXIT_CODE", "3,143")],
            "exit 3",
            0,
            None,
        ),
        (&["-e", "143"], &[], "exit 4", 4, None),
        (&["-e", "143"], &[], "exit 0", 0, None),
        // The flag replaces the variable's list.
        (
            &["-e", "5"],
            &[("VANISH_SUCCESS_EXIT_CODE", "3")],
            "exit 3",
            3,
            None,
        ),
    ];
    for mode in MODES {
        for (opts, env, script, code, line) in rows {
            let f = start(mode, opts, env, script).finish();
            f.assert_code(*code);
            if let Some(l) = line {
                f.assert_stderr_has(l);
            }
        }
    }
}

#[test]
fn success_exit_codes_do_not_touch_the_ttl_exit_code() {
    for mode in MODES {
        let f = start(
            mode,
            &[
                "-e",
                "143",
                "-e",
                "9",
                "--ttl",
                "1s",
                "--ttl-exit-code",
                "9",
            ],
            &[],
            "exec sleep 30",
        )
        .finish();
        f.assert_code(9);
        f.assert_stderr_has("vanish-init: child killed by SIGTERM (exit code 143)");
    }
}
