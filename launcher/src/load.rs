//! Loading a spec into a Plan: gather (every file read) → build (pure) →
//! translate (pure). The one module that knows both `spec` and `plan`, so
//! that `spec` does not depend on `plan`'s translation.
//!
//! Interface used by `vanish render`, `up` and `run`:
//! ```ignore
//! let ctx = LoadContext::from_process(global.region.clone());
//! let plan = load::load_plan(&args.spec, &ctx)?; // exit 2 with every problem listed
//! ```
//! Invariants: every problem is reported at once, located where possible;
//! warnings (and notes) go to stderr before the result; on any error the
//! returned error's chain holds an `exit::Failure` with `Exit::BadInput`; no
//! diagnostic holds the value of a secret variable the spec could
//! interpolate (`mask::Redactor`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::diag::Diagnostics;
use crate::exit::{Exit, Failure};
use crate::mask::Redactor;
use crate::plan::Plan;
use crate::plan::translate::{self, Launch};
use crate::spec::fs::{Fs, MemFs, RealFs};
use crate::spec::{self, LoadContext, SpecArgs};

/// Loads, validates and translates from the real file system. Warnings go
/// to stderr; errors come back all at once as one `Failure` (exit 2).
pub fn load_plan(args: &SpecArgs, ctx: &LoadContext) -> anyhow::Result<Plan> {
    let mut diags = Diagnostics::new(args.strict);
    let plan = load(args, ctx, &RealFs, &mut diags);
    diags.print_warnings();
    match diags.into_failure() {
        Some(f) => Err(f.into()),
        None => {
            plan.ok_or_else(|| Failure::new(Exit::BadInput, "the spec could not be read").into())
        }
    }
}

/// [`load_plan`] over any file system, without printing: the plan (if it
/// could be built) and every diagnostic, secrets redacted.
pub fn load(
    args: &SpecArgs,
    ctx: &LoadContext,
    fs: &dyn Fs,
    diags: &mut Diagnostics,
) -> Option<Plan> {
    let gathered = spec::gather(args, ctx, fs, diags);
    let redactor = Redactor::from_vars(gathered.as_ref().map_or(&ctx.env, |g| &g.vars));
    let plan = gathered
        .and_then(|g| spec::build(&g, args, ctx, diags))
        .map(|b| {
            let launch = Launch {
                name: b.facts.name,
                now: b.facts.now,
                region: b.facts.region,
                requested_by: b.facts.requested_by,
                git_ref: b.facts.git_ref,
            };
            translate::translate(&b.spec, &launch, diags)
        });
    diags.redact(&|t| redactor.redact(t));
    plan
}

/// The folder [`load_texts`] puts its files in.
pub const TEXTS_DIR: &str = "/spec";

/// The whole pipeline on in-memory texts (`docker-compose.yml` and, if given,
/// `ecs-params.yml` in [`TEXTS_DIR`]): for tests and the no-panic property.
/// `env` is the interpolation and CI environment; the name defaults to
/// `test` (as the branch name, when `env` names no CI ref), now to
/// 2026-11-21T12:00:00Z, the region to eu-west-1.
pub fn load_texts(
    compose: &str,
    params: Option<&str>,
    env: &BTreeMap<String, String>,
    diags: &mut Diagnostics,
) -> Option<Plan> {
    let dir = Path::new(TEXTS_DIR);
    let mut fs = MemFs::new().file(dir.join("docker-compose.yml"), compose);
    if let Some(p) = params {
        fs = fs.file(dir.join("ecs-params.yml"), p);
    }
    load_in(&fs, dir, params.is_some(), env, diags)
}

/// [`load_texts`] over a prepared in-memory folder (`.env`, `env_file`s...).
pub fn load_in(
    fs: &MemFs,
    dir: &Path,
    params: bool,
    env: &BTreeMap<String, String>,
    diags: &mut Diagnostics,
) -> Option<Plan> {
    let mut env = env.clone();
    if spec::ci::facts(&env).name.is_none() {
        env.insert("CI_COMMIT_REF_NAME".into(), "test".into());
    }
    let args = SpecArgs {
        file: vec![PathBuf::from("docker-compose.yml")],
        params: params.then(|| PathBuf::from("ecs-params.yml")),
        strict: diags.strict,
        now: None,
        ..SpecArgs::default()
    };
    let ctx = LoadContext {
        now: humantime::parse_rfc3339("2026-11-21T12:00:00Z").unwrap_or(SystemTime::UNIX_EPOCH),
        env,
        cwd: dir.to_path_buf(),
        region: Some("eu-west-1".into()),
    };
    load(&args, &ctx, fs, diags)
}

#[cfg(test)]
mod no_panic {
    //! Property: no input, however malformed, panics the loader. Bounded:
    //! PROPTEST_CASES (default 256 per property) keeps it CI-sized.
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::load_texts;
    use crate::diag::Diagnostics;

    const COMPOSE: &str = include_str!("../../examples/review-app/docker-compose.yml");
    const PARAMS: &str = include_str!("../../examples/review-app/ecs-params.yml");
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
