//! `vanish ls`: list running review apps (tasks with `startedBy: vanish`).
//!
//! Invariants: ListTasks is paginated and DescribeTasks batched by 100, so
//! N tasks cost ceil(N/100) DescribeTasks calls; ENI addresses are looked up
//! in batches too, and each task definition's ports once.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use crate::apps::{App, relative, seconds_until, short};
use crate::aws::{Clients, ec2, ecs, tasks};
use crate::exit::Exit;
use crate::global::Global;
use crate::net;
use crate::stdout;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ECS cluster (name or ARN).
    #[arg(long, env = "VANISH_CLUSTER", default_value = "default")]
    pub cluster: String,
    /// Output format on stdout.
    #[arg(long, env = "VANISH_OUTPUT", value_enum, default_value = "text")]
    pub output: Format,
}

/// Every review app in `cluster`, with addresses and URLs filled in.
pub async fn apps(clients: &Clients, cluster: &str) -> anyhow::Result<Vec<App>> {
    let tasks = ecs::list_vanish_tasks(&clients.ecs, cluster).await?;
    let mut apps: Vec<App> = tasks.iter().filter_map(App::from_task).collect();
    let enis: Vec<String> = apps.iter().filter_map(|a| a.eni_id.clone()).collect();
    let mut public = HashMap::new();
    for batch in enis.chunks(200) {
        for e in ec2::network_interfaces(&clients.ec2, batch).await? {
            if let (Some(id), Some(ip)) = (e.network_interface_id(), net::public_ip(&e)) {
                public.insert(id.to_string(), ip.to_string());
            }
        }
    }
    let mut ports: HashMap<String, Vec<u16>> = HashMap::new();
    for a in &mut apps {
        a.public_ip = a.eni_id.as_ref().and_then(|e| public.get(e).cloned());
        let ip = a.public_ip.clone().or_else(|| a.private_ip.clone());
        if !ports.contains_key(&a.task_definition) && !a.task_definition.is_empty() {
            let defs = tasks::container_definitions(clients, &a.task_definition).await?;
            let p = net::public_ports(&defs);
            ports.insert(a.task_definition.clone(), p);
        }
        let port = ports
            .get(&a.task_definition)
            .and_then(|p| p.first().copied());
        a.url = match (ip, port) {
            (Some(ip), Some(port)) => Some(format!("http://{ip}:{port}")),
            _ => None,
        };
    }
    apps.sort_by(|a, b| a.name.cmp(&b.name).then(a.task_id.cmp(&b.task_id)));
    Ok(apps)
}

/// The text table.
pub fn table(apps: &[App], now: SystemTime) -> String {
    let mut rows = vec![
        [
            "NAME",
            "STATUS",
            "URL",
            "AGE",
            "EXPIRES",
            "REQUESTED BY",
            "REF",
            "TASK",
        ]
        .map(String::from),
    ];
    for a in apps {
        let age = a
            .created_at
            .as_deref()
            .and_then(|c| humantime::parse_rfc3339_weak(c).ok())
            .and_then(|c| now.duration_since(c).ok())
            .map_or_else(|| "-".into(), |d: Duration| short(d));
        let exp = a
            .expiry()
            .map_or_else(|| "-".into(), |e| relative(seconds_until(now, e)));
        rows.push([
            a.name.clone(),
            a.status.clone(),
            a.url.clone().unwrap_or_else(|| "-".into()),
            age,
            exp,
            a.requested_by.clone().unwrap_or_else(|| "-".into()),
            a.git_ref.clone().unwrap_or_else(|| "-".into()),
            a.task_id.clone(),
        ]);
    }
    let mut widths = [0usize; 8];
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

pub async fn run(global: &Global, args: Args) -> anyhow::Result<Exit> {
    let clients = Clients::new(&global.aws()).await?;
    let apps = apps(&clients, &args.cluster).await?;
    match args.output {
        Format::Json => stdout::println(&serde_json::to_string_pretty(&apps)?)?,
        Format::Text if apps.is_empty() => {
            tracing::info!(cluster = %args.cluster, "no review apps running")
        }
        Format::Text => stdout::print(&table(&apps, SystemTime::now()))?,
    }
    Ok(Exit::Ok)
}
