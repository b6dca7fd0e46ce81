"""A strict AWS layer for the end-to-end tests: an HTTP proxy between vanish and moto.

moto accepts almost any request; AWS does not. Every request that reaches this proxy
is checked, before moto sees it, against:
  1. botocore's service model for the operation (ecs, ec2, logs): botocore's own
     ParamValidator (required members, unknown members, types, minimums), plus the
     constraints that validator skips: enums, maximum lengths and values, patterns;
  2. the ECS rules the API reference and Developer Guide state in prose (`rules.py`
     beside this file: startedBy alone in ListTasks, COMPLETE/SUCCESS only on
     non-essential containers, the Fargate cpu/memory table, size limits, ...).

A request that breaks any of them is not forwarded: the proxy answers HTTP 400 with
the error code `VanishStrictViolation` and appends one JSON line per violation
(rule, source, operation, message) to the violations file, which the Rust side
(`tests/support/moto.rs`) asserts empty when the test ends. A valid request is
forwarded unchanged and moto's answer returned unchanged, except one: moto echoes a
task definition back as registered, so DescribeTaskDefinition's answer is given the
shape ECS really answers with (`strict_rules.real_shape`: its defaults and fields).
`/moto-api/` calls (the fixture's state manager) pass through unchecked.

Usage: python strict_proxy.py UPSTREAM_URL PORT VIOLATIONS_FILE
Invariants: listens on 127.0.0.1 only; never rewrites a request, nor an answer but
DescribeTaskDefinition's (above); every
violation names its rule and its source (a model shape path or an ECS document).
"""
import datetime
import http.server
import json
import os
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import botocore.session
from botocore.validate import ParamValidator

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strict_rules  # noqa: E402
from strict_rules import Violation  # noqa: E402

_SESSION = botocore.session.get_session()
_MODELS = {}
_LOCK = threading.Lock()


def model(service):
    with _LOCK:
        if service not in _MODELS:
            _MODELS[service] = _SESSION.get_service_model(service)
        return _MODELS[service]


# --- 1. the service model -------------------------------------------------------------

def _compile(pattern):
    try:
        return re.compile(pattern)
    except re.error:
        return None  # a Java-only construct: skip rather than guess


def model_checks(service, operation, params):
    """botocore's ParamValidator plus the enum / max / pattern checks it skips."""
    op = model(service).operation_model(operation)
    src = f"botocore {service} service-2.json: {op.input_shape.name}" if op.input_shape else ""
    out = []
    if op.input_shape is None:
        return out
    report = ParamValidator().validate(params, op.input_shape)
    if report.has_errors():
        for line in report.generate_report().splitlines():
            out.append(Violation("model.param-validator", src, operation, line.strip()))
    _walk(params, op.input_shape, op.input_shape.name, service, operation, out)
    return out


def _walk(value, shape, path, service, operation, out):
    src = f"botocore {service} service-2.json: {path}"
    meta = shape.metadata
    t = shape.type_name
    if t == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                _walk(value[name], member, f"{path}.{name}", service, operation, out)
    elif t == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            out.append(Violation("model.max-items", src, operation,
                                 f"{path} has {len(value)} items, the model allows at most {meta['max']}"))
        for i, v in enumerate(value):
            _walk(v, shape.member, f"{path}[{i}]", service, operation, out)
    elif t == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            out.append(Violation("model.max-items", src, operation,
                                 f"{path} has {len(value)} entries, the model allows at most {meta['max']}"))
        for k, v in value.items():
            _walk(k, shape.key, f"{path}.<key>", service, operation, out)
            _walk(v, shape.value, f"{path}[{k}]", service, operation, out)
    elif t == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            out.append(Violation("model.enum", f"botocore {service} service-2.json: {shape.name}", operation,
                                 f"{path} = {value!r} is not one of {shape.enum}"))
        if "max" in meta and len(value) > meta["max"]:
            out.append(Violation("model.max-length", src, operation,
                                 f"{path} is {len(value)} characters long, the model allows at most {meta['max']}"))
        if "pattern" in meta:
            rx = _compile(meta["pattern"])
            if rx is not None and not rx.fullmatch(value):
                out.append(Violation("model.pattern", src, operation,
                                     f"{path} = {value[:80]!r} does not match {meta['pattern']!r}"))
    elif t in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        if "max" in meta and value > meta["max"]:
            out.append(Violation("model.max-value", src, operation,
                                 f"{path} = {value}, the model allows at most {meta['max']}"))


# --- the wire: JSON 1.1 (ecs, logs) and EC2's query protocol --------------------------

def _ec2_name(member_name, shape):
    ser = shape.serialization
    if "queryName" in ser:
        return ser["queryName"]
    if "name" in ser:
        return ser["name"][0].upper() + ser["name"][1:]
    return member_name[0].upper() + member_name[1:]


def _query_value(flat, prefix, shape, used):
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, member in shape.members.items():
            key = f"{prefix}.{_ec2_name(name, member)}" if prefix else _ec2_name(name, member)
            v = _query_value(flat, key, member, used)
            if v is not None:
                out[name] = v
        return out if (out or not prefix) else None
    if t == "list":
        items, i = [], 1
        while any(k == f"{prefix}.{i}" or k.startswith(f"{prefix}.{i}.") for k in flat):
            items.append(_query_value(flat, f"{prefix}.{i}", shape.member, used))
            i += 1
        return items or None
    if prefix not in flat:
        return None
    used.add(prefix)
    raw = flat[prefix]
    if t in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            return raw
    if t == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def parse_ec2(body):
    """An EC2 query request → (operation, params, unknown keys)."""
    flat = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
    operation = flat.pop("Action", "")
    flat.pop("Version", None)
    op = model("ec2").operation_model(operation)
    used = set()
    params = _query_value(flat, "", op.input_shape, used) if op.input_shape else {}
    return operation, params, sorted(set(flat) - used)


def service_of(headers):
    m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request", headers.get("Authorization", ""))
    return m.group(1) if m else None


def check_request(headers, body, state):
    """All violations of one HTTP request (service found from its signature)."""
    service = service_of(headers)
    if service in ("ecs", "logs"):
        target = headers.get("X-Amz-Target", "")
        operation = target.split(".", 1)[-1]
        try:
            params = json.loads(body or b"{}")
        except ValueError as e:
            return operation, [Violation("wire.json", "AWS JSON 1.1 protocol", operation, f"body is not JSON: {e}")]
        if not isinstance(params, dict):
            return operation, [Violation("wire.json", "AWS JSON 1.1 protocol", operation, "body is not a JSON object")]
        try:
            model(service).operation_model(operation)
        except Exception:
            return operation, [Violation("wire.operation", f"botocore {service} service-2.json", operation,
                                         f"unknown operation {target!r}")]
        out = model_checks(service, operation, params)
        out += strict_rules.check(service, operation, params, len(body or b""), state)
        return operation, out
    if service == "ec2":
        try:
            operation, params, unknown = parse_ec2(body)
        except Exception as e:
            return "?", [Violation("wire.query", "EC2 query protocol", "?", f"cannot parse the request: {e}")]
        out = [Violation("model.param-validator", "botocore ec2 service-2.json", operation,
                         f"unknown parameter {k!r}") for k in unknown]
        out += model_checks("ec2", operation, params)
        out += strict_rules.check("ec2", operation, params, len(body or b""), state)
        return operation, out
    return "?", [Violation("wire.service", "SigV4 credential scope", "?",
                           f"cannot tell the service of this request (service {service!r})")]


# --- the proxy ------------------------------------------------------------------------

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host",
       "proxy-connection", "te", "trailer", "upgrade"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: moto's log has the traffic
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _forward(self, body):
        req = urllib.request.Request(self.server.upstream + self.path, data=body if self.command != "GET" else None,
                                     method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in HOP:
                req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, headers, data = r.status, r.headers.items(), r.read()
        except urllib.error.HTTPError as e:
            status, headers, data = e.code, e.headers.items(), e.read()
        return status, headers, data

    def _answer(self, status, headers, data):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self):
        body = self._body()
        if self.path.startswith("/moto-api"):
            return self._answer(*self._forward(body))
        operation, violations = check_request(self.headers, body, self.server.state)
        if violations:
            with self.server.lock, open(self.server.violations, "a") as f:
                for v in violations:
                    f.write(json.dumps(v) + "\n")
            msg = "; ".join(v.line() for v in violations)
            if service_of(self.headers) == "ec2":
                xml = (f"<Response><Errors><Error><Code>VanishStrictViolation</Code><Message>{_xml(msg)}"
                       f"</Message></Error></Errors><RequestID>strict-proxy</RequestID></Response>")
                return self._answer(400, [("Content-Type", "text/xml")], xml.encode())
            data = json.dumps({"__type": "VanishStrictViolation", "message": msg}).encode()
            return self._answer(400, [("Content-Type", "application/x-amz-json-1.1"),
                                      ("x-amzn-ErrorType", "VanishStrictViolation")], data)
        status, headers, data = self._forward(body)
        if status == 200:
            strict_rules.observe(service_of(self.headers), operation, body, data, self.server.state)
            data = strict_rules.real_shape(service_of(self.headers), operation, data)
        return self._answer(status, headers, data)

    do_POST = _handle
    do_GET = _handle
    do_PUT = _handle
    do_DELETE = _handle


def _xml(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    upstream, port, violations = sys.argv[1].rstrip("/"), int(sys.argv[2]), sys.argv[3]
    for s in ("ecs", "ec2", "logs"):
        model(s)  # load before listening: the first request is not slowed down
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    srv.upstream, srv.violations = upstream, violations
    srv.lock, srv.state = threading.Lock(), strict_rules.State()
    open(violations, "a").close()
    print(f"strict proxy on 127.0.0.1:{port} -> {upstream} at {datetime.datetime.now().isoformat()}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
