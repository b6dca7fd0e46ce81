//! Thin wrappers around the AWS SDK: client construction and one module per service.
//!
//! Invariants:
//! - Credentials, region and endpoint come from aws-config's standard chain
//!   (env, profile, SSO, web identity, container/instance credentials); the
//!   global flags only override the region, profile and endpoint.
//! - Nothing here decides anything: the command logic and the pure modules
//!   (`churn`, `wait`, `net`, `apps`) do. Every SDK error goes through
//!   `error::classify`, which names the IAM action for AccessDenied.

pub mod ec2;
pub mod ecs;
pub mod error;
pub mod https;
pub mod logs;
pub mod operations;

use aws_config::BehaviorVersion;

use crate::cli::Global;
use crate::exit::{Exit, Failure};

/// The service clients `vanish` uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
}

impl Clients {
    /// Clients from the standard credential chain and the global flags.
    /// No region anywhere (flag, env, profile) is bad input: exit 2.
    pub async fn from_global(global: &Global) -> Result<Clients, Failure> {
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).http_client(https::client());
        if let Some(region) = &global.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(profile) = &global.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &global.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let conf = loader.load().await;
        if conf.region().is_none() {
            return Err(Failure::new(Exit::BadInput, "no AWS region configured")
                .hint("pass --region, set AWS_REGION, or name one in the profile"));
        }
        Ok(Clients {
            ecs: aws_sdk_ecs::Client::new(&conf),
            ec2: aws_sdk_ec2::Client::new(&conf),
            logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
        })
    }
}

/// The logs client for `region` (the awslogs region may differ from the
/// clients' own); the same client when `region` is `None` or the same.
pub fn logs_in(
    logs: &aws_sdk_cloudwatchlogs::Client,
    region: Option<&str>,
) -> aws_sdk_cloudwatchlogs::Client {
    let same = region.is_none_or(|r| {
        logs.config()
            .region()
            .is_some_and(|have| have.as_ref() == r)
    });
    if same {
        return logs.clone();
    }
    let conf = logs
        .config()
        .to_builder()
        .region(aws_sdk_cloudwatchlogs::config::Region::new(
            region.unwrap_or_default().to_owned(),
        ))
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(conf)
}
