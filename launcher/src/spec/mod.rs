//! The spec: compose file(s) + ecs-params + flags → a validated [`Plan`].
//!
//! This module is the thin effectful shell (reads files, the environment and
//! the clock via [`LoadContext`]); parsing, checking and translating are pure
//! and live in the submodules and `plan::translate`.
//!
//! Interface used by `vanish render` and `vanish up`:
//! ```ignore
//! let ctx = LoadContext::from_process(global.region.clone());
//! let plan = spec::load_plan(&args.spec, &ctx)?; // exit 2 with every problem listed
//! ```
//! Invariants: every problem is reported at once, located where possible;
//! warnings (and notes) go to stderr before the result; on any error the
//! returned error's chain holds an `exit::Failure` with `Exit::BadInput`.

pub mod args;
pub mod ci;
pub mod compose;
pub mod extends;
pub mod healthcheck;
pub mod hosts;
pub mod interp;
pub mod model;
pub mod params;
pub mod read;
pub mod units;
pub mod yaml;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

pub use args::SpecArgs;

use crate::diag::Diagnostics;
use crate::exit::{Exit, Failure};
use crate::plan::Plan;
use crate::plan::model::Capacity;
use crate::plan::translate::{self, Launch};
use model::{Located, Spec};
use yaml::{Kind, Node, Source};

/// Everything `load_plan` takes from the world besides the files.
#[derive(Debug, Clone)]
pub struct LoadContext {
    pub now: SystemTime,
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
    /// The region from `--region`/`AWS_REGION` (`cli::Global`).
    pub region: Option<String>,
}

impl LoadContext {
    /// The real clock, process environment and working directory.
    pub fn from_process(region: Option<String>) -> Self {
        LoadContext {
            now: SystemTime::now(),
            env: std::env::vars().collect(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            region,
        }
    }
}

/// Compose file names looked for in the working directory, in order.
pub const DEFAULT_COMPOSE: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// Loads, validates and translates. Warnings go to stderr; errors come back
/// all at once as one `Failure` (exit 2).
pub fn load_plan(args: &SpecArgs, ctx: &LoadContext) -> anyhow::Result<Plan> {
    let mut diags = Diagnostics::new(args.strict);
    let plan = load(args, ctx, &mut diags);
    diags.print_warnings();
    match diags.into_failure() {
        Some(f) => Err(f.into()),
        None => {
            plan.ok_or_else(|| Failure::new(Exit::BadInput, "the spec could not be read").into())
        }
    }
}

/// [`load_plan`] without printing: the plan (if it could be built) and every diagnostic.
pub fn load(args: &SpecArgs, ctx: &LoadContext, diags: &mut Diagnostics) -> Option<Plan> {
    let files = compose_files(args, ctx, diags)?;
    let base_dir = files
        .first()
        .map(|(p, _)| p.parent().map(Path::to_path_buf).unwrap_or_default())
        .unwrap_or_default();

    // .env beside the (first) compose file; the process environment wins.
    let mut vars = std::fs::read_to_string(base_dir.join(".env"))
        .map(|t| compose::parse_dotenv(&t))
        .unwrap_or_default();
    vars.extend(ctx.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    let lookup = |k: &str| vars.get(k).cloned();

    let mut unset_seen = BTreeSet::new();
    let mut merged: Option<Node> = None;
    for (order, (path, shown)) in files.iter().enumerate() {
        let src = Source {
            file: Arc::from(shown.as_str()),
            order: u16::try_from(order).unwrap_or(u16::MAX),
        };
        let Some(root) = read_yaml(path, &src, &lookup, &mut unset_seen, diags) else {
            continue;
        };
        merged = Some(match merged {
            None => root,
            Some(base) => merge(base, root),
        });
    }
    let mut root = merged?;
    // `extends`, reading other files through the same reader.
    let mut extra = files.len() + 1;
    let first = files.first().map(|(p, _)| p.clone()).unwrap_or_default();
    extends::resolve(
        &mut root,
        &first,
        &mut |path: &Path, at: &crate::diag::Loc, diags: &mut Diagnostics| {
            if !path.is_file() {
                diags
                    .error(
                        Some(at),
                        format!("cannot read {} for 'extends'", shown_path(&ctx.cwd, path)),
                    )
                    .hint("the file is relative to the compose file that names it");
                return None;
            }
            let src = Source {
                file: Arc::from(shown_path(&ctx.cwd, path).as_str()),
                order: u16::try_from(extra).unwrap_or(u16::MAX),
            };
            extra += 1;
            read_yaml(path, &src, &lookup, &mut unset_seen, diags)
        },
        diags,
    );
    let mut spec = Spec::default();
    compose::read(&root, &base_dir, &lookup, &mut spec, diags);
    params::read_compose_extension(&root, &mut spec, diags);

    let params_path = match &args.params {
        Some(p) => Some((ctx.cwd.join(p), p.display().to_string())),
        None => ["ecs-params.yml", "ecs-params.yaml"].iter().find_map(|n| {
            let p = base_dir.join(n);
            p.is_file()
                .then(|| (p, shown_path(&ctx.cwd, &base_dir.join(n))))
        }),
    };
    if let Some((path, shown)) = params_path {
        let src = Source {
            file: Arc::from(shown.as_str()),
            order: u16::try_from(files.len()).unwrap_or(u16::MAX),
        };
        if let Some(root) = read_yaml(&path, &src, &lookup, &mut unset_seen, diags) {
            params::read_params(&root, &mut spec, diags);
        }
    }
    params::read_service_extensions(&root, &mut spec, diags);
    apply_flags(args, &mut spec);

    let ci = ci::facts(&ctx.env);
    let name = match spec
        .settings
        .name
        .clone()
        .or_else(|| ci.name.clone().map(Located::flag))
    {
        Some(n) => n,
        None => {
            diags
                .error(None, "no review-app name: not given and not found in the CI environment")
                .hint("pass --name NAME (or VANISH_NAME), or run in GitLab/GitHub CI where the MR/PR number or branch names it");
            Located::flag(String::new())
        }
    };
    let now = match &args.now {
        Some(t) => match humantime::parse_rfc3339_weak(t) {
            Ok(t) => t,
            Err(e) => {
                diags.error(
                    None,
                    format!("VANISH_NOW/--now '{t}' is not an RFC 3339 time: {e}"),
                );
                ctx.now
            }
        },
        None => ctx.now,
    };
    let region = ctx
        .region
        .clone()
        .or_else(|| ctx.env.get("AWS_REGION").cloned())
        .or_else(|| ctx.env.get("AWS_DEFAULT_REGION").cloned())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| {
            diags
                .warn(
                    None,
                    "no AWS region given; the awslogs configuration names us-east-1",
                )
                .hint("pass --region or set AWS_REGION");
            "us-east-1".into()
        });
    let launch = Launch {
        name,
        now,
        region,
        requested_by: ci.requested_by,
        git_ref: ci.git_ref,
    };
    if diags.has_errors() && spec.services.is_empty() {
        return None;
    }
    Some(translate::translate(&spec, &launch, diags))
}

/// The compose files to read: (path to open, path to show in diagnostics).
fn compose_files(
    args: &SpecArgs,
    ctx: &LoadContext,
    diags: &mut Diagnostics,
) -> Option<Vec<(PathBuf, String)>> {
    if !args.file.is_empty() {
        return Some(
            args.file
                .iter()
                .map(|f| (ctx.cwd.join(f), f.display().to_string()))
                .collect(),
        );
    }
    match DEFAULT_COMPOSE
        .iter()
        .map(|n| ctx.cwd.join(n))
        .find(|p| p.is_file())
    {
        Some(p) => {
            for o in [
                "compose.override.yaml",
                "compose.override.yml",
                "docker-compose.override.yaml",
                "docker-compose.override.yml",
            ] {
                if ctx.cwd.join(o).is_file() {
                    diags
                        .note(
                            None,
                            format!("{o} is not read (docker compose would read it)"),
                        )
                        .hint(format!(
                            "to layer it, pass -f {} -f {o}",
                            shown_path(&ctx.cwd, &p)
                        ));
                }
            }
            let shown = shown_path(&ctx.cwd, &p);
            Some(vec![(p, shown)])
        }
        None => {
            diags
                .error(None, format!("no compose file in {}", ctx.cwd.display()))
                .hint("pass -f FILE, or run where compose.yaml or docker-compose.yml is");
            None
        }
    }
}

fn shown_path(cwd: &Path, p: &Path) -> String {
    p.strip_prefix(cwd).unwrap_or(p).display().to_string()
}

/// Reads, parses and interpolates one YAML file.
fn read_yaml(
    path: &Path,
    src: &Source,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset_seen: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> Option<Node> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags
                .error(None, format!("cannot read {}: {e}", src.file))
                .hint("check the path given with -f or --params");
            return None;
        }
    };
    parse_text(&text, src, lookup, unset_seen, diags)
}

/// Parses and interpolates one YAML text (pure).
pub fn parse_text(
    text: &str,
    src: &Source,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset_seen: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> Option<Node> {
    let mut root = yaml::parse(text, src, diags)?;
    root.map_values(&mut |text, loc| {
        if !text.contains('$') {
            return;
        }
        match interp::interpolate(text, lookup) {
            Ok(e) => {
                for var in e.unset {
                    if unset_seen.insert(var.clone()) {
                        diags
                            .warn(Some(loc), format!("variable '{var}' is not set; using an empty string"))
                            .hint(format!("set {var} in the environment or in .env, or write ${{{var}:-default}}"));
                    }
                }
                *text = e.text;
            }
            Err(e @ interp::InterpError::Required { .. }) => {
                diags.error(Some(loc), e.to_string()).hint("set it in the CI variables or in .env beside the compose file");
            }
            Err(e) => {
                diags.error(Some(loc), e.to_string()).hint("write $$ for a literal dollar sign");
            }
        }
    });
    Some(root)
}

/// Sequences that later compose files extend rather than replace.
const CONCAT_KEYS: &[&str] = &[
    "ports",
    "expose",
    "volumes",
    "env_file",
    "secrets",
    "tmpfs",
    "dns",
    "cap_add",
    "cap_drop",
    "extra_hosts",
];
/// Keys whose list form (`KEY=VALUE`, `name`) merges like a mapping.
const KEYED_LISTS: &[&str] = &["environment", "labels", "depends_on"];

/// Layers `over` on `base` as `docker compose -f a -f b` does.
pub fn merge(base: Node, over: Node) -> Node {
    merge_at(base, over, None)
}

fn merge_at(base: Node, over: Node, key: Option<&str>) -> Node {
    let key_is = |set: &[&str]| key.is_some_and(|k| set.contains(&k));
    match (base.kind, over.kind) {
        (Kind::Map(mut b), Kind::Map(o)) => {
            for (k, v) in o {
                match b
                    .iter()
                    .position(|(bk, _)| bk.as_str().is_some() && bk.as_str() == k.as_str())
                {
                    Some(i) => {
                        let (bk, bv) = b.remove(i);
                        let merged = merge_at(bv, v, k.as_str());
                        b.insert(i, (bk, merged));
                    }
                    None => b.push((k, v)),
                }
            }
            Node {
                kind: Kind::Map(b),
                loc: base.loc,
            }
        }
        (Kind::Seq(mut b), Kind::Seq(o)) if key_is(CONCAT_KEYS) || key_is(KEYED_LISTS) => {
            for item in o {
                if !b.iter().any(|x| x.kind == item.kind) {
                    b.push(item);
                }
            }
            Node {
                kind: Kind::Seq(b),
                loc: base.loc,
            }
        }
        (bk @ (Kind::Seq(_) | Kind::Map(_)), ok @ (Kind::Seq(_) | Kind::Map(_)))
            if key_is(KEYED_LISTS) =>
        {
            let b = keyed_to_map(Node {
                kind: bk,
                loc: base.loc.clone(),
            });
            let o = keyed_to_map(Node {
                kind: ok,
                loc: over.loc,
            });
            merge_at(b, o, None)
        }
        (_, ok) => Node {
            kind: ok,
            loc: over.loc,
        },
    }
}

/// `["A=1", "B"]` → `{A: "1", B: null}`.
fn keyed_to_map(n: Node) -> Node {
    match n.kind {
        Kind::Seq(items) => {
            let entries = items
                .into_iter()
                .filter_map(|i| {
                    let text = i.as_str()?.to_string();
                    let (k, v) = match text.split_once('=') {
                        Some((k, v)) => (k.to_string(), Node::scalar(v, i.loc.clone())),
                        None => (
                            text,
                            Node {
                                kind: Kind::Scalar {
                                    text: String::new(),
                                    plain: true,
                                },
                                loc: i.loc.clone(),
                            },
                        ),
                    };
                    Some((Node::scalar(k, i.loc), v))
                })
                .collect();
            Node {
                kind: Kind::Map(entries),
                loc: n.loc,
            }
        }
        kind => Node { kind, loc: n.loc },
    }
}

fn apply_flags(args: &SpecArgs, spec: &mut Spec) {
    let s = &mut spec.settings;
    if let Some(n) = &args.name {
        s.name = Some(Located::flag(n.clone()));
    }
    if let Some(t) = args.ttl {
        s.ttl = Some(Located::flag(t.as_secs()));
    }
    if let Some(g) = args.grace {
        s.grace = Some(Located::flag(g.as_secs()));
    }
    if let Some(c) = &args.cluster {
        s.cluster = Some(c.clone());
    }
    if args.spot || args.capacity.as_deref() == Some("spot") {
        s.capacity = Some(Located::flag(Capacity::Spot));
    } else if args.capacity.as_deref() == Some("fargate") {
        s.capacity = Some(Located::flag(Capacity::Fargate));
    }
    if let Some(p) = &args.platform_version {
        s.platform_version = Some(p.clone());
    }
    if !args.public.is_empty() {
        s.public = Some(args.public.iter().cloned().map(Located::flag).collect());
    }
    if let Some(l) = &args.log_group {
        s.log_group = Some(l.clone());
    }
    if let Some(a) = &args.cpu_architecture {
        s.cpu_architecture = Some(Located::flag(a.clone()));
    }
    if let Some(h) = &args.health_path {
        s.health_path = Some(h.clone());
    }
    if let Some(i) = args.idle {
        s.idle = Some(Located::flag(i.as_secs()));
    }
    if args.rewrite_hosts {
        s.rewrite_hosts = Some(true);
    }
}

/// The whole pipeline on in-memory texts, without files, flags or clock:
/// for tests and the no-panic property. `env` is the interpolation and CI
/// environment; the name defaults to `test`, now to 2026-11-21T12:00:00Z.
pub fn load_texts(
    compose: &str,
    params: Option<&str>,
    env: &BTreeMap<String, String>,
    diags: &mut Diagnostics,
) -> Option<Plan> {
    let lookup = |k: &str| env.get(k).cloned();
    let mut seen = BTreeSet::new();
    let src = Source {
        file: Arc::from("docker-compose.yml"),
        order: 0,
    };
    let mut root = parse_text(compose, &src, &lookup, &mut seen, diags)?;
    extends::resolve(
        &mut root,
        Path::new("docker-compose.yml"),
        &mut |path: &Path, at: &crate::diag::Loc, diags: &mut Diagnostics| {
            diags.error(
                Some(at),
                format!("cannot read {} here (no files)", path.display()),
            );
            None
        },
        diags,
    );
    let mut spec = Spec::default();
    compose::read(&root, Path::new("/nonexistent"), &lookup, &mut spec, diags);
    params::read_compose_extension(&root, &mut spec, diags);
    if let Some(p) = params {
        let src = Source {
            file: Arc::from("ecs-params.yml"),
            order: 1,
        };
        if let Some(proot) = parse_text(p, &src, &lookup, &mut seen, diags) {
            params::read_params(&proot, &mut spec, diags);
        }
    }
    params::read_service_extensions(&root, &mut spec, diags);
    let ci = ci::facts(env);
    let name = spec
        .settings
        .name
        .clone()
        .unwrap_or_else(|| Located::flag(ci.name.clone().unwrap_or_else(|| "test".into())));
    let launch = Launch {
        name,
        now: humantime::parse_rfc3339("2026-11-21T12:00:00Z").unwrap_or(SystemTime::UNIX_EPOCH),
        region: "eu-west-1".into(),
        requested_by: ci.requested_by,
        git_ref: ci.git_ref,
    };
    Some(translate::translate(&spec, &launch, diags))
}

#[cfg(test)]
mod no_panic {
    //! Property: no input, however malformed, panics the loader. Bounded:
    //! PROPTEST_CASES (default 256 per property) keeps it CI-sized.
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::load_texts;
    use crate::diag::Diagnostics;

    const COMPOSE: &str = include_str!("../../../examples/review-app/docker-compose.yml");
    const PARAMS: &str = include_str!("../../../examples/review-app/ecs-params.yml");
    const TOKENS: &[&str] = &[
        "\n",
        " ",
        "  ",
        ":",
        ": ",
        "- ",
        "-",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a ",
        "*a",
        "<<: ",
        "<<: *a",
        "'",
        "\"",
        "#",
        "|",
        ">",
        "!!str ",
        "!!int ",
        "---",
        "...",
        "$",
        "${",
        "}",
        "${X:-",
        "${X:?e}",
        "$$",
        "services",
        "image",
        "ports",
        "\"80:80\"",
        "8080:80",
        "healthcheck",
        "test",
        "depends_on",
        "x-vanish",
        "task_size",
        "cpu_limit",
        "mem_limit",
        "99999999999999999999",
        "-1",
        "0.1",
        "1e9",
        "null",
        "~",
        "true",
        "web",
        "é",
        "\t",
        "%",
        "@",
        "`",
        "\u{0}",
        "ttl",
        "999999999h",
        "stop_grace_period",
        "environment",
        "essential",
        "deploy",
        "resources",
        "volumes",
        "./x:/y",
    ];

    fn mutate(base: &str, edits: &[(usize, usize, usize)]) -> String {
        let mut s: Vec<char> = base.chars().collect();
        for &(pos, kind, tok) in edits {
            let at = if s.is_empty() { 0 } else { pos % (s.len() + 1) };
            match kind % 3 {
                0 => {
                    let end = (at + 1 + tok % 8).min(s.len());
                    if at < end {
                        s.drain(at..end);
                    }
                }
                1 => {
                    let t: Vec<char> = TOKENS[tok % TOKENS.len()].chars().collect();
                    s.splice(at..at, t);
                }
                _ => {
                    if at < s.len() {
                        s[at] = TOKENS[tok % TOKENS.len()].chars().next().unwrap_or(' ');
                    }
                }
            }
        }
        s.into_iter().collect()
    }

    fn env() -> BTreeMap<String, String> {
        BTreeMap::from([("X".to_string(), String::new())])
    }

    proptest! {
        #[test]
        fn mutated_examples_never_panic(
            edits in proptest::collection::vec((0usize..4096, 0usize..3, 0usize..1000), 0..24),
            on_params in any::<bool>(),
        ) {
            let (c, p) = if on_params { (COMPOSE.to_string(), mutate(PARAMS, &edits)) } else { (mutate(COMPOSE, &edits), PARAMS.to_string()) };
            let mut d = Diagnostics::new(false);
            let _ = load_texts(&c, Some(&p), &env(), &mut d);
        }

        #[test]
        fn token_soup_never_panics(toks in proptest::collection::vec(0usize..1000, 0..200)) {
            let text: String = toks.iter().map(|t| TOKENS[t % TOKENS.len()]).collect();
            let mut d = Diagnostics::new(true);
            let _ = load_texts(&text, Some(&text), &env(), &mut d);
        }
    }
}

#[cfg(test)]
mod merge_tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Arc;

    use super::*;

    fn parse(text: &str, order: u16) -> Node {
        let mut d = Diagnostics::new(false);
        let src = Source {
            file: Arc::from(format!("f{order}.yml")),
            order,
        };
        let n = parse_text(text, &src, &|_| None, &mut BTreeSet::new(), &mut d).expect("yaml");
        assert!(!d.has_errors());
        n
    }

    #[test]
    fn later_files_override_extend_and_merge() {
        let base = parse(
            "services:\n  a:\n    image: one\n    command: [x]\n    ports: [\"80\"]\n    environment: [A=1, B=2]\n    depends_on: [b]\n  b:\n    image: b\n",
            0,
        );
        let over = parse(
            "services:\n  a:\n    image: two\n    command: [y]\n    ports: [\"443\"]\n    environment:\n      B: 3\n      C: 4\n    depends_on:\n      c:\n        condition: service_healthy\n  c:\n    image: c\n",
            1,
        );
        let m = merge(base, over);
        let a = m.get("services").and_then(|s| s.get("a")).expect("a");
        assert_eq!(a.get("image").and_then(Node::as_str), Some("two"));
        assert_eq!(
            a.get("image").map(|n| n.loc.file.to_string()),
            Some("f1.yml".into())
        );
        let strs = |n: &Node| -> Vec<String> {
            n.as_seq()
                .unwrap_or_default()
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect()
        };
        assert_eq!(strs(a.get("command").expect("command")), ["y"]);
        assert_eq!(strs(a.get("ports").expect("ports")), ["80", "443"]);
        let env = a.get("environment").expect("env");
        let env: BTreeMap<&str, &str> = env
            .as_map()
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
            .collect();
        assert_eq!(env, BTreeMap::from([("A", "1"), ("B", "3"), ("C", "4")]));
        let deps = a.get("depends_on").expect("deps");
        assert!(
            deps.get("b").is_some()
                && deps
                    .get("c")
                    .and_then(|c| c.get("condition"))
                    .and_then(Node::as_str)
                    == Some("service_healthy")
        );
        assert!(m.get("services").and_then(|s| s.get("c")).is_some());
    }
}
