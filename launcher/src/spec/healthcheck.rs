//! The one healthcheck reader, shared by compose `healthcheck`, ecs-params
//! `services.<name>.healthcheck` and a service's `x-vanish.healthcheck` (pure).
//!
//! Invariants:
//! - Every dialect gets the same ECS ranges (interval 5-300 s, timeout 2-60 s,
//!   retries 1-10, startPeriod 0-300 s), each violation a located error.
//! - ecs-params follows ecs-cli: `test` or `command` (never both), a string or
//!   a one-item list runs in a shell (`CMD-SHELL`), times are durations or
//!   whole seconds; its fields override the compose healthcheck one by one.
//! - Compose follows the compose spec: `test` only, a list starts with `CMD`,
//!   `CMD-SHELL` or `NONE`; `disable: true` or `NONE` turns it off.
//! - A healthcheck that ends without a test is an error (ECS cannot use the
//!   image's own HEALTHCHECK), never silently dropped.

use crate::diag::{Diagnostics, Loc};
use crate::ecs_parts::HealthCheck;
use crate::spec::read::{self, Ctx};
use crate::spec::units;
use crate::spec::yaml::{Kind, Node};

/// Which file's rules a healthcheck block follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Compose,
    /// ecs-params and `x-vanish` (ecs-cli's schema).
    EcsParams,
}

/// ECS's accepted ranges: (key, lowest, highest).
pub const RANGES: [(&str, i64, i64); 4] = [
    ("interval", 5, 300),
    ("timeout", 2, 60),
    ("retries", 1, 10),
    ("start_period", 0, 300),
];

/// What one healthcheck block says; `None` = not set here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Partial {
    pub command: Option<Vec<String>>,
    pub interval: Option<i32>,
    pub timeout: Option<i32>,
    pub retries: Option<i32>,
    pub start_period: Option<i32>,
    /// `disable: true` or `test: [NONE]` (compose).
    pub disabled: bool,
    /// A test was written but is invalid (already reported).
    pub bad_test: bool,
    /// The block itself, for "no test" errors.
    pub loc: Option<Loc>,
}

impl Partial {
    /// This block's fields over `base` (ecs-cli's per-field override).
    pub fn over(self, base: Option<&HealthCheck>) -> Partial {
        let b = base.cloned().unwrap_or_default();
        Partial {
            command: self
                .command
                .or_else(|| (!b.command.is_empty()).then_some(b.command)),
            interval: self.interval.or(b.interval),
            timeout: self.timeout.or(b.timeout),
            retries: self.retries.or(b.retries),
            start_period: self.start_period.or(b.start_period),
            disabled: self.disabled,
            bad_test: self.bad_test,
            loc: self.loc,
        }
    }

    /// The ECS health check; `None` when disabled; a located error when there is no test.
    pub fn finish(self, what: &str, diags: &mut Diagnostics) -> Option<HealthCheck> {
        if self.disabled || self.bad_test {
            return None;
        }
        let Some(command) = self.command.filter(|c| !c.is_empty()) else {
            diags
                .error(self.loc.as_ref(), format!("the healthcheck {what} has no test"))
                .hint("ECS does not run the image's own HEALTHCHECK: add 'test', e.g. [\"CMD\", \"curl\", \"-f\", \"http://127.0.0.1/\"]");
            return None;
        };
        Some(HealthCheck {
            command,
            interval: self.interval,
            timeout: self.timeout,
            retries: self.retries,
            start_period: self.start_period,
        })
    }
}

/// Reads one healthcheck mapping. `what` names the service ("of service 'web'").
pub fn read(v: &Node, what: &str, dialect: Dialect, diags: &mut Diagnostics) -> Partial {
    let ctx_s = format!("in the healthcheck {what}");
    let ctx = Ctx { what: &ctx_s };
    let (known, unsupported): (&[&str], &[(&str, &str)]) = match dialect {
        Dialect::Compose => (
            &[
                "test",
                "interval",
                "timeout",
                "retries",
                "start_period",
                "disable",
            ],
            &[(
                "start_interval",
                "ECS has no start interval; 'interval' applies from the start",
            )],
        ),
        Dialect::EcsParams => (
            &[
                "test",
                "command",
                "interval",
                "timeout",
                "retries",
                "start_period",
            ],
            &[],
        ),
    };
    let mut p = Partial {
        loc: Some(v.loc.clone()),
        ..Partial::default()
    };
    let mut test_key: Option<&str> = None;
    for (k, val) in read::entries(v, ctx, known, unsupported, diags) {
        let Some(key) = k.as_str() else { continue };
        match key {
            "disable" if read::boolean(val, key, ctx, diags) == Some(true) => {
                p.disabled = true;
            }
            "test" | "command" => {
                if let Some(first) = test_key {
                    diags
                        .error(
                            Some(&k.loc),
                            format!("the healthcheck {what} has both '{first}' and '{key}'"),
                        )
                        .hint("keep one of them, as ecs-cli required");
                    continue;
                }
                test_key = Some(if key == "test" { "test" } else { "command" });
                match test(val, key, ctx, dialect, diags) {
                    Some(Test::Command(c)) => p.command = Some(c),
                    Some(Test::None) => p.disabled = true,
                    None => p.bad_test = true,
                }
            }
            "retries" => {
                if let Some(r) = read::integer(val, key, i64::from(i32::MAX), ctx, diags)
                    && in_range(key, r, &val.loc, &ctx_s, diags)
                {
                    p.retries = Some(r as i32);
                }
            }
            "interval" | "timeout" | "start_period" => {
                let Some(t) = read::string(val, key, ctx, diags) else {
                    continue;
                };
                match units::parse_seconds(&t) {
                    Ok(secs) => {
                        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
                        if in_range(key, secs, &val.loc, &ctx_s, diags) {
                            let s = Some(secs as i32);
                            match key {
                                "interval" => p.interval = s,
                                "timeout" => p.timeout = s,
                                _ => p.start_period = s,
                            }
                        }
                    }
                    Err(e) => {
                        diags
                            .error(Some(&val.loc), format!("'{key}' {ctx_s}: {e}"))
                            .hint("ECS health checks take whole seconds, e.g. 30s or 1m");
                    }
                }
            }
            _ => {}
        }
    }
    p
}

fn in_range(key: &str, value: i64, loc: &Loc, ctx: &str, diags: &mut Diagnostics) -> bool {
    let Some((_, lo, hi)) = RANGES.iter().find(|(k, _, _)| *k == key) else {
        return true;
    };
    if (*lo..=*hi).contains(&value) {
        return true;
    }
    let unit = if key == "retries" { "" } else { "s" };
    let hint = "ECS takes interval 5-300 s, timeout 2-60 s, start_period 0-300 s (whole seconds) and retries 1-10";
    diags
        .error(
            Some(loc),
            format!("'{key}' {ctx} is {value}{unit}; ECS accepts {lo}{unit} to {hi}{unit}"),
        )
        .hint(hint);
    false
}

enum Test {
    Command(Vec<String>),
    None,
}

fn test(
    v: &Node,
    key: &str,
    ctx: Ctx<'_>,
    dialect: Dialect,
    diags: &mut Diagnostics,
) -> Option<Test> {
    match &v.kind {
        Kind::Seq(_) => {
            let t = read::strings(v, key, ctx, diags)?;
            match (t.first().map(String::as_str), dialect) {
                (Some("NONE"), Dialect::Compose) => Some(Test::None),
                (Some("CMD" | "CMD-SHELL"), _) if t.len() >= 2 => Some(Test::Command(t)),
                // ecs-cli: a one-item list is a shell command.
                (Some(one), Dialect::EcsParams) if t.len() == 1 && !one.is_empty() => {
                    Some(Test::Command(vec!["CMD-SHELL".into(), one.to_string()]))
                }
                _ => {
                    let allowed = if dialect == Dialect::Compose {
                        "CMD, CMD-SHELL or NONE"
                    } else {
                        "CMD or CMD-SHELL"
                    };
                    diags
                        .error(
                            Some(&v.loc),
                            format!(
                                "a healthcheck {key} list {} must start with {allowed}",
                                ctx.what.trim_start_matches("in the healthcheck ")
                            ),
                        )
                        .hint("e.g. [\"CMD\", \"curl\", \"-f\", \"http://127.0.0.1/\"], or a string for a shell command");
                    None
                }
            }
        }
        _ => {
            let s = read::string(v, key, ctx, diags)?;
            if s.trim().is_empty() {
                diags.error(Some(&v.loc), format!("'{key}' {} is empty", ctx.what));
                return None;
            }
            Some(Test::Command(vec!["CMD-SHELL".into(), s]))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use super::*;
    use crate::spec::parse_text;
    use crate::spec::yaml::Source;

    fn run(text: &str, dialect: Dialect) -> (Option<HealthCheck>, Vec<String>) {
        let mut d = Diagnostics::new(false);
        let src = Source {
            file: Arc::from("t.yml"),
            order: 0,
        };
        let n = parse_text(text, &src, &|_| None, &mut BTreeSet::new(), &mut d).expect("yaml");
        let hc = read(&n, "of service 'a'", dialect, &mut d).finish("of service 'a'", &mut d);
        let msgs = d
            .items()
            .iter()
            .map(|i| {
                let l = i.loc.as_ref().map(|l| format!(" @{}:{}", l.line, l.col));
                format!("{}{}", i.message, l.unwrap_or_default())
            })
            .collect();
        (hc, msgs)
    }

    #[test]
    fn ranges_are_the_same_in_every_dialect() {
        for dialect in [Dialect::Compose, Dialect::EcsParams] {
            let (hc, msgs) = run(
                "test: [\"CMD\", \"true\"]\ninterval: 10m\ntimeout: 1s\nretries: 0\nstart_period: 301s\n",
                dialect,
            );
            assert_eq!(
                msgs,
                [
                    "'interval' in the healthcheck of service 'a' is 600s; ECS accepts 5s to 300s @2:11",
                    "'timeout' in the healthcheck of service 'a' is 1s; ECS accepts 2s to 60s @3:10",
                    "'retries' in the healthcheck of service 'a' is 0; ECS accepts 1 to 10 @4:10",
                    "'start_period' in the healthcheck of service 'a' is 301s; ECS accepts 0s to 300s @5:15",
                ],
                "{dialect:?}"
            );
            assert!(hc.is_some());
        }
    }

    #[test]
    fn ecs_params_follow_ecs_cli() {
        let (hc, msgs) = run(
            "command: curl -f http://localhost\ninterval: 70\n",
            Dialect::EcsParams,
        );
        assert!(msgs.is_empty(), "{msgs:?}");
        let hc = hc.expect("hc");
        assert_eq!(hc.command, ["CMD-SHELL", "curl -f http://localhost"]);
        assert_eq!(hc.interval, Some(70));
        let (hc, _) = run("test: [\"curl -f http://localhost\"]\n", Dialect::EcsParams);
        assert_eq!(
            hc.expect("hc").command,
            ["CMD-SHELL", "curl -f http://localhost"]
        );
        let (_, msgs) = run(
            "test: [\"CMD\", \"a\"]\ncommand: [\"CMD\", \"b\"]\n",
            Dialect::EcsParams,
        );
        assert_eq!(
            msgs,
            ["the healthcheck of service 'a' has both 'test' and 'command' @2:1"]
        );
        let (hc, msgs) = run("interval: 10s\n", Dialect::EcsParams);
        assert!(hc.is_none());
        assert_eq!(msgs, ["the healthcheck of service 'a' has no test @1:1"]);
    }

    #[test]
    fn compose_follows_the_compose_spec() {
        let (hc, msgs) = run("test: [\"NONE\"]\n", Dialect::Compose);
        assert!(hc.is_none() && msgs.is_empty());
        let (hc, msgs) = run("test: [\"curl\"]\n", Dialect::Compose);
        assert!(hc.is_none());
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        let (_, msgs) = run("command: x\n", Dialect::Compose);
        assert!(msgs[0].starts_with("unknown key 'command'"), "{msgs:?}");
    }
}
