//! Reads the (merged, interpolated) compose document into the Spec's services.
//!
//! Invariants: every service key is either read, warned about (an error under
//! `--strict`) as impossible on Fargate ("is not supported on Fargate") or as
//! not translated by vanish yet ("vanish does not translate ... yet"), or an
//! unknown-key error with a hint; `x-` keys are extensions and pass
//! (`x-vanish` is read by `settings`). Sizes follow compose: bytes with
//! binary units, rounded down to whole MiB; `cpus` rounds to a CPU unit.
//! No I/O: `env_file`s (relative to the compose file's folder) are read
//! through the given `Fs`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::{Diagnostics, Loc};
use crate::ecs_parts::{EfsVolumeConfiguration, MountPoint, Ulimit, Volume};
use crate::spec::healthcheck::{self, Dialect};
use crate::spec::model::{Dependency, Located, Logging, Port, Protocol, Service, Spec};
use crate::spec::read::{self, Ctx};
use crate::spec::units;
use crate::spec::yaml::{Kind, Node};

pub const TOP_KEYS: &[&str] = &["version", "name", "services", "volumes"];
const TOP_UNSUPPORTED: &[(&str, &str)] = &[
    (
        "networks",
        "all containers of a task share one network namespace; reach each other on 127.0.0.1",
    ),
    (
        "secrets",
        "use ecs-params 'services.<name>.secrets' with 'value_from'",
    ),
    ("configs", "bake the file into the image"),
    ("include", "pass the files with -f instead"),
];

pub const SERVICE_KEYS: &[&str] = &[
    "image",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "ports",
    "expose",
    "healthcheck",
    "depends_on",
    "working_dir",
    "user",
    "stop_grace_period",
    "ulimits",
    "read_only",
    "init",
    "labels",
    "logging",
    "mem_limit",
    "mem_reservation",
    "cpus",
    "cpu_shares",
    "deploy",
    "volumes",
    "secrets",
    "tmpfs",
    "cap_add",
    "cap_drop",
    "tty",
    "stdin_open",
    "sysctls",
    "volumes_from",
    "pid",
    "stop_signal",
    "extends",
];
/// Keys vanish could translate but does not yet: (key, hint). Warned about as
/// such (an error under `--strict`), never as impossible on Fargate.
const SERVICE_NOT_YET: &[(&str, &str)] = &[
    (
        "platform",
        "use x-vanish 'cpu_architecture' (X86_64 or ARM64)",
    ),
    ("cpu_count", "use 'cpus'"),
    ("cpu_percent", "use 'cpus'"),
    ("cpu_period", "use 'cpus'"),
    ("cpu_quota", "use 'cpus'"),
];
const SERVICE_UNSUPPORTED: &[(&str, &str)] = &[
    (
        "build",
        "build and push the image in CI first, then reference it with 'image'",
    ),
    ("network_mode", "Fargate always uses awsvpc"),
    (
        "networks",
        "all containers of a task share one network namespace; reach each other on 127.0.0.1",
    ),
    ("privileged", "Fargate does not run privileged containers"),
    (
        "links",
        "containers reach each other on 127.0.0.1 in awsvpc",
    ),
    (
        "external_links",
        "containers reach each other on 127.0.0.1 in awsvpc",
    ),
    ("container_name", "the container is named after the service"),
    ("hostname", "Fargate sets the hostname"),
    ("domainname", "Fargate sets the hostname"),
    ("extra_hosts", "not supported in awsvpc mode"),
    ("dns", "the VPC's resolver is used"),
    ("dns_search", "the VPC's resolver is used"),
    ("dns_opt", "the VPC's resolver is used"),
    ("devices", "Fargate has no host devices"),
    ("restart", "a review app runs once; vanish up relaunches it"),
    ("ipc", "not supported on Fargate"),
    ("security_opt", "Fargate takes no Docker security options"),
    (
        "shm_size",
        "Fargate has no sharedMemorySize; /dev/shm keeps Docker's 64 MiB",
    ),
    ("profiles", "every listed service runs"),
    ("pull_policy", "Fargate always pulls"),
    ("scale", "a review app is one task"),
    ("configs", "bake the file into the image"),
    ("userns_mode", "not supported on Fargate"),
    ("cgroup_parent", "not supported on Fargate"),
    ("oom_score_adj", "not supported on Fargate"),
    ("mem_swappiness", "Fargate has no swap"),
    ("memswap_limit", "Fargate has no swap"),
    (
        "group_add",
        "ECS has no supplementary groups; use 'user: uid:gid'",
    ),
    ("storage_opt", "not supported on Fargate"),
    ("runtime", "not supported on Fargate"),
    ("isolation", "not supported on Fargate"),
    ("cpuset", "not supported on Fargate"),
    (
        "pids_limit",
        "ECS has no pids limit; the 'nproc' ulimit is the nearest",
    ),
    ("mac_address", "not supported in awsvpc mode"),
    ("develop", "a local-development setting"),
    ("attach", "a local-development setting"),
];

/// Reads `services:` (and top-level `volumes:`) into `spec`.
pub fn read(
    root: &Node,
    base_dir: &Path,
    fs: &dyn crate::spec::fs::Fs,
    lookup: &dyn Fn(&str) -> Option<String>,
    spec: &mut Spec,
    diags: &mut Diagnostics,
) {
    let top = Ctx {
        what: "at the top level of the compose file",
    };
    let entries = read::entries(root, top, TOP_KEYS, TOP_UNSUPPORTED, diags);
    for (k, v) in entries {
        match k.as_str() {
            Some("volumes") => {
                for (name, body) in read::map(
                    v,
                    Ctx {
                        what: "in top-level 'volumes'",
                    },
                    diags,
                )
                .unwrap_or_default()
                {
                    if let Some(n) = name.as_str() {
                        let efs = top_volume(n, body, diags);
                        spec.task
                            .volumes
                            .entry(n.to_string())
                            .or_insert_with(|| Volume {
                                name: n.to_string(),
                                efs_volume_configuration: efs,
                            });
                    }
                }
            }
            Some("services") => {
                spec.services_loc = Some(k.loc.clone());
                let ctx = Ctx {
                    what: "under 'services'",
                };
                for (name, body) in read::map(v, ctx, diags).unwrap_or_default() {
                    let Some(n) = name.as_str() else { continue };
                    let mut anonymous = Vec::new();
                    if let Some(svc) = service(
                        n,
                        &name.loc,
                        body,
                        base_dir,
                        fs,
                        lookup,
                        &mut anonymous,
                        diags,
                    ) {
                        spec.services.push(svc);
                    }
                    // Anonymous volumes: task-scoped volumes of their own.
                    for a in anonymous {
                        spec.task.volumes.insert(
                            a.clone(),
                            Volume {
                                name: a,
                                efs_volume_configuration: None,
                            },
                        );
                    }
                }
            }
            _ => {}
        }
    }
    if spec.services_loc.is_none() {
        diags
            .error(Some(&root.loc), "the compose file has no 'services'")
            .hint("add 'services:' with at least one service that has an 'image'");
    }
}

// The service's name and place, its body, where its files are and how to read
// them, the environment, what it adds to the task (anonymous volumes), and
// the diagnostics: each is a separate input of one reader.
#[allow(clippy::too_many_arguments)]
fn service(
    name: &str,
    loc: &Loc,
    body: &Node,
    base_dir: &Path,
    fs: &dyn crate::spec::fs::Fs,
    lookup: &dyn Fn(&str) -> Option<String>,
    anonymous: &mut Vec<String>,
    diags: &mut Diagnostics,
) -> Option<Service> {
    let what = format!("in service '{name}'");
    let ctx = Ctx { what: &what };
    let mut s = Service {
        name: name.to_string(),
        loc: Some(loc.clone()),
        ..Service::default()
    };
    let mut known: Vec<&str> = SERVICE_KEYS.to_vec();
    known.extend(SERVICE_NOT_YET.iter().map(|(k, _)| *k));
    let entries = read::entries(body, ctx, &known, SERVICE_UNSUPPORTED, diags);
    let mut env_file_vars = BTreeMap::new();
    for (k, v) in entries {
        let Some(key) = k.as_str() else { continue };
        match key {
            "image" => s.image = read::string(v, key, ctx, diags),
            "command" => s.command = command(v, key, ctx, diags),
            "entrypoint" => s.entry_point = command(v, key, ctx, diags),
            "environment" => {
                for (kk, vv, at) in key_values(v, key, ctx, diags) {
                    match vv {
                        Some(val) => {
                            s.environment.insert(kk.clone(), val);
                            s.env_locs.insert(kk, at);
                        }
                        None => {
                            if let Some(val) = lookup(&kk) {
                                s.environment.insert(kk.clone(), val);
                                s.env_locs.insert(kk, at);
                            }
                        }
                    }
                }
            }
            "env_file" => env_files(v, ctx, base_dir, fs, &mut env_file_vars, diags),
            "ports" => ports(v, ctx, &mut s.ports, true, diags),
            "expose" => ports(v, ctx, &mut s.expose, false, diags),
            "healthcheck" => {
                let of = format!("of service '{name}'");
                s.health_check =
                    healthcheck::read(v, &of, Dialect::Compose, diags).finish(&of, diags);
            }
            "depends_on" => s.depends_on = depends_on(v, ctx, diags),
            "working_dir" => s.working_dir = read::string(v, key, ctx, diags),
            "user" => s.user = read::string(v, key, ctx, diags),
            "stop_grace_period" => {
                if let Some(t) = read::string(v, key, ctx, diags) {
                    match units::parse_seconds(&t) {
                        Ok(secs) => s.stop_timeout = Some(Located::at(secs, &v.loc)),
                        Err(e) => {
                            diags.error(Some(&v.loc), format!("{}: {e}", ctx.key_msg(key)));
                        }
                    }
                }
            }
            "ulimits" => s.ulimits = ulimits(v, ctx, diags),
            "read_only" => s.read_only = read::boolean(v, key, ctx, diags),
            "init" => s.init = read::boolean(v, key, ctx, diags),
            "labels" => {
                for (kk, vv, _) in key_values(v, key, ctx, diags) {
                    s.labels.insert(kk, vv.unwrap_or_default());
                }
            }
            "logging" => s.logging = logging(v, ctx, diags),
            "mem_limit" => s.memory = bytes(v, key, ctx, diags),
            "mem_reservation" => s.memory_reservation = bytes(v, key, ctx, diags),
            "cpus" => s.cpu = cpus(v, key, ctx, diags),
            // Fargate's largest task has 16 vCPU (16384 units), as in ecs-params.
            "cpu_shares" => {
                s.cpu = read::integer(v, key, 16 * 1024, ctx, diags)
                    .map(|i| Located::at(i as u32, &v.loc))
            }
            "deploy" => deploy(v, ctx, &mut s, diags),
            "volumes" => volumes(v, ctx, name, &mut s.mount_points, anonymous, diags),
            "cap_add" | "cap_drop" => {
                for (cap, at) in capabilities(v, key, ctx, diags) {
                    if key == "cap_drop" {
                        s.cap_drop.push(cap);
                    } else if cap == "SYS_PTRACE" {
                        s.cap_add.push(Located::at(cap, &at));
                    } else {
                        diags
                            .unsupported(Some(&at), format!("capability '{cap}' in 'cap_add' {what} is not supported on Fargate and is ignored"))
                            .hint("Fargate adds only SYS_PTRACE");
                    }
                }
            }
            "tty" => s.tty = read::boolean(v, key, ctx, diags),
            "stdin_open" => s.stdin_open = read::boolean(v, key, ctx, diags),
            "sysctls" => {
                for (kk, vv, at) in key_values(v, key, ctx, diags) {
                    if namespaced_sysctl(&kk) {
                        s.sysctls.push((kk, vv.unwrap_or_default()));
                    } else {
                        diags
                            .unsupported(Some(&at), format!("sysctl '{kk}' {what} is not namespaced, so it is not supported on Fargate and is ignored"))
                            .hint("Fargate sets only namespaced sysctls: net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*");
                    }
                }
            }
            "volumes_from" => s.volumes_from = volumes_from(v, ctx, diags),
            "pid" => {
                if let Some(p) = read::string(v, key, ctx, diags) {
                    let (msg, hint) = if p == "host" {
                        (
                            format!(
                                "'pid: host' {what} is not supported on Fargate and is ignored"
                            ),
                            "Fargate shares no namespace with the host; x-vanish 'pid_mode: task' shares one among the task's containers",
                        )
                    } else {
                        (
                            format!(
                                "'pid: {p}' {what}: vanish does not translate it yet and ignores it"
                            ),
                            "x-vanish 'pid_mode: task' shares one process namespace among all of the task's containers",
                        )
                    };
                    diags.unsupported(Some(&v.loc), msg).hint(hint);
                }
            }
            "stop_signal" => {
                s.stop_signal = read::string(v, key, ctx, diags).map(|t| Located::at(t, &v.loc))
            }
            // Resolved before reading (spec::extends); nothing left to do.
            "extends" => {}
            "secrets" => {
                diags
                    .unsupported(Some(&k.loc), format!("compose 'secrets' {what} are not supported on Fargate and are ignored"))
                    .hint("use ecs-params 'services.<name>.secrets' with 'value_from' (SSM or Secrets Manager)");
            }
            "tmpfs" => {
                diags
                    .unsupported(
                        Some(&k.loc),
                        format!("'tmpfs' {what} is not supported on Fargate and is ignored"),
                    )
                    .hint("write to a named volume instead");
            }
            other => {
                if let Some((_, hint)) = SERVICE_NOT_YET.iter().find(|(k, _)| *k == other) {
                    diags
                        .unsupported(
                            Some(&k.loc),
                            format!(
                                "'{other}' {what}: vanish does not translate it yet and ignores it"
                            ),
                        )
                        .hint(*hint);
                }
            }
        }
    }
    for (kk, (vv, at)) in env_file_vars {
        if !s.environment.contains_key(&kk) {
            s.environment.insert(kk.clone(), vv);
            s.env_locs.insert(kk, at);
        }
    }
    if s.image.is_none() && !entries.iter().any(|(k, _)| k.as_str() == Some("image")) {
        diags
            .error(Some(loc), format!("service '{name}' has no 'image'"))
            .hint("Fargate runs images from a registry: build and push in CI, then set 'image'");
    }
    Some(s)
}

fn command(v: &Node, key: &str, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Vec<String> {
    match &v.kind {
        Kind::Seq(_) => read::strings(v, key, ctx, diags).unwrap_or_default(),
        _ => match read::string(v, key, ctx, diags) {
            Some(s) => read::shell_split(&s).unwrap_or_else(|e| {
                diags.error(Some(&v.loc), format!("{}: {e}", ctx.key_msg(key)));
                Vec::new()
            }),
            None => Vec::new(),
        },
    }
}

/// `environment`/`labels` in map form or `KEY=VALUE` list form; `None` value =
/// "take it from the environment" (map value null, or a list item without `=`).
fn key_values(
    v: &Node,
    key: &str,
    ctx: Ctx<'_>,
    diags: &mut Diagnostics,
) -> Vec<(String, Option<String>, Loc)> {
    let mut out = Vec::new();
    match &v.kind {
        Kind::Map(m) => {
            for (k, val) in m {
                let Some(name) = k.as_str() else { continue };
                if val.is_null() {
                    out.push((name.to_string(), None, k.loc.clone()));
                } else if let Some(s) = read::string(val, &format!("{key}.{name}"), ctx, diags) {
                    out.push((name.to_string(), Some(s), val.loc.clone()));
                }
            }
        }
        Kind::Seq(items) => {
            for i in items {
                let Some(s) = read::string(i, key, ctx, diags) else {
                    continue;
                };
                match s.split_once('=') {
                    Some((a, b)) => out.push((a.to_string(), Some(b.to_string()), i.loc.clone())),
                    None => out.push((s, None, i.loc.clone())),
                }
            }
        }
        _ if v.is_null() => {}
        _ => {
            diags
                .error(
                    Some(&v.loc),
                    format!(
                        "{} must be a mapping or a list of KEY=VALUE, not {}",
                        ctx.key_msg(key),
                        v.type_name()
                    ),
                )
                .hint("e.g. 'APP_ENV: review' lines, or a list of \"APP_ENV=review\"");
        }
    }
    for (name, _, _) in &out {
        if name.is_empty() || name.contains(char::is_whitespace) {
            diags.error(
                Some(&v.loc),
                format!(
                    "'{name}' in {} is not a valid variable name",
                    ctx.key_msg(key)
                ),
            );
        }
    }
    out
}

fn env_files(
    v: &Node,
    ctx: Ctx<'_>,
    base: &Path,
    fs: &dyn crate::spec::fs::Fs,
    out: &mut BTreeMap<String, (String, Loc)>,
    diags: &mut Diagnostics,
) {
    let items: Vec<(Node, bool)> = match &v.kind {
        Kind::Seq(items) => items
            .iter()
            .map(|i| match i.get("path") {
                Some(p) => (
                    p.clone(),
                    i.get("required").and_then(Node::as_bool).unwrap_or(true),
                ),
                None => (i.clone(), true),
            })
            .collect(),
        _ => vec![(v.clone(), true)],
    };
    for (node, required) in items {
        let Some(p) = read::string(&node, "env_file", ctx, diags) else {
            continue;
        };
        let path = base.join(&p);
        match fs.read_to_string(&path) {
            Ok(text) => out.extend(
                parse_dotenv(&text)
                    .into_iter()
                    .map(|(k, v)| (k, (v, node.loc.clone()))),
            ),
            Err(e) if required || e.kind() != std::io::ErrorKind::NotFound => {
                diags
                    .error(
                        Some(&node.loc),
                        format!("cannot read env_file '{p}' {}: {e}", ctx.what),
                    )
                    .hint(format!("the path is relative to {}", base.display()));
            }
            Err(_) => {}
        }
    }
}

/// `KEY=VALUE` lines as in `.env` files: `#` comments, optional `export `,
/// optional single or double quotes around the value.
pub fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"'))
                || (v.starts_with('\'') && v.ends_with('\'')))
        {
            &v[1..v.len() - 1]
        } else {
            v.split(" #").next().unwrap_or(v).trim_end()
        };
        out.insert(k.trim().to_string(), v.to_string());
    }
    out
}

/// One port spec (`80`, `80:80`, `127.0.0.1:80:80`, `8000/udp`, `3000-3001`)
/// → container ports; `published` rules: host part must equal container part.
pub fn parse_port(spec: &str, published: bool) -> Result<(Vec<Port>, Option<String>), String> {
    let (body, proto) = match spec.rsplit_once('/') {
        Some((b, "tcp")) => (b, Protocol::Tcp),
        Some((b, "udp")) => (b, Protocol::Udp),
        Some((_, p)) => return Err(format!("protocol '{p}' in '{spec}' is not tcp or udp")),
        None => (spec, Protocol::Tcp),
    };
    let parts: Vec<&str> = body.rsplitn(3, ':').collect();
    let (container, host, ip) = match parts.as_slice() {
        [c] => (*c, None, None),
        [c, h] => (*c, Some(*h), None),
        [c, h, ip] => (*c, Some(*h), Some(*ip)),
        _ => return Err(format!("'{spec}' is not a port")),
    };
    if !published && host.is_some() {
        return Err(format!("'{spec}': 'expose' takes container ports only"));
    }
    let range = |r: &str| -> Result<(u16, u16), String> {
        let (a, b) = r.split_once('-').unwrap_or((r, r));
        let a: u16 = a
            .trim()
            .parse()
            .map_err(|_| format!("'{spec}' is not a port such as 80, 80:80 or 8000/udp"))?;
        let b: u16 = b
            .trim()
            .parse()
            .map_err(|_| format!("'{spec}' is not a port such as 80, 80:80 or 8000/udp"))?;
        if a == 0 || b < a || b - a > 100 {
            return Err(format!(
                "'{spec}' is not a valid port or port range (1-65535, at most 100 ports)"
            ));
        }
        Ok((a, b))
    };
    let (lo, hi) = range(container)?;
    if let Some(h) = host.filter(|h| !h.is_empty()) {
        let (hlo, hhi) = range(h)?;
        if (hlo, hhi) != (lo, hi) {
            return Err(format!(
                "host port {h} differs from container port {container} in '{spec}'; in awsvpc the host port must equal the container port"
            ));
        }
    }
    let ports = (lo..=hi)
        .map(|port| Port {
            port,
            protocol: proto,
        })
        .collect();
    Ok((ports, ip.filter(|i| !i.is_empty()).map(str::to_string)))
}

fn ports(
    v: &Node,
    ctx: Ctx<'_>,
    out: &mut Vec<Located<Port>>,
    published: bool,
    diags: &mut Diagnostics,
) {
    let key = if published { "ports" } else { "expose" };
    let Some(items) = v.as_seq() else {
        if !v.is_null() {
            diags
                .error(
                    Some(&v.loc),
                    format!("{} must be a list, not {}", ctx.key_msg(key), v.type_name()),
                )
                .hint("e.g. [\"80\"] or one '- \"80\"' per line");
        }
        return;
    };
    for item in items {
        let text = match &item.kind {
            Kind::Map(_) if published => {
                let e = read::entries(
                    item,
                    ctx,
                    &[
                        "target",
                        "published",
                        "protocol",
                        "host_ip",
                        "mode",
                        "name",
                        "app_protocol",
                    ],
                    &[],
                    diags,
                );
                let get = |k: &str| {
                    e.iter()
                        .find(|(kk, _)| kk.as_str() == Some(k))
                        .map(|(_, v)| v)
                };
                let Some(target) = get("target").and_then(Node::as_str) else {
                    diags.error(
                        Some(&item.loc),
                        format!("a long-form port {} needs 'target'", ctx.what),
                    );
                    continue;
                };
                let mut t = target.to_string();
                if let Some(p) = get("published").and_then(Node::as_str) {
                    t = format!("{p}:{t}");
                }
                if let Some(ip) = get("host_ip").and_then(Node::as_str) {
                    t = format!("{ip}:{t}");
                }
                if let Some(pr) = get("protocol").and_then(Node::as_str) {
                    t = format!("{t}/{pr}");
                }
                t
            }
            _ => match read::string(item, key, ctx, diags) {
                Some(t) => t,
                None => continue,
            },
        };
        match parse_port(&text, published) {
            Ok((ps, ip)) => {
                if let Some(ip) = ip {
                    diags
                        .warn(
                            Some(&item.loc),
                            format!("host IP '{ip}' in port '{text}' {} is ignored", ctx.what),
                        )
                        .hint("a Fargate task listens on its own network interface");
                }
                for p in ps {
                    if !out.iter().any(|o| o.value == p) {
                        out.push(Located::at(p, &item.loc));
                    }
                }
            }
            Err(e) => {
                let hint = if e.contains("differs") {
                    "publish the port as 'N:N' (or just 'N') and reach it on that port"
                } else {
                    "write a port as 80, \"80:80\" or \"8000/udp\""
                };
                diags
                    .error(Some(&item.loc), format!("{e} {}", ctx.what))
                    .hint(hint);
            }
        }
    }
}

pub const CONDITIONS: &[&str] = &[
    "service_started",
    "service_healthy",
    "service_completed_successfully",
];

fn depends_on(v: &Node, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Vec<Dependency> {
    let mut out = Vec::new();
    match &v.kind {
        Kind::Seq(items) => {
            for i in items {
                if let Some(s) = read::string(i, "depends_on", ctx, diags) {
                    out.push(Dependency {
                        service: s,
                        condition: "START".into(),
                        loc: i.loc.clone(),
                    });
                }
            }
        }
        Kind::Map(m) => {
            for (k, body) in m {
                let Some(name) = k.as_str() else { continue };
                let e = read::entries(body, ctx, &["condition", "restart", "required"], &[], diags);
                let mut cond = "START".to_string();
                for (kk, vv) in e {
                    if kk.as_str() == Some("condition") {
                        match vv.as_str() {
                            Some("service_started") => cond = "START".into(),
                            Some("service_healthy") => cond = "HEALTHY".into(),
                            Some("service_completed_successfully") => cond = "SUCCESS".into(),
                            other => {
                                diags
                                    .error(
                                        Some(&vv.loc),
                                        format!(
                                            "unknown depends_on condition '{}' {}",
                                            other.unwrap_or(""),
                                            ctx.what
                                        ),
                                    )
                                    .suggest(other.unwrap_or(""), CONDITIONS);
                            }
                        }
                    }
                }
                out.push(Dependency {
                    service: name.to_string(),
                    condition: cond,
                    loc: k.loc.clone(),
                });
            }
        }
        _ if v.is_null() => {}
        _ => {
            diags.error(
                Some(&v.loc),
                format!(
                    "{} must be a list or a mapping, not {}",
                    ctx.key_msg("depends_on"),
                    v.type_name()
                ),
            );
        }
    }
    out
}

fn ulimits(v: &Node, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Vec<Ulimit> {
    let mut out = Vec::new();
    for (k, val) in read::map(v, ctx, diags).unwrap_or_default() {
        let Some(name) = k.as_str() else { continue };
        let max = i64::from(i32::MAX);
        let (soft, hard) = match &val.kind {
            Kind::Map(_) => {
                let e = read::entries(val, ctx, &["soft", "hard"], &[], diags);
                let get = |key: &str, diags: &mut Diagnostics| {
                    e.iter()
                        .find(|(kk, _)| kk.as_str() == Some(key))
                        .and_then(|(_, vv)| read::integer(vv, key, max, ctx, diags))
                };
                let soft = get("soft", diags);
                let hard = get("hard", diags);
                (soft, hard.or(soft))
            }
            _ => {
                let i = read::integer(val, &format!("ulimits.{name}"), max, ctx, diags);
                (i, i)
            }
        };
        if let (Some(s), Some(h)) = (soft, hard) {
            out.push(Ulimit {
                name: name.to_string(),
                soft_limit: s as i32,
                hard_limit: h as i32,
            });
        }
    }
    out
}

fn logging(v: &Node, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Logging {
    let mut l = Logging {
        loc: Some(v.loc.clone()),
        ..Logging::default()
    };
    for (k, val) in read::entries(v, ctx, &["driver", "options"], &[], diags) {
        match k.as_str() {
            Some("driver") => l.driver = read::string(val, "logging.driver", ctx, diags),
            Some("options") => {
                for (kk, vv) in read::map(val, ctx, diags).unwrap_or_default() {
                    if let (Some(name), Some(value)) =
                        (kk.as_str(), read::string(vv, "logging.options", ctx, diags))
                    {
                        l.options.insert(name.to_string(), value);
                    }
                }
            }
            _ => {}
        }
    }
    l
}

fn bytes(v: &Node, key: &str, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Option<Located<u32>> {
    let t = read::string(v, key, ctx, diags)?;
    units::parse_bytes_mib(&t)
        .map(|m| Located::at(m, &v.loc))
        .map_err(|e| {
            diags
                .error(Some(&v.loc), format!("{}: {e}", ctx.key_msg(key)))
                .hint("sizes are bytes with an optional unit: 512m, 1g")
        })
        .ok()
}

fn cpus(v: &Node, key: &str, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Option<Located<u32>> {
    let t = read::string(v, key, ctx, diags)?;
    units::parse_cpus(&t)
        .map(|c| Located::at(c, &v.loc))
        .map_err(|e| diags.error(Some(&v.loc), format!("{}: {e}", ctx.key_msg(key))))
        .ok()
}

/// `cap_add`/`cap_drop` items, normalised as Docker does (`CAP_` prefix
/// optional, any case) to ECS's names.
fn capabilities(v: &Node, key: &str, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Vec<(String, Loc)> {
    let Some(items) = v.as_seq() else {
        if !v.is_null() {
            diags
                .error(
                    Some(&v.loc),
                    format!("{} must be a list, not {}", ctx.key_msg(key), v.type_name()),
                )
                .hint("e.g. [SYS_PTRACE]");
        }
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| {
            let c = read::string(i, key, ctx, diags)?.to_ascii_uppercase();
            let c = c.strip_prefix("CAP_").unwrap_or(&c).to_string();
            Some((c, i.loc.clone()))
        })
        .collect()
}

/// Sysctls Docker (and so ECS) can set per container: those of the IPC and
/// network namespaces.
pub fn namespaced_sysctl(name: &str) -> bool {
    name.starts_with("net.")
        || name.starts_with("fs.mqueue.")
        || name.starts_with("kernel.msg")
        || name.starts_with("kernel.shm")
        || name == "kernel.sem"
}

/// `volumes_from`: `service[:ro|rw]`; `container:NAME` is outside the task.
fn volumes_from(v: &Node, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Vec<Located<(String, bool)>> {
    let mut out = Vec::new();
    let Some(items) = v.as_seq() else {
        if !v.is_null() {
            diags.error(
                Some(&v.loc),
                format!(
                    "{} must be a list, not {}",
                    ctx.key_msg("volumes_from"),
                    v.type_name()
                ),
            );
        }
        return out;
    };
    for node in items {
        let Some(text) = read::string(node, "volumes_from", ctx, diags) else {
            continue;
        };
        let parts: Vec<&str> = text.split(':').collect();
        let (name, mode) = match parts.as_slice() {
            ["container", ..] => {
                diags
                    .unsupported(Some(&node.loc), format!("'volumes_from: {text}' {} names a container outside the task, which is not supported on Fargate and is ignored", ctx.what))
                    .hint("name a service of this compose file instead");
                continue;
            }
            [n] => (*n, None),
            [n, m] => (*n, Some(*m)),
            _ => {
                diags.error(
                    Some(&node.loc),
                    format!("'{text}' {} is not SERVICE or SERVICE:ro", ctx.what),
                );
                continue;
            }
        };
        let ro = match mode {
            None | Some("rw") => false,
            Some("ro") => true,
            Some(m) => {
                diags.error(
                    Some(&node.loc),
                    format!("access mode '{m}' in '{text}' {} is not ro or rw", ctx.what),
                );
                continue;
            }
        };
        out.push(Located::at((name.to_string(), ro), &node.loc));
    }
    out
}

/// A top-level volume's options. Returns the EFS configuration when the
/// volume is an NFS mount of an EFS file system; warns about what Fargate
/// cannot attach (external volumes, other drivers, labels), which then stays
/// an empty task-scoped volume.
fn top_volume(name: &str, body: &Node, diags: &mut Diagnostics) -> Option<EfsVolumeConfiguration> {
    let what = format!("in top-level volume '{name}'");
    let ctx = Ctx { what: &what };
    let e = read::entries(
        body,
        ctx,
        &["driver", "driver_opts", "external", "labels", "name"],
        &[],
        diags,
    );
    let get = |k: &str| e.iter().find(|(kk, _)| kk.as_str() == Some(k));
    if let Some((k, v)) = get("external")
        && (v.as_bool() == Some(true) || v.as_map().is_some())
    {
        diags
            .unsupported(Some(&k.loc), format!("external volume '{name}' is not supported on Fargate (a task attaches no existing Docker volume); an empty task-scoped volume is used instead"))
            .hint("for data that outlives the task, use an EFS volume (ecs-params 'efs_volumes')");
        return None;
    }
    if let Some((k, _)) = get("labels") {
        diags
            .unsupported(
                Some(&k.loc),
                format!("volume labels {what} are not supported on Fargate and are ignored"),
            )
            .hint("Fargate volumes carry no labels");
    }
    let driver = get("driver")
        .and_then(|(_, v)| v.as_str())
        .unwrap_or("local");
    let opts: BTreeMap<String, String> = get("driver_opts")
        .and_then(|(_, v)| v.as_map())
        .unwrap_or_default()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
        .collect();
    let at = get("driver_opts")
        .or(get("driver"))
        .map(|(k, _)| k.loc.clone());
    if driver == "local" && opts.is_empty() {
        return None;
    }
    let nfs = driver == "local" && opts.get("type").is_some_and(|t| t == "nfs" || t == "nfs4");
    if nfs {
        let fs = opts
            .get("o")
            .and_then(|o| o.split(',').find_map(|kv| kv.strip_prefix("addr=")))
            .and_then(efs_id);
        if let Some(fs) = fs {
            let device = opts.get("device").map_or(":/", String::as_str);
            let root = device.split_once(':').map_or(device, |(_, p)| p);
            diags
                .note(
                    at.as_ref(),
                    format!("NFS volume '{name}' mounts EFS file system {fs}; vanish makes it an EFS volume"),
                )
                .hint("the task's security group must reach the file system on port 2049");
            return Some(EfsVolumeConfiguration {
                file_system_id: fs,
                root_directory: (!root.is_empty() && root != "/").then(|| root.to_string()),
                transit_encryption: None,
                transit_encryption_port: None,
                authorization_config: None,
            });
        }
        diags
            .unsupported(at.as_ref(), format!("NFS volume '{name}' does not name an EFS file system, and Fargate mounts only EFS: not supported on Fargate; an empty task-scoped volume is used instead"))
            .hint("mount EFS (addr=fs-ID.efs.REGION.amazonaws.com), or use ecs-params 'efs_volumes'");
        return None;
    }
    diags
        .unsupported(at.as_ref(), format!("volume driver '{driver}' (with its driver_opts) {what} is not supported on Fargate; an empty task-scoped volume is used instead"))
        .hint("Fargate has task-scoped volumes and EFS: use ecs-params 'efs_volumes', or NFS driver_opts naming an EFS file system");
    None
}

/// `fs-0123abcd.efs.eu-west-1.amazonaws.com` → `fs-0123abcd`.
fn efs_id(addr: &str) -> Option<String> {
    let (id, rest) = addr.split_once('.')?;
    let ok = id.len() > 3
        && id.starts_with("fs-")
        && id[3..].chars().all(|c| c.is_ascii_hexdigit())
        && rest.starts_with("efs.")
        && (rest.ends_with(".amazonaws.com") || rest.ends_with(".amazonaws.com.cn"));
    ok.then(|| id.to_string())
}

fn deploy(v: &Node, ctx: Ctx<'_>, s: &mut Service, diags: &mut Diagnostics) {
    let dctx_s = format!("in 'deploy' {}", ctx.what);
    let dctx = Ctx { what: &dctx_s };
    let e = read::entries(
        v,
        dctx,
        &["resources"],
        &[
            ("replicas", "a review app is one task"),
            ("mode", "a review app is one task"),
            ("restart_policy", "a review app runs once"),
            ("placement", "Fargate places tasks itself"),
            ("update_config", "vanish up replaces the task"),
            ("rollback_config", "vanish up replaces the task"),
            ("endpoint_mode", "not supported in awsvpc mode"),
            ("labels", "use service 'labels'"),
        ],
        diags,
    );
    let Some(res) = e
        .iter()
        .find(|(k, _)| k.as_str() == Some("resources"))
        .map(|(_, v)| v)
    else {
        return;
    };
    let rctx_s = format!("in 'deploy.resources' {}", ctx.what);
    let rctx = Ctx { what: &rctx_s };
    for (k, val) in read::entries(res, rctx, &["limits", "reservations"], &[], diags) {
        let limits = k.as_str() == Some("limits");
        let unsupported: &[(&str, &str)] = &[
            ("pids", "not supported on Fargate"),
            ("devices", "Fargate has no GPUs or host devices"),
            ("generic_resources", "not supported on Fargate"),
        ];
        for (kk, vv) in read::entries(val, rctx, &["cpus", "memory"], unsupported, diags) {
            match (kk.as_str(), limits) {
                (Some("cpus"), true) => s.cpu = cpus(vv, "cpus", rctx, diags),
                (Some("cpus"), false) if s.cpu.is_none() => s.cpu = cpus(vv, "cpus", rctx, diags),
                (Some("memory"), true) => s.memory = bytes(vv, "memory", rctx, diags),
                (Some("memory"), false) => s.memory_reservation = bytes(vv, "memory", rctx, diags),
                _ => {}
            }
        }
    }
}

fn volumes(
    v: &Node,
    ctx: Ctx<'_>,
    service: &str,
    out: &mut Vec<MountPoint>,
    anonymous: &mut Vec<String>,
    diags: &mut Diagnostics,
) {
    let Some(items) = v.as_seq() else {
        if !v.is_null() {
            diags
                .error(
                    Some(&v.loc),
                    format!(
                        "{} must be a list, not {}",
                        ctx.key_msg("volumes"),
                        v.type_name()
                    ),
                )
                .hint("e.g. [\"data:/var/lib/data\"]");
        }
        return;
    };
    for item in items {
        let (src, dst, ro, kind) = match &item.kind {
            Kind::Map(_) => {
                let e = read::entries(
                    item,
                    ctx,
                    &[
                        "type",
                        "source",
                        "target",
                        "read_only",
                        "volume",
                        "bind",
                        "tmpfs",
                        "consistency",
                    ],
                    &[],
                    diags,
                );
                let get = |k: &str| {
                    e.iter()
                        .find(|(kk, _)| kk.as_str() == Some(k))
                        .and_then(|(_, v)| v.as_str())
                        .map(str::to_string)
                };
                let ro = e
                    .iter()
                    .find(|(kk, _)| kk.as_str() == Some("read_only"))
                    .and_then(|(_, v)| v.as_bool());
                (
                    get("source"),
                    get("target"),
                    ro,
                    get("type").unwrap_or_else(|| "volume".into()),
                )
            }
            _ => {
                let Some(t) = read::string(item, "volumes", ctx, diags) else {
                    continue;
                };
                let parts: Vec<&str> = t.split(':').collect();
                match parts.as_slice() {
                    [dst] => (None, Some(dst.to_string()), None, "volume".into()),
                    [src, dst] | [src, dst, _] => {
                        let ro = parts.get(2).map(|m| m.split(',').any(|f| f == "ro"));
                        let kind = if src.starts_with(['.', '/', '~']) {
                            "bind"
                        } else {
                            "volume"
                        };
                        (
                            Some(src.to_string()),
                            Some(dst.to_string()),
                            ro,
                            kind.into(),
                        )
                    }
                    _ => {
                        diags.error(
                            Some(&item.loc),
                            format!(
                                "'{t}' {} is not a volume such as 'data:/var/lib/data'",
                                ctx.what
                            ),
                        );
                        continue;
                    }
                }
            }
        };
        match (kind.as_str(), src, dst) {
            ("volume", Some(src), Some(dst)) => out.push(MountPoint {
                source_volume: src,
                container_path: dst,
                read_only: ro.filter(|r| *r),
            }),
            ("bind", src, _) => {
                diags
                    .unsupported(Some(&item.loc), format!("host path '{}' mounted {} is not supported on Fargate and is ignored", src.unwrap_or_default(), ctx.what))
                    .hint("bake the files into the image, or use a named volume (shared, empty at start) or an EFS volume");
            }
            (_, _, None) => {
                diags.error(
                    Some(&item.loc),
                    format!("a volume {} needs a target path", ctx.what),
                );
            }
            ("volume", None, Some(dst)) => {
                // Anonymous: a task-scoped volume of its own, as Docker gives one per container.
                let name = format!("{service}-anonymous-{}", anonymous.len() + 1);
                anonymous.push(name.clone());
                out.push(MountPoint {
                    source_volume: name,
                    container_path: dst,
                    read_only: ro.filter(|r| *r),
                });
            }
            ("tmpfs", _, _) => {
                diags
                    .unsupported(
                        Some(&item.loc),
                        format!(
                            "a tmpfs mount {} is not supported on Fargate and is ignored",
                            ctx.what
                        ),
                    )
                    .hint("write to a named volume instead");
            }
            _ => {
                diags
                    .unsupported(
                        Some(&item.loc),
                        format!(
                            "a '{kind}' mount {} is not supported on Fargate and is ignored",
                            ctx.what
                        ),
                    )
                    .hint("use a named volume: 'data:/path', declared under top-level 'volumes'");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_rules() {
        let tcp = |p| Port {
            port: p,
            protocol: Protocol::Tcp,
        };
        let ok: &[(&str, bool, Vec<Port>, Option<&str>)] = &[
            ("80", true, vec![tcp(80)], None),
            ("80:80", true, vec![tcp(80)], None),
            ("127.0.0.1:80:80", true, vec![tcp(80)], Some("127.0.0.1")),
            (
                "53/udp",
                true,
                vec![Port {
                    port: 53,
                    protocol: Protocol::Udp,
                }],
                None,
            ),
            (
                "3000-3002:3000-3002",
                true,
                vec![tcp(3000), tcp(3001), tcp(3002)],
                None,
            ),
            ("8000", false, vec![tcp(8000)], None),
            ("8000/tcp", false, vec![tcp(8000)], None),
            ("::80", true, vec![tcp(80)], None),
        ];
        for (s, published, want, ip) in ok {
            let (got, got_ip) = parse_port(s, *published).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(&got, want, "{s}");
            assert_eq!(got_ip.as_deref(), *ip, "{s}");
        }
        let bad: &[(&str, bool, &str)] = &[
            (
                "8080:80",
                true,
                "host port 8080 differs from container port 80",
            ),
            ("80:80", false, "container ports only"),
            ("80/sctp", true, "not tcp or udp"),
            ("http", true, "is not a port"),
            ("0", true, "not a valid port"),
            ("70000", true, "is not a port"),
            ("1-1000", true, "at most 100"),
            ("3000-3001:4000-4001", true, "differs"),
        ];
        for (s, published, want) in bad {
            let e = parse_port(s, *published).expect_err(s);
            assert!(e.contains(want), "{s}: {e}");
        }
    }

    #[test]
    fn dotenv() {
        let got =
            parse_dotenv("# c\nA=1\nexport B=two\nC=\"q # x\"\nD='s'\nE=v # comment\n\nbad line\n");
        let want: BTreeMap<String, String> = [
            ("A", "1"),
            ("B", "two"),
            ("C", "q # x"),
            ("D", "s"),
            ("E", "v"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
    }
}
