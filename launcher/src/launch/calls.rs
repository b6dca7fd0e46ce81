//! The AWS calls a step has in flight, named as IAM actions, so that when
//! the deadline cuts the step short the machine can name what it cut.
//!
//! Invariants: a call is listed from just before it is sent until it has
//! answered; a future dropped mid-call (the deadline or a signal won the
//! race) leaves its calls listed, which is what the driver reads then. No
//! borrow is held across an await.

use std::cell::RefCell;
use std::future::Future;

/// The calls in flight, in the order they were sent.
#[derive(Debug, Default)]
pub struct Tracker(RefCell<Vec<&'static str>>);

impl Tracker {
    /// Runs `fut`, listing `call` while it is in flight.
    pub async fn during<T>(&self, call: &'static str, fut: impl Future<Output = T>) -> T {
        self.0.borrow_mut().push(call);
        let out = fut.await;
        let mut calls = self.0.borrow_mut();
        if let Some(i) = calls.iter().position(|c| *c == call) {
            calls.remove(i);
        }
        out
    }

    /// Forgets everything (before a step starts).
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    /// The calls in flight now.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_is_listed_while_in_flight_and_stays_listed_when_dropped() {
        let t = Tracker::default();
        assert_eq!(t.during("ecs:A", async { t.names() }).await, ["ecs:A"]);
        assert!(t.names().is_empty());
        let stalled = t.during("ecs:B", std::future::pending::<()>());
        let r = tokio::time::timeout(std::time::Duration::from_millis(1), stalled).await;
        assert!(r.is_err());
        assert_eq!(t.names(), ["ecs:B"]);
        t.clear();
        assert!(t.names().is_empty());
    }
}
