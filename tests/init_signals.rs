//! vanish-init points 3 (forward), 4 (exit like the child, after cleaning up)
//! and 5 (stop on request), as PID 1 and as a child subreaper.

use std::time::{Duration, Instant};

use vanish_e2e::init::{MODES, Mode, Running, command};

const LOOP: &str = "while :; do sleep 0.05; done";

fn start(mode: Mode, opts: &[&str], script: &str) -> Running {
    let mut args: Vec<&str> = opts.to_vec();
    args.extend(["--", "sh", "-c", script]);
    Running::spawn(mode, command(mode, &args))
}

#[test]
fn catchable_signals_are_forwarded() {
    // The fault signals (ILL .. SYS) too, when sent with kill(): dumb-init
    // forwards them, and its test_proxies_signals sends them all. (TSTP,
    // TTIN and TTOU are forwarded as well, but they stop the shell's
    // foreground `sleep`, which a trap cannot show.)
    let sigs = [
        "HUP", "QUIT", "USR1", "USR2", "WINCH", "ALRM", "CONT", "PIPE", "URG", "ILL", "TRAP",
        "ABRT", "BUS", "FPE", "SEGV", "SYS", "XCPU", "XFSZ", "VTALRM", "PROF", "IO", "PWR",
    ];
    let traps: String = sigs
        .iter()
        .map(|s| format!("trap 'echo got-{s}' {s}; "))
        .collect();
    let script = format!("{traps}echo ready; {LOOP}");
    for mode in MODES {
        let mut r = start(mode, &["-v"], &script);
        r.expect_stdout("ready");
        for sig in sigs {
            r.signal(sig);
            r.expect_stdout(&format!("got-{sig}"));
            r.expect_stderr(&format!("debug: forwarded SIG{sig} to group "));
        }
        r.signal("TERM");
        r.finish().assert_code(143);
    }
}

/// The real-time signals, 32-34 included: glibc and musl reserve those and
/// their `sigprocmask` leaves them unblocked, which made one of them kill a
/// supervisor that is not PID 1 (and be dropped for one that is). A shell
/// cannot trap 32 or 33 (its libc refuses), so those show by killing it.
#[test]
fn realtime_signals_are_forwarded_libc_reserved_ones_too() {
    let sigs = ["34", "35", "40", "64"];
    let traps: String = sigs
        .iter()
        .map(|s| format!("trap 'echo got-{s}' {s}; "))
        .collect();
    for mode in MODES {
        for (last, code) in [("32", 160), ("33", 161)] {
            let mut r = start(mode, &[], &format!("{traps}echo ready; {LOOP}"));
            r.expect_stdout("ready");
            for sig in sigs {
                r.signal(sig);
                r.expect_stdout(&format!("got-{sig}"));
            }
            r.signal(last);
            let f = r.finish();
            f.assert_code(code);
            f.assert_stderr_has(&format!(
                "vanish-init: child killed by signal {last} (exit code {code})"
            ));
        }
    }
}

/// The issue's repro: a trapped SIGABRT reaches the app, which exits 0; as
/// a subreaper vanish-init used to die of it and leave the app running.
#[test]
fn abrt_reaches_the_app_and_the_exit_is_its() {
    for mode in MODES {
        for sig in ["ABRT", "SEGV", "BUS", "ILL", "TRAP", "FPE", "SYS"] {
            let mut r = start(
                mode,
                &[],
                &format!("trap 'echo got-{sig}; exit 0' {sig}; echo ready; {LOOP}"),
            );
            r.expect_stdout("ready");
            r.signal(sig);
            let f = r.finish();
            f.assert_code(0).assert_stdout_has(&format!("got-{sig}"));
            f.assert_stderr_has("vanish-init: child exited with code 0");
        }
    }
}

/// CHLD is ours (reaping): one sent from outside reaches nobody.
#[test]
fn chld_from_outside_is_not_forwarded() {
    for mode in MODES {
        let mut r = start(
            mode,
            &["-v"],
            &format!("trap 'echo got-CHLD' CHLD; echo ready; {LOOP}"),
        );
        r.expect_stdout("ready");
        r.signal("CHLD");
        r.signal("USR1");
        let f = r.finish();
        f.assert_code(138);
        assert!(!f.stdout.contains(&"got-CHLD".to_owned()), "{f:#?}");
        assert!(!f.stderr_has("forwarded SIGCHLD"), "{f:#?}");
    }
}

/// The child forwards USR2 to its background job when it gets USR1, so a
/// USR1 the job got too was delivered first (dash runs traps in signal
/// order): "gc-usr1" before "gc-usr2" means the group got it.
const FAMILY: &str = r#"sh -c 'trap "echo gc-usr1" USR1; trap "echo gc-usr2" USR2; echo gc-ready; while :; do sleep 0.05; done' &
gc=$!
trap 'kill -s USR2 $gc; echo child-usr1' USR1
echo ready
while :; do sleep 0.05; done"#;

#[test]
fn signals_go_to_the_whole_group_by_default() {
    for mode in MODES {
        let mut r = start(mode, &[], FAMILY);
        r.expect_stdout_all(&["ready", "gc-ready"]);
        r.signal("USR1");
        r.expect_stdout_all(&["child-usr1", "gc-usr1"]);
        r.signal("TERM");
        let f = r.finish();
        f.assert_code(143);
        f.assert_stderr_has("got SIGTERM; forwarded to group ");
    }
}

#[test]
fn signal_target_child_spares_the_rest_of_the_group() {
    for mode in MODES {
        let mut r = start(mode, &["--signal-target", "child"], FAMILY);
        r.expect_stdout_all(&["ready", "gc-ready"]);
        r.signal("USR1");
        // The child's trap signals the grandchild, then echoes: the two lines
        // may come in either order.
        r.expect_stdout_all(&["child-usr1", "gc-usr2"]);
        r.signal("TERM");
        // The child dies of the forwarded SIGTERM; its job gets its own
        // SIGTERM from the clean-up before the supervisor exits.
        let f = r.finish();
        f.assert_code(143);
        f.assert_stderr_has("got SIGTERM; forwarded to child ");
        f.assert_stderr_has("sending SIGTERM to leftover processes");
        assert!(!f.stdout.contains(&"gc-usr1".to_owned()), "{f:#?}");
    }
}

#[test]
fn term_and_int_are_forwarded_and_the_exit_is_the_childs() {
    for mode in MODES {
        for (sig, code) in [("TERM", 0), ("INT", 5)] {
            let script = format!("trap 'echo got-{sig}; exit {code}' {sig}; echo ready; {LOOP}");
            let mut r = start(mode, &[], &script);
            r.expect_stdout("ready");
            r.signal(sig);
            let f = r.finish();
            f.assert_code(code).assert_stdout_has(&format!("got-{sig}"));
            f.assert_stderr_has(&format!("got SIG{sig}; forwarded to group "));
        }
    }
}

#[test]
fn child_ignoring_term_is_killed_at_grace_with_137() {
    for mode in MODES {
        let mut r = start(
            mode,
            &["--grace", "1s"],
            &format!("trap '' TERM; echo ready; {LOOP}"),
        );
        r.expect_stdout("ready");
        let sent = Instant::now();
        r.signal("TERM");
        let f = r.finish();
        let took = sent.elapsed();
        f.assert_code(137);
        f.assert_stderr_has("vanish-init: warning: grace of 1s over; sending SIGKILL to all");
        f.assert_stderr_has("vanish-init: child killed by SIGKILL (exit code 137)");
        assert!(
            took >= Duration::from_millis(950),
            "{mode:?}: SIGKILL before the grace ({took:?})"
        );
    }
}

#[test]
fn second_term_escalates_at_once() {
    for mode in MODES {
        for second in ["TERM", "INT"] {
            let mut r = start(
                mode,
                &["--grace", "1h"],
                &format!("trap '' TERM INT; echo ready; {LOOP}"),
            );
            r.expect_stdout("ready");
            r.signal("TERM");
            r.expect_stderr("got SIGTERM; forwarded to group");
            r.signal(second);
            let f = r.finish();
            f.assert_code(137);
            f.assert_stderr_has(&format!(
                "vanish-init: warning: second SIG{second}; sending SIGKILL to all now"
            ));
        }
    }
}

const DAEMON: &str = r#"setsid sh -c 'trap "echo daemon-term; exit 0" TERM; echo daemon-ready; while :; do sleep 0.05; done' &
trap 'exit 3' USR1
echo ready
while :; do sleep 0.05; done"#;

#[test]
fn setsid_daemon_gets_sigterm_before_the_supervisor_exits() {
    for mode in MODES {
        let mut r = start(mode, &[], DAEMON);
        r.expect_stdout_all(&["ready", "daemon-ready"]);
        r.signal("USR1");
        let f = r.finish();
        f.assert_code(3).assert_stdout_has("daemon-term");
        f.assert_stderr_has("vanish-init: child exited with code 3");
        f.assert_stderr_has("vanish-init: sending SIGTERM to leftover processes, SIGKILL in 10s");
    }
}

#[test]
fn daemon_ignoring_sigterm_is_killed_after_grace_then_exit_is_the_childs() {
    let script = DAEMON.replace(r#"trap "echo daemon-term; exit 0" TERM"#, r#"trap "" TERM"#);
    for mode in MODES {
        let mut r = start(mode, &["--grace", "1s"], &script);
        r.expect_stdout_all(&["ready", "daemon-ready"]);
        r.signal("USR1");
        let f = r.finish();
        f.assert_code(3);
        f.assert_stderr_has("vanish-init: warning: grace of 1s over; sending SIGKILL to all");
    }
}

/// Issue 9, defect 2: leftovers that fork as fast as they can, ignoring
/// SIGTERM. Four forkers sit four levels down and their children daemonize
/// (`(sleep &)`: reparented to the supervisor), so a /proc scan lists
/// hundreds of processes before them: a fork between the scan and its kill
/// used to escape until the next sweep 100 ms later. The subreaper's
/// SIGKILL sweep must converge in one go: a later sweep (the REKILL timer,
/// when dying takes long on a loaded machine) finds nothing new. As PID 1
/// one kill(-1) is atomic. Either way nothing is left when the supervisor
/// exits (`finish` fails if a process still holds the output).
#[test]
fn fork_storm_dies_in_one_converging_sweep() {
    let script = r#"trap "" TERM
setsid sh -c 'sh -c "sh -c \"for i in 1 2 3 4; do (while :; do (sleep 100 &); sleep 0.002; done) & done; echo storm-ready; wait\"; :"; :' &
trap 'exit 7' USR1
echo ready
while :; do sleep 0.05; done"#;
    for mode in MODES {
        for _ in 0..3 {
            let mut r = start(mode, &["-v", "--grace", "1s"], script);
            r.expect_stdout_all(&["ready", "storm-ready"]);
            r.signal("USR1");
            r.expect_stderr("vanish-init: child exited with code 7");
            let f = r.finish();
            f.assert_code(7);
            f.assert_stderr_has("vanish-init: warning: grace of 1s over; sending SIGKILL to all");
            let sweeps: Vec<&String> = f
                .stderr
                .iter()
                .filter(|l| l.contains("debug: sent SIGKILL to everyone"))
                .collect();
            assert!(!sweeps.is_empty(), "{f:#?}");
            if mode == Mode::Sub {
                assert!(
                    sweeps[1..].iter().all(|l| l.contains(" (0 new, ")),
                    "{mode:?}: processes escaped the first sweep: {sweeps:#?}"
                );
            }
        }
    }
}
