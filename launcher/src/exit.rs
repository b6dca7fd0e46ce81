//! Exit codes of `vanish`, one typed enum, documented in docs/cli.md ("Exit codes";
//! tests/docs.rs checks the table against `Exit::code`).
//!
//! Invariant: every way the process ends maps to exactly one of these codes;
//! `vanish run` alone passes through the container's own exit status. A
//! signal is never the process's cause of death: SIGINT ends it with 130,
//! SIGTERM with 143, after a one-line message naming any task it leaves.

use std::process::ExitCode;

/// How `vanish` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done (the app is up, the listing printed, ...).
    Ok,
    /// 1: the task failed to start or stopped early; an unknown name.
    TaskFailed,
    /// 2: bad input: the spec, flags or environment; nothing was sent to AWS.
    BadInput,
    /// 3: AWS refused: no or expired credentials, a missing permission, an API error.
    Aws,
    /// 4: `--wait` ran out before the app was up.
    WaitTimeout,
    /// 130: interrupted by SIGINT (Ctrl-C), as a shell reports it (128 + 2).
    Interrupted,
    /// 143: stopped by SIGTERM (a cancelled CI job), as a shell reports it
    /// (128 + 15). Chosen over 1 so that a CI log tells a cancel from a
    /// failed launch; the message still names any task left behind.
    Terminated,
    /// The exit status of a one-off task's container (`vanish run`).
    Container(u8),
}

impl Exit {
    /// The numeric process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::TaskFailed => 1,
            Exit::BadInput => 2,
            Exit::Aws => 3,
            Exit::WaitTimeout => 4,
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
            Exit::Container(c) => c,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e.code())
    }
}

/// An error that knows how the process must end. Library error types convert
/// into it at the command layer; `main` prints it and exits with `code`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub code: Exit,
    /// One line, no trailing period: what went wrong.
    pub message: String,
    /// Extra lines printed after the message, already indented (`  --> ...`, `  hint: ...`).
    pub details: Vec<String>,
}

impl Failure {
    pub fn new(code: Exit, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.details.push(format!("  hint: {}", hint.into()));
        self
    }

    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }
}

/// The exit code for an error that reached `main`: the first [`Failure`] in
/// its chain decides; anything else is a failure to do the job (1).
pub fn code_of(err: &anyhow::Error) -> Exit {
    err.chain()
        .find_map(|e| e.downcast_ref::<Failure>())
        .map_or(Exit::TaskFailed, |f| f.code)
}

/// Renders an error for stderr: `error: <message>` plus the failure's detail
/// lines. Context added with anyhow goes in front of the message.
pub fn render(err: &anyhow::Error) -> String {
    let mut out = format!("error: {err:#}");
    if let Some(f) = err.chain().find_map(|e| e.downcast_ref::<Failure>()) {
        for line in &f.details {
            out.push('\n');
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_ones() {
        let table = [
            (Exit::Ok, 0),
            (Exit::TaskFailed, 1),
            (Exit::BadInput, 2),
            (Exit::Aws, 3),
            (Exit::WaitTimeout, 4),
            (Exit::Interrupted, 130),
            (Exit::Terminated, 143),
            (Exit::Container(137), 137),
        ];
        for (exit, code) in table {
            assert_eq!(exit.code(), code, "{exit:?}");
        }
    }

    #[test]
    fn failure_in_chain_decides_the_code() {
        let err =
            anyhow::Error::new(Failure::new(Exit::Aws, "access denied").hint("grant ecs:RunTask"))
                .context("running the task");
        assert_eq!(code_of(&err), Exit::Aws);
        assert_eq!(
            render(&err),
            "error: running the task: access denied\n  hint: grant ecs:RunTask"
        );
        assert_eq!(code_of(&anyhow::anyhow!("boom")), Exit::TaskFailed);
    }
}
