//! Reading a review app's CloudWatch Logs: where they are, which window, how
//! they are shown. Pure; the SDK calls live in `aws/logs.rs`.
//!
//! - `source`: task definition awslogs settings + task id → log group/stream per container.
//! - `window`: `--since 10m` / RFC 3339 and `--tail N` → what to fetch.
//! - `format`: one output line per event, service-prefixed and colour-coded on a TTY.
//! - `pager`: the stop rule for `nextForwardToken` pagination.

pub mod format;
pub mod pager;
pub mod source;
pub mod window;
