//! Every AWS operation vanish may call: the one list the IAM policy is built
//! from (`vanish iam-policy`, `crate::iam`).
//!
//! Invariants:
//! - Each entry is `(service prefix, Action, why)` with the service prefix as
//!   IAM spells it (`ecs`, `ec2`, `iam`, `logs`) and the Action as in the API
//!   reference (PascalCase), so `prefix:Action` is the IAM action.
//! - Every SDK operation the launcher's code calls appears here:
//!   `tests/iam_policy.rs` scans `launcher/src/**/*.rs` for SDK fluent calls
//!   (`.run_task()`) and fails on one that is missing. Adding a call means
//!   adding its line here, which adds it to the policy.
//! - Permissions the API checks without a call of their own (`iam:PassRole`,
//!   `ecs:TagResource` for tags given at creation) are listed too.

/// `(service prefix, Action, why vanish needs it)`.
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "ecs",
        "RegisterTaskDefinition",
        "register the review app's task definition when it differs from the latest revision",
    ),
    (
        "ecs",
        "DescribeTaskDefinition",
        "compare the spec with the family's latest revision, so relaunching registers nothing",
    ),
    (
        "ecs",
        "RunTask",
        "start the review app on FARGATE or FARGATE_SPOT (up, run)",
    ),
    (
        "ecs",
        "DescribeTasks",
        "follow the task to RUNNING or STOPPED and read its tags (up, ls, down, sweep)",
    ),
    (
        "ecs",
        "ListTasks",
        "find the tasks vanish started (startedBy) to replace, list, stop and sweep them",
    ),
    (
        "ecs",
        "StopTask",
        "stop a replaced, unwanted, expired or interrupted review app (up, down, sweep)",
    ),
    (
        "ecs",
        "TagResource",
        "tag the task definition and the task when they are created (vanish:* tags)",
    ),
    (
        "iam",
        "PassRole",
        "hand the task role and the task execution role to ECS",
    ),
    (
        "ec2",
        "DescribeNetworkInterfaces",
        "the task's network interface to its public and private IP",
    ),
    (
        "ec2",
        "DescribeVpcs",
        "find the default VPC when the spec names no subnets",
    ),
    (
        "ec2",
        "DescribeSubnets",
        "the default VPC's default subnets",
    ),
    (
        "ec2",
        "DescribeSecurityGroups",
        "the default VPC's default security group",
    ),
    (
        "logs",
        "GetLogEvents",
        "print a container's log stream (logs, and the last lines of a crashed container)",
    ),
];

#[cfg(test)]
mod tests {
    use super::OPERATIONS;

    #[test]
    fn entries_are_well_formed_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for (service, action, why) in OPERATIONS {
            assert!(
                !service.is_empty()
                    && service
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "service prefix {service:?}"
            );
            assert!(
                action.starts_with(|c: char| c.is_ascii_uppercase())
                    && action.chars().all(|c| c.is_ascii_alphanumeric()),
                "action {action:?} is not PascalCase"
            );
            assert!(!why.trim().is_empty(), "{service}:{action} needs a reason");
            assert!(
                seen.insert((service, action)),
                "{service}:{action} listed twice"
            );
        }
    }
}
