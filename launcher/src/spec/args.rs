//! The flags that select and adjust a spec; shared by `vanish render` and `vanish up`.
//!
//! Invariant: every flag has an environment mirror. `--region`, `--profile`
//! and `--endpoint-url` are global (`global::Global`), not here. `VANISH_TTL` and
//! `VANISH_GRACE` (and `VANISH_IDLE`) double as the contract names vanish sets
//! in containers; as the launcher's own mirrors they mean the same thing.

use std::path::PathBuf;

/// Default lifetime of a review app.
pub const DEFAULT_TTL: &str = "2h";
/// Default time between SIGTERM and SIGKILL.
pub const DEFAULT_GRACE: &str = "10s";

#[derive(Debug, Clone, Default, clap::Args)]
pub struct SpecArgs {
    /// Compose file; repeat to layer files as `docker compose -f` does (later
    /// files override earlier ones). Default: compose.yaml, compose.yml,
    /// docker-compose.yaml or docker-compose.yml in the working directory.
    /// docker-compose.override.yml is not read unless given here.
    #[arg(
        short = 'f',
        long = "file",
        env = "VANISH_FILE",
        value_name = "FILE",
        value_delimiter = ','
    )]
    pub file: Vec<PathBuf>,
    /// ecs-params file (ecs-cli schema). Default: ecs-params.yml (or .yaml) beside
    /// the first compose file, if it exists.
    #[arg(long, env = "VANISH_PARAMS", value_name = "FILE")]
    pub params: Option<PathBuf>,
    /// Treat what cannot work on Fargate (build, host volumes, privileged, ...) as errors.
    #[arg(long, env = "VANISH_STRICT")]
    pub strict: bool,
    /// Review-app name (task family `vanish-<name>`). Default: `mr-<iid>` / `pr-<n>`
    /// or the branch slug from the CI environment (an empty VANISH_NAME counts
    /// as unset; an empty --name is an error).
    #[arg(long, env = "VANISH_NAME")]
    pub name: Option<String>,
    /// Lifetime, e.g. 30m or 1h30m [default: 2h, or x-vanish ttl].
    #[arg(long, env = "VANISH_TTL", value_name = "DURATION")]
    pub ttl: Option<humantime::Duration>,
    /// Time between SIGTERM and SIGKILL when the TTL ends [default: 10s, or x-vanish grace].
    #[arg(long, env = "VANISH_GRACE", value_name = "DURATION")]
    pub grace: Option<humantime::Duration>,
    /// ECS cluster name or ARN [default: x-vanish cluster, else `default`].
    #[arg(long, env = "VANISH_CLUSTER")]
    pub cluster: Option<String>,
    /// Run on Fargate Spot (same as --capacity spot).
    #[arg(long, env = "VANISH_SPOT", conflicts_with = "capacity")]
    pub spot: bool,
    /// `fargate` or `spot` [default: x-vanish capacity, else fargate].
    #[arg(long, env = "VANISH_CAPACITY", value_parser = ["fargate", "spot"])]
    pub capacity: Option<String>,
    /// Fargate platform version [default: LATEST].
    #[arg(long, env = "VANISH_PLATFORM_VERSION", value_name = "VERSION")]
    pub platform_version: Option<String>,
    /// A service reachable from outside; repeat for more. Default: every
    /// service with `ports`.
    #[arg(
        long = "public",
        env = "VANISH_PUBLIC",
        value_name = "SERVICE",
        value_delimiter = ','
    )]
    pub public: Vec<String>,
    /// CloudWatch Logs group (default: `/vanish/<name>`).
    #[arg(long, env = "VANISH_LOG_GROUP", value_name = "GROUP")]
    pub log_group: Option<String>,
    /// X86_64 or ARM64 [default: Fargate's, X86_64].
    #[arg(long, env = "VANISH_CPU_ARCHITECTURE", value_parser = ["X86_64", "ARM64"])]
    pub cpu_architecture: Option<String>,
    /// Stop the review app after this long without connections to its public
    /// ports, e.g. 15m (`VANISH_IDLE` in its containers) [default: x-vanish idle, else never].
    #[arg(long, env = "VANISH_IDLE", value_name = "DURATION")]
    pub idle: Option<humantime::Duration>,
    /// Rewrite sibling service names used as hosts in environment values
    /// (`db`, `db:5432`, `postgres://u:p@db/x`) to localhost [default: x-vanish rewrite_hosts].
    #[arg(long, env = "VANISH_REWRITE_HOSTS")]
    pub rewrite_hosts: bool,
    /// The task execution role's ARN (awslogs, secrets and private images need
    /// one), e.g. the terraform output execution_role_arn [default: ecs-params
    /// or x-vanish task_execution_role].
    #[arg(long, env = "VANISH_EXECUTION_ROLE_ARN", value_name = "ARN")]
    pub execution_role_arn: Option<String>,
    /// HTTP path polled until it answers 2xx/3xx before the URL is printed.
    #[arg(long, env = "VANISH_HEALTH_PATH", value_name = "PATH")]
    pub health_path: Option<String>,
    /// The current time, RFC 3339 (for reproducible output in tests).
    #[arg(long, env = "VANISH_NOW", hide = true)]
    pub now: Option<String>,
}
