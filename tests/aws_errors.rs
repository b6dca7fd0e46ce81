//! How vanish reports an AWS endpoint that answers, but not as the API
//! defines (defect 9 of issue 10): "unexpected response from <endpoint> to
//! <action>", exit 3 — never "cannot reach AWS".

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use vanish_e2e::moto::python;
use vanish_e2e::{bin, run};

/// Answers every POST 200 with a ListTasks body of the wrong type; prints
/// its port first.
const SERVER: &str = r#"
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"taskArns": "not-a-list"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn an_unparsable_answer_is_an_unexpected_response_not_cannot_reach_aws() {
    let mut child = Command::new(python())
        .args(["-c", SERVER])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("port");
    let endpoint = format!("http://127.0.0.1:{}", line.trim());
    let dir = std::env::temp_dir().join(format!("vanish-aws-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("config"), "").expect("config");
    let out = run(
        Command::new(bin("vanish"))
            .env_clear()
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", dir.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("config"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "1")
            .env("NO_COLOR", "1")
            .args(["ls"]),
        Duration::from_secs(60),
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.code(), 3, "{out:?}");
    let first = out.stderr.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        format!("error: unexpected response from {endpoint} to ecs:ListTasks"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("cannot reach"), "{}", out.stderr);
}
