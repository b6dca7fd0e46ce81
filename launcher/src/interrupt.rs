//! The interruptions `up`, `run` and the AWS commands honour: Ctrl-C
//! (SIGINT), or SIGTERM from a cancelled CI job (GitLab and GitHub both send
//! it), delivered as a stream so that a second one can be told apart.
//!
//! Invariants:
//! - `Signals::os()` installs both handlers at once, before any work, so no
//!   signal between start-up and the first await kills the process silently;
//!   if they cannot be installed, `next` never resolves (a launch is never
//!   cut short by a failure to listen).
//! - Every signal is delivered, in order; `Signals::channel` gives tests the
//!   same stream without real signals.
//! - SIGINT is `Exit::Interrupted` (130), SIGTERM `Exit::Terminated` (143).

use tokio::sync::mpsc;

use crate::exit::Exit;

/// Which signal arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
}

impl Signal {
    /// The documented exit code for this signal.
    pub fn exit(self) -> Exit {
        match self {
            Signal::Int => Exit::Interrupted,
            Signal::Term => Exit::Terminated,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }
}

/// The stream of interruptions.
#[derive(Debug)]
pub struct Signals {
    rx: mpsc::UnboundedReceiver<Signal>,
    // Keeps the stream open (never resolving) when no sender is left.
    _keep: Option<mpsc::UnboundedSender<Signal>>,
}

impl Signals {
    /// SIGINT and SIGTERM of this process (needs a tokio runtime).
    pub fn os() -> Signals {
        use tokio::signal::unix::{SignalKind, signal};
        let (tx, rx) = mpsc::unbounded_channel();
        let keep = Some(tx.clone());
        if let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            tokio::spawn(async move {
                loop {
                    let s = tokio::select! {
                        Some(()) = int.recv() => Signal::Int,
                        Some(()) = term.recv() => Signal::Term,
                        else => break,
                    };
                    if tx.send(s).is_err() {
                        break;
                    }
                }
            });
        }
        Signals { rx, _keep: keep }
    }

    /// A stream fed by hand (tests).
    pub fn channel() -> (mpsc::UnboundedSender<Signal>, Signals) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            tx.clone(),
            Signals {
                rx,
                _keep: Some(tx),
            },
        )
    }

    /// The next signal; never resolves if none comes.
    pub async fn next(&mut self) -> Signal {
        match self.rx.recv().await {
            Some(s) => s,
            None => std::future::pending().await,
        }
    }
}
