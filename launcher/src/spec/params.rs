//! ecs-params.yml (the retired ecs-cli's schema) and the one-file form under
//! `x-vanish`, read into the Spec's task, services and settings.
//!
//! Precedence: compose `x-vanish` < ecs-params < flags. Per service:
//! compose keys < ecs-params `services.<name>` < the service's `x-vanish`.
//! Invariants: every key is read, warned about, or an unknown-key error.
//! Units follow ecs-cli: a container `mem_limit`/`mem_reservation` is bytes
//! (a bare number too, quoted or not) rounded down to MiB; `task_size` is
//! what ECS takes (MiB or `GB`, CPU units or `vCPU`). Healthchecks go through
//! the one reader shared with compose (`spec::healthcheck`).

use crate::diag::Diagnostics;
use crate::ecs_parts::{
    Capacity, EfsAuthorizationConfig, EfsVolumeConfiguration, FirelensConfiguration, Secret, Volume,
};
use crate::spec::healthcheck::{self, Dialect};
use crate::spec::model::{Dependency, Located, Service, Spec};
use crate::spec::read::{self, Ctx};
use crate::spec::units;
use crate::spec::yaml::Node;

const TASK_KEYS: &[&str] = &[
    "ecs_network_mode",
    "task_role_arn",
    "task_execution_role",
    "task_size",
    "services",
    "efs_volumes",
    "pid_mode",
];
const TASK_UNSUPPORTED: &[(&str, &str)] = &[
    ("ipc_mode", "Fargate has no IPC mode"),
    (
        "docker_volumes",
        "Fargate has no Docker volume drivers; use efs_volumes or named volumes",
    ),
    ("placement_constraints", "Fargate places tasks itself"),
];
const SETTINGS_KEYS: &[&str] = &[
    "name",
    "ttl",
    "grace",
    "cluster",
    "capacity",
    "platform_version",
    "public",
    "log_group",
    "cpu_architecture",
    "health_path",
    "idle",
    "rewrite_hosts",
];
const NETWORK_KEYS: &[&str] = &["subnets", "security_groups", "assign_public_ip"];
pub const SERVICE_KEYS: &[&str] = &[
    "essential",
    "cpu_shares",
    "mem_limit",
    "mem_reservation",
    "depends_on",
    "healthcheck",
    "secrets",
    "init_process_enabled",
    "logging",
    "repository_credentials",
    "public",
    "firelens_configuration",
    "stop_signal",
];
const SERVICE_UNSUPPORTED: &[(&str, &str)] = &[("gpu", "Fargate has no GPUs")];

/// Reads an ecs-params document.
pub fn read_params(root: &Node, spec: &mut Spec, diags: &mut Diagnostics) {
    let ctx = Ctx {
        what: "in ecs-params",
    };
    for (k, v) in read::entries(
        root,
        ctx,
        &["version", "task_definition", "run_params"],
        &[],
        diags,
    ) {
        match k.as_str() {
            Some("version") if v.as_str() != Some("1") && v.as_str() != Some("1.0") => {
                diags
                    .error(Some(&v.loc), "ecs-params 'version' must be 1")
                    .hint("write 'version: 1'");
            }
            Some("task_definition") => task_definition(
                v,
                Ctx {
                    what: "in ecs-params 'task_definition'",
                },
                true,
                spec,
                diags,
            ),
            Some("run_params") => {
                let rctx = Ctx {
                    what: "in ecs-params 'run_params'",
                };
                let unsupported = [
                    ("task_placement", "Fargate places tasks itself"),
                    ("service_discovery", "not supported by vanish"),
                ];
                for (rk, rv) in
                    read::entries(v, rctx, &["network_configuration"], &unsupported, diags)
                {
                    if rk.as_str() == Some("network_configuration") {
                        let nctx = Ctx {
                            what: "in 'network_configuration'",
                        };
                        for (nk, nv) in
                            read::entries(rv, nctx, &["awsvpc_configuration"], &[], diags)
                        {
                            if nk.as_str() == Some("awsvpc_configuration") {
                                network(
                                    nv,
                                    Ctx {
                                        what: "in 'awsvpc_configuration'",
                                    },
                                    true,
                                    spec,
                                    diags,
                                );
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(xv) = root.get("x-vanish") {
        settings(
            xv,
            Ctx {
                what: "in ecs-params 'x-vanish'",
            },
            &[],
            spec,
            diags,
        );
    }
}

/// The compose file's top-level `x-vanish` and each service's `x-vanish`.
pub fn read_compose_extension(root: &Node, spec: &mut Spec, diags: &mut Diagnostics) {
    if let Some(xv) = root.get("x-vanish") {
        let mut extra: Vec<&str> = TASK_KEYS
            .iter()
            .copied()
            .filter(|k| *k != "services")
            .collect();
        extra.extend(NETWORK_KEYS);
        let ctx = Ctx {
            what: "in 'x-vanish'",
        };
        settings(xv, ctx, &extra, spec, diags);
        task_definition(xv, ctx, false, spec, diags);
        network(xv, ctx, false, spec, diags);
    }
}

/// Each service's `x-vanish` (read after ecs-params, so it wins).
pub fn read_service_extensions(root: &Node, spec: &mut Spec, diags: &mut Diagnostics) {
    let Some(services) = root.get("services").and_then(Node::as_map) else {
        return;
    };
    for (k, body) in services {
        let (Some(name), Some(xv)) = (k.as_str(), body.get("x-vanish")) else {
            continue;
        };
        if let Some(svc) = spec.services.iter_mut().find(|s| s.name == name) {
            let what = format!("in 'x-vanish' of service '{name}'");
            let e = read::entries(
                xv,
                Ctx { what: &what },
                SERVICE_KEYS,
                SERVICE_UNSUPPORTED,
                diags,
            );
            service_settings(e, Ctx { what: &what }, svc, diags);
        }
    }
}

/// Task-definition keys; `own_keys` = this map holds only them (ecs-params) and
/// unknown keys are errors; otherwise the caller checked the keys.
fn task_definition(
    v: &Node,
    ctx: Ctx<'_>,
    own_keys: bool,
    spec: &mut Spec,
    diags: &mut Diagnostics,
) {
    let entries = if own_keys {
        read::entries(v, ctx, TASK_KEYS, TASK_UNSUPPORTED, diags)
    } else {
        v.as_map().unwrap_or_default()
    };
    for (k, val) in entries {
        let Some(key) = k.as_str() else { continue };
        match key {
            "ecs_network_mode" => {
                if let Some(m) = read::string(val, key, ctx, diags)
                    && m != "awsvpc"
                {
                    diags
                        .error(
                            Some(&val.loc),
                            format!("ecs_network_mode is '{m}'; Fargate needs awsvpc"),
                        )
                        .hint("write 'ecs_network_mode: awsvpc' or leave it out");
                }
            }
            "task_role_arn" => spec.task.task_role_arn = read::string(val, key, ctx, diags),
            "task_execution_role" => {
                spec.task.execution_role_arn = read::string(val, key, ctx, diags)
            }
            "task_size" => {
                let sctx = Ctx {
                    what: "in 'task_size'",
                };
                for (sk, sv) in read::entries(val, sctx, &["cpu_limit", "mem_limit"], &[], diags) {
                    let Some(t) = read::string(sv, sk.as_str().unwrap_or_default(), sctx, diags)
                    else {
                        continue;
                    };
                    if sk.as_str() == Some("cpu_limit") {
                        match units::parse_task_cpu(&t) {
                            Ok(c) => spec.task.cpu = Some(Located::at(c, &sv.loc)),
                            Err(e) => {
                                diags.error(Some(&sv.loc), format!("cpu_limit: {e}")).hint("Fargate CPU sizes: 256, 512, 1024 (1 vCPU), 2048, 4096, 8192, 16384");
                            }
                        }
                    } else {
                        match units::parse_task_memory(&t) {
                            Ok(m) => spec.task.memory = Some(Located::at(m, &sv.loc)),
                            Err(e) => {
                                diags
                                    .error(Some(&sv.loc), format!("mem_limit: {e}"))
                                    .hint("memory is MiB (512) or GB (1GB, 0.5GB)");
                            }
                        }
                    }
                }
            }
            "efs_volumes" => efs_volumes(val, spec, diags),
            "pid_mode" => match read::string(val, key, ctx, diags).as_deref() {
                Some("task") => spec.task.pid_mode = Some(Located::at("task".into(), &val.loc)),
                Some(m) => {
                    diags
                        .unsupported(
                            Some(&val.loc),
                            format!("pid_mode '{m}' {} is not supported on Fargate and is ignored", ctx.what),
                        )
                        .hint("Fargate takes only 'pid_mode: task' (one process namespace for the task's containers)");
                }
                None => {}
            },
            "services" if own_keys => {
                let sctx = Ctx {
                    what: "in ecs-params 'services'",
                };
                for (sk, sv) in read::map(val, sctx, diags).unwrap_or_default() {
                    let Some(name) = sk.as_str() else { continue };
                    let what = format!("in ecs-params service '{name}'");
                    let e = read::entries(
                        sv,
                        Ctx { what: &what },
                        SERVICE_KEYS,
                        SERVICE_UNSUPPORTED,
                        diags,
                    );
                    match spec.services.iter_mut().find(|s| s.name == name) {
                        Some(svc) => service_settings(e, Ctx { what: &what }, svc, diags),
                        None => {
                            let names: Vec<&str> =
                                spec.services.iter().map(|s| s.name.as_str()).collect();
                            diags.error(Some(&sk.loc), format!("ecs-params names service '{name}', which the compose file does not define")).suggest(name, &names);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Network keys; `own` = this map holds only them (ecs-params), else the
/// caller (x-vanish) checked the keys.
fn network(v: &Node, ctx: Ctx<'_>, own: bool, spec: &mut Spec, diags: &mut Diagnostics) {
    let entries = if own {
        read::entries(v, ctx, NETWORK_KEYS, &[], diags)
    } else {
        v.as_map().unwrap_or_default()
    };
    for (k, val) in entries {
        match k.as_str() {
            Some("subnets") => {
                spec.task.subnets =
                    read::string_list(val, "subnets", ctx, diags).unwrap_or_default()
            }
            Some("security_groups") => {
                spec.task.security_groups =
                    read::string_list(val, "security_groups", ctx, diags).unwrap_or_default()
            }
            Some("assign_public_ip") => {
                if let Some(s) = read::string(val, "assign_public_ip", ctx, diags) {
                    if s == "ENABLED" || s == "DISABLED" {
                        spec.task.assign_public_ip = Some(s);
                    } else {
                        diags.error(
                            Some(&val.loc),
                            format!("assign_public_ip is '{s}'; it must be ENABLED or DISABLED"),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

fn efs_volumes(v: &Node, spec: &mut Spec, diags: &mut Diagnostics) {
    let ctx = Ctx {
        what: "in 'efs_volumes'",
    };
    let Some(items) = v.as_seq() else {
        diags.error(
            Some(&v.loc),
            format!("'efs_volumes' must be a list, not {}", v.type_name()),
        );
        return;
    };
    for item in items {
        let e = read::entries(
            item,
            ctx,
            &[
                "name",
                "filesystem_id",
                "root_directory",
                "transit_encryption",
                "transit_encryption_port",
                "access_point",
                "iam",
            ],
            &[],
            diags,
        );
        let get = |k: &str, diags: &mut Diagnostics| {
            e.iter()
                .find(|(kk, _)| kk.as_str() == Some(k))
                .and_then(|(_, v)| read::string(v, k, ctx, diags))
        };
        let name = get("name", diags);
        let fs = get("filesystem_id", diags);
        let (Some(name), Some(fs)) = (name, fs) else {
            diags.error(
                Some(&item.loc),
                "an EFS volume needs 'name' and 'filesystem_id'",
            );
            continue;
        };
        let ap = get("access_point", diags);
        let iam = get("iam", diags);
        let cfg = EfsVolumeConfiguration {
            file_system_id: fs,
            root_directory: get("root_directory", diags),
            transit_encryption: get("transit_encryption", diags),
            transit_encryption_port: e
                .iter()
                .find(|(k, _)| k.as_str() == Some("transit_encryption_port"))
                .and_then(|(_, v)| read::integer(v, "transit_encryption_port", 65535, ctx, diags))
                .and_then(|p| i32::try_from(p).ok()),
            authorization_config: (ap.is_some() || iam.is_some()).then_some(
                EfsAuthorizationConfig {
                    access_point_id: ap,
                    iam,
                },
            ),
        };
        spec.task.volumes.insert(
            name.clone(),
            Volume {
                name,
                efs_volume_configuration: Some(cfg),
            },
        );
    }
}

/// vanish's own settings in a map whose other keys are `extra` (x-vanish).
fn settings(v: &Node, ctx: Ctx<'_>, extra: &[&str], spec: &mut Spec, diags: &mut Diagnostics) {
    let mut known: Vec<&str> = SETTINGS_KEYS.to_vec();
    known.extend(extra);
    let s = &mut spec.settings;
    for (k, val) in read::entries(v, ctx, &known, &[], diags) {
        let Some(key) = k.as_str() else { continue };
        match key {
            "name" => s.name = read::string(val, key, ctx, diags).map(|n| Located::at(n, &val.loc)),
            "ttl" | "grace" | "idle" => {
                let Some(t) = read::string(val, key, ctx, diags) else {
                    continue;
                };
                match humantime::parse_duration(&t) {
                    Ok(d) => {
                        let l = Some(Located::at(d.as_secs(), &val.loc));
                        match key {
                            "ttl" => s.ttl = l,
                            "grace" => s.grace = l,
                            _ => s.idle = l,
                        }
                    }
                    Err(e) => {
                        diags
                            .error(
                                Some(&val.loc),
                                format!("'{key}' {}: '{t}' is not a duration: {e}", ctx.what),
                            )
                            .hint("write a duration such as 30m, 2h or 1h30m");
                    }
                }
            }
            "cluster" => s.cluster = read::string(val, key, ctx, diags),
            "capacity" => match val.as_str() {
                Some("fargate") => s.capacity = Some(Located::at(Capacity::Fargate, &val.loc)),
                Some("spot") => s.capacity = Some(Located::at(Capacity::Spot, &val.loc)),
                other => {
                    diags
                        .error(
                            Some(&val.loc),
                            format!(
                                "capacity '{}' {} is not fargate or spot",
                                other.unwrap_or(""),
                                ctx.what
                            ),
                        )
                        .suggest(other.unwrap_or(""), &["fargate", "spot"]);
                }
            },
            "platform_version" => s.platform_version = read::string(val, key, ctx, diags),
            "public" => {
                s.public = read::string_list(val, key, ctx, diags).map(|l| {
                    let items = val.as_seq().unwrap_or_default();
                    l.into_iter()
                        .zip(items.iter())
                        .map(|(n, node)| Located::at(n, &node.loc))
                        .collect()
                });
            }
            "log_group" => s.log_group = read::string(val, key, ctx, diags),
            "cpu_architecture" => match val.as_str() {
                Some(a @ ("X86_64" | "ARM64")) => {
                    s.cpu_architecture = Some(Located::at(a.to_string(), &val.loc))
                }
                other => {
                    diags
                        .error(
                            Some(&val.loc),
                            format!(
                                "cpu_architecture '{}' is not X86_64 or ARM64",
                                other.unwrap_or("")
                            ),
                        )
                        .suggest(other.unwrap_or(""), &["X86_64", "ARM64"]);
                }
            },
            "health_path" => s.health_path = read::string(val, key, ctx, diags),
            "rewrite_hosts" => s.rewrite_hosts = read::boolean(val, key, ctx, diags),
            _ => {}
        }
    }
}

/// ecs-params `services.<name>` keys (also a service's `x-vanish`).
fn service_settings(
    entries: &[(Node, Node)],
    ctx: Ctx<'_>,
    svc: &mut Service,
    diags: &mut Diagnostics,
) {
    for (k, v) in entries {
        let Some(key) = k.as_str() else { continue };
        match key {
            "essential" => {
                svc.essential = read::boolean(v, key, ctx, diags).or(svc.essential);
                svc.essential_at = Some(v.loc.clone());
            }
            "public" => svc.public = read::boolean(v, key, ctx, diags),
            "init_process_enabled" => svc.init = read::boolean(v, key, ctx, diags).or(svc.init),
            "cpu_shares" => {
                if let Some(c) = read::integer(v, key, 16 * 1024, ctx, diags) {
                    svc.cpu = Some(Located::at(c as u32, &v.loc));
                }
            }
            "mem_limit" | "mem_reservation" => {
                let Some(t) = read::string(v, key, ctx, diags) else {
                    continue;
                };
                match units::parse_params_memory(&t) {
                    Ok(m) if key == "mem_limit" => svc.memory = Some(Located::at(m, &v.loc)),
                    Ok(m) => svc.memory_reservation = Some(Located::at(m, &v.loc)),
                    Err(e) => {
                        diags
                            .error(Some(&v.loc), format!("{}: {e}", ctx.key_msg(key)))
                            .hint(format!("as in ecs-cli, a bare number is bytes: write {t}m for {t} MiB, or 1g"));
                    }
                }
            }
            "stop_signal" => {
                svc.stop_signal = read::string(v, key, ctx, diags).map(|t| Located::at(t, &v.loc))
            }
            "firelens_configuration" => {
                let e = read::entries(v, ctx, &["type", "options"], &[], diags);
                let mut f = FirelensConfiguration::default();
                for (fk, fv) in e {
                    match fk.as_str() {
                        Some("type") => {
                            match read::string(fv, "type", ctx, diags).as_deref() {
                                Some(t @ ("fluentd" | "fluentbit")) => f.kind = t.into(),
                                Some(t) => {
                                    diags
                                    .error(Some(&fv.loc), format!("firelens type '{t}' {} is not fluentd or fluentbit", ctx.what))
                                    .suggest(t, &["fluentd", "fluentbit"]);
                                }
                                None => {}
                            }
                        }
                        Some("options") => {
                            for (ok, ov) in read::map(fv, ctx, diags).unwrap_or_default() {
                                if let (Some(name), Some(value)) =
                                    (ok.as_str(), read::string(ov, "options", ctx, diags))
                                {
                                    f.options.insert(name.to_string(), value);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                if f.kind.is_empty() {
                    diags
                        .error(
                            Some(&v.loc),
                            format!("firelens_configuration {} needs 'type'", ctx.what),
                        )
                        .hint("type: fluentbit (or fluentd)");
                } else {
                    svc.firelens = Some(f);
                }
            }
            "depends_on" => {
                let Some(items) = v.as_seq() else {
                    diags.error(
                        Some(&v.loc),
                        format!(
                            "{} must be a list of container_name/condition",
                            ctx.key_msg(key)
                        ),
                    );
                    continue;
                };
                let mut deps = Vec::new();
                for i in items {
                    let e = read::entries(i, ctx, &["container_name", "condition"], &[], diags);
                    let get = |k: &str| {
                        e.iter()
                            .find(|(kk, _)| kk.as_str() == Some(k))
                            .and_then(|(_, v)| v.as_str())
                            .map(str::to_string)
                    };
                    let (Some(name), cond) = (get("container_name"), get("condition")) else {
                        diags.error(
                            Some(&i.loc),
                            format!("a depends_on entry {} needs 'container_name'", ctx.what),
                        );
                        continue;
                    };
                    let cond = cond.unwrap_or_else(|| "START".into());
                    if !["START", "COMPLETE", "SUCCESS", "HEALTHY"].contains(&cond.as_str()) {
                        diags.error(Some(&i.loc), format!("condition '{cond}' {} is not START, COMPLETE, SUCCESS or HEALTHY", ctx.what)).suggest(&cond, &["START", "COMPLETE", "SUCCESS", "HEALTHY"]);
                        continue;
                    }
                    deps.push(Dependency {
                        service: name,
                        condition: cond,
                        loc: i.loc.clone(),
                    });
                }
                svc.depends_on = deps;
            }
            "healthcheck" => {
                let of = ctx.what.trim_start_matches("in ");
                let of = format!("of {of}");
                let p = healthcheck::read(v, &of, Dialect::EcsParams, diags);
                svc.health_check = p.over(svc.health_check.as_ref()).finish(&of, diags);
            }
            "secrets" | "logging" => {
                let (list_node, what) = if key == "logging" {
                    let e = read::entries(v, ctx, &["secret_options"], &[], diags);
                    match e
                        .iter()
                        .find(|(kk, _)| kk.as_str() == Some("secret_options"))
                    {
                        Some((_, n)) => (n, "secret_options"),
                        None => continue,
                    }
                } else {
                    (v, "secrets")
                };
                let Some(items) = list_node.as_seq() else {
                    diags.error(
                        Some(&list_node.loc),
                        format!("{} must be a list of name/value_from", ctx.key_msg(what)),
                    );
                    continue;
                };
                let mut out = Vec::new();
                for i in items {
                    let e = read::entries(i, ctx, &["name", "value_from"], &[], diags);
                    let get = |k: &str| {
                        e.iter()
                            .find(|(kk, _)| kk.as_str() == Some(k))
                            .and_then(|(_, v)| v.as_str())
                            .map(str::to_string)
                    };
                    match (get("name"), get("value_from")) {
                        (Some(name), Some(value_from)) => out.push(Secret { name, value_from }),
                        _ => {
                            diags
                                .error(
                                    Some(&i.loc),
                                    format!("a secret {} needs 'name' and 'value_from'", ctx.what),
                                )
                                .hint("value_from is an SSM parameter or Secrets Manager ARN");
                        }
                    }
                }
                if what == "secrets" {
                    svc.secrets = out
                } else {
                    svc.log_secret_options = out
                }
            }
            "repository_credentials" => {
                let e = read::entries(v, ctx, &["credentials_parameter"], &[], diags);
                if let Some((_, p)) = e
                    .iter()
                    .find(|(kk, _)| kk.as_str() == Some("credentials_parameter"))
                {
                    svc.repository_credentials =
                        read::string(p, "credentials_parameter", ctx, diags);
                }
            }
            _ => {}
        }
    }
}
