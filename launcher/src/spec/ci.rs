//! What the CI environment says about a launch: the default name, who asked
//! for it, and the git ref (pure: reads a map, not the process environment).
//!
//! GitLab: `CI_MERGE_REQUEST_IID` → `mr-<iid>`, `CI_COMMIT_REF_NAME`,
//! `GITLAB_USER_LOGIN`. GitHub: `GITHUB_REF=refs/pull/<n>/merge` → `pr-<n>`,
//! `GITHUB_HEAD_REF`, `GITHUB_REF_NAME`, `GITHUB_ACTOR`. Else the branch slug,
//! and `USER` for requested-by.
//! Invariant: a default name always passes [`check_name`].

use std::collections::BTreeMap;

/// Longest name accepted: keeps `vanish-<name>` and log stream prefixes short.
pub const MAX_NAME: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiFacts {
    /// The default review-app name, if the environment gives one.
    pub name: Option<String>,
    pub requested_by: String,
    pub git_ref: Option<String>,
}

fn get<'a>(env: &'a BTreeMap<String, String>, k: &str) -> Option<&'a str> {
    env.get(k)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

pub fn facts(env: &BTreeMap<String, String>) -> CiFacts {
    let branch = get(env, "CI_COMMIT_REF_NAME")
        .or_else(|| get(env, "GITHUB_HEAD_REF"))
        .or_else(|| get(env, "GITHUB_REF_NAME"));
    let pr = get(env, "GITHUB_REF").and_then(|r| {
        let n = r.strip_prefix("refs/pull/")?.split('/').next()?;
        n.chars().all(|c| c.is_ascii_digit()).then(|| n.to_string())
    });
    let mr = get(env, "CI_MERGE_REQUEST_IID").filter(|n| n.chars().all(|c| c.is_ascii_digit()));
    let name = match (mr, pr) {
        (Some(iid), _) => Some(format!("mr-{iid}")),
        (None, Some(n)) => Some(format!("pr-{n}")),
        _ => branch.map(slug).filter(|s| !s.is_empty()),
    };
    let requested_by = get(env, "GITLAB_USER_LOGIN")
        .or_else(|| get(env, "GITHUB_ACTOR"))
        .or_else(|| get(env, "USER"))
        .unwrap_or("unknown")
        .to_string();
    let git_ref = branch
        .or_else(|| get(env, "GITHUB_REF"))
        .map(str::to_string);
    CiFacts {
        name,
        requested_by,
        git_ref,
    }
}

/// A branch name as a review-app name: lowercase ASCII letters, digits and
/// single hyphens, at most [`MAX_NAME`] characters, no hyphen at either end.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.truncate(MAX_NAME);
    out.trim_end_matches('-').to_string()
}

/// A name must make a valid ECS family (`vanish-<name>`: letters, digits, `-`
/// and `_`) and tag value.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.len() > MAX_NAME {
        return Err(format!(
            "the name '{name}' is longer than {MAX_NAME} characters"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "the name '{name}' contains '{c}'; an ECS family allows only letters, digits, '-' and '_'"
        ));
    }
    Ok(())
}

/// ECS tag values: letters, digits, spaces and `+ - = . _ : / @`, ≤ 256 chars.
pub fn tag_value(s: &str) -> String {
    let mut v: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " +-=._:/@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    while v.len() > 256 {
        v.pop();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn slugs() {
        let table = [
            ("feature/Login-Page", "feature-login-page"),
            ("fix__double--dash", "fix-double-dash"),
            ("-lead/trail-", "lead-trail"),
            ("ünïcode", "n-code"),
            ("///", ""),
        ];
        for (input, want) in table {
            assert_eq!(slug(input), want, "{input}");
        }
        assert_eq!(slug(&"a".repeat(100)).len(), MAX_NAME);
        assert!(!slug(&format!("{}-b", "a".repeat(63))).ends_with('-'));
    }

    #[test]
    fn names_from_ci() {
        type Case<'a> = (
            &'a [(&'a str, &'a str)],
            Option<&'a str>,
            &'a str,
            Option<&'a str>,
        );
        let table: &[Case] = &[
            (
                &[
                    ("CI_MERGE_REQUEST_IID", "42"),
                    ("CI_COMMIT_REF_NAME", "feat/x"),
                    ("GITLAB_USER_LOGIN", "ann"),
                ],
                Some("mr-42"),
                "ann",
                Some("feat/x"),
            ),
            (
                &[
                    ("GITHUB_REF", "refs/pull/7/merge"),
                    ("GITHUB_HEAD_REF", "fix-y"),
                    ("GITHUB_ACTOR", "bob"),
                    ("USER", "root"),
                ],
                Some("pr-7"),
                "bob",
                Some("fix-y"),
            ),
            (
                &[
                    ("GITHUB_REF", "refs/heads/main"),
                    ("GITHUB_REF_NAME", "main"),
                ],
                Some("main"),
                "unknown",
                Some("main"),
            ),
            (
                &[("CI_COMMIT_REF_NAME", "Feature/ABC_1")],
                Some("feature-abc-1"),
                "unknown",
                Some("Feature/ABC_1"),
            ),
            (&[("USER", "dev")], None, "dev", None),
        ];
        for (vars, name, by, r) in table {
            let f = facts(&env(vars));
            assert_eq!(f.name.as_deref(), *name, "{vars:?}");
            assert_eq!(f.requested_by, *by, "{vars:?}");
            assert_eq!(f.git_ref.as_deref(), *r, "{vars:?}");
        }
    }

    #[test]
    fn name_rules() {
        for ok in ["mr-42", "pr_7", "Main", "a"] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "has space", "a/b", "ü", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert_eq!(tag_value("a#b c"), "a_b c");
    }
}
