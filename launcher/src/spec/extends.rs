//! Compose `extends`, resolved on the YAML tree before the services are read.
//!
//! `extends: base` or `extends: {service: base}` takes a service of the same
//! file; `extends: {file: other.yml, service: base}` one of another file
//! (relative to the main compose file's folder, as the Compose spec says),
//! read through the caller's loader (the only I/O, outside this module). The extending service's keys
//! win and merge with the base's as `docker compose -f a -f b` merges
//! (`spec::merge`): mappings merge, `ports`/`volumes`/... add up.
//!
//! Invariants:
//! - A base may itself extend another service, in any file; a cycle is one
//!   located error naming the chain, never a hang.
//! - Everything but `extends` itself is inherited, `depends_on` included: as
//!   the Compose spec says, what a base refers to must exist in the model that
//!   uses it (an unknown service is then the usual located error).
//! - Every error is located at the `extends` value at fault.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostics, Loc};
use crate::spec::merge;
use crate::spec::yaml::{Kind, Node};

/// Reads another compose file (path as written, resolved by the caller
/// against the folder given), or reports why not.
pub type Loader<'a> = dyn FnMut(&Path, &Loc, &mut Diagnostics) -> Option<Node> + 'a;

/// Resolves every `extends` under `root`'s services. `file` is the path of
/// the (first) compose file `root` came from.
pub fn resolve(root: &mut Node, file: &Path, load: &mut Loader<'_>, diags: &mut Diagnostics) {
    let Some(services) = root.get("services").and_then(Node::as_map) else {
        return;
    };
    if !services.iter().any(|(_, b)| b.get("extends").is_some()) {
        return;
    }
    let mut files: BTreeMap<PathBuf, Option<Node>> = BTreeMap::new();
    files.insert(file.to_path_buf(), Some(root.clone()));
    let names: Vec<String> = services
        .iter()
        .filter_map(|(k, _)| k.as_str().map(str::to_string))
        .collect();
    let mut resolved: Vec<(String, Node)> = Vec::new();
    let mut cycles = BTreeSet::new();
    let main_dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
    for name in names {
        let mut w = Walk {
            main_dir: &main_dir,
            files: &mut files,
            stack: Vec::new(),
            cycles: &mut cycles,
        };
        if let Some(n) = service(file, &name, &mut w, load, diags) {
            resolved.push((name, n));
        }
    }
    if let Some(Kind::Map(entries)) = root_services_mut(root) {
        for (k, v) in entries.iter_mut() {
            if let Some(n) = k.as_str()
                && let Some((_, r)) = resolved.iter().find(|(rn, _)| rn == n)
            {
                *v = r.clone();
            }
        }
    }
}

fn root_services_mut(root: &mut Node) -> Option<&mut Kind> {
    match &mut root.kind {
        Kind::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some("services"))
            .map(|(_, v)| &mut v.kind),
        _ => None,
    }
}

/// The state of one walk along an `extends` chain.
struct Walk<'a> {
    /// The main compose file's folder: `file` paths are relative to it.
    main_dir: &'a Path,
    /// Every file read so far (`None`: could not be read, already reported).
    files: &'a mut BTreeMap<PathBuf, Option<Node>>,
    stack: Vec<(PathBuf, String)>,
    /// Cycles reported so far (their sorted members), to report each once.
    cycles: &'a mut BTreeSet<Vec<String>>,
}

/// The service `name` of `file`, with its `extends` chain applied.
fn service(
    file: &Path,
    name: &str,
    w: &mut Walk<'_>,
    load: &mut Loader<'_>,
    diags: &mut Diagnostics,
) -> Option<Node> {
    let doc = w.files.get(file).cloned().flatten()?;
    let body = doc.get("services")?.get(name)?.clone();
    let Some(ext) = body.get("extends") else {
        return Some(body);
    };
    let (base_name, base_file, at) = match &ext.kind {
        Kind::Scalar { .. } => (ext.as_str().map(str::to_string), None, ext.loc.clone()),
        Kind::Map(_) => {
            let svc = ext.get("service");
            let f = ext.get("file").and_then(Node::as_str).map(str::to_string);
            for (k, _) in ext.as_map().unwrap_or_default() {
                if !matches!(k.as_str(), Some("service" | "file")) {
                    diags
                        .error(
                            Some(&k.loc),
                            format!(
                                "unknown key '{}' in 'extends' of service '{name}'",
                                k.as_str().unwrap_or("")
                            ),
                        )
                        .suggest(k.as_str().unwrap_or(""), &["service", "file"]);
                }
            }
            (
                svc.and_then(Node::as_str).map(str::to_string),
                f,
                svc.map_or_else(|| ext.loc.clone(), |s| s.loc.clone()),
            )
        }
        Kind::Seq(_) => (None, None, ext.loc.clone()),
    };
    let Some(base_name) = base_name else {
        diags
            .error(
                Some(&ext.loc),
                format!("'extends' of service '{name}' names no service"),
            )
            .hint("write 'extends: base' or 'extends: {service: base, file: other.yml}'");
        return Some(without_extends(body));
    };
    let base_path = match &base_file {
        Some(f) => w.main_dir.join(f),
        None => file.to_path_buf(),
    };
    w.stack.push((file.to_path_buf(), name.to_string()));
    if let Some(start) = w
        .stack
        .iter()
        .position(|(f, n)| *f == base_path && *n == base_name)
    {
        let chain: Vec<&str> = w.stack[start..]
            .iter()
            .map(|(_, n)| n.as_str())
            .chain(std::iter::once(base_name.as_str()))
            .collect();
        let mut members: Vec<String> = w.stack[start..]
            .iter()
            .map(|(f, n)| format!("{}#{n}", f.display()))
            .collect();
        members.sort();
        if w.cycles.insert(members) {
            diags
                .error(Some(&at), format!("extends cycle: {}", chain.join(" -> ")))
                .hint("a service cannot extend itself, directly or through others");
        }
        w.stack.pop();
        return Some(without_extends(body));
    }
    if !w.files.contains_key(&base_path) {
        let loaded = load(&base_path, &at, diags);
        w.files.insert(base_path.clone(), loaded);
    }
    let exists = w
        .files
        .get(&base_path)
        .and_then(Option::as_ref)
        .and_then(|d| d.get("services"))
        .and_then(|s| s.get(&base_name))
        .is_some();
    let merged = if exists {
        service(&base_path, &base_name, w, load, diags)
            .map(|base| merge(without_extends(base), without_extends(body.clone())))
    } else {
        if w.files.get(&base_path).is_some_and(Option::is_some) {
            let known: Vec<String> = w
                .files
                .get(&base_path)
                .and_then(Option::as_ref)
                .and_then(|d| d.get("services"))
                .and_then(Node::as_map)
                .unwrap_or_default()
                .iter()
                .filter_map(|(k, _)| k.as_str().map(str::to_string))
                .collect();
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            let where_ = base_file
                .as_deref()
                .map_or_else(String::new, |f| format!(" in {f}"));
            diags
                .error(
                    Some(&at),
                    format!("service '{name}' extends '{base_name}', which is not defined{where_}"),
                )
                .suggest(&base_name, &known);
        }
        None
    };
    w.stack.pop();
    Some(merged.unwrap_or_else(|| without_extends(body)))
}

fn without_extends(n: Node) -> Node {
    match n.kind {
        Kind::Map(entries) => Node {
            kind: Kind::Map(
                entries
                    .into_iter()
                    .filter(|(k, _)| k.as_str() != Some("extends"))
                    .collect(),
            ),
            loc: n.loc,
        },
        kind => Node { kind, loc: n.loc },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use super::*;
    use crate::spec::parse_text;
    use crate::spec::yaml::Source;

    fn parse(text: &str, file: &str, order: u16, d: &mut Diagnostics) -> Option<Node> {
        let src = Source {
            file: Arc::from(file),
            order,
        };
        parse_text(text, &src, &|_| None, &mut BTreeSet::new(), d)
    }

    fn run(main: &str, other: &str) -> (Node, Vec<String>) {
        let mut d = Diagnostics::new(false);
        let mut root = parse(main, "compose.yml", 0, &mut d).expect("yaml");
        let mut load = |p: &Path, _: &Loc, d: &mut Diagnostics| {
            (p == Path::new("dir/common.yml"))
                .then(|| parse(other, "dir/common.yml", 1, d))
                .flatten()
        };
        resolve(&mut root, Path::new("dir/compose.yml"), &mut load, &mut d);
        let msgs = d
            .items()
            .iter()
            .map(|i| {
                let l = i
                    .loc
                    .as_ref()
                    .map(|l| format!(" @{}:{}:{}", l.file, l.line, l.col));
                format!("{}{}", i.message, l.unwrap_or_default())
            })
            .collect();
        (root, msgs)
    }

    fn svc<'a>(root: &'a Node, name: &str) -> &'a Node {
        root.get("services")
            .and_then(|s| s.get(name))
            .expect("service")
    }

    #[test]
    fn same_file_and_other_file() {
        let main = "services:\n  web:\n    extends: base\n    ports: [\"80\"]\n    environment: {B: \"2\"}\n  base:\n    image: app\n    ports: [\"81\"]\n    environment: {A: \"1\", B: \"1\"}\n    depends_on: [db]\n  job:\n    extends: {file: common.yml, service: worker}\n    command: [run]\n  db:\n    image: db\n";
        let other = "services:\n  worker:\n    extends: root\n    command: [idle]\n  root:\n    image: w\n    user: \"1000\"\n";
        let (root, msgs) = run(main, other);
        assert!(msgs.is_empty(), "{msgs:?}");
        let web = svc(&root, "web");
        assert_eq!(web.get("image").and_then(Node::as_str), Some("app"));
        assert!(web.get("extends").is_none());
        // depends_on is inherited, as the Compose spec says.
        assert!(web.get("depends_on").is_some());
        let ports: Vec<&str> = web
            .get("ports")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(ports, ["81", "80"]);
        let env = web.get("environment").expect("env");
        assert_eq!(env.get("A").and_then(Node::as_str), Some("1"));
        assert_eq!(env.get("B").and_then(Node::as_str), Some("2"));
        let job = svc(&root, "job");
        assert_eq!(job.get("image").and_then(Node::as_str), Some("w"));
        assert_eq!(
            job.get("user").map(|u| u.loc.file.to_string()),
            Some("dir/common.yml".into())
        );
        let cmd: Vec<&str> = job
            .get("command")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(cmd, ["run"]);
    }

    #[test]
    fn cycles_and_missing_bases_are_located() {
        let main = "services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends:\n      service: a\n  c:\n    image: x\n    extends: nope\n";
        let (_, msgs) = run(main, "");
        assert!(
            msgs.contains(&"extends cycle: a -> b -> a @compose.yml:7:16".to_string()),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(
                &"service 'c' extends 'nope', which is not defined @compose.yml:10:14".to_string()
            ),
            "{msgs:?}"
        );
    }
}
