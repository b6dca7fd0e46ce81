//! The launcher's layers point one way: main → cli → cmd → engines (launch,
//! logs' reader, iam) and the global options → aws → pure domain (plan,
//! wait, net, apps, ...) → spec → base (ecs_parts, exit, contract, diag,
//! interrupt, logging). This test reads every `crate::...` path in
//! `launcher/src` and fails on an arrow that points up, on a command
//! importing another command, and on the logs engine importing the launch
//! engine (the two engines are one-way too). There are no exceptions.
//!
//! Invariant: every module of the crate has a layer here; a new top-level
//! module without one fails the test, so the table stays complete.

use std::path::{Path, PathBuf};

use vanish_e2e::workspace_root;

/// (module path prefix, layer): the longest matching prefix decides; a
/// lower number is a higher layer, which may import lower ones.
const LAYERS: &[(&str, u8)] = &[
    ("cli", 0),
    // Empty environment mirrors count as unset, before clap parses (cli).
    ("cli_env", 0),
    ("cmd", 1),
    // The options every command's `run` takes (cli flattens them into Cli).
    ("global", 2),
    ("launch", 2),
    ("logs", 2),
    ("iam", 2),
    // gather → build → translate: reads the spec's files (through spec::fs).
    ("load", 2),
    ("aws", 3),
    ("plan", 4),
    ("wait", 4),
    ("net", 4),
    ("apps", 4),
    ("churn", 4),
    ("output", 4),
    ("progress", 4),
    ("pace", 4),
    // The pure parts of `logs` (the SDK calls in aws/logs.rs use them).
    ("logs::source", 4),
    ("logs::window", 4),
    ("logs::format", 4),
    ("logs::pager", 4),
    ("spec", 5),
    ("diag", 6),
    ("exit", 6),
    ("contract", 6),
    ("interrupt", 6),
    ("logging", 6),
    ("mask", 6),
    // The result on stdout; a closed pipe is not an error.
    ("stdout", 6),
    // The ECS request parts that spec reads and plan places (plan::model
    // re-exports them); imports nothing from the crate.
    ("ecs_parts", 6),
];

/// Arrows between modules of one layer that must not exist.
const FORBIDDEN: &[(&str, &str, &str)] = &[(
    "logs",
    "launch",
    "the launch engine uses the logs engine (crash logs), not the reverse",
)];

fn layer(module: &str) -> Option<(u8, &'static str)> {
    LAYERS
        .iter()
        .filter(|(p, _)| module == *p || module.starts_with(&format!("{p}::")))
        .max_by_key(|(p, _)| p.len())
        .map(|(p, l)| (*l, *p))
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a source file (`launch/drive.rs` → `launch::drive`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// Every `crate::a::b` path in non-test code (a `#[cfg(test)]` module at the
/// end of a file is skipped: tests may reach anywhere).
fn imports(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut out = Vec::new();
    for line in code.lines() {
        let l = line.trim_start();
        if l.starts_with("//") {
            continue;
        }
        let mut rest = l;
        while let Some(i) = rest.find("crate::") {
            let tail = &rest[i + "crate::".len()..];
            let path: String = tail
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let path = path.trim_end_matches(':').to_string();
            if !path.is_empty() {
                out.push(path);
            }
            rest = tail;
        }
    }
    out
}

/// What is wrong with one file's arrows: `module` (`launch::drive`) and its
/// source text. Empty when every arrow points down or sideways within a layer.
fn check(module: &str, text: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    let Some((from, from_prefix)) = layer(module) else {
        return vec![format!("{module}: no layer in LAYERS")];
    };
    let top = |m: &str| m.split("::").next().unwrap_or_default().to_string();
    for target in imports(text) {
        let Some((to, to_prefix)) = layer(&target) else {
            wrong.push(format!("{module} → {target}: no layer in LAYERS"));
            continue;
        };
        if to < from {
            wrong.push(format!(
                "{module} ({from_prefix}, layer {from}) → {target} ({to_prefix}, layer {to}): points up"
            ));
        }
        if top(module) == "cmd" && top(&target) == "cmd" {
            let same = module.split("::").nth(1) == target.split("::").nth(1);
            if !same {
                wrong.push(format!(
                    "{module} → {target}: a command imports another command"
                ));
            }
        }
        for (f, t, why) in FORBIDDEN {
            if from_prefix == *f && top(&target) == *t {
                wrong.push(format!("{module} → {target}: {why}"));
            }
        }
    }
    wrong
}

#[test]
fn arrows_point_down() {
    let src = workspace_root().join("launcher/src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    for file in &all {
        let module = module_of(&src, file);
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("read");
        wrong.extend(check(&module, &text));
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "wrong arrows:\n{}", wrong.join("\n"));
}

#[test]
fn the_scanner_sees_what_it_must() {
    let text = "use crate::aws::{Clients, ecs};\n// use crate::cli::Global;\nlet x = crate::net::short_id(a);\n#[cfg(test)]\nuse crate::cmd::up;";
    assert_eq!(imports(text), ["aws", "net::short_id"]);
    assert_eq!(layer("logs::source"), Some((4, "logs::source")));
    assert_eq!(layer("logs::read"), Some((2, "logs")));
    assert_eq!(layer("nope"), None);
}

/// The check fails on each kind of wrong arrow, and passes the right ones.
#[test]
fn a_wrong_arrow_fails() {
    let wrong = [
        // The two arrows this table once let through.
        ("spec::compose", "use crate::plan::model::MountPoint;"),
        ("cmd::up", "use crate::cli::Global;"),
        // Up across several layers, and from the base.
        ("ecs_parts", "use crate::spec::model::Spec;"),
        ("exit", "let c = crate::cmd::ls::run;"),
        ("aws::ecs", "use crate::launch::drive;"),
        ("global", "use crate::cmd::up::Args;"),
        // Sideways but forbidden.
        ("cmd::down", "use crate::cmd::ls::Row;"),
        ("logs::read", "use crate::launch::crash_logs;"),
        // Unknown modules on either end.
        ("brand_new", "use crate::exit::Exit;"),
        ("plan::rules", "use crate::brand_new::X;"),
    ];
    for (module, text) in wrong {
        assert_eq!(check(module, text).len(), 1, "{module}: {text}");
    }
    let right = [
        ("spec::model", "use crate::ecs_parts::{Capacity, Volume};"),
        ("plan::model", "pub use crate::ecs_parts::Capacity;"),
        (
            "cmd::up",
            "use crate::global::Global;\nuse crate::cmd::up::helper;",
        ),
        ("cli", "use crate::global::Global;\nuse crate::cmd;"),
        ("global", "fn aws(&self) -> crate::aws::AwsConfig {"),
        ("launch::drive", "use crate::logs::read;"),
        ("ecs_parts", "use serde::Serialize;"),
    ];
    for (module, text) in right {
        assert_eq!(
            check(module, text),
            Vec::<String>::new(),
            "{module}: {text}"
        );
    }
}
