//! Thin wrappers around the AWS SDK: client construction and one module per service.
pub mod logs;
pub mod operations;
