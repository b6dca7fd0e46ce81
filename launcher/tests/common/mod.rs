//! Shared set-up for the mocked-client tests (`up_mocked.rs`, `run_mocked.rs`):
//! real SDK clients whose HTTP layer is aws-smithy-mocks rules, and the awslogs
//! container the log tests read from.
//!
//! Invariant: nothing here sends a request anywhere; every client answers only
//! from the rules it is given (an unmatched call is a test failure).

#![allow(dead_code)] // each test binary uses a different part

use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client};
use vanish::aws::Clients;
use vanish::plan::model as m;

fn interceptor(rules: &[&Rule]) -> MockResponseInterceptor {
    rules.iter().fold(
        MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
        |i, r| i.with_rule(r),
    )
}

/// ECS, EC2 and CloudWatch Logs clients answering from `ecs`, `ec2` and `logs`.
/// `ecs_retry` overrides the ECS client's retry policy (to test throttling).
pub fn clients(
    ecs: &[&Rule],
    ec2: &[&Rule],
    logs: &[&Rule],
    ecs_retry: Option<aws_sdk_ecs::config::retry::RetryConfig>,
) -> Clients {
    let mut ecs_conf = aws_sdk_ecs::Config::builder()
        .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
        .region(aws_sdk_ecs::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "a", "b", None, None, "test",
        ))
        .http_client(create_mock_http_client())
        .interceptor(interceptor(ecs));
    if let Some(r) = ecs_retry {
        ecs_conf = ecs_conf.retry_config(r);
    }
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::Config::builder()
            .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
            .region(aws_sdk_ec2::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ec2::config::Credentials::new(
                "a", "b", None, None, "test",
            ))
            .http_client(create_mock_http_client())
            .interceptor(interceptor(ec2))
            .build(),
    );
    let logs = aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::Config::builder()
            .behavior_version(aws_sdk_cloudwatchlogs::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudwatchlogs::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_cloudwatchlogs::config::Credentials::new(
                "a", "b", None, None, "test",
            ))
            .http_client(create_mock_http_client())
            .interceptor(interceptor(logs))
            .build(),
    );
    Clients {
        ecs: aws_sdk_ecs::Client::from_conf(ecs_conf.build()),
        ec2,
        logs,
    }
}

/// An essential container logging to `/vanish/mr-1` with stream prefix `mr-1`.
pub fn awslogs_container(name: &str) -> m::ContainerDefinition {
    m::ContainerDefinition {
        name: name.into(),
        image: "app".into(),
        essential: true,
        log_configuration: Some(m::LogConfiguration {
            log_driver: "awslogs".into(),
            options: [
                ("awslogs-group", "/vanish/mr-1"),
                ("awslogs-region", "us-east-1"),
                ("awslogs-stream-prefix", "mr-1"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            secret_options: Vec::new(),
        }),
        ..Default::default()
    }
}
