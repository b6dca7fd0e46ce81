"""The moto fixture's part (moto_fixture.py) for a review-app cluster in any region, as
the GitLab example's pipeline names them (tests/gitlab_ci.rs): a cluster of the given
name, the default VPC's subnets and security group for ecs-params, and the public IP
that moto does not give a task's ENI.

Usage: python moto_region.py ENDPOINT REGION COMMAND [ARGS...]
  cluster NAME                    create the ECS cluster NAME
  net                             print "SUBNET_A SUBNET_B SECURITY_GROUP" of the default VPC
  eip CLUSTER NAME [TIMEOUT]      wait for a RUNNING vanish task named NAME in CLUSTER
                                  whose ENI has no public IP, associate an Elastic IP
                                  with that ENI, print the IP

Invariants: talks to moto directly (not through the strict proxy: this is AWS's part,
not vanish's); every wait has a deadline and fails with a message on expiry.
"""
import sys
import time

import boto3

endpoint, region, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
kw = dict(endpoint_url=endpoint, region_name=region,
          aws_access_key_id="testing", aws_secret_access_key="testing")
ecs = boto3.client("ecs", **kw)
ec2 = boto3.client("ec2", **kw)


def eni_of(task):
    for a in task.get("attachments", []):
        for d in a.get("details", []):
            if d["name"] == "networkInterfaceId":
                return d["value"]
    return None


if cmd == "cluster":
    ecs.create_cluster(clusterName=args[0])
elif cmd == "net":
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = sorted(s["SubnetId"] for s in ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"])
    sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                               {"Name": "group-name", "Values": ["default"]}])
    print(subnets[0], subnets[1], sg["SecurityGroups"][0]["GroupId"])
elif cmd == "eip":
    cluster, name = args[0], args[1]
    deadline = time.time() + float(args[2] if len(args) > 2 else 60)
    while True:
        arns = ecs.list_tasks(cluster=cluster, startedBy="vanish")["taskArns"]
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns, include=["TAGS"])["tasks"] if arns else []
        fresh = [t for t in tasks
                 if t["lastStatus"] == "RUNNING"
                 and {x["key"]: x["value"] for x in t.get("tags", [])}.get("vanish:name") == name
                 and "Association" not in ec2.describe_network_interfaces(
                     NetworkInterfaceIds=[eni_of(t)])["NetworkInterfaces"][0]]
        if fresh:
            break
        if time.time() > deadline:
            sys.exit(f"no RUNNING task named {name} without a public IP appeared in {cluster}")
        time.sleep(0.1)
    alloc = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=alloc["AllocationId"], NetworkInterfaceId=eni_of(fresh[0]))
    print(alloc["PublicIp"])
else:
    sys.exit(f"unknown command {cmd!r}")
