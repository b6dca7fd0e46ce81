//! The result of `up` for people and machines (pure formatting): text lines,
//! a JSON object, GitHub step outputs and summary, a dotenv file.
//!
//! Invariants: one text line per public service, URL first; the JSON object's
//! keys are exactly name, task_arn, cluster, public_ip, private_ip, urls,
//! expires_at, task_definition; dotenv values never contain newlines.

use std::time::SystemTime;

use serde::Serialize;

use crate::apps::{relative, seconds_until};

/// What `up` achieved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpOutcome {
    pub name: String,
    pub task_arn: String,
    pub cluster: String,
    pub public_ip: Option<String>,
    pub private_ip: Option<String>,
    pub urls: Vec<String>,
    pub expires_at: String,
    pub task_definition: String,
    /// (service, url) pairs behind `urls`.
    #[serde(skip)]
    pub services: Vec<(String, String)>,
    /// Tasks of the same name that were stopped after this one came up.
    #[serde(skip)]
    pub replaced: Vec<String>,
    /// `--no-wait`: the task may not be running yet.
    #[serde(skip)]
    pub waited: bool,
}

/// `http://IP:PORT` for each public port.
pub fn urls(ip: &str, ports: &[(String, u16)]) -> Vec<(String, String)> {
    ports
        .iter()
        .map(|(svc, port)| (svc.clone(), format!("http://{ip}:{port}")))
        .collect()
}

/// The text result: one line per public service; a single line with the
/// task ARN when there is no URL (yet).
pub fn text(o: &UpOutcome, now: SystemTime) -> String {
    let when = humantime::parse_rfc3339_weak(&o.expires_at)
        .map(|e| relative(seconds_until(now, e)))
        .unwrap_or_default();
    let tail = format!(
        "{}  expires {} ({when})  {}",
        o.name, o.expires_at, o.task_arn
    );
    if o.services.is_empty() {
        return format!("-  {tail}\n");
    }
    o.services
        .iter()
        .map(|(svc, url)| format!("{url}  {svc}  {tail}\n"))
        .collect()
}

/// The JSON result, one object.
pub fn json(o: &UpOutcome) -> String {
    serde_json::to_string_pretty(o).unwrap_or_default() + "\n"
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// The public IP, else the private one, else empty.
fn best_ip(o: &UpOutcome) -> &str {
    o.public_ip
        .as_deref()
        .or(o.private_ip.as_deref())
        .unwrap_or("")
}

/// The first public service's URL, or empty.
fn first_url(o: &UpOutcome) -> &str {
    o.urls.first().map_or("", String::as_str)
}

/// Lines appended to `$GITHUB_OUTPUT`.
pub fn github_output(o: &UpOutcome) -> String {
    let ip = best_ip(o);
    format!(
        "url={}\nip={}\ntask_arn={}\n",
        one_line(first_url(o)),
        one_line(ip),
        one_line(&o.task_arn)
    )
}

/// Markdown appended to `$GITHUB_STEP_SUMMARY`.
pub fn github_summary(o: &UpOutcome) -> String {
    let mut s = format!("### Review app `{}`\n\n", o.name);
    for (svc, url) in &o.services {
        s.push_str(&format!("- {svc}: {url}\n"));
    }
    s.push_str(&format!(
        "- expires: {}\n- task: `{}`\n",
        o.expires_at, o.task_arn
    ));
    s
}

/// The `--dotenv` file (GitLab `artifacts:reports:dotenv`).
pub fn dotenv(o: &UpOutcome) -> String {
    let ip = best_ip(o);
    format!(
        "VANISH_URL={}\nVANISH_IP={}\nVANISH_NAME={}\nVANISH_TASK_ARN={}\nVANISH_CLUSTER={}\nVANISH_EXPIRES_AT={}\n",
        one_line(first_url(o)),
        one_line(ip),
        one_line(&o.name),
        one_line(&o.task_arn),
        one_line(&o.cluster),
        one_line(&o.expires_at),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome() -> UpOutcome {
        let services = urls("3.4.5.6", &[("web".into(), 80), ("api".into(), 8080)]);
        UpOutcome {
            name: "mr-42".into(),
            task_arn: "arn:aws:ecs:us-east-1:1:task/default/abc".into(),
            cluster: "default".into(),
            public_ip: Some("3.4.5.6".into()),
            private_ip: Some("10.0.0.5".into()),
            urls: services.iter().map(|(_, u)| u.clone()).collect(),
            expires_at: "2026-11-21T14:00:00Z".into(),
            task_definition: "arn:aws:ecs:us-east-1:1:task-definition/vanish-mr-42:3".into(),
            services,
            replaced: vec![],
            waited: true,
        }
    }

    #[test]
    fn text_has_one_line_per_service() {
        let now = humantime::parse_rfc3339("2026-11-21T12:00:00Z").expect("time");
        assert_eq!(
            text(&outcome(), now),
            "http://3.4.5.6:80  web  mr-42  expires 2026-11-21T14:00:00Z (in 2h 0m)  arn:aws:ecs:us-east-1:1:task/default/abc\n\
             http://3.4.5.6:8080  api  mr-42  expires 2026-11-21T14:00:00Z (in 2h 0m)  arn:aws:ecs:us-east-1:1:task/default/abc\n"
        );
    }

    #[test]
    fn json_has_exactly_the_documented_keys() {
        let v: serde_json::Value = serde_json::from_str(&json(&outcome())).expect("json");
        let mut keys: Vec<&String> = v.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "cluster",
                "expires_at",
                "name",
                "private_ip",
                "public_ip",
                "task_arn",
                "task_definition",
                "urls"
            ]
        );
    }

    #[test]
    fn github_and_dotenv() {
        let o = outcome();
        assert_eq!(
            github_output(&o),
            "url=http://3.4.5.6:80\nip=3.4.5.6\ntask_arn=arn:aws:ecs:us-east-1:1:task/default/abc\n"
        );
        assert!(
            dotenv(&o).starts_with(
                "VANISH_URL=http://3.4.5.6:80\nVANISH_IP=3.4.5.6\nVANISH_NAME=mr-42\n"
            )
        );
        assert!(github_summary(&o).contains("- web: http://3.4.5.6:80\n"));
    }
}
