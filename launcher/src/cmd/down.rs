//! `vanish down` (not implemented yet).

use crate::exit::{Exit, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(_args: Args) -> anyhow::Result<Exit> {
    Err(Failure::new(Exit::TaskFailed, "'vanish down' is not implemented yet").into())
}
