//! `vanish iam-policy`: print the least-privilege IAM policy for the role
//! that runs vanish (CI), as JSON on stdout.
//!
//! Invariants:
//! - The actions come only from `aws::operations::OPERATIONS` (via
//!   `iam::policy`); this command adds no action of its own.
//! - Touches no AWS API and reads no credentials: it works before the
//!   account is set up, which is when it is needed. The region (--region,
//!   AWS_REGION) only picks the ARNs' partition (aws, aws-cn, aws-us-gov).
//! - stdout is exactly the JSON document (or, with `--explain`, one line per
//!   action); problems with the options go to stderr, all at once, exit 2.

use anyhow::Context;

use crate::aws::operations::OPERATIONS;
use crate::exit::{Exit, Failure};
use crate::global::Global;
use crate::iam::{self, DEFAULT_LOG_GROUP, Scope, ScopeInput};
use crate::stdout;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The review-app cluster: an ARN (also pins the region and account of
    /// every ARN in the policy) or a name. Without it, any cluster.
    #[arg(long, env = "VANISH_CLUSTER", value_name = "ARN|NAME")]
    pub cluster: Option<String>,
    /// The task execution role vanish may pass to ECS. Without this and
    /// --task-role-arn, roles named `vanish-*`.
    #[arg(long, env = "VANISH_EXECUTION_ROLE_ARN", value_name = "ARN")]
    pub execution_role_arn: Option<String>,
    /// The task role vanish may pass to ECS.
    #[arg(long, env = "VANISH_TASK_ROLE_ARN", value_name = "ARN")]
    pub task_role_arn: Option<String>,
    /// Log groups `vanish logs` may read: a name or a pattern with `*`.
    #[arg(
        long,
        env = "VANISH_IAM_LOG_GROUP",
        value_name = "NAME",
        default_value = DEFAULT_LOG_GROUP
    )]
    pub log_group: String,
    /// Instead of the JSON, list each action with the reason vanish needs it.
    #[arg(long, env = "VANISH_IAM_EXPLAIN")]
    pub explain: bool,
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<Exit> {
    let input = ScopeInput {
        region: global.region.as_deref(),
        cluster: args.cluster.as_deref(),
        execution_role_arn: args.execution_role_arn.as_deref(),
        task_role_arn: args.task_role_arn.as_deref(),
        log_group: Some(&args.log_group),
    };
    let scope = Scope::parse(&input).map_err(|e| {
        let n = e.problems.len();
        let mut f = Failure::new(
            Exit::BadInput,
            format!(
                "invalid iam-policy option{}: {n} problem{}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "" } else { "s" }
            ),
        );
        for p in e.problems {
            f = f.detail(format!("  --> {p}"));
        }
        f.hint("see `vanish iam-policy --help`")
    })?;
    let text = if args.explain {
        explain()
    } else {
        serde_json::to_string_pretty(&iam::policy(OPERATIONS, &scope))? + "\n"
    };
    // `vanish iam-policy | head` is not a failure.
    stdout::print(&text).context("writing the policy to stdout")?;
    Ok(Exit::Ok)
}

/// `service:Action  why`, one line each, in the list's order.
fn explain() -> String {
    let width = OPERATIONS
        .iter()
        .map(|(s, a, _)| s.len() + 1 + a.len())
        .max()
        .unwrap_or(0);
    OPERATIONS
        .iter()
        .map(|(s, a, why)| format!("{:<width$}  {why}\n", format!("{s}:{a}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_lists_every_operation_once() {
        let text = explain();
        assert_eq!(text.lines().count(), OPERATIONS.len());
        for (line, (s, a, why)) in text.lines().zip(OPERATIONS) {
            assert!(line.starts_with(&format!("{s}:{a} ")), "{line}");
            assert!(line.ends_with(why), "{line}");
        }
    }
}
