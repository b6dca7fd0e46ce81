//! The strict AWS layer itself (`tests/support/strict_proxy.py`): one bad
//! request per rule is caught by exactly that rule and good requests pass
//! (`strict_proxy_cases.py`, run here so nextest runs it), and a bad request
//! through a live proxy is answered 400 `VanishStrictViolation`, never reaches
//! moto, and is recorded for `Moto`'s drop check.

use std::process::Command;
use std::time::Duration;

use vanish_e2e::moto::{Moto, python};
use vanish_e2e::{run, workspace_root};

#[test]
fn every_rule_catches_its_bad_request_and_good_requests_pass() {
    let out = run(
        Command::new(python()).arg(workspace_root().join("tests/support/strict_proxy_cases.py")),
        Duration::from_secs(120),
    );
    println!("{}", out.stdout);
    assert_eq!(out.code(), 0, "{out:?}");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert!(out.stdout.ends_with(" 0 failed\n"), "{}", out.stdout);
}

/// boto3 through the proxy (its own validation off, so that a bad request
/// is sent): prints the error code, or `ok`.
const CALL: &str = r#"
import sys, boto3, botocore.config, botocore.exceptions
c = boto3.client(sys.argv[2], endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing",
                 config=botocore.config.Config(parameter_validation=False))
try:
    getattr(c, sys.argv[3])(**eval(sys.argv[4]))
    print("ok")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"])
"#;

fn call(moto: &Moto, service: &str, op: &str, params: &str) -> String {
    let out = run(
        Command::new(python()).args(["-c", CALL, &moto.endpoint, service, op, params]),
        Duration::from_secs(60),
    );
    assert_eq!(out.code(), 0, "{out:?}");
    out.stdout.trim().to_string()
}

#[test]
fn a_live_proxy_answers_a_violation_400_and_records_it() {
    let moto = Moto::start();
    // Valid requests pass through to moto and back, for each protocol.
    assert_eq!(
        call(
            &moto,
            "ecs",
            "list_tasks",
            "dict(cluster='default', startedBy='vanish')"
        ),
        "ok"
    );
    assert_eq!(
        call(
            &moto,
            "ec2",
            "describe_network_interfaces",
            "dict(Filters=[dict(Name='network-interface-id', Values=['eni-12345678'])])"
        ),
        "ok"
    );
    assert_eq!(moto.violations(), Vec::<String>::new());
    // vanish's old ListTasks: startedBy with desiredStatus.
    assert_eq!(
        call(
            &moto,
            "ecs",
            "list_tasks",
            "dict(cluster='default', startedBy='vanish', desiredStatus='RUNNING')"
        ),
        "VanishStrictViolation"
    );
    // EC2's query protocol: MaxResults under the model's minimum (5).
    assert_eq!(
        call(
            &moto,
            "ec2",
            "describe_vpcs",
            "dict(Filters=[dict(Name='is-default', Values=['true'])], MaxResults=2)"
        ),
        "VanishStrictViolation"
    );
    let v = moto.violations();
    assert_eq!(v.len(), 2, "{v:#?}");
    assert!(
        v[0].contains("\"rule\": \"ecs.list-tasks.started-by-alone\"")
            && v[0].contains("ListTasksRequest.startedBy"),
        "{}",
        v[0]
    );
    assert!(
        v[1].contains("\"operation\": \"DescribeVpcs\"") && v[1].contains("model."),
        "{}",
        v[1]
    );
    // Seen and asserted: the drop check must not fail this test.
    moto.clear_violations();
}
