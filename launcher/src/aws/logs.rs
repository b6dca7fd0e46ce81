//! CloudWatch Logs calls for `vanish logs` and failure diagnostics.
//!
//! Thin: one request shape per function, pagination decided by
//! [`crate::logs::pager::Pager`]. Invariants: a stream or group that does not
//! exist (yet) is [`LogsError::NotFound`], never a generic failure; no loop
//! here can run forever on a repeated token.

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::operation::get_log_events::{GetLogEventsError, GetLogEventsOutput};

use crate::logs::pager::{Next, Pager};
use crate::logs::source::LogSource;

/// Pages read per drain before giving up (each holds up to 10,000 events or 1 MB).
pub const MAX_PAGES: usize = 1_000;

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Epoch milliseconds.
    pub timestamp: i64,
    pub message: String,
}

/// What a drain read, and where to resume.
#[derive(Debug, Clone, Default)]
pub struct Drained {
    pub events: Vec<Event>,
    /// Resume from here on the next poll (`--follow`).
    pub token: Option<String>,
    /// The page limit ran out first.
    pub truncated: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    #[error("log stream '{stream}' in group '{group}' does not exist yet")]
    NotFound { group: String, stream: String },
    #[error("reading log stream '{stream}': {code}: {message}")]
    Api {
        stream: String,
        code: String,
        message: String,
    },
}

/// Reads `src` forward from `token` (or from the head, at `start_time` if
/// given) until the stream is drained for now.
pub async fn drain(
    client: &Client,
    src: &LogSource,
    start_time: Option<i64>,
    token: Option<String>,
) -> Result<Drained, LogsError> {
    let mut pager = Pager::resume(token, MAX_PAGES);
    let mut out = Drained::default();
    loop {
        let mut req = client
            .get_log_events()
            .log_group_name(&src.group)
            .log_stream_name(&src.stream)
            .start_from_head(true)
            // Sent with the token too: the token decides where to resume, and
            // emulators (moto) count their token within the filtered events.
            .set_start_time(start_time);
        if let Some(t) = pager.token() {
            req = req.next_token(t);
        }
        let page = req.send().await.map_err(|e| classify(src, e))?;
        out.events.extend(events(&page));
        match pager.page(page.next_forward_token()) {
            Next::Fetch(_) => {}
            Next::Done => break,
            Next::Truncated => {
                out.truncated = true;
                break;
            }
        }
    }
    out.token = pager.token().map(str::to_owned);
    Ok(out)
}

/// The last `n` events of `src` (at most 10,000, one request), plus the
/// token to follow from.
pub async fn last(client: &Client, src: &LogSource, n: usize) -> Result<Drained, LogsError> {
    let limit = i32::try_from(n.clamp(1, 10_000)).unwrap_or(10_000);
    let page = client
        .get_log_events()
        .log_group_name(&src.group)
        .log_stream_name(&src.stream)
        .start_from_head(false)
        .limit(limit)
        .send()
        .await
        .map_err(|e| classify(src, e))?;
    let mut events: Vec<Event> = events(&page).collect();
    if n == 0 {
        events.clear();
    }
    Ok(Drained {
        events,
        token: page.next_forward_token().map(str::to_owned),
        truncated: false,
    })
}

fn events(page: &GetLogEventsOutput) -> impl Iterator<Item = Event> + '_ {
    page.events().iter().map(|e| Event {
        timestamp: e.timestamp().unwrap_or_default(),
        message: e.message().unwrap_or_default().to_owned(),
    })
}

fn classify(src: &LogSource, err: SdkError<GetLogEventsError>) -> LogsError {
    if err
        .as_service_error()
        .is_some_and(GetLogEventsError::is_resource_not_found_exception)
    {
        return LogsError::NotFound {
            group: src.group.clone(),
            stream: src.stream.clone(),
        };
    }
    LogsError::Api {
        stream: src.stream.clone(),
        code: err.code().unwrap_or("error").to_owned(),
        message: err.message().map_or_else(|| err.to_string(), str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
    use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    fn src() -> LogSource {
        LogSource {
            service: "web".into(),
            group: "/vanish/mr-1".into(),
            stream: "mr-1/web/abc".into(),
            region: None,
        }
    }

    fn page(token: &str, messages: &[(i64, &str)]) -> GetLogEventsOutput {
        let mut b = GetLogEventsOutput::builder().next_forward_token(token);
        for (ts, m) in messages {
            b = b.events(OutputLogEvent::builder().timestamp(*ts).message(*m).build());
        }
        b.build()
    }

    #[tokio::test]
    async fn a_repeated_forward_token_ends_the_loop() {
        let pages = mock!(Client::get_log_events)
            .sequence()
            .output(|| page("f/1", &[(1, "one"), (2, "two")]))
            .output(|| page("f/2", &[(3, "three")]))
            // The service keeps answering the same token: the stream is drained.
            .output(|| page("f/2", &[]))
            .repeatedly()
            .build();
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, [&pages]);
        let got = drain(&client, &src(), None, None).await.expect("drains");
        let msgs: Vec<_> = got.events.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(msgs, ["one", "two", "three"]);
        assert_eq!(got.token.as_deref(), Some("f/2"));
        assert!(!got.truncated);
        assert_eq!(pages.num_calls(), 3);
    }

    #[tokio::test]
    async fn a_missing_stream_is_not_found() {
        let missing = mock!(Client::get_log_events).then_error(|| {
            GetLogEventsError::ResourceNotFoundException(
                aws_sdk_cloudwatchlogs::types::error::ResourceNotFoundException::builder()
                    .message("The specified log stream does not exist.")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_cloudwatchlogs, [&missing]);
        let err = drain(&client, &src(), None, None)
            .await
            .expect_err("no stream");
        assert_eq!(
            err.to_string(),
            "log stream 'mr-1/web/abc' in group '/vanish/mr-1' does not exist yet"
        );
    }
}
