#!/usr/bin/env bash
# The README's first command: shows vanish-init doing its job on this machine.
#
# It builds vanish-init, then runs a real server process under it as PID 1 of a
# new PID namespace (as on Fargate) with a 5-second TTL: the server answers a
# request, the TTL expires, vanish-init sends SIGTERM, the server shuts down,
# and vanish-init exits 0 so the task would end.
#
# Needs root (for unshare) and python3. `--short` is used by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
ttl=5s
[ "${1:-}" = "--short" ] && ttl=2s

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

say "building vanish-init"
cargo build -q -p vanish-init
init=target/debug/vanish-init
[ -x target/release/vanish-init ] && [ target/release/vanish-init -nt supervisor/src ] && init=target/release/vanish-init

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
app="import http.server, signal, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b'hello from the review app\n')
    def log_message(self, *a): print('app: request', self.path, flush=True)
def bye(*_):
    print('app: got SIGTERM, shutting down cleanly', flush=True); sys.exit(0)
signal.signal(signal.SIGTERM, bye)
srv = http.server.HTTPServer(('127.0.0.1', $port), H)
print('app: listening on 127.0.0.1:$port', flush=True)
srv.serve_forever()"

say "vanish-init --ttl $ttl -- python3 app.py   (as PID 1 of a new PID namespace)"
start=$(date +%s.%N)
$sudo unshare --pid --fork --mount-proc "$init" --ttl "$ttl" --grace 3s -- python3 -c "$app" &
pid=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/" 2>/dev/null && break
  python3 - "$port" <<'PY' 2>/dev/null && break
import sys, urllib.request
print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=1).read().decode(), end="")
PY
  sleep 0.1
done
code=0; wait "$pid" || code=$?
end=$(date +%s.%N)
say "vanish-init exited $code after $(python3 -c "print(f'{$end-$start:.2f}')")s: the container would now end and ECS would stop the task"
