//! Variable interpolation as docker compose does it (pure).
//!
//! Forms: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}`, and `$$` for a
//! literal `$`. Defaults, alternatives and messages are themselves
//! interpolated, so `${A:-${B:-x}}` nests.
//!
//! Invariants: never panics; a `$` that starts no variable is kept as is;
//! an unset variable without a default becomes "" and is reported in
//! [`Expanded::unset`] so that the caller can warn, as compose does.

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
}

/// Interpolates `s`, looking variables up with `lookup`.
pub fn interpolate(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Expanded, InterpError> {
    let mut out = Expanded {
        text: String::with_capacity(s.len()),
        unset: Vec::new(),
    };
    expand(s, lookup, &mut out, 0)?;
    Ok(out)
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn expand(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Expanded,
    depth: usize,
) -> Result<(), InterpError> {
    if depth > 16 {
        return Err(InterpError::Syntax("nested too deeply".into()));
    }
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.text.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let mut chars = after.chars();
        match chars.next() {
            Some('$') => {
                out.text.push('$');
                rest = &after[1..];
            }
            Some('{') => {
                let body_start = &after[1..];
                let end = matching_brace(body_start).ok_or_else(|| {
                    InterpError::Syntax(format!("'${{' without a closing '}}' in '{s}'"))
                })?;
                braced(&body_start[..end], lookup, out, depth)?;
                rest = &body_start[end + 1..];
            }
            Some(c) if is_name_start(c) => {
                let len = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
                let name = &after[..len];
                match lookup(name) {
                    Some(v) => out.text.push_str(&v),
                    None => out.unset.push(name.to_string()),
                }
                rest = &after[len..];
            }
            _ => {
                out.text.push('$');
                rest = after;
            }
        }
    }
    out.text.push_str(rest);
    Ok(())
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

fn braced(
    body: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Expanded,
    depth: usize,
) -> Result<(), InterpError> {
    let len = body.find(|c: char| !is_name(c)).unwrap_or(body.len());
    let name = &body[..len];
    if name.is_empty() || !name.starts_with(is_name_start) {
        return Err(InterpError::Syntax(format!(
            "'${{{body}}}' does not start with a variable name"
        )));
    }
    let op = &body[len..];
    let value = lookup(name);
    let set = value.is_some();
    let nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
    let (colon, op) = match op.strip_prefix(':') {
        Some(o) => (true, o),
        None => (false, op),
    };
    let present = if colon { nonempty } else { set };
    let sub = |text: &str, out: &mut Expanded| expand(text, lookup, out, depth + 1);
    match op.chars().next() {
        None if !colon => match value {
            Some(v) => out.text.push_str(&v),
            None => out.unset.push(name.to_string()),
        },
        Some('-') => {
            if present {
                out.text.push_str(value.as_deref().unwrap_or_default());
            } else {
                sub(&op[1..], out)?;
            }
        }
        Some('?') => {
            if present {
                out.text.push_str(value.as_deref().unwrap_or_default());
            } else {
                let mut msg = Expanded {
                    text: String::new(),
                    unset: Vec::new(),
                };
                sub(&op[1..], &mut msg)?;
                return Err(InterpError::Required {
                    var: name.to_string(),
                    message: msg.text,
                });
            }
        }
        Some('+') => {
            if present {
                sub(&op[1..], out)?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
            let got = interpolate(input, &env).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got.text, *want, "{input}");
        }
    }

    #[test]
    fn unset_without_default_is_reported() {
        let got = interpolate("$NOPE-${ALSO}", &env).expect("ok");
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
            assert_eq!(interpolate(input, &env).as_ref(), Err(want), "{input}");
        }
        for bad in ["${", "${SET", "${}", "${1A}", "${SET!x}", "${SET:x}"] {
            assert!(
                matches!(interpolate(bad, &env), Err(InterpError::Syntax(_))),
                "{bad}"
            );
        }
    }
}
