//! Task → ENI id → IP (pure): read addresses out of the SDK's task and ENI.
//!
//! Invariants: no I/O. The ENI id comes from the task's
//! `ElasticNetworkInterface` attachment as soon as it carries a
//! `networkInterfaceId` (which can be before RUNNING); the public IP only
//! from the ENI's `Association.PublicIp`.

use aws_sdk_ec2::types::NetworkInterface;
use aws_sdk_ecs::types::Task;

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
}
