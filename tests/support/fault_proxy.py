#!/usr/bin/env python3
"""A loopback fault-injecting HTTP proxy for the AWS end-to-end tests.

Job: sit between `vanish` and moto (or the strict validating proxy in front of
moto) and, per operation, delay, stall, fail with a 5xx, or throttle, the way
AWS does; count every request. Standard library only.

Usage: fault_proxy.py UPSTREAM_URL RULES_FILE LOG_FILE
  Listens on 127.0.0.1 on a free port and prints `listening PORT` once ready.
  RULES_FILE is JSON, re-read on every request (so a test may change it while
  the proxy runs): a list of rules, the first matching one applies:
    {"op": "ecs:DescribeTasks" | "ecs:*" | "*",
     "action": "delay" | "stall" | "blackhole" | "error" | "throttle",
     "ms": 40,            # delay: added before forwarding (default 0)
     "status": 500,       # error: the HTTP status (default 500)
     "after": 0,          # skip the first N requests this rule matches
     "times": null}       # then apply to at most N of them (null: all)
  LOG_FILE gets one line per request: `<op> <action|pass> <unix-ms>`.

Invariants:
- Operations are named as IAM actions (`ecs:RunTask`, `ec2:DescribeVpcs`,
  `logs:GetLogEvents`): from X-Amz-Target for the JSON protocols, from the
  `Action` form field for EC2's query protocol, with the service taken from
  the SigV4 credential scope.
- Error bodies have AWS's real shape: awsJson1_1 `{"__type": ..., "message":
  ...}` for ECS and CloudWatch Logs (throttling: 400 ThrottlingException
  "Rate exceeded"), EC2's XML `<Response><Errors><Error>` (throttling: 503
  RequestLimitExceeded), so the SDK classifies and retries them as it would.
- A stalled request is read in full and never answered (nor forwarded); a
  blackholed one is forwarded (its effect happens upstream) but its answer
  is never delivered: a lost response. Either way the connection is held
  until the client gives up or the proxy exits.
- Listens on 127.0.0.1 only; forwards only to UPSTREAM_URL.
"""

import http.client
import http.server
import json
import re
import socketserver
import sys
import threading
import time
import urllib.parse

UPSTREAM = urllib.parse.urlsplit(sys.argv[1])
RULES_FILE = sys.argv[2]
LOG_FILE = sys.argv[3]
LOCK = threading.Lock()
MATCHES = {}  # rule index -> how many requests it has matched
HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}
JSON_SERVICES = {
    "AmazonEC2ContainerServiceV20141113": "ecs",
    "Logs_20140328": "logs",
}


def operation(headers, body):
    target = headers.get("X-Amz-Target", "")
    if "." in target:
        prefix, op = target.split(".", 1)
        return f"{JSON_SERVICES.get(prefix, prefix)}:{op}"
    scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    service = scope.group(1) if scope else "unknown"
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    action = form.get("Action", ["?"])[0]
    return f"{service}:{action}"


def rules():
    try:
        with open(RULES_FILE, encoding="utf-8") as f:
            return json.load(f) or []
    except (OSError, ValueError):
        return []


def decide(op):
    """The action for this request (None: pass through), counting matches."""
    service = op.split(":", 1)[0]
    with LOCK:
        for i, r in enumerate(rules()):
            want = r.get("op", "*")
            if want not in ("*", op, f"{service}:*"):
                continue
            n = MATCHES.get(i, 0)
            MATCHES[i] = n + 1
            after = r.get("after", 0)
            times = r.get("times")
            if n < after or (times is not None and n >= after + times):
                continue
            return r
    return None


def log(op, what):
    with LOCK, open(LOG_FILE, "a", encoding="utf-8") as f:
        f.write(f"{op} {what} {int(time.time() * 1000)}\n")


def error_response(op, status, throttle):
    service = op.split(":", 1)[0]
    if service == "ec2":
        code, msg = ("RequestLimitExceeded", "Request limit exceeded.") if throttle else (
            "InternalError", "An internal error has occurred")
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
                f"<Code>{code}</Code><Message>{msg}</Message></Error></Errors>"
                f"<RequestID>fault-proxy</RequestID></Response>")
        return (503 if throttle else status), "text/xml", body.encode()
    if throttle:
        code, msg, st = "ThrottlingException", "Rate exceeded", 400
    else:
        code = "ServerException" if service == "ecs" else "ServiceUnavailableException"
        msg, st = "Service unavailable (fault proxy)", status
    body = json.dumps({"__type": code, "message": msg}).encode()
    return st, "application/x-amz-json-1.1", body


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        op = operation(self.headers, body)
        rule = decide(op)
        action = rule.get("action", "pass") if rule else "pass"
        log(op, action)
        if action == "stall":
            while True:
                time.sleep(3600)
        if action == "delay":
            time.sleep(rule.get("ms", 0) / 1000)
        if action in ("error", "throttle"):
            status, ctype, payload = error_response(op, rule.get("status", 500), action == "throttle")
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-amzn-RequestId", "fault-proxy")
            self.end_headers()
            self.wfile.write(payload)
            return
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=300)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            if action == "blackhole":
                while True:
                    time.sleep(3600)
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        finally:
            conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
