//! The ECS rules a plan must meet that AWS checks only at `up` time: checked
//! offline at `render`, each a located diagnostic with a hint (pure).
//!
//! - `prepare` (before translation): a service that others wait on to
//!   complete (`service_completed_successfully` → SUCCESS, COMPLETE) becomes
//!   non-essential, with a note; ECS allows COMPLETE/SUCCESS only on a
//!   non-essential container. Marked `essential: true` explicitly, it is an
//!   error. (At least one essential container must remain: `translate`'s
//!   "no service is essential" check runs on the prepared spec.)
//! - `check` (after translation): a task execution role wherever awslogs,
//!   `valueFrom` secrets or private registry credentials need one; the EFS
//!   authorization rules; the platform version (LATEST or a current Fargate
//!   Linux version; 8/16 vCPU and ARM64 need 1.4.0); ulimit names from the
//!   ECS model's enum; the 64 KiB task definition size; NUL in environment
//!   values and characters outside the documented set in image names.
//!
//! Invariants: every rule names its outside source in a comment (the ECS
//! API model's documentation or the Developer Guide); nothing here panics on
//! input; every problem is reported, not only the first.

use crate::diag::{Diagnostics, Loc, Severity};
use crate::plan::model::Plan;
use crate::spec::model::{Service, Spec};

/// ECS model `UlimitName` (botocore ecs service-2.json).
pub const ULIMIT_NAMES: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// The Fargate Linux platform versions a task can run on (Developer Guide,
/// "Fargate Linux platform versions"; 1.0.0 to 1.2.0 are retired).
pub const PLATFORM_VERSIONS: &[&str] = &["LATEST", "1.4.0", "1.3.0"];

/// The Developer Guide's service quota: task definition size, 64 KiB.
pub const MAX_TASK_DEFINITION_BYTES: usize = 64 * 1024;

/// Where the terraform example's execution role comes from, for hints.
const ROLE_HINT: &str = "set task_execution_role in ecs-params.yml (or x-vanish), or --execution-role-arn / VANISH_EXECUTION_ROLE_ARN, to the role's ARN, e.g. the terraform output execution_role_arn (examples/terraform); `vanish iam-policy --execution-role-arn` lets vanish pass it";

/// A service that another waits on to complete or succeed becomes
/// non-essential (a note); explicitly essential, it is an error.
pub fn prepare(spec: &Spec, diags: &mut Diagnostics) -> Spec {
    let mut out = spec.clone();
    for s in &spec.services {
        for d in &s.depends_on {
            if d.condition != "SUCCESS" && d.condition != "COMPLETE" {
                continue;
            }
            let Some(t) = out.services.iter_mut().find(|t| t.name == d.service) else {
                continue; // translate reports the unknown service
            };
            // ECS model, ContainerDependency.condition: COMPLETE and SUCCESS
            // "can't be set on an essential container".
            match t.essential {
                Some(true) => {
                    diags
                        .error(
                            Some(&d.loc),
                            format!(
                                "service '{}' waits for '{}' to {}, but '{}' is marked essential",
                                s.name,
                                t.name,
                                verb(&d.condition),
                                t.name
                            ),
                        )
                        .hint(format!(
                            "ECS allows this only on a non-essential container (and an essential one ends the task when it exits): remove 'essential: true' from '{}'",
                            t.name
                        ));
                }
                Some(false) => {}
                None => {
                    t.essential = Some(false);
                    diags.note(
                        Some(&d.loc),
                        format!(
                            "service '{}' is not essential: '{}' waits for it to {}, which ECS allows only on a non-essential container",
                            t.name,
                            s.name,
                            verb(&d.condition)
                        ),
                    );
                }
            }
        }
    }
    out
}

fn verb(condition: &str) -> &'static str {
    if condition == "SUCCESS" {
        "complete successfully"
    } else {
        "complete"
    }
}

fn service_loc<'s>(spec: &'s Spec, name: &str) -> Option<&'s Loc> {
    spec.services
        .iter()
        .find(|s: &&Service| s.name == name)
        .and_then(|s| s.loc.as_ref())
        .or(spec.services_loc.as_ref())
}

/// Checks the translated plan against the ECS rules above.
pub fn check(spec: &Spec, plan: &Plan, diags: &mut Diagnostics) {
    let td = &plan.register_task_definition;
    execution_role(spec, plan, diags);
    for c in &td.container_definitions {
        let loc = service_loc(spec, &c.name);
        // ECS model, ContainerDefinition.image: letters, numbers, hyphens,
        // underscores, colons, periods, forward slashes, number signs (and
        // the @sha256: of a digest), up to 255 characters.
        // An image whose interpolation failed (`${VAR:?...}` left as is)
        // is reported where the variable is.
        let unresolved = c.image.contains("${");
        let allowed = c
            .image
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_:./#@".contains(ch));
        if !unresolved && (c.image.len() > 255 || !allowed) {
            diags
                .error(
                    loc,
                    format!(
                        "the image of service '{}' ({:?}) has a character ECS does not allow in an image name",
                        c.name,
                        c.image.chars().take(80).collect::<String>()
                    ),
                )
                .hint("image names allow letters, digits and - _ : . / # @ (up to 255): check the variable it came from");
        }
        for kv in &c.environment {
            if kv.value.contains('\0') || kv.name.contains('\0') {
                diags
                    .error(
                        loc,
                        format!(
                            "environment variable {} of service '{}' contains a NUL character",
                            kv.name.replace('\0', "\\0"),
                            c.name
                        ),
                    )
                    .hint("a process environment cannot carry NUL: remove it");
            }
        }
        for u in &c.ulimits {
            if !ULIMIT_NAMES.contains(&u.name.as_str()) {
                diags
                    .error(
                        loc,
                        format!(
                            "ulimit '{}' of service '{}' is not one ECS knows",
                            u.name, c.name
                        ),
                    )
                    .suggest(&u.name, ULIMIT_NAMES);
            }
        }
    }
    efs(spec, plan, diags);
    platform(spec, plan, diags);
    // Developer Guide, Amazon ECS service quotas: task definition size 64 KiB.
    let size = serde_json::to_vec(td).map_or(0, |v| v.len());
    if size > MAX_TASK_DEFINITION_BYTES {
        diags
            .error(
                spec.services_loc.as_ref(),
                format!(
                    "the task definition is {size} bytes, over ECS's limit of {MAX_TASK_DEFINITION_BYTES} (64 KiB)"
                ),
            )
            .hint("move large values out of the environment: into the image, or into Secrets Manager / SSM (secrets)");
    }
}

/// Developer Guide, "Amazon ECS task execution IAM role": the awslogs log
/// driver, secrets referenced by `valueFrom` (Secrets Manager, SSM) and
/// private registry authentication all need the task execution role.
fn execution_role(spec: &Spec, plan: &Plan, diags: &mut Diagnostics) {
    let td = &plan.register_task_definition;
    // A file that could not be read may hold the role: its error says so.
    let unread = diags
        .items()
        .iter()
        .any(|d| d.severity == Severity::Error && d.message.starts_with("cannot read "));
    if unread
        || td
            .execution_role_arn
            .as_deref()
            .is_some_and(|r| !r.is_empty())
    {
        return;
    }
    // (what needs the role, the containers that use it), in a fixed order.
    let mut needs: Vec<(&str, Vec<&str>)> = [
        "awslogs",
        "secrets",
        "log secret options",
        "private registry credentials",
    ]
    .into_iter()
    .map(|w| (w, Vec::new()))
    .collect();
    let mut first: Option<&str> = None;
    for c in &td.container_definitions {
        let log = c.log_configuration.as_ref();
        let uses = [
            log.is_some_and(|l| l.log_driver == "awslogs"),
            !c.secrets.is_empty(),
            log.is_some_and(|l| !l.secret_options.is_empty()),
            c.repository_credentials.is_some(),
        ];
        for (i, used) in uses.into_iter().enumerate() {
            if used {
                first.get_or_insert(&c.name);
                needs[i].1.push(&c.name);
            }
        }
    }
    let Some(first) = first else { return };
    let what: Vec<String> = needs
        .iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(w, names)| format!("{w} ({})", names.join(", ")))
        .collect();
    diags
        .error(
            service_loc(spec, first),
            format!(
                "no task execution role, but ECS needs one for {}",
                what.join(", ")
            ),
        )
        .hint(ROLE_HINT);
}

/// ECS model, EFSAuthorizationConfig and EFSVolumeConfiguration: IAM
/// authorization or an access point need transit encryption; with an access
/// point the root directory must be omitted or `/`.
fn efs(spec: &Spec, plan: &Plan, diags: &mut Diagnostics) {
    for v in &plan.register_task_definition.volumes {
        let Some(e) = &v.efs_volume_configuration else {
            continue;
        };
        let loc = spec
            .services
            .iter()
            .find(|s| s.mount_points.iter().any(|m| m.source_volume == v.name))
            .and_then(|s| s.loc.as_ref())
            .or(spec.services_loc.as_ref());
        let auth = e.authorization_config.as_ref();
        let iam = auth.is_some_and(|a| a.iam.as_deref() == Some("ENABLED"));
        let ap = auth.and_then(|a| a.access_point_id.as_deref());
        let transit = e.transit_encryption.as_deref() == Some("ENABLED");
        if (iam || ap.is_some()) && !transit {
            diags
                .error(
                    loc,
                    format!(
                        "EFS volume '{}' uses {} without transit encryption",
                        v.name,
                        if iam {
                            "IAM authorization"
                        } else {
                            "an access point"
                        }
                    ),
                )
                .hint("set transit_encryption: ENABLED on it in ecs-params efs_volumes");
        }
        if ap.is_some() && e.root_directory.as_deref().is_some_and(|r| r != "/") {
            diags
                .error(
                    loc,
                    format!(
                        "EFS volume '{}' has an access point and root_directory {:?}",
                        v.name,
                        e.root_directory.as_deref().unwrap_or_default()
                    ),
                )
                .hint("the access point sets the directory: drop root_directory (or use /)");
        }
        if e.transit_encryption_port.is_some() && !transit {
            diags
                .error(
                    loc,
                    format!(
                        "EFS volume '{}' sets transit_encryption_port without transit encryption",
                        v.name
                    ),
                )
                .hint("set transit_encryption: ENABLED, or drop the port");
        }
    }
}

/// Developer Guide, "Fargate Linux platform versions": LATEST is 1.4.0;
/// 8 and 16 vCPU tasks and ARM64 need 1.4.0; the ECS model's
/// CapacityProviderStrategyItem: FARGATE_SPOT runs ARM64 on 1.4.0 or later.
/// EFS volumes need 1.4.0 too.
fn platform(spec: &Spec, plan: &Plan, diags: &mut Diagnostics) {
    let Some(v) = plan.run_task.platform_version.as_deref() else {
        return; // LATEST
    };
    let loc = spec.services_loc.as_ref();
    if !PLATFORM_VERSIONS.contains(&v) {
        diags
            .error(
                loc,
                format!("platform_version '{v}' is not a Fargate Linux platform version"),
            )
            .hint("use LATEST (the default), 1.4.0 or 1.3.0")
            .suggest(v, PLATFORM_VERSIONS);
        return;
    }
    if v != "1.3.0" {
        return;
    }
    let td = &plan.register_task_definition;
    let cpu: u32 = td.cpu.parse().unwrap_or(0);
    let mut needs = Vec::new();
    if cpu >= 8192 {
        needs.push(format!("{} vCPU", cpu / 1024));
    }
    if td
        .runtime_platform
        .as_ref()
        .is_some_and(|p| p.cpu_architecture == "ARM64")
    {
        needs.push("ARM64".to_string());
    }
    if td
        .volumes
        .iter()
        .any(|x| x.efs_volume_configuration.is_some())
    {
        needs.push("EFS volumes".to_string());
    }
    if !needs.is_empty() {
        diags
            .error(
                loc,
                format!(
                    "{} need platform version 1.4.0, not 1.3.0",
                    needs.join(" and ")
                ),
            )
            .hint("set platform_version to 1.4.0 or LATEST (the default)");
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::diag::Diagnostics;
    use crate::load::load_texts;

    /// render's diagnostics ("severity: message @line:col", lower case, hints
    /// left out) for a compose file and optional ecs-params.
    fn diags(compose: &str, params: Option<&str>) -> Vec<String> {
        let env = BTreeMap::from([("CI_MERGE_REQUEST_IID".to_string(), "42".to_string())]);
        let mut d = Diagnostics::new(false);
        let _ = load_texts(compose, params, &env, &mut d);
        d.items()
            .iter()
            .map(|x| {
                let at = x
                    .loc
                    .as_ref()
                    .map(|l| format!(" @{}:{}", l.line, l.col))
                    .unwrap_or_default();
                format!("{:?}: {}{at}", x.severity, x.message).to_lowercase()
            })
            .collect()
    }

    const ROLE: &str = "x-vanish:\n  task_execution_role: arn:aws:iam::1:role/exec\n";

    fn errors(compose: &str, params: Option<&str>) -> Vec<String> {
        diags(compose, params)
            .into_iter()
            .filter(|d| d.starts_with("error"))
            .collect()
    }

    #[test]
    fn awslogs_without_an_execution_role_is_a_located_error() {
        assert_eq!(
            errors("services:\n  web:\n    image: nginx\n", None),
            ["error: no task execution role, but ecs needs one for awslogs (web) @2:3"]
        );
        assert_eq!(
            errors(
                &format!("services:\n  web:\n    image: nginx\n{ROLE}"),
                None
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_service_waited_on_to_complete_becomes_non_essential_with_a_note() {
        let compose = format!(
            "services:\n  web:\n    image: app\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n  migrate:\n    image: app\n{ROLE}"
        );
        let d = diags(&compose, None);
        assert!(
            d.iter().any(|x| x
                == "note: service 'migrate' is not essential: 'web' waits for it to complete successfully, which ecs allows only on a non-essential container @5:7"),
            "{d:#?}"
        );
        assert!(!d.iter().any(|x| x.starts_with("error")), "{d:#?}");
        // Explicitly essential: an error at the dependency.
        let params =
            "version: 1\ntask_definition:\n  services:\n    migrate:\n      essential: true\n";
        assert_eq!(
            errors(&compose, Some(params)),
            [
                "error: service 'web' waits for 'migrate' to complete successfully, but 'migrate' is marked essential @5:7"
            ]
        );
        // The only service left essential would be none: translate's check.
        let alone = format!(
            "services:\n  web:\n    image: app\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n  migrate:\n    image: app\n    depends_on:\n      web:\n        condition: service_completed_successfully\n{ROLE}"
        );
        assert!(
            errors(&alone, None)
                .iter()
                .any(|e| e.contains("no service is essential")),
            "{:#?}",
            errors(&alone, None)
        );
    }

    #[test]
    fn platform_version_is_latest_or_a_current_release() {
        let spec = |v: &str, extra: &str| {
            format!("services:\n  web:\n    image: nginx\n{ROLE}  platform_version: {v}\n{extra}")
        };
        assert_eq!(errors(&spec("LATEST", ""), None), Vec::<String>::new());
        assert_eq!(errors(&spec("1.4.0", ""), None), Vec::<String>::new());
        assert_eq!(
            errors(&spec("1.5.0", ""), None),
            ["error: platform_version '1.5.0' is not a fargate linux platform version @1:1"]
        );
        assert_eq!(
            errors(&spec("1.3.0", "  cpu_architecture: ARM64\n"), None),
            ["error: arm64 need platform version 1.4.0, not 1.3.0 @1:1"]
        );
        // Fargate Spot runs ARM64 on 1.4.0 (and LATEST).
        assert_eq!(
            errors(
                &spec("1.4.0", "  capacity: spot\n  cpu_architecture: ARM64\n"),
                None
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn ulimit_names_come_from_the_model() {
        let compose = format!(
            "services:\n  web:\n    image: nginx\n    ulimits:\n      nofiles: 1024\n{ROLE}"
        );
        let e = errors(&compose, None);
        assert!(
            e.iter()
                .any(|x| x == "error: ulimit 'nofiles' of service 'web' is not one ecs knows @2:3"),
            "{e:#?}"
        );
    }

    #[test]
    fn image_names_and_environment_values_aws_rejects() {
        let compose = format!(
            "services:\n  web:\n    image: \"nginx\\n\"\n    environment:\n      A: \"x\\0y\"\n{ROLE}"
        );
        let e = errors(&compose, None);
        assert_eq!(e.len(), 2, "{e:#?}");
        assert!(e[0].contains("image of service 'web'"), "{e:#?}");
        assert!(e[1].contains("nul character"), "{e:#?}");
    }

    #[test]
    fn a_task_definition_over_64_kib_is_refused() {
        let big = "x".repeat(70_000);
        let compose = format!(
            "services:\n  web:\n    image: nginx\n    environment:\n      BIG: {big}\n{ROLE}"
        );
        let e = errors(&compose, None);
        assert!(
            e.iter()
                .any(|x| x.contains("over ecs's limit of 65536 (64 kib)")),
            "{e:#?}"
        );
    }

    #[test]
    fn efs_authorization_rules() {
        let compose = format!(
            "services:\n  web:\n    image: nginx\n    volumes:\n      - data:/data\n{ROLE}"
        );
        let params = |extra: &str| {
            format!(
                "version: 1\ntask_definition:\n  efs_volumes:\n    - name: data\n      filesystem_id: fs-1\n{extra}"
            )
        };
        let ok = params(
            "      access_point: fsap-1\n      iam: ENABLED\n      transit_encryption: ENABLED\n      transit_encryption_port: 2049\n",
        );
        assert_eq!(errors(&compose, Some(&ok)), Vec::<String>::new());
        let e = errors(&compose, Some(&params("      iam: ENABLED\n")));
        assert_eq!(
            e,
            ["error: efs volume 'data' uses iam authorization without transit encryption @2:3"]
        );
        let e = errors(
            &compose,
            Some(&params(
                "      access_point: fsap-1\n      root_directory: /srv\n      transit_encryption: ENABLED\n",
            )),
        );
        assert_eq!(
            e,
            ["error: efs volume 'data' has an access point and root_directory \"/srv\" @2:3"]
        );
    }
}
