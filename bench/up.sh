#!/usr/bin/env bash
# Benchmark: `vanish up --no-wait` (which also looks up the task's IP) against
# the equivalent aws CLI sequence (register-task-definition, run-task,
# describe-tasks, ec2 describe-network-interfaces), both against the same
# local moto server. Reports the median of N runs each, the ratio, and
# vanish's AWS API calls per `up` (from its -v "aws call" debug lines).
#
# Needs: cargo build --workspace (debug is fine, release is what ships:
# VANISH_BIN=target/release/vanish), and .venv with tests/requirements.txt
# plus awscli (`.venv/bin/pip install awscli`).
# Usage: bench/up.sh [RUNS]   (default 10). Output also in bench/out/up.txt.
#
# Latency mode: LATENCY_MS=40 bench/up.sh [RUNS] puts the fault proxy
# (tests/support/fault_proxy.py) in front of moto, delaying every request by
# LATENCY_MS (a simulated round trip), and measures `vanish up --no-wait
# --no-replace` with the default VPC (no subnets in the plan): median time,
# requests per up, and requests and time before RunTask arrives (the critical
# path). No aws CLI needed. Output also in bench/out/up-latency.txt.
# UP_FLAGS overrides the flags of the measured `up` (default: --no-wait
# --no-replace), e.g. UP_FLAGS=--no-wait to compare with a build older than
# --no-replace (VANISH_BIN=/path/to/old/vanish).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
venv=${VANISH_VENV:-$root/.venv}
vanish=${VANISH_BIN:-$root/target/debug/vanish}
[ -x "$venv/bin/moto_server" ] || { echo "no moto_server in $venv: run scripts/test.sh" >&2; exit 2; }
[ -n "${LATENCY_MS:-}" ] || [ -x "$venv/bin/aws" ] || { echo "no aws CLI in $venv: $venv/bin/pip install awscli" >&2; exit 2; }
[ -x "$vanish" ] || { echo "no $vanish: cargo build --workspace" >&2; exit 2; }

out=$root/bench/out; mkdir -p "$out"
work=$(mktemp -d); proxy_pid=
trap 'kill $moto_pid $proxy_pid 2>/dev/null || true; rm -rf "$work"' EXIT
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > "$work/moto.log" 2>&1 &
moto_pid=$!
export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
  AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
  AWS_CONFIG_FILE=$work/config AWS_SHARED_CREDENTIALS_FILE=$work/credentials AWS_PAGER= NO_COLOR=1
: > "$work/config"; : > "$work/credentials"
for _ in $(seq 1 200); do
  "$venv/bin/python" -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
  sleep 0.05
done
"$venv/bin/python" "$root/tests/support/moto_fixture.py" "$AWS_ENDPOINT_URL" setup
read -r subnet sg < <("$venv/bin/python" - <<PY
import boto3
ec2 = boto3.client("ec2")
vpc = ec2.describe_vpcs(Filters=[{"Name":"is-default","Values":["true"]}])["Vpcs"][0]["VpcId"]
s = ec2.describe_subnets(Filters=[{"Name":"vpc-id","Values":[vpc]}])["Subnets"][0]["SubnetId"]
g = ec2.describe_security_groups(Filters=[{"Name":"vpc-id","Values":[vpc]},{"Name":"group-name","Values":["default"]}])["SecurityGroups"][0]["GroupId"]
print(s, g)
PY
)

# The same task definition and network for both.
cat > "$work/td.json" <<JSON
{"family": "vanish-bench", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
 "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "web", "image": "nginx:1", "essential": true, "memory": 512,
   "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]}]}
JSON
"$venv/bin/python" - "$work/td.json" "$subnet" "$sg" > "$work/plan.json" <<'PY'
import json, sys
td = json.load(open(sys.argv[1]))
print(json.dumps({
  "vanish": {"name": "bench", "ttlSeconds": 3600, "graceSeconds": 10, "expiresAt": "2099-01-01T00:00:00Z",
             "cluster": "default", "capacity": "fargate", "public": [{"service": "web", "port": 80}],
             "logGroup": "/vanish/bench", "region": "us-east-1"},
  "registerTaskDefinition": td,
  "runTask": {"cluster": "default", "taskDefinition": "vanish-bench", "launchType": "FARGATE",
              "networkConfiguration": {"awsvpcConfiguration": {"subnets": [sys.argv[2]], "securityGroups": [sys.argv[3]], "assignPublicIp": "ENABLED"}},
              "overrides": {}, "enableExecuteCommand": False, "startedBy": "vanish",
              "tags": [{"key": "vanish:name", "value": "bench"}, {"key": "vanish:expires-at", "value": "2099-01-01T00:00:00Z"}]}}))
PY
if [ -n "${LATENCY_MS:-}" ]; then
  # The default VPC path: no subnets, no security groups in the plan.
  "$venv/bin/python" - "$work/plan.json" > "$work/plan-dv.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["runTask"]["networkConfiguration"]["awsvpcConfiguration"].update(subnets=[], securityGroups=[])
print(json.dumps(p))
PY
  echo "[{\"op\": \"*\", \"action\": \"delay\", \"ms\": $LATENCY_MS}]" > "$work/rules.json"
  : > "$work/requests.log"
  "$venv/bin/python" -u "$root/tests/support/fault_proxy.py" "$AWS_ENDPOINT_URL" "$work/rules.json" "$work/requests.log" > "$work/proxy.out" &
  proxy_pid=$!
  for _ in $(seq 1 200); do grep -q listening "$work/proxy.out" 2>/dev/null && break; sleep 0.05; done
  pport=$(awk '{print $2}' "$work/proxy.out")
  read -r -a up_flags <<< "${UP_FLAGS:---no-wait --no-replace}"
  "$vanish" -q up "${up_flags[@]}" --plan "$work/plan-dv.json" > /dev/null   # warm-up, registers
  : > "$work/v.txt"; : > "$work/per.txt"
  for _ in $(seq 1 "$runs"); do
    : > "$work/requests.log"
    t0=$(date +%s%3N)
    AWS_ENDPOINT_URL=http://127.0.0.1:$pport "$vanish" -q up "${up_flags[@]}" --plan "$work/plan-dv.json" > /dev/null
    t1=$(date +%s%3N)
    echo $(( t1 - t0 )) >> "$work/v.txt"
    # requests in total, requests before RunTask, ms from start to RunTask's arrival
    awk -v t0="$t0" '{n++} $1=="ecs:RunTask" && !r {r=n-1; at=$3-t0} END {print n, r, at}' "$work/requests.log" >> "$work/per.txt"
  done
  "$venv/bin/python" - "$work/v.txt" "$work/per.txt" "$runs" "$LATENCY_MS" "$vanish" "${up_flags[*]}" <<'PY' | tee "$out/up-latency.txt"
import statistics, sys
v = [int(x) for x in open(sys.argv[1])]
per = [tuple(int(y) for y in l.split()) for l in open(sys.argv[2])]
print(f"runs: {sys.argv[3]}, simulated round trip {sys.argv[4]} ms (fault proxy), vanish binary: {sys.argv[5]}")
print(f"vanish up {sys.argv[6]}, default VPC: median {statistics.median(v)} ms (min {min(v)}, max {max(v)})")
print(f"requests per up: {per[0][0]}; before RunTask: {per[0][1]}; RunTask arrives after median {statistics.median(p[2] for p in per)} ms")
PY
  exit 0
fi

net="awsvpcConfiguration={subnets=[$subnet],securityGroups=[$sg],assignPublicIp=ENABLED}"

now() { date +%s%N; }
aws_seq() {
  local arn task eni
  arn=$("$venv/bin/aws" ecs register-task-definition --cli-input-json "file://$work/td.json" \
        --query taskDefinition.taskDefinitionArn --output text)
  task=$("$venv/bin/aws" ecs run-task --cluster default --task-definition "$arn" --launch-type FARGATE \
        --network-configuration "$net" --started-by vanish --query 'tasks[0].taskArn' --output text)
  eni=$("$venv/bin/aws" ecs describe-tasks --cluster default --tasks "$task" \
        --query "tasks[0].attachments[0].details[?name=='networkInterfaceId'].value" --output text)
  "$venv/bin/aws" ec2 describe-network-interfaces --network-interface-ids "$eni" \
        --query 'NetworkInterfaces[0].Association.PublicIp' --output text > /dev/null
}

# Warm-up (first registration, Python imports), not measured.
"$vanish" -q up --no-wait --no-replace --plan "$work/plan.json" > /dev/null
aws_seq

: > "$work/v.txt"; : > "$work/a.txt"
for _ in $(seq 1 "$runs"); do
  t0=$(now); "$vanish" -q up --no-wait --no-replace --plan "$work/plan.json" > /dev/null; t1=$(now)
  echo $(( (t1 - t0) / 1000 )) >> "$work/v.txt"
  t0=$(now); aws_seq; t1=$(now)
  echo $(( (t1 - t0) / 1000 )) >> "$work/a.txt"
done
calls=$("$vanish" -v up --no-wait --no-replace --plan "$work/plan.json" 2>&1 >/dev/null | grep -c 'aws call')
sed 's/"bench"/"bench2"/g' "$work/plan.json" > "$work/plan2.json"
"$vanish" -q up --no-wait --plan "$work/plan2.json" > /dev/null
calls_replace=$("$vanish" -v up --no-wait --plan "$work/plan2.json" 2>&1 >/dev/null | grep -c 'aws call')
"$venv/bin/python" - "$work/v.txt" "$work/a.txt" "$runs" "$calls" "$calls_replace" "$vanish" <<'PY' | tee "$out/up.txt"
import statistics, sys
v = [int(x) / 1e6 for x in open(sys.argv[1])]
a = [int(x) / 1e6 for x in open(sys.argv[2])]
mv, ma = statistics.median(v), statistics.median(a)
print(f"runs: {sys.argv[3]} each, against one local moto; vanish binary: {sys.argv[6]}")
print(f"vanish up --no-wait (+ IP lookup): median {mv*1000:.0f} ms (min {min(v)*1000:.0f}, max {max(v)*1000:.0f})")
print(f"aws CLI sequence (4 commands):     median {ma*1000:.0f} ms (min {min(a)*1000:.0f}, max {max(a)*1000:.0f})")
print(f"ratio vanish/aws: {mv/ma:.3f}")
print(f"vanish API calls per up: {sys.argv[4]} with --no-replace, {sys.argv[5]} replacing one earlier task (ListTasks, DescribeTasks, StopTask added); task definition unchanged, subnets given")
PY
