//! AWS SDK errors → one clear line and exit 3 (`Exit::Aws`).
//!
//! Invariants:
//! - AccessDenied names the exact IAM action (`ecs:RunTask`), missing or
//!   expired credentials say so and how to fix it; every other API error is
//!   `<action> failed: <code>: <message>`.
//! - A response that arrived but cannot be parsed (the SDK's ResponseError:
//!   a body of the wrong shape, an error without a code) is `unexpected
//!   response from <endpoint> to <action>`, never "cannot reach AWS".
//! - The result is always an `exit::Failure` with `Exit::Aws`; callers that
//!   expect a particular service error (e.g. "no such task definition")
//!   inspect `code()` before calling `classify`.

use std::sync::OnceLock;

use aws_sdk_ecs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::exit::{Exit, Failure};

/// What a failed SDK call is, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    NoCredentials,
    ExpiredCredentials,
    BadCredentials,
    AccessDenied,
    Throttled,
    Unreachable,
    Other,
}

static ENDPOINT: OnceLock<String> = OnceLock::new();

/// Records where the clients send their requests (the endpoint URL, or the
/// region's AWS endpoints), for "unexpected response from ..." messages.
pub fn set_endpoint(endpoint: impl Into<String>) {
    let _ = ENDPOINT.set(endpoint.into());
}

fn endpoint() -> &'static str {
    ENDPOINT.get().map_or("AWS", String::as_str)
}

/// Classifies an error code (`AccessDeniedException`, ...) or, when there is
/// none, the full error text.
pub fn kind(code: Option<&str>, text: &str) -> Kind {
    match code {
        Some("AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation") => {
            Kind::AccessDenied
        }
        Some(
            "ExpiredTokenException" | "ExpiredToken" | "RequestExpired" | "TokenRefreshRequired",
        ) => Kind::ExpiredCredentials,
        Some(
            "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "AuthFailure"
            | "InvalidSignatureException"
            | "SignatureDoesNotMatch",
        ) => Kind::BadCredentials,
        Some("ThrottlingException" | "Throttling" | "RequestLimitExceeded") => Kind::Throttled,
        Some(_) => Kind::Other,
        None => {
            let t = text.to_ascii_lowercase();
            if t.contains("credential")
                && (t.contains("no credentials")
                    || t.contains("not load")
                    || t.contains("failed to load")
                    || t.contains("provider was not enabled")
                    || t.contains("could not find"))
            {
                Kind::NoCredentials
            } else if t.contains("expired") && t.contains("token") {
                Kind::ExpiredCredentials
            } else if t.contains("dispatch failure")
                || t.contains("io error")
                || t.contains("connection")
                || t.contains("timed out")
                || t.contains("timeout")
            {
                Kind::Unreachable
            } else {
                Kind::Other
            }
        }
    }
}

/// The failure for `action` (an IAM action name such as `ecs:RunTask`).
pub fn failure(action: &str, code: Option<&str>, message: Option<&str>, text: &str) -> Failure {
    let why = message.unwrap_or(text);
    match kind(code, text) {
        Kind::AccessDenied => Failure::new(
            Exit::Aws,
            format!("access denied: the AWS identity may not call {action}"),
        )
        .detail(format!("  --> {why}"))
        .hint(format!("grant {action} to the role or user vanish runs as")),
        Kind::NoCredentials => Failure::new(Exit::Aws, "no AWS credentials found")
            .hint("set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE (--profile), or use OIDC/SSO (`aws sso login`)"),
        Kind::ExpiredCredentials => Failure::new(Exit::Aws, "the AWS credentials have expired")
            .detail(format!("  --> {action}: {why}"))
            .hint("refresh them (`aws sso login`, a new session token, or re-run the CI job)"),
        Kind::BadCredentials => Failure::new(Exit::Aws, "AWS rejected the credentials")
            .detail(format!("  --> {action}: {why}"))
            .hint("check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile"),
        Kind::Unreachable => Failure::new(Exit::Aws, format!("{action}: cannot reach AWS"))
            .detail(format!("  --> {text}"))
            .hint("check the network, --region and --endpoint-url"),
        Kind::Throttled | Kind::Other => Failure::new(
            Exit::Aws,
            format!(
                "{action} failed: {}{why}",
                code.map(|c| format!("{c}: ")).unwrap_or_default()
            ),
        ),
    }
}

/// The failure for a response that arrived but cannot be parsed.
pub fn unexpected(action: &str, text: &str) -> Failure {
    Failure::new(
        Exit::Aws,
        format!("unexpected response from {} to {action}", endpoint()),
    )
    .detail(format!("  --> {text}"))
    .hint("the endpoint answered, but not as the AWS API defines: check --endpoint-url, a proxy in between, or the emulator's version")
}

/// Converts any SDK error into the `Exit::Aws` failure for `action`.
pub fn classify<E, R>(action: &str, err: SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let text = DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            failure(action, e.code(), e.message(), &text)
        }
        SdkError::ResponseError(_) => unexpected(action, &text),
        _ => failure(action, None, None, &text),
    }
}

/// The service error code of an SDK error, if it is a service error.
pub fn code_of<E, R>(err: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    match err {
        SdkError::ServiceError(se) => se.err().code(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let table = [
            (Some("AccessDeniedException"), "", Kind::AccessDenied),
            (Some("UnauthorizedOperation"), "", Kind::AccessDenied),
            (Some("ExpiredTokenException"), "", Kind::ExpiredCredentials),
            (
                Some("UnrecognizedClientException"),
                "",
                Kind::BadCredentials,
            ),
            (Some("ThrottlingException"), "", Kind::Throttled),
            (Some("ClientException"), "", Kind::Other),
            (
                None,
                "dispatch failure: other: no credentials in the property bag: failed to load credentials",
                Kind::NoCredentials,
            ),
            (
                None,
                "dispatch failure: io error: Connection refused",
                Kind::Unreachable,
            ),
            (None, "weird", Kind::Other),
        ];
        for (code, text, want) in table {
            assert_eq!(kind(code, text), want, "{code:?} {text}");
        }
    }

    #[test]
    fn an_unparsable_response_is_unexpected_not_unreachable() {
        let f = unexpected("ecs:RunTask", "response error: failed to parse");
        assert_eq!(f.code, Exit::Aws);
        assert!(
            f.message.starts_with("unexpected response from ")
                && f.message.ends_with(" to ecs:RunTask"),
            "{}",
            f.message
        );
        assert!(!f.message.contains("cannot reach"));
    }

    #[test]
    fn access_denied_names_the_action() {
        let f = failure(
            "ecs:RunTask",
            Some("AccessDeniedException"),
            Some("User: x is not authorized to perform: ecs:RunTask"),
            "",
        );
        assert_eq!(f.code, Exit::Aws);
        assert_eq!(
            f.message,
            "access denied: the AWS identity may not call ecs:RunTask"
        );
        assert!(f.details.iter().any(|d| d.contains("grant ecs:RunTask")));
    }
}
