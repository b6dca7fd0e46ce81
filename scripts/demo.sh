#!/usr/bin/env bash
# The README's first command: the whole story on this machine, no AWS account.
#
#  1. builds vanish, a static vanish-init and the example's image, FROM scratch
#     with busybox (no registry: examples/local/Dockerfile);
#  2. starts a local Fargate (tests/support/fargate.py): moto's AWS APIs, with
#     every task moto accepts run as real containers on the Docker engine;
#  3. `vanish up` on examples/local: progress, then the URL, which answers from
#     the container; `vanish logs`; `vanish ls`;
#  4. the TTL (20 s) ends the app from inside (vanish-init), the essential
#     container exits 0, ECS stops the task (`vanish logs --follow` shows it
#     live and exits with the container's code); `vanish ls` is empty;
#  5. `vanish run` of a one-off container that exits 3: vanish exits 3;
#  6. stops everything it started (containers included).
#
#   scripts/demo.sh            # the full demo (TTL 20 s)
#   scripts/demo.sh --short    # CI: the same story with a 5 s TTL
#
# Needs a Debian-like machine with Rust and a Docker engine (scripts/docker.sh
# starts one as root); docs/local-fargate.md says what the local Fargate models.
set -euo pipefail
cd "$(dirname "$0")/.."
ttl=20s
[ "${1:-}" = "--short" ] && ttl=5s

bold() {
  if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then printf '\n\033[1m== %s\033[0m\n' "$*" >&2
  else printf '\n== %s\n' "$*" >&2; fi
}
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
scripts/docker.sh start
bold "building vanish, a static vanish-init and the example's image (FROM scratch, no registry)"
# The same build as scripts/test.sh: with -p, feature unification differs and
# the AWS SDK crates would be compiled a second time.
cargo build -q --workspace --all-targets
vanish=$PWD/target/debug/vanish
py=$PWD/.venv/bin/python
# The static supervisor, as the tests build it (tests/support/images.rs).
init=""
try_init() { # TRIPLE RUSTFLAGS [+TOOLCHAIN]
  RUSTFLAGS="$2" cargo ${3:+"$3"} build -q --release -p vanish-init --target "$1" 2>/dev/null \
    && init=$PWD/target/$1/release/vanish-init
}
try_init x86_64-unknown-linux-musl "" +1.95.0 || try_init x86_64-unknown-linux-musl "" \
  || try_init x86_64-unknown-linux-gnu "-C target-feature=+crt-static" || true
[ -n "$init" ] || { echo "cannot build a static vanish-init (rustup target add x86_64-unknown-linux-musl)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

build() { # TAG CONTEXT [ARGS...]: quiet docker build, its output only on failure
  local tag=$1 ctx=$2; shift 2
  docker build -q -t "$tag" "$@" "$ctx" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; return 1; }
}
mkdir "$work/base"
cp "$init" "$work/base/vanish-init"
cp /bin/busybox "$work/base/busybox"
cat >"$work/base/Dockerfile" <<'EOF'
FROM scratch
COPY vanish-init /vanish-init
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
EOF
build vanish-local/base:latest "$work/base"
build vanish-local/web:latest examples/local --build-arg BASE=vanish-local/base:latest

# 1. The local Fargate, and the account it pretends to be.
bold "starting the local Fargate: moto's AWS APIs on 127.0.0.1, tasks run on Docker"
"$py" tests/support/fargate.py --pause-image vanish-local/base:latest --id "vanish-demo-$$" \
  >"$work/fargate.out" 2>"$work/fargate.log" &
pids+=($!)
for _ in $(seq 300); do grep -q '^ready ' "$work/fargate.out" && break; sleep 0.1; done
grep -q '^ready ' "$work/fargate.out" || { cat "$work/fargate.log" >&2; exit 1; }
export AWS_ENDPOINT_URL; AWS_ENDPOINT_URL=$(sed -n 's/^ready //p' "$work/fargate.out")
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=demo \
  AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true \
  AWS_CONFIG_FILE=$work/config AWS_SHARED_CREDENTIALS_FILE=$work/credentials
: >"$work/config"; : >"$work/credentials"   # empty: nothing from ~/.aws
export GITLAB_USER_LOGIN=demo CI_COMMIT_REF_NAME=feature/login
start=$(date +%s)

# 2. vanish up: the task definition from the compose file, RunTask, the URL.
bold "vanish up -f examples/local/docker-compose.yml --name mr-42 --ttl $ttl"
"$vanish" up -f examples/local/docker-compose.yml --name mr-42 --ttl "$ttl" --wait 60s \
  --health-path / | tee "$work/up.txt"
read -r url _ < "$work/up.txt"
task=$(awk '{print $NF; exit}' "$work/up.txt")
"$py" - "$url" >&2 <<'PY'
import re, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    h1 = re.search(r"<h1>(.*?)</h1>", r.read().decode())
    print(f"GET {sys.argv[1]} -> {r.status} {h1.group(1) if h1 else ''}")
PY

bold "vanish logs mr-42"
"$vanish" logs mr-42
bold "vanish ls"
"$vanish" ls

# 3. The TTL ends the app from inside; ECS stops the task.
bold "vanish logs mr-42 --follow   (until the TTL ends the app and ECS stops the task)"
code=0
"$vanish" logs mr-42 --follow || code=$?
"$py" - "$task" >&2 <<'PY'
import sys, boto3
t = boto3.client("ecs").describe_tasks(cluster="default", tasks=[sys.argv[1]])["tasks"][0]
codes = ", ".join(f"{c['name']} exitCode {c.get('exitCode')}" for c in t["containers"])
print(f"task {t['lastStatus']}: stopCode {t.get('stopCode')}, {t.get('stoppedReason')!r}, {codes}")
PY
[ "$code" -eq 0 ] || { echo "the essential container exited $code, not 0" >&2; exit 1; }
bold "vanish ls   (nothing left)"
"$vanish" ls

# 4. A one-off task: its exit code is vanish's.
bold "vanish run -f examples/local/docker-compose.yml --name mr-42 web -- sh -c 'echo checking the schema; exit 3'"
code=0
"$vanish" run -f examples/local/docker-compose.yml --name mr-42 web -- \
  /bin/sh -c 'echo checking the schema; exit 3' || code=$?
bold "vanish run exited $code ($(( $(date +%s) - start )) s since vanish up)"
[ "$code" -eq 3 ]
