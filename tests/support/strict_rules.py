"""The ECS rules that AWS states in prose and botocore's model cannot express.

`check(service, operation, params, body_len, state)` returns the violations of one
request; `observe(...)` records what a successful answer teaches (registered task
definitions, used client tokens) in `state`, so RunTask can be checked against the
task definition it runs. Each rule has a stable id (`RULES`) and a source: the
model shape whose documentation states it, or the ECS Developer Guide page.

Invariants: pure functions of (request, state); never raise on odd input (a value of
the wrong type is the model validator's business, and is skipped here).
"""
import hashlib
import json
import re


class Violation(dict):
    """One broken rule: {rule, source, operation, message}."""

    def __init__(self, rule, source, operation, message):
        super().__init__(rule=rule, source=source, operation=operation, message=message)

    def line(self):
        return f"{self['operation']}: {self['rule']}: {self['message']} (source: {self['source']})"


M = "botocore ecs service-2.json documentation: "
G = "ECS Developer Guide: "

# rule id -> source
RULES = {
    "ecs.list-tasks.started-by-alone": M + "ListTasksRequest.startedBy ('it must be the only filter that you use')",
    "ecs.describe-tasks.at-most-100": M + "DescribeTasksRequest.tasks ('up to 100')",
    "ecs.td.size-64k": G + "Amazon ECS service quotas (task definition size: 64 KiB)",
    "ecs.td.one-essential": M + "ContainerDefinition.essential ('All tasks must have at least one essential container')",
    "ecs.td.unique-container-names": M + "ContainerDefinition.name (unique within a task definition)",
    "ecs.td.dependency-known": M + "ContainerDependency.containerName",
    "ecs.td.complete-success-non-essential": M + "ContainerDependency.condition (COMPLETE/SUCCESS: 'can't be set on an essential container')",
    "ecs.td.memory-above-reservation": M + "ContainerDefinition.memoryReservation ('memory must be greater than memoryReservation')",
    "ecs.td.execution-role": G + "Amazon ECS task execution IAM role (awslogs, Secrets Manager/SSM secrets, private registry authentication)",
    "ecs.td.healthcheck-range": M + "HealthCheck.interval 5-300, timeout 2-60, retries 1-10, startPeriod 0-300",
    "ecs.td.fargate-size": G + "Task size / Fargate task CPU and memory (the valid cpu-memory pairs)",
    "ecs.td.fargate-awsvpc": M + "RegisterTaskDefinitionRequest.networkMode (Fargate requires awsvpc)",
    "ecs.td.efs-transit-encryption": M + "EFSAuthorizationConfig.iam / accessPointId (transit encryption must be on)",
    "ecs.td.efs-root-directory": M + "EFSVolumeConfiguration.rootDirectory (omitted or / with an access point)",
    "ecs.td.image": M + "ContainerDefinition.image (up to 255 letters, numbers, - _ : . / # and @sha256 digests)",
    "ecs.run-task.client-token": M + "RunTaskRequest.clientToken ('must be unique', 'Up to 64 characters', characters 33-126)",
    "ecs.run-task.launch-type-or-strategy": M + "RunTaskRequest.capacityProviderStrategy ('the launchType parameter must be omitted')",
    "ecs.run-task.count": M + "RunTaskRequest.count ('up to 10 tasks for each call')",
    "ecs.run-task.awsvpc-limits": M + "AwsVpcConfiguration.subnets (1 to 16) / securityGroups (at most 5)",
    "ecs.run-task.platform-version": G + "Fargate platform versions (LATEST or a released version such as 1.4.0)",
    "ecs.run-task.platform-1.4": M + "CapacityProviderStrategyItem (FARGATE_SPOT ARM64 on 1.4.0 or later); " + G + "8 and 16 vCPU need 1.4.0",
    "ecs.run-task.override-known": M + "ContainerOverride.name (a container of the task definition)",
    "ecs.tags.aws-prefix": G + "Tagging your Amazon ECS resources (the aws: prefix is reserved)",
}

# Fargate Linux cpu -> valid memory (MiB): the Developer Guide's task size table.
FARGATE = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4096 + 1, 1024)),
    1024: list(range(2048, 8192 + 1, 1024)),
    2048: list(range(4096, 16384 + 1, 1024)),
    4096: list(range(8192, 30720 + 1, 1024)),
    8192: list(range(16384, 61440 + 1, 4096)),
    16384: list(range(32768, 122880 + 1, 8192)),
}
RELEASED_PLATFORMS = {"1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"}


class State:
    """What the proxy learnt from earlier successful answers."""

    def __init__(self):
        self.task_definitions = {}  # arn, family:revision, family -> request params
        self.tokens = {}  # client token -> (request digest, answered)


def _v(rule, operation, message):
    return Violation(rule, RULES[rule], operation, message)


def _units(value, unit):
    """'1024', '1 vCPU', '0.25 vcpu', '2 GB', '2GB' -> CPU units / MiB; None if unreadable."""
    if not isinstance(value, str):
        return None
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", value)
    if not m:
        return None
    n, suffix = float(m.group(1)), m.group(2).lower()
    if suffix == "":
        return int(n)
    if unit == "cpu" and suffix == "vcpu":
        return int(n * 1024)
    if unit == "mem" and suffix == "gb":
        return int(n * 1024)
    return None


def _list(x):
    return x if isinstance(x, list) else []


def _dict(x):
    return x if isinstance(x, dict) else {}


def _tags(operation, tags):
    out = []
    for t in _list(tags):
        k = _dict(t).get("key", "")
        if isinstance(k, str) and k.lower().startswith("aws:"):
            out.append(_v("ecs.tags.aws-prefix", operation, f"tag key {k!r} uses the reserved aws: prefix"))
    return out


def register_task_definition(p, body_len):
    op = "RegisterTaskDefinition"
    out = []
    if body_len > 64 * 1024:
        out.append(_v("ecs.td.size-64k", op, f"the task definition is {body_len} bytes, over 64 KiB (65536)"))
    cds = [c for c in _list(p.get("containerDefinitions")) if isinstance(c, dict)]
    names = [c.get("name") for c in cds]
    essential = {c.get("name"): c.get("essential", True) is not False for c in cds}
    if cds and not any(c.get("essential", True) is not False for c in cds):
        out.append(_v("ecs.td.one-essential", op, "no container is essential"))
    seen = set()
    for n in names:
        if n in seen:
            out.append(_v("ecs.td.unique-container-names", op, f"container name {n!r} is used twice"))
        seen.add(n)
    needs_role = []
    for c in cds:
        name = c.get("name")
        where = f"containerDefinitions[{name}]"
        for d in _list(c.get("dependsOn")):
            d = _dict(d)
            target, cond = d.get("containerName"), d.get("condition")
            if target not in essential:
                out.append(_v("ecs.td.dependency-known", op, f"{where}.dependsOn names {target!r}, not a container here"))
            elif cond in ("COMPLETE", "SUCCESS") and essential[target]:
                out.append(_v("ecs.td.complete-success-non-essential", op,
                              f"{where} waits for {target!r} to {cond}, but {target!r} is essential"))
        mem, res = c.get("memory"), c.get("memoryReservation")
        if isinstance(mem, int) and isinstance(res, int) and not mem > res:
            out.append(_v("ecs.td.memory-above-reservation", op,
                          f"{where}: memory {mem} is not greater than memoryReservation {res}"))
        lc = _dict(c.get("logConfiguration"))
        if lc.get("logDriver") == "awslogs":
            needs_role.append(f"{where}.logConfiguration (awslogs)")
        if _list(lc.get("secretOptions")):
            needs_role.append(f"{where}.logConfiguration.secretOptions")
        if any("valueFrom" in _dict(s) for s in _list(c.get("secrets"))):
            needs_role.append(f"{where}.secrets (valueFrom)")
        if _dict(c.get("repositoryCredentials")):
            needs_role.append(f"{where}.repositoryCredentials")
        hc = c.get("healthCheck")
        if isinstance(hc, dict):
            for key, lo, hi in (("interval", 5, 300), ("timeout", 2, 60), ("retries", 1, 10), ("startPeriod", 0, 300)):
                v = hc.get(key)
                if isinstance(v, int) and not lo <= v <= hi:
                    out.append(_v("ecs.td.healthcheck-range", op,
                                  f"{where}.healthCheck.{key} = {v}, AWS allows {lo}-{hi}"))
        img = c.get("image")
        if isinstance(img, str) and (len(img) > 255 or not re.fullmatch(r"[A-Za-z0-9_.:/#@-]+", img)):
            out.append(_v("ecs.td.image", op, f"{where}.image {img[:80]!r} has a character AWS does not allow or is over 255 characters"))
    if needs_role and not p.get("executionRoleArn"):
        out.append(_v("ecs.td.execution-role", op,
                      "no executionRoleArn, but these need one: " + ", ".join(needs_role)))
    if "FARGATE" in _list(p.get("requiresCompatibilities")):
        if p.get("networkMode") != "awsvpc":
            out.append(_v("ecs.td.fargate-awsvpc", op, f"networkMode {p.get('networkMode')!r} on Fargate"))
        cpu, mem = _units(p.get("cpu"), "cpu"), _units(p.get("memory"), "mem")
        if cpu not in FARGATE or mem not in FARGATE[cpu]:
            out.append(_v("ecs.td.fargate-size", op,
                          f"cpu {p.get('cpu')!r} with memory {p.get('memory')!r} is not a Fargate task size"))
    for vol in _list(p.get("volumes")):
        efs = _dict(_dict(vol).get("efsVolumeConfiguration"))
        if not efs:
            continue
        auth = _dict(efs.get("authorizationConfig"))
        where = f"volumes[{_dict(vol).get('name')}]"
        if (auth.get("iam") == "ENABLED" or auth.get("accessPointId")) and efs.get("transitEncryption") != "ENABLED":
            out.append(_v("ecs.td.efs-transit-encryption", op,
                          f"{where} uses IAM authorization or an access point without transitEncryption ENABLED"))
        if auth.get("accessPointId") and efs.get("rootDirectory") not in (None, "/"):
            out.append(_v("ecs.td.efs-root-directory", op,
                          f"{where} has an access point and rootDirectory {efs.get('rootDirectory')!r}"))
    out += _tags(op, p.get("tags"))
    return out


def _digest(p):
    return hashlib.sha256(json.dumps(p, sort_keys=True).encode()).hexdigest()


def run_task(p, state):
    op = "RunTask"
    out = []
    tok = p.get("clientToken")
    if isinstance(tok, str):
        if len(tok) > 64 or any(not 33 <= ord(ch) <= 126 for ch in tok):
            out.append(_v("ecs.run-task.client-token", op,
                          f"clientToken {tok!r} is {len(tok)} characters or has characters outside 33-126"))
        seen = state.tokens.get(tok)
        if seen is not None and (seen[0] != _digest(p) or seen[1]):
            out.append(_v("ecs.run-task.client-token", op,
                          f"clientToken {tok!r} was already used by an earlier launch"))
    if p.get("capacityProviderStrategy") and p.get("launchType"):
        out.append(_v("ecs.run-task.launch-type-or-strategy", op, "both launchType and capacityProviderStrategy"))
    if isinstance(p.get("count"), int) and not 1 <= p["count"] <= 10:
        out.append(_v("ecs.run-task.count", op, f"count {p['count']}"))
    vpc = _dict(_dict(p.get("networkConfiguration")).get("awsvpcConfiguration"))
    if vpc:
        if not 1 <= len(_list(vpc.get("subnets"))) <= 16:
            out.append(_v("ecs.run-task.awsvpc-limits", op, f"{len(_list(vpc.get('subnets')))} subnets"))
        if len(_list(vpc.get("securityGroups"))) > 5:
            out.append(_v("ecs.run-task.awsvpc-limits", op, f"{len(_list(vpc.get('securityGroups')))} security groups"))
    pv = p.get("platformVersion")
    if pv is not None and pv != "LATEST" and pv not in RELEASED_PLATFORMS:
        out.append(_v("ecs.run-task.platform-version", op, f"platformVersion {pv!r}"))
    td = state.task_definitions.get(p.get("taskDefinition"))
    if td is not None:
        spot = any(_dict(s).get("capacityProvider") == "FARGATE_SPOT" for s in _list(p.get("capacityProviderStrategy")))
        arm = _dict(td.get("runtimePlatform")).get("cpuArchitecture") == "ARM64"
        big = (_units(td.get("cpu"), "cpu") or 0) >= 8192
        old = pv is not None and pv not in ("LATEST", "1.4.0")
        if old and (big or (spot and arm)):
            why = "8 or 16 vCPU" if big else "ARM64 on FARGATE_SPOT"
            out.append(_v("ecs.run-task.platform-1.4", op, f"{why} needs platform version 1.4.0, not {pv!r}"))
        names = {_dict(c).get("name") for c in _list(td.get("containerDefinitions"))}
        for o in _list(_dict(p.get("overrides")).get("containerOverrides")):
            if _dict(o).get("name") not in names:
                out.append(_v("ecs.run-task.override-known", op,
                              f"containerOverrides names {_dict(o).get('name')!r}, not a container of the task definition"))
    out += _tags(op, p.get("tags"))
    return out


def list_tasks(p):
    filters = [k for k in ("containerInstance", "family", "serviceName", "desiredStatus", "launchType", "daemonName")
               if p.get(k) is not None]
    if p.get("startedBy") is not None and filters:
        return [_v("ecs.list-tasks.started-by-alone", "ListTasks", f"startedBy together with {', '.join(filters)}")]
    return []


def check(service, operation, params, body_len, state):
    """The rule violations of one request (the model's own checks are elsewhere)."""
    if service != "ecs" or not isinstance(params, dict):
        return []
    if operation == "RegisterTaskDefinition":
        return register_task_definition(params, body_len)
    if operation == "RunTask":
        return run_task(params, state)
    if operation == "ListTasks":
        return list_tasks(params)
    if operation == "DescribeTasks" and len(_list(params.get("tasks"))) > 100:
        return [_v("ecs.describe-tasks.at-most-100", operation, f"{len(params['tasks'])} tasks")]
    return []


def observe(service, operation, body, answer, state):
    """Learn from a successful answer (after the request passed every check)."""
    if service != "ecs":
        return
    try:
        p, a = json.loads(body or b"{}"), json.loads(answer or b"{}")
    except ValueError:
        return
    if operation == "RegisterTaskDefinition":
        arn = _dict(a.get("taskDefinition")).get("taskDefinitionArn")
        if isinstance(arn, str):
            short = arn.rsplit("/", 1)[-1]
            for key in (arn, short, short.split(":")[0]):
                state.task_definitions[key] = p
    elif operation == "RunTask" and isinstance(p.get("clientToken"), str):
        state.tokens[p["clientToken"]] = (_digest(p), True)


def real_shape(service, operation, answer):
    """moto echoes a task definition back as it was registered; ECS answers
    DescribeTaskDefinition with its defaults filled in and fields of its own
    (the API reference's example answer): cpu 0 on a container that set none,
    empty mountPoints / volumesFrom / systemControls, portMappings with
    hostPort and protocol, environment in its own order, compatibilities,
    requiresAttributes, registeredAt/registeredBy, status. This gives the
    answer that shape, so the "register only when changed" check is proven
    against what ECS really returns, not against moto's echo."""
    if service != "ecs" or operation != "DescribeTaskDefinition":
        return answer
    try:
        a = json.loads(answer)
    except ValueError:
        return answer
    td = _dict(a.get("taskDefinition"))
    if not td:
        return answer
    for c in _list(td.get("containerDefinitions")):
        if not isinstance(c, dict):
            continue
        c.setdefault("cpu", 0)
        for k in ("mountPoints", "volumesFrom", "systemControls", "environment"):
            c.setdefault(k, [])
        c["environment"] = list(reversed(c["environment"]))
        for p in _list(c.get("portMappings")):
            if isinstance(p, dict):
                p.setdefault("hostPort", p.get("containerPort"))
                p.setdefault("protocol", "tcp")
    td.setdefault("volumes", [])
    td.setdefault("placementConstraints", [])
    td["compatibilities"] = ["EC2", "FARGATE"]
    td["requiresAttributes"] = [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"},
                                {"name": "ecs.capability.task-eni"}]
    td.setdefault("status", "ACTIVE")
    td.setdefault("registeredAt", 1767225600.0)
    td.setdefault("registeredBy", "arn:aws:sts::123456789012:assumed-role/ci/vanish")
    return json.dumps(a).encode()
