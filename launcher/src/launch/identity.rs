//! A Plan's identity fields must be vanish's own: `startedBy: vanish` and a
//! `vanish:name` tag equal to the Plan's name. `ls`, `down`, `sweep`, `logs`
//! and replacement find tasks only by these; a Plan edited by hand (`up
//! --plan`) that changes them would launch a task none of them ever sees.
//!
//! Invariant: every problem is reported at once, as bad input (exit 2),
//! before any AWS call.

use crate::contract::{STARTED_BY, TAG_EXPIRES_AT, TAG_NAME};
use crate::exit::{Exit, Failure};
use crate::plan::Plan;

/// Checks the identity fields of `plan` (pure).
pub fn check(plan: &Plan) -> Result<(), Failure> {
    let rt = &plan.run_task;
    let mut problems = Vec::new();
    if rt.started_by != STARTED_BY {
        problems.push(format!(
            "runTask.startedBy is {:?}, not {STARTED_BY:?}",
            rt.started_by
        ));
    }
    let names: Vec<&str> = rt
        .tags
        .iter()
        .filter(|t| t.key == TAG_NAME)
        .map(|t| t.value.as_str())
        .collect();
    if names != [plan.vanish.name.as_str()] {
        problems.push(format!(
            "runTask.tags must hold {TAG_NAME}={:?} once (found {names:?})",
            plan.vanish.name
        ));
    }
    if plan.vanish.name.is_empty() {
        problems.push("vanish.name is empty".into());
    }
    if !rt.tags.iter().any(|t| t.key == TAG_EXPIRES_AT) {
        problems.push(format!(
            "runTask.tags has no {TAG_EXPIRES_AT} (sweep could never stop the task)"
        ));
    }
    if rt.cluster != plan.vanish.cluster {
        problems.push(format!(
            "runTask.cluster {:?} differs from vanish.cluster {:?}",
            rt.cluster, plan.vanish.cluster
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut f = Failure::new(
        Exit::BadInput,
        "the plan's identity fields are not vanish's: ls, down and sweep would never see the task",
    );
    for p in problems {
        f = f.detail(format!("  --> {p}"));
    }
    Err(f.hint(
        "render the plan again with `vanish render --show-secrets`; do not edit these fields",
    ))
}
