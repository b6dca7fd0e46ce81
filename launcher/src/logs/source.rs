//! Where a container's logs are: the awslogs stream naming rule.
//!
//! ECS names an awslogs stream `<awslogs-stream-prefix>/<container>/<task-id>`.
//! Invariant: a container without the awslogs driver, or without a group or
//! stream prefix, yields a [`SourceError`] naming the container and the
//! missing option; it is never silently skipped.

use std::collections::BTreeMap;

/// What the task definition says of one container's logging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerLogConfig {
    pub container: String,
    /// `awslogs`, `awsfirelens`, ... (`None` when the container has no log configuration).
    pub driver: Option<String>,
    pub options: BTreeMap<String, String>,
}

/// One CloudWatch Logs stream to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSource {
    /// The service (container) name, used as the line prefix.
    pub service: String,
    pub group: String,
    pub stream: String,
    /// `awslogs-region`, when set (the logs may live in another region).
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("container '{container}' does not log to CloudWatch (log driver: {driver})")]
    NotAwslogs { container: String, driver: String },
    #[error("container '{container}' has no '{option}' in its awslogs options")]
    MissingOption {
        container: String,
        option: &'static str,
    },
    #[error("no container named '{wanted}' in this review app (it has: {have})")]
    UnknownService { wanted: String, have: String },
}

/// The task id: the last path segment of a task ARN (or the id itself).
pub fn task_id(task_arn: &str) -> &str {
    task_arn.rsplit('/').next().unwrap_or(task_arn)
}

/// Log sources for `containers` of the task `task_arn`, restricted to
/// `service` when given.
pub fn sources(
    containers: &[ContainerLogConfig],
    task_arn: &str,
    service: Option<&str>,
) -> Result<Vec<LogSource>, SourceError> {
    let picked: Vec<&ContainerLogConfig> = match service {
        None => containers.iter().collect(),
        Some(wanted) => {
            let found: Vec<_> = containers
                .iter()
                .filter(|c| c.container == wanted)
                .collect();
            if found.is_empty() {
                let have = containers
                    .iter()
                    .map(|c| c.container.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(SourceError::UnknownService {
                    wanted: wanted.to_owned(),
                    have,
                });
            }
            found
        }
    };
    picked
        .into_iter()
        .map(|c| source(c, task_id(task_arn)))
        .collect()
}

fn source(c: &ContainerLogConfig, task_id: &str) -> Result<LogSource, SourceError> {
    match c.driver.as_deref() {
        Some("awslogs") => {}
        other => {
            return Err(SourceError::NotAwslogs {
                container: c.container.clone(),
                driver: other.unwrap_or("none").to_owned(),
            });
        }
    }
    let opt = |option: &'static str| {
        c.options
            .get(option)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or(SourceError::MissingOption {
                container: c.container.clone(),
                option,
            })
    };
    let group = opt("awslogs-group")?;
    let prefix = opt("awslogs-stream-prefix")?;
    Ok(LogSource {
        service: c.container.clone(),
        group,
        stream: format!("{prefix}/{}/{task_id}", c.container),
        region: c.options.get("awslogs-region").cloned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn awslogs(name: &str, group: &str, prefix: Option<&str>) -> ContainerLogConfig {
        let mut options = BTreeMap::from([("awslogs-group".to_owned(), group.to_owned())]);
        if let Some(p) = prefix {
            options.insert("awslogs-stream-prefix".to_owned(), p.to_owned());
        }
        options.insert("awslogs-region".to_owned(), "eu-west-1".to_owned());
        ContainerLogConfig {
            container: name.to_owned(),
            driver: Some("awslogs".to_owned()),
            options,
        }
    }

    const ARN: &str = "arn:aws:ecs:eu-west-1:123456789012:task/review/0123456789abcdef";

    #[test]
    fn task_ids() {
        for (arn, id) in [
            (ARN, "0123456789abcdef"),
            ("0123456789abcdef", "0123456789abcdef"),
            ("", ""),
        ] {
            assert_eq!(task_id(arn), id);
        }
    }

    #[test]
    fn streams_follow_the_awslogs_rule() {
        let cs = [
            awslogs("web", "/vanish/mr-1", Some("mr-1")),
            awslogs("proxy", "/vanish/mr-1", Some("mr-1")),
        ];
        let got = sources(&cs, ARN, None).expect("sources");
        let streams: Vec<_> = got
            .iter()
            .map(|s| (s.service.as_str(), s.group.as_str(), s.stream.as_str()))
            .collect();
        assert_eq!(
            streams,
            [
                ("web", "/vanish/mr-1", "mr-1/web/0123456789abcdef"),
                ("proxy", "/vanish/mr-1", "mr-1/proxy/0123456789abcdef"),
            ]
        );
        assert_eq!(got[0].region.as_deref(), Some("eu-west-1"));
        let only = sources(&cs, ARN, Some("proxy")).expect("proxy");
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].service, "proxy");
    }

    #[test]
    fn problems_are_named() {
        let cs = [
            awslogs("web", "/vanish/mr-1", None),
            ContainerLogConfig {
                container: "side".into(),
                driver: None,
                options: BTreeMap::new(),
            },
        ];
        let table: [(Option<&str>, SourceError); 3] = [
            (
                Some("web"),
                SourceError::MissingOption {
                    container: "web".into(),
                    option: "awslogs-stream-prefix",
                },
            ),
            (
                Some("side"),
                SourceError::NotAwslogs {
                    container: "side".into(),
                    driver: "none".into(),
                },
            ),
            (
                Some("db"),
                SourceError::UnknownService {
                    wanted: "db".into(),
                    have: "web, side".into(),
                },
            ),
        ];
        for (service, want) in table {
            assert_eq!(
                sources(&cs, ARN, service).expect_err("an error"),
                want,
                "{service:?}"
            );
        }
    }
}
