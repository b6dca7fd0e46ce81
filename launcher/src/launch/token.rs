//! The RunTask client token: unique per launch, at most 64 characters (the
//! ECS limit), whatever the app's name; and the launch tag that carries it,
//! so that a task whose RunTask answer was lost can be found again.
//!
//! Invariants:
//! - The unique part (time in ns, pid, a random salt) comes first and is
//!   never cut; the name only fills what is left, for humans.
//! - Only ASCII letters, digits and `-` (the name's other characters are
//!   dropped), so the token is also a valid tag value.
//! - One token per launch: the SDK's retries and vanish's own repeat of a
//!   throttled RunTask reuse it, so ECS starts at most one task for it.

use std::hash::{BuildHasher, Hasher};
use std::time::SystemTime;

/// ECS's limit on `clientToken`.
pub const MAX_LEN: usize = 64;

/// The RunTask tag holding the client token (for in-flight recovery).
pub const TAG_LAUNCH: &str = "vanish:launch";

/// The token for a launch of `name` (pure).
pub fn client_token(name: &str, nanos: u128, pid: u32, salt: u32) -> String {
    let mut t = format!("vanish-{nanos:x}-{pid:x}-{salt:08x}");
    let room = MAX_LEN.saturating_sub(t.len() + 1);
    let slug: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(room)
        .collect();
    if !slug.is_empty() {
        t.push('-');
        t.push_str(&slug);
    }
    t
}

/// When the launch of `token` began (from its time part), if it is one of ours.
pub fn launched_at(token: &str) -> Option<SystemTime> {
    let hex = token.strip_prefix("vanish-")?.split('-').next()?;
    let nanos = u64::try_from(u128::from_str_radix(hex, 16).ok()?).ok()?;
    Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_nanos(nanos))
}

/// A fresh token for a launch of `name` now.
pub fn fresh(name: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let salt = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    #[allow(clippy::cast_possible_truncation)]
    client_token(name, nanos, std::process::id(), salt as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_fit_and_keep_their_unique_part_whatever_the_name() {
        let long = "feature-a-very-long-branch-slug-that-runs-to-sixty-three-chars-x".repeat(3);
        for name in ["mr-7", "", &long, "ünïcode-näme", &"x".repeat(52)] {
            let a = client_token(name, 0x1234_5678_9abc_def0, 4242, 1);
            let b = client_token(name, 0x1234_5678_9abc_def0, 4242, 2);
            let c = client_token(name, 0x1234_5678_9abc_def1, 4242, 1);
            let d = client_token(name, 0x1234_5678_9abc_def0, 4243, 1);
            for t in [&a, &b, &c, &d] {
                assert!(t.len() <= MAX_LEN, "{t} ({})", t.len());
                assert!(
                    t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                    "{t}"
                );
            }
            assert!(
                a != b && a != c && a != d && b != c,
                "{name}: {a} {b} {c} {d}"
            );
        }
        assert_eq!(
            client_token("mr-7", 0xff, 10, 0xab),
            "vanish-ff-a-000000ab-mr-7"
        );
    }

    #[test]
    fn the_launch_time_reads_back() {
        let t = client_token("mr-7", 1_700_000_000_123_456_789, 1, 2);
        assert_eq!(
            launched_at(&t),
            Some(
                SystemTime::UNIX_EPOCH + std::time::Duration::from_nanos(1_700_000_000_123_456_789)
            )
        );
        assert_eq!(launched_at("other-token"), None);
    }

    #[test]
    fn fresh_tokens_differ() {
        let name = "n".repeat(80);
        let a = fresh(&name);
        let b = fresh(&name);
        assert_ne!(a, b);
        assert!(a.len() <= MAX_LEN);
    }
}
