//! A tiny stderr logger: `vanish-init: [level: ]message key=value ...`.
//!
//! Invariants:
//! - One `write` per line, so lines from us never interleave mid-line with
//!   the child's output on the shared stderr.
//! - Info is production-quiet: a handful of lines per lifetime (start,
//!   warnings, expiry, escalation, exit). Per-signal and per-pid lines are
//!   debug.
//! - Write errors are ignored: a closed stderr must not stop the supervisor.
//!
//! Hand-rolled rather than tracing + tracing-subscriber (~85 KB for the
//! subscriber alone) because it prints a dozen fixed lines.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Off = 0,
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.to_ascii_lowercase().as_str() {
            "off" | "none" => Level::Off,
            "error" => Level::Error,
            "warn" | "warning" => Level::Warn,
            "info" => Level::Info,
            "debug" | "trace" => Level::Debug,
            _ => return None,
        })
    }

    /// Info shifted by `-v` (+1 each) and `-q` (-1 each), clamped.
    pub fn from_offset(n: i32) -> Level {
        match 3 + n {
            i32::MIN..=0 => Level::Off,
            1 => Level::Error,
            2 => Level::Warn,
            3 => Level::Info,
            _ => Level::Debug,
        }
    }
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);

pub fn set_level(l: Level) {
    LEVEL.store(l as u8, Ordering::Relaxed);
}

pub fn enabled(l: Level) -> bool {
    l as u8 <= LEVEL.load(Ordering::Relaxed)
}

/// Writes one line if `l` is enabled. Use the macros below.
pub fn write(l: Level, args: fmt::Arguments<'_>) {
    if !enabled(l) {
        return;
    }
    let tag = match l {
        Level::Error => "error: ",
        Level::Warn => "warning: ",
        Level::Debug => "debug: ",
        Level::Info | Level::Off => "",
    };
    let line = format!("vanish-init: {tag}{args}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Writes one line regardless of level: for usage errors, which must show
/// even with VANISH_LOG=off when that variable is itself the problem.
pub fn always(args: fmt::Arguments<'_>) {
    let line = format!("vanish-init: {args}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

#[macro_export]
macro_rules! error { ($($t:tt)*) => { $crate::log::write($crate::log::Level::Error, format_args!($($t)*)) } }
#[macro_export]
macro_rules! warn { ($($t:tt)*) => { $crate::log::write($crate::log::Level::Warn, format_args!($($t)*)) } }
#[macro_export]
macro_rules! info { ($($t:tt)*) => { $crate::log::write($crate::log::Level::Info, format_args!($($t)*)) } }
#[macro_export]
macro_rules! debug { ($($t:tt)*) => { $crate::log::write($crate::log::Level::Debug, format_args!($($t)*)) } }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        let rows = [
            ("off", Some(Level::Off)),
            ("ERROR", Some(Level::Error)),
            ("warn", Some(Level::Warn)),
            ("warning", Some(Level::Warn)),
            ("info", Some(Level::Info)),
            ("debug", Some(Level::Debug)),
            ("loud", None),
            ("", None),
        ];
        for (s, want) in rows {
            assert_eq!(Level::parse(s), want, "{s}");
        }
        let offsets = [
            (-5, Level::Off),
            (-3, Level::Off),
            (-2, Level::Error),
            (-1, Level::Warn),
            (0, Level::Info),
            (1, Level::Debug),
            (4, Level::Debug),
        ];
        for (n, want) in offsets {
            assert_eq!(Level::from_offset(n), want, "{n}");
        }
    }
}
