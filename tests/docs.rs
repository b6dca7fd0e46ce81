//! The docs against the code, both ways: every flag, environment variable,
//! spec key, exit code, contract name and IAM action the code has is
//! documented, and every one the docs name exists. One test collects every
//! mismatch and fails with the whole list.
//!
//! Where the truth comes from:
//! - Flags and their variables: the built binaries' `--help` (`vanish`, every
//!   subcommand `vanish --help` lists, and `vanish-init`), run with an empty
//!   environment so that no variable's value leaks into the help text.
//! - Spec keys, exit codes, the contract and the IAM actions: the source text
//!   of the launcher and the supervisor (this crate does not link them).
//!   Every key table in `launcher/src/spec/{compose,params}.rs` (a const
//!   whose name ends in `_KEYS`, `_UNSUPPORTED` or `_NOT_YET`, and
//!   `CONDITIONS`) must have its table in docs/spec.md.
//!
//! How the docs mark what is checked: an HTML comment on the line above a
//! table, `<!-- options: up run -->` (docs/cli.md; `global` for the global
//! options, `vanish-init` in docs/vanish-init.md), `<!-- keys: compose.rs
//! SERVICE_KEYS -->` (docs/spec.md), `<!-- exit-codes -->`, `<!-- contract
//! -->` (README), `<!-- iam-actions -->` and `<!-- iam-policy -->`
//! (docs/iam.md; the JSON block after it is what `vanish iam-policy`
//! prints). The keys of a row are the backtick spans of its first column.
//!
//! Decisions:
//! - Hidden flags (`hide = true` in launcher/src: test hooks such as
//!   `--now`/`VANISH_NOW`) are not documented, and the docs must not name
//!   them: naming one is reported as such.
//! - `-h`/`--help` and `-V`/`--version` are clap's and are not listed.
//! - A flag named anywhere in the docs as inline code (`--wait`) must exist
//!   in `vanish` (docs/cli.md) or in `vanish` or `vanish-init` (the other
//!   pages); a `vanish ...` or `vanish-init ...` command in a code block or
//!   in inline code must use only flags of that subcommand. Commands of
//!   other programs (`cargo install --path`) are not checked.
//! - `VANISH_*` names in the docs must exist: a flag's variable, a name in
//!   the contract or in `up --dotenv`'s output, or a CI variable of the
//!   shipped action, component, examples or scripts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use vanish_e2e::{bin, run, workspace_root};

const DEADLINE: Duration = Duration::from_secs(20);
/// The README is a landing page.
const README_MAX_WORDS: usize = 2_500;
/// Pages whose inline `--flag` spans are checked against the binaries.
const FLAG_PAGES: &[&str] = &[
    "README.md",
    "docs/cli.md",
    "docs/spec.md",
    "docs/vanish-init.md",
    "docs/troubleshooting.md",
    "docs/iam.md",
];

#[test]
fn the_docs_match_the_code() {
    let docs = Docs::load();
    let cli = Cli::from_binaries();
    let mut problems = Vec::new();
    check_options(&docs, &cli, &mut problems);
    check_flag_mentions(&docs, &cli, &mut problems);
    check_variables(&docs, &cli, &mut problems);
    check_spec_keys(&docs, &mut problems);
    check_exit_codes(&docs, &cli, &mut problems);
    check_contract(&docs, &mut problems);
    check_iam(&docs, &mut problems);
    check_links(&docs, &mut problems);
    let words = docs.page("README.md").split_whitespace().count();
    if words > README_MAX_WORDS {
        problems.push(format!(
            "README.md: {words} words, more than {README_MAX_WORDS}: move the detail into docs/"
        ));
    }
    assert!(
        problems.is_empty(),
        "the docs and the code disagree in {} place(s):\n  - {}",
        problems.len(),
        problems.join("\n  - ")
    );
}

// --- what the docs say ---------------------------------------------------

/// README.md and every docs/*.md, by path relative to the workspace root.
struct Docs {
    root: PathBuf,
    pages: BTreeMap<String, String>,
}

impl Docs {
    fn load() -> Docs {
        let root = workspace_root();
        let mut pages = BTreeMap::new();
        pages.insert("README.md".to_string(), read(&root.join("README.md")));
        let dir = std::fs::read_dir(root.join("docs")).expect("docs/ exists");
        for e in dir {
            let p = e.expect("docs/ entry").path();
            if p.extension().is_some_and(|x| x == "md") {
                let name = format!(
                    "docs/{}",
                    p.file_name().unwrap_or_default().to_string_lossy()
                );
                pages.insert(name, read(&p));
            }
        }
        Docs { root, pages }
    }

    fn page(&self, name: &str) -> &str {
        self.pages
            .get(name)
            .unwrap_or_else(|| panic!("{name} is missing"))
    }

    fn source(&self, path: &str) -> String {
        read(&self.root.join(path))
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// A table under a `<!-- marker -->` line: its body rows, split into cells.
#[derive(Debug)]
struct Table {
    marker: String,
    rows: Vec<Vec<String>>,
}

/// Every marked table of `md`.
fn marked_tables(md: &str) -> Vec<Table> {
    let lines: Vec<&str> = md.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let Some(marker) = t
            .strip_prefix("<!--")
            .and_then(|r| r.strip_suffix("-->"))
            .map(str::trim)
        else {
            continue;
        };
        let mut rows = Vec::new();
        let mut j = i + 1;
        while j < lines.len() && lines[j].trim().is_empty() {
            j += 1;
        }
        let mut n = 0;
        while j < lines.len() && lines[j].trim_start().starts_with('|') {
            // Row 0 is the header, row 1 the separator.
            if n >= 2 {
                rows.push(cells(lines[j]));
            }
            n += 1;
            j += 1;
        }
        out.push(Table {
            marker: marker.to_string(),
            rows,
        });
    }
    out
}

/// The cells of a table row (`\|` is a literal bar).
fn cells(row: &str) -> Vec<String> {
    let row = row.trim().trim_start_matches('|').trim_end_matches('|');
    row.replace("\\|", "\u{0}")
        .split('|')
        .map(|c| c.replace('\u{0}', "|").trim().to_string())
        .collect()
}

/// The backtick spans of `text`.
fn spans(text: &str) -> Vec<String> {
    text.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_string())
        .collect()
}

/// (inline code spans outside code blocks, lines inside code blocks).
fn code_of(md: &str) -> (Vec<String>, Vec<String>) {
    let mut inline = Vec::new();
    let mut block = Vec::new();
    let mut fenced = false;
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            block.push(line.to_string());
        } else {
            inline.extend(spans(line));
        }
    }
    (inline, block)
}

/// The text outside code blocks.
fn prose(md: &str) -> String {
    let mut fenced = false;
    let mut out = String::new();
    for line in md.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped, spaces → `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of `md`'s headings.
fn anchors(md: &str) -> BTreeSet<String> {
    prose(md)
        .lines()
        .filter_map(|l| {
            let h = l.trim_start_matches('#');
            (l.starts_with('#') && h.starts_with(' ')).then(|| slug(h))
        })
        .collect()
}

/// The targets of the `[text](target)` links of `md` (outside code).
fn links(md: &str) -> Vec<String> {
    let text = prose(md);
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        match after.find(')') {
            Some(end) => {
                out.push(after[..end].to_string());
                rest = &after[end..];
            }
            None => break,
        }
    }
    out
}

// --- what the binaries say -----------------------------------------------

/// One entry of a help text: a flag or a positional argument.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Opt {
    long: Option<String>,
    short: Option<char>,
    /// A positional argument's name (`NAMES`, `COMMAND`).
    positional: Option<String>,
    env: Option<String>,
    default: Option<String>,
    possible: Vec<String>,
}

impl Opt {
    fn is_help_or_version(&self) -> bool {
        matches!(self.long.as_deref(), Some("help" | "version"))
    }

    fn has_flag(&self, flag: &str) -> bool {
        match flag.strip_prefix("--") {
            Some(l) => self.long.as_deref() == Some(l),
            None => flag.strip_prefix('-').and_then(|s| s.chars().next()) == self.short,
        }
    }
}

/// What the built binaries print with `--help`.
struct Cli {
    /// Options every `vanish` subcommand takes (the top level's).
    global: Vec<Opt>,
    /// Each subcommand's own options (the global ones left out).
    commands: BTreeMap<String, Vec<Opt>>,
    init: Vec<Opt>,
    init_help: String,
}

impl Cli {
    fn from_binaries() -> Cli {
        let top = stdout_of(&bin("vanish"), &["--help"]);
        let (global, names) = parse_clap_help(&top);
        assert!(
            !names.is_empty(),
            "no subcommands found in `vanish --help`:\n{top}"
        );
        let global: Vec<Opt> = global
            .into_iter()
            .filter(|o| !o.is_help_or_version())
            .collect();
        let mut commands = BTreeMap::new();
        for name in names {
            let (opts, _) = parse_clap_help(&stdout_of(&bin("vanish"), &[&name, "--help"]));
            let own: Vec<Opt> = opts
                .into_iter()
                .filter(|o| !o.is_help_or_version() && !global.iter().any(|g| g.long == o.long))
                .collect();
            commands.insert(name, own);
        }
        let init_help = stdout_of(&bin("vanish-init"), &["--help"]);
        let init = parse_init_help(&init_help)
            .into_iter()
            .filter(|o| !o.is_help_or_version())
            .collect();
        Cli {
            global,
            commands,
            init,
            init_help,
        }
    }

    /// The options `vanish <command>` accepts, the global ones included.
    fn accepted(&self, command: Option<&str>) -> Vec<&Opt> {
        let own = command.and_then(|c| self.commands.get(c));
        self.global
            .iter()
            .chain(own.into_iter().flatten())
            .collect()
    }

    fn all_vanish(&self) -> impl Iterator<Item = &Opt> {
        self.global.iter().chain(self.commands.values().flatten())
    }
}

/// `program ARGS` with an empty environment; its stdout (exit 0 required).
fn stdout_of(program: &Path, args: &[&str]) -> String {
    let out = run(Command::new(program).args(args).env_clear(), DEADLINE);
    assert_eq!(out.code(), 0, "{} {args:?}: {out:?}", program.display());
    out.stdout
}

/// A clap help text → (its options and arguments, its subcommands).
fn parse_clap_help(text: &str) -> (Vec<Opt>, Vec<String>) {
    let mut opts = Vec::new();
    let mut commands = Vec::new();
    let mut section = "";
    let mut entry: Option<(Opt, String)> = None;
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            finish(&mut entry, &mut opts);
            section = line.trim_end_matches(':');
            continue;
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match section {
            "Commands" if indent == 2 => {
                let name = trimmed.split_whitespace().next().unwrap_or_default();
                if name != "help" {
                    commands.push(name.to_string());
                }
            }
            "Options" | "Arguments" if (indent == 2 || indent == 6) && !trimmed.is_empty() => {
                finish(&mut entry, &mut opts);
                let head = trimmed.split("  ").next().unwrap_or_default();
                let mut o = Opt::default();
                for word in head.split([' ', ',']).filter(|w| !w.is_empty()) {
                    if let Some(l) = word.strip_prefix("--") {
                        // `--verbose...`: a flag that may be repeated.
                        o.long = Some(l.trim_end_matches('.').to_string());
                    } else if let Some(s) = word.strip_prefix('-') {
                        o.short = s.chars().next();
                    } else if o.long.is_none() && o.short.is_none() && o.positional.is_none() {
                        let name = word.trim_matches(|c| "[]<>.".contains(c));
                        o.positional = Some(name.to_string());
                    }
                }
                let rest = trimmed[head.len()..].to_string();
                entry = Some((o, rest));
            }
            "Options" | "Arguments" => {
                if let Some((_, body)) = entry.as_mut() {
                    body.push(' ');
                    body.push_str(trimmed);
                }
            }
            _ => {}
        }
    }
    finish(&mut entry, &mut opts);
    (opts, commands)
}

/// Ends the help entry being read: its variable, default and values.
fn finish(entry: &mut Option<(Opt, String)>, opts: &mut Vec<Opt>) {
    if let Some((mut o, body)) = entry.take() {
        let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
        o.env = between(&body, "[env: ", "=").map(str::to_string);
        // clap's own default comes after the variable; a `[default: ...]`
        // before it is prose in the doc comment, not a value.
        let tail = body.find("[env: ").map_or(body.as_str(), |at| &body[at..]);
        o.default = between(tail, "[default: ", "]").map(|d| d.trim_matches('"').to_string());
        o.possible = between(&body, "[possible values: ", "]")
            .map(|v| v.split(", ").map(str::to_string).collect())
            .unwrap_or_default();
        opts.push(o);
    }
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// vanish-init's hand-written help (`  -r, --rewrite FROM:TO   text [VANISH_REWRITE]`).
fn parse_init_help(text: &str) -> Vec<Opt> {
    let mut opts: Vec<(Opt, String)> = Vec::new();
    let mut in_options = false;
    for line in text.lines() {
        if line.starts_with("Options") {
            in_options = true;
            continue;
        }
        if !in_options {
            continue;
        }
        if line.trim().is_empty() {
            break;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('-') {
            let head = trimmed.split("  ").next().unwrap_or_default();
            let mut o = Opt::default();
            for word in head.split([' ', ',']).filter(|w| !w.is_empty()) {
                if let Some(l) = word.strip_prefix("--") {
                    o.long = Some(l.to_string());
                } else if let Some(s) = word.strip_prefix('-') {
                    o.short = s.chars().next();
                }
            }
            opts.push((o, trimmed[head.len()..].to_string()));
        } else if let Some((_, body)) = opts.last_mut() {
            body.push(' ');
            body.push_str(trimmed);
        }
    }
    opts.into_iter()
        .map(|(mut o, body)| {
            o.env = body.find("[VANISH_").map(|at| {
                body[at + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect()
            });
            o
        })
        .collect()
}

// --- docs/cli.md and docs/vanish-init.md: the option tables ---------------

/// One documented option row.
#[derive(Debug)]
struct Row {
    flags: Vec<String>,
    positionals: Vec<String>,
    env: Option<String>,
    text: String,
}

fn row(cells: &[String]) -> Row {
    let first = cells.first().cloned().unwrap_or_default();
    let mut flags = Vec::new();
    let mut positionals = Vec::new();
    for s in spans(&first) {
        let word = s.split_whitespace().next().unwrap_or_default().to_string();
        if word == "--" {
            positionals.extend(
                s.split_whitespace()
                    .nth(1)
                    .map(|w| w.trim_end_matches('.').to_string()),
            );
        } else if word.starts_with('-') {
            flags.push(word);
        } else {
            positionals.push(word.trim_end_matches('.').to_string());
        }
    }
    let env = cells
        .get(1)
        .and_then(|c| spans(c).into_iter().find(|s| is_env_name(s)));
    Row {
        flags,
        positionals,
        env,
        text: cells.join(" | "),
    }
}

fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Checks one program's (or subcommand's) options against its rows, both ways.
fn compare_options(
    page: &str,
    what: &str,
    opts: &[&Opt],
    rows: &[&Row],
    problems: &mut Vec<String>,
) {
    for o in opts {
        if let Some(long) = &o.long {
            let flag = format!("--{long}");
            let with: Vec<&&Row> = rows.iter().filter(|r| r.flags.contains(&flag)).collect();
            if with.is_empty() {
                problems.push(format!("{page}: `{what} {flag}` is not documented"));
            }
            for r in with {
                if let Some(s) = o.short
                    && !r.flags.contains(&format!("-{s}"))
                {
                    problems.push(format!(
                        "{page}: `{what} {flag}`: its short form `-{s}` is not named"
                    ));
                }
                if r.env != o.env {
                    problems.push(format!(
                        "{page}: `{what} {flag}`: the docs say variable {}, the binary says {}",
                        r.env.as_deref().unwrap_or("none"),
                        o.env.as_deref().unwrap_or("none")
                    ));
                }
                if let Some(d) = &o.default
                    && !r.text.contains(d.as_str())
                {
                    problems.push(format!(
                        "{page}: `{what} {flag}`: the default `{d}` is not named"
                    ));
                }
                for v in &o.possible {
                    if !r.text.contains(v.as_str()) {
                        problems.push(format!(
                            "{page}: `{what} {flag}`: the value `{v}` is not named"
                        ));
                    }
                }
            }
        } else if let Some(p) = &o.positional {
            let found = rows.iter().any(|r| {
                r.flags.is_empty()
                    && match &o.env {
                        Some(e) => r.env.as_ref() == Some(e),
                        None => r.positionals.iter().any(|x| x.contains(p.as_str())),
                    }
            });
            if !found {
                problems.push(format!(
                    "{page}: `{what}`'s argument {p} ({}) is not documented",
                    o.env.as_deref().unwrap_or("no variable")
                ));
            }
        }
    }
    for r in rows {
        for f in &r.flags {
            if !opts.iter().any(|o| o.has_flag(f)) {
                problems.push(format!(
                    "{page}: `{what} {f}` is documented but does not exist"
                ));
            } else if let Some(o) = opts.iter().find(|o| o.has_flag(f) && o.long.is_none())
                && o.env != r.env
            {
                problems.push(format!(
                    "{page}: `{what} {f}`: the docs say variable {}, the binary says {}",
                    r.env.as_deref().unwrap_or("none"),
                    o.env.as_deref().unwrap_or("none")
                ));
            }
        }
        if r.flags.is_empty()
            && let Some(e) = &r.env
            && !opts
                .iter()
                .any(|o| o.positional.is_some() && o.env.as_ref() == Some(e))
        {
            problems.push(format!(
                "{page}: `{what}`: no argument has the documented variable {e}"
            ));
        }
    }
}

fn check_options(docs: &Docs, cli: &Cli, problems: &mut Vec<String>) {
    let page = "docs/cli.md";
    let tables = marked_tables(docs.page(page));
    let mut by_command: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for t in &tables {
        let Some(list) = t.marker.strip_prefix("options:") else {
            continue;
        };
        for c in list.split_whitespace() {
            if c != "global" && !cli.commands.contains_key(c) {
                problems.push(format!(
                    "{page}: a table is marked for `vanish {c}`, which does not exist"
                ));
            }
            by_command
                .entry(c.to_string())
                .or_default()
                .extend(t.rows.iter().map(|r| row(r)));
        }
    }
    let global: Vec<&Opt> = cli.global.iter().collect();
    let rows: Vec<&Row> = by_command.get("global").into_iter().flatten().collect();
    compare_options(page, "vanish", &global, &rows, problems);
    let headings = prose(docs.page(page));
    for (name, opts) in &cli.commands {
        if !headings
            .lines()
            .any(|l| l.starts_with('#') && l.contains(&format!("`vanish {name}`")))
        {
            problems.push(format!("{page}: no section for `vanish {name}`"));
        }
        let opts: Vec<&Opt> = opts.iter().collect();
        let rows: Vec<&Row> = by_command.get(name).into_iter().flatten().collect();
        compare_options(page, &format!("vanish {name}"), &opts, &rows, problems);
    }

    let page = "docs/vanish-init.md";
    let rows: Vec<Row> = marked_tables(docs.page(page))
        .iter()
        .filter(|t| t.marker == "options: vanish-init")
        .flat_map(|t| t.rows.iter().map(|r| row(r)))
        .collect();
    let rows: Vec<&Row> = rows.iter().collect();
    let opts: Vec<&Opt> = cli.init.iter().collect();
    compare_options(page, "vanish-init", &opts, &rows, problems);
    // Every variable the supervisor reads, whether or not its help names it.
    let src = docs.source("supervisor/src/options.rs");
    let code = src.split("#[cfg(test)]").next().unwrap_or_default();
    let read: BTreeSet<String> = quoted(code)
        .into_iter()
        .filter(|s| s.starts_with("VANISH_") && is_env_name(s))
        .collect();
    let documented: BTreeSet<String> = rows.iter().filter_map(|r| r.env.clone()).collect();
    for v in read.difference(&documented) {
        problems.push(format!(
            "{page}: vanish-init reads {v}, which the option table does not name"
        ));
    }
    for v in documented.difference(&read) {
        problems.push(format!(
            "{page}: the option table names {v}, which vanish-init does not read"
        ));
    }
}

// --- flags named anywhere --------------------------------------------------

/// Hidden flags and their variables: (`--flag`, variable).
fn hidden(docs: &Docs) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for file in rust_files(&docs.root.join("launcher/src")) {
        let text = read(&file);
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if !(l.contains("#[arg(") && l.contains("hide = true")) {
                continue;
            }
            let env = between(l, "env = \"", "\"").unwrap_or_default().to_string();
            let flag = between(l, "long = \"", "\"")
                .map(str::to_string)
                .or_else(|| {
                    lines[i + 1..]
                        .iter()
                        .find_map(|n| between(n.trim_start(), "pub ", ":"))
                        .map(|f| f.replace('_', "-"))
                });
            out.push((format!("--{}", flag.unwrap_or_default()), env));
        }
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// The flags a shell command line passes to `vanish` or `vanish-init`:
/// (program, subcommand, flags).
fn commands_in(line: &str) -> Vec<(String, Option<String>, Vec<String>)> {
    let line = match line.find(" #") {
        Some(at) => &line[..at],
        None => line,
    };
    let mut out = Vec::new();
    for seg in line.split(['|', ';', '&']) {
        let words: Vec<&str> = seg
            .split_whitespace()
            .skip_while(|w| matches!(*w, "$" | "==" | "run:" | "-"))
            .collect();
        let Some(program) = words
            .first()
            .filter(|w| matches!(**w, "vanish" | "vanish-init"))
        else {
            continue;
        };
        let sub = words
            .get(1)
            .filter(|w| !w.starts_with('-') && *program == "vanish")
            .map(|w| w.to_string());
        let flags = words[1..]
            .iter()
            .take_while(|w| **w != "--")
            .filter(|w| w.starts_with('-') && w.len() > 1)
            .map(|w| w.split('=').next().unwrap_or_default().to_string())
            .collect();
        out.push((program.to_string(), sub, flags));
    }
    out
}

/// `-vv` → `-v`, `-v`; `--wait` stays.
fn split_shorts(flag: &str) -> Vec<String> {
    match flag.strip_prefix("--") {
        Some(_) => vec![flag.to_string()],
        None => flag[1..].chars().map(|c| format!("-{c}")).collect(),
    }
}

/// Reports an unknown flag, or a hidden one as such.
fn say(
    hidden: &[(String, String)],
    problems: &mut Vec<String>,
    page: &str,
    flag: &str,
    what: String,
) {
    if hidden.iter().any(|(f, _)| f == flag) {
        problems.push(format!(
            "{page}: names the hidden test hook `{flag}`; hidden flags stay out of the docs"
        ));
    } else {
        problems.push(what);
    }
}

fn check_flag_mentions(docs: &Docs, cli: &Cli, problems: &mut Vec<String>) {
    let hidden = hidden(docs);
    let vanish: Vec<&Opt> = cli.all_vanish().collect();
    for (page, text) in &docs.pages {
        let (inline, block) = code_of(text);
        // Bare flags in inline code.
        if FLAG_PAGES.contains(&page.as_str()) {
            for s in &inline {
                let word = s.split_whitespace().next().unwrap_or_default();
                if !word.starts_with('-') || word == "--" || word == "-" {
                    continue;
                }
                let word = word.split('=').next().unwrap_or_default();
                for f in split_shorts(word) {
                    let in_vanish = vanish.iter().any(|o| o.has_flag(&f));
                    let in_init = cli.init.iter().any(|o| o.has_flag(&f));
                    let ok = in_vanish || (page != "docs/cli.md" && in_init);
                    let clap_own = matches!(f.as_str(), "-h" | "--help" | "-V" | "--version");
                    if !ok && !clap_own {
                        say(
                            &hidden,
                            problems,
                            page,
                            &f,
                            format!(
                                "{page}: `{s}` names `{f}`, which no {} has",
                                if page == "docs/cli.md" {
                                    "vanish command"
                                } else {
                                    "vanish command or vanish-init"
                                }
                            ),
                        );
                    }
                }
            }
        }
        // Command lines, in code blocks and inline code, on every page.
        for line in block.iter().chain(inline.iter()) {
            for (program, sub, flags) in commands_in(line) {
                let accepted: Vec<&Opt> = if program == "vanish-init" {
                    cli.init.iter().collect()
                } else {
                    if let Some(s) = &sub
                        && !cli.commands.contains_key(s)
                        && !s.starts_with('[')
                        && !s.starts_with('<')
                    {
                        problems.push(format!("{page}: `{line}`: there is no `vanish {s}`"));
                        continue;
                    }
                    cli.accepted(sub.as_deref())
                };
                for flag in flags {
                    for f in split_shorts(&flag) {
                        if matches!(f.as_str(), "-h" | "--help" | "-V" | "--version") {
                            continue;
                        }
                        if !accepted.iter().any(|o| o.has_flag(&f)) {
                            let cmd = match &sub {
                                Some(s) => format!("{program} {s}"),
                                None => program.clone(),
                            };
                            say(
                                &hidden,
                                problems,
                                page,
                                &f,
                                format!("{page}: `{}`: `{cmd}` has no `{f}`", line.trim()),
                            );
                        }
                    }
                }
            }
        }
    }
}

// --- VANISH_* variables ------------------------------------------------------

/// Every `VANISH_X` token of `text`.
fn vanish_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("VANISH_") {
        let tail = &rest[at..];
        let name: String = tail
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        let name = name.trim_end_matches('_').to_string();
        if name.len() > "VANISH_".len() {
            out.insert(name);
        }
        rest = &tail["VANISH_".len()..];
    }
    out
}

fn check_variables(docs: &Docs, cli: &Cli, problems: &mut Vec<String>) {
    let mut known: BTreeSet<String> = cli
        .all_vanish()
        .chain(cli.init.iter())
        .filter_map(|o| o.env.clone())
        .collect();
    known.extend(vanish_names(&cli.init_help));
    for f in ["launcher/src/contract.rs", "launcher/src/output.rs"] {
        let src = docs.source(f);
        known.extend(vanish_names(
            src.split("#[cfg(test)]").next().unwrap_or_default(),
        ));
    }
    // CI variables of what ships: the action, the component, the examples, the scripts.
    let mut shipped = vec![
        docs.root.join("action.yml"),
        docs.root.join("templates/vanish/template.yml"),
        docs.root.join("examples/gitlab/.gitlab-ci.yml"),
        docs.root.join("examples/github/review-app.yml"),
    ];
    for dir in ["scripts", "examples/terraform"] {
        for e in std::fs::read_dir(docs.root.join(dir))
            .expect("read_dir")
            .flatten()
        {
            shipped.push(e.path());
        }
    }
    for p in shipped {
        if p.is_file() {
            known.extend(vanish_names(&read(&p)));
        }
    }
    let hidden = hidden(docs);
    for (page, text) in &docs.pages {
        for name in vanish_names(text) {
            if hidden.iter().any(|(_, e)| *e == name) {
                problems.push(format!(
                    "{page}: names {name}, a hidden test hook; hidden flags stay out of the docs"
                ));
            } else if !known.contains(&name) {
                problems.push(format!(
                    "{page}: names {name}, which no flag, contract, output or shipped CI file has"
                ));
            }
        }
    }
}

// --- spec keys ---------------------------------------------------------------

/// The string literals of `code`, in order (escapes kept as written).
fn quoted(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut s = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        s.push(c);
                        s.extend(chars.next());
                    }
                    '"' => break,
                    _ => s.push(c),
                }
            }
            out.push(s);
        }
    }
    out
}

/// The body of `const NAME: ... = &[ ... ];` in `src` (between the brackets).
fn const_body<'a>(src: &'a str, name: &str) -> Option<&'a str> {
    let at = src.find(&format!("const {name}:"))?;
    let rest = &src[at..];
    let open = rest
        .find("= &[")
        .map(|i| i + 4)
        .or_else(|| rest.find("= [").map(|i| i + 3))?;
    let (mut depth, mut in_str, mut escaped) = (1usize, false, false);
    for (i, c) in rest[open..].char_indices() {
        match (in_str, c) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (true, '"') => in_str = false,
            (true, _) => {}
            (false, '"') => in_str = true,
            (false, '[') => depth += 1,
            (false, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(&rest[open..open + i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The string literals of each parenthesised tuple in `body`, in order.
fn tuples(body: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    let mut cur = String::new();
    for c in body.chars() {
        if in_str {
            if escaped {
                escaped = false;
                cur.push(c);
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
                if depth > 0
                    && let Some(t) = out.last_mut()
                {
                    t.push(std::mem::take(&mut cur));
                }
                cur.clear();
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' => {
                if depth == 0 {
                    out.push(Vec::new());
                }
                depth += 1;
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    out
}

/// The keys of a key table: every string, or the first string of each tuple.
fn const_keys(src: &str, name: &str) -> Option<BTreeSet<String>> {
    let body = const_body(src, name)?;
    let decl = &src[src.find(&format!("const {name}:"))?..];
    if decl.lines().next().unwrap_or_default().contains("(&str") {
        Some(
            tuples(body)
                .into_iter()
                .filter_map(|t| t.into_iter().next())
                .collect(),
        )
    } else {
        Some(quoted(body).into_iter().collect())
    }
}

/// The key tables of a spec source file: consts named `*_KEYS`,
/// `*_UNSUPPORTED`, `*_NOT_YET` or `CONDITIONS`.
fn key_tables(src: &str) -> Vec<String> {
    src.lines()
        .filter_map(|l| {
            let l = l.trim_start().trim_start_matches("pub ");
            let name = l.strip_prefix("const ")?.split(':').next()?;
            let is_table = name.ends_with("_KEYS")
                || name.ends_with("_UNSUPPORTED")
                || name.ends_with("_NOT_YET")
                || name == "CONDITIONS";
            (is_table && l.contains("&[")).then(|| name.to_string())
        })
        .collect()
}

fn check_spec_keys(docs: &Docs, problems: &mut Vec<String>) {
    let page = "docs/spec.md";
    let tables = marked_tables(docs.page(page));
    let mut seen = BTreeSet::new();
    for t in &tables {
        let Some(which) = t.marker.strip_prefix("keys:") else {
            continue;
        };
        let mut parts = which.split_whitespace();
        let (Some(file), Some(name)) = (parts.next(), parts.next()) else {
            problems.push(format!("{page}: bad marker `{}`", t.marker));
            continue;
        };
        let src = docs.source(&format!("launcher/src/spec/{file}"));
        let Some(code) = const_keys(&src, name) else {
            problems.push(format!(
                "{page}: launcher/src/spec/{file} has no key table {name}"
            ));
            continue;
        };
        seen.insert((file.to_string(), name.to_string()));
        let documented: BTreeSet<String> = t
            .rows
            .iter()
            .flat_map(|r| spans(r.first().map(String::as_str).unwrap_or_default()))
            .collect();
        for k in code.difference(&documented) {
            problems.push(format!("{page}: `{k}` ({file} {name}) is not in its table"));
        }
        for k in documented.difference(&code) {
            problems.push(format!(
                "{page}: the {file} {name} table lists `{k}`, which the code does not have"
            ));
        }
    }
    for file in ["compose.rs", "params.rs"] {
        let src = docs.source(&format!("launcher/src/spec/{file}"));
        for name in key_tables(&src) {
            if !seen.contains(&(file.to_string(), name.clone())) {
                problems.push(format!(
                    "{page}: no table marked `<!-- keys: {file} {name} -->` for the launcher's {name}"
                ));
            }
        }
    }
}

// --- exit codes ----------------------------------------------------------------

fn numeric_first_cells(t: &Table) -> (BTreeSet<u32>, usize) {
    let mut nums = BTreeSet::new();
    let mut other = 0;
    for r in &t.rows {
        match r.first().and_then(|c| c.parse().ok()) {
            Some(n) => {
                nums.insert(n);
            }
            None => other += 1,
        }
    }
    (nums, other)
}

fn check_exit_codes(docs: &Docs, cli: &Cli, problems: &mut Vec<String>) {
    // vanish: the arms of `Exit::code`.
    let src = docs.source("launcher/src/exit.rs");
    let body = between(&src, "pub fn code(self) -> u8 {", "\n    }").unwrap_or_default();
    let mut code = BTreeSet::new();
    let mut passes_through = false;
    for arm in body.lines().filter(|l| l.contains("=>")) {
        let value = arm
            .split("=>")
            .nth(1)
            .unwrap_or_default()
            .trim()
            .trim_end_matches(',');
        match value.parse::<u32>() {
            Ok(n) => {
                code.insert(n);
            }
            Err(_) => passes_through = true,
        }
    }
    assert!(
        !code.is_empty(),
        "no exit codes found in launcher/src/exit.rs"
    );
    let page = "docs/cli.md";
    match marked_tables(docs.page(page))
        .iter()
        .find(|t| t.marker == "exit-codes")
    {
        None => problems.push(format!("{page}: no table marked `<!-- exit-codes -->`")),
        Some(t) => {
            let (documented, other) = numeric_first_cells(t);
            for c in code.difference(&documented) {
                problems.push(format!(
                    "{page}: exit code {c} (launcher/src/exit.rs) is not documented"
                ));
            }
            for c in documented.difference(&code) {
                problems.push(format!(
                    "{page}: exit code {c} is documented but launcher/src/exit.rs has none"
                ));
            }
            if passes_through != (other > 0) {
                problems.push(format!(
                    "{page}: the exit-code table {} a row for the container's own exit code, and the code {} one",
                    if other > 0 { "has" } else { "lacks" },
                    if passes_through { "passes" } else { "does not pass" }
                ));
            }
        }
    }
    // vanish-init: the plain numbers of its help's "Exit status" paragraph.
    let status = cli
        .init_help
        .split("Exit status")
        .nth(1)
        .unwrap_or_default();
    let init: BTreeSet<u32> = status
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '+')
        .filter_map(|w| w.parse().ok())
        .collect();
    let page = "docs/vanish-init.md";
    match marked_tables(docs.page(page))
        .iter()
        .find(|t| t.marker == "exit-codes: vanish-init")
    {
        None => problems.push(format!(
            "{page}: no table marked `<!-- exit-codes: vanish-init -->`"
        )),
        Some(t) => {
            let (documented, _) = numeric_first_cells(t);
            if documented != init {
                problems.push(format!(
                    "{page}: exit codes {documented:?} documented, vanish-init --help says {init:?}"
                ));
            }
        }
    }
}

// --- the contract and IAM --------------------------------------------------------

fn check_contract(docs: &Docs, problems: &mut Vec<String>) {
    let src = docs.source("launcher/src/contract.rs");
    let mut code = BTreeSet::new();
    for l in src.lines() {
        let l = l.trim_start();
        let named = ["pub const ENV_", "pub const TAG_", "pub const LABEL_"]
            .iter()
            .any(|p| l.starts_with(p));
        if named {
            code.extend(quoted(l));
        }
        if l.starts_with("pub const STARTED_BY") {
            code.insert("startedBy".to_string());
        }
    }
    let page = "README.md";
    let Some(t) = marked_tables(docs.page(page))
        .into_iter()
        .find(|t| t.marker == "contract")
    else {
        problems.push(format!("{page}: no table marked `<!-- contract -->`"));
        return;
    };
    let documented: BTreeSet<String> = t
        .rows
        .iter()
        .flat_map(|r| spans(r.first().map(String::as_str).unwrap_or_default()))
        .collect();
    for n in code.difference(&documented) {
        problems.push(format!("{page}: the contract name `{n}` (launcher/src/contract.rs) is not in the contract table"));
    }
    for n in documented.difference(&code) {
        problems.push(format!(
            "{page}: the contract table lists `{n}`, which launcher/src/contract.rs does not define"
        ));
    }
}

fn check_iam(docs: &Docs, problems: &mut Vec<String>) {
    let src = docs.source("launcher/src/aws/operations.rs");
    let body = const_body(&src, "OPERATIONS").unwrap_or_default();
    let mut code = BTreeSet::new();
    for t in tuples(body) {
        if let [service, action, ..] = t.as_slice() {
            code.insert(format!("{service}:{action}"));
        }
    }
    assert!(
        !code.is_empty(),
        "no operations in launcher/src/aws/operations.rs"
    );
    let page = "docs/iam.md";
    let md = docs.page(page);
    let tables = marked_tables(md);
    match tables.iter().find(|t| t.marker == "iam-actions") {
        None => problems.push(format!("{page}: no table marked `<!-- iam-actions -->`")),
        Some(t) => {
            let documented: BTreeSet<String> = t
                .rows
                .iter()
                .flat_map(|r| spans(r.first().map(String::as_str).unwrap_or_default()))
                .collect();
            for a in code.difference(&documented) {
                problems.push(format!(
                    "{page}: the action `{a}` (aws/operations.rs) is not in the table"
                ));
            }
            for a in documented.difference(&code) {
                problems.push(format!(
                    "{page}: the table lists `{a}`, which aws/operations.rs does not"
                ));
            }
            let count = format!("The {} actions", code.len());
            if !md.contains(&count) {
                problems.push(format!("{page}: the heading does not say \"{count}\""));
            }
        }
    }
    // The JSON block after `<!-- iam-policy -->` is what the binary prints.
    let Some(after) = md.split("<!-- iam-policy -->").nth(1) else {
        problems.push(format!(
            "{page}: no JSON block marked `<!-- iam-policy -->`"
        ));
        return;
    };
    let json = between(after, "```json\n", "```").unwrap_or_default();
    let out = stdout_of(&bin("vanish"), &["iam-policy"]);
    let printed: serde_json::Value =
        serde_json::from_str(&out).expect("vanish iam-policy prints JSON");
    match serde_json::from_str::<serde_json::Value>(json) {
        Err(e) => problems.push(format!("{page}: the policy block is not JSON: {e}")),
        Ok(doc) if doc != printed => problems.push(format!(
            "{page}: the policy block differs from `vanish iam-policy`, which prints:\n{out}"
        )),
        Ok(_) => {}
    }
}

// --- links -------------------------------------------------------------------------

fn check_links(docs: &Docs, problems: &mut Vec<String>) {
    for (page, text) in &docs.pages {
        let dir = docs.root.join(page).parent().expect("parent").to_path_buf();
        for target in links(text) {
            let target = target.split_whitespace().next().unwrap_or_default();
            if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target, None),
            };
            let file = if path.is_empty() {
                docs.root.join(page)
            } else {
                dir.join(path)
            };
            if !file.exists() {
                problems.push(format!("{page}: the link `{target}` points to nothing"));
                continue;
            }
            if let Some(a) = anchor
                && file.extension().is_some_and(|x| x == "md")
                && !anchors(&read(&file)).contains(a)
            {
                problems.push(format!(
                    "{page}: the link `{target}`: no heading has the anchor #{a}"
                ));
            }
        }
    }
}

// --- the parsers themselves --------------------------------------------------------

#[test]
fn parsers_read_what_the_docs_and_binaries_write() {
    assert_eq!(
        slug("`vanish up`: launch (or replace) a review app"),
        "vanish-up-launch-or-replace-a-review-app"
    );
    assert_eq!(
        slug("`task_definition.services.<name>`"),
        "task_definitionservicesname"
    );
    assert_eq!(slug("vanish's own settings"), "vanishs-own-settings");
    assert_eq!(
        cells("| `--capacity fargate\\|spot` | `VANISH_CAPACITY` | x |"),
        ["`--capacity fargate|spot`", "`VANISH_CAPACITY`", "x"]
    );
    let r = row(&cells("| `-f`, `--file FILE` | `VANISH_FILE` | d | m |"));
    assert_eq!(
        (r.flags, r.env),
        (
            vec!["-f".to_string(), "--file".to_string()],
            Some("VANISH_FILE".to_string())
        )
    );
    let r = row(&cells("| `-- COMMAND...` | | | |"));
    assert_eq!((r.positionals, r.env), (vec!["COMMAND".to_string()], None));
    assert_eq!(
        commands_in("vanish down \"$NAME\" || [ \"$?\" -eq 1 ]   # comment --x"),
        [("vanish".to_string(), Some("down".to_string()), vec![])]
    );
    assert_eq!(
        commands_in("== vanish logs mr-42 --tail 100 -f -- --not-a-flag"),
        [(
            "vanish".to_string(),
            Some("logs".to_string()),
            vec!["--tail".to_string(), "-f".to_string()]
        )]
    );
    assert_eq!(split_shorts("-vv"), ["-v", "-v"]);
    let (opts, cmds) = parse_clap_help(
        "About\n\nUsage: x [OPTIONS] <COMMAND>\n\nCommands:\n  up    Launch\n  help  Print\n\nArguments:\n  [NAMES]...\n          Apps\n\n          [env: VANISH_NAMES=]\n\nOptions:\n  -f, --file <FILE>\n          Compose\n          [env: VANISH_FILE=]\n      --wait <DURATION>  How long [env: VANISH_WAIT=] [default:\n          10m]\n  -h, --help\n          Print help\n",
    );
    assert_eq!(cmds, ["up"]);
    assert_eq!(opts[0].positional.as_deref(), Some("NAMES"));
    assert_eq!(opts[0].env.as_deref(), Some("VANISH_NAMES"));
    assert_eq!(
        (opts[1].short, opts[1].long.as_deref()),
        (Some('f'), Some("file"))
    );
    assert_eq!(opts[2].default.as_deref(), Some("10m"));
    let init = parse_init_help(
        "Options (x):\n      --ttl DURATION   lifetime   [VANISH_TTL]\n  -q, --quiet      fewer\n                   [VANISH_LOG=off|error]\n  -v, --verbose    more\n\nSignals\n",
    );
    assert_eq!(init.len(), 3);
    assert_eq!(init[1].env.as_deref(), Some("VANISH_LOG"));
    assert_eq!(init[2].env, None);
    let src = "const A: &[(&str, &str)] = &[\n    (\"k\", \"hint (with parens) \\\"q\\\"\"),\n    (\n        \"j\",\n        \"h\",\n    ),\n];\npub const B: &[&str] = &[\"x\", \"y\"];\n";
    assert_eq!(
        const_keys(src, "A"),
        Some(["j", "k"].map(String::from).into())
    );
    assert_eq!(
        const_keys(src, "B"),
        Some(["x", "y"].map(String::from).into())
    );
    assert_eq!(
        vanish_names("`VANISH_TTL`, every `VANISH_*`, VANISH_URL=x"),
        ["VANISH_TTL", "VANISH_URL"].map(String::from).into()
    );
}
