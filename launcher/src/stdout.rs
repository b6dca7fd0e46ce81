//! The result on stdout, written so that a reader who stops early is not a
//! failure.
//!
//! Invariants: nothing in the crate writes to stdout with `print!` or
//! `println!` (they panic on a closed pipe); `vanish ls | head -1` ends with
//! exit 0 and no message, as `vanish iam-policy | head` always did. Any other
//! write error is returned, for the caller to put in context.

use std::io::{ErrorKind, Write};

/// Writes `text` to stdout and flushes; a closed pipe counts as written.
pub fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// [`print()`] with a newline.
pub fn println(text: &str) -> std::io::Result<()> {
    print(&format!("{text}\n"))
}
