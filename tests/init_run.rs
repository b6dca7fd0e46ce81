//! vanish-init point 1 (run) and point 7 (configuration): the real binary,
//! as PID 1 of a new PID namespace and as a plain child (subreaper).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::Duration;

use vanish_e2e::init::{MODES, Mode, command, init_bin, temp_dir};
use vanish_e2e::run;

const T: Duration = Duration::from_secs(20);

#[test]
fn child_inherits_args_env_cwd_and_stdio() {
    for mode in MODES {
        let mut cmd = command(
            mode,
            &[
                "-q",
                "--",
                "sh",
                "-c",
                r#"read line; echo "$VI_FOO|$(pwd)|$1|$line"; echo to-stderr >&2"#,
                "sh",
                "arg one",
            ],
        );
        cmd.env("VI_FOO", "bar")
            .current_dir("/tmp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"from stdin\n")
            .expect("write stdin");
        let out = vanish_e2e::wait(child, T);
        assert_eq!(out.code(), 0, "{mode:?}: {out:?}");
        assert_eq!(out.stdout, "bar|/tmp|arg one|from stdin\n", "{mode:?}");
        assert_eq!(out.stderr, "to-stderr\n", "{mode:?}");
    }
}

#[test]
fn child_starts_with_empty_mask_and_nothing_ignored() {
    for mode in MODES {
        // grep is exec'd directly as the child and reads its own status.
        let out = run(
            &mut command(
                mode,
                &[
                    "-q",
                    "--",
                    "grep",
                    "-E",
                    "^Sig(Blk|Ign)",
                    "/proc/self/status",
                ],
            ),
            T,
        );
        assert_eq!(out.code(), 0, "{mode:?}: {out:?}");
        assert_eq!(
            out.stdout, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n",
            "{mode:?}"
        );
    }
}

#[test]
fn child_is_leader_of_its_own_process_group() {
    for mode in MODES {
        // Field 5 of /proc/self/stat is the pgrp; the shell is the child.
        let out = run(
            &mut command(
                mode,
                &[
                    "-q",
                    "--",
                    "sh",
                    "-c",
                    r#"set -- $(cat /proc/$$/stat); [ "$5" = "$$" ] && echo leader"#,
                ],
            ),
            T,
        );
        assert_eq!(
            (out.code(), out.stdout.as_str()),
            (0, "leader\n"),
            "{mode:?}: {out:?}"
        );
    }
}

#[test]
fn command_not_found_is_127_with_one_line() {
    for mode in MODES {
        let out = run(&mut command(mode, &["no-such-command-vanish"]), T);
        assert_eq!(out.code(), 127, "{mode:?}: {out:?}");
        assert_eq!(
            out.stderr, "vanish-init: no-such-command-vanish: command not found\n",
            "{mode:?}"
        );
        let out = run(&mut command(mode, &["/nonexistent/vanish"]), T);
        assert_eq!(out.code(), 127, "{mode:?}: {out:?}");
        assert_eq!(
            out.stderr, "vanish-init: /nonexistent/vanish: no such file or directory\n",
            "{mode:?}"
        );
    }
}

#[test]
fn command_not_executable_is_126_with_one_line() {
    let dir = temp_dir("noexec");
    let file = dir.join("script");
    std::fs::write(&file, "#!/bin/sh\necho hi\n").expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let path = file.to_str().expect("utf-8 temp path");
    for mode in MODES {
        let out = run(&mut command(mode, &[path]), T);
        assert_eq!(out.code(), 126, "{mode:?}: {out:?}");
        assert_eq!(
            out.stderr,
            format!("vanish-init: {path}: permission denied (not executable)\n"),
            "{mode:?}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn exits_like_the_child_code_or_128_plus_signal() {
    let rows: &[(&str, i32, &str)] = &[
        ("exit 0", 0, "vanish-init: child exited with code 0"),
        ("exit 42", 42, "vanish-init: child exited with code 42"),
        (
            "kill -s KILL $$",
            137,
            "vanish-init: child killed by SIGKILL (exit code 137)",
        ),
        (
            "kill -s USR1 $$",
            138,
            "vanish-init: child killed by SIGUSR1 (exit code 138)",
        ),
        (
            "kill -s SEGV $$",
            139,
            "vanish-init: child killed by SIGSEGV (exit code 139)",
        ),
    ];
    for mode in MODES {
        for (script, code, line) in rows {
            let out = run(&mut command(mode, &["--", "sh", "-c", script]), T);
            assert_eq!(out.code(), *code, "{mode:?} {script}: {out:?}");
            let lines: Vec<&str> = out.stderr.lines().collect();
            assert_eq!(
                lines.len(),
                2,
                "{mode:?} {script}: start + exit lines: {out:?}"
            );
            assert!(lines[0].starts_with("vanish-init: started pid="), "{out:?}");
            if mode == Mode::Pid1 {
                assert!(
                    lines[0].starts_with("vanish-init: started pid=1 child=2 "),
                    "{out:?}"
                );
            }
            assert_eq!(lines[1], *line, "{mode:?} {script}");
        }
    }
}

#[test]
fn bad_values_exit_2_with_one_line_naming_flag_or_variable() {
    type Row<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let rows: &[Row] = &[
        (
            &["true"],
            &[("VANISH_TTL", "banana")],
            "vanish-init: VANISH_TTL: invalid duration \"banana\" (expected e.g. 30m, 1h30m)\n",
        ),
        (
            &["--ttl", "banana", "true"],
            &[],
            "vanish-init: --ttl: invalid duration \"banana\" (expected e.g. 30m, 1h30m)\n",
        ),
        (
            &["--grace=forever", "true"],
            &[],
            "vanish-init: --grace: invalid duration \"forever\" (expected e.g. 30m, 1h30m)\n",
        ),
        (
            &["true"],
            &[("VANISH_WARN_BEFORE", "5 parsecs")],
            "vanish-init: VANISH_WARN_BEFORE: invalid duration \"5 parsecs\" (expected e.g. 30m, 1h30m)\n",
        ),
        (
            &["true"],
            &[("VANISH_DEADLINE", "tomorrow")],
            "vanish-init: VANISH_DEADLINE: invalid RFC 3339 instant \"tomorrow\" (expected e.g. 2026-11-21T12:30:00Z)\n",
        ),
        (
            &["--ttl-exit-code", "256", "true"],
            &[],
            "vanish-init: --ttl-exit-code: invalid exit code \"256\" (expected 0 to 255)\n",
        ),
        (
            &["true"],
            &[("VANISH_SIGNAL_TARGET", "everyone")],
            "vanish-init: VANISH_SIGNAL_TARGET: invalid signal target \"everyone\" (expected group or child)\n",
        ),
        (
            &["true"],
            &[("VANISH_LOG", "loud")],
            "vanish-init: VANISH_LOG: invalid log level \"loud\" (expected off, error, warn, info or debug)\n",
        ),
        // Issue 9 defect 3: these used to panic after the spawn.
        (
            &["--ttl", "99999999999h", "true"],
            &[],
            "vanish-init: --ttl: invalid duration \"99999999999h\" (expected 0s to 100y)\n",
        ),
        (
            &["--ttl", "10000y", "true"],
            &[],
            "vanish-init: --ttl: invalid duration \"10000y\" (expected 0s to 100y)\n",
        ),
        (
            &["--deadline", "1970-01-01T00:00:00+01:00", "true"],
            &[],
            "vanish-init: --deadline: invalid RFC 3339 instant \"1970-01-01T00:00:00+01:00\" (expected 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z)\n",
        ),
        (
            &["--deadline", "9999-12-31T23:59:59-01:00", "true"],
            &[],
            "vanish-init: --deadline: invalid RFC 3339 instant \"9999-12-31T23:59:59-01:00\" (expected 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z)\n",
        ),
        (
            &["--ttl", "1s", "--grace", "18446744073709551615s", "true"],
            &[],
            "vanish-init: --grace: invalid duration \"18446744073709551615s\" (expected 0s to 100y)\n",
        ),
        (
            &["true"],
            &[
                ("VANISH_IDLE", "1000000000000000000000s"),
                ("VANISH_WARN_BEFORE", "200y"),
            ],
            "vanish-init: VANISH_WARN_BEFORE: invalid duration \"200y\" (expected 0s to 100y)\n\
             vanish-init: VANISH_IDLE: invalid duration \"1000000000000000000000s\" (expected 0s to 100y)\n",
        ),
        (
            &["--stop-signal", "SIGNOPE", "true"],
            &[],
            "vanish-init: --stop-signal: invalid signal \"SIGNOPE\" (expected a name like QUIT or SIGQUIT, or 1 to 64)\n",
        ),
        (
            &["true"],
            &[("VANISH_STOP_SIGNAL", "0")],
            "vanish-init: VANISH_STOP_SIGNAL: invalid signal \"0\" (expected a name like QUIT or SIGQUIT, or 1 to 64)\n",
        ),
        (
            &["-r", "KILL:TERM", "--rewrite", "15", "-r", "CHLD:1", "true"],
            &[],
            "vanish-init: --rewrite: invalid rewrite \"KILL:TERM\" (expected FROM:TO, e.g. TERM:QUIT or 15:3; FROM any signal but KILL, STOP, CHLD; TO 0 drops it)\n\
             vanish-init: --rewrite: invalid rewrite \"15\" (expected FROM:TO, e.g. TERM:QUIT or 15:3; FROM any signal but KILL, STOP, CHLD; TO 0 drops it)\n\
             vanish-init: --rewrite: invalid rewrite \"CHLD:1\" (expected FROM:TO, e.g. TERM:QUIT or 15:3; FROM any signal but KILL, STOP, CHLD; TO 0 drops it)\n",
        ),
        (
            &["true"],
            &[("VANISH_REWRITE", "USR1:HUP,1:2:3")],
            "vanish-init: VANISH_REWRITE: invalid rewrite \"1:2:3\" (expected FROM:TO, e.g. TERM:QUIT or 15:3; FROM any signal but KILL, STOP, CHLD; TO 0 drops it)\n",
        ),
        (
            &["-e", "143", "-e256", "true"],
            &[],
            "vanish-init: --success-exit-code: invalid exit code \"256\" (expected 0 to 255)\n",
        ),
        (
            &["true"],
            &[("VANISH_SUCCESS_EXIT_CODE", "143,x")],
            "vanish-init: VANISH_SUCCESS_EXIT_CODE: invalid exit code \"x\" (expected 0 to 255)\n",
        ),
        (
            &["true"],
            &[("VANISH_IDLE_PORTS", "80,65536")],
            "vanish-init: VANISH_IDLE_PORTS: invalid port list \"80,65536\" (expected e.g. 80,443 (ports 1 to 65535))\n",
        ),
        (
            &["--bogus", "true"],
            &[],
            "vanish-init: unknown option \"--bogus\" (see --help)\n",
        ),
        (
            &["true"],
            &[("VANISH_TTL", "banana"), ("VANISH_GRACE", "x")],
            "vanish-init: VANISH_TTL: invalid duration \"banana\" (expected e.g. 30m, 1h30m)\n\
             vanish-init: VANISH_GRACE: invalid duration \"x\" (expected e.g. 30m, 1h30m)\n",
        ),
    ];
    for mode in MODES {
        for (args, env, want) in rows {
            let mut cmd = command(mode, args);
            cmd.envs(env.iter().copied());
            let out = run(&mut cmd, T);
            assert_eq!(out.code(), 2, "{mode:?} {args:?} {env:?}: {out:?}");
            assert_eq!(out.stderr, *want, "{mode:?} {args:?} {env:?}");
            assert_eq!(out.stdout, "", "{mode:?} {args:?} {env:?}");
        }
    }
}

#[test]
fn flags_win_over_env_and_env_is_read() {
    for mode in MODES {
        // A bad variable under a flag is not even looked at.
        let mut cmd = command(mode, &["--ttl", "1h", "--", "true"]);
        cmd.env("VANISH_TTL", "banana");
        let out = run(&mut cmd, T);
        assert_eq!(out.code(), 0, "{mode:?}: {out:?}");
        assert!(out.stderr.contains(" ttl=1h "), "{mode:?}: {out:?}");

        // The variables alone configure it (ECS overrides set only env).
        let mut cmd = command(mode, &["true"]);
        cmd.env("VANISH_TTL", "2h").env("VANISH_LOG", "debug");
        let out = run(&mut cmd, T);
        assert_eq!(out.code(), 0, "{mode:?}: {out:?}");
        assert!(out.stderr.contains(" ttl=2h "), "{mode:?}: {out:?}");
        assert!(
            out.stderr.contains("vanish-init: debug: reaped pid="),
            "{mode:?}: {out:?}"
        );

        // -q beats VANISH_LOG=debug: nothing at all on success.
        let mut cmd = command(mode, &["-q", "true"]);
        cmd.env("VANISH_LOG", "debug");
        let out = run(&mut cmd, T);
        assert_eq!(
            (out.code(), out.stderr.as_str()),
            (0, ""),
            "{mode:?}: {out:?}"
        );
    }
}

#[test]
fn no_command_prints_usage_and_exits_2() {
    for mode in MODES {
        for args in [&[][..], &["--"][..], &["-v"][..]] {
            let out = run(&mut command(mode, args), T);
            assert_eq!(out.code(), 2, "{mode:?} {args:?}: {out:?}");
            assert!(
                out.stderr.starts_with(
                    "vanish-init: no command given (see --help)\n\n\
                     Usage: vanish-init [OPTIONS] [--] COMMAND [ARGS...]\n"
                ),
                "{mode:?}: {out:?}"
            );
        }
    }
    let out = run(std::process::Command::new(init_bin()).arg("--help"), T);
    assert_eq!(out.code(), 0);
    assert!(out.stdout.starts_with("Usage: vanish-init"), "{out:?}");
}

#[test]
fn child_owns_the_terminal_when_there_is_one() {
    // `script` gives the supervisor a pty as its controlling terminal; a
    // child outside the foreground group would be stopped by SIGTTIN on
    // `read` and the test would hit its deadline.
    vanish_e2e::init::require("/usr/bin/script", "apt-get install -y util-linux");
    for mode in MODES {
        let inner = command(mode, &["-q", "--", "sh", "-c", "read x; echo got:$x"]);
        let mut line: Vec<String> = vec![inner.get_program().to_string_lossy().into_owned()];
        line.extend(
            inner
                .get_args()
                .map(|a| format!("'{}'", a.to_string_lossy())),
        );
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &line.join(" "), "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn script");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"hello\n")
            .expect("write");
        let out = vanish_e2e::wait(child, T);
        assert_eq!(out.code(), 0, "{mode:?}: {out:?}");
        assert!(out.stdout.contains("got:hello"), "{mode:?}: {out:?}");
    }
}

#[test]
fn a_closed_stderr_is_not_a_signal_for_the_child() {
    // Our log write to a closed pipe raises SIGPIPE on ourselves (blocked,
    // so queued): it is not from outside and must not be forwarded.
    for mode in MODES {
        let mut cmd = command(
            mode,
            &[
                "--",
                "sh",
                "-c",
                "trap 'echo got-pipe' PIPE; sleep 0.5; echo done",
            ],
        );
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stderr.take()); // close the read end before it logs
        let out = vanish_e2e::wait(child, T);
        assert_eq!(
            (out.code(), out.stdout.as_str()),
            (0, "done\n"),
            "{mode:?}: {out:?}"
        );
    }
}
