//! vanish: launch self-deleting review apps on AWS Fargate.
//!
//! The crate is split into pure logic and thin effects:
//! - pure: `spec` (compose + ecs-params → Spec), `plan` (Spec → Plan),
//!   the wait/progress state and the ENI → IP lookup decisions;
//! - effects: `aws` (SDK calls only), `cmd` (one module per subcommand).
//!
//! `contract` holds the names shared with vanish-init; `exit` the exit codes.
//!
//! Layers point one way (checked by `tests/layers.rs`): main → cli → cmd →
//! engines (`launch`, `logs::read`, `iam`) and the global options (`global`)
//! → aws → pure domain (`plan`, `wait`, `net`, `apps`, ...) → `spec` → base
//! (`ecs_parts`, `exit`, `contract`, `diag`, `interrupt`). No command imports
//! another.

pub mod apps;
pub mod aws;
pub mod churn;
pub mod cli;
pub mod cli_env;
pub mod cmd;
pub mod contract;
pub mod diag;
pub mod ecs_parts;
pub mod exit;
pub mod global;
pub mod iam;
pub mod interrupt;
pub mod launch;
pub mod load;
pub mod logging;
pub mod logs;
pub mod mask;
pub mod net;
pub mod output;
pub mod pace;
pub mod plan;
pub mod progress;
pub mod spec;
pub mod stdout;
pub mod wait;
