//! Command-line surface of `vanish`: the global options (defined in
//! `crate::global`, below the commands that take them) and the subcommands.
//!
//! Each subcommand's own options live beside its logic (`cmd/<name>.rs`, a
//! `clap::Args` struct called `Args`); this file only wires them together.
//! Invariant: every flag has an environment mirror (`env = "..."`).

use clap::{Parser, Subcommand};

use crate::cmd;
pub use crate::global::Global;

/// Review apps on AWS Fargate that delete themselves.
#[derive(Debug, Parser)]
#[command(name = "vanish", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the ECS requests a spec turns into, without touching AWS.
    Render(Box<cmd::render::Args>),
    /// Launch (or replace) a review app and print its URL.
    Up(Box<cmd::up::Args>),
    /// List running review apps.
    Ls(cmd::ls::Args),
    /// Stop review apps by name.
    Down(cmd::down::Args),
    /// Stop every review app whose expiry has passed.
    Sweep(cmd::sweep::Args),
    /// Print the least-privilege IAM policy for the role that runs vanish.
    IamPolicy(cmd::iam_policy::Args),
    /// Print a review app's container logs (CloudWatch Logs).
    Logs(cmd::logs::Args),
    /// Run one service as a one-off task to completion; exit with its exit code.
    Run(Box<cmd::run::Args>),
}
