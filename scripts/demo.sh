#!/usr/bin/env bash
# The README's first command: the whole story on this machine, no AWS account.
#
#  1. starts a local AWS API emulator (moto, from the venv scripts/setup.sh makes);
#  2. `vanish up` on examples/review-app: progress lines, then the URL and expiry
#     (moto gives task ENIs no public IP, so a helper plays AWS's part and
#     associates an Elastic IP, as the tests do);
#  3. `vanish ls`;
#  4. the other half: vanish-init runs the example app as PID 1 of a new PID
#     namespace (as on Fargate) with a 5 s TTL; the app answers a request, the
#     TTL expires, SIGTERM, a clean exit 0 — the container would end and ECS
#     would stop the task;
#  5. stops everything it started.
#
#   scripts/demo.sh            # the full demo
#   scripts/demo.sh --short    # CI: a 2 s TTL
#
# Needs root (unshare) and a Debian-like machine with Rust.
set -euo pipefail
cd "$(dirname "$0")/.."
ttl=5s
[ "${1:-}" = "--short" ] && ttl=2s

bold() {
  if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then printf '\n\033[1m== %s\033[0m\n' "$*" >&2
  else printf '\n== %s\n' "$*" >&2; fi
}
source scripts/setup.sh
bold "building vanish and vanish-init"
# The same build as scripts/test.sh: with -p, feature unification differs and
# the AWS SDK crates would be compiled a second time.
cargo build -q --workspace --all-targets
vanish=$PWD/target/debug/vanish
init=$PWD/target/debug/vanish-init
py=$PWD/.venv/bin/python
fixture=$PWD/tests/support/moto_fixture.py

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # PORT SECONDS
  "$py" - "$1" "$2" <<'PY'
import socket, sys, time
port, deadline = int(sys.argv[1]), time.time() + float(sys.argv[2])
while time.time() < deadline:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close(); sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(f"nothing listens on 127.0.0.1:{port}")
PY
}

# 1. The emulator, and the account it pretends to be.
bold "starting the local AWS API emulator (moto) on 127.0.0.1"
moto_port=$(free_port)
"$VANISH_MOTO_SERVER" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
pids+=($!)
wait_port "$moto_port" 30
export AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true \
  AWS_CONFIG_FILE=$work/config AWS_SHARED_CREDENTIALS_FILE=$work/credentials
: >"$work/config"; : >"$work/credentials"   # empty: nothing from ~/.aws
"$py" "$fixture" "$AWS_ENDPOINT_URL" setup
# The example's ecs-params.yml reads its subnets and security group from the
# environment (as a CI job would set them): point them at the emulator's VPC.
read -r SUBNET_A SUBNET_B SECURITY_GROUP < <("$py" - <<'PY'
import boto3
ec2 = boto3.client("ec2")
vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
print(subnets[0], subnets[1], sg)
PY
)
export SUBNET_A SUBNET_B SECURITY_GROUP

# 2. vanish up. The fixture plays AWS's part: an Elastic IP on the task's ENI.
bold "vanish up -f examples/review-app/docker-compose.yml --name mr-42 --ttl 30m"
"$py" "$fixture" "$AWS_ENDPOINT_URL" eip mr-42 60 >"$work/eip" &
pids+=($!)
GITLAB_USER_LOGIN=demo CI_COMMIT_REF_NAME=feature/login \
  "$vanish" up -f examples/review-app/docker-compose.yml --name mr-42 --ttl 30m --wait 60s

# 3. vanish ls
bold "vanish ls"
"$vanish" ls

# 4. The other half: vanish-init as PID 1 with a short TTL.
app_port=$(free_port)
bold "vanish-init --ttl $ttl -- python3 examples/review-app/app/app.py   (PID 1 of a new PID namespace)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
start=$(date +%s%N)
$sudo unshare --pid --fork --mount-proc --kill-child \
  "$init" --ttl "$ttl" --grace 3s -- \
  python3 examples/review-app/app/app.py --host 127.0.0.1 --port "$app_port" --server wsgiref &
init_pid=$!
pids+=("$init_pid")
wait_port "$app_port" 20
"$py" - "$app_port" >&2 <<'PY'
import re, sys, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/"
with urllib.request.urlopen(url, timeout=2) as r:
    h1 = re.search(r"<h1>(.*?)</h1>", r.read().decode())
    print(f"GET {url} -> {r.status} {h1.group(1) if h1 else ''}")
PY
code=0
wait "$init_pid" || code=$?
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
bold "vanish-init exited $code after ${elapsed} ms: the container ends, ECS stops the task, Fargate frees it all"
[ "$code" -eq 0 ]
