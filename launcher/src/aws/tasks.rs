//! The ECS/EC2 calls the launch and logs engines make beyond `ecs.rs` and
//! `ec2.rs`: the current task definition (for the churn check), the
//! container definitions of a revision (for logs), a task found by its
//! launch tag (in-flight recovery), one task's ENI.
//!
//! Invariants: thin (no decisions beyond "not found" → `None`); every error
//! goes through `error::classify` with its IAM action.

use aws_sdk_ec2::types::NetworkInterface;
use aws_sdk_ecs::types as t;
use tracing::debug;

use super::error::classify;
use super::{Clients, ec2, ecs};
use crate::exit::Failure;
use crate::plan::model as m;

/// The latest ACTIVE revision of `family` in the Plan's types, with its ARN;
/// `None` when the family was never registered or has no ACTIVE revision.
pub async fn current_task_definition(
    clients: &Clients,
    family: &str,
) -> Result<Option<(m::RegisterTaskDefinition, String)>, Failure> {
    debug!(call = "ecs:DescribeTaskDefinition", family, "aws call");
    let current = clients
        .ecs
        .describe_task_definition()
        .task_definition(family)
        .include(t::TaskDefinitionField::Tags)
        .send()
        .await;
    match current {
        Ok(out) => {
            let tags = out.tags().to_vec();
            Ok(out
                .task_definition
                .filter(|td| td.status() == Some(&t::TaskDefinitionStatus::Active))
                .map(|td| {
                    (
                        ecs::from_sdk_task_definition(&td, &tags),
                        td.task_definition_arn().unwrap_or_default().to_string(),
                    )
                }))
        }
        // ECS answers ClientException ("Unable to describe task definition")
        // for a family that was never registered.
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_client_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(classify("ecs:DescribeTaskDefinition", e)),
    }
}

/// The container definitions of a task definition (name or ARN).
pub async fn container_definitions(
    clients: &Clients,
    task_definition: &str,
) -> Result<Vec<t::ContainerDefinition>, Failure> {
    debug!(
        call = "ecs:DescribeTaskDefinition",
        task_definition, "aws call"
    );
    let out = clients
        .ecs
        .describe_task_definition()
        .task_definition(task_definition)
        .send()
        .await
        .map_err(|e| classify("ecs:DescribeTaskDefinition", e))?;
    Ok(out
        .task_definition
        .map(|td| td.container_definitions().to_vec())
        .unwrap_or_default())
}

/// The tasks vanish started in `cluster` (desired RUNNING) whose tag `key`
/// has `value`.
pub async fn find_by_tag(
    clients: &Clients,
    cluster: &str,
    key: &str,
    value: &str,
) -> Result<Vec<t::Task>, Failure> {
    let tasks = ecs::list_vanish_tasks(&clients.ecs, cluster).await?;
    Ok(tasks
        .into_iter()
        .filter(|task| {
            task.tags()
                .iter()
                .any(|x| x.key() == Some(key) && x.value() == Some(value))
        })
        .collect())
}

/// One ENI, or `None` while EC2 does not know it (yet: eventual
/// consistency, or no longer): the filter query leaves a missing id out.
pub async fn eni(clients: &Clients, id: &str) -> Result<Option<NetworkInterface>, Failure> {
    Ok(ec2::network_interfaces(&clients.ec2, &[id.to_owned()])
        .await?
        .into_iter()
        .next())
}

/// Whether a classified failure is AWS throttling (after the SDK's retries).
pub fn is_throttled(f: &Failure) -> bool {
    ["ThrottlingException", "RequestLimitExceeded", "Throttling:"]
        .iter()
        .any(|c| f.message.contains(c))
}
