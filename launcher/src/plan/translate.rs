//! Spec → Plan: the cross-service checks and the translation into ECS
//! requests (pure: no I/O, the clock comes in as `Launch::now`).
//!
//! Invariants:
//! - The task definition depends only on the spec and the name: `VANISH_TTL`
//!   and `VANISH_GRACE` go into each essential container's environment, while
//!   `VANISH_DEADLINE` (now + TTL) and the expiry tag go into RunTask.
//! - Environment lists, tags and volumes are sorted; containers keep file order.
//! - stopTimeout is capped at Fargate's 120 s (with a warning); the task size
//!   is a valid Fargate pair or an error, never silently rounded. Without a
//!   task memory, each container without a memory setting counts as
//!   [`DEFAULT_CONTAINER_MEMORY`] MiB (ecs-cli's default), and a note says so.
//! - A container's memory is greater than its memoryReservation, as ECS
//!   requires (reservation > memory is an error; equal drops the reservation).
//! - Sibling service names used as hosts in environment values are warned
//!   about, located, or rewritten to `localhost` when the spec opts in.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use crate::contract;
use crate::diag::{Diagnostics, Loc};
use crate::plan::model::*;
use crate::spec::args::{DEFAULT_GRACE, DEFAULT_TTL};
use crate::spec::ci;
use crate::spec::hosts;
use crate::spec::model::{Located, Service, Spec};
use crate::spec::units;

/// The launch facts besides the spec.
#[derive(Debug, Clone)]
pub struct Launch {
    pub name: Located<String>,
    pub now: SystemTime,
    pub region: String,
    pub requested_by: String,
    pub git_ref: Option<String>,
}

/// ECS's limit of containers per task definition.
pub const MAX_CONTAINERS: usize = 10;
/// Longest TTL accepted (30 days), seconds.
pub const MAX_TTL: u64 = 30 * 24 * 3600;
/// Fargate's largest stopTimeout, seconds.
pub const MAX_STOP_TIMEOUT: u64 = 120;
/// MiB counted for a container without a memory setting when sizing the task
/// (ecs-cli's `defaultMemLimit`).
pub const DEFAULT_CONTAINER_MEMORY: u32 = 512;

fn default_secs(s: &str) -> u64 {
    humantime::parse_duration(s).map_or(0, |d| d.as_secs())
}

/// Checks and translates; problems go to `diags`.
pub fn translate(spec: &Spec, launch: &Launch, diags: &mut Diagnostics) -> Plan {
    let prepared = super::rules::prepare(spec, diags);
    let spec = &prepared;
    let set = &spec.settings;
    let name = launch.name.value.clone();
    if !name.is_empty()
        && let Err(e) = ci::check_name(&name)
    {
        diags
            .error(launch.name.loc.as_ref(), e)
            .hint("use letters, digits, '-' and '_' (e.g. mr-42)");
    }
    let ttl = set
        .ttl
        .as_ref()
        .map_or_else(|| default_secs(DEFAULT_TTL), |t| t.value);
    let grace = set
        .grace
        .as_ref()
        .map_or_else(|| default_secs(DEFAULT_GRACE), |g| g.value);
    let ttl_loc = set.ttl.as_ref().and_then(|t| t.loc.as_ref());
    let ttl = if ttl == 0 {
        diags.error(ttl_loc, "the ttl must be longer than zero");
        default_secs(DEFAULT_TTL)
    } else if ttl > MAX_TTL {
        diags
            .error(ttl_loc, "the ttl is longer than 30 days")
            .hint("review apps are meant to vanish: use hours or days");
        default_secs(DEFAULT_TTL)
    } else {
        ttl
    };
    let grace = if grace > MAX_TTL {
        diags.error(
            set.grace.as_ref().and_then(|g| g.loc.as_ref()),
            "the grace period is longer than 30 days",
        );
        default_secs(DEFAULT_GRACE)
    } else {
        grace
    };
    let ttl_text = humantime::format_duration(Duration::from_secs(ttl)).to_string();
    let grace_text = humantime::format_duration(Duration::from_secs(grace)).to_string();
    let expires_at = humantime::format_rfc3339_seconds(
        launch
            .now
            .checked_add(Duration::from_secs(ttl))
            .unwrap_or(launch.now),
    )
    .to_string();

    check_services(spec, diags);
    let capacity = set.capacity.as_ref().map_or(Capacity::Fargate, |c| c.value);
    let (cpu, memory) = task_size(spec, diags);
    let memories: Vec<(Option<i32>, Option<i32>)> = spec
        .services
        .iter()
        .map(|s| container_memory(s, diags))
        .collect();
    let environments = environments(spec, diags);
    let public = public_ports(spec, diags);
    let idle = set.idle.as_ref().map(|i| {
        let ports: Vec<String> = public.iter().map(|p| p.port.to_string()).collect();
        (
            humantime::format_duration(Duration::from_secs(i.value)).to_string(),
            ports.join(","),
        )
    });

    let log_group = set
        .log_group
        .clone()
        .unwrap_or_else(|| format!("/vanish/{name}"));
    let stream_prefix = if name.is_empty() {
        "vanish".to_string()
    } else {
        name.clone()
    };
    let lifetime = Lifetime {
        ttl: &ttl_text,
        grace: &grace_text,
        idle: idle.as_ref(),
    };
    let mut containers: Vec<ContainerDefinition> = spec
        .services
        .iter()
        .zip(environments)
        .zip(&memories)
        .map(|((s, env), mem)| {
            let mut c = container(
                s,
                env,
                &lifetime,
                &log_group,
                &stream_prefix,
                &launch.region,
                diags,
            );
            (c.memory, c.memory_reservation) = *mem;
            c
        })
        .collect();
    check_volumes_from(spec, diags);

    let family = format!("{}{name}", contract::FAMILY_PREFIX);
    let mut volumes: Vec<Volume> = Vec::new();
    for s in &spec.services {
        for m in &s.mount_points {
            match spec.task.volumes.get(&m.source_volume) {
                Some(v) => {
                    if !volumes.iter().any(|x| x.name == v.name) {
                        volumes.push(v.clone());
                    }
                }
                None => {
                    diags
                        .error(s.loc.as_ref(), format!("service '{}' mounts volume '{}', which is not declared", s.name, m.source_volume))
                        .hint("declare it under top-level 'volumes' (shared, empty at start) or ecs-params 'efs_volumes'");
                }
            }
        }
    }
    volumes.sort_by(|a, b| a.name.cmp(&b.name));

    // Mark the public ports on their containers, so that `vanish ls` (which
    // sees only the task and its definition) prints the same URLs as `up`.
    for c in &mut containers {
        let ports: Vec<String> = public
            .iter()
            .filter(|p| p.service == c.name)
            .map(|p| p.port.to_string())
            .collect();
        if !ports.is_empty() {
            c.docker_labels
                .insert(contract::LABEL_PUBLIC_PORTS.into(), ports.join(","));
        }
    }

    let register = RegisterTaskDefinition {
        family: family.clone(),
        task_role_arn: spec.task.task_role_arn.clone(),
        execution_role_arn: spec.task.execution_role_arn.clone(),
        network_mode: "awsvpc".into(),
        container_definitions: containers.clone(),
        volumes,
        requires_compatibilities: vec!["FARGATE".into()],
        cpu: cpu.to_string(),
        memory: memory.to_string(),
        runtime_platform: set.cpu_architecture.as_ref().map(|a| RuntimePlatform {
            cpu_architecture: a.value.clone(),
            operating_system_family: "LINUX".into(),
        }),
        tags: vec![Tag {
            key: contract::TAG_NAME.into(),
            value: name.clone(),
        }],
        pid_mode: spec.task.pid_mode.as_ref().map(|p| p.value.clone()),
    };

    let mut tags = vec![
        Tag {
            key: contract::TAG_NAME.into(),
            value: name.clone(),
        },
        Tag {
            key: contract::TAG_EXPIRES_AT.into(),
            value: expires_at.clone(),
        },
        Tag {
            key: contract::TAG_TTL.into(),
            value: ttl_text.clone(),
        },
        Tag {
            key: contract::TAG_REQUESTED_BY.into(),
            value: ci::tag_value(&launch.requested_by),
        },
    ];
    if let Some(r) = &launch.git_ref {
        tags.push(Tag {
            key: contract::TAG_REF.into(),
            value: ci::tag_value(r),
        });
    }
    tags.sort();

    let overrides = TaskOverride {
        container_overrides: containers
            .iter()
            .filter(|c| c.essential)
            .map(|c| ContainerOverride {
                name: c.name.clone(),
                command: None,
                environment: vec![KeyValue {
                    name: contract::ENV_DEADLINE.into(),
                    value: expires_at.clone(),
                }],
            })
            .collect(),
    };
    let cluster = set.cluster.clone().unwrap_or_else(|| "default".into());
    let run = RunTask {
        cluster: cluster.clone(),
        task_definition: family,
        launch_type: (capacity == Capacity::Fargate).then(|| "FARGATE".into()),
        capacity_provider_strategy: if capacity == Capacity::Spot {
            vec![CapacityProviderStrategyItem {
                capacity_provider: "FARGATE_SPOT".into(),
                weight: 1,
                base: None,
            }]
        } else {
            Vec::new()
        },
        platform_version: set.platform_version.clone(),
        network_configuration: NetworkConfiguration {
            awsvpc_configuration: AwsVpcConfiguration {
                subnets: spec.task.subnets.clone(),
                security_groups: spec.task.security_groups.clone(),
                assign_public_ip: spec
                    .task
                    .assign_public_ip
                    .clone()
                    .unwrap_or_else(|| "ENABLED".into()),
            },
        },
        overrides,
        enable_execute_command: false,
        started_by: contract::STARTED_BY.into(),
        tags,
        propagate_tags: None,
    };
    let plan = Plan {
        vanish: Meta {
            name,
            ttl_seconds: ttl,
            grace_seconds: grace,
            expires_at,
            cluster,
            capacity,
            public,
            health_path: set.health_path.clone(),
            log_group,
            region: launch.region.clone(),
        },
        register_task_definition: register,
        run_task: run,
    };
    super::rules::check(spec, &plan, diags);
    plan
}

fn essential(s: &Service) -> bool {
    s.essential.unwrap_or(true)
}

/// Count, essential, ports shared in one network namespace, depends_on.
fn check_services(spec: &Spec, diags: &mut Diagnostics) {
    let services = &spec.services;
    if services.is_empty() {
        diags
            .error(spec.services_loc.as_ref(), "there are no services")
            .hint("add at least one service with an 'image'");
        return;
    }
    if services.len() > MAX_CONTAINERS {
        diags
            .error(
                spec.services_loc.as_ref(),
                format!(
                    "{} services, but a Fargate task holds at most {MAX_CONTAINERS} containers",
                    services.len()
                ),
            )
            .hint("run the extra services elsewhere, or merge some into one image");
    }
    if !services.iter().any(essential) {
        // Located at the last `essential: false`, the value at fault.
        let at = services
            .iter()
            .filter_map(|s| s.essential_at.as_ref())
            .max_by_key(|l| (l.order, l.line, l.col))
            .or(spec.services_loc.as_ref());
        diags
            .error(
                at,
                "no service is essential, so the task would never stop on its own",
            )
            .hint("mark the main service 'essential: true' in ecs-params or x-vanish");
    }
    for s in services {
        if s.name.is_empty()
            || s.name.len() > 255
            || !s
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            diags
                .error(
                    s.loc.as_ref(),
                    format!("service name '{}' cannot be an ECS container name", s.name),
                )
                .hint("container names allow only letters, digits, '-' and '_'");
        }
    }
    let mut owner: HashMap<(u16, &str), &str> = HashMap::new();
    for s in services {
        for p in s.ports.iter().chain(&s.expose) {
            let key = (p.value.port, p.value.protocol.as_str());
            match owner.get(&key) {
                Some(o) if *o != s.name => {
                    diags
                        .error(p.loc.as_ref(), format!("container port {}/{} of service '{}' is also used by service '{o}'", key.0, key.1, s.name))
                        .hint("in awsvpc all containers share one network namespace: give each a different port");
                }
                _ => {
                    owner.insert(key, &s.name);
                }
            }
        }
    }
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    for s in services {
        for d in &s.depends_on {
            match services.iter().find(|t| t.name == d.service) {
                None => {
                    diags
                        .error(
                            Some(&d.loc),
                            format!(
                                "service '{}' depends on '{}', which is not defined",
                                s.name, d.service
                            ),
                        )
                        .suggest(&d.service, &names);
                }
                Some(t) if t.name == s.name => {
                    diags.error(
                        Some(&d.loc),
                        format!("service '{}' depends on itself", s.name),
                    );
                }
                Some(t) if d.condition == "HEALTHY" && t.health_check.is_none() => {
                    diags
                        .error(Some(&d.loc), format!("service '{}' waits for '{}' to be healthy, but '{}' has no healthcheck", s.name, t.name, t.name))
                        .hint("add a healthcheck to it, or use condition service_started");
                }
                Some(_) => {}
            }
        }
    }
    for cycle in cycles(services) {
        let first = &services[cycle[0]];
        let loc = first
            .depends_on
            .iter()
            .find(|d| d.service == services[cycle[1 % cycle.len()]].name)
            .map(|d| &d.loc);
        let path: Vec<&str> = cycle
            .iter()
            .chain(cycle.first())
            .map(|i| services[*i].name.as_str())
            .collect();
        diags
            .error(loc, format!("depends_on cycle: {}", path.join(" -> ")))
            .hint("containers in a cycle would wait for each other forever; remove one dependency");
    }
}

/// Each elementary cycle once, as service indices, starting at its smallest index.
fn cycles(services: &[Service]) -> Vec<Vec<usize>> {
    let idx: HashMap<&str, usize> = services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = services
        .iter()
        .map(|s| {
            s.depends_on
                .iter()
                .filter_map(|d| idx.get(d.service.as_str()).copied())
                .filter(|t| services[*t].name != s.name)
                .collect()
        })
        .collect();
    // Colour DFS; report a cycle when a back edge is found, from the smallest index.
    let mut found: Vec<Vec<usize>> = Vec::new();
    let mut colour = vec![0u8; services.len()];
    let mut stack: Vec<usize> = Vec::new();
    fn dfs(
        v: usize,
        edges: &[Vec<usize>],
        colour: &mut [u8],
        stack: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        colour[v] = 1;
        stack.push(v);
        for &w in &edges[v] {
            if colour[w] == 1 {
                if let Some(pos) = stack.iter().position(|x| *x == w) {
                    let mut c = stack[pos..].to_vec();
                    let min = c
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, x)| **x)
                        .map_or(0, |(i, _)| i);
                    c.rotate_left(min);
                    if !found.contains(&c) {
                        found.push(c);
                    }
                }
            } else if colour[w] == 0 {
                dfs(w, edges, colour, stack, found);
            }
        }
        stack.pop();
        colour[v] = 2;
    }
    for v in 0..services.len() {
        if colour[v] == 0 {
            dfs(v, &edges, &mut colour, &mut stack, &mut found);
        }
    }
    found
}

/// The task's (cpu, memory): given, completed, or derived from the containers.
fn task_size(spec: &Spec, diags: &mut Diagnostics) -> (u32, u32) {
    let need_cpu: u32 = spec
        .services
        .iter()
        .filter_map(|s| s.cpu.as_ref().map(|c| c.value))
        .sum();
    let cpu = spec.task.cpu.as_ref();
    let mem = spec.task.memory.as_ref();
    let set_mem = |s: &Service| {
        let m = s.memory.as_ref().map(|m| m.value);
        let r = s.memory_reservation.as_ref().map(|r| r.value);
        m.max(r)
    };
    // Without a task memory, a container without a memory setting counts as
    // ecs-cli's default, so that e.g. three JVMs do not get 512 MiB between them.
    let defaulted: Vec<&str> = if mem.is_none() {
        spec.services
            .iter()
            .filter(|s| set_mem(s).is_none())
            .map(|s| s.name.as_str())
            .collect()
    } else {
        Vec::new()
    };
    let need_mem: u32 = spec
        .services
        .iter()
        .map(|s| {
            set_mem(s).unwrap_or(if mem.is_none() {
                DEFAULT_CONTAINER_MEMORY
            } else {
                0
            })
        })
        .sum();
    // The place of the largest container memory, for "does not fit" errors.
    let mem_at = spec
        .services
        .iter()
        .filter_map(|s| {
            [s.memory.as_ref(), s.memory_reservation.as_ref()]
                .into_iter()
                .flatten()
                .max_by_key(|m| m.value)
        })
        .max_by_key(|m| m.value)
        .and_then(|m| m.loc.clone());
    let loc = |l: Option<&Located<u32>>| l.and_then(|x| x.loc.clone());
    if let Some(c) = cpu
        && !units::FARGATE_CPUS.contains(&c.value)
    {
        diags
            .error(
                c.loc.as_ref(),
                format!("task cpu {} is not a Fargate CPU size", c.value),
            )
            .hint("Fargate CPU sizes: 256, 512, 1024 (1 vCPU), 2048, 4096, 8192, 16384");
        return (c.value, mem.map_or(512, |m| m.value));
    }
    match (cpu, mem) {
        (Some(c), Some(m)) => {
            if !units::is_fargate_size(c.value, m.value) {
                diags
                    .error(
                        m.loc.as_ref().or(c.loc.as_ref()),
                        format!(
                            "cpu {} with memory {} MiB is not a Fargate task size",
                            c.value, m.value
                        ),
                    )
                    .hint(format!(
                        "with {} CPU units Fargate accepts {}",
                        c.value,
                        units::describe_memories(c.value)
                    ));
            } else {
                if need_mem > m.value {
                    diags.error(
                        loc(Some(m)).as_ref(),
                        format!(
                            "the containers reserve {need_mem} MiB, more than the task's {} MiB",
                            m.value
                        ),
                    );
                }
                if need_cpu > c.value {
                    diags.error(
                        loc(Some(c)).as_ref(),
                        format!(
                            "the containers reserve {need_cpu} CPU units, more than the task's {}",
                            c.value
                        ),
                    );
                }
            }
            (c.value, m.value)
        }
        (c, m) => {
            match units::smallest_fargate_size(
                need_cpu,
                need_mem,
                c.map(|x| x.value),
                m.map(|x| x.value),
            ) {
                Some((dc, dm)) => {
                    let mut what = match (c, m) {
                        (Some(_), None) => format!(
                            "task memory not given; using {dm} MiB, the smallest Fargate size for {dc} CPU units that fits the containers"
                        ),
                        (None, Some(_)) => format!(
                            "task cpu not given; using {dc} CPU units, the smallest Fargate size for {dm} MiB"
                        ),
                        _ => format!(
                            "no task size given; using the smallest Fargate size that fits the containers: {dc} CPU units, {dm} MiB"
                        ),
                    };
                    if !defaulted.is_empty() {
                        what.push_str(&format!(
                        " ({} counted at {DEFAULT_CONTAINER_MEMORY} MiB each, having no memory setting: {})",
                        if defaulted.len() == 1 { "1 container".to_string() } else { format!("{} containers", defaulted.len()) },
                        defaulted.join(", ")
                    ));
                    }
                    // Located at what decided the size: a given half, else the largest
                    // container memory, else the first container counted at the default.
                    let first_defaulted = spec
                        .services
                        .iter()
                        .find(|s| defaulted.contains(&s.name.as_str()))
                        .and_then(|s| s.loc.clone());
                    let at = loc(c.or(m))
                        .or(mem_at.clone())
                        .or(first_defaulted)
                        .or(spec.services_loc.clone());
                    diags.note(at.as_ref(), what).hint("set task_size cpu_limit and mem_limit in ecs-params (or x-vanish) to choose");
                    (dc, dm)
                }
                None => {
                    diags
                        .error(
                            loc(c.or(m))
                                .as_ref()
                                .or(mem_at.as_ref())
                                .or(spec.services_loc.as_ref()),
                            format!(
                                "no Fargate task size fits {need_cpu} CPU units and {need_mem} MiB"
                            ),
                        )
                        .hint("the largest is 16384 CPU units (16 vCPU) with 122880 MiB (120 GiB)");
                    (c.map_or(256, |x| x.value), m.map_or(512, |x| x.value))
                }
            }
        }
    }
}

/// The contract values that go into every essential container.
struct Lifetime<'a> {
    ttl: &'a str,
    grace: &'a str,
    /// (`VANISH_IDLE`, `VANISH_IDLE_PORTS`) when the spec sets `idle`.
    idle: Option<&'a (String, String)>,
}

/// (memory, memoryReservation) as ECS takes them: reservation above memory is
/// an error (ECS, ecs-cli and Docker refuse it); equal to memory, it says
/// nothing more and ECS refuses it, so it is left out with a note.
fn container_memory(s: &Service, diags: &mut Diagnostics) -> (Option<i32>, Option<i32>) {
    let m = s.memory.as_ref();
    let r = s.memory_reservation.as_ref();
    let as_i32 = |x: Option<&Located<u32>>| x.map(|x| i32::try_from(x.value).unwrap_or(i32::MAX));
    match (m, r) {
        (Some(m), Some(r)) if r.value > m.value => {
            diags
                .error(
                    r.loc.as_ref().or(m.loc.as_ref()),
                    format!(
                        "service '{}' reserves {} MiB of memory, more than its limit of {} MiB",
                        s.name, r.value, m.value
                    ),
                )
                .hint("the memory limit (mem_limit) must be greater than the reservation (mem_reservation)");
            (as_i32(Some(m)), as_i32(Some(r)))
        }
        (Some(m), Some(r)) if r.value == m.value => {
            diags
                .note(
                    r.loc.as_ref().or(m.loc.as_ref()),
                    format!(
                        "service '{}' reserves all of its {} MiB memory limit; ECS requires the limit to be greater, so the reservation is left out (same effect)",
                        s.name, m.value
                    ),
                )
                .hint("drop mem_reservation, or make it smaller than mem_limit");
            (as_i32(Some(m)), None)
        }
        _ => (as_i32(m), as_i32(r)),
    }
}

/// Each service's environment, with sibling service names used as hosts
/// warned about (located) or, when the spec opts in, rewritten to localhost.
fn environments(spec: &Spec, diags: &mut Diagnostics) -> Vec<BTreeMap<String, String>> {
    let names: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
    let rewrite = spec.settings.rewrite_hosts.unwrap_or(false);
    spec.services
        .iter()
        .map(|s| {
            let mut env = s.environment.clone();
            for (var, value) in &s.environment {
                let uses = hosts::find(var, value, &names);
                if uses.is_empty() {
                    continue;
                }
                let at = s.env_locs.get(var);
                let who: Vec<&str> = uses.iter().map(|u| u.service.as_str()).collect();
                let who = who.join("', '");
                if rewrite {
                    let new = hosts::rewrite(value, &uses);
                    diags.note(
                        at,
                        format!("{var} of service '{}': '{value}' is rewritten to '{new}' (service '{who}' is reached on localhost in a Fargate task)", s.name),
                    );
                    env.insert(var.clone(), new);
                } else {
                    diags
                        .warn(
                            at,
                            format!("{var} of service '{}' is '{value}', which names service '{who}' as a host; in a Fargate task the containers share one network namespace and no service name resolves", s.name),
                        )
                        .hint("write localhost instead of the service name, or let vanish rewrite it: x-vanish 'rewrite_hosts: true' or --rewrite-hosts");
                }
            }
            env
        })
        .collect()
}

/// `volumes_from` names services of this task.
fn check_volumes_from(spec: &Spec, diags: &mut Diagnostics) {
    let names: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
    for s in &spec.services {
        for v in &s.volumes_from {
            let src = &v.value.0;
            if !names.contains(&src.as_str()) || *src == s.name {
                diags
                    .error(
                        v.loc.as_ref(),
                        format!("service '{}' takes volumes from '{src}', which is not another service of this file", s.name),
                    )
                    .suggest(src, &names);
            }
        }
    }
}

fn container(
    s: &Service,
    mut env: BTreeMap<String, String>,
    life: &Lifetime<'_>,
    log_group: &str,
    prefix: &str,
    region: &str,
    diags: &mut Diagnostics,
) -> ContainerDefinition {
    let essential = essential(s);
    if essential {
        env.insert(contract::ENV_TTL.into(), life.ttl.into());
        env.insert(contract::ENV_GRACE.into(), life.grace.into());
        if let Some((idle, ports)) = life.idle {
            env.insert(contract::ENV_IDLE.into(), idle.clone());
            if !ports.is_empty() {
                env.insert(contract::ENV_IDLE_PORTS.into(), ports.clone());
            }
        }
    }
    if let Some(sig) = &s.stop_signal {
        env.insert(contract::ENV_STOP_SIGNAL.into(), sig.value.clone());
        diags
            .note(
                sig.loc.as_ref(),
                format!("ECS always stops containers with SIGTERM; service '{}' gets {}={} for vanish-init, which turns SIGTERM into {}", s.name, contract::ENV_STOP_SIGNAL, sig.value, sig.value),
            )
            .hint("this works when the image runs vanish-init as its entrypoint");
    }
    let stop_timeout = s.stop_timeout.as_ref().map(|t| {
        if t.value > MAX_STOP_TIMEOUT {
            diags
                .warn(t.loc.as_ref(), format!("stop_grace_period of service '{}' is {}s; Fargate allows at most {MAX_STOP_TIMEOUT}s, so {MAX_STOP_TIMEOUT}s is used", s.name, t.value))
                .hint("shorten stop_grace_period to 2m or less");
        }
        t.value.min(MAX_STOP_TIMEOUT) as i32
    });
    let mut port_mappings: Vec<PortMapping> = Vec::new();
    for p in s.ports.iter().chain(&s.expose) {
        let port = i32::from(p.value.port);
        if !port_mappings
            .iter()
            .any(|m| m.container_port == port && m.protocol == p.value.protocol.as_str())
        {
            port_mappings.push(PortMapping {
                container_port: port,
                host_port: port,
                protocol: p.value.protocol.as_str().into(),
                name: None,
            });
        }
    }
    ContainerDefinition {
        name: s.name.clone(),
        image: s.image.clone().unwrap_or_default(),
        essential,
        entry_point: s.entry_point.clone(),
        command: s.command.clone(),
        environment: env
            .into_iter()
            .map(|(name, value)| KeyValue { name, value })
            .collect(),
        secrets: s.secrets.clone(),
        port_mappings,
        health_check: s.health_check.clone(),
        depends_on: s
            .depends_on
            .iter()
            .map(|d| ContainerDependency {
                container_name: d.service.clone(),
                condition: d.condition.clone(),
            })
            .collect(),
        working_directory: s.working_dir.clone(),
        user: s.user.clone(),
        stop_timeout,
        ulimits: s.ulimits.clone(),
        readonly_root_filesystem: s.read_only,
        linux_parameters: linux_parameters(s),
        docker_labels: s.labels.clone(),
        log_configuration: Some(log_configuration(s, log_group, prefix, region, diags)),
        cpu: s.cpu.as_ref().map(|c| c.value as i32),
        memory: None,
        memory_reservation: None,
        repository_credentials: s
            .repository_credentials
            .clone()
            .map(|p| RepositoryCredentials {
                credentials_parameter: p,
            }),
        mount_points: s.mount_points.clone(),
        volumes_from: s
            .volumes_from
            .iter()
            .map(|v| VolumeFrom {
                source_container: v.value.0.clone(),
                read_only: v.value.1.then_some(true),
            })
            .collect(),
        pseudo_terminal: s.tty,
        interactive: s.stdin_open,
        system_controls: s
            .sysctls
            .iter()
            .map(|(namespace, value)| SystemControl {
                namespace: namespace.clone(),
                value: value.clone(),
            })
            .collect(),
        firelens_configuration: s.firelens.clone(),
    }
}

fn linux_parameters(s: &Service) -> Option<LinuxParameters> {
    let caps = (!s.cap_add.is_empty() || !s.cap_drop.is_empty()).then(|| KernelCapabilities {
        add: s.cap_add.iter().map(|c| c.value.clone()).collect(),
        drop: s.cap_drop.clone(),
    });
    (s.init.is_some() || caps.is_some()).then_some(LinuxParameters {
        init_process_enabled: s.init,
        capabilities: caps,
    })
}

fn log_configuration(
    s: &Service,
    group: &str,
    prefix: &str,
    region: &str,
    diags: &mut Diagnostics,
) -> LogConfiguration {
    let driver = s.logging.driver.as_deref().unwrap_or("awslogs");
    if matches!(driver, "splunk" | "awsfirelens") {
        return LogConfiguration {
            log_driver: driver.into(),
            options: s.logging.options.clone(),
            secret_options: s.log_secret_options.clone(),
        };
    }
    let mut options: BTreeMap<String, String> = [
        ("awslogs-group", group),
        ("awslogs-region", region),
        ("awslogs-stream-prefix", prefix),
        ("awslogs-create-group", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if driver == "awslogs" {
        options.extend(s.logging.options.clone());
    } else {
        diags
            .unsupported(s.logging.loc.as_ref(), format!("log driver '{driver}' of service '{}' is not available on Fargate; awslogs is used", s.name))
            .hint("Fargate supports awslogs, splunk and awsfirelens");
    }
    LogConfiguration {
        log_driver: "awslogs".into(),
        options,
        secret_options: s.log_secret_options.clone(),
    }
}

/// The public services' ports: `--public`/`x-vanish public`, else every service with `ports`.
fn public_ports(spec: &Spec, diags: &mut Diagnostics) -> Vec<PublicPort> {
    let chosen: Vec<(&Service, Option<&Loc>)> = match &spec.settings.public {
        Some(list) => {
            let names: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
            list.iter()
                .filter_map(|p| match spec.services.iter().find(|s| s.name == p.value) {
                    Some(s) => Some((s, p.loc.as_ref())),
                    None => {
                        diags
                            .error(
                                p.loc.as_ref(),
                                format!("public service '{}' is not defined", p.value),
                            )
                            .hint(format!("the services are: {}", names.join(", ")))
                            .suggest(&p.value, &names);
                        None
                    }
                })
                .collect()
        }
        None => spec
            .services
            .iter()
            .filter(|s| s.public.unwrap_or(!s.ports.is_empty()))
            .map(|s| (s, s.loc.as_ref()))
            .collect(),
    };
    let mut out = Vec::new();
    for (s, loc) in chosen {
        let ports = if s.ports.is_empty() {
            &s.expose
        } else {
            &s.ports
        };
        if ports.is_empty() {
            diags
                .error(
                    loc.or(s.loc.as_ref()),
                    format!("service '{}' is public but has no ports", s.name),
                )
                .hint("add 'ports: [\"80\"]' to it");
        }
        out.extend(
            ports
                .iter()
                .filter(|p| p.value.protocol.as_str() == "tcp")
                .map(|p| PublicPort {
                    service: s.name.clone(),
                    port: p.value.port,
                }),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::diag::{Diagnostics, Severity};
    use crate::load::load_texts;
    use crate::plan::model::*;

    fn env() -> BTreeMap<String, String> {
        [
            ("CI_MERGE_REQUEST_IID", "42"),
            ("GITLAB_USER_LOGIN", "ann"),
            ("CI_COMMIT_REF_NAME", "feat/x"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    }

    /// The plan and the diagnostics as "severity: message @line:col".
    pub(super) fn run(compose: &str, params: Option<&str>) -> (Option<Plan>, Vec<String>) {
        let mut d = Diagnostics::new(false);
        let p = load_texts(compose, params, &env(), &mut d);
        let msgs = d
            .items()
            .iter()
            // The execution-role rule has its own tests (plan/rules.rs).
            .filter(|i| !i.message.starts_with("no task execution role"))
            .map(|i| {
                let sev = match i.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                };
                match &i.loc {
                    Some(l) => format!("{sev}: {} @{}:{}", i.message, l.line, l.col),
                    None => format!("{sev}: {}", i.message),
                }
            })
            .collect();
        (p, msgs)
    }

    fn errors(compose: &str, params: Option<&str>) -> Vec<String> {
        run(compose, params)
            .1
            .into_iter()
            .filter(|m| m.starts_with("error"))
            .collect()
    }

    fn container<'p>(p: &'p Plan, name: &str) -> &'p ContainerDefinition {
        p.register_task_definition
            .container_definitions
            .iter()
            .find(|c| c.name == name)
            .expect("container")
    }

    #[test]
    fn healthcheck_translation() {
        let table: &[(&str, Option<HealthCheck>)] = &[
            (
                "test: curl -f http://127.0.0.1/\n      interval: 1m\n      timeout: 5s\n      retries: 2\n      start_period: 0s",
                Some(HealthCheck {
                    command: vec!["CMD-SHELL".into(), "curl -f http://127.0.0.1/".into()],
                    interval: Some(60),
                    timeout: Some(5),
                    retries: Some(2),
                    start_period: Some(0),
                }),
            ),
            (
                "test: [\"CMD\", \"true\"]",
                Some(HealthCheck {
                    command: vec!["CMD".into(), "true".into()],
                    ..HealthCheck::default()
                }),
            ),
            (
                "test: [\"CMD-SHELL\", \"exit 0\"]",
                Some(HealthCheck {
                    command: vec!["CMD-SHELL".into(), "exit 0".into()],
                    ..HealthCheck::default()
                }),
            ),
            ("test: [\"NONE\"]", None),
            ("test: [\"CMD\", \"x\"]\n      disable: true", None),
        ];
        for (hc, want) in table {
            let compose = format!("services:\n  a:\n    image: x\n    healthcheck:\n      {hc}\n");
            let (p, msgs) = run(&compose, None);
            assert!(
                msgs.iter().all(|m| !m.starts_with("error")),
                "{hc}: {msgs:?}"
            );
            assert_eq!(
                &container(&p.expect("plan"), "a").health_check,
                want,
                "{hc}"
            );
        }
        let bad = errors(
            "services:\n  a:\n    image: x\n    healthcheck:\n      test: [\"curl\"]\n      interval: 1.5s\n      timeout: 1s\n",
            None,
        );
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(
            bad[0].contains("must start with CMD, CMD-SHELL or NONE @5:13"),
            "{bad:?}"
        );
        assert!(
            bad[1].contains("'interval'") && bad[1].contains("whole number of seconds"),
            "{bad:?}"
        );
        assert!(
            bad[2].contains("'timeout'") && bad[2].contains("2s to 60s"),
            "{bad:?}"
        );
    }

    #[test]
    fn depends_on_conditions() {
        let compose = "services:
  db:
    image: db
    healthcheck:
      test: pg_isready
  migrate:
    image: m
    depends_on: [db]
  app:
    image: a
    depends_on:
      db:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
  side:
    image: s
    depends_on:
      app:
        condition: service_started
";
        let (p, msgs) = run(compose, None);
        assert!(msgs.iter().all(|m| !m.starts_with("error")), "{msgs:?}");
        let p = p.expect("plan");
        let deps = |n: &str| -> Vec<(String, String)> {
            container(&p, n)
                .depends_on
                .iter()
                .map(|d| (d.container_name.clone(), d.condition.clone()))
                .collect()
        };
        assert_eq!(deps("migrate"), [("db".to_string(), "START".to_string())]);
        assert_eq!(
            deps("app"),
            [
                ("db".into(), "HEALTHY".into()),
                ("migrate".into(), "SUCCESS".into())
            ]
        );
        assert_eq!(deps("side"), [("app".to_string(), "START".to_string())]);
    }

    #[test]
    fn stop_timeout_is_capped_at_120() {
        for (grace, want, warned) in [("20s", 20, false), ("2m", 120, false), ("5m", 120, true)] {
            let compose =
                format!("services:\n  a:\n    image: x\n    stop_grace_period: {grace}\n");
            let (p, msgs) = run(&compose, None);
            assert_eq!(
                container(&p.expect("plan"), "a").stop_timeout,
                Some(want),
                "{grace}"
            );
            assert_eq!(
                msgs.iter()
                    .any(|m| m.starts_with("warning: stop_grace_period")),
                warned,
                "{grace}: {msgs:?}"
            );
        }
    }

    #[test]
    fn task_size_given_completed_or_derived() {
        let svc = |mem: &str| format!("services:\n  a:\n    image: x\n    mem_limit: {mem}\n");
        let params = |size: &str| format!("version: 1\ntask_definition:\n  task_size:\n{size}");
        type Case<'a> = (String, Option<String>, (&'a str, &'a str), Option<&'a str>);
        let table: &[Case] = &[
            (
                svc("256m"),
                None,
                ("256", "512"),
                Some("no task size given"),
            ),
            (
                svc("600m"),
                None,
                ("256", "1024"),
                Some("no task size given"),
            ),
            (
                svc("5g"),
                None,
                ("1024", "5120"),
                Some("no task size given"),
            ),
            (
                svc("256m"),
                Some(params("    cpu_limit: 1 vCPU\n")),
                ("1024", "2048"),
                Some("task memory not given"),
            ),
            (
                svc("256m"),
                Some(params("    mem_limit: 4GB\n")),
                ("512", "4096"),
                Some("task cpu not given"),
            ),
            (
                svc("256m"),
                Some(params("    cpu_limit: 4096\n    mem_limit: 30GB\n")),
                ("4096", "30720"),
                None,
            ),
            (
                svc("256m"),
                Some(params("    cpu_limit: 16 vCPU\n    mem_limit: 120GB\n")),
                ("16384", "122880"),
                None,
            ),
        ];
        for (compose, params, (cpu, mem), note) in table {
            let (p, msgs) = run(compose, params.as_deref());
            assert!(
                msgs.iter().all(|m| !m.starts_with("error")),
                "{compose}: {msgs:?}"
            );
            let p = p.expect("plan");
            assert_eq!(
                (
                    p.register_task_definition.cpu.as_str(),
                    p.register_task_definition.memory.as_str()
                ),
                (*cpu, *mem),
                "{compose} {params:?}"
            );
            assert_eq!(
                msgs.iter()
                    .any(|m| note.is_some_and(|n| m.starts_with(&format!("note: {n}")))),
                note.is_some(),
                "{msgs:?}"
            );
        }
        let bad = errors(
            &svc("256m"),
            Some(&params("    cpu_limit: 256\n    mem_limit: 4GB\n")),
        );
        assert_eq!(
            bad,
            ["error: cpu 256 with memory 4096 MiB is not a Fargate task size @5:16"]
        );
        let bad = errors(
            &svc("3g"),
            Some(&params("    cpu_limit: 512\n    mem_limit: 2GB\n")),
        );
        assert_eq!(
            bad,
            ["error: the containers reserve 3072 MiB, more than the task's 2048 MiB @5:16"]
        );
        let bad = errors(&svc("256m"), Some(&params("    cpu_limit: 300\n")));
        assert_eq!(bad, ["error: task cpu 300 is not a Fargate CPU size @4:16"]);
    }

    #[test]
    fn contract_goes_to_essential_containers_deadline_to_overrides() {
        let compose = "services:\n  app:\n    image: a\n    ports: [\"80\"]\n  job:\n    image: j\n    x-vanish:\n      essential: false\nx-vanish:\n  ttl: 30m\n  grace: 5s\n";
        let (p, msgs) = run(compose, None);
        assert!(msgs.iter().all(|m| !m.starts_with("error")), "{msgs:?}");
        let p = p.expect("plan");
        let env = |n: &str| -> Vec<String> {
            container(&p, n)
                .environment
                .iter()
                .map(|kv| format!("{}={}", kv.name, kv.value))
                .collect()
        };
        assert_eq!(env("app"), ["VANISH_GRACE=5s", "VANISH_TTL=30m"]);
        assert!(env("job").is_empty());
        let o = &p.run_task.overrides.container_overrides;
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].name, "app");
        assert_eq!(
            o[0].environment,
            [KeyValue {
                name: "VANISH_DEADLINE".into(),
                value: "2026-11-21T12:30:00Z".into()
            }]
        );
        assert_eq!(p.vanish.expires_at, "2026-11-21T12:30:00Z");
        assert_eq!(p.register_task_definition.family, "vanish-mr-42");
        let tags: Vec<String> = p
            .run_task
            .tags
            .iter()
            .map(|t| format!("{}={}", t.key, t.value))
            .collect();
        assert_eq!(
            tags,
            [
                "vanish:expires-at=2026-11-21T12:30:00Z",
                "vanish:name=mr-42",
                "vanish:ref=feat/x",
                "vanish:requested-by=ann",
                "vanish:ttl=30m"
            ]
        );
        assert_eq!(
            p.vanish.public,
            [PublicPort {
                service: "app".into(),
                port: 80
            }]
        );
    }

    #[test]
    fn cross_service_errors() {
        let many: String = (0..11)
            .map(|i| format!("  s{i}:\n    image: x\n"))
            .collect();
        let table: &[(String, &str)] = &[
            (format!("services:\n{many}"), "error: 11 services, but a Fargate task holds at most 10 containers @1:1"),
            ("services:\n  a:\n    image: x\n    x-vanish: {essential: false}\n".into(), "error: no service is essential, so the task would never stop on its own @4:27"),
            ("services:\n  a:\n    image: x\n    ports: [\"80\"]\n  b:\n    image: y\n    expose: [80]\n".into(), "error: container port 80/tcp of service 'b' is also used by service 'a' @7:14"),
            ("services:\n  a:\n    image: x\n    ports: [\"8080:80\"]\n".into(), "error: host port 8080 differs from container port 80 in '8080:80'; in awsvpc the host port must equal the container port in service 'a' @4:13"),
            ("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: y\n    depends_on: [a]\n".into(), "error: depends_on cycle: a -> b -> a @4:18"),
            ("services:\n  a:\n    image: x\n    depends_on: [wbe]\n  web:\n    image: y\n".into(), "error: service 'a' depends on 'wbe', which is not defined @4:18"),
            ("services:\n  a:\n    image: x\nx-vanish:\n  name: feat/x\n".into(), "error: the name 'feat/x' contains '/'; an ECS family allows only letters, digits, '-' and '_' @5:9"),
            ("services:\n  a:\n    image: ${IMAGE:?set IMAGE to the pushed tag}\n".into(), "error: required variable 'IMAGE' is not set: set IMAGE to the pushed tag @3:12"),
            ("services:\n  a:\n    image: x\n    healtcheck: {}\n".into(), "error: unknown key 'healtcheck' in service 'a' @4:5"),
            ("services:\n  a:\n    image: x\n    read_only: yes please\n".into(), "error: 'read_only' in service 'a' must be true or false, not a string @4:16"),
            ("services:\n  a:\n    command: [x]\n".into(), "error: service 'a' has no 'image' @2:3"),
            ("services:\n  my.app:\n    image: x\n".into(), "error: service name 'my.app' cannot be an ECS container name @2:3"),
        ];
        for (compose, want) in table {
            let errs = errors(compose, None);
            assert_eq!(errs, [*want], "{compose}");
        }
    }

    #[test]
    fn unsupported_keys_warn_and_strict_fails() {
        let compose = "services:\n  a:\n    image: x\n    build: .\n    privileged: true\n    volumes: [\"./src:/app\"]\n";
        let (p, msgs) = run(compose, None);
        assert!(p.is_some());
        assert_eq!(
            msgs.iter().filter(|m| m.starts_with("warning")).count(),
            3,
            "{msgs:?}"
        );
        let mut d = Diagnostics::new(true);
        load_texts(compose, None, &env(), &mut d);
        assert_eq!(
            d.items()
                .iter()
                .filter(|i| i.severity == Severity::Error)
                .filter(|i| !i.message.starts_with("no task execution role"))
                .count(),
            3
        );
    }

    #[test]
    fn one_file_form_and_params_precedence() {
        let compose = "services:
  web:
    image: w
    ports: [\"8080\"]
    x-vanish:
      mem_reservation: 128m
      secrets:
        - name: DB_PASSWORD
          value_from: arn:aws:ssm:eu-west-1:1:parameter/db
x-vanish:
  cluster: review
  capacity: spot
  task_size: {cpu_limit: 512, mem_limit: 2GB}
  subnets: [subnet-1]
  security_groups: [sg-1]
  assign_public_ip: DISABLED
  task_execution_role: arn:exec
";
        let params = "version: 1\ntask_definition:\n  task_size: {mem_limit: 1GB}\n  services:\n    web:\n      mem_reservation: 256m\n";
        let (p, msgs) = run(compose, Some(params));
        assert!(msgs.iter().all(|m| !m.starts_with("error")), "{msgs:?}");
        let p = p.expect("plan");
        assert_eq!(p.run_task.cluster, "review");
        assert_eq!(p.run_task.launch_type, None);
        assert_eq!(
            p.run_task.capacity_provider_strategy[0].capacity_provider,
            "FARGATE_SPOT"
        );
        assert_eq!(
            (
                p.register_task_definition.cpu.as_str(),
                p.register_task_definition.memory.as_str()
            ),
            ("512", "1024")
        );
        assert_eq!(
            container(&p, "web").memory_reservation,
            Some(128),
            "service x-vanish wins over ecs-params"
        );
        assert_eq!(container(&p, "web").secrets[0].name, "DB_PASSWORD");
        let net = &p.run_task.network_configuration.awsvpc_configuration;
        assert_eq!(
            (
                net.subnets.as_slice(),
                net.security_groups.as_slice(),
                net.assign_public_ip.as_str()
            ),
            (
                &["subnet-1".to_string()][..],
                &["sg-1".to_string()][..],
                "DISABLED"
            )
        );
        assert_eq!(
            p.register_task_definition.execution_role_arn.as_deref(),
            Some("arn:exec")
        );
    }
}

#[cfg(test)]
mod fidelity_tests {
    //! Issue 11 (compose/ecs-params fidelity) and the launcher side of idle expiry.
    use crate::plan::model::*;

    /// The same helper as the tests above (the execution-role rule is
    /// tested on its own in plan/rules.rs).
    use super::tests::run;

    fn env(p: &Plan, name: &str) -> Vec<String> {
        p.register_task_definition
            .container_definitions
            .iter()
            .find(|c| c.name == name)
            .expect("container")
            .environment
            .iter()
            .map(|kv| format!("{}={}", kv.name, kv.value))
            .collect()
    }

    #[test]
    fn idle_and_stop_signal_reach_the_containers() {
        let compose = "x-vanish:\n  idle: 15m\nservices:\n  app:\n    image: a\n    ports: [\"80\", \"443\"]\n    stop_signal: SIGQUIT\n  job:\n    image: j\n    x-vanish: {essential: false}\n";
        let (p, msgs) = run(compose, None);
        assert!(msgs.iter().all(|m| !m.starts_with("error")), "{msgs:?}");
        let p = p.expect("plan");
        assert_eq!(
            env(&p, "app"),
            [
                "VANISH_GRACE=10s",
                "VANISH_IDLE=15m",
                "VANISH_IDLE_PORTS=80,443",
                "VANISH_STOP_SIGNAL=SIGQUIT",
                "VANISH_TTL=2h"
            ]
        );
        assert!(env(&p, "job").is_empty());
        assert!(
            msgs.iter().any(
                |m| m.starts_with("note: ECS always stops containers with SIGTERM")
                    && m.ends_with("@7:18")
            ),
            "{msgs:?}"
        );
        // Without idle, nothing is added: the task definition of existing specs is unchanged.
        let (p, _) = run("services:\n  app:\n    image: a\n", None);
        assert_eq!(
            env(&p.expect("plan"), "app"),
            ["VANISH_GRACE=10s", "VANISH_TTL=2h"]
        );
    }

    #[test]
    fn memory_limit_must_exceed_the_reservation() {
        let (_, msgs) = run(
            "services:\n  a:\n    image: x\n    mem_limit: 256m\n    mem_reservation: 512m\n",
            None,
        );
        assert_eq!(
            msgs.iter()
                .filter(|m| m.starts_with("error"))
                .collect::<Vec<_>>(),
            ["error: service 'a' reserves 512 MiB of memory, more than its limit of 256 MiB @5:22"]
        );
        let (p, msgs) = run(
            "services:\n  a:\n    image: x\n    mem_limit: 256m\n    mem_reservation: 256m\n",
            None,
        );
        let c = &p
            .expect("plan")
            .register_task_definition
            .container_definitions[0];
        assert_eq!((c.memory, c.memory_reservation), (Some(256), None));
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("note: service 'a' reserves all of its 256 MiB")),
            "{msgs:?}"
        );
        // x-vanish (the ecs-params schema): bytes like ecs-cli.
        let (p, msgs) = run(
            "services:\n  a:\n    image: x\n    x-vanish: {mem_limit: 268435456}\n",
            None,
        );
        assert!(msgs.iter().all(|m| !m.starts_with("error")), "{msgs:?}");
        assert_eq!(
            p.expect("plan")
                .register_task_definition
                .container_definitions[0]
                .memory,
            Some(256)
        );
    }

    #[test]
    fn x_vanish_healthcheck_uses_the_shared_ranges() {
        let (_, msgs) = run(
            "services:\n  a:\n    image: x\n    x-vanish:\n      healthcheck: {test: [\"CMD\", \"true\"], interval: 10m, timeout: 1}\n",
            None,
        );
        let errs: Vec<&String> = msgs.iter().filter(|m| m.starts_with("error")).collect();
        assert_eq!(errs.len(), 2, "{msgs:?}");
        assert!(
            errs[0].contains("'interval'") && errs[0].contains("600s; ECS accepts 5s to 300s"),
            "{errs:?}"
        );
        assert!(
            errs[1].contains("'timeout'") && errs[1].contains("1s; ECS accepts 2s to 60s"),
            "{errs:?}"
        );
    }

    #[test]
    fn sibling_hosts_warn_or_rewrite() {
        let compose = "services:\n  db:\n    image: postgres\n  web:\n    image: w\n    environment:\n      DATABASE_URL: postgres://u:p@db/x\n      DB_HOST: db\n      POSTGRES_USER: db\n";
        let (p, msgs) = run(compose, None);
        let warns: Vec<&String> = msgs.iter().filter(|m| m.starts_with("warning")).collect();
        assert_eq!(warns.len(), 2, "{msgs:?}");
        assert!(warns[0].starts_with("warning: DATABASE_URL of service 'web' is 'postgres://u:p@db/x', which names service 'db' as a host") && warns[0].ends_with("@7:21"), "{warns:?}");
        assert!(warns[1].ends_with("@8:16"), "{warns:?}");
        assert!(env(&p.expect("plan"), "web").contains(&"DB_HOST=db".to_string()));
        let (p, msgs) = run(
            &format!("x-vanish: {{rewrite_hosts: true}}\n{compose}"),
            None,
        );
        assert!(msgs.iter().all(|m| !m.starts_with("warning")), "{msgs:?}");
        assert_eq!(
            msgs.iter()
                .filter(|m| m.starts_with("note: DATABASE_URL") || m.starts_with("note: DB_HOST"))
                .count(),
            2,
            "{msgs:?}"
        );
        let e = env(&p.expect("plan"), "web");
        assert!(
            e.contains(&"DATABASE_URL=postgres://u:p@localhost/x".to_string()),
            "{e:?}"
        );
        assert!(
            e.contains(&"DB_HOST=localhost".to_string())
                && e.contains(&"POSTGRES_USER=db".to_string()),
            "{e:?}"
        );
    }

    #[test]
    fn derived_task_size_counts_containers_without_memory() {
        let three: String = ["es", "ls", "kb"]
            .iter()
            .map(|n| format!("  {n}:\n    image: {n}\n"))
            .collect();
        let (p, msgs) = run(&format!("services:\n{three}"), None);
        let p = p.expect("plan");
        assert_eq!(
            (
                p.register_task_definition.cpu.as_str(),
                p.register_task_definition.memory.as_str()
            ),
            ("256", "2048")
        );
        assert!(
            msgs.iter().any(|m| m.contains(
                "(3 containers counted at 512 MiB each, having no memory setting: es, ls, kb) @2:3"
            )),
            "{msgs:?}"
        );
        // With a task memory, nothing is defaulted.
        let (p, _) = run(
            &format!("x-vanish: {{task_size: {{mem_limit: 1GB}}}}\nservices:\n{three}"),
            None,
        );
        assert_eq!(p.expect("plan").register_task_definition.memory, "1024");
    }
}

#[cfg(test)]
mod public_tests {
    use std::collections::BTreeMap;

    use crate::diag::Diagnostics;
    use crate::load::load_texts;
    use crate::plan::model::PublicPort;

    #[test]
    fn which_services_are_public() {
        let base = "services:\n  web:\n    image: w\n    ports: [\"80\", \"53/udp\"]\n  api:\n    image: a\n    expose: [8000]\n";
        let pp = |s: &str, p: u16| PublicPort {
            service: s.into(),
            port: p,
        };
        let table: Vec<(String, Vec<PublicPort>)> = vec![
            (base.to_string(), vec![pp("web", 80)]),
            (
                format!("{base}x-vanish:\n  public: [api]\n"),
                vec![pp("api", 8000)],
            ),
            (
                base.replace(
                    "ports: [\"80\", \"53/udp\"]",
                    "ports: [\"80\"]\n    x-vanish: {public: false}",
                ),
                vec![],
            ),
            (
                base.replace(
                    "expose: [8000]",
                    "expose: [8000]\n    x-vanish: {public: true}",
                ),
                vec![pp("web", 80), pp("api", 8000)],
            ),
        ];
        for (compose, want) in table {
            let mut d = Diagnostics::new(false);
            let compose =
                format!("{compose}x-vanish:\n  task_execution_role: arn:aws:iam::1:role/x\n");
            let compose = compose.replace(
                "x-vanish:\n  public: [api]\nx-vanish:",
                "x-vanish:\n  public: [api]",
            );
            let p = load_texts(&compose, None, &BTreeMap::new(), &mut d).expect("plan");
            assert!(!d.has_errors(), "{compose}: {:?}", d.items());
            assert_eq!(p.vanish.public, want, "{compose}");
        }
    }
}
