"""A small review app: a WSGI application with `/` and `/healthz`.

In the image, uWSGI serves `app:application` (see the Dockerfile and
docker-compose.yml). Run directly, `python3 app.py` serves the same
application with the standard library's wsgiref, so it works on any machine
with Python 3 and nothing else installed; `--server uwsgi` hands over to
uWSGI instead when it is on PATH.

Invariants:
- standard library only (uWSGI is optional and only ever exec'd);
- `/healthz` answers 200 `ok` without touching anything else;
- logs go to stderr; once listening, the wsgiref server prints exactly one
  line `app: listening on http://HOST:PORT` (with the real port when 0 was
  asked for), so a supervisor or a test can wait for it;
- SIGTERM and SIGINT end the server cleanly with exit status 0.
"""

import argparse
import html
import os
import platform
import signal
import socket
import sys
import time
from datetime import datetime, timezone

STARTED = time.time()


def _page(environ):
    """The HTML body of `/`: who we are and when we vanish."""
    deadline = os.environ.get("VANISH_DEADLINE", "")
    ttl = os.environ.get("VANISH_TTL", "")
    if deadline:
        expiry = f"expires at {deadline}"
    elif ttl:
        expiry = f"lives for {ttl} after start"
    else:
        expiry = "no expiry set"
    rows = [
        ("app env", os.environ.get("APP_ENV", "local")),
        ("host", socket.gethostname()),
        ("python", platform.python_version()),
        ("server", environ.get("SERVER_SOFTWARE", "uWSGI")),
        ("up since", datetime.fromtimestamp(STARTED, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("lifetime", expiry),
    ]
    cells = "\n".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows
    )
    return (
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>review app</title></head>\n"
        f"<body><h1>Hello from a review app</h1>\n<table>\n{cells}\n</table></body></html>\n"
    )


def application(environ, start_response):
    """The WSGI entry point (`app:application`)."""
    path = environ.get("PATH_INFO", "/")
    method = environ.get("REQUEST_METHOD", "GET")
    if method not in ("GET", "HEAD"):
        start_response("405 Method Not Allowed", [("Content-Type", "text/plain"), ("Allow", "GET, HEAD")])
        return [b"method not allowed\n"]
    if path == "/healthz":
        body, ctype, status = b"ok\n", "text/plain; charset=utf-8", "200 OK"
    elif path == "/":
        body, ctype, status = _page(environ).encode(), "text/html; charset=utf-8", "200 OK"
    else:
        body, ctype, status = b"not found\n", "text/plain; charset=utf-8", "404 Not Found"
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [b""] if method == "HEAD" else [body]


def _log(msg):
    print(f"app: {msg}", file=sys.stderr, flush=True)


def _serve_wsgiref(host, port):
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, fmt, *args):  # one line per request, on stderr
            _log("%s %s" % (self.address_string(), fmt % args))

    server = make_server(host, port, application, handler_class=QuietHandler)

    def stop(signum, _frame):
        _log(f"{signal.Signals(signum).name} received, shutting down")
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    bound_host, bound_port = server.server_address[:2]
    _log(f"listening on http://{bound_host}:{bound_port}")
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
        _log("stopped")
    return 0


def _exec_uwsgi(host, port):
    here = os.path.dirname(os.path.abspath(__file__))
    argv = [
        "uwsgi",
        "--http-socket", f"{host}:{port}",
        "--chdir", here,
        "--module", "app:application",
        "--master",
        "--die-on-term",
        "--need-app",
    ]
    _log("exec " + " ".join(argv))
    os.execvp(argv[0], argv)


def _has_uwsgi():
    return any(
        os.access(os.path.join(d, "uwsgi"), os.X_OK)
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d
    )


def main(argv=None):
    p = argparse.ArgumentParser(description="Serve the review app.")
    p.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"),
                   help="address to listen on (env HOST; default 0.0.0.0)")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")),
                   help="port to listen on, 0 for any free one (env PORT; default 8000)")
    p.add_argument("--server", choices=("auto", "wsgiref", "uwsgi"),
                   default=os.environ.get("APP_SERVER", "auto"),
                   help="auto: uWSGI when it is on PATH, else wsgiref (env APP_SERVER)")
    args = p.parse_args(argv)
    use_uwsgi = args.server == "uwsgi" or (args.server == "auto" and _has_uwsgi())
    if use_uwsgi:
        _exec_uwsgi(args.host, args.port)
    return _serve_wsgiref(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
