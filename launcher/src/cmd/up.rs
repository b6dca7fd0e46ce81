//! `vanish up` (not implemented yet).

use crate::cli::Global;
use crate::exit::{Exit, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(_global: &Global, _args: Args) -> anyhow::Result<Exit> {
    Err(Failure::new(Exit::TaskFailed, "'vanish up' is not implemented yet").into())
}
