//! Variable interpolation as docker compose does it (pure).
//!
//! Forms: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, and `$$` for a
//! literal `$`. Defaults, alternatives and messages are themselves
//! interpolated, so `${A:-${B:-x}}` nests.
//!
//! Invariants: never panics; a `$` that starts no variable is kept as is;
//! an unset variable without a default becomes "" and is reported in
//! [`Expanded::unset`] so that the caller can warn, as compose does; the
//! output never grows past the byte limit the caller gives (a big variable
//! used many times is an error, not an out-of-memory).

/// The result of interpolating one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub text: String,
    /// Variables that were unset and had no default, in order of appearance.
    pub unset: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpError {
    /// `${VAR:?msg}` or `${VAR?msg}` with VAR missing.
    #[error("required variable '{var}' is not set{}", if .message.is_empty() { String::new() } else { format!(": {}", .message) })]
    Required { var: String, message: String },
    #[error("invalid interpolation: {0}")]
    Syntax(String),
    /// The output would pass the caller's limit.
    #[error("interpolation makes the text longer than {} KiB", .0 >> 10)]
    TooLong(usize),
}

/// Interpolates `s`, looking variables up with `lookup`; the result is at
/// most `limit` bytes long.
pub fn interpolate(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    limit: usize,
) -> Result<Expanded, InterpError> {
    let mut out = Expanded {
        text: String::with_capacity(s.len().min(limit)),
        unset: Vec::new(),
    };
    let mut w = Walk { lookup, limit };
    w.expand(s, &mut out, 0)?;
    Ok(out)
}

struct Walk<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    limit: usize,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Walk<'_> {
    /// Appends `text`, or fails when the output would pass the limit.
    fn push(&self, out: &mut Expanded, text: &str) -> Result<(), InterpError> {
        if out.text.len().saturating_add(text.len()) > self.limit {
            return Err(InterpError::TooLong(self.limit));
        }
        out.text.push_str(text);
        Ok(())
    }

    fn expand(&mut self, s: &str, out: &mut Expanded, depth: usize) -> Result<(), InterpError> {
        if depth > 16 {
            return Err(InterpError::Syntax("nested too deeply".into()));
        }
        let mut rest = s;
        while let Some(i) = rest.find('$') {
            self.push(out, &rest[..i])?;
            let after = &rest[i + 1..];
            let mut chars = after.chars();
            match chars.next() {
                Some('$') => {
                    self.push(out, "$")?;
                    rest = &after[1..];
                }
                Some('{') => {
                    let body_start = &after[1..];
                    let end = matching_brace(body_start).ok_or_else(|| {
                        InterpError::Syntax(format!("'${{' without a closing '}}' in '{s}'"))
                    })?;
                    self.braced(&body_start[..end], out, depth)?;
                    rest = &body_start[end + 1..];
                }
                Some(c) if is_name_start(c) => {
                    let len = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
                    let name = &after[..len];
                    match (self.lookup)(name) {
                        Some(v) => self.push(out, &v)?,
                        None => out.unset.push(name.to_string()),
                    }
                    rest = &after[len..];
                }
                _ => {
                    self.push(out, "$")?;
                    rest = after;
                }
            }
        }
        self.push(out, rest)
    }

    fn braced(&mut self, body: &str, out: &mut Expanded, depth: usize) -> Result<(), InterpError> {
        let len = body.find(|c: char| !is_name(c)).unwrap_or(body.len());
        let name = &body[..len];
        if name.is_empty() || !name.starts_with(is_name_start) {
            return Err(InterpError::Syntax(format!(
                "'${{{body}}}' does not start with a variable name"
            )));
        }
        let op = &body[len..];
        let value = (self.lookup)(name);
        let set = value.is_some();
        let nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
        let (colon, op) = match op.strip_prefix(':') {
            Some(o) => (true, o),
            None => (false, op),
        };
        let present = if colon { nonempty } else { set };
        match op.chars().next() {
            None if !colon => match value {
                Some(v) => self.push(out, &v)?,
                None => out.unset.push(name.to_string()),
            },
            Some('-') => {
                if present {
                    self.push(out, value.as_deref().unwrap_or_default())?;
                } else {
                    self.expand(&op[1..], out, depth + 1)?;
                }
            }
            Some('?') => {
                if present {
                    self.push(out, value.as_deref().unwrap_or_default())?;
                } else {
                    let mut msg = Expanded {
                        text: String::new(),
                        unset: Vec::new(),
                    };
                    self.expand(&op[1..], &mut msg, depth + 1)?;
                    return Err(InterpError::Required {
                        var: name.to_string(),
                        message: msg.text,
                    });
                }
            }
            Some('+') => {
                if present {
                    self.expand(&op[1..], out, depth + 1)?;
                }
            }
            _ => {
                return Err(InterpError::Syntax(format!(
                    "'${{{body}}}': expected one of :- - :? ? :+ + after '{name}'"
                )));
            }
        }
        Ok(())
    }
}

/// Index of the `}` closing a `${` whose body starts at `s`.
fn matching_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut prev_dollar = false;
    for (i, c) in s.char_indices() {
        match c {
            '{' if prev_dollar => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
        prev_dollar = c == '$' && !prev_dollar;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1 << 20;

    fn env(name: &str) -> Option<String> {
        match name {
            "SET" => Some("val".into()),
            "EMPTY" => Some(String::new()),
            "B" => Some("bee".into()),
            _ => None,
        }
    }

    #[test]
    fn every_form() {
        let table: &[(&str, &str)] = &[
            ("plain", "plain"),
            ("$SET", "val"),
            ("${SET}", "val"),
            ("a${SET}b", "avalb"),
            ("$SET/x", "val/x"),
            ("${UNSET:-def}", "def"),
            ("${EMPTY:-def}", "def"),
            ("${EMPTY-def}", ""),
            ("${UNSET-def}", "def"),
            ("${SET:-def}", "val"),
            ("${SET:?boom}", "val"),
            ("${EMPTY?boom}", ""),
            ("${SET:+alt}", "alt"),
            ("${EMPTY:+alt}", ""),
            ("${EMPTY+alt}", "alt"),
            ("${UNSET+alt}", ""),
            ("$$", "$"),
            ("$$SET", "$SET"),
            ("cost: 5$", "cost: 5$"),
            ("$ 1", "$ 1"),
            ("${UNSET:-${B}}", "bee"),
            ("${UNSET:-${NOPE:-x}-y}", "x-y"),
            ("${UNSET:-a:b}", "a:b"),
            ("${UNSET:-}", ""),
            ("x${UNSET:-$$}", "x$"),
            ("é$SET", "éval"),
        ];
        for (input, want) in table {
            let got = interpolate(input, &env, LIMIT).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got.text, *want, "{input}");
        }
    }

    #[test]
    fn unset_without_default_is_reported() {
        let got = interpolate("$NOPE-${ALSO}", &env, LIMIT).expect("ok");
        assert_eq!(got.text, "-");
        assert_eq!(got.unset, ["NOPE", "ALSO"]);
    }

    #[test]
    fn required_and_syntax_errors() {
        let table: &[(&str, InterpError)] = &[
            (
                "${UNSET:?set it please}",
                InterpError::Required {
                    var: "UNSET".into(),
                    message: "set it please".into(),
                },
            ),
            (
                "${EMPTY:?}",
                InterpError::Required {
                    var: "EMPTY".into(),
                    message: String::new(),
                },
            ),
            (
                "${UNSET?need $B}",
                InterpError::Required {
                    var: "UNSET".into(),
                    message: "need bee".into(),
                },
            ),
        ];
        for (input, want) in table {
            assert_eq!(
                interpolate(input, &env, LIMIT).as_ref(),
                Err(want),
                "{input}"
            );
        }
        for bad in ["${", "${SET", "${}", "${1A}", "${SET!x}", "${SET:x}"] {
            assert!(
                matches!(interpolate(bad, &env, LIMIT), Err(InterpError::Syntax(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn output_is_bounded_in_bytes() {
        let big = |name: &str| (name == "BIG").then(|| "x".repeat(1000));
        assert_eq!(
            interpolate("${BIG}", &big, 1000).map(|e| e.text.len()),
            Ok(1000)
        );
        for (s, limit) in [
            ("${BIG}.", 1000),
            ("$BIG$BIG", 1999),
            ("${NO:-${BIG}}${BIG}", 1999),
            ("${NO:?${BIG}$BIG}", 1999),
        ] {
            assert_eq!(
                interpolate(s, &big, limit),
                Err(InterpError::TooLong(limit)),
                "{s}"
            );
        }
        let many = "${BIG}".repeat(3000);
        assert_eq!(
            interpolate(&many, &big, 1 << 20),
            Err(InterpError::TooLong(1 << 20))
        );
    }
}
