//! Which part of a stream to read: `--since` and `--tail`.
//!
//! Invariant: times are epoch milliseconds, as CloudWatch Logs wants them, and
//! are computed from a `now` passed in, so the parsing is testable.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid --since value {value:?} (expected a duration such as 10m or 1h30m, or an RFC 3339 time such as 2026-11-21T12:00:00Z)"
)]
pub struct SinceError {
    pub value: String,
}

/// `--since`: a duration back from `now` (`10m`) or an absolute RFC 3339 time.
pub fn parse_since(value: &str, now: SystemTime) -> Result<i64, SinceError> {
    let err = || SinceError {
        value: value.to_owned(),
    };
    let at = match humantime::parse_duration(value) {
        Ok(back) => now.checked_sub(back).ok_or_else(err)?,
        Err(_) => humantime::parse_rfc3339_weak(value).map_err(|_| err())?,
    };
    Ok(epoch_millis(at))
}

/// Milliseconds since the epoch (0 for times before it).
pub fn epoch_millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis()
        .try_into()
        .unwrap_or(i64::MAX)
}

/// Keeps the last `n` items of an already time-ordered list (`--tail N`).
pub fn tail<T>(mut items: Vec<T>, n: Option<usize>) -> Vec<T> {
    if let Some(n) = n {
        let skip = items.len().saturating_sub(n);
        items.drain(..skip);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_table() {
        let now = UNIX_EPOCH + Duration::from_secs(1_763_726_400); // 2025-11-21T12:00:00Z
        let ok = [
            ("10m", 1_763_726_400_000 - 600_000),
            ("1h30m", 1_763_726_400_000 - 5_400_000),
            ("2025-11-21T11:00:00Z", 1_763_722_800_000),
            ("2025-11-21T11:00:00", 1_763_722_800_000),
        ];
        for (v, want) in ok {
            assert_eq!(parse_since(v, now), Ok(want), "{v}");
        }
        for bad in ["", "banana", "10 parsecs", "2025-13-01T00:00:00Z"] {
            assert_eq!(
                parse_since(bad, now),
                Err(SinceError {
                    value: bad.to_owned()
                }),
                "{bad}"
            );
        }
    }

    #[test]
    fn tail_table() {
        let cases: [(Vec<i32>, Option<usize>, Vec<i32>); 4] = [
            (vec![1, 2, 3], None, vec![1, 2, 3]),
            (vec![1, 2, 3], Some(2), vec![2, 3]),
            (vec![1, 2, 3], Some(5), vec![1, 2, 3]),
            (vec![1, 2, 3], Some(0), vec![]),
        ];
        for (items, n, want) in cases {
            assert_eq!(tail(items, n), want);
        }
    }
}
