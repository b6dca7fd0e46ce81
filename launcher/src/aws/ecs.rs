//! ECS calls and the mapping between the Plan's types and the SDK's.
//!
//! Invariants:
//! - `to_sdk_*` maps every field the Plan carries; `from_sdk_task_definition`
//!   maps the same fields back, so `churn::diff` can compare like with like.
//! - Every call's error goes through `error::classify` with its IAM action.
//! - Listing is paginated (ListTasks) and described in batches of at most 100
//!   (DescribeTasks' limit), with tags.

use std::collections::HashMap;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types as t;
use tracing::debug;

use super::error::classify;
use crate::exit::{Exit, Failure};
use crate::plan::model as m;

/// DescribeTasks' batch limit.
pub const DESCRIBE_BATCH: usize = 100;

fn bad(what: &str, e: impl std::fmt::Display) -> Failure {
    Failure::new(Exit::BadInput, format!("invalid plan: {what}: {e}"))
}

fn kv(k: &m::KeyValue) -> t::KeyValuePair {
    t::KeyValuePair::builder()
        .name(&k.name)
        .value(&k.value)
        .build()
}

fn secret(s: &m::Secret) -> Result<t::Secret, Failure> {
    t::Secret::builder()
        .name(&s.name)
        .value_from(&s.value_from)
        .build()
        .map_err(|e| bad("secret", e))
}

fn container(c: &m::ContainerDefinition) -> Result<t::ContainerDefinition, Failure> {
    let mut b = t::ContainerDefinition::builder()
        .name(&c.name)
        .image(&c.image)
        .essential(c.essential)
        .set_entry_point((!c.entry_point.is_empty()).then(|| c.entry_point.clone()))
        .set_command((!c.command.is_empty()).then(|| c.command.clone()))
        .set_environment(
            (!c.environment.is_empty()).then(|| c.environment.iter().map(kv).collect()),
        )
        .set_working_directory(c.working_directory.clone())
        .set_user(c.user.clone())
        .set_stop_timeout(c.stop_timeout)
        .set_readonly_root_filesystem(c.readonly_root_filesystem)
        .set_memory(c.memory)
        .set_memory_reservation(c.memory_reservation)
        .set_cpu(c.cpu);
    for s in &c.secrets {
        b = b.secrets(secret(s)?);
    }
    for p in &c.port_mappings {
        b = b.port_mappings(
            t::PortMapping::builder()
                .container_port(p.container_port)
                .host_port(p.host_port)
                .protocol(t::TransportProtocol::from(p.protocol.as_str()))
                .set_name(p.name.clone())
                .build(),
        );
    }
    if let Some(h) = &c.health_check {
        b = b.health_check(
            t::HealthCheck::builder()
                .set_command(Some(h.command.clone()))
                .set_interval(h.interval)
                .set_timeout(h.timeout)
                .set_retries(h.retries)
                .set_start_period(h.start_period)
                .build()
                .map_err(|e| bad("healthCheck", e))?,
        );
    }
    for d in &c.depends_on {
        b = b.depends_on(
            t::ContainerDependency::builder()
                .container_name(&d.container_name)
                .condition(t::ContainerCondition::from(d.condition.as_str()))
                .build()
                .map_err(|e| bad("dependsOn", e))?,
        );
    }
    for u in &c.ulimits {
        b = b.ulimits(
            t::Ulimit::builder()
                .name(t::UlimitName::from(u.name.as_str()))
                .soft_limit(u.soft_limit)
                .hard_limit(u.hard_limit)
                .build()
                .map_err(|e| bad("ulimits", e))?,
        );
    }
    if let Some(l) = &c.linux_parameters {
        b = b.linux_parameters(
            t::LinuxParameters::builder()
                .set_init_process_enabled(l.init_process_enabled)
                .set_capabilities(l.capabilities.as_ref().map(|k| {
                    t::KernelCapabilities::builder()
                        .set_add((!k.add.is_empty()).then(|| k.add.clone()))
                        .set_drop((!k.drop.is_empty()).then(|| k.drop.clone()))
                        .build()
                }))
                .build(),
        );
    }
    b = b
        .set_pseudo_terminal(c.pseudo_terminal)
        .set_interactive(c.interactive);
    for v in &c.volumes_from {
        b = b.volumes_from(
            t::VolumeFrom::builder()
                .source_container(&v.source_container)
                .set_read_only(v.read_only)
                .build(),
        );
    }
    for sc in &c.system_controls {
        b = b.system_controls(
            t::SystemControl::builder()
                .namespace(&sc.namespace)
                .value(&sc.value)
                .build(),
        );
    }
    if let Some(f) = &c.firelens_configuration {
        b = b.firelens_configuration(
            t::FirelensConfiguration::builder()
                .r#type(t::FirelensConfigurationType::from(f.kind.as_str()))
                .set_options((!f.options.is_empty()).then(|| {
                    f.options
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<HashMap<_, _>>()
                }))
                .build()
                .map_err(|e| bad("firelensConfiguration", e))?,
        );
    }
    if !c.docker_labels.is_empty() {
        b = b.set_docker_labels(Some(
            c.docker_labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ));
    }
    if let Some(l) = &c.log_configuration {
        let mut lb = t::LogConfiguration::builder()
            .log_driver(t::LogDriver::from(l.log_driver.as_str()))
            .set_options((!l.options.is_empty()).then(|| {
                l.options
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<HashMap<_, _>>()
            }));
        for s in &l.secret_options {
            lb = lb.secret_options(secret(s)?);
        }
        b = b.log_configuration(lb.build().map_err(|e| bad("logConfiguration", e))?);
    }
    if let Some(r) = &c.repository_credentials {
        b = b.repository_credentials(
            t::RepositoryCredentials::builder()
                .credentials_parameter(&r.credentials_parameter)
                .build()
                .map_err(|e| bad("repositoryCredentials", e))?,
        );
    }
    for mp in &c.mount_points {
        b = b.mount_points(
            t::MountPoint::builder()
                .source_volume(&mp.source_volume)
                .container_path(&mp.container_path)
                .set_read_only(mp.read_only)
                .build(),
        );
    }
    Ok(b.build())
}

fn volume(v: &m::Volume) -> Result<t::Volume, Failure> {
    let mut b = t::Volume::builder().name(&v.name);
    if let Some(e) = &v.efs_volume_configuration {
        let auth = e.authorization_config.as_ref().map(|a| {
            t::EfsAuthorizationConfig::builder()
                .set_access_point_id(a.access_point_id.clone())
                .set_iam(a.iam.as_deref().map(t::EfsAuthorizationConfigIam::from))
                .build()
        });
        b = b.efs_volume_configuration(
            t::EfsVolumeConfiguration::builder()
                .file_system_id(&e.file_system_id)
                .set_root_directory(e.root_directory.clone())
                .set_transit_encryption(
                    e.transit_encryption
                        .as_deref()
                        .map(t::EfsTransitEncryption::from),
                )
                .set_transit_encryption_port(e.transit_encryption_port)
                .set_authorization_config(auth)
                .build()
                .map_err(|e| bad("efsVolumeConfiguration", e))?,
        );
    }
    Ok(b.build())
}

fn tag(x: &m::Tag) -> t::Tag {
    t::Tag::builder().key(&x.key).value(&x.value).build()
}

/// Registers the Plan's task definition; returns the new revision's ARN.
pub async fn register(ecs: &Client, td: &m::RegisterTaskDefinition) -> Result<String, Failure> {
    let mut req = ecs
        .register_task_definition()
        .family(&td.family)
        .set_task_role_arn(td.task_role_arn.clone())
        .set_execution_role_arn(td.execution_role_arn.clone())
        .network_mode(t::NetworkMode::from(td.network_mode.as_str()))
        .cpu(&td.cpu)
        .memory(&td.memory);
    for c in &td.container_definitions {
        req = req.container_definitions(container(c)?);
    }
    for v in &td.volumes {
        req = req.volumes(volume(v)?);
    }
    for r in &td.requires_compatibilities {
        req = req.requires_compatibilities(t::Compatibility::from(r.as_str()));
    }
    if let Some(p) = &td.runtime_platform {
        req = req.runtime_platform(
            t::RuntimePlatform::builder()
                .cpu_architecture(t::CpuArchitecture::from(p.cpu_architecture.as_str()))
                .operating_system_family(t::OsFamily::from(p.operating_system_family.as_str()))
                .build(),
        );
    }
    for x in &td.tags {
        req = req.tags(tag(x));
    }
    req = req.set_pid_mode(td.pid_mode.as_deref().map(t::PidMode::from));
    debug!(call = "ecs:RegisterTaskDefinition", family = %td.family, "aws call");
    let out = req
        .send()
        .await
        .map_err(|e| classify("ecs:RegisterTaskDefinition", e))?;
    out.task_definition
        .and_then(|td| td.task_definition_arn)
        .ok_or_else(|| Failure::new(Exit::Aws, "RegisterTaskDefinition answered without an ARN"))
}

/// RunTask for the Plan, pinned to `task_definition` (an ARN with revision).
pub async fn run_task(
    ecs: &Client,
    rt: &m::RunTask,
    task_definition: &str,
    client_token: &str,
) -> Result<aws_sdk_ecs::operation::run_task::RunTaskOutput, Failure> {
    let net = &rt.network_configuration.awsvpc_configuration;
    let vpc = t::AwsVpcConfiguration::builder()
        .set_subnets(Some(net.subnets.clone()))
        .set_security_groups((!net.security_groups.is_empty()).then(|| net.security_groups.clone()))
        .assign_public_ip(t::AssignPublicIp::from(net.assign_public_ip.as_str()))
        .build()
        .map_err(|e| bad("awsvpcConfiguration", e))?;
    let mut overrides = t::TaskOverride::builder();
    for o in &rt.overrides.container_overrides {
        overrides = overrides.container_overrides(
            t::ContainerOverride::builder()
                .name(&o.name)
                .set_command(o.command.clone())
                .set_environment(
                    (!o.environment.is_empty()).then(|| o.environment.iter().map(kv).collect()),
                )
                .build(),
        );
    }
    let mut req = ecs
        .run_task()
        .cluster(&rt.cluster)
        .task_definition(task_definition)
        .set_launch_type(rt.launch_type.as_deref().map(t::LaunchType::from))
        .set_platform_version(rt.platform_version.clone())
        .network_configuration(
            t::NetworkConfiguration::builder()
                .awsvpc_configuration(vpc)
                .build(),
        )
        .overrides(overrides.build())
        .enable_execute_command(rt.enable_execute_command)
        .started_by(&rt.started_by)
        .client_token(client_token)
        .count(1);
    for s in &rt.capacity_provider_strategy {
        req = req.capacity_provider_strategy(
            t::CapacityProviderStrategyItem::builder()
                .capacity_provider(&s.capacity_provider)
                .weight(s.weight)
                .set_base(s.base)
                .build()
                .map_err(|e| bad("capacityProviderStrategy", e))?,
        );
    }
    for x in &rt.tags {
        req = req.tags(tag(x));
    }
    if let Some(p) = &rt.propagate_tags {
        req = req.propagate_tags(t::PropagateTags::from(p.as_str()));
    }
    debug!(call = "ecs:RunTask", cluster = %rt.cluster, task_definition, "aws call");
    req.send().await.map_err(|e| classify("ecs:RunTask", e))
}

/// DescribeTasks for up to 100 ARNs, with tags.
pub async fn describe_tasks(
    ecs: &Client,
    cluster: &str,
    arns: &[String],
) -> Result<Vec<t::Task>, Failure> {
    debug!(
        call = "ecs:DescribeTasks",
        cluster,
        count = arns.len(),
        "aws call"
    );
    let out = ecs
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(arns.to_vec()))
        .include(t::TaskField::Tags)
        .send()
        .await
        .map_err(|e| classify("ecs:DescribeTasks", e))?;
    Ok(out.tasks.unwrap_or_default())
}

/// Every task vanish started in `cluster` that is meant to run (desired
/// status RUNNING), described with tags: ListTasks paginated, DescribeTasks
/// in batches of 100.
pub async fn list_vanish_tasks(ecs: &Client, cluster: &str) -> Result<Vec<t::Task>, Failure> {
    list_vanish_tasks_by(ecs, cluster, t::DesiredStatus::Running).await
}

/// The ListTasks filter for vanish's tasks with the given desired status.
/// The API reference: "When you specify startedBy as the filter, it must be
/// the only filter that you use" (and the default status filter is
/// RUNNING). So RUNNING is asked by `startedBy` alone; STOPPED by
/// `desiredStatus` alone, and `startedBy` is then checked on the described
/// tasks (`keep`), as is the desired status in both cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    pub started_by: Option<&'static str>,
    pub desired_status: Option<t::DesiredStatus>,
}

/// The one filter ListTasks gets for `desired` (see [`ListFilter`]).
pub fn list_filter(desired: &t::DesiredStatus) -> ListFilter {
    if *desired == t::DesiredStatus::Running {
        ListFilter {
            started_by: Some(crate::contract::STARTED_BY),
            desired_status: None,
        }
    } else {
        ListFilter {
            started_by: None,
            desired_status: Some(desired.clone()),
        }
    }
}

/// Whether a described task is one of vanish's with the desired status:
/// what the server did not filter (`filter`) is checked here. A desired
/// status the answer leaves out is not held against the task.
pub fn keep(task: &t::Task, filter: &ListFilter, desired: &t::DesiredStatus) -> bool {
    let by = filter.started_by.is_some() || task.started_by() == Some(crate::contract::STARTED_BY);
    let status = filter.desired_status.is_some()
        || task.desired_status().is_none_or(|d| d == desired.as_str());
    by && status
}

/// As [`list_vanish_tasks`], for the given desired status (STOPPED: the
/// tasks ECS still remembers, about an hour after they stopped).
pub async fn list_vanish_tasks_by(
    ecs: &Client,
    cluster: &str,
    desired: t::DesiredStatus,
) -> Result<Vec<t::Task>, Failure> {
    let filter = list_filter(&desired);
    let mut arns = Vec::new();
    let mut token: Option<String> = None;
    loop {
        debug!(call = "ecs:ListTasks", cluster, ?filter, "aws call");
        let out = ecs
            .list_tasks()
            .cluster(cluster)
            .set_started_by(filter.started_by.map(str::to_string))
            .set_desired_status(filter.desired_status.clone())
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| classify("ecs:ListTasks", e))?;
        arns.extend(out.task_arns.unwrap_or_default());
        match out.next_token {
            Some(n) if !n.is_empty() => token = Some(n),
            _ => break,
        }
    }
    let mut tasks = Vec::with_capacity(arns.len());
    for batch in arns.chunks(DESCRIBE_BATCH) {
        tasks.extend(
            describe_tasks(ecs, cluster, batch)
                .await?
                .into_iter()
                .filter(|t| keep(t, &filter, &desired)),
        );
    }
    Ok(tasks)
}

/// StopTask with a reason.
pub async fn stop_task(
    ecs: &Client,
    cluster: &str,
    arn: &str,
    reason: &str,
) -> Result<(), Failure> {
    debug!(
        call = "ecs:StopTask",
        cluster,
        task = arn,
        reason,
        "aws call"
    );
    ecs.stop_task()
        .cluster(cluster)
        .task(arn)
        .reason(reason)
        .send()
        .await
        .map_err(|e| classify("ecs:StopTask", e))?;
    Ok(())
}

fn kv_back(k: &t::KeyValuePair) -> m::KeyValue {
    m::KeyValue {
        name: k.name().unwrap_or_default().to_string(),
        value: k.value().unwrap_or_default().to_string(),
    }
}

fn secret_back(s: &t::Secret) -> m::Secret {
    m::Secret {
        name: s.name().to_string(),
        value_from: s.value_from().to_string(),
    }
}

/// The SDK's task definition in the Plan's types (the fields the Plan sets),
/// for `churn::diff`.
pub fn from_sdk_task_definition(
    td: &t::TaskDefinition,
    tags: &[t::Tag],
) -> m::RegisterTaskDefinition {
    m::RegisterTaskDefinition {
        family: td.family().unwrap_or_default().to_string(),
        task_role_arn: td.task_role_arn().map(str::to_string),
        execution_role_arn: td.execution_role_arn().map(str::to_string),
        network_mode: td
            .network_mode()
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
        container_definitions: td
            .container_definitions()
            .iter()
            .map(container_back)
            .collect(),
        volumes: td
            .volumes()
            .iter()
            .map(|v| m::Volume {
                name: v.name().unwrap_or_default().to_string(),
                efs_volume_configuration: v.efs_volume_configuration().map(|e| {
                    m::EfsVolumeConfiguration {
                        file_system_id: e.file_system_id().to_string(),
                        root_directory: e.root_directory().map(str::to_string),
                        transit_encryption: e.transit_encryption().map(|x| x.as_str().to_string()),
                        transit_encryption_port: e.transit_encryption_port(),
                        authorization_config: e.authorization_config().map(|a| {
                            m::EfsAuthorizationConfig {
                                access_point_id: a.access_point_id().map(str::to_string),
                                iam: a.iam().map(|x| x.as_str().to_string()),
                            }
                        }),
                    }
                }),
            })
            .collect(),
        requires_compatibilities: td
            .requires_compatibilities()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        cpu: td.cpu().unwrap_or_default().to_string(),
        memory: td.memory().unwrap_or_default().to_string(),
        runtime_platform: td.runtime_platform().map(|p| m::RuntimePlatform {
            cpu_architecture: p
                .cpu_architecture()
                .map(|x| x.as_str().to_string())
                .unwrap_or_default(),
            operating_system_family: p
                .operating_system_family()
                .map(|x| x.as_str().to_string())
                .unwrap_or_default(),
        }),
        tags: tags
            .iter()
            .map(|x| m::Tag {
                key: x.key().unwrap_or_default().to_string(),
                value: x.value().unwrap_or_default().to_string(),
            })
            .collect(),
        pid_mode: td.pid_mode().map(|p| p.as_str().to_string()),
    }
}

fn container_back(c: &t::ContainerDefinition) -> m::ContainerDefinition {
    m::ContainerDefinition {
        name: c.name().unwrap_or_default().to_string(),
        image: c.image().unwrap_or_default().to_string(),
        essential: c.essential().unwrap_or(true),
        entry_point: c.entry_point().to_vec(),
        command: c.command().to_vec(),
        environment: c.environment().iter().map(kv_back).collect(),
        secrets: c.secrets().iter().map(secret_back).collect(),
        port_mappings: c
            .port_mappings()
            .iter()
            .map(|p| m::PortMapping {
                container_port: p.container_port().unwrap_or_default(),
                host_port: p.host_port().unwrap_or_default(),
                protocol: p
                    .protocol()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                name: p.name().map(str::to_string),
            })
            .collect(),
        health_check: c.health_check().map(|h| m::HealthCheck {
            command: h.command().to_vec(),
            interval: h.interval(),
            timeout: h.timeout(),
            retries: h.retries(),
            start_period: h.start_period(),
        }),
        depends_on: c
            .depends_on()
            .iter()
            .map(|d| m::ContainerDependency {
                container_name: d.container_name().to_string(),
                condition: d.condition().as_str().to_string(),
            })
            .collect(),
        working_directory: c.working_directory().map(str::to_string),
        user: c.user().map(str::to_string),
        stop_timeout: c.stop_timeout(),
        ulimits: c
            .ulimits()
            .iter()
            .map(|u| m::Ulimit {
                name: u.name().as_str().to_string(),
                soft_limit: u.soft_limit(),
                hard_limit: u.hard_limit(),
            })
            .collect(),
        readonly_root_filesystem: c.readonly_root_filesystem(),
        linux_parameters: c.linux_parameters().map(|l| m::LinuxParameters {
            init_process_enabled: l.init_process_enabled(),
            capabilities: l.capabilities().map(|k| m::KernelCapabilities {
                add: k.add().to_vec(),
                drop: k.drop().to_vec(),
            }),
        }),
        docker_labels: c
            .docker_labels()
            .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        log_configuration: c.log_configuration().map(|l| m::LogConfiguration {
            log_driver: l.log_driver().as_str().to_string(),
            options: l
                .options()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            secret_options: l.secret_options().iter().map(secret_back).collect(),
        }),
        cpu: Some(c.cpu()),
        memory: c.memory(),
        memory_reservation: c.memory_reservation(),
        repository_credentials: c
            .repository_credentials()
            .map(|r| m::RepositoryCredentials {
                credentials_parameter: r.credentials_parameter().to_string(),
            }),
        mount_points: c
            .mount_points()
            .iter()
            .map(|mp| m::MountPoint {
                source_volume: mp.source_volume().unwrap_or_default().to_string(),
                container_path: mp.container_path().unwrap_or_default().to_string(),
                read_only: mp.read_only(),
            })
            .collect(),
        volumes_from: c
            .volumes_from()
            .iter()
            .map(|v| m::VolumeFrom {
                source_container: v.source_container().unwrap_or_default().to_string(),
                read_only: v.read_only(),
            })
            .collect(),
        pseudo_terminal: c.pseudo_terminal(),
        interactive: c.interactive(),
        system_controls: c
            .system_controls()
            .iter()
            .map(|s| m::SystemControl {
                namespace: s.namespace().unwrap_or_default().to_string(),
                value: s.value().unwrap_or_default().to_string(),
            })
            .collect(),
        firelens_configuration: c
            .firelens_configuration()
            .map(|f| m::FirelensConfiguration {
                kind: f.r#type().as_str().to_string(),
                options: f
                    .options()
                    .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn started_by_is_the_only_filter() {
        let running = list_filter(&t::DesiredStatus::Running);
        assert_eq!(running.started_by, Some("vanish"));
        assert_eq!(running.desired_status, None);
        let stopped = list_filter(&t::DesiredStatus::Stopped);
        assert_eq!(stopped.started_by, None);
        assert_eq!(stopped.desired_status, Some(t::DesiredStatus::Stopped));
    }

    #[test]
    fn keep_checks_client_side_what_the_server_did_not_filter() {
        let task = |by: &str, desired: &str| {
            t::Task::builder()
                .started_by(by)
                .desired_status(desired)
                .build()
        };
        let run = t::DesiredStatus::Running;
        let stop = t::DesiredStatus::Stopped;
        let (frun, fstop) = (list_filter(&run), list_filter(&stop));
        // RUNNING: the server filtered startedBy; the desired status is checked here.
        assert!(keep(&task("vanish", "RUNNING"), &frun, &run));
        assert!(!keep(&task("vanish", "STOPPED"), &frun, &run));
        // STOPPED: the server filtered the desired status; startedBy is checked here.
        assert!(!keep(&task("someone-else", "STOPPED"), &fstop, &stop));
        assert!(keep(&task("vanish", "STOPPED"), &fstop, &stop));
    }
}
