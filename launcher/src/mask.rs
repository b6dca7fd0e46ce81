//! Secrets: which variable names look secret, which belong to the CI runner,
//! and how their values are hidden (pure; the one place masking lives).
//!
//! Three uses:
//! - `render` replaces the value of a secret-looking variable in the plan
//!   with [`MASK`], and the password of any URL value
//!   (`postgres://app:********@db/app`), unless `--show-secrets`;
//! - the spec loader never interpolates a runner credential
//!   ([`is_runner_credential`]): a compose file belongs to whoever wrote the
//!   change, and the job's AWS keys or CI tokens must not reach a task;
//! - every diagnostic is passed through a [`Redactor`] built from the
//!   variables the spec could interpolate, so that an error quoting an
//!   interpolated value (a shell-split error, a bad port) never prints it.
//!
//! Invariants: [`mask_url_password`] and [`Redactor::redact`] never lengthen a
//! secret into view and never panic; a value shorter than
//! [`MIN_REDACTED_LEN`] characters, or a plain word like `true`, is not
//! redacted from messages (it would garble them and hides nothing).

use std::collections::BTreeMap;

/// What replaces a masked value.
pub const MASK: &str = "********";

/// Shortest value [`Redactor`] removes from messages.
pub const MIN_REDACTED_LEN: usize = 4;

/// Whether a variable's name looks like it holds a secret: it contains
/// `PASSWORD`, `SECRET`, `TOKEN` or `KEY`, or ends with `_PASS`, `_PASSWD`,
/// `_CREDENTIALS` or `_AUTH` (or is one of those words), in any case.
pub fn looks_secret(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    ["PASSWORD", "SECRET", "TOKEN", "KEY"]
        .iter()
        .any(|w| n.contains(w))
        || ["PASS", "PASSWD", "CREDENTIALS", "AUTH"]
            .iter()
            .any(|w| n == *w || n.ends_with(&format!("_{w}")))
}

/// Runner credentials by exact name: AWS (SDK/CLI environment), GitHub
/// Actions and GitLab CI/CD predefined variables that carry a credential.
pub const RUNNER_CREDENTIALS: &[&str] = &[
    // AWS: static and session credentials, web identity, container credentials.
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    // GitHub Actions.
    "GITHUB_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    // GitLab CI/CD (predefined).
    "CI_JOB_TOKEN",
    "CI_BUILD_TOKEN",
    "CI_REGISTRY_PASSWORD",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPENDENCY_PROXY_PASSWORD",
    "CI_REPOSITORY_URL",
];

/// Whether `name` is a credential of the CI runner itself, which vanish never
/// copies into a task: the names in [`RUNNER_CREDENTIALS`], GitHub's
/// `ACTIONS_ID_TOKEN_*`, GitLab's `CI_JOB_JWT*`, and ID token variables
/// (GitLab `id_tokens:` names are chosen by the pipeline; any name holding
/// `ID_TOKEN` or `OIDC_TOKEN`, or ending in `_JWT`, is taken for one).
pub fn is_runner_credential(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    RUNNER_CREDENTIALS.contains(&n.as_str())
        || n.starts_with("ACTIONS_ID_TOKEN_")
        || n.starts_with("CI_JOB_JWT")
        || n.contains("ID_TOKEN")
        || n.contains("OIDC_TOKEN")
        || n.ends_with("_JWT")
}

/// Where the password of a URL value sits: `scheme://user:PASSWORD@host...`.
fn url_password_range(value: &str) -> Option<std::ops::Range<usize>> {
    let start = value.find("://")? + 3;
    let rest = &value[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    let range = start + colon + 1..start + at;
    (!range.is_empty()).then_some(range)
}

/// The password part of a URL value, if it has one.
pub fn url_password(value: &str) -> Option<&str> {
    url_password_range(value).map(|r| &value[r])
}

/// `value` with a URL password replaced by [`MASK`] (unchanged otherwise).
pub fn mask_url_password(value: &str) -> String {
    match url_password_range(value) {
        Some(r) => format!("{}{MASK}{}", &value[..r.start], &value[r.end..]),
        None => value.to_string(),
    }
}

/// The value an environment variable shows when secrets are masked.
pub fn masked_value(name: &str, value: &str) -> String {
    if looks_secret(name) || is_runner_credential(name) {
        MASK.to_string()
    } else {
        mask_url_password(value)
    }
}

/// Whether a value holds the mask (whole, or as a URL's password).
pub fn is_masked(value: &str) -> bool {
    value.contains(MASK)
}

/// Removes secret values from text meant for people (diagnostics, errors).
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so that a secret containing another is removed whole.
    secrets: Vec<String>,
}

impl Redactor {
    /// The secrets among `vars`: values of secret-looking names and of
    /// runner credentials, and the password of every URL value.
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Self {
        let mut secrets: Vec<String> = Vec::new();
        for (k, v) in vars {
            if looks_secret(k) || is_runner_credential(k) {
                secrets.push(v.clone());
            }
            if let Some(p) = url_password(v) {
                secrets.push(p.to_string());
            }
        }
        secrets.retain(|s| worth_redacting(s));
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Redactor { secrets }
    }

    /// `text` with every secret replaced by [`MASK`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }
}

fn worth_redacting(s: &str) -> bool {
    s.chars().count() >= MIN_REDACTED_LEN
        && !s.chars().all(|c| c.is_ascii_digit())
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "none" | "nil" | "empty"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for (name, secret) in [
            ("DB_PASSWORD", true),
            ("SECRET_KEY", true),
            ("api_token", true),
            ("AWS_ACCESS_KEY_ID", true),
            ("KEYCLOAK_URL", true),
            ("SMTP_PASS", true),
            ("LDAP_PASSWD", true),
            ("GCP_CREDENTIALS", true),
            ("REGISTRY_AUTH", true),
            ("basic_auth", true),
            ("PASS", true),
            ("DATABASE_URL", false),
            ("APP_ENV", false),
            ("BYPASS_CACHE", false),
            ("PASSENGER_COUNT", false),
            ("AUTHOR", false),
            ("OAUTH_CALLBACK_URL", false),
        ] {
            assert_eq!(looks_secret(name), secret, "{name}");
        }
    }

    #[test]
    fn runner_credentials() {
        for (name, cred) in [
            ("AWS_SECRET_ACCESS_KEY", true),
            ("AWS_ACCESS_KEY_ID", true),
            ("AWS_SESSION_TOKEN", true),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", true),
            ("GITHUB_TOKEN", true),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", true),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", true),
            ("CI_JOB_TOKEN", true),
            ("CI_JOB_JWT", true),
            ("CI_JOB_JWT_V2", true),
            ("GITLAB_OIDC_TOKEN", true),
            ("VAULT_ID_TOKEN", true),
            ("ID_TOKEN_1", true),
            ("SIGSTORE_JWT", true),
            ("AWS_REGION", false),
            ("AWS_ROLE_ARN", false),
            ("CI_MERGE_REQUEST_IID", false),
            ("GITHUB_REF", false),
            ("DB_PASSWORD", false),
        ] {
            assert_eq!(is_runner_credential(name), cred, "{name}");
        }
    }

    #[test]
    fn url_passwords() {
        let table = [
            (
                "postgres://app:s3cr%40t@db:5432/app",
                "postgres://app:********@db:5432/app",
            ),
            ("redis://:pw@cache:6379/0", "redis://:********@cache:6379/0"),
            ("https://user@host/x", "https://user@host/x"),
            ("https://host/x?u=a:b@c", "https://host/x?u=a:b@c"),
            ("amqp://u:p:q@mq", "amqp://u:********@mq"),
            ("mysql://u:@db", "mysql://u:@db"),
            ("not a url", "not a url"),
            ("://:x@", "://:********@"),
            ("é://ü:ö@ä", "é://ü:********@ä"),
        ];
        for (value, want) in table {
            assert_eq!(mask_url_password(value), want, "{value}");
        }
        assert_eq!(masked_value("DB_PASSWORD", "x"), MASK);
        assert_eq!(masked_value("APP_ENV", "review"), "review");
    }

    #[test]
    fn redactor_hides_secret_values_and_url_passwords() {
        let vars: BTreeMap<String, String> = [
            ("DB_PASSWORD", "hunter22"),
            ("API_TOKEN", "tok"),
            ("FEATURE_KEY", "true"),
            ("DATABASE_URL", "postgres://app:pa55word@db/app"),
            ("APP_ENV", "review"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let r = Redactor::from_vars(&vars);
        assert_eq!(
            r.redact("unterminated quote in 'm --password=hunter22 'x' (pa55word) true review tok"),
            "unterminated quote in 'm --password=******** 'x' (********) true review tok"
        );
    }
}
