"""A local Fargate: moto's AWS APIs, with the tasks moto accepts run as real containers.

Job: play the part of Fargate's data plane behind moto, with the real Docker engine, so that
`vanish up` really starts the app, the URL really answers and the TTL really ends the task.
moto runs IN PROCESS (ThreadedMotoServer) so the harness can set what only ECS knows: the
task's lastStatus, stop code and reason, each container's exit code, the ENI's public IP.

Usage: python fargate.py --pause-image TAG [--host 127.0.0.1] [--port 0] [--id ID]
  Prints `ready http://HOST:PORT` on stdout once the API answers; logs to stderr.
  SIGTERM/SIGINT, or its parent exiting: removes every container it started (label
  vanish.fargate=ID), then exits.

What it models (Fargate's documented behaviour, see docs/local-fargate.md):
- RunTask (launch type FARGATE or a FARGATE/FARGATE_SPOT capacity provider): the task is
  PROVISIONING, then PENDING while its containers start, RUNNING once every essential container
  has started; containers start from the registered task definition plus the RunTask overrides.
- One network namespace per task (a pause container, `sleep`, owns it; the others join it), the
  port mappings published on a free 127.x address that becomes the ENI's public IP when
  assignPublicIp is ENABLED.
- awslogs: each container's output goes to CloudWatch Logs, stream PREFIX/CONTAINER/TASK_ID.
- dependsOn START/COMPLETE/SUCCESS/HEALTHY (and startTimeout), healthCheck, essential,
  stopTimeout (default 30 s, max 120 s): an essential container exiting, or StopTask, stops the
  others in reverse dependency order (SIGTERM, stopTimeout, SIGKILL); the task is STOPPED with
  stopCode EssentialContainerExited or UserInitiated, the reason and each exit code.

Invariants: no image is ever pulled (`--pull never`); every container carries the harness's
label and is removed when its task stops and when the harness exits; nothing listens beyond
127.0.0.0/8; every docker command has a deadline, except the followers (`docker wait`,
`docker logs -f`), which end with their container.
"""
import os

PARENT = os.getppid()  # before the slow imports: the process that must outlive us

import argparse
import datetime
import logging
import queue
import random
import resource
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import boto3
from moto.ecs import models as ecs_models
from moto.ec2.models import ec2_backends
from moto.moto_api import state_manager
from moto.server import ThreadedMotoServer

FARGATE_STOP_TIMEOUT, FARGATE_MAX_STOP_TIMEOUT = 30, 120
# Fargate's documented default for nofile (platform 1.4.0+), capped at what this machine allows
# (an engine started with a lower hard limit cannot raise it); other limits are the kernel's.
FARGATE_NOFILE = min(65535, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
TICK = 0.25


def log(msg, **fields):
    extra = "".join(f" {k}={v}" for k, v in fields.items())
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]
    print(f"{stamp} fargate: {msg}{extra}", file=sys.stderr, flush=True)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def docker(*args, timeout=60, check=False):
    r = subprocess.run(["docker", *args], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:2])}: {r.stderr.strip()}")
    return r


class Ctr:
    """One container of a task, as DescribeTasks shows it (moto serialises the attributes)."""

    def __init__(self, task, cdef):
        self.container_arn = f"{task.task_arn.replace(':task/', ':container/')}/{uuid.uuid4()}"
        self.task_arn = task.task_arn
        self.name = cdef["name"]
        self.image = cdef.get("image")
        self.last_status = "PENDING"
        self.exit_code = None
        self.reason = None
        self.health_status = "UNKNOWN"
        self.cpu = str(cdef.get("cpu", 0))
        self.memory = str(cdef["memory"]) if cdef.get("memory") else None
        self.memory_reservation = (str(cdef["memoryReservation"])
                                   if cdef.get("memoryReservation") else None)
        self.network_interfaces = []


class LocalTask:
    """A task's containers on Docker, and the thread that plays Fargate's part for it."""

    def __init__(self, harness, backend, task):
        self.h, self.backend, self.task = harness, backend, task
        self.td = backend.describe_task_definition(task.task_definition_arn)
        self.id = task.task_arn.rsplit("/", 1)[1]
        self.cdefs = {c["name"]: c for c in self.td.container_definitions}
        self.order = [c["name"] for c in self.td.container_definitions]
        self.ctrs = {n: Ctr(task, c) for n, c in self.cdefs.items()}
        task.containers = [self.ctrs[n] for n in self.order]
        self.events = queue.Queue()
        self.stop_requested = threading.Event()
        self.started = {}       # name -> monotonic time it started
        self.exited = {}        # name -> exit code
        self.failed = {}        # name -> reason it could not start
        self.waiting_since = {}
        self.followers = {}
        self.logbuf = {n: [] for n in self.order}
        self.loglock = threading.Lock()
        self.streams = set()
        self.pause = self.cname("pause")

    def cname(self, container):
        return f"{self.h.id}-{self.id[:12]}-{container}"

    # ---- the state ECS shows ------------------------------------------------------------
    def set_status(self, status):
        self.task.status = status
        log("task status", task=self.id, status=status)

    def overrides_for(self, name):
        for o in (self.task.overrides or {}).get("containerOverrides", []) or []:
            if o.get("name") == name:
                return o
        return {}

    # ---- lifecycle ----------------------------------------------------------------------
    def run(self):
        try:
            self.lifecycle()
        except Exception as e:  # a harness bug must still end the task visibly
            log("harness error", task=self.id, error=repr(e))
            self.finish("TaskFailedToStart", f"local Fargate error: {e}")

    def lifecycle(self):
        problem = self.provision()
        if problem:
            self.finish("TaskFailedToStart", problem)
            return
        self.set_status("PENDING")
        while True:
            self.start_ready()
            if self.task.status == "PENDING" and all(
                    n in self.started for n in self.order if self.essential(n)):
                self.task.started_at = now()
                self.task.connectivity, self.task.connectivity_at = "CONNECTED", now()
                self.set_status("RUNNING")
            why = self.why_stop()
            if why:
                break
            try:
                kind, name, value = self.events.get(timeout=TICK)
                if kind == "exit":
                    self.exited[name] = value
                    # As ECS reports it while the task runs on (a non-essential
                    # container that ends, e.g. a migration).
                    self.ctrs[name].last_status = "STOPPED"
                    self.ctrs[name].exit_code = value
                    log("container exited", task=self.id, container=name, code=value)
            except queue.Empty:
                self.poll_health()
            self.flush_logs()
        code, reason = why
        self.finish(code, reason)

    def essential(self, name):
        return self.cdefs[name].get("essential", True)

    def why_stop(self):
        if self.stop_requested.is_set():
            return "UserInitiated", self.task.stopped_reason or "Task stopped by user"
        for n in self.order:
            if self.essential(n) and n in self.exited:
                return "EssentialContainerExited", "Essential container in task exited"
            if self.essential(n) and n in self.failed:
                return "TaskFailedToStart", self.failed[n]
        for n in self.order:
            if n in self.started or n in self.failed:
                continue
            blocked = self.blocked(n)
            if blocked:
                self.failed[n] = blocked
                self.ctrs[n].reason = blocked
                if self.essential(n):
                    return "TaskFailedToStart", blocked
        return None

    def provision(self):
        """What Fargate checks before PENDING: images, log groups, what we do not model."""
        self.task.pull_started_at = now()
        problems = []
        for n in self.order:
            c = self.cdefs[n]
            if docker("image", "inspect", c["image"], timeout=30).returncode != 0:
                self.ctrs[n].reason = (f"CannotPullContainerError: {c['image']}: not found in the "
                                       "local Docker engine (no registry here: build it first)")
                problems.append(self.ctrs[n].reason)
            if c.get("secrets"):
                problems.append(f"ResourceInitializationError: container {n} has secrets, which "
                                "the local Fargate does not model")
            lc = c.get("logConfiguration") or {}
            if lc.get("logDriver") == "awslogs":
                o = lc.get("options", {})
                group, region = o.get("awslogs-group"), o.get("awslogs-region", self.task.region_name)
                logs = self.h.logs(region)
                exists = any(g["logGroupName"] == group for g in logs.describe_log_groups(
                    logGroupNamePrefix=group).get("logGroups", []))
                if not exists and o.get("awslogs-create-group") == "true":
                    try:
                        logs.create_log_group(logGroupName=group)
                    except logs.exceptions.ResourceAlreadyExistsException:
                        pass
                elif not exists:
                    problems.append("ResourceInitializationError: failed to validate logger args: "
                                    f"The specified log group does not exist: {group}")
        self.task.pull_stopped_at = now()
        if problems:
            return problems[0]
        return self.network()

    def network(self):
        """The task's namespace: a pause container publishing every port on one 127.x address."""
        ports = []
        for n in self.order:
            for pm in self.cdefs[n].get("portMappings", []) or []:
                ports.append((pm["containerPort"], pm.get("protocol", "tcp")))
        ip = self.h.free_loopback([p for p, proto in ports if proto == "tcp"])
        args = ["run", "-d", "--pull", "never", "--name", self.pause,
                "--label", f"vanish.fargate={self.h.id}", "--label", f"vanish.fargate.task={self.id}",
                "--entrypoint", "/bin/sleep"]
        for port, proto in ports:
            args += ["-p", f"{ip}:{port}:{port}/{proto}"]
        r = docker(*args, self.h.pause_image, "2147483647")
        if r.returncode != 0:
            return f"ResourceInitializationError: the task network did not start: {r.stderr.strip()}"
        self.ip = ip
        conf = (getattr(self.task, "network_configuration", None) or {}).get("awsvpcConfiguration", {})
        if conf.get("assignPublicIp") == "ENABLED":
            eni_id = next((d["value"] for a in self.task.attachments for d in a["details"]
                           if d["name"] == "networkInterfaceId"), None)
            if eni_id:
                ec2_backends[self.task._account_id][self.task.region_name] \
                    .get_network_interface(eni_id).public_ip = ip
        log("task network", task=self.id, ip=ip, ports=[p for p, _ in ports])
        return None

    # ---- starting containers ------------------------------------------------------------
    def condition_met(self, dep, cond):
        if cond == "START":
            return dep in self.started
        if cond == "COMPLETE":
            return dep in self.exited
        if cond == "SUCCESS":
            return self.exited.get(dep) == 0
        if cond == "HEALTHY":
            return self.ctrs[dep].health_status == "HEALTHY"
        return False

    def blocked(self, name):
        """Why NAME can never start (a dependency that cannot reach its condition), else None."""
        for d in self.cdefs[name].get("dependsOn", []) or []:
            dep, cond = d["containerName"], d["condition"]
            if self.condition_met(dep, cond):
                continue
            if dep in self.failed:
                return f"dependency {dep} of container {name} did not start"
            if cond == "SUCCESS" and dep in self.exited:
                return (f"dependency {dep} of container {name} exited with code "
                        f"{self.exited[dep]}; condition SUCCESS cannot be met")
            if cond == "HEALTHY" and dep in self.exited:
                return f"dependency {dep} of container {name} exited before it was HEALTHY"
            timeout = self.cdefs[dep].get("startTimeout")
            since = self.waiting_since.setdefault(name, time.monotonic())
            if timeout and time.monotonic() - since > timeout:
                return (f"dependency {dep} of container {name} did not reach {cond} within its "
                        f"startTimeout of {timeout}s")
        return None

    def start_ready(self):
        if self.stop_requested.is_set():
            return
        for n in self.order:
            if n in self.started or n in self.failed:
                continue
            deps = self.cdefs[n].get("dependsOn", []) or []
            if all(self.condition_met(d["containerName"], d["condition"]) for d in deps):
                self.start(n)

    def docker_run_args(self, name):
        c, o = self.cdefs[name], self.overrides_for(name)
        env = {e["name"]: e["value"] for e in c.get("environment", []) or []}
        env.update({e["name"]: e["value"] for e in o.get("environment", []) or []})
        args = ["run", "-d", "--pull", "never", "--name", self.cname(name),
                "--label", f"vanish.fargate={self.h.id}", "--label", f"vanish.fargate.task={self.id}",
                "--network", f"container:{self.pause}", "--log-driver", "json-file"]
        for k, v in sorted(env.items()):
            args += ["-e", f"{k}={v}"]
        if c.get("user"):
            args += ["--user", c["user"]]
        if c.get("workingDirectory"):
            args += ["--workdir", c["workingDirectory"]]
        if c.get("readonlyRootFilesystem"):
            args.append("--read-only")
        ulimits = {u["name"]: (u["softLimit"], u["hardLimit"]) for u in c.get("ulimits", []) or []}
        ulimits.setdefault("nofile", (FARGATE_NOFILE, FARGATE_NOFILE))
        for k, (soft, hard) in sorted(ulimits.items()):
            args += ["--ulimit", f"{k}={soft}:{hard}"]
        hc = c.get("healthCheck")
        if hc:
            cmd = hc["command"]
            if cmd[0] == "NONE":
                args.append("--no-healthcheck")
            else:
                shell = cmd[1] if cmd[0] == "CMD-SHELL" else shlex.join(cmd[1:])
                args += ["--health-cmd", shell,
                         "--health-interval", f"{hc.get('interval', 30)}s",
                         "--health-timeout", f"{hc.get('timeout', 5)}s",
                         "--health-retries", str(hc.get("retries", 3)),
                         "--health-start-period", f"{hc.get('startPeriod', 0)}s"]
        entry = c.get("entryPoint") or []
        command = o.get("command") if o.get("command") is not None else c.get("command")
        if entry:
            args += ["--entrypoint", entry[0]]
        args.append(c["image"])
        args += entry[1:]
        args += command or []
        return args

    def start(self, name):
        r = docker(*self.docker_run_args(name))
        ctr = self.ctrs[name]
        if r.returncode != 0:
            msg = r.stderr.strip().split("\n")[0].removeprefix("docker: ")
            ctr.reason = f"CannotStartContainerError: {msg}"
            ctr.last_status = "STOPPED"
            self.failed[name] = ctr.reason
            log("container did not start", task=self.id, container=name, reason=ctr.reason)
            return
        self.started[name] = time.monotonic()
        ctr.last_status = "RUNNING"
        ctr.runtime_id = r.stdout.strip()
        log("container started", task=self.id, container=name)
        threading.Thread(target=self.wait_exit, args=(name,), daemon=True).start()
        lc = self.cdefs[name].get("logConfiguration") or {}
        if lc.get("logDriver") == "awslogs":
            self.log_stream(name)  # as Docker's awslogs driver: at container start
            t = threading.Thread(target=self.follow_logs, args=(name,), daemon=True)
            t.start()
            self.followers[name] = t

    def wait_exit(self, name):
        r = subprocess.run(["docker", "wait", self.cname(name)], capture_output=True, text=True)
        try:
            code = int(r.stdout.strip())
        except ValueError:
            code = None
        self.events.put(("exit", name, code))

    def poll_health(self):
        names = [n for n in self.order if n in self.started and n not in self.exited
                 and self.cdefs[n].get("healthCheck")]
        if not names:
            return
        r = docker("inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{end}}",
                   *[self.cname(n) for n in names], timeout=30)
        for n, status in zip(names, r.stdout.split("\n")):
            self.ctrs[n].health_status = {"healthy": "HEALTHY", "unhealthy": "UNHEALTHY"}.get(
                status.strip(), "UNKNOWN")
        ess = [self.ctrs[n].health_status for n in self.order
               if self.essential(n) and self.cdefs[n].get("healthCheck")]
        self.task.health_status = ("UNHEALTHY" if "UNHEALTHY" in ess else
                                   "HEALTHY" if ess and all(s == "HEALTHY" for s in ess) else
                                   "UNKNOWN")

    # ---- logs ---------------------------------------------------------------------------
    def follow_logs(self, name):
        p = subprocess.Popen(["docker", "logs", "-f", "-t", self.cname(name)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, errors="replace")
        for line in p.stdout:
            stamp, _, msg = line.rstrip("\n").partition(" ")
            if not msg:
                continue
            try:
                ms = int(datetime.datetime.fromisoformat(stamp[:26].rstrip("Z") + "+00:00")
                         .timestamp() * 1000)
            except ValueError:
                ms, msg = int(time.time() * 1000), line.rstrip("\n")
            with self.loglock:
                self.logbuf[name].append({"timestamp": ms, "message": msg})
        p.wait()

    def log_stream(self, name):
        """Creates (once) and returns the container's awslogs stream: PREFIX/NAME/TASK_ID."""
        o = self.cdefs[name]["logConfiguration"]["options"]
        group = o["awslogs-group"]
        prefix = o.get("awslogs-stream-prefix")
        stream = f"{prefix}/{name}/{self.id}" if prefix else self.cname(name)
        logs = self.h.logs(o.get("awslogs-region", self.task.region_name))
        if (group, stream) not in self.streams:
            try:
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
            except logs.exceptions.ResourceAlreadyExistsException:
                pass
            self.streams.add((group, stream))
        return logs, group, stream

    def flush_logs(self):
        with self.loglock:
            batches = {n: b for n, b in self.logbuf.items() if b}
            self.logbuf = {n: [] for n in self.order}
        for name, events in batches.items():
            logs, group, stream = self.log_stream(name)
            events.sort(key=lambda e: e["timestamp"])
            for i in range(0, len(events), 5000):
                logs.put_log_events(logGroupName=group, logStreamName=stream,
                                    logEvents=events[i:i + 5000])

    # ---- stopping -----------------------------------------------------------------------
    def request_stop(self, reason):
        """StopTask: desiredStatus STOPPED now; the containers stop, then lastStatus follows."""
        if self.task.desired_status == "STOPPED":
            return
        self.task.desired_status = "STOPPED"
        self.task.stopped_reason = reason or "Task stopped by user"
        self.task.stop_code = "UserInitiated"
        self.task.stopping_at = now()
        self.stop_requested.set()

    def stop_timeout(self, name):
        t = self.cdefs[name].get("stopTimeout") or FARGATE_STOP_TIMEOUT
        return min(int(t), FARGATE_MAX_STOP_TIMEOUT)

    def finish(self, stop_code, reason):
        """Stops what runs (dependents before their dependencies), records, removes, STOPPED."""
        self.task.desired_status = "STOPPED"
        if stop_code != "UserInitiated":
            self.task.stopped_reason = reason
        self.task.stop_code = stop_code
        self.task.stopping_at = getattr(self.task, "stopping_at", None) or now()
        self.set_status("STOPPING")
        running = [n for n in self.order if n in self.started and n not in self.exited]
        while running:
            wave = [n for n in running if not any(
                d["containerName"] == n for m in running if m != n
                for d in self.cdefs[m].get("dependsOn", []) or [])] or running
            threads = [threading.Thread(target=docker, args=(
                "stop", "-t", str(self.stop_timeout(n)), self.cname(n)),
                kwargs={"timeout": FARGATE_MAX_STOP_TIMEOUT + 30}) for n in wave]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            running = [n for n in running if n not in wave]
        deadline = time.monotonic() + 30
        while any(n not in self.exited for n in self.started) and time.monotonic() < deadline:
            try:
                kind, name, value = self.events.get(timeout=TICK)
                self.exited[name] = value
            except queue.Empty:
                pass
        for t in self.followers.values():
            t.join(timeout=10)
        self.flush_logs()
        for n in self.order:
            ctr = self.ctrs[n]
            ctr.last_status = "STOPPED"
            if n in self.exited:
                ctr.exit_code = self.exited[n]
        names = [self.cname(n) for n in self.order] + [self.pause]
        docker("rm", "-f", *names, timeout=60)
        self.task.execution_stopped_at = now()
        self.task.stopped_at = now()
        self.set_status("STOPPED")
        log("task stopped", task=self.id, stop_code=stop_code, reason=repr(self.task.stopped_reason),
            exit_codes={n: self.exited.get(n) for n in self.order})


class Harness:
    def __init__(self, ident, pause_image):
        self.id = ident
        self.pause_image = pause_image
        self.lock = threading.Lock()
        self.clients = {}
        self.endpoint = None

    def logs(self, region):
        with self.lock:
            if region not in self.clients:
                self.clients[region] = boto3.client(
                    "logs", endpoint_url=self.endpoint, region_name=region,
                    aws_access_key_id="testing", aws_secret_access_key="testing")
            return self.clients[region]

    def free_loopback(self, ports):
        """A random 127.x.y.z (never 127.0.0.x) on which every port in PORTS is free."""
        for _ in range(200):
            ip = f"127.{random.randint(16, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
            try:
                for p in ports:
                    with socket.socket() as s:
                        s.bind((ip, p))
                return ip
            except OSError:
                continue
        raise RuntimeError("no free 127.x address for the task's ports")

    def install(self):
        """Wraps moto's RunTask and StopTask; tasks keep the status the harness gives them."""
        harness = self
        backend_cls = ecs_models.EC2ContainerServiceBackend
        orig_run, orig_stop = backend_cls.run_task, backend_cls.stop_task
        state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10 ** 9})

        def run_task(self, *a, **kw):
            tasks = orig_run(self, *a, **kw)
            for t in tasks:
                if t.container_instance_arn is None:  # Fargate
                    t.status = "PROVISIONING"
                    t.created_at = now()
                    t.stop_code = None
                    lt = t._local = LocalTask(harness, self, t)
                    threading.Thread(target=lt.run, daemon=True).start()
            return tasks

        def stop_task(self, cluster_str, task_str, reason):
            cluster = self._get_cluster(cluster_str)
            task_id = task_str.rsplit("/", 1)[-1]
            for arn, t in self.tasks.get(cluster.name, {}).items():
                if arn.rsplit("/", 1)[-1] == task_id and getattr(t, "_local", None):
                    t._local.request_stop(reason)  # a no-op once the task is stopping
                    return t
            return orig_stop(self, cluster_str, task_str, reason)

        backend_cls.run_task = run_task
        backend_cls.stop_task = stop_task

    def cleanup(self):
        r = docker("ps", "-aq", "--filter", f"label=vanish.fargate={self.id}", timeout=60)
        ids = r.stdout.split()
        if ids:
            docker("rm", "-f", *ids, timeout=120)
        log("removed containers", count=len(ids))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pause-image", required=True,
                    help="a local image with /bin/sleep; owns each task's network namespace")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--id", default=f"vanish-fargate-{random.randint(0, 16 ** 6):06x}",
                    help="label value and container-name prefix for what this harness starts")
    ap.add_argument("--cluster", action="append", default=None,
                    help="clusters to create at start (default: default)")
    args = ap.parse_args()
    if not args.host.startswith("127."):
        sys.exit("fargate: --host must be a loopback address (127.x)")
    if docker("image", "inspect", args.pause_image, timeout=30).returncode != 0:
        sys.exit(f"fargate: the pause image {args.pause_image} is not in the local engine")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on stderr
    harness = Harness(args.id, args.pause_image)
    harness.install()
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    harness.endpoint = f"http://{host}:{port}"
    ecs = boto3.client("ecs", endpoint_url=harness.endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    for c in args.cluster or ["default"]:
        ecs.create_cluster(clusterName=c)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print(f"ready {harness.endpoint}", flush=True)
    log("ready", endpoint=harness.endpoint, id=args.id)
    while not done.wait(0.5):
        if os.getppid() != PARENT:  # the test or demo died without stopping us
            log("parent gone; cleaning up")
            break
    harness.cleanup()
    sys.stderr.flush()
    os._exit(0)  # the server's and the tasks' threads end with the process


if __name__ == "__main__":
    main()
