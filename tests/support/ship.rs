//! Helpers for the tests of what ships to users: the examples (lint tools,
//! the Dockerfile recipe) and `vanish iam-policy` (the SDK-call scan).
//!
//! Invariants:
//! - Tools are found in `<workspace>/.venv/bin/` (installed from
//!   `tests/requirements.txt`); nothing is fetched from the network.
//! - The SDK's operation names come from the SDK crates' own sources, at the
//!   versions `Cargo.lock` pins, so the scan knows every operation without a
//!   hand-kept list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::workspace_root;

/// `<workspace>/.venv/bin/<name>` if it exists.
pub fn venv_tool(name: &str) -> Option<PathBuf> {
    let path = workspace_root().join(".venv/bin").join(name);
    path.is_file().then_some(path)
}

/// Reports a skipped check where it stays visible: straight to the process's
/// stderr, past the test harness's capture of `eprintln!`. Under `CI=true`
/// a skip is a failure: CI installs every component, so a missing one there
/// is a broken run, never a silent pass.
pub fn skip(test: &str, why: &str) {
    use std::io::Write;
    assert!(
        !crate::docker::in_ci(),
        "{test}: {why} (CI=true: a missing component is a failure)"
    );
    let _ = writeln!(std::io::stderr(), "SKIP {test}: {why}");
}

/// Every `.rs` file under `dir`, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Method calls with no arguments, `.name()` (whitespace and line breaks
/// allowed around the parts): the shape of an SDK fluent-builder call such as
/// `client.run_task()` or `self.ecs\n    .describe_tasks()`.
pub fn empty_method_calls(src: &str) -> Vec<String> {
    let b = src.as_bytes();
    let mut calls = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'.' {
            i += 1;
            continue;
        }
        let mut j = skip_ws(b, i + 1);
        let start = j;
        while j < b.len() && (b[j].is_ascii_lowercase() || b[j].is_ascii_digit() || b[j] == b'_') {
            j += 1;
        }
        let name = &src[start..j];
        let k = skip_ws(b, j);
        if !name.is_empty() && b.get(k) == Some(&b'(') {
            let m = skip_ws(b, k + 1);
            if b.get(m) == Some(&b')') {
                calls.push(name.to_string());
            }
        }
        i = j.max(i + 1);
    }
    calls
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// `describe_network_interfaces` → `DescribeNetworkInterfaces`.
pub fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// SDK crates vanish may use, with the IAM service prefix of each.
pub const SDK_CRATES: &[(&str, &str)] = &[
    ("aws-sdk-ecs", "ecs"),
    ("aws-sdk-ec2", "ec2"),
    ("aws-sdk-cloudwatchlogs", "logs"),
    ("aws-sdk-iam", "iam"),
    ("aws-sdk-sts", "sts"),
];

/// The version `Cargo.lock` pins for `krate`, if it is in the lock file.
pub fn locked_version(krate: &str) -> Option<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).expect("Cargo.lock");
    let needle = format!("name = \"{krate}\"\nversion = \"");
    let at = lock.find(&needle)? + needle.len();
    let end = lock[at..].find('"')? + at;
    Some(lock[at..end].to_string())
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"),
        PathBuf::from,
    )
}

/// The unpacked sources of `krate` at `version` in Cargo's registry cache.
pub fn crate_source(krate: &str, version: &str) -> Option<PathBuf> {
    let registry = cargo_home().join("registry/src");
    std::fs::read_dir(&registry)
        .ok()?
        .filter_map(Result::ok)
        .map(|index| index.path().join(format!("{krate}-{version}")))
        .find(|p| p.is_dir())
}

/// snake_case operation name → IAM service prefixes whose SDK has it, for
/// every SDK crate in `Cargo.lock`. Panics when a locked SDK's sources are
/// missing: the scan would silently see nothing.
pub fn sdk_operations() -> BTreeMap<String, BTreeSet<&'static str>> {
    let mut ops: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    for (krate, prefix) in SDK_CRATES {
        let Some(version) = locked_version(krate) else {
            continue;
        };
        let src = crate_source(krate, &version).unwrap_or_else(|| {
            panic!(
                "{krate} {version} is in Cargo.lock but its sources are not under {}: run `cargo fetch`",
                cargo_home().join("registry/src").display()
            )
        });
        let dir = src.join("src/operation");
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("dir entry").path();
            if path.extension().is_some_and(|e| e == "rs") {
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                if stem != "mod" {
                    ops.entry(stem.to_string()).or_default().insert(prefix);
                }
            }
        }
    }
    ops
}

/// A Dockerfile as instructions: continuation lines joined, comments and
/// blank lines dropped; `(INSTRUCTION, arguments)`, the instruction uppercased.
pub fn dockerfile_instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            current.push_str(body.trim_end());
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let full = std::mem::take(&mut current);
        let (inst, args) = full.split_once(char::is_whitespace).unwrap_or((&full, ""));
        out.push((inst.to_ascii_uppercase(), args.trim().to_string()));
    }
    out
}

/// Whether the ELF file at `path` is statically linked: an ELF64 little-endian
/// executable with no PT_INTERP program header (no dynamic loader).
pub fn elf_is_static(path: &Path) -> Result<bool, String> {
    let b = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 || b[5] != 1 {
        return Err(format!(
            "{} is not a 64-bit little-endian ELF",
            path.display()
        ));
    }
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as usize;
    let u64_at = |o: usize| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[o..o + 8]);
        u64::from_le_bytes(a) as usize
    };
    let (phoff, phentsize, phnum) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    for i in 0..phnum {
        let at = phoff + i * phentsize;
        if at + 4 > b.len() {
            return Err("truncated program headers".into());
        }
        let p_type = u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        if p_type == 3 {
            return Ok(false); // PT_INTERP
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fluent_calls_across_lines() {
        let src = "let out = self.ecs\n    .run_task()\n    .cluster(c)\n    .send().await?;\n\
                   client . describe_tasks ( ) ; x.len(3); y.stop_task(a); z.list_tasks().into_paginator()";
        assert_eq!(
            empty_method_calls(src),
            [
                "run_task",
                "send",
                "describe_tasks",
                "list_tasks",
                "into_paginator"
            ]
        );
    }

    #[test]
    fn pascal_case() {
        for (snake, want) in [
            ("run_task", "RunTask"),
            ("describe_network_interfaces", "DescribeNetworkInterfaces"),
            ("get_log_events", "GetLogEvents"),
        ] {
            assert_eq!(pascal(snake), want);
        }
    }

    #[test]
    fn dockerfile_continuations_and_comments() {
        let text = "# syntax=x\nFROM a AS b\nRUN one \\\n  # inner comment\n  && two\n\nENTRYPOINT [\"/x\", \"--\"]\n";
        assert_eq!(
            dockerfile_instructions(text),
            [
                ("FROM".to_string(), "a AS b".to_string()),
                ("RUN".to_string(), "one && two".to_string()),
                ("ENTRYPOINT".to_string(), "[\"/x\", \"--\"]".to_string()),
            ]
        );
    }
}
