//! The options every subcommand accepts (`-v`, `--region`, `--endpoint-url`,
//! the AWS timeouts, ...), and the AWS layer's configuration they give.
//! `cli` flattens them into the command line; every command's `run` takes
//! them. They live here, below `cmd` and above `aws`, so that the commands
//! need nothing from `cli`.
//!
//! Invariant: every flag has an environment mirror (`env = "..."`), except
//! the `-v` count.

/// Options every subcommand accepts.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// More log output on stderr (-v: debug, -vv: trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, env = "VANISH_QUIET")]
    pub quiet: bool,
    /// Log filter in tracing's EnvFilter syntax; overrides -v/-q.
    #[arg(long = "log", global = true, env = "VANISH_LOG", value_name = "FILTER")]
    pub log: Option<String>,
    /// AWS region; also names the region in the awslogs configuration.
    #[arg(long, global = true, env = "AWS_REGION")]
    pub region: Option<String>,
    /// AWS shared-config profile (credentials chain as the aws CLI's).
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (an emulator such as moto).
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Bound on one AWS call, retries included.
    #[arg(long, global = true, env = "VANISH_AWS_TIMEOUT", value_name = "DURATION", default_value = "60s", value_parser = humantime::parse_duration)]
    pub aws_timeout: std::time::Duration,
    /// Bound on one attempt of an AWS call (the SDK retries throttling and 5xx).
    #[arg(long, global = true, env = "VANISH_AWS_ATTEMPT_TIMEOUT", value_name = "DURATION", default_value = "20s", value_parser = humantime::parse_duration)]
    pub aws_attempt_timeout: std::time::Duration,
}

impl Global {
    /// The AWS layer's configuration from these flags.
    pub fn aws(&self) -> crate::aws::AwsConfig {
        crate::aws::AwsConfig {
            region: self.region.clone(),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
            operation_timeout: self.aws_timeout,
            attempt_timeout: self.aws_attempt_timeout,
        }
    }
}
