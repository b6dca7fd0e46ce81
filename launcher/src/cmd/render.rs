//! `vanish render`: load the spec and print the Plan (JSON, or YAML) on
//! stdout, touching no AWS API.
//!
//! Invariants: stdout holds only the Plan; diagnostics go to stderr; any spec
//! error exits 2. Values of environment variables whose name looks secret
//! (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*KEY*`, `*_PASS`, `*_PASSWD`,
//! `*_CREDENTIALS`, `*_AUTH`) and the password of any URL value
//! (`DATABASE_URL`) are masked unless `--show-secrets` (`crate::mask`).

use crate::exit::{Exit, Failure};
use crate::global::Global;
use crate::load;
use crate::mask;
pub use crate::mask::{MASK, looks_secret};
use crate::plan::Plan;
use crate::spec::{LoadContext, SpecArgs};
use crate::stdout;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Output format.
    #[arg(long, short = 'o', env = "VANISH_OUTPUT", default_value = "json", value_parser = ["json", "yaml"])]
    pub output: String,
    /// Print only one request, ready for `aws ecs register-task-definition
    /// --cli-input-json` or `aws ecs run-task --cli-input-json`.
    #[arg(long, env = "VANISH_RENDER_ONLY", value_parser = ["task-definition", "run-task"])]
    pub only: Option<String>,
    /// Print the values of secret-looking variables instead of masking them.
    #[arg(long, env = "VANISH_SHOW_SECRETS")]
    pub show_secrets: bool,
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<Exit> {
    let ctx = LoadContext::from_process(global.region.clone());
    let mut plan = load::load_plan(&args.spec, &ctx)?;
    if !args.show_secrets {
        mask_secrets(&mut plan);
    }
    let text = match args.only.as_deref() {
        Some("task-definition") => to_text(&plan.register_task_definition, &args.output)?,
        Some("run-task") => to_text(&plan.run_task, &args.output)?,
        _ => to_text(&plan, &args.output)?,
    };
    stdout::println(&text)?;
    Ok(Exit::Ok)
}

/// The Plan (or one of its requests) as pretty JSON or YAML.
pub fn to_text<T: serde::Serialize>(plan: &T, output: &str) -> anyhow::Result<String> {
    let text = match output {
        "yaml" => serde_yaml::to_string(plan)
            .map_err(|e| Failure::new(Exit::TaskFailed, format!("rendering YAML: {e}")))?,
        _ => serde_json::to_string_pretty(plan)
            .map_err(|e| Failure::new(Exit::TaskFailed, format!("rendering JSON: {e}")))?,
    };
    Ok(text.trim_end().to_string())
}

/// Masks secret-looking environment values (and URL passwords) in
/// containers and overrides.
pub fn mask_secrets(plan: &mut Plan) {
    let containers = plan
        .register_task_definition
        .container_definitions
        .iter_mut()
        .map(|c| &mut c.environment);
    let overrides = plan
        .run_task
        .overrides
        .container_overrides
        .iter_mut()
        .map(|c| &mut c.environment);
    for env in containers.chain(overrides) {
        for kv in env.iter_mut() {
            kv.value = mask::masked_value(&kv.name, &kv.value);
        }
    }
}
