//! EC2 calls: the default VPC's network, and an ENI's addresses.
//!
//! Invariants: read-only calls only; errors go through `error::classify`
//! with the IAM action (`ec2:DescribeNetworkInterfaces`, ...).

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Filter, NetworkInterface};
use tracing::debug;

use super::error::classify;
use crate::exit::{Exit, Failure};

/// The default VPC's default subnets and default security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultNetwork {
    pub vpc_id: String,
    pub subnets: Vec<String>,
    pub security_group: Option<String>,
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// Looks up the account's default VPC in the region.
pub async fn default_network(ec2: &Client) -> Result<DefaultNetwork, Failure> {
    debug!(call = "ec2:DescribeVpcs", "aws call");
    let vpcs = ec2
        .describe_vpcs()
        .filters(filter("is-default", "true"))
        .send()
        .await
        .map_err(|e| classify("ec2:DescribeVpcs", e))?;
    let vpc_id = vpcs
        .vpcs()
        .iter()
        .find_map(|v| v.vpc_id())
        .ok_or_else(|| {
            Failure::new(
                Exit::BadInput,
                "no subnets given and the region has no default VPC",
            )
            .hint("name subnets and security groups in ecs-params.yml (run_params.network_configuration)")
        })?
        .to_string();
    debug!(call = "ec2:DescribeSubnets", vpc = %vpc_id, "aws call");
    let subnets = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &vpc_id))
        .send()
        .await
        .map_err(|e| classify("ec2:DescribeSubnets", e))?;
    let all = subnets.subnets();
    let defaults: Vec<String> = all
        .iter()
        .filter(|s| s.default_for_az() == Some(true))
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect();
    let mut subnets = if defaults.is_empty() {
        all.iter()
            .filter_map(|s| s.subnet_id().map(str::to_string))
            .collect()
    } else {
        defaults
    };
    subnets.sort();
    if subnets.is_empty() {
        return Err(Failure::new(
            Exit::BadInput,
            format!("the default VPC {vpc_id} has no subnets"),
        )
        .hint("name subnets in ecs-params.yml (run_params.network_configuration)"));
    }
    debug!(call = "ec2:DescribeSecurityGroups", vpc = %vpc_id, "aws call");
    let groups = ec2
        .describe_security_groups()
        .filters(filter("vpc-id", &vpc_id))
        .filters(filter("group-name", "default"))
        .send()
        .await
        .map_err(|e| classify("ec2:DescribeSecurityGroups", e))?;
    let security_group = groups
        .security_groups()
        .iter()
        .find_map(|g| g.group_id().map(str::to_string));
    Ok(DefaultNetwork {
        vpc_id,
        subnets,
        security_group,
    })
}

/// DescribeNetworkInterfaces for the given ENI ids (at most a few hundred),
/// by the `network-interface-id` filter: an id EC2 does not know (the task
/// stopped, or a brand-new ENI EC2 does not show yet) is simply absent from
/// the answer, where `NetworkInterfaceIds` would fail the whole call with
/// `InvalidNetworkInterfaceID.NotFound`.
pub async fn network_interfaces(
    ec2: &Client,
    ids: &[String],
) -> Result<Vec<NetworkInterface>, Failure> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    debug!(
        call = "ec2:DescribeNetworkInterfaces",
        count = ids.len(),
        "aws call"
    );
    let out = ec2
        .describe_network_interfaces()
        .filters(eni_filter(ids))
        .send()
        .await
        .map_err(|e| classify("ec2:DescribeNetworkInterfaces", e))?;
    Ok(out.network_interfaces.unwrap_or_default())
}

/// The `network-interface-id` filter for `ids`.
pub fn eni_filter(ids: &[String]) -> Filter {
    Filter::builder()
        .name("network-interface-id")
        .set_values(Some(ids.to_vec()))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enis_are_looked_up_by_filter_not_by_id() {
        let f = eni_filter(&["eni-1".to_string(), "eni-2".to_string()]);
        assert_eq!(f.name(), Some("network-interface-id"));
        assert_eq!(f.values(), ["eni-1", "eni-2"]);
    }
}
