//! The optional health check's one probe: a plain HTTP/1.1 GET of
//! `http://IP:PORT` + `health_path`. The polling (when to probe again, when
//! to give up) is the machine's (`machine.rs`, the Health phase).
//!
//! Invariants: a probe never outlives its bound (`PROBE_BOUND`, timed
//! through `Pace`);
//! every outcome is a `Probe`: the status code, why there was no answer, or
//! the bound running out. Nothing here panics on what the peer sends.

use std::time::Duration;

use super::machine::Probe;
use crate::pace::Pace;

/// How long one probe may take.
pub const PROBE_BOUND: Duration = Duration::from_secs(5);

/// One GET of `path` from `hostport`, bounded by `bound` (`PROBE_BOUND`).
pub async fn probe(hostport: &str, path: &str, bound: Duration, pace: &Pace) -> Probe {
    tokio::select! {
        got = http_status(hostport, path) => match got {
            Ok(code) => Probe::Status(code),
            Err(why) => Probe::Failed(why),
        },
        () = pace.timer(bound) => Probe::TimedOut,
    }
}

/// One plain HTTP/1.1 GET: the status code, or why there is none.
async fn http_status(hostport: &str, path: &str) -> Result<u16, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(hostport)
        .await
        .map_err(|e| e.to_string())?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nUser-Agent: vanish\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).await.map_err(|e| e.to_string())?;
    status_of(&buf[..n]).ok_or_else(|| {
        if n == 0 {
            "closed without an answer".to_owned()
        } else {
            "not an HTTP answer".to_owned()
        }
    })
}

/// The status code of an HTTP/1.x status line.
fn status_of(head: &[u8]) -> Option<u16> {
    let head = std::str::from_utf8(head).ok()?;
    let mut words = head.split_whitespace();
    words.next().filter(|v| v.starts_with("HTTP/"))?;
    words.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_gives_the_code_and_anything_else_none() {
        assert_eq!(
            status_of(b"HTTP/1.1 503 Service Unavailable\r\n"),
            Some(503)
        );
        assert_eq!(status_of(b"HTTP/1.0 200 OK\r\n"), Some(200));
        assert_eq!(status_of(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status_of(b""), None);
        assert_eq!(status_of(b"HTTP/1.1 abc"), None);
        assert_eq!(status_of(&[0xff, 0xfe]), None);
    }

    #[tokio::test]
    async fn a_probe_gets_the_code_or_names_the_failure() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let server = tokio::spawn(async move {
            let mut paths = Vec::new();
            for answer in [&b"HTTP/1.1 302 Found\r\n\r\n"[..], b"", b"hello\r\n"] {
                let (mut s, _) = listener.accept().await.expect("accept");
                let mut buf = [0u8; 1024];
                let n = s.read(&mut buf).await.expect("read");
                let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                paths.push(req.split_whitespace().nth(1).unwrap_or("").to_owned());
                s.write_all(answer).await.expect("write");
            }
            paths
        });
        let pace = Pace::virtual_time();
        assert_eq!(
            probe(&addr, "/healthz", PROBE_BOUND, &pace).await,
            Probe::Status(302)
        );
        assert_eq!(
            probe(&addr, "/a", PROBE_BOUND, &pace).await,
            Probe::Failed("closed without an answer".into())
        );
        assert_eq!(
            probe(&addr, "/b", PROBE_BOUND, &pace).await,
            Probe::Failed("not an HTTP answer".into())
        );
        assert_eq!(server.await.expect("server"), ["/healthz", "/a", "/b"]);
        // Nothing listens on a port just released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        assert!(matches!(
            probe(&format!("127.0.0.1:{port}"), "/", PROBE_BOUND, &pace).await,
            Probe::Failed(_)
        ));
    }

    #[tokio::test]
    async fn a_peer_that_never_answers_is_the_probe_bound() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        // Accepted by the kernel's backlog, never read nor answered.
        let bound = Duration::from_millis(200);
        let start = std::time::Instant::now();
        let got = probe(&addr, "/", bound, &Pace::real()).await;
        assert!(start.elapsed() >= bound, "{:?}", start.elapsed());
        assert_eq!(got, Probe::TimedOut);
        drop(listener);
    }
}
