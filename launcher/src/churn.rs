//! Task-definition diff with ECS's defaults normalised (pure): register a new
//! revision only when something really differs, and say what.
//!
//! Invariants:
//! - `normalise` fills in what ECS fills in on its side (protocol `tcp`,
//!   hostPort = containerPort, container cpu 0 = unset, health-check
//!   interval/timeout/retries 30/5/3), sorts what ECS may reorder
//!   (environment, secrets, tags, ulimits) and reduces role ARNs to the role
//!   name, so an unchanged spec compares equal to the revision ECS returns.
//! - `diff` lists the differing fields as paths, e.g.
//!   `containerDefinitions[web].image`; empty means "reuse the revision".

use serde_json::Value;

use crate::plan::model::{ContainerDefinition, RegisterTaskDefinition};

fn role_name(arn: &Option<String>) -> Option<String> {
    arn.as_ref().map(|a| match a.rsplit_once(":role/") {
        Some((_, path)) => path.rsplit('/').next().unwrap_or(path).to_string(),
        None => a.clone(),
    })
}

fn container(mut c: ContainerDefinition) -> ContainerDefinition {
    c.environment.sort();
    c.secrets.sort_by(|a, b| a.name.cmp(&b.name));
    c.ulimits.sort_by(|a, b| a.name.cmp(&b.name));
    for p in &mut c.port_mappings {
        if p.protocol.is_empty() {
            p.protocol = "tcp".into();
        }
        if p.host_port == 0 {
            p.host_port = p.container_port;
        }
    }
    if c.cpu == Some(0) {
        c.cpu = None;
    }
    if let Some(h) = &mut c.health_check {
        h.interval.get_or_insert(30);
        h.timeout.get_or_insert(5);
        h.retries.get_or_insert(3);
        if h.start_period == Some(0) {
            h.start_period = None;
        }
    }
    if let Some(l) = &mut c.log_configuration {
        l.secret_options.sort_by(|a, b| a.name.cmp(&b.name));
    }
    c
}

/// The task definition as ECS would store it.
pub fn normalise(td: &RegisterTaskDefinition) -> RegisterTaskDefinition {
    let mut td = td.clone();
    td.task_role_arn = role_name(&td.task_role_arn);
    td.execution_role_arn = role_name(&td.execution_role_arn);
    td.container_definitions = td
        .container_definitions
        .into_iter()
        .map(container)
        .collect();
    td.container_definitions.sort_by(|a, b| a.name.cmp(&b.name));
    td.volumes.sort_by(|a, b| a.name.cmp(&b.name));
    td.tags.sort();
    td.requires_compatibilities.sort();
    td
}

/// The fields in which `current` (the latest ACTIVE revision) differs from
/// `wanted` (the Plan), after normalising both.
pub fn diff(wanted: &RegisterTaskDefinition, current: &RegisterTaskDefinition) -> Vec<String> {
    let a = serde_json::to_value(normalise(wanted)).unwrap_or(Value::Null);
    let b = serde_json::to_value(normalise(current)).unwrap_or(Value::Null);
    let mut out = Vec::new();
    walk("", &a, &b, &mut out);
    out
}

fn name_of(v: &Value) -> Option<&str> {
    v.get("name").and_then(Value::as_str)
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let null = Value::Null;
                walk(
                    &join(k),
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y))
            if x.iter().chain(y.iter()).all(|v| name_of(v).is_some()) =>
        {
            let mut names: Vec<&str> = x.iter().chain(y.iter()).filter_map(name_of).collect();
            names.sort();
            names.dedup();
            for n in names {
                let null = Value::Null;
                let find = |v: &Vec<Value>| v.iter().find(|e| name_of(e) == Some(n)).cloned();
                let (ea, eb) = (find(x), find(y));
                walk(
                    &format!("{path}[{n}]"),
                    ea.as_ref().unwrap_or(&null),
                    eb.as_ref().unwrap_or(&null),
                    out,
                );
            }
        }
        _ if a == b => {}
        _ => out.push(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{HealthCheck, KeyValue, PortMapping};

    fn td() -> RegisterTaskDefinition {
        RegisterTaskDefinition {
            family: "vanish-mr-1".into(),
            execution_role_arn: Some("ecsTaskExecutionRole".into()),
            network_mode: "awsvpc".into(),
            requires_compatibilities: vec!["FARGATE".into()],
            cpu: "256".into(),
            memory: "512".into(),
            container_definitions: vec![ContainerDefinition {
                name: "web".into(),
                image: "nginx:1".into(),
                essential: true,
                memory: Some(512),
                environment: vec![
                    KeyValue {
                        name: "B".into(),
                        value: "2".into(),
                    },
                    KeyValue {
                        name: "A".into(),
                        value: "1".into(),
                    },
                ],
                port_mappings: vec![PortMapping {
                    container_port: 80,
                    host_port: 80,
                    protocol: "tcp".into(),
                    name: None,
                }],
                health_check: Some(HealthCheck {
                    command: vec!["CMD".into(), "true".into()],
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn what_ecs_returns_for_the_same_spec_is_equal() {
        let wanted = td();
        let mut current = td();
        current.execution_role_arn =
            Some("arn:aws:iam::123456789012:role/ecsTaskExecutionRole".into());
        let c = &mut current.container_definitions[0];
        c.environment.reverse();
        c.cpu = Some(0);
        c.health_check = Some(HealthCheck {
            command: vec!["CMD".into(), "true".into()],
            interval: Some(30),
            timeout: Some(5),
            retries: Some(3),
            start_period: None,
        });
        assert_eq!(diff(&wanted, &current), Vec::<String>::new());
    }

    #[test]
    fn differences_are_named() {
        type Edit = fn(&mut RegisterTaskDefinition);
        let table: [(Edit, &[&str]); 5] = [
            (
                |t| t.container_definitions[0].image = "nginx:2".into(),
                &["containerDefinitions[web].image"],
            ),
            (|t| t.cpu = "512".into(), &["cpu"]),
            (
                |t| t.container_definitions[0].environment[0].value = "3".into(),
                &["containerDefinitions[web].environment[B].value"],
            ),
            (
                |t| t.container_definitions[0].port_mappings[0].container_port = 8080,
                &["containerDefinitions[web].portMappings"],
            ),
            (
                |t| {
                    let mut c = t.container_definitions[0].clone();
                    c.name = "worker".into();
                    t.container_definitions.push(c);
                },
                &["containerDefinitions[worker]"],
            ),
        ];
        for (edit, want) in table {
            let mut wanted = td();
            edit(&mut wanted);
            assert_eq!(diff(&wanted, &td()), want.to_vec());
        }
    }
}
