//! The Spec: what the compose file(s), ecs-params and flags say, read and
//! typed but not yet cross-checked or translated (that is `plan::translate`).
//!
//! Invariants: every value that a later check may complain about keeps its
//! place (`Loc`); a value set by a flag has no place (`None`). Services keep
//! the order of the (first) compose file.

use std::collections::BTreeMap;

use crate::diag::Loc;
use crate::ecs_parts::{Capacity, FirelensConfiguration, MountPoint, Secret, Ulimit, Volume};

/// A value and where it was written (`None`: a flag or the environment).
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub loc: Option<Loc>,
}

impl<T> Located<T> {
    pub fn at(value: T, loc: &Loc) -> Self {
        Located {
            value,
            loc: Some(loc.clone()),
        }
    }

    pub fn flag(value: T) -> Self {
        Located { value, loc: None }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spec {
    pub services: Vec<Service>,
    /// The `services:` key of the first compose file (for "no essential container").
    pub services_loc: Option<Loc>,
    pub task: Task,
    pub settings: Settings,
}

/// Task-level settings (ecs-params `task_definition` / `run_params`, or `x-vanish`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Task {
    pub cpu: Option<Located<u32>>,
    pub memory: Option<Located<u32>>,
    pub task_role_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    /// Named volumes (ephemeral, shared between containers) and EFS volumes.
    pub volumes: BTreeMap<String, Volume>,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: Option<String>,
    /// ecs-params `pid_mode` (Fargate: `task` only).
    pub pid_mode: Option<Located<String>>,
}

/// vanish's own settings, from `x-vanish`, then ecs-params, then flags.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    pub name: Option<Located<String>>,
    pub ttl: Option<Located<u64>>,
    pub grace: Option<Located<u64>>,
    pub cluster: Option<String>,
    pub capacity: Option<Located<Capacity>>,
    pub platform_version: Option<String>,
    pub public: Option<Vec<Located<String>>>,
    pub log_group: Option<String>,
    pub cpu_architecture: Option<Located<String>>,
    pub health_path: Option<String>,
    /// Stop after this long without connections (`VANISH_IDLE`), seconds.
    pub idle: Option<Located<u64>>,
    /// Rewrite sibling service names used as hosts in environment values to
    /// `localhost` (`x-vanish rewrite_hosts`, `--rewrite-hosts`).
    pub rewrite_hosts: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    pub port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub service: String,
    /// ECS condition: START, HEALTHY, SUCCESS or COMPLETE.
    pub condition: String,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Logging {
    pub driver: Option<String>,
    pub options: BTreeMap<String, String>,
    pub loc: Option<Loc>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Service {
    pub name: String,
    /// The service's key in `services:`.
    pub loc: Option<Loc>,
    pub image: Option<String>,
    pub entry_point: Vec<String>,
    pub command: Vec<String>,
    pub environment: BTreeMap<String, String>,
    pub secrets: Vec<Secret>,
    /// `ports:`: published, so public by default.
    pub ports: Vec<Located<Port>>,
    /// `expose:`: reachable inside the task only.
    pub expose: Vec<Located<Port>>,
    pub health_check: Option<crate::ecs_parts::HealthCheck>,
    pub depends_on: Vec<Dependency>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub stop_timeout: Option<Located<u64>>,
    pub ulimits: Vec<Ulimit>,
    pub read_only: Option<bool>,
    pub init: Option<bool>,
    pub labels: BTreeMap<String, String>,
    pub logging: Logging,
    pub log_secret_options: Vec<Secret>,
    /// CPU units, MiB and MiB, each where it was written.
    pub cpu: Option<Located<u32>>,
    pub memory: Option<Located<u32>>,
    pub memory_reservation: Option<Located<u32>>,
    pub essential: Option<bool>,
    /// Where `essential` was set (for "no essential container").
    pub essential_at: Option<Loc>,
    pub repository_credentials: Option<String>,
    pub mount_points: Vec<MountPoint>,
    /// `x-vanish.public` on the service.
    pub public: Option<bool>,
    /// Where each environment value was written (for located warnings).
    pub env_locs: BTreeMap<String, Loc>,
    /// compose `cap_add` / `cap_drop`, normalised (no `CAP_` prefix, upper case).
    pub cap_add: Vec<Located<String>>,
    pub cap_drop: Vec<String>,
    pub tty: Option<bool>,
    pub stdin_open: Option<bool>,
    /// compose `sysctls`, in file order.
    pub sysctls: Vec<(String, String)>,
    /// compose `volumes_from`: (service, read-only), located.
    pub volumes_from: Vec<Located<(String, bool)>>,
    pub firelens: Option<FirelensConfiguration>,
    /// compose `stop_signal` or `x-vanish stop_signal` (`VANISH_STOP_SIGNAL`).
    pub stop_signal: Option<Located<String>>,
}
