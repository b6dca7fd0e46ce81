//! The contract between `vanish` (the launcher) and `vanish-init` (PID 1).
//!
//! This module is the single place where the names shared by the two programs
//! are defined; the README's "The contract" section documents them (tests/docs.rs
//! checks that table against this file) and the
//! end-to-end tests prove the supervisor accepts what the launcher writes.
//!
//! Invariants:
//! - The environment variables are set on every essential container. Values
//!   that are stable across launches (`VANISH_TTL`, `VANISH_GRACE`) live in the
//!   task definition; the per-launch `VANISH_DEADLINE` lives in the RunTask
//!   container overrides, so relaunching never churns the task definition.
//! - Durations are humantime strings (`30m`, `1h30m`), instants RFC 3339 UTC
//!   with a `Z` suffix and whole seconds (`2026-11-21T12:30:00Z`).
//! - Every task vanish starts carries `startedBy = vanish` and the tags below;
//!   `ls`, `down` and `sweep` find review apps by them and nothing else.

/// Lifetime of the review app, e.g. `2h`. Read by vanish-init as `--ttl`.
pub const ENV_TTL: &str = "VANISH_TTL";
/// Absolute expiry, RFC 3339. Read by vanish-init as `--deadline`; the earlier
/// of TTL and deadline wins.
pub const ENV_DEADLINE: &str = "VANISH_DEADLINE";
/// Time between SIGTERM and SIGKILL, e.g. `10s`. Read as `--grace`.
pub const ENV_GRACE: &str = "VANISH_GRACE";
/// Stop after this long without connections, humantime (`15m`); set on
/// essential containers when the spec sets `idle` (x-vanish or `--idle`).
pub const ENV_IDLE: &str = "VANISH_IDLE";
/// The ports whose connections count as activity, comma-separated (`80,443`):
/// the task's public ports. Set with `VANISH_IDLE`.
pub const ENV_IDLE_PORTS: &str = "VANISH_IDLE_PORTS";
/// The signal the app wants instead of SIGTERM (compose `stop_signal`, e.g.
/// `SIGQUIT`); ECS always sends SIGTERM, vanish-init translates it.
pub const ENV_STOP_SIGNAL: &str = "VANISH_STOP_SIGNAL";

/// `startedBy` on every task vanish runs.
pub const STARTED_BY: &str = "vanish";

/// The review app's name, e.g. `mr-42`. One name, at most one live task
/// (after `up` has replaced the old one).
pub const TAG_NAME: &str = "vanish:name";
/// RFC 3339 UTC expiry; `sweep` stops tasks whose expiry is past.
pub const TAG_EXPIRES_AT: &str = "vanish:expires-at";
/// The TTL as given, humantime form.
pub const TAG_TTL: &str = "vanish:ttl";
/// Who asked for it: the CI user (GitLab `GITLAB_USER_LOGIN`, GitHub
/// `GITHUB_ACTOR`) or `$USER`.
pub const TAG_REQUESTED_BY: &str = "vanish:requested-by";
/// The git ref it was built from (branch or MR/PR ref).
pub const TAG_REF: &str = "vanish:ref";

/// Docker label on each public container: its public ports, comma-separated
/// (`80` or `80,443`). `vanish ls` builds URLs from it.
pub const LABEL_PUBLIC_PORTS: &str = "vanish.public-ports";

/// Prefix of the task-definition family: `vanish-<name>`.
pub const FAMILY_PREFIX: &str = "vanish-";
