//! Time for a launch: real, or virtual (tests), where sleeping only records
//! the durations slept and a deadline timer never fires (the machine checks
//! the deadline against the virtual clock itself).
//!
//! Invariant: all waiting in a launch goes through `Pace`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Time for `up`: real, or virtual (tests), where sleeping only advances a
/// counter and records the durations slept.
#[derive(Debug, Clone)]
pub enum Pace {
    Real(Instant),
    Virtual(Arc<Mutex<Vec<Duration>>>),
}

impl Pace {
    pub fn real() -> Pace {
        Pace::Real(Instant::now())
    }

    pub fn virtual_time() -> Pace {
        Pace::Virtual(Arc::default())
    }

    /// Time since the launch began.
    pub fn elapsed(&self) -> Duration {
        match self {
            Pace::Real(t) => t.elapsed(),
            Pace::Virtual(v) => v.lock().map(|v| v.iter().sum()).unwrap_or_default(),
        }
    }

    pub async fn sleep(&self, d: Duration) {
        match self {
            Pace::Real(_) => tokio::time::sleep(d).await,
            Pace::Virtual(v) => {
                if let Ok(mut v) = v.lock() {
                    v.push(d);
                }
                // Let whatever races the launch (an interrupt) run.
                tokio::task::yield_now().await;
            }
        }
    }

    /// Resolves after `d` of real time; never on virtual time.
    pub async fn timer(&self, d: Duration) {
        match self {
            Pace::Real(_) => tokio::time::sleep(d).await,
            Pace::Virtual(_) => std::future::pending().await,
        }
    }

    /// The sleeps so far (virtual time only).
    pub fn slept(&self) -> Vec<Duration> {
        match self {
            Pace::Real(_) => Vec::new(),
            Pace::Virtual(v) => v.lock().map(|v| v.clone()).unwrap_or_default(),
        }
    }
}
