#!/usr/bin/python3
"""Checks Discord payloads: pg-format's deliveries (or bare bodies), one JSON
object a line, from the files named or stdin.

Each body must validate against Discord's own Execute Webhook request schema
(components.schemas.IncomingWebhookRequestPartial of
../shared/specs/discord.openapi.json, whose maxLength/maxItems are the
platform's limits), and keep what the schema cannot say (PLATFORMS.md §2):
the 6000-character total over title, description, field names and values and
footer (whitespace at either end not counted), no blank field value, an ISO
8601 timestamp, allowed_mentions {"parse": []}, and no @everyone or @here
left in any text. Characters are code points, as Python counts them.

Usage: validate_discord.py [--spec FILE] [FILE...]   exit 0 when all pass,
1 listing each problem as LINE: PROBLEM, 2 on bad input.
"""
import argparse
import datetime
import json
import os
import re
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SPEC = os.path.join(HERE, "..", "..", "..", "shared", "specs", "discord.openapi.json")
BODY_SCHEMA = "IncomingWebhookRequestPartial"
MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)


def validator(spec_path):
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    schema = {"$ref": "#/components/schemas/" + BODY_SCHEMA, "components": spec["components"]}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def limits(body):
    """The problems the schema cannot see."""
    problems = []
    if body.get("allowed_mentions") != {"parse": []}:
        problems.append(f"allowed_mentions is {body.get('allowed_mentions')!r}, not {{\"parse\": []}}")
    if not body.get("content") and not body.get("embeds"):
        problems.append("neither content nor embeds")
    total = 0
    for e in body.get("embeds") or []:
        parts = [e.get("title"), e.get("description"), (e.get("footer") or {}).get("text"),
                 (e.get("author") or {}).get("name")]
        for f in e.get("fields") or []:
            parts += [f.get("name"), f.get("value")]
            if not (f.get("value") or "").strip() or not (f.get("name") or "").strip():
                problems.append(f"field {f.get('name')!r} has a blank name or value")
        total += sum(len(p.strip()) for p in parts if p)
        ts = e.get("timestamp")
        if ts is not None:
            try:
                datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))
            except ValueError:
                problems.append(f"timestamp {ts!r} is not ISO 8601")
        if not isinstance(e.get("color", 0), int):
            problems.append(f"color {e.get('color')!r} is not an integer")
    if total > 6000:
        problems.append(f"embeds hold {total} characters, more than 6000")
    for s in strings(body):
        m = MENTION.search(s)
        if m:
            problems.append(f"{m.group(0)!r} left in {s[:80]!r}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spec", default=DEFAULT_SPEC)
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    v = validator(args.spec)
    bad = checked = 0
    for path in args.files or ["-"]:
        f = sys.stdin if path == "-" else open(path, encoding="utf-8")
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                print(f"{path}:{n}: not JSON: {e}", file=sys.stderr)
                return 2
            body = obj["body"] if isinstance(obj, dict) and "platform" in obj else obj
            problems = [f"schema: {e.message[:200]} at /{'/'.join(map(str, e.absolute_path))}"
                        for e in v.iter_errors(body)] + limits(body)
            checked += 1
            if problems:
                bad += 1
                for p in problems:
                    print(f"{path}:{n}: {p}")
    if checked == 0:
        print("no payload to check", file=sys.stderr)
        return 2
    print(f"{checked - bad} of {checked} Discord payloads valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
