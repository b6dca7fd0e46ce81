"""Fixture helper for the moto end-to-end tests: plays AWS's part where moto lacks it.

Usage: python moto_fixture.py ENDPOINT COMMAND [ARGS...]
  setup                       create the default cluster; hold tasks RUNNING
  eip NAME [TIMEOUT]          wait for the vanish task named NAME, associate an
                              Elastic IP with its ENI, print the IP
  spawn COUNT PREFIX EXPIRES  run COUNT vanish-tagged tasks (names PREFIX-i)
  status TASK_ARN             print the task's lastStatus
  release                     let tasks leave RUNNING on their next describe
"""
import json
import sys
import time
import urllib.request

import boto3

endpoint, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3:]
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
ecs = boto3.client("ecs", **kw)
ec2 = boto3.client("ec2", **kw)


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
    arns = ecs.list_tasks(cluster="default", startedBy="vanish")["taskArns"]
    out = []
    for i in range(0, len(arns), 100):
        for t in ecs.describe_tasks(cluster="default", tasks=arns[i:i + 100], include=["TAGS"])["tasks"]:
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
    ecs.create_cluster(clusterName="default")
    moto_api("/moto-api/state-manager/set-transition",
             {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000}})
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
            sys.exit(f"no task named {name} without a public IP appeared")
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
            cluster="default", taskDefinition="vanish-fixture", launchType="FARGATE",
            startedBy="vanish",
            networkConfiguration={"awsvpcConfiguration": {"subnets": subnets[:1], "securityGroups": sgs,
                                                           "assignPublicIp": "ENABLED"}},
            tags=[{"key": "vanish:name", "value": f"{prefix}-{i}"},
                  {"key": "vanish:expires-at", "value": expires},
                  {"key": "vanish:ttl", "value": "1h"}])
elif cmd == "status":
    t = ecs.describe_tasks(cluster="default", tasks=[args[0]])["tasks"][0]
    print(t["lastStatus"])
else:
    sys.exit(f"unknown command {cmd}")
