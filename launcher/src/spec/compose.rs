//! Reads the (merged, interpolated) compose document into the Spec's services.
//!
//! Invariants: every service key is either read, warned about as unsupported
//! on Fargate (an error under `--strict`), or an unknown-key error with a
//! hint; `x-` keys are extensions and pass (`x-vanish` is read by `settings`).
//! No I/O: `env_file`s (relative to the compose file's folder) are read through the given `Fs`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::{Diagnostics, Loc};
use crate::plan::model::{HealthCheck, MountPoint, Ulimit, Volume};
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
    (
        "cap_add",
        "Fargate only allows SYS_PTRACE; use ecs linuxParameters outside vanish",
    ),
    ("cap_drop", "not supported by vanish"),
    ("devices", "Fargate has no host devices"),
    ("restart", "a review app runs once; vanish up relaunches it"),
    ("pid", "not supported on Fargate"),
    ("ipc", "not supported on Fargate"),
    ("sysctls", "not supported by vanish"),
    ("security_opt", "not supported on Fargate"),
    ("shm_size", "not supported on Fargate"),
    ("stdin_open", "a Fargate task has no terminal"),
    ("tty", "a Fargate task has no terminal"),
    ("platform", "use x-vanish 'cpu_architecture'"),
    ("profiles", "every listed service runs"),
    ("pull_policy", "Fargate always pulls"),
    ("scale", "a review app is one task"),
    ("stop_signal", "ECS always sends SIGTERM"),
    ("volumes_from", "declare named volumes instead"),
    ("configs", "bake the file into the image"),
    ("userns_mode", "not supported on Fargate"),
    ("cgroup_parent", "not supported on Fargate"),
    ("oom_score_adj", "not supported on Fargate"),
    ("mem_swappiness", "Fargate has no swap"),
    ("memswap_limit", "Fargate has no swap"),
    ("group_add", "not supported by vanish"),
    ("storage_opt", "not supported on Fargate"),
    ("runtime", "not supported on Fargate"),
    ("isolation", "not supported on Fargate"),
    ("cpuset", "not supported on Fargate"),
    ("cpu_count", "use 'cpus'"),
    ("cpu_percent", "use 'cpus'"),
    ("cpu_period", "use 'cpus'"),
    ("cpu_quota", "use 'cpus'"),
    ("pids_limit", "not supported by vanish"),
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
                for (name, _) in read::map(
                    v,
                    Ctx {
                        what: "in top-level 'volumes'",
                    },
                    diags,
                )
                .unwrap_or_default()
                {
                    if let Some(n) = name.as_str() {
                        spec.task
                            .volumes
                            .entry(n.to_string())
                            .or_insert_with(|| Volume {
                                name: n.to_string(),
                                efs_volume_configuration: None,
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
                    if let Some(svc) = service(n, &name.loc, body, base_dir, fs, lookup, diags) {
                        spec.services.push(svc);
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

fn service(
    name: &str,
    loc: &Loc,
    body: &Node,
    base_dir: &Path,
    fs: &dyn crate::spec::fs::Fs,
    lookup: &dyn Fn(&str) -> Option<String>,
    diags: &mut Diagnostics,
) -> Option<Service> {
    let what = format!("in service '{name}'");
    let ctx = Ctx { what: &what };
    let mut s = Service {
        name: name.to_string(),
        loc: Some(loc.clone()),
        ..Service::default()
    };
    let entries = read::entries(body, ctx, SERVICE_KEYS, SERVICE_UNSUPPORTED, diags);
    let mut env_file_vars = BTreeMap::new();
    for (k, v) in entries {
        let Some(key) = k.as_str() else { continue };
        match key {
            "image" => s.image = read::string(v, key, ctx, diags),
            "command" => s.command = command(v, key, ctx, diags),
            "entrypoint" => s.entry_point = command(v, key, ctx, diags),
            "environment" => {
                for (kk, vv) in key_values(v, key, ctx, diags) {
                    match vv {
                        Some(val) => {
                            s.environment.insert(kk, val);
                        }
                        None => {
                            if let Some(val) = lookup(&kk) {
                                s.environment.insert(kk, val);
                            }
                        }
                    }
                }
            }
            "env_file" => env_files(v, ctx, base_dir, fs, &mut env_file_vars, diags),
            "ports" => ports(v, ctx, &mut s.ports, true, diags),
            "expose" => ports(v, ctx, &mut s.expose, false, diags),
            "healthcheck" => s.health_check = healthcheck(v, ctx, diags),
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
                for (kk, vv) in key_values(v, key, ctx, diags) {
                    s.labels.insert(kk, vv.unwrap_or_default());
                }
            }
            "logging" => s.logging = logging(v, ctx, diags),
            "mem_limit" => s.memory = bytes(v, key, ctx, diags),
            "mem_reservation" => s.memory_reservation = bytes(v, key, ctx, diags),
            "cpus" => s.cpu = cpus(v, key, ctx, diags),
            // Fargate's largest task has 16 vCPU (16384 units), as in ecs-params.
            "cpu_shares" => s.cpu = read::integer(v, key, 16 * 1024, ctx, diags).map(|i| i as u32),
            "deploy" => deploy(v, ctx, &mut s, diags),
            "volumes" => volumes(v, ctx, &mut s.mount_points, diags),
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
            _ => {}
        }
    }
    for (kk, vv) in env_file_vars {
        s.environment.entry(kk).or_insert(vv);
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
) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    match &v.kind {
        Kind::Map(m) => {
            for (k, val) in m {
                let Some(name) = k.as_str() else { continue };
                if val.is_null() {
                    out.push((name.to_string(), None));
                } else if let Some(s) = read::string(val, &format!("{key}.{name}"), ctx, diags) {
                    out.push((name.to_string(), Some(s)));
                }
            }
        }
        Kind::Seq(items) => {
            for i in items {
                let Some(s) = read::string(i, key, ctx, diags) else {
                    continue;
                };
                match s.split_once('=') {
                    Some((a, b)) => out.push((a.to_string(), Some(b.to_string()))),
                    None => out.push((s, None)),
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
    for (name, _) in &out {
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
    out: &mut BTreeMap<String, String>,
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
            Ok(text) => out.extend(parse_dotenv(&text)),
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

fn healthcheck(v: &Node, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Option<HealthCheck> {
    let hctx_s = format!("in the healthcheck {}", ctx.what.trim_start_matches("in "));
    let hctx = Ctx { what: &hctx_s };
    let e = read::entries(
        v,
        hctx,
        &[
            "test",
            "command",
            "interval",
            "timeout",
            "retries",
            "start_period",
            "disable",
        ],
        &[(
            "start_interval",
            "ECS has no start interval; 'interval' applies from the start",
        )],
        diags,
    );
    let mut hc = HealthCheck::default();
    let mut has_test = false;
    for (k, val) in e {
        let Some(key) = k.as_str() else { continue };
        match key {
            "disable" if read::boolean(val, key, hctx, diags) == Some(true) => return None,
            "test" | "command" => {
                has_test = true;
                match &val.kind {
                    Kind::Seq(_) => {
                        let t = read::strings(val, key, hctx, diags).unwrap_or_default();
                        match t.first().map(String::as_str) {
                            Some("NONE") => return None,
                            Some("CMD" | "CMD-SHELL") => hc.command = t,
                            _ => {
                                diags
                                    .error(Some(&val.loc), format!("a healthcheck test list {} must start with CMD, CMD-SHELL or NONE", ctx.what))
                                    .hint("e.g. [\"CMD\", \"curl\", \"-f\", \"http://127.0.0.1/\"]");
                            }
                        }
                    }
                    _ => {
                        if let Some(s) = read::string(val, key, hctx, diags) {
                            hc.command = vec!["CMD-SHELL".into(), s];
                        }
                    }
                }
            }
            "retries" => {
                if let Some(r) = read::integer(val, key, 10, hctx, diags) {
                    if r < 1 {
                        diags.error(
                            Some(&val.loc),
                            format!("'retries' {hctx_s} must be 1 to 10"),
                        );
                    }
                    hc.retries = Some(r as i32);
                }
            }
            "interval" | "timeout" | "start_period" => {
                let (lo, hi) = match key {
                    "interval" => (5, 300),
                    "timeout" => (2, 60),
                    _ => (0, 300),
                };
                let Some(t) = read::string(val, key, hctx, diags) else {
                    continue;
                };
                match units::parse_seconds(&t) {
                    Ok(secs) if (lo..=hi).contains(&secs) => {
                        let secs = Some(secs as i32);
                        match key {
                            "interval" => hc.interval = secs,
                            "timeout" => hc.timeout = secs,
                            _ => hc.start_period = secs,
                        }
                    }
                    Ok(secs) => {
                        diags
                            .error(
                                Some(&val.loc),
                                format!("'{key}' {hctx_s} is {secs}s; ECS accepts {lo}s to {hi}s"),
                            )
                            .hint("ECS health checks take whole seconds in this range");
                    }
                    Err(e) => {
                        diags.error(Some(&val.loc), format!("'{key}' {hctx_s}: {e}"));
                    }
                }
            }
            _ => {}
        }
    }
    if !has_test {
        diags.error(
            Some(&v.loc),
            format!(
                "the healthcheck {} has no 'test'",
                ctx.what.trim_start_matches("in ")
            ),
        );
        return None;
    }
    (!hc.command.is_empty()).then_some(hc)
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

fn bytes(v: &Node, key: &str, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Option<u32> {
    let t = read::string(v, key, ctx, diags)?;
    units::parse_bytes_mib(&t)
        .map_err(|e| {
            diags
                .error(Some(&v.loc), format!("{}: {e}", ctx.key_msg(key)))
                .hint("sizes are bytes with an optional unit: 512m, 1g")
        })
        .ok()
}

fn cpus(v: &Node, key: &str, ctx: Ctx<'_>, diags: &mut Diagnostics) -> Option<u32> {
    let t = read::string(v, key, ctx, diags)?;
    units::parse_cpus(&t)
        .map_err(|e| diags.error(Some(&v.loc), format!("{}: {e}", ctx.key_msg(key))))
        .ok()
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

fn volumes(v: &Node, ctx: Ctx<'_>, out: &mut Vec<MountPoint>, diags: &mut Diagnostics) {
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
            _ => {
                diags
                    .unsupported(Some(&item.loc), format!("an anonymous or {kind} volume {} is not supported and is ignored", ctx.what))
                    .hint("name the volume: 'data:/path', and declare 'data' under top-level 'volumes'");
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
