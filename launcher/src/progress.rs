//! Launch progress on stderr: a live single status line on a TTY, plain
//! timestamped lines otherwise (CI logs).
//!
//! Invariants: never writes to stdout; on a TTY the line is rewritten in
//! place and finished with a newline by `finish`; each transition is shown
//! once, with the elapsed time since the launch began.

use std::io::Write;
use std::time::{Duration, SystemTime};

/// Where and how progress lines go.
pub struct Progress {
    out: Box<dyn Write + Send>,
    tty: bool,
    quiet: bool,
    open_line: bool,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress").field("tty", &self.tty).finish()
    }
}

impl Progress {
    /// Progress on the process's stderr, live when it is a terminal.
    pub fn stderr(quiet: bool) -> Progress {
        let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
        Progress::new(Box::new(std::io::stderr()), tty, quiet)
    }

    pub fn new(out: Box<dyn Write + Send>, tty: bool, quiet: bool) -> Progress {
        Progress {
            out,
            tty,
            quiet,
            open_line: false,
        }
    }

    /// Shows `what` (e.g. `PENDING`) reached after `elapsed`.
    pub fn status(&mut self, what: &str, elapsed: Duration, wall: SystemTime) {
        if self.quiet {
            return;
        }
        let secs = elapsed.as_secs_f64();
        let line = if self.tty {
            format!("\r\x1b[2Kvanish: {what} ({secs:.1}s)")
        } else {
            format!(
                "{} vanish: {what} after {secs:.1}s\n",
                humantime::format_rfc3339_seconds(wall)
            )
        };
        let _ = self.out.write_all(line.as_bytes());
        let _ = self.out.flush();
        self.open_line = self.tty;
    }

    /// Refreshes the live line's elapsed time between transitions (TTY
    /// only: CI logs get one line per transition, nothing in between).
    pub fn tick(&mut self, what: &str, elapsed: Duration, wall: SystemTime) {
        if self.tty {
            self.status(what, elapsed, wall);
        }
    }

    /// Ends a live line so that later output starts on a fresh line.
    pub fn finish(&mut self) {
        if self.open_line {
            let _ = self.out.write_all(b"\n");
            let _ = self.out.flush();
            self.open_line = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl Buf {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
        }
    }

    #[test]
    fn plain_lines_in_ci_live_line_on_tty() {
        let wall = humantime::parse_rfc3339("2026-11-21T12:00:00Z").expect("time");
        for (tty, want) in [
            (
                false,
                "2026-11-21T12:00:00Z vanish: PENDING after 1.0s\n2026-11-21T12:00:00Z vanish: RUNNING after 3.5s\n",
            ),
            (
                true,
                "\r\x1b[2Kvanish: PENDING (1.0s)\r\x1b[2Kvanish: PENDING (2.0s)\r\x1b[2Kvanish: RUNNING (3.5s)\n",
            ),
        ] {
            let buf = Buf::default();
            let mut p = Progress::new(Box::new(buf.clone()), tty, false);
            p.status("PENDING", Duration::from_millis(1000), wall);
            p.tick("PENDING", Duration::from_millis(2000), wall);
            p.status("RUNNING", Duration::from_millis(3500), wall);
            p.finish();
            assert_eq!(buf.text(), want, "tty={tty}");
        }
        let buf = Buf::default();
        let mut p = Progress::new(Box::new(buf.clone()), false, true);
        p.status("PENDING", Duration::ZERO, wall);
        assert_eq!(buf.text(), "");
    }
}
