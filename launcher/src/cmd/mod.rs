//! One module per subcommand: its `Args` and its `run`.
pub mod down;
pub mod iam_policy;
pub mod logs;
pub mod ls;
pub mod render;
pub mod run;
pub mod sweep;
pub mod up;
