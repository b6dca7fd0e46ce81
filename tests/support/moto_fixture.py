"""Fixture helper for the moto end-to-end tests: plays AWS's part where moto lacks it.

Usage: python moto_fixture.py ENDPOINT COMMAND [ARGS...]
Environment: MOTO_FIXTURE_REGION (default us-east-1) and MOTO_FIXTURE_CLUSTER
(default "default") name the region and the cluster every command works in.
  setup                       create the cluster; hold tasks RUNNING
  cluster                     create the cluster only
  net                         print "SUBNET_A SUBNET_B SECURITY_GROUP" of the default VPC
  eip NAME [TIMEOUT]          wait for the vanish task named NAME, associate an
                              Elastic IP with its ENI, print the IP
  spawn COUNT PREFIX EXPIRES  run COUNT vanish-tagged tasks (names PREFIX-i)
  status TASK_ARN             print the task's lastStatus
  release                     let tasks leave RUNNING on their next describe
  logapp NAME                 run a vanish task NAME whose containers web and
                              worker log to /vanish/NAME (awslogs); print its ARN
  put TASK_ARN SERVICE BASE T:MSG...  write events (at BASE + T seconds, epoch)
                              into the service's stream (created if missing)
  bulk TASK_ARN SERVICE BASE N   write N events 'line i' (ms apart) in batches
  await NAME [TIMEOUT]        wait for a RUNNING vanish task named NAME, print its ARN
  iso SECONDS                 print the epoch time SECONDS as RFC 3339 (UTC)
  stop TASK_ARN               stop the task and let it reach STOPPED
  drop-eni NAME               delete the network interface of the RUNNING vanish
                              task NAME (as EC2 forgets an ENI when its task stops)
"""
import json
import os
import sys
import time
import urllib.request

import boto3

endpoint, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
region = os.environ.get("MOTO_FIXTURE_REGION") or "us-east-1"
cluster = os.environ.get("MOTO_FIXTURE_CLUSTER") or "default"
kw = dict(endpoint_url=endpoint, region_name=region,
          aws_access_key_id="testing", aws_secret_access_key="testing")
ecs = boto3.client("ecs", **kw)
ec2 = boto3.client("ec2", **kw)
logs = boto3.client("logs", **kw)


def moto_api(path, body):
    req = urllib.request.Request(endpoint + path, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(req, timeout=10).read()


def default_net():
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    sgs = [g["GroupId"] for g in ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]]
    return subnets, sgs


def tasks_named(name):
    arns = ecs.list_tasks(cluster=cluster, startedBy="vanish")["taskArns"]
    out = []
    for i in range(0, len(arns), 100):
        for t in ecs.describe_tasks(cluster=cluster, tasks=arns[i:i + 100], include=["TAGS"])["tasks"]:
            tags = {x["key"]: x["value"] for x in t.get("tags", [])}
            if tags.get("vanish:name") == name and t["lastStatus"] == "RUNNING":
                out.append(t)
    return out


def eni_of(task):
    for a in task.get("attachments", []):
        for d in a.get("details", []):
            if d["name"] == "networkInterfaceId":
                return d["value"]
    return None


if cmd == "setup":
    ecs.create_cluster(clusterName=cluster)
    moto_api("/moto-api/state-manager/set-transition",
             {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000}})
elif cmd == "cluster":
    ecs.create_cluster(clusterName=cluster)
elif cmd == "net":
    subnets, sgs = default_net()
    subnets.sort()
    print(subnets[0], subnets[1], sgs[0])
elif cmd == "release":
    # Let tasks move on: each DescribeTasks advances RUNNING -> DEACTIVATING -> ... -> STOPPED.
    moto_api("/moto-api/state-manager/set-transition",
             {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1}})
elif cmd == "eip":
    name = args[0]
    deadline = time.time() + float(args[1] if len(args) > 1 else 30)
    while True:
        fresh = [t for t in tasks_named(name)
                 if "Association" not in ec2.describe_network_interfaces(
                     NetworkInterfaceIds=[eni_of(t)])["NetworkInterfaces"][0]]
        if fresh:
            break
        if time.time() > deadline:
            sys.exit(f"no RUNNING task named {name} without a public IP appeared in {cluster}")
        time.sleep(0.1)
    alloc = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=alloc["AllocationId"], NetworkInterfaceId=eni_of(fresh[0]))
    print(alloc["PublicIp"])
elif cmd == "spawn":
    count, prefix, expires = int(args[0]), args[1], args[2]
    ecs.register_task_definition(
        family="vanish-fixture", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx", "memory": 512, "essential": True,
                               "portMappings": [{"containerPort": 80, "hostPort": 80}]}])
    subnets, sgs = default_net()
    for i in range(count):
        ecs.run_task(
            cluster=cluster, taskDefinition="vanish-fixture", launchType="FARGATE",
            startedBy="vanish",
            networkConfiguration={"awsvpcConfiguration": {"subnets": subnets[:1], "securityGroups": sgs,
                                                           "assignPublicIp": "ENABLED"}},
            tags=[{"key": "vanish:name", "value": f"{prefix}-{i}"},
                  {"key": "vanish:expires-at", "value": expires},
                  {"key": "vanish:ttl", "value": "1h"}])
elif cmd == "status":
    t = ecs.describe_tasks(cluster=cluster, tasks=[args[0]])["tasks"][0]
    print(t["lastStatus"])
elif cmd == "logapp":
    name = args[0]
    group = f"/vanish/{name}"

    def c(n):
        return {"name": n, "image": "busybox", "memory": 256, "essential": True,
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": group, "awslogs-region": region,
                    "awslogs-stream-prefix": name}}}
    ecs.register_task_definition(
        family=f"vanish-{name}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", containerDefinitions=[c("web"), c("worker")])
    subnets, sgs = default_net()
    t = ecs.run_task(
        cluster=cluster, taskDefinition=f"vanish-{name}", launchType="FARGATE", startedBy="vanish",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets[:1], "securityGroups": sgs}},
        tags=[{"key": "vanish:name", "value": name}])["tasks"][0]
    print(t["taskArn"])
elif cmd == "put":
    arn, service, base = args[0], args[1], int(args[2])
    td = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]["taskDefinitionArn"]
    cd = next(x for x in ecs.describe_task_definition(taskDefinition=td)["taskDefinition"]["containerDefinitions"]
              if x["name"] == service)
    opts = cd["logConfiguration"]["options"]
    group, stream = opts["awslogs-group"], f"{opts['awslogs-stream-prefix']}/{service}/{arn.rsplit('/', 1)[1]}"
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    try:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    events = []
    for item in args[3:]:
        t, msg = item.split(":", 1)
        events.append({"timestamp": (base + int(t)) * 1000, "message": msg})
    r = logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
    if r.get("rejectedLogEventsInfo"):
        sys.exit(f"events rejected: {r['rejectedLogEventsInfo']}")
elif cmd == "bulk":
    arn, service, base, n = args[0], args[1], int(args[2]), int(args[3])
    td = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]["taskDefinitionArn"]
    cd = next(x for x in ecs.describe_task_definition(taskDefinition=td)["taskDefinition"]["containerDefinitions"]
              if x["name"] == service)
    opts = cd["logConfiguration"]["options"]
    group, stream = opts["awslogs-group"], f"{opts['awslogs-stream-prefix']}/{service}/{arn.rsplit('/', 1)[1]}"
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    events = [{"timestamp": base * 1000 + i, "message": f"line {i}"} for i in range(n)]
    for i in range(0, n, 5000):
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events[i:i + 5000])
elif cmd == "await":
    deadline = time.time() + float(args[1] if len(args) > 1 else 30)
    while not tasks_named(args[0]):
        if time.time() > deadline:
            sys.exit(f"no task named {args[0]} appeared")
        time.sleep(0.1)
    print(tasks_named(args[0])[0]["taskArn"])
elif cmd == "iso":
    import datetime
    print(datetime.datetime.fromtimestamp(int(args[0]), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
elif cmd == "stop":
    ecs.stop_task(cluster=cluster, task=args[0], reason="fixture stop")
    moto_api("/moto-api/state-manager/set-transition",
             {"model_name": "ecs::task", "transition": {"progression": "immediate"}})
elif cmd == "drop-eni":
    t = tasks_named(args[0])[0]
    ec2.delete_network_interface(NetworkInterfaceId=eni_of(t))
    print(eni_of(t))
else:
    sys.exit(f"unknown command {cmd}")
