//! Typed reads from located YAML nodes, each failure a located diagnostic.
//!
//! Invariant: a read that fails reports once and returns `None`; callers go on
//! reading the rest so that every problem is reported in one run.

use crate::diag::Diagnostics;
use crate::spec::yaml::{Kind, Node};

/// Where a key sits, for messages: "in service 'web'", "in ecs-params".
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    pub what: &'a str,
}

impl Ctx<'_> {
    pub fn key_msg(&self, key: &str) -> String {
        format!("'{key}' {}", self.what)
    }
}

/// Checks a mapping's keys: `known` keys pass, `unsupported` ones (key, hint)
/// warn (or fail under `--strict`), `x-` extension keys pass, the rest are
/// unknown-key errors with a "did you mean" hint. Returns the entries.
pub fn entries<'n>(
    node: &'n Node,
    ctx: Ctx<'_>,
    known: &[&str],
    unsupported: &[(&str, &str)],
    diags: &mut Diagnostics,
) -> &'n [(Node, Node)] {
    let Some(map) = map(node, ctx, diags) else {
        return &[];
    };
    for (k, _) in map {
        let Some(key) = k.as_str() else { continue };
        if known.contains(&key) || key.starts_with("x-") {
            continue;
        }
        if let Some((_, hint)) = unsupported.iter().find(|(u, _)| *u == key) {
            diags
                .unsupported(
                    Some(&k.loc),
                    format!(
                        "'{key}' {} is not supported on Fargate and is ignored",
                        ctx.what
                    ),
                )
                .hint(*hint);
        } else {
            let mut all: Vec<&str> = known.to_vec();
            all.extend(unsupported.iter().map(|(u, _)| *u));
            diags
                .error(Some(&k.loc), format!("unknown key '{key}' {}", ctx.what))
                .suggest(key, &all);
        }
    }
    map
}

pub fn map<'n>(
    node: &'n Node,
    ctx: Ctx<'_>,
    diags: &mut Diagnostics,
) -> Option<&'n [(Node, Node)]> {
    match &node.kind {
        Kind::Map(m) => Some(m),
        _ if node.is_null() => Some(&[]),
        _ => {
            diags
                .error(
                    Some(&node.loc),
                    format!(
                        "expected a mapping {}, found {}",
                        ctx.what,
                        node.type_name()
                    ),
                )
                .hint("write 'key: value' pairs, indented under the parent key");
            None
        }
    }
}

/// A scalar as text (numbers and booleans too, as written).
pub fn string(node: &Node, key: &str, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Option<String> {
    match &node.kind {
        Kind::Scalar { text, .. } if !node.is_null() => Some(text.clone()),
        _ => {
            diags
                .error(
                    Some(&node.loc),
                    format!(
                        "{} must be a string, not {}",
                        ctx.key_msg(key),
                        node.type_name()
                    ),
                )
                .hint("write one value on the same line, quoted if in doubt");
            None
        }
    }
}

pub fn boolean(node: &Node, key: &str, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Option<bool> {
    let b = node.as_bool();
    if b.is_none() {
        diags
            .error(
                Some(&node.loc),
                format!(
                    "{} must be true or false, not {}",
                    ctx.key_msg(key),
                    node.type_name()
                ),
            )
            .hint("write true or false without quotes");
    }
    b
}

/// A non-negative integer that fits `max`.
pub fn integer(
    node: &Node,
    key: &str,
    max: i64,
    ctx: Ctx<'_>,
    diags: &mut Diagnostics,
) -> Option<i64> {
    match node.as_i64() {
        Some(i) if (0..=max).contains(&i) => Some(i),
        Some(i) => {
            diags
                .error(
                    Some(&node.loc),
                    format!("{} is {i}, out of range 0..={max}", ctx.key_msg(key)),
                )
                .hint(format!("use a whole number from 0 to {max}"));
            None
        }
        None => {
            diags
                .error(
                    Some(&node.loc),
                    format!(
                        "{} must be a whole number, not {}",
                        ctx.key_msg(key),
                        node.type_name()
                    ),
                )
                .hint("write digits without quotes, e.g. 3");
            None
        }
    }
}

/// A string or a list of strings.
pub fn strings(
    node: &Node,
    key: &str,
    ctx: Ctx<'_>,
    diags: &mut Diagnostics,
) -> Option<Vec<String>> {
    match &node.kind {
        Kind::Seq(items) => {
            let mut out = Vec::new();
            let mut ok = true;
            for i in items {
                match string(i, key, ctx, diags) {
                    Some(s) => out.push(s),
                    None => ok = false,
                }
            }
            ok.then_some(out)
        }
        Kind::Scalar { .. } if !node.is_null() => string(node, key, ctx, diags).map(|s| vec![s]),
        _ => {
            diags
                .error(
                    Some(&node.loc),
                    format!(
                        "{} must be a string or a list of strings, not {}",
                        ctx.key_msg(key),
                        node.type_name()
                    ),
                )
                .hint("e.g. [\"a\", \"b\"]");
            None
        }
    }
}

/// A list of strings (a single string is an error).
pub fn string_list(
    node: &Node,
    key: &str,
    ctx: Ctx<'_>,
    diags: &mut Diagnostics,
) -> Option<Vec<String>> {
    if node.as_seq().is_none() && !node.is_null() {
        diags
            .error(
                Some(&node.loc),
                format!(
                    "{} must be a list, not {}",
                    ctx.key_msg(key),
                    node.type_name()
                ),
            )
            .hint("write a YAML list: [a, b] or one '- item' per line");
        return None;
    }
    strings(node, key, ctx, diags).or(Some(Vec::new()))
}

/// Splits a command string the way a POSIX shell splits words (quotes and
/// backslashes), as compose does for string `command`/`entrypoint`.
pub fn shell_split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err(format!("unterminated single quote in '{s}'")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return Err(format!("unterminated double quote in '{s}'")),
                        },
                        Some(c) => cur.push(c),
                        None => return Err(format!("unterminated double quote in '{s}'")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    cur.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        let table: &[(&str, &[&str])] = &[
            ("uwsgi --http :8000", &["uwsgi", "--http", ":8000"]),
            ("sh -c 'echo hi there'", &["sh", "-c", "echo hi there"]),
            (r#"a "b \"c\"" d\ e"#, &["a", "b \"c\"", "d e"]),
            ("  ", &[]),
            ("''", &[""]),
        ];
        for (s, want) in table {
            let got = shell_split(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(got, want.to_vec(), "{s}");
        }
        assert!(shell_split("'open").is_err());
        assert!(shell_split("\"open").is_err());
    }
}
