#!/usr/bin/python3
"""validate_pagerduty.py: checks pg-format's pagerduty deliveries against
PagerDuty's own request schema and the limits PLATFORMS.md §3 adds to it.

Usage: validate_pagerduty.py [FILE]   (NDJSON deliveries, default stdin)

Each line must be a delivery (DESIGN.md contract 3) with platform "pagerduty"
whose body is valid for POST /enqueue in PagerDuty's OpenAPI description
(PagerDuty/api-schema reference/events-v2/openapiv3.json, kept in
../shared/specs/; PGTAIL_SPECS names another folder), and, beyond what that
schema says: a non-empty routing_key; dedup_key of at most 255 characters, and
present on acknowledge and resolve; on trigger a payload whose summary holds at
most 1024 characters and whose timestamp is ISO 8601; the body at most
512,000 bytes. Prints "N pagerduty deliveries valid" and exits 0, or prints
each problem as "line N: ..." and exits 1; exits 2 when it cannot run (no
schema, no jsonschema module).

Needs Debian's python3-jsonschema: run it as /usr/bin/python3.
"""
import json
import os
import re
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("validate_pagerduty.py: no python3 jsonschema module (apt install python3-jsonschema)")

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS = os.environ.get("PGTAIL_SPECS") or os.path.join(HERE, "..", "..", "..", "shared", "specs")
SCHEMA_FILE = os.path.join(SPECS, "pagerduty-events-v2.openapi.json")

MAX_BODY = 512000
MAX_SUMMARY = 1024
MAX_DEDUP_KEY = 255
ISO8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$")


def request_validator():
    """The /enqueue request schema, its $refs resolved inside the same document."""
    try:
        with open(SCHEMA_FILE, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        print(f"validate_pagerduty.py: cannot read {SCHEMA_FILE}: {e.strerror}", file=sys.stderr)
        sys.exit(2)
    schema = doc["paths"]["/enqueue"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = dict(schema, components=doc["components"])
    return jsonschema.Draft4Validator(schema)


def body_bytes(line, body):
    """The body's bytes as pg-send posts them: its text inside the delivery line."""
    at = line.find('"body":')
    if at >= 0:
        try:
            value, end = json.JSONDecoder().raw_decode(line, at + 7)
            if value == body:
                return len(line[at + 7:end].encode("utf-8"))
        except ValueError:
            pass
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def problems(line, validator):
    try:
        d = json.loads(line)
    except ValueError as e:
        return [f"not JSON: {e}"]
    if not isinstance(d, dict) or d.get("platform") != "pagerduty":
        return ['not a delivery with platform "pagerduty"']
    body = d.get("body")
    out = [f"schema: {e.message} at /{'/'.join(str(p) for p in e.absolute_path)}"
           for e in validator.iter_errors(body)]
    if not isinstance(body, dict):
        return out or ["body is not an object"]
    if not body.get("routing_key"):
        out.append("routing_key is empty")
    key = body.get("dedup_key")
    if key is not None and len(key) > MAX_DEDUP_KEY:
        out.append(f"dedup_key has {len(key)} characters (at most {MAX_DEDUP_KEY})")
    action = body.get("event_action")
    if action in ("acknowledge", "resolve") and not key:
        out.append(f"{action} without a dedup_key")
    if action == "trigger":
        p = body.get("payload")
        if not isinstance(p, dict):
            out.append("trigger without a payload")
        else:
            s = p.get("summary", "")
            if isinstance(s, str) and len(s) > MAX_SUMMARY:
                out.append(f"payload.summary has {len(s)} characters (at most {MAX_SUMMARY})")
            t = p.get("timestamp")
            if t is not None and not (isinstance(t, str) and ISO8601.match(t)):
                out.append(f"payload.timestamp {t!r} is not ISO 8601")
    n = body_bytes(line, body)
    if n > MAX_BODY:
        out.append(f"body has {n} bytes (at most {MAX_BODY})")
    return out


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if len(sys.argv) == 2 else 2
    validator = request_validator()
    src = open(sys.argv[1], encoding="utf-8") if len(sys.argv) == 2 and sys.argv[1] != "-" else sys.stdin
    bad = count = 0
    for n, line in enumerate(src, 1):
        line = line.rstrip("\n")
        if not line.strip():
            continue
        count += 1
        for p in problems(line, validator):
            bad += 1
            print(f"line {n}: {p}")
    if bad:
        return 1
    if count == 0:
        print("no deliveries to validate")
        return 1
    print(f"{count} pagerduty deliveries valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
