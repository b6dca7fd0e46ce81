"""A recording HTTP proxy for STS calls: forwards every request unchanged to moto and
appends what it asked for to a log, so that a test can see which role, session name
and web identity token a vanish binary exchanged (moto itself ignores the token).

Usage: python sts_recorder.py UPSTREAM_URL PORT LOG_FILE
  One JSON line per request: {"method", "path", "params"}, where params are the
  form-encoded body's fields (the STS query protocol), each with its last value.

Invariants: listens on 127.0.0.1 only; forwards the request and returns moto's answer
byte for byte (status, headers but hop-by-hop ones, body); never checks anything: what
the test asserts is in the log.
"""
import http.server
import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

upstream, port, log_path = sys.argv[1].rstrip("/"), int(sys.argv[2]), sys.argv[3]
LOCK = threading.Lock()
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host",
       "proxy-connection", "te", "trailer", "upgrade"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
        with LOCK, open(log_path, "a") as f:
            f.write(json.dumps({"method": self.command, "path": self.path, "params": params}) + "\n")
        req = urllib.request.Request(upstream + self.path, data=body or None, method=self.command,
                                     headers={k: v for k, v in self.headers.items() if k.lower() not in HOP})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, headers, answer = r.status, r.getheaders(), r.read()
        except urllib.error.HTTPError as e:
            status, headers, answer = e.code, e.headers.items(), e.read()
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = relay


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
