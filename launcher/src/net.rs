//! Task → ENI id → IP (pure): read addresses out of the SDK's task and ENI.
//!
//! Invariants: no I/O. The ENI id comes from the task's
//! `ElasticNetworkInterface` attachment as soon as it carries a
//! `networkInterfaceId` (which can be before RUNNING); the public IP only
//! from the ENI's `Association.PublicIp`.

use aws_sdk_ec2::types::NetworkInterface;
use aws_sdk_ecs::types::{ContainerDefinition, Task};

use crate::contract::LABEL_PUBLIC_PORTS;

const ENI: &str = "ElasticNetworkInterface";

fn detail<'a>(task: &'a Task, name: &str) -> Option<&'a str> {
    task.attachments()
        .iter()
        .filter(|a| a.r#type() == Some(ENI))
        .flat_map(|a| a.details())
        .find(|d| d.name() == Some(name))
        .and_then(|d| d.value())
        .filter(|v| !v.is_empty())
}

/// The ports to build URLs from, in container order: those the
/// `vanish.public-ports` label names; for a task definition without the
/// label (not rendered by vanish), every container port.
pub fn public_ports(containers: &[ContainerDefinition]) -> Vec<u16> {
    let labelled: Vec<u16> = containers
        .iter()
        .filter_map(|c| c.docker_labels()?.get(LABEL_PUBLIC_PORTS))
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    if !labelled.is_empty() {
        return labelled;
    }
    containers
        .iter()
        .flat_map(|c| c.port_mappings())
        .filter_map(|p| p.container_port().and_then(|p| u16::try_from(p).ok()))
        .collect()
}

/// The task's ENI id, once the attachment names it.
pub fn eni_id(task: &Task) -> Option<&str> {
    detail(task, "networkInterfaceId")
}

/// The task's private IPv4 address, from the attachment.
pub fn private_ip(task: &Task) -> Option<&str> {
    detail(task, "privateIPv4Address")
}

/// The public IP associated with an ENI, if any yet.
pub fn public_ip(eni: &NetworkInterface) -> Option<&str> {
    eni.association()
        .and_then(|a| a.public_ip())
        .filter(|ip| !ip.is_empty())
}

/// The last path segment of an ARN (`.../cluster/abc123` → `abc123`).
pub fn short_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::NetworkInterfaceAssociation;
    use aws_sdk_ecs::types::{Attachment, KeyValuePair};

    fn task(details: &[(&str, &str)]) -> Task {
        let mut a = Attachment::builder().r#type(ENI);
        for (k, v) in details {
            a = a.details(KeyValuePair::builder().name(*k).value(*v).build());
        }
        Task::builder().attachments(a.build()).build()
    }

    #[test]
    fn eni_and_private_ip_from_attachment() {
        type Row<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, Option<&'a str>);
        let table: [Row; 4] = [
            (&[], None, None),
            (&[("subnetId", "subnet-1")], None, None),
            (&[("networkInterfaceId", "")], None, None),
            (
                &[
                    ("networkInterfaceId", "eni-1"),
                    ("privateIPv4Address", "10.0.0.5"),
                ],
                Some("eni-1"),
                Some("10.0.0.5"),
            ),
        ];
        for (details, eni, ip) in table {
            let t = task(details);
            assert_eq!(eni_id(&t), eni, "{details:?}");
            assert_eq!(private_ip(&t), ip, "{details:?}");
        }
        assert_eq!(eni_id(&Task::builder().build()), None);
    }

    #[test]
    fn public_ip_from_association() {
        let none = NetworkInterface::builder().build();
        assert_eq!(public_ip(&none), None);
        let some = NetworkInterface::builder()
            .association(
                NetworkInterfaceAssociation::builder()
                    .public_ip("3.4.5.6")
                    .build(),
            )
            .build();
        assert_eq!(public_ip(&some), Some("3.4.5.6"));
    }

    #[test]
    fn short_ids() {
        assert_eq!(short_id("arn:aws:ecs:us-east-1:1:task/default/abc"), "abc");
        assert_eq!(short_id("abc"), "abc");
    }

    #[test]
    fn public_ports_prefer_the_label() {
        use aws_sdk_ecs::types::PortMapping;
        let container = |name: &str, ports: &[i32], label: Option<&str>| {
            let mut b = ContainerDefinition::builder().name(name);
            for p in ports {
                b = b.port_mappings(PortMapping::builder().container_port(*p).build());
            }
            if let Some(l) = label {
                b = b.docker_labels(LABEL_PUBLIC_PORTS, l);
            }
            b.build()
        };
        let table: [(Vec<ContainerDefinition>, Vec<u16>); 4] = [
            // The example: web exposes 8000, proxy publishes 80.
            (
                vec![
                    container("web", &[8000], None),
                    container("proxy", &[80], Some("80")),
                ],
                vec![80],
            ),
            (
                vec![container("a", &[80, 443], Some("80,443"))],
                vec![80, 443],
            ),
            // Not rendered by vanish: every port, in order.
            (
                vec![
                    container("web", &[8000], None),
                    container("proxy", &[80], None),
                ],
                vec![8000, 80],
            ),
            (vec![], vec![]),
        ];
        for (containers, want) in table {
            assert_eq!(public_ports(&containers), want);
        }
    }
}
