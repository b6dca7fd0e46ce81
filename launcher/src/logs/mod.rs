//! Reading a review app's CloudWatch Logs: where they are, which window, how
//! they are shown. Pure, apart from `read` (the engine: finding the task,
//! printing or following its streams); the SDK calls live in `aws/`.
//!
//! - `source`: task definition awslogs settings + task id → log group/stream per container.
//! - `window`: `--since 10m` / RFC 3339 and `--tail N` → what to fetch.
//! - `format`: one output line per event, service-prefixed and colour-coded on a TTY.
//! - `pager`: the stop rule for `nextForwardToken` pagination.
//! - `read`: find the task, print its logs once or follow them to its end.

pub mod format;
pub mod pager;
pub mod read;
pub mod source;
pub mod window;
