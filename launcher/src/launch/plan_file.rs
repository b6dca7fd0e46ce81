//! A Plan file (`up --plan`, `run --plan`): read, parsed, and refused when
//! it holds render's mask (launching it would set secrets to the mask) or
//! identity fields that are not vanish's (`identity.rs`).
//!
//! Invariant: every refusal is bad input (exit 2) naming the file.

use anyhow::Context;

use crate::exit::{Exit, Failure};
use crate::mask::MASK;
use crate::plan::Plan;

/// The Plan from `--plan FILE`, or loaded from the spec, while honouring
/// `signals`: a signal while the spec loads ends with a clear message and
/// the signal's documented exit (the load runs off the async thread).
pub async fn load(
    plan: Option<&std::path::Path>,
    spec: &crate::spec::SpecArgs,
    region: Option<String>,
    signals: &mut crate::interrupt::Signals,
) -> anyhow::Result<Plan> {
    let plan = plan.map(std::path::Path::to_path_buf);
    let spec = spec.clone();
    let work = tokio::task::spawn_blocking(move || match plan {
        Some(path) => read_plan(&path),
        None => crate::load::load_plan(&spec, &crate::spec::LoadContext::from_process(region)),
    });
    tokio::select! {
        s = signals.next() => Err(Failure::new(
            s.exit(),
            format!("interrupted ({}) while loading the spec: nothing was launched", s.name()),
        )
        .into()),
        r = work => r.map_err(|e| anyhow::anyhow!("loading the spec: {e}"))?,
    }
}

/// Reads a Plan file (`-` for stdin).
pub fn read_plan(path: &std::path::Path) -> anyhow::Result<Plan> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading the plan from stdin")?
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            Failure::new(
                Exit::BadInput,
                format!("cannot read the plan {}: {e}", path.display()),
            )
        })?
    };
    let plan: Plan = serde_json::from_str(&text).map_err(|e| {
        Failure::new(
            Exit::BadInput,
            format!("{}: not a vanish plan: {e}", path.display()),
        )
        .hint("write it with `vanish render --show-secrets > plan.json`")
    })?;
    let masked = masked_names(&plan);
    if !masked.is_empty() {
        return Err(Failure::new(
            Exit::BadInput,
            format!(
                "{}: the plan holds masked values ({}); launching it would set them to {MASK:?}",
                path.display(),
                masked.join(", ")
            ),
        )
        .hint("render it with `vanish render --show-secrets > plan.json`")
        .into());
    }
    super::identity::check(&plan).map_err(|f| {
        let msg = format!("{}: {}", path.display(), f.message);
        Failure { message: msg, ..f }
    })?;
    Ok(plan)
}

/// Environment variables whose value is render's mask, container by container.
pub fn masked_names(plan: &Plan) -> Vec<String> {
    let defs = plan
        .register_task_definition
        .container_definitions
        .iter()
        .map(|c| (&c.name, &c.environment));
    let overrides = plan
        .run_task
        .overrides
        .container_overrides
        .iter()
        .map(|c| (&c.name, &c.environment));
    defs.chain(overrides)
        .flat_map(|(container, env)| {
            env.iter()
                .filter(|kv| crate::mask::is_masked(&kv.value))
                .map(move |kv| format!("{container}.{}", kv.name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{ContainerDefinition, ContainerOverride, KeyValue};

    fn kv(name: &str, value: &str) -> KeyValue {
        KeyValue {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn masked_values_are_found_in_definitions_and_overrides() {
        let json = include_str!("../../../examples/review-app/render.golden.json");
        let mut plan: Plan = serde_json::from_str(json).expect("golden plan parses");
        // The golden is rendered with masking on.
        assert_eq!(masked_names(&plan), ["web.SECRET_KEY"]);
        for c in &mut plan.register_task_definition.container_definitions {
            c.environment.retain(|kv| kv.value != MASK);
        }
        assert!(masked_names(&plan).is_empty());
        plan.register_task_definition
            .container_definitions
            .push(ContainerDefinition {
                name: "side".into(),
                environment: vec![kv("A", "1"), kv("DB_PASSWORD", MASK)],
                ..Default::default()
            });
        plan.run_task
            .overrides
            .container_overrides
            .push(ContainerOverride {
                name: "side".into(),
                command: None,
                environment: vec![kv("TOKEN", MASK)],
            });
        assert_eq!(masked_names(&plan), ["side.DB_PASSWORD", "side.TOKEN"]);
    }
}
