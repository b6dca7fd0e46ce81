//! vanish-init point 2 (reap): every process reparented to the supervisor
//! is reaped, as PID 1 and as a child subreaper.

use vanish_e2e::init::{MODES, Running, command, procs, wait_for};

#[test]
fn a_thousand_orphans_leave_no_zombie() {
    // Each `(true &)` is a subshell that starts a background job and exits
    // at once: the job is orphaned and reparented to the supervisor.
    let script =
        r#"i=0; while [ $i -lt 1000 ]; do (true &); i=$((i+1)); done; echo spawned; exec sleep 60"#;
    for mode in MODES {
        let mut r = Running::spawn(mode, command(mode, &["-v", "--", "sh", "-c", script]));
        r.expect_stdout("spawned");
        let sup = r.supervisor_pid();
        // Zero zombies among its children, and nothing left but `sleep`.
        wait_for(
            || {
                let kids: Vec<_> = procs().into_iter().filter(|p| p.ppid == sup).collect();
                let zombies = kids.iter().filter(|p| p.state == 'Z').count();
                (zombies == 0 && kids.len() == 1).then_some(())
            },
            "state with no zombie and only the main child left",
        );
        r.signal("TERM");
        let f = r.finish();
        f.assert_code(143);
        let reaped = f
            .stderr
            .iter()
            .filter(|l| l.contains("debug: reaped pid="))
            .count();
        assert!(
            reaped >= 1001,
            "{mode:?}: expected the 1,000 orphans and the child reaped by the supervisor, got {reaped}"
        );
    }
}
