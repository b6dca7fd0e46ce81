//! The launch engine: network → task definition without churn → RunTask →
//! wait → address → health → replace, for `up`; and the same start plus
//! following to the end, for `run`. Independent of where the Plan came from.
//!
//! Files, one job each: `machine` (the pure state machine), `drive` (its
//! effectful shell), `calls` (the AWS calls in flight, for the deadline's
//! message), `setup` (network + task definition, concurrently),
//! `replace` (converging replacement), `token` (client token + launch tag),
//! `identity` and `plan_file` (what a Plan must be), `health` (one probe),
//! `crash_logs`, `options`. Time goes through `crate::pace`.
//!
//! Invariants:
//! - Polls DescribeTasks itself (not the SDK waiter), backing off 1 s → 5 s;
//!   all waiting goes through `Pace`, so tests run on virtual time.
//! - `--wait` bounds the whole launch, setup included. Under `--no-wait` it
//!   still bounds setup, RunTask, the one look after it and replacement
//!   (its default, 10m, applies when only `--no-wait` is given). `vanish
//!   run` has no deadline (`wait: None`): it follows its task to the end.
//! - STOPPED is exit 1 with the stop report and crash logs; AWS errors exit
//!   3; the deadline exit 4; SIGINT 130 and SIGTERM 143, after stopping the
//!   task when it is not RUNNING yet (always, for `run`), naming it either
//!   way.
//! - Older tasks of the same name are stopped only after the new one is up.

pub mod calls;
pub mod crash_logs;
pub mod drive;
pub mod health;
pub mod identity;
pub mod machine;
pub mod options;
pub mod plan_file;
pub mod replace;
pub mod setup;
pub mod token;

use std::future::Future;

pub use crate::apps::names;
pub use crate::pace::Pace;
pub use drive::Ended;
pub use options::UpOptions;
pub use plan_file::read_plan;

use crate::aws::Clients;
use crate::exit::{Exit, Failure};
use crate::interrupt::Signals;
use crate::output::UpOutcome;
use crate::plan::Plan;

/// Launches the Plan and waits for it as `opts` says, honouring `signals`.
pub async fn up(
    clients: &Clients,
    plan: Plan,
    mut opts: UpOptions,
    signals: &mut Signals,
) -> anyhow::Result<UpOutcome> {
    let never = |_: String| async { Ok(Exit::Ok) };
    match drive::drive(clients, plan, &mut opts, signals, never).await? {
        Ended::Up(o) => Ok(*o),
        Ended::Exit(e) => Err(Failure::new(e, "the launch ended without an address").into()),
    }
}

/// Starts the one-off Plan (`vanish run`) and follows it with `follow`
/// until it ends; an interrupt at any point stops it.
pub async fn one_off<F, Fut>(
    clients: &Clients,
    plan: Plan,
    mut opts: UpOptions,
    signals: &mut Signals,
    follow: F,
) -> anyhow::Result<Exit>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = anyhow::Result<Exit>>,
{
    opts.one_off = true;
    opts.replace = false;
    match drive::drive(clients, plan, &mut opts, signals, follow).await? {
        Ended::Exit(e) => Ok(e),
        Ended::Up(_) => Ok(Exit::Ok),
    }
}
