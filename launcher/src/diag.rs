//! Located diagnostics for the spec: every problem at once, each with its place and a hint.
//!
//! Format (stderr), one block per problem:
//! ```text
//! error: unknown key 'healtcheck' in service 'web'
//!   --> docker-compose.yml:14:5
//!   hint: did you mean 'healthcheck'?
//! ```
//! Invariants:
//! - Lines and columns are 1-based; a diagnostic without a place (a flag, the
//!   environment) simply has no `-->` line.
//! - Errors are reported in file order, then line, then column; ties keep the
//!   order they were found in. `--strict` turns `unsupported` warnings into errors.
//! - Nothing here panics or performs I/O except [`Diagnostics::print_warnings`].
//! - [`Diagnostics::redact`] is how the loader keeps secret values out of
//!   every message and hint (see `crate::mask::Redactor`).

use std::fmt;
use std::sync::Arc;

use crate::exit::{Exit, Failure};

/// A place in an input file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    /// The file as the user named it (or as it was found in the working directory).
    pub file: Arc<str>,
    /// Position of the file in the load order; sorts diagnostics by file.
    pub order: u16,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub col: u32,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One problem (or remark) about the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub loc: Option<Loc>,
    pub hint: Option<String>,
}

impl Diagnostic {
    /// The lines after the first: `  --> place` and `  hint: ...`.
    pub fn detail_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(loc) = &self.loc {
            out.push(format!("  --> {loc}"));
        }
        if let Some(hint) = &self.hint {
            out.push(format!("  hint: {hint}"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity.label(), self.message)?;
        for line in self.detail_lines() {
            write!(f, "\n{line}")?;
        }
        Ok(())
    }
}

/// The problems found so far.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// `--strict`: what vanish cannot honour on Fargate is an error, not a warning.
    pub strict: bool,
}

impl Diagnostics {
    pub fn new(strict: bool) -> Self {
        Diagnostics {
            items: Vec::new(),
            strict,
        }
    }

    fn push(&mut self, severity: Severity, loc: Option<&Loc>, message: String) -> &mut Diagnostic {
        self.items.push(Diagnostic {
            severity,
            message,
            loc: loc.cloned(),
            hint: None,
        });
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// An error: the spec cannot be launched.
    pub fn error(&mut self, loc: Option<&Loc>, message: impl Into<String>) -> Hint<'_> {
        Hint(self.push(Severity::Error, loc, message.into()))
    }

    /// A warning: launched anyway, but the user should know.
    pub fn warn(&mut self, loc: Option<&Loc>, message: impl Into<String>) -> Hint<'_> {
        Hint(self.push(Severity::Warning, loc, message.into()))
    }

    /// Something vanish cannot honour on Fargate: a warning, or an error under `--strict`.
    pub fn unsupported(&mut self, loc: Option<&Loc>, message: impl Into<String>) -> Hint<'_> {
        let sev = if self.strict {
            Severity::Error
        } else {
            Severity::Warning
        };
        Hint(self.push(sev, loc, message.into()))
    }

    /// A remark (e.g. a derived task size).
    pub fn note(&mut self, loc: Option<&Loc>, message: impl Into<String>) -> Hint<'_> {
        Hint(self.push(Severity::Note, loc, message.into()))
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Rewrites every message and hint with `f` (to hide secret values).
    pub fn redact(&mut self, f: &dyn Fn(&str) -> String) {
        for d in &mut self.items {
            d.message = f(&d.message);
            if let Some(h) = &mut d.hint {
                *h = f(h);
            }
        }
    }

    /// Sorted by severity class (warnings and notes, then errors), then place.
    fn sorted(&self, errors: bool) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self
            .items
            .iter()
            .filter(|d| (d.severity == Severity::Error) == errors)
            .collect();
        v.sort_by_key(|d| {
            d.loc
                .as_ref()
                .map_or((u16::MAX, u32::MAX, u32::MAX), |l| (l.order, l.line, l.col))
        });
        v
    }

    /// Warnings and notes, rendered, in place order; notes only when there is
    /// no error (a derived size is noise next to a broken spec).
    pub fn render_warnings(&self) -> Vec<String> {
        let errors = self.has_errors();
        self.sorted(false)
            .iter()
            .filter(|d| !(errors && d.severity == Severity::Note))
            .map(|d| d.to_string())
            .collect()
    }

    /// Prints warnings and notes to stderr.
    pub fn print_warnings(&self) {
        for w in self.render_warnings() {
            eprintln!("{w}");
        }
    }

    /// `Ok` when there is no error; else one [`Failure`] (exit 2) whose message is
    /// the first error and whose details hold the rest, each in the block format.
    pub fn into_failure(&self) -> Option<Failure> {
        let errors = self.sorted(true);
        let (first, rest) = errors.split_first()?;
        let mut f = Failure::new(Exit::BadInput, first.message.clone());
        f.details = first.detail_lines();
        for d in rest {
            f.details.push(format!("error: {}", d.message));
            f.details.extend(d.detail_lines());
        }
        Some(f)
    }
}

/// Lets a caller attach a hint to the diagnostic just pushed.
#[derive(Debug)]
pub struct Hint<'a>(&'a mut Diagnostic);

impl Hint<'_> {
    pub fn hint(self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }

    /// Adds a "did you mean" hint when `got` is close to one of `known`.
    pub fn suggest(self, got: &str, known: &[&str]) -> Self {
        match did_you_mean(got, known) {
            Some(k) => self.hint(format!("did you mean '{k}'?")),
            None => self,
        }
    }
}

/// The closest of `known` to `got`, if it is close enough to be a typo.
pub fn did_you_mean<'a>(got: &str, known: &[&'a str]) -> Option<&'a str> {
    let got_l = got.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (levenshtein(&got_l, &k.to_ascii_lowercase()), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(order: u16, line: u32, col: u32) -> Loc {
        Loc {
            file: Arc::from("c.yml"),
            order,
            line,
            col,
        }
    }

    #[test]
    fn suggestions() {
        let known = ["healthcheck", "image", "environment", "ports"];
        let table = [
            ("healtcheck", Some("healthcheck")),
            ("imgae", Some("image")),
            ("enviroment", Some("environment")),
            ("port", Some("ports")),
            ("zzz", None),
            ("x", None),
        ];
        for (got, want) in table {
            assert_eq!(did_you_mean(got, &known), want, "{got}");
        }
    }

    #[test]
    fn block_format_and_order() {
        let mut d = Diagnostics::new(false);
        d.error(Some(&loc(0, 14, 5)), "second").hint("h");
        d.error(Some(&loc(0, 2, 1)), "first");
        d.error(None, "unlocated");
        d.unsupported(Some(&loc(0, 1, 1)), "build is ignored");
        let f = d.into_failure().expect("errors");
        assert_eq!(f.code, Exit::BadInput);
        assert_eq!(f.message, "first");
        assert_eq!(
            f.details,
            [
                "  --> c.yml:2:1",
                "error: second",
                "  --> c.yml:14:5",
                "  hint: h",
                "error: unlocated"
            ]
        );
        assert_eq!(
            d.render_warnings(),
            ["warning: build is ignored\n  --> c.yml:1:1"]
        );
    }

    #[test]
    fn strict_makes_unsupported_an_error() {
        let mut d = Diagnostics::new(true);
        d.unsupported(None, "privileged is ignored");
        assert!(d.has_errors());
        assert!(Diagnostics::new(false).into_failure().is_none());
    }
}
