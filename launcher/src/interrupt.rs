//! The interruption `up` and `run` honour: Ctrl-C (SIGINT), or SIGTERM from
//! a cancelled CI job (GitLab and GitHub both send it).
//!
//! Invariant: the future resolves on the first of the two signals and never
//! otherwise; if the handlers cannot be installed it never resolves, so a
//! launch is never cut short by a failure to listen.

use tokio::signal::unix::{SignalKind, signal};

/// Resolves when SIGINT or SIGTERM arrives.
pub async fn interrupted() {
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
        _ => std::future::pending::<()>().await,
    }
}
