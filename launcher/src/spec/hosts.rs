//! Sibling service names used as hosts in environment values (pure).
//!
//! In a Fargate task every container shares one network namespace and there
//! is no Compose DNS: `DB_HOST=db` or `postgres://u:p@db/x` cannot resolve.
//! This module finds those uses; `plan::translate` warns about each (located,
//! naming the value and the fix) or, when the spec opts in
//! (`x-vanish rewrite_hosts: true`, `--rewrite-hosts`), rewrites them to
//! `localhost` and lists each rewrite in a note.
//!
//! Invariants: only host positions are matched, never a bare word elsewhere
//! in the value:
//! - the host of a URL (`scheme://[user[:pass]@]NAME[:port][/...]`);
//! - `NAME:PORT` items (digits after the colon), alone or in a comma list;
//! - the whole value `NAME` when the variable's name says it holds a host
//!   (contains HOST, ADDR, SERVER, ENDPOINT, BROKER or NODE).

/// One use of a service name as a host: the byte range in the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUse {
    pub service: String,
    pub start: usize,
    pub end: usize,
}

const HOST_WORDS: &[&str] = &["HOST", "ADDR", "SERVER", "ENDPOINT", "BROKER", "NODE"];

/// The uses of any of `services` as a host in `value` of variable `var`, in order.
pub fn find(var: &str, value: &str, services: &[&str]) -> Vec<HostUse> {
    let mut out = Vec::new();
    let upper = var.to_ascii_uppercase();
    if services.contains(&value) && HOST_WORDS.iter().any(|w| upper.contains(w)) {
        out.push(HostUse {
            service: value.to_string(),
            start: 0,
            end: value.len(),
        });
        return out;
    }
    // Split on commas and whitespace: "a:1,b:2", "--host db:5432".
    let mut pos = 0;
    for item in value.split([',', ' ', ';']) {
        let start = pos;
        pos += item.len() + 1;
        if let Some((s, e)) = url_host(item) {
            push(&mut out, &item[s..e], start + s, services);
        } else if let Some((name, port)) = item.split_once(':')
            && !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
        {
            push(&mut out, name, start, services);
        }
    }
    out
}

fn push(out: &mut Vec<HostUse>, name: &str, start: usize, services: &[&str]) {
    if services.contains(&name) {
        out.push(HostUse {
            service: name.to_string(),
            start,
            end: start + name.len(),
        });
    }
}

/// The host's byte range in a URL item `scheme://[userinfo@]host[:port][/...]`.
fn url_host(item: &str) -> Option<(usize, usize)> {
    let scheme_end = item.find("://")?;
    let scheme = &item[..scheme_end];
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let auth_start = scheme_end + 3;
    let rest = &item[auth_start..];
    let auth_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..auth_len];
    let host_start = auth.rfind('@').map_or(0, |i| i + 1);
    let host = &auth[host_start..];
    let host_len = host.find(':').unwrap_or(host.len());
    Some((auth_start + host_start, auth_start + host_start + host_len))
}

/// `value` with every use replaced by `localhost`.
pub fn rewrite(value: &str, uses: &[HostUse]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for u in uses {
        out.push_str(&value[at..u.start]);
        out.push_str("localhost");
        at = u.end;
    }
    out.push_str(&value[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_positions_only() {
        let services = ["db", "redis", "postgres", "elasticsearch"];
        let table: &[(&str, &str, &str)] = &[
            ("WORDPRESS_DB_HOST", "db", "localhost"),
            ("WORDPRESS_DB_HOST", "db:3306", "localhost:3306"),
            (
                "DATABASE_URL",
                "postgres://u:p@db/x",
                "postgres://u:p@localhost/x",
            ),
            (
                "DATABASE_URL",
                "postgres://postgres:secret@postgres:5432/postgres",
                "postgres://postgres:secret@localhost:5432/postgres",
            ),
            (
                "ELASTICSEARCH_HOSTS",
                "http://elasticsearch:9200",
                "http://localhost:9200",
            ),
            ("REDIS_HOST", "redis", "localhost"),
            ("NODES", "db:1,redis:2", "localhost:1,localhost:2"),
            // Not host positions: left alone.
            ("POSTGRES_USER", "postgres", "postgres"),
            ("POSTGRES_DB", "db", "db"),
            ("GREETING", "hello db", "hello db"),
            ("DB_HOST", "db.example.com", "db.example.com"),
            ("URL", "http://dbx:80", "http://dbx:80"),
            ("TIME", "db:ab", "db:ab"),
        ];
        for (var, value, want) in table {
            let uses = find(var, value, &services);
            assert_eq!(rewrite(value, &uses), *want, "{var}={value}");
        }
    }
}
