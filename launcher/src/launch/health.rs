//! The optional health check after RUNNING: plain HTTP GET of the first
//! public URL + `health_path` until it answers 2xx/3xx.
//!
//! Invariants: every probe is bounded (5 s); the polling backs off as the
//! task polling does and ends at the `--wait` limit (`Exit::WaitTimeout`).

use std::time::Duration;

use tracing::info;

use super::UpOptions;
use crate::exit::{Exit, Failure};
use crate::wait::backoff;

/// Polls `url` + `path` until it answers 2xx/3xx, bounded by `limit`.
pub async fn health(
    url: &str,
    path: &str,
    limit: Duration,
    opts: &UpOptions,
) -> Result<(), Failure> {
    let hostport = url.trim_start_matches("http://").to_string();
    let mut attempt = 0;
    loop {
        match http_status(&hostport, path).await {
            Some(code) if (200..400).contains(&code) => {
                info!(url, path, code, "health check passed");
                return Ok(());
            }
            other => tracing::debug!(url, path, status = ?other, "health check not yet passing"),
        }
        let pause = backoff(attempt, opts.poll_initial, opts.poll_cap);
        attempt += 1;
        if opts.pace.elapsed() + pause > limit {
            return Err(Failure::new(
                Exit::WaitTimeout,
                format!(
                    "{url}{path} did not answer 2xx/3xx within {}",
                    humantime::format_duration(limit)
                ),
            ));
        }
        opts.pace.sleep(pause).await;
    }
}

/// One plain HTTP/1.1 GET; the status code, or `None` on any error.
pub async fn http_status(hostport: &str, path: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fut = async {
        let mut s = tokio::net::TcpStream::connect(hostport).await.ok()?;
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nUser-Agent: vanish\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.ok()?;
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).await.ok()?;
        let head = std::str::from_utf8(&buf[..n]).ok()?;
        head.split_whitespace().nth(1)?.parse().ok()
    };
    tokio::time::timeout(Duration::from_secs(5), fut)
        .await
        .ok()
        .flatten()
}
