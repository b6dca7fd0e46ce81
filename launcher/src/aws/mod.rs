//! Thin wrappers around the AWS SDK: client construction and one module per service.
//!
//! Invariants:
//! - Credentials, region and endpoint come from aws-config's standard chain
//!   (env, profile, SSO, web identity, container/instance credentials); the
//!   global flags only override the region, profile and endpoint.
//! - Every call is bounded: a connect timeout, a per-attempt timeout and an
//!   operation timeout (all attempts and retries), from `AwsConfig`; a call
//!   that hangs ends as `Exit::Aws` "timed out", never as a hang.
//! - This layer knows nothing of the CLI: the command layer turns its flags
//!   into an `AwsConfig`.
//! - Nothing here decides anything: the command logic and the pure modules
//!   (`churn`, `wait`, `net`, `apps`) do. Every SDK error goes through
//!   `error::classify`, which names the IAM action for AccessDenied.

pub mod ec2;
pub mod ecs;
pub mod error;
pub mod https;
pub mod logs;
pub mod operations;
pub mod tasks;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;

use crate::exit::{Exit, Failure};

/// Where and how to reach AWS: the global flags, as plain data.
#[derive(Debug, Clone)]
pub struct AwsConfig {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// Bound on one call, all attempts and retries included.
    pub operation_timeout: Duration,
    /// Bound on one attempt of a call (the connect timeout is the smaller of
    /// this and `CONNECT_TIMEOUT`).
    pub attempt_timeout: Duration,
}

/// The TCP/TLS connect timeout (at most the attempt timeout).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Default for AwsConfig {
    fn default() -> Self {
        AwsConfig {
            region: None,
            profile: None,
            endpoint_url: None,
            operation_timeout: Duration::from_secs(60),
            attempt_timeout: Duration::from_secs(20),
        }
    }
}

impl AwsConfig {
    /// The SDK's timeout configuration for these bounds.
    pub fn timeouts(&self) -> TimeoutConfig {
        let attempt = self.attempt_timeout.min(self.operation_timeout);
        TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(attempt))
            .operation_attempt_timeout(attempt)
            .operation_timeout(self.operation_timeout)
            .build()
    }
}

/// The service clients `vanish` uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
}

impl Clients {
    /// Clients from the standard credential chain and `config`.
    /// No region anywhere (flag, env, profile) is bad input: exit 2.
    pub async fn new(config: &AwsConfig) -> Result<Clients, Failure> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https::client())
            .timeout_config(config.timeouts());
        if let Some(region) = &config.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(profile) = &config.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &config.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let conf = loader.load().await;
        if conf.region().is_none() {
            return Err(Failure::new(Exit::BadInput, "no AWS region configured")
                .hint("pass --region, set AWS_REGION, or name one in the profile"));
        }
        error::set_endpoint(match conf.endpoint_url() {
            Some(url) => url.to_string(),
            None => format!(
                "the AWS endpoints of {}",
                conf.region().map(|r| r.as_ref()).unwrap_or_default()
            ),
        });
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
