//! vanish-init issue 9 point 6: idle expiry, with real TCP connections in a
//! fresh network namespace (`unshare --net`, loopback up, plus 10.77.0.1 on
//! it as the task's "outside" address), as PID 1 and as a child subreaper.
//!
//! A held connection from outside keeps the app alive; once the last one
//! closes, the app expires at the idle time ± one check interval (250 ms
//! for a 2s idle), on the TTL's path (stop signal, grace, --ttl-exit-code).
//! Loopback connections (the task's containers among themselves) and
//! connections to ports outside `--idle-ports` do not count. Without
//! `--idle` the supervisor never wakes up.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vanish_e2e::init::{MODES, Mode, Running, init_bin, require};

const PY: &str = "/usr/bin/python3";
const BUSYBOX: &str = "/bin/busybox";
const ADDR: &str = "10.77.0.1";

/// Listens on every given port, holds every connection until the peer
/// closes it; prints "listening" once bound.
const SERVER: &str = r#"
import selectors, socket, sys
sel = selectors.DefaultSelector()
for port in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(16)
    sel.register(s, selectors.EVENT_READ, "listen")
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        if key.data == "listen":
            conn, _ = key.fileobj.accept()
            sel.register(conn, selectors.EVENT_READ, "conn")
        elif not key.fileobj.recv(4096):
            sel.unregister(key.fileobj)
            key.fileobj.close()
"#;

/// Connects, says "connected", holds the connection until stdin closes.
const CLIENT: &str = r#"
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])))
print("connected", flush=True)
sys.stdin.read()
c.close()
"#;

/// vanish-init OPTS -- python3 SERVER PORTS, in a new network namespace.
fn start(mode: Mode, opts: &[&str], ports: &[&str]) -> Running {
    start_env(mode, opts, &[], ports)
}

fn start_env(mode: Mode, opts: &[&str], env: &[(&str, &str)], ports: &[&str]) -> Running {
    // busybox-static's `ip` (scripts/setup.sh installs it; iproute2 may
    // be missing on a fresh CI machine).
    require(BUSYBOX, "apt-get install -y busybox-static");
    let setup = format!(
        "{BUSYBOX} ip link set lo up && {BUSYBOX} ip addr add {ADDR}/32 dev lo && exec \"$0\" \"$@\""
    );
    let mut cmd = Command::new("unshare");
    cmd.arg("--net");
    if mode == Mode::Pid1 {
        cmd.args(["--pid", "--fork", "--mount-proc", "--kill-child"]);
    }
    cmd.args(["sh", "-c", &setup])
        .arg(init_bin())
        .args(opts)
        .args(["--", PY, "-c", SERVER])
        .args(ports)
        .envs(env.iter().copied());
    Running::spawn(mode, cmd)
}

/// A client in the supervisor's network namespace, connected to
/// `addr:port`; dropping its stdin closes the connection.
struct Client(Child);

impl Client {
    fn connect(r: &Running, addr: &str, port: &str) -> Client {
        let mut child = Command::new("nsenter")
            .arg(format!("--net=/proc/{}/ns/net", r.supervisor_pid()))
            .args([PY, "-c", CLIENT, addr, port])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the client");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the client");
        assert_eq!(line, "connected\n", "client to {addr}:{port}");
        Client(child)
    }

    /// Closes the connection and waits for the client to exit; returns the
    /// instant the close was asked for. The socket closes after it, never
    /// before, so "idle time after the close" measured from it is never too
    /// short (the instant after the client's exit could be, by the exit's
    /// own latency).
    fn close(mut self) -> Instant {
        let asked = Instant::now();
        drop(self.0.stdin.take());
        let _ = self.0.wait();
        asked
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Context switches of `pid` so far (each wake-up is at least one).
fn switches(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .filter(|l| l.contains("ctxt_switches:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum()
}

#[test]
fn a_held_connection_keeps_the_app_alive_and_the_close_starts_the_idle_clock() {
    for mode in MODES {
        let mut r = start(
            mode,
            &["--idle", "2s", "--ttl-exit-code", "5", "--grace", "1s"],
            &["8080"],
        );
        let first = r.expect_stderr("started pid=");
        assert!(
            first.ends_with(" idle=2s idle_check_every=250ms"),
            "{first}"
        );
        r.expect_stdout("listening");
        let client = Client::connect(&r, ADDR, "8080");
        // Three idle periods with the connection held: still running.
        let held = Instant::now();
        while held.elapsed() < Duration::from_secs(6) {
            let sup = r.supervisor_pid();
            assert!(
                std::fs::metadata(format!("/proc/{sup}")).is_ok(),
                "{mode:?}: the supervisor ended with a connection held"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let closed = client.close();
        r.expect_stderr(
            "vanish-init: idle: no connection for 2s; sending SIGTERM to all, SIGKILL in 1s",
        );
        let after = closed.elapsed();
        let f = r.finish();
        f.assert_code(5);
        f.assert_stderr_has("vanish-init: child killed by SIGTERM (exit code 143)");
        // 2s ± one 250 ms check (and the time to read a log line).
        assert!(
            after >= Duration::from_millis(1750) && after <= Duration::from_millis(2250 + 500),
            "{mode:?}: expired {after:?} after the close: {f:#?}"
        );
    }
}

#[test]
fn nobody_ever_connecting_expires_at_the_idle_time() {
    for mode in MODES {
        let started = Instant::now();
        let mut r = start(mode, &["--idle", "2s"], &["8080"]);
        r.expect_stdout("listening");
        r.expect_stderr("vanish-init: idle: no connection for 2s;");
        let after = started.elapsed();
        r.finish().assert_code(0);
        assert!(
            after >= Duration::from_millis(1750) && after < Duration::from_secs(4),
            "{mode:?}: {after:?}"
        );
    }
}

#[test]
fn loopback_and_other_ports_do_not_count() {
    for mode in MODES {
        for (opts, addr, port) in [
            // A sidecar over loopback to the app's port.
            (&["--idle", "2s"][..], "127.0.0.1", "8080"),
            // From outside, but to a port that --idle-ports leaves out.
            (&["--idle", "2s", "--idle-ports", "9090"][..], ADDR, "8080"),
        ] {
            let started = Instant::now();
            let mut r = start(mode, opts, &["8080", "9090"]);
            r.expect_stdout("listening");
            let client = Client::connect(&r, addr, port);
            r.expect_stderr("vanish-init: idle: no connection for 2s;");
            let after = started.elapsed();
            drop(client);
            r.finish().assert_code(0);
            assert!(
                after < Duration::from_secs(4),
                "{mode:?} {opts:?}: {after:?}"
            );
        }
    }
}

#[test]
fn idle_ports_from_the_environment_count_their_connections() {
    for mode in MODES {
        let env = [("VANISH_IDLE", "2s"), ("VANISH_IDLE_PORTS", "9090,8080")];
        let mut r = start_env(mode, &[], &env, &["8080", "9090"]);
        let first = r.expect_stderr("started pid=");
        assert!(
            first.ends_with(" idle=2s idle_check_every=250ms idle_ports=9090,8080"),
            "{first}"
        );
        r.expect_stdout("listening");
        let client = Client::connect(&r, ADDR, "9090");
        let held = Instant::now();
        while held.elapsed() < Duration::from_secs(4) {
            let sup = r.supervisor_pid();
            assert!(
                std::fs::metadata(format!("/proc/{sup}")).is_ok(),
                "{mode:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        client.close();
        r.expect_stderr("vanish-init: idle: no connection for 2s;");
        r.finish().assert_code(0);
    }
}

#[test]
fn without_idle_the_supervisor_never_wakes_up() {
    for mode in MODES {
        let mut quiet = start(mode, &[], &["8080"]);
        let mut idle = start(mode, &["--idle", "4s"], &["8080"]);
        quiet.expect_stdout("listening");
        idle.expect_stdout("listening");
        let (q, i) = (quiet.supervisor_pid(), idle.supervisor_pid());
        let before = (switches(q), switches(i));
        // A measuring window, not a synchronisation: several idle checks
        // (every 400 ms for a 4s idle) fit in it.
        std::thread::sleep(Duration::from_millis(1500));
        let woke = (switches(q) - before.0, switches(i) - before.1);
        assert_eq!(woke.0, 0, "{mode:?}: woke up without --idle");
        assert!(
            woke.1 >= 2,
            "{mode:?}: --idle 4s checked only {} times",
            woke.1
        );
        quiet.signal("TERM");
        idle.signal("TERM");
        quiet.finish().assert_code(143);
        idle.finish().assert_code(143);
    }
}
