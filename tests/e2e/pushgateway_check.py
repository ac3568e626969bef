#!/usr/bin/env python3
"""Helpers of pushgateway.bats: pg-format's prometheus deliveries out to a
real Pushgateway, and what it shows back.

  pushgateway_check.py split DIR < DELIVERIES
      writes DIR/N.body (the text to PUT) and DIR/N.path (its URL path from the
      grouping key, by the rule of lib/metrics.hpp grouping_path(), which
      pg-send uses too) for the N-th delivery; prints how many.
  pushgateway_check.py expect DELIVERIES METRICS
      METRICS is the gateway's /metrics page. For each group (job, instance),
      the samples of its last delivery must be there, with the grouping's
      labels and the same values, and no other pgtail_* sample; each group has
      its push_time_seconds. Prints each difference; exit status 1 if any.
  pushgateway_check.py sample METRICS NAME LABELS_JSON
      prints the value of the one sample NAME with exactly these labels (a
      JSON object), or fails: for exact checks of hostile label values.
"""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from hostile_check import parse_exposition  # noqa: E402

UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def grouping_path(grouping):
    """The Pushgateway URL path of a grouping key (lib/metrics.hpp grouping_path())."""
    out = "/metrics"
    for label, value in grouping:
        if value in ("", ".", "..") or "/" in value:
            b64 = base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")
            out += f"/{label}@base64/{b64 or '='}"
        else:
            out += f"/{label}/" + "".join(chr(c) if c in UNRESERVED else "%%%02X" % c for c in value.encode())
    return out


def deliveries(path):
    with open(path, "rb") as f:
        return [json.loads(l) for l in f.read().decode("utf-8").split("\n") if l]


def split(directory):
    n = 0
    for n, d in enumerate(deliveries("/dev/stdin"), 1):
        if d.get("platform") != "pushgateway" or "grouping" not in d:
            sys.exit(f"delivery {n} is not for a Pushgateway: {json.dumps(d)[:200]}")
        with open(os.path.join(directory, f"{n}.body"), "w", encoding="utf-8", newline="") as f:
            f.write(d["body"])
        with open(os.path.join(directory, f"{n}.path"), "w") as f:
            f.write(grouping_path(list(d["grouping"].items())) + "\n")
    print(n)


def read_metrics(path):
    with open(path, encoding="utf-8", newline="") as f:
        samples, _, _, problems = parse_exposition(f.read(), allow_empty_values=True)
    return samples, problems


def key(name, labels):
    return name, tuple(sorted(labels.items()))


def expect(deliveries_path, metrics_path):
    last = {}
    for d in deliveries(deliveries_path):
        last[tuple(d["grouping"].items())] = d
    samples, problems = read_metrics(metrics_path)
    got = {key(n, l): v for n, l, v in samples}
    want = {}
    for grouping, d in last.items():
        body_samples, _, _, p = parse_exposition(d["body"])
        problems += [f"delivery for {dict(grouping)}: {x}" for x in p]
        for name, labels, value in body_samples:
            labels = dict(labels, **dict(grouping))
            want[key(name, labels)] = value
        if key("push_time_seconds", dict(grouping)) not in got:
            problems.append(f"no push_time_seconds for group {dict(grouping)}")
        if key("push_failure_time_seconds", dict(grouping)) in got and \
                got[key("push_failure_time_seconds", dict(grouping))] != 0:
            problems.append(f"the gateway records a failed push for group {dict(grouping)}")
    for k, v in want.items():
        if k not in got:
            problems.append(f"missing from the gateway: {k[0]}{dict(k[1])} {v}")
        elif got[k] != v:
            problems.append(f"{k[0]}{dict(k[1])}: the gateway shows {got[k]}, pushed {v}")
    for k, v in got.items():
        if k[0].startswith("pgtail_") and k not in want:
            problems.append(f"on the gateway but not pushed: {k[0]}{dict(k[1])} {v}")
    for p in problems:
        print(p)
    print(f"{len(want)} samples of {len(last)} groups compared, {len(problems)} problems")
    return 1 if problems else 0


def sample(metrics_path, name, labels_json):
    labels = json.loads(labels_json)
    samples, problems = read_metrics(metrics_path)
    found = [v for n, l, v in samples if n == name and l == labels]
    if len(found) != 1:
        near = [l for n, l, v in samples if n == name]
        sys.exit(f"{len(found)} samples {name}{labels}; the gateway has {name} with {near}")
    print(repr(found[0]) if found[0] != int(found[0]) else int(found[0]))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "split":
        split(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "expect":
        sys.exit(expect(sys.argv[2], sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == "sample":
        sample(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
