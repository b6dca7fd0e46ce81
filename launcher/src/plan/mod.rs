//! Spec → Plan: the exact ECS requests for one review app (pure).
pub mod model;
pub mod rules;
pub mod translate;

pub use model::Plan;
