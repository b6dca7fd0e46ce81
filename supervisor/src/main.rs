//! vanish-init: a tiny PID 1 for review-app containers. Runs COMMAND, reaps
//! every zombie, forwards signals, and expires after a TTL or at a deadline.
//!
//! Layout: pure logic (`machine`, `options`, `status`, `idle::count`) with
//! table-driven tests; thin effects around it (`signals`, `child`,
//! `reaper`, `idle::connections`); `run` glues them. No async runtime, no clap, no tracing: every byte ships in every
//! review-app image (what each would cost: bench/RESULTS-pid1.md).

mod child;
mod idle;
mod log;
mod machine;
mod options;
mod reaper;
mod run;
mod signals;
mod status;

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(run::run())
}
