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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;
    use crate::spec::fs::Entry;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn errors(d: &Diagnostics) -> Vec<String> {
        d.into_failure()
            .map(|f| {
                let mut v = vec![f.message];
                v.extend(f.details);
                v
            })
            .unwrap_or_default()
    }

    fn container_env(p: &Plan) -> Vec<(String, String)> {
        p.register_task_definition.container_definitions[0]
            .environment
            .iter()
            .filter(|kv| !kv.name.starts_with("VANISH_"))
            .map(|kv| (kv.name.clone(), kv.value.clone()))
            .collect()
    }

    const WITH_ENV_FILES: &str = "x-vanish:\n  task_execution_role: arn:aws:iam::123456789012:role/vanish-exec\nservices:\n  web:\n    image: nginx\n    env_file:\n      - app.env\n      - path: ${EXTRA:-extra}.env\n        required: false\n    environment:\n      B: from-compose\n";

    #[test]
    fn env_files_are_gathered_then_built_from_the_snapshot() {
        let dir = Path::new(TEXTS_DIR);
        let fs = MemFs::new()
            .file(dir.join("docker-compose.yml"), WITH_ENV_FILES)
            .file(dir.join("app.env"), "A=1\nB=from-file\n")
            .file(dir.join("more.env"), "C=3\n");
        let mut d = Diagnostics::new(false);
        let p = load_in(&fs, dir, false, &env(&[("EXTRA", "more")]), &mut d).expect("plan");
        assert!(errors(&d).is_empty(), "{:?}", errors(&d));
        assert_eq!(
            container_env(&p),
            [("A", "1"), ("B", "from-compose"), ("C", "3")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        // The optional file may be missing; a FIFO in its place is an error where it is named.
        let mut d = Diagnostics::new(false);
        assert!(load_in(&fs, dir, false, &env(&[]), &mut d).is_some());
        assert!(errors(&d).is_empty(), "{:?}", errors(&d));
        let mut fifo = fs.clone();
        fifo.insert(dir.join("extra.env"), Entry::Special("a FIFO"));
        let mut d = Diagnostics::new(false);
        load_in(&fifo, dir, false, &env(&[]), &mut d);
        assert_eq!(
            errors(&d),
            [
                "cannot read env_file 'extra.env' in service 'web': it is a FIFO, not a regular file",
                "  --> docker-compose.yml:8:15",
                "  hint: the path is relative to /spec",
            ]
            .map(str::to_string)
        );
    }

    #[test]
    fn secrets_stay_out_of_every_diagnostic() {
        let compose = "x-vanish:\n  task_execution_role: arn:aws:iam::123456789012:role/vanish-exec\nservices:\n  web:\n    image: nginx\n    command: \"run --token=${API_TOKEN} 'x\"\n    ports: [\"${DB_PASSWORD}\"]\n";
        let mut d = Diagnostics::new(false);
        load_texts(
            compose,
            None,
            &env(&[("API_TOKEN", "tok-123456"), ("DB_PASSWORD", "pw-123456")]),
            &mut d,
        );
        let all = format!("{d:?}");
        assert!(!all.contains("123456"), "{all}");
        assert_eq!(
            errors(&d),
            [
                "'command' in service 'web': unterminated single quote in 'run --token=******** 'x'",
                "  --> docker-compose.yml:6:14",
                "error: '********' is not a port such as 80, 80:80 or 8000/udp in service 'web'",
                "  --> docker-compose.yml:7:13",
                "  hint: write a port as 80, \"80:80\" or \"8000/udp\"",
            ]
            .map(str::to_string)
        );
    }

    #[test]
    fn the_latest_now_leaves_room_for_the_longest_ttl() {
        let end_of_9999 = 253_402_300_799;
        assert_eq!(spec::LATEST_NOW_SECS + translate::MAX_TTL, end_of_9999);
        let last = std::time::UNIX_EPOCH + std::time::Duration::from_secs(end_of_9999);
        assert_eq!(
            humantime::format_rfc3339_seconds(last).to_string(),
            "9999-12-31T23:59:59Z"
        );
    }

    /// `spec` reads and checks; translating is `plan`'s job, orchestrating
    /// is this module's: no spec file may name either.
    #[test]
    fn spec_does_not_depend_on_translation_or_loading() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/spec");
        let mut offenders = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("src/spec") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                if ["plan::translate", "crate::load", "crate::cmd", "crate::aws"]
                    .iter()
                    .any(|m| code.contains(m))
                {
                    offenders.push(format!("{}:{}: {line}", path.display(), i + 1));
                }
            }
        }
        assert!(offenders.is_empty(), "{}", offenders.join("\n"));
    }
}
