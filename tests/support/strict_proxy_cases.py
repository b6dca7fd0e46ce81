"""The strict proxy's own tests: one bad request per rule, each must be caught by
exactly that rule, and the good requests must pass (run by tests/strict_proxy.rs).

Each case goes through `strict_proxy.check_request` as the wire carries it: the SigV4
credential scope names the service, ECS/Logs bodies are JSON 1.1 with X-Amz-Target,
EC2 bodies are the query protocol. Prints one line per case; exit 1 on any failure.
Usage: python strict_proxy_cases.py
"""
import copy
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strict_proxy  # noqa: E402
import strict_rules  # noqa: E402

EXEC = "arn:aws:iam::123456789012:role/vanish-task-execution"


def headers(service, target=None):
    h = {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, "
                          "SignedHeaders=host, Signature=x"}
    if target:
        h["X-Amz-Target"] = target
    return h


def ecs(op, params, state=None):
    body = json.dumps(params).encode()
    return strict_proxy.check_request(headers("ecs", f"AmazonEC2ContainerServiceV20141113.{op}"), body,
                                      state or strict_rules.State())[1]


def logs(op, params):
    body = json.dumps(params).encode()
    return strict_proxy.check_request(headers("logs", f"Logs_20140328.{op}"), body, strict_rules.State())[1]


def ec2(params):
    body = urllib.parse.urlencode(params).encode()
    return strict_proxy.check_request(headers("ec2"), body, strict_rules.State())[1]


def container(**kw):
    c = {"name": "web", "image": "registry.example.com/acme/web:1.2@sha256:" + "a" * 64, "essential": True,
         "memory": 512, "memoryReservation": 256,
         "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
         "environment": [{"name": "VANISH_TTL", "value": "2h"}],
         "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 30, "timeout": 5, "retries": 3,
                         "startPeriod": 0},
         "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/vanish/x"}}}
    c.update(kw)
    return c


TD = {"family": "vanish-mr-1", "networkMode": "awsvpc", "executionRoleArn": EXEC,
      "requiresCompatibilities": ["FARGATE"], "cpu": "512", "memory": "1024",
      "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
      "containerDefinitions": [container(),
                               container(name="migrate", essential=False, healthCheck=None,
                                         portMappings=[], memoryReservation=None)],
      "volumes": [{"name": "data", "efsVolumeConfiguration": {
          "fileSystemId": "fs-1", "transitEncryption": "ENABLED",
          "authorizationConfig": {"accessPointId": "fsap-1", "iam": "ENABLED"}}}],
      "tags": [{"key": "vanish:name", "value": "mr-1"}]}
for c in TD["containerDefinitions"]:
    for k in [k for k, v in c.items() if v is None]:
        del c[k]
TD["containerDefinitions"][0]["dependsOn"] = [{"containerName": "migrate", "condition": "SUCCESS"}]

RT = {"cluster": "default", "taskDefinition": "vanish-mr-1", "launchType": "FARGATE", "count": 1,
      "platformVersion": "LATEST", "startedBy": "vanish", "clientToken": "vanish-mr-1-abc",
      "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"],
                                                       "assignPublicIp": "ENABLED"}},
      "overrides": {"containerOverrides": [{"name": "web", "environment": [{"name": "VANISH_DEADLINE",
                                                                             "value": "2099-01-01T00:00:00Z"}]}]},
      "tags": [{"key": "vanish:name", "value": "mr-1"}]}


def td(**changes):
    p = copy.deepcopy(TD)
    for path, value in changes.items():
        node = p
        keys = path.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is DEL:
            node.pop(last, None)
        else:
            node[last] = value
    return p


DEL = object()


def rt(**changes):
    p = copy.deepcopy(RT)
    for k, v in changes.items():
        if v is DEL:
            p.pop(k, None)
        else:
            p[k] = v
    return p


def known(taskdef):
    """A state that knows `taskdef` as the family's latest revision."""
    s = strict_rules.State()
    s.task_definitions[taskdef["family"]] = taskdef
    return s


def used_token(token):
    s = known(TD)
    strict_rules.observe("ecs", "RunTask", json.dumps(rt(clientToken=token)).encode(), b"{}", s)
    return s


big = copy.deepcopy(TD)
big["containerDefinitions"][0]["environment"] = [{"name": "BLOB", "value": "x" * 70000}]

# (name, violations, the one rule expected; None = must pass)
CASES = [
    ("good RegisterTaskDefinition", ecs("RegisterTaskDefinition", TD), None),
    ("good RunTask", ecs("RunTask", RT, known(TD)), None),
    ("good RunTask on FARGATE_SPOT with ARM64 on 1.4.0",
     ecs("RunTask", rt(launchType=DEL, platformVersion="1.4.0",
                       capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}]),
         known(td(runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}))), None),
    ("good ListTasks (startedBy alone)", ecs("ListTasks", {"cluster": "default", "startedBy": "vanish"}), None),
    ("good ListTasks (desiredStatus alone)", ecs("ListTasks", {"cluster": "default", "desiredStatus": "STOPPED"}), None),
    ("good DescribeNetworkInterfaces by filter",
     ec2({"Action": "DescribeNetworkInterfaces", "Version": "2016-11-15", "Filter.1.Name": "network-interface-id",
          "Filter.1.Value.1": "eni-1", "Filter.1.Value.2": "eni-2"}), None),
    ("good GetLogEvents", logs("GetLogEvents", {"logGroupName": "/vanish/x", "logStreamName": "x/web/1",
                                                "startFromHead": True, "limit": 10000}), None),
    # botocore's validator
    ("missing required member", ecs("RunTask", rt(taskDefinition=DEL)), "model.param-validator"),
    ("unknown member", ecs("ListTasks", {"cluster": "default", "color": "red"}), "model.param-validator"),
    ("wrong type", ecs("RunTask", rt(count="1")), "model.param-validator"),
    ("EC2 unknown query parameter", ec2({"Action": "DescribeNetworkInterfaces", "Version": "2016-11-15",
                                         "NetworkInterfaceIdz.1": "eni-1"}), "model.param-validator"),
    # what the validator skips
    ("enum (ulimit nofiles)", ecs("RegisterTaskDefinition", td(containerDefinitions__0__ulimits=[
        {"name": "nofiles", "softLimit": 1, "hardLimit": 1}])), "model.enum"),
    ("max length", logs("GetLogEvents", {"logGroupName": "g" * 600, "logStreamName": "s"}), "model.max-length"),
    ("max value", logs("GetLogEvents", {"logGroupName": "g", "logStreamName": "s", "limit": 10001}), "model.max-value"),
    ("pattern", logs("GetLogEvents", {"logGroupName": "bad group!", "logStreamName": "s"}), "model.pattern"),
    ("max items", ecs("RunTask", rt(tags=[{"key": f"k{i}", "value": "v"} for i in range(51)])), "model.max-items"),
    # the ECS rules
    ("startedBy with desiredStatus", ecs("ListTasks", {"cluster": "default", "startedBy": "vanish",
                                                       "desiredStatus": "RUNNING"}), "ecs.list-tasks.started-by-alone"),
    ("DescribeTasks with 101 tasks", ecs("DescribeTasks", {"tasks": [f"t{i}" for i in range(101)]}),
     "ecs.describe-tasks.at-most-100"),
    ("task definition over 64 KiB", ecs("RegisterTaskDefinition", big), "ecs.td.size-64k"),
    ("no essential container", ecs("RegisterTaskDefinition", td(containerDefinitions__0__essential=False)),
     "ecs.td.one-essential"),
    ("duplicate container name", ecs("RegisterTaskDefinition", td(containerDefinitions__1__name="web",
                                                                  containerDefinitions__0__dependsOn=DEL)),
     "ecs.td.unique-container-names"),
    ("dependency on an unknown container", ecs("RegisterTaskDefinition", td(containerDefinitions__0__dependsOn=[
        {"containerName": "db", "condition": "START"}])), "ecs.td.dependency-known"),
    ("SUCCESS on an essential container", ecs("RegisterTaskDefinition", td(containerDefinitions__1__essential=True)),
     "ecs.td.complete-success-non-essential"),
    ("memory not above memoryReservation", ecs("RegisterTaskDefinition", td(containerDefinitions__0__memory=256)),
     "ecs.td.memory-above-reservation"),
    ("awslogs without an execution role", ecs("RegisterTaskDefinition", td(executionRoleArn=DEL)),
     "ecs.td.execution-role"),
    ("secrets without an execution role", ecs("RegisterTaskDefinition", td(
        executionRoleArn=DEL, containerDefinitions__0__logConfiguration=DEL, containerDefinitions__1__logConfiguration=DEL,
        containerDefinitions__0__secrets=[{"name": "K", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/k"}])),
     "ecs.td.execution-role"),
    ("private registry without an execution role", ecs("RegisterTaskDefinition", td(
        executionRoleArn=DEL, containerDefinitions__0__logConfiguration=DEL, containerDefinitions__1__logConfiguration=DEL,
        containerDefinitions__0__repositoryCredentials={"credentialsParameter": "arn:aws:secretsmanager:x"})),
     "ecs.td.execution-role"),
    ("healthcheck interval 3", ecs("RegisterTaskDefinition", td(containerDefinitions__0__healthCheck={
        "command": ["CMD", "true"], "interval": 3})), "ecs.td.healthcheck-range"),
    ("healthcheck retries 11", ecs("RegisterTaskDefinition", td(containerDefinitions__0__healthCheck={
        "command": ["CMD", "true"], "retries": 11})), "ecs.td.healthcheck-range"),
    ("Fargate size 256 cpu / 4096 memory", ecs("RegisterTaskDefinition", td(cpu="256", memory="4096")),
     "ecs.td.fargate-size"),
    ("Fargate with bridge networking", ecs("RegisterTaskDefinition", td(networkMode="bridge")), "ecs.td.fargate-awsvpc"),
    ("EFS access point without transit encryption", ecs("RegisterTaskDefinition", td(
        volumes=[{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1",
                                                              "authorizationConfig": {"accessPointId": "fsap-1"}}}])),
     "ecs.td.efs-transit-encryption"),
    ("EFS access point with a root directory", ecs("RegisterTaskDefinition", td(
        volumes=[{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "rootDirectory": "/data",
                                                              "transitEncryption": "ENABLED",
                                                              "authorizationConfig": {"accessPointId": "fsap-1"}}}])),
     "ecs.td.efs-root-directory"),
    ("newline in an image name", ecs("RegisterTaskDefinition", td(containerDefinitions__0__image="web:1\n")),
     "ecs.td.image"),
    ("client token of 65 characters", ecs("RunTask", rt(clientToken="t" * 65)), "ecs.run-task.client-token"),
    ("client token reused by a second launch", ecs("RunTask", rt(
        overrides={"containerOverrides": [{"name": "web", "environment": [{"name": "VANISH_DEADLINE",
                                                                             "value": "2099-01-02T00:00:00Z"}]}]}),
        used_token(RT["clientToken"])), "ecs.run-task.client-token"),
    ("launchType with a capacity provider strategy", ecs("RunTask", rt(
        capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])),
     "ecs.run-task.launch-type-or-strategy"),
    ("count 11", ecs("RunTask", rt(count=11)), "ecs.run-task.count"),
    ("no subnets", ecs("RunTask", rt(networkConfiguration={"awsvpcConfiguration": {"subnets": []}})),
     "ecs.run-task.awsvpc-limits"),
    ("platform version 1.5.0", ecs("RunTask", rt(platformVersion="1.5.0")), "ecs.run-task.platform-version"),
    ("8 vCPU on platform 1.3.0", ecs("RunTask", rt(platformVersion="1.3.0"), known(td(cpu="8192", memory="16384"))),
     "ecs.run-task.platform-1.4"),
    ("ARM64 on FARGATE_SPOT on platform 1.3.0", ecs("RunTask", rt(
        launchType=DEL, platformVersion="1.3.0", capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT"}]),
        known(td(runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}))),
     "ecs.run-task.platform-1.4"),
    ("override of an unknown container", ecs("RunTask", rt(overrides={"containerOverrides": [{"name": "db"}]}),
                                            known(TD)), "ecs.run-task.override-known"),
    ("aws: tag prefix", ecs("RunTask", rt(tags=[{"key": "aws:name", "value": "x"}])), "ecs.tags.aws-prefix"),
]


def real_shape_case():
    """DescribeTaskDefinition's answer gets ECS's defaults and fields."""
    echo = {"taskDefinition": {"family": "vanish-mr-1", "revision": 1, "containerDefinitions": [
        {"name": "web", "image": "nginx", "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
         "portMappings": [{"containerPort": 80}]}]}}
    a = json.loads(strict_rules.real_shape("ecs", "DescribeTaskDefinition", json.dumps(echo).encode()))
    td = a["taskDefinition"]
    c = td["containerDefinitions"][0]
    ok = (c["cpu"] == 0 and c["mountPoints"] == [] and c["volumesFrom"] == [] and c["systemControls"] == []
          and [e["name"] for e in c["environment"]] == ["B", "A"]
          and c["portMappings"] == [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]
          and td["compatibilities"] == ["EC2", "FARGATE"] and td["requiresAttributes"]
          and "registeredAt" in td and td["status"] == "ACTIVE")
    other = strict_rules.real_shape("ecs", "DescribeTasks", b"{}") == b"{}"
    print(f"{'ok  ' if ok and other else 'FAIL'} DescribeTaskDefinition answers get the real shape")
    return 0 if ok and other else 1


def main():
    failed = real_shape_case()
    covered = set()
    for name, violations, want in CASES:
        rules = sorted({v["rule"] for v in violations})
        ok = rules == ([want] if want else [])
        covered.update(rules)
        failed += not ok
        detail = "; ".join(v.line() for v in violations)
        print(f"{'ok  ' if ok else 'FAIL'} {name}: want {want or 'no violation'}, got {rules or 'none'}"
              + (f"\n     {detail}" if not ok and detail else ""))
    for rule in strict_rules.RULES:
        if rule not in covered:
            failed += 1
            print(f"FAIL rule {rule} has no bad request that shows it is caught")
    print(f"{len(CASES) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
