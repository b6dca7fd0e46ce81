//! The spec: compose file(s) + ecs-params + flags → a checked [`Spec`] and
//! the launch [`Facts`], in two steps:
//!
//! 1. [`gather()`] does every read, through an injected [`fs::Fs`] (the real
//!    one has size caps, reads regular files only and nothing from /proc,
//!    /sys or /dev), and returns a snapshot of what was read;
//! 2. [`build`] is pure: it parses, interpolates, merges and reads the
//!    snapshot into a [`Spec`], with every problem in [`Diagnostics`].
//!
//! Translating into ECS requests is `plan::translate`'s job; `crate::load`
//! runs gather → build → translate (this module does not know `plan`'s
//! translation). Invariants: every problem is reported at once, located where
//! possible; the runner's credentials are never interpolated
//! ([`crate::mask::is_runner_credential`]); interpolation and alias expansion
//! are bounded in bytes ([`yaml::MAX_TEXT_BYTES`]).

pub mod args;
pub mod ci;
pub mod compose;
pub mod extends;
pub mod fs;
pub mod gather;
pub mod healthcheck;
pub mod hosts;
pub mod interp;
pub mod model;
pub mod params;
pub mod read;
pub mod units;
pub mod yaml;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use args::SpecArgs;
pub use gather::{Gathered, Input, gather};

use crate::diag::Diagnostics;
use crate::ecs_parts::Capacity;
use crate::mask;
use model::{Located, Spec};
use yaml::{Kind, Node, Source};

/// Everything the loader takes from the world besides the files.
#[derive(Debug, Clone)]
pub struct LoadContext {
    pub now: SystemTime,
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
    /// The region from `--region`/`AWS_REGION` (`global::Global`).
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

/// Latest `--now` accepted, seconds since the epoch: the last second of the
/// year 9999 (the end of RFC 3339) less the longest TTL (30 days), so that
/// `now + ttl` can always be written as a date.
pub const LATEST_NOW_SECS: u64 = 253_402_300_799 - 30 * 24 * 3600;

/// The launch facts besides the Spec.
#[derive(Debug, Clone)]
pub struct Facts {
    pub name: Located<String>,
    pub now: SystemTime,
    pub region: String,
    pub requested_by: String,
    pub git_ref: Option<String>,
}

/// What [`build`] makes of a gathered spec.
#[derive(Debug, Clone)]
pub struct Built {
    pub spec: Spec,
    pub facts: Facts,
}

/// Builds the Spec from the snapshot [`gather()`] made (pure: reads only
/// `g.files`). `None` when nothing usable could be read.
pub fn build(
    g: &Gathered,
    args: &SpecArgs,
    ctx: &LoadContext,
    diags: &mut Diagnostics,
) -> Option<Built> {
    g.files.reset_budget();
    build_with(g, &g.files, args, ctx, diags)
}

/// [`build`] over any file system (`gather` probes with one that records
/// which files are still missing from the snapshot).
pub(crate) fn build_with(
    g: &Gathered,
    fs: &dyn fs::Fs,
    args: &SpecArgs,
    ctx: &LoadContext,
    diags: &mut Diagnostics,
) -> Option<Built> {
    let plain = |k: &str| g.vars.get(k).cloned();
    // What compose reads from the environment on its own (`environment: [KEY]`).
    let refused = RefCell::new(BTreeSet::new());
    let guarded = |k: &str| {
        if mask::is_runner_credential(k) {
            refused.borrow_mut().insert(k.to_string());
            None
        } else {
            g.vars.get(k).cloned()
        }
    };

    let mut unset_seen = BTreeSet::new();
    let mut merged: Option<Node> = None;
    for (order, input) in g.compose.iter().enumerate() {
        let src = Source {
            file: Arc::from(input.shown.as_str()),
            order: u16::try_from(order).unwrap_or(u16::MAX),
        };
        let Some(root) = read_yaml(fs, input, &src, &plain, &mut unset_seen, diags) else {
            continue;
        };
        merged = Some(match merged {
            None => root,
            Some(base) => merge(base, root),
        });
    }
    let mut root = merged?;
    // `extends`: other files are read from the snapshot like every spec file
    // (gather's probe records the ones it misses, so it reads them too).
    let mut extra = g.compose.len() + 1;
    let first = g
        .compose
        .first()
        .map(|i| i.path.clone())
        .unwrap_or_default();
    extends::resolve(
        &mut root,
        &first,
        &mut |path: &Path, at: &crate::diag::Loc, diags: &mut Diagnostics| {
            let shown = gather::shown_path(&ctx.cwd, path);
            let text = match fs.read_to_string(path) {
                Ok(t) => t,
                Err(e) => {
                    diags
                        .error(Some(at), format!("cannot read {shown} for 'extends': {e}"))
                        .hint("the file is relative to the compose file that names it");
                    return None;
                }
            };
            let src = Source {
                file: Arc::from(shown.as_str()),
                order: u16::try_from(extra).unwrap_or(u16::MAX),
            };
            extra += 1;
            parse_text(&text, &src, &plain, &mut unset_seen, diags)
        },
        diags,
    );
    let mut spec = Spec::default();
    compose::read(&root, &g.base_dir, fs, &guarded, &mut spec, diags);
    for var in refused.take() {
        credential_error(diags, None, &var);
    }
    params::read_compose_extension(&root, &mut spec, diags);
    if let Some(input) = &g.params {
        let src = Source {
            file: Arc::from(input.shown.as_str()),
            order: u16::try_from(g.compose.len()).unwrap_or(u16::MAX),
        };
        if let Some(root) = read_yaml(fs, input, &src, &plain, &mut unset_seen, diags) {
            params::read_params(&root, &mut spec, diags);
        }
    }
    params::read_service_extensions(&root, &mut spec, diags);
    apply_flags(args, &mut spec);

    let ci = ci::facts(&ctx.env);
    let empty_flag = args.name.as_deref() == Some("");
    if empty_flag {
        diags.error(None, "--name is empty").hint(
            "pass a name such as mr-42, or leave --name out to take it from the CI environment",
        );
    }
    let name = match spec
        .settings
        .name
        .clone()
        .or_else(|| ci.name.clone().map(Located::flag))
    {
        Some(n) => {
            if n.value.is_empty() {
                diags
                    .error(n.loc.as_ref(), "the review-app name is empty")
                    .hint("give a name such as mr-42, or leave it out to take it from the CI environment");
            }
            n
        }
        None => {
            if !empty_flag {
                diags
                    .error(None, "no review-app name: not given and not found in the CI environment")
                    .hint("pass --name NAME (or VANISH_NAME), or run in GitLab/GitHub CI where the MR/PR number or branch names it");
            }
            Located::flag(String::new())
        }
    };
    let now = match &args.now {
        Some(t) => match parse_now(t) {
            Ok(t) => t,
            Err(e) => {
                diags
                    .error(None, format!("VANISH_NOW/--now '{t}' {e}"))
                    .hint("write a UTC time such as 2026-11-21T12:00:00Z");
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
    if diags.has_errors() && spec.services.is_empty() {
        return None;
    }
    Some(Built {
        spec,
        facts: Facts {
            name,
            now,
            region,
            requested_by: ci.requested_by,
            git_ref: ci.git_ref,
        },
    })
}

/// `--now`: an RFC 3339 time no later than [`LATEST_NOW_SECS`].
fn parse_now(t: &str) -> Result<SystemTime, String> {
    let now =
        humantime::parse_rfc3339_weak(t).map_err(|e| format!("is not an RFC 3339 time: {e}"))?;
    let latest = UNIX_EPOCH + Duration::from_secs(LATEST_NOW_SECS);
    if now > latest {
        return Err(format!(
            "is later than {}, the last time a 30-day TTL can end by",
            humantime::format_rfc3339_seconds(latest)
        ));
    }
    Ok(now)
}

fn credential_error(diags: &mut Diagnostics, loc: Option<&crate::diag::Loc>, var: &str) {
    diags
        .error(
            loc,
            format!("'{var}' is a credential of the CI runner; vanish never copies it into a task"),
        )
        .hint("give the task its own access: a task role (task_role_arn), or ecs-params 'secrets' with 'value_from'");
}

/// Reads (from the snapshot), parses and interpolates one YAML file.
fn read_yaml(
    fs: &dyn fs::Fs,
    input: &Input,
    src: &Source,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset_seen: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> Option<Node> {
    let text = match fs.read_to_string(&input.path) {
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

/// Parses and interpolates one YAML text (pure). The runner's credentials are
/// not looked up (each use is a located error), and the interpolated text of
/// the whole document stays under [`yaml::MAX_TEXT_BYTES`].
pub fn parse_text(
    text: &str,
    src: &Source,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset_seen: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> Option<Node> {
    let mut root = yaml::parse(text, src, diags)?;
    let refused = RefCell::new(Vec::new());
    let guarded = |k: &str| {
        if mask::is_runner_credential(k) {
            refused.borrow_mut().push(k.to_string());
            None
        } else {
            lookup(k)
        }
    };
    let mut used = 0usize;
    let mut too_long = false;
    root.map_values(&mut |text, loc| {
        if !text.contains('$') || too_long {
            return;
        }
        let budget = yaml::MAX_TEXT_BYTES.saturating_sub(used);
        let result = interp::interpolate(text, &guarded, budget);
        let mut refused_here = refused.take();
        refused_here.dedup();
        for var in &refused_here {
            credential_error(diags, Some(loc), var);
        }
        match result {
            Ok(e) => {
                for var in e.unset {
                    if !refused_here.contains(&var) && unset_seen.insert(var.clone()) {
                        diags
                            .warn(Some(loc), format!("variable '{var}' is not set; using an empty string"))
                            .hint(format!("set {var} in the environment or in .env, or write ${{{var}:-default}}"));
                    }
                }
                used += e.text.len();
                *text = e.text;
            }
            Err(interp::InterpError::TooLong(_)) => {
                too_long = true;
                diags
                    .error(
                        Some(loc),
                        format!(
                            "interpolating variables makes the document longer than {} MiB",
                            yaml::MAX_TEXT_BYTES >> 20
                        ),
                    )
                    .hint("a variable with a big value is used many times; pass big data another way");
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
    if let Some(n) = args.name.as_ref().filter(|n| !n.is_empty()) {
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
    if let Some(r) = args.execution_role_arn.as_ref().filter(|r| !r.is_empty()) {
        spec.task.execution_role_arn = Some(r.clone());
    }
    let s = &mut spec.settings;
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
