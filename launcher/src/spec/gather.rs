//! Gather: every file the spec needs, read once through an injected
//! [`Fs`], into an in-memory snapshot that [`super::build`] reads purely.
//!
//! Reads: the compose file(s) (`-f`, else the first of
//! [`super::DEFAULT_COMPOSE`] in the working directory), ecs-params
//! (`--params`, else `ecs-params.yml`/`.yaml` beside the first compose file),
//! `.env` beside the first compose file, and every `env_file` the compose
//! files name. The `env_file`s are found by letting `build` run over the
//! snapshot with a probe that records the files it misses, so that gather
//! and build can never disagree about which files a spec reads.
//!
//! Invariants: each path is read at most once; a failed read is recorded in
//! the snapshot (build reports it where the file is named); no more than
//! [`MAX_SERVED_BYTES`] are read in all; a missing `.env` is not an error,
//! an unreadable one (a FIFO, invalid UTF-8) is.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};

use super::fs::{Fs, MAX_SERVED_BYTES, MemFs, ReadError};
use super::{DEFAULT_COMPOSE, LoadContext, SpecArgs, build_with, compose};
use crate::diag::Diagnostics;

/// Rounds of "build, read what it missed" before giving up (one suffices:
/// `env_file` paths do not depend on what other `env_file`s hold).
const MAX_ROUNDS: usize = 4;

/// A spec file: where to read it, and how to name it in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    pub shown: String,
}

/// Everything `build` needs from the world's files.
#[derive(Debug, Clone)]
pub struct Gathered {
    pub compose: Vec<Input>,
    pub params: Option<Input>,
    /// The first compose file's folder: `.env`, ecs-params and relative `env_file`s.
    pub base_dir: PathBuf,
    /// Interpolation variables: `.env`, overridden by the environment.
    pub vars: BTreeMap<String, String>,
    /// Every file read, with its text or why it could not be read.
    pub files: MemFs,
}

/// Finds and reads every spec file. `None` (with an error) when there is no
/// compose file to read.
pub fn gather(
    args: &SpecArgs,
    ctx: &LoadContext,
    fs: &dyn Fs,
    diags: &mut Diagnostics,
) -> Option<Gathered> {
    let compose = compose_files(args, ctx, fs, diags)?;
    let base_dir = compose
        .first()
        .and_then(|i| i.path.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let params = match &args.params {
        Some(p) => Some(Input {
            path: ctx.cwd.join(p),
            shown: p.display().to_string(),
        }),
        None => ["ecs-params.yml", "ecs-params.yaml"].iter().find_map(|n| {
            let path = base_dir.join(n);
            fs.is_file(&path).then(|| Input {
                shown: shown_path(&ctx.cwd, &path),
                path,
            })
        }),
    };
    let mut reader = Reader {
        fs,
        read: 0,
        files: MemFs::new(),
    };
    for input in compose.iter().chain(params.iter()) {
        let _ = reader.read(&input.path);
    }

    // .env beside the (first) compose file; the process environment wins.
    let dotenv = base_dir.join(".env");
    let mut vars = match reader.read(&dotenv) {
        Ok(text) => compose::parse_dotenv(&text),
        Err(e) if e.kind() == ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => {
            diags
                .error(
                    None,
                    format!("cannot read {}: {e}", shown_path(&ctx.cwd, &dotenv)),
                )
                .hint("fix or remove the .env file beside the compose file");
            BTreeMap::new()
        }
    };
    vars.extend(ctx.env.iter().map(|(k, v)| (k.clone(), v.clone())));

    let mut total = reader.read;
    let mut g = Gathered {
        compose,
        params,
        base_dir,
        vars,
        files: reader.files,
    };
    for _ in 0..MAX_ROUNDS {
        g.files.reset_budget();
        let probe = Probe {
            snapshot: &g.files,
            missing: RefCell::new(BTreeSet::new()),
        };
        let _ = build_with(&g, &probe, args, ctx, &mut Diagnostics::new(args.strict));
        let missing = probe.missing.into_inner();
        if missing.is_empty() {
            break;
        }
        let mut reader = Reader {
            fs,
            read: total,
            files: std::mem::take(&mut g.files),
        };
        for path in missing {
            let _ = reader.read(&path);
        }
        total = reader.read;
        g.files = reader.files;
    }
    g.files.reset_budget();
    Some(g)
}

/// Reads through the real file system into the snapshot, within the total.
struct Reader<'a> {
    fs: &'a dyn Fs,
    read: u64,
    files: MemFs,
}

impl Reader<'_> {
    fn read(&mut self, path: &Path) -> io::Result<String> {
        let result = if self.read > MAX_SERVED_BYTES {
            Err(ReadError::TooMuch.into())
        } else {
            self.fs.read_to_string(path)
        };
        if let Ok(t) = &result {
            self.read = self.read.saturating_add(t.len() as u64);
        }
        self.files.record(path, &result);
        result
    }
}

/// The snapshot, recording every path asked for that it does not hold.
struct Probe<'a> {
    snapshot: &'a MemFs,
    missing: RefCell<BTreeSet<PathBuf>>,
}

impl Fs for Probe<'_> {
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        if self.snapshot.contains(path) {
            return self.snapshot.read_to_string(path);
        }
        self.missing.borrow_mut().insert(path.to_path_buf());
        Err(io::Error::new(ErrorKind::NotFound, "not gathered yet"))
    }

    fn is_file(&self, path: &Path) -> bool {
        if !self.snapshot.contains(path) {
            self.missing.borrow_mut().insert(path.to_path_buf());
        }
        self.snapshot.is_file(path)
    }
}

/// The compose files to read.
fn compose_files(
    args: &SpecArgs,
    ctx: &LoadContext,
    fs: &dyn Fs,
    diags: &mut Diagnostics,
) -> Option<Vec<Input>> {
    if !args.file.is_empty() {
        return Some(
            args.file
                .iter()
                .map(|f| Input {
                    path: ctx.cwd.join(f),
                    shown: f.display().to_string(),
                })
                .collect(),
        );
    }
    match DEFAULT_COMPOSE
        .iter()
        .map(|n| ctx.cwd.join(n))
        .find(|p| fs.is_file(p))
    {
        Some(p) => {
            for o in [
                "compose.override.yaml",
                "compose.override.yml",
                "docker-compose.override.yaml",
                "docker-compose.override.yml",
            ] {
                if fs.is_file(&ctx.cwd.join(o)) {
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
            Some(vec![Input {
                shown: shown_path(&ctx.cwd, &p),
                path: p,
            }])
        }
        None => {
            diags
                .error(None, format!("no compose file in {}", ctx.cwd.display()))
                .hint("pass -f FILE, or run where compose.yaml or docker-compose.yml is");
            None
        }
    }
}

pub(crate) fn shown_path(cwd: &Path, p: &Path) -> String {
    p.strip_prefix(cwd).unwrap_or(p).display().to_string()
}
