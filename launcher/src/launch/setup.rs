//! Setup before RunTask: the network (the default VPC when the plan names
//! no subnets) and the task definition (registered only when changed).
//!
//! Invariants:
//! - The two are independent and run concurrently: the critical path
//!   before RunTask is the longer of them (at most DescribeVpcs →
//!   DescribeSubnets → DescribeSecurityGroups, or DescribeTaskDefinition →
//!   RegisterTaskDefinition).
//! - A failure of either is the setup's failure; nothing is launched.
//! - Each AWS call (or chain of them) is listed in the `Tracker` while in
//!   flight, so that a deadline can name what it cut short.

use tracing::info;

use super::calls::Tracker;
use crate::aws::{Clients, ec2, ecs, tasks};
use crate::churn;
use crate::exit::{Exit, Failure};
use crate::plan::Plan;

/// Resolves the network into `plan` and returns the task definition ARN to run.
pub async fn prepare(
    clients: &Clients,
    plan: &mut Plan,
    calls: &Tracker,
) -> Result<String, Failure> {
    let Plan {
        register_task_definition,
        run_task,
        ..
    } = plan;
    let net = &mut run_task.network_configuration.awsvpc_configuration;
    let (network, td) = tokio::join!(
        resolve_network(clients, net, calls),
        register_without_churn(clients, register_task_definition, calls)
    );
    network?;
    td
}

/// Fills in the network from the default VPC when the plan names none.
pub async fn resolve_network(
    clients: &Clients,
    net: &mut crate::plan::model::AwsVpcConfiguration,
    calls: &Tracker,
) -> Result<(), Failure> {
    if !net.subnets.is_empty() {
        return Ok(());
    }
    let d = calls
        .during(
            "ec2:DescribeVpcs/DescribeSubnets/DescribeSecurityGroups",
            ec2::default_network(&clients.ec2),
        )
        .await?;
    info!(
        vpc = %d.vpc_id,
        subnets = %d.subnets.join(","),
        security_group = d.security_group.as_deref().unwrap_or("-"),
        "no subnets given: using the default VPC's default subnets and security group"
    );
    net.subnets = d.subnets;
    if net.security_groups.is_empty() {
        net.security_groups.extend(d.security_group);
    }
    Ok(())
}

/// Registers the task definition unless the latest ACTIVE revision already
/// matches; returns the revision ARN to run.
pub async fn register_without_churn(
    clients: &Clients,
    wanted: &crate::plan::model::RegisterTaskDefinition,
    calls: &Tracker,
) -> Result<String, Failure> {
    let current = calls
        .during(
            "ecs:DescribeTaskDefinition",
            tasks::current_task_definition(clients, &wanted.family),
        )
        .await?;
    match current {
        Some((model, arn)) => {
            let diff = churn::diff(wanted, &model);
            if diff.is_empty() && !arn.is_empty() {
                info!(task_definition = %arn, "task definition unchanged: reusing it");
                return Ok(arn);
            }
            info!(family = %wanted.family, changed = %diff.join(", "), "task definition changed: registering a new revision");
        }
        None => {
            info!(family = %wanted.family, "first launch of this family: registering the task definition");
        }
    }
    calls
        .during(
            "ecs:RegisterTaskDefinition",
            ecs::register(&clients.ecs, wanted),
        )
        .await
}

/// RunTask's `failures[]` as an exit-1 failure with one line per reason.
pub fn run_failures(failures: &[aws_sdk_ecs::types::Failure]) -> Failure {
    let mut f = Failure::new(Exit::TaskFailed, "ECS did not start the task");
    for x in failures {
        f = f.detail(format!(
            "  {}: {}{}",
            x.arn().unwrap_or("-"),
            x.reason().unwrap_or("(no reason)"),
            x.detail().map(|d| format!(" ({d})")).unwrap_or_default()
        ));
    }
    f
}
