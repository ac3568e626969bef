#!/usr/bin/env python3
"""Hostile triggered events for pg-format, and the checker of what comes out.

  hostile_check.py gen DIR
      writes DIR/hostile.ndjson (triggered events made to break payloads:
      mention tokens, markdown, 100 KB messages, 300 KB statements, control
      characters, \\u escapes, invalid UTF-8, 60 long fields, every event type)
      and DIR/expect.json (which lines must be reported and skipped).
  hostile_check.py check FORMAT DIR OUT ERR [pg-format args...]
      checks pg-format's stdout OUT and stderr ERR for DIR/hostile.ndjson:
      every line a delivery envelope (DESIGN.md contract 3) in valid UTF-8
      JSON, one per accepted event, each bad line reported with its number;
      every body within each limit of PLATFORMS.md for its platform; nobody
      pinged. Prints each problem; exit status 1 when there is one.

Also imported by tests/e2e/pushgateway_*.py for parse_exposition(), the
strict reader of the Prometheus text format 0.0.4.
Only python3's standard library, plus python3-jsonschema for the PagerDuty
and Discord request schemas of ../shared/specs when present.
"""
import json
import math
import os
import re
import sys

# ---------------------------------------------------------------------------
# The hostile events

MENTIONS = ("<!channel> <!here> <!everyone> <!group> <!subteam^S123ABC> <@U123ABC> <#C123> @channel "
            "@everyone @here <@&123456789012345678> <@123456789012345678> <@!123456789012345678> "
            "<http://evil.example|click here> <https://evil.example/x> <mailto:a@evil.example|mail> <at>Boss</at>")
MARKDOWN = ("*bold* _italic_ ~strike~ `code` ```\nfenced\n``` > quote **b** __u__ ||spoiler|| "
            "[link](http://evil.example) # heading\n- item\n| a | b |")
ENTITIES = "& &amp; &lt; &gt; < > \" \\ ' %s %n {{event.level}} {{{raw}}} ${HOME} $(id) `id` \\n \\u0000"
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b[31mred\x1b[0m\x7f\r\n\t\u0085\u2028\u2029\ufeff\u200b\u202eRTL"
UNICODE = "caf\u00e9 \u2603 \U0001F600 \u30a8\u30e9\u30fc e\u0301 \U0010FFFF \u0627\u0644\u062e\u0637\u0623"
HOSTILE = " | ".join([MENTIONS, MARKDOWN, ENTITIES, CONTROL, UNICODE])
ONE_LINE = HOSTILE.replace("\n", " ").replace("\r", " ").replace("\u2028", " ").replace("\u2029", " ").replace(
    "\u0085", " ")


def big(text, size):
    """`text` repeated to at least `size` characters."""
    return (text * (size // len(text) + 1))[:size]


INSTANCES = [
    {"name": "pg16", "host": "db1", "cluster": "main", "version": "16"},
    {"name": "<!channel> @everyone shop/primary \"eu\"\n\\ \u00e9", "host": "<@U123ABC>", "version": "16",
     "cluster": HOSTILE[:200], "data_dir": "/var/lib/<!here>"},
    None,
    {"host": big("h<!here>", 2000), "version": "15"},
]
TRIGGERS = [
    {"rule": "level:FATAL", "webhook": "hook"},
    {"rule": "pattern:/<!here>|@everyone/", "webhook": "w"},
    None,
    {"rule": big("pattern:/" + ONE_LINE, 3000) + "/", "webhook": "hook"},
]
TS = "2024-01-15T10:23:45.123Z"
HEADLINE_START = "deadlock detected"


def line(event, n, timestamp=TS, k=None):
    """The n-th triggered event; instance and trigger number k (default n)."""
    k = n if k is None else k
    obj = {}
    if timestamp:
        obj["timestamp"] = timestamp
    inst = INSTANCES[k % len(INSTANCES)]
    if inst is not None:
        obj["instance"] = inst
    obj["event"] = event
    trig = TRIGGERS[k % len(TRIGGERS)]
    if trig is not None:
        obj["trigger"] = trig
    return obj


def log_fields(value):
    """Every contract-1 text field filled with `value`."""
    names = ["detail", "hint", "context", "statement", "query", "location", "user", "database", "application",
             "remote_host", "local_address", "session_id", "command_tag", "vxid", "backend_type"]
    return {n: value for n in names}


def events():
    """(object, either): either=True when a format may refuse the event (reported and skipped)."""
    out = []
    full = {"type": "log_entry", "level": "FATAL", "sqlstate": "53300", "pid": 12345, "message": HOSTILE}
    full.update(log_fields(HOSTILE))
    full.update({"remote_port": 51234, "line_num": 7, "session_start": "2024-01-15T10:20:01Z", "xid": 0,
                 "query_id": -1234567890123, "leader_pid": 0, "truncated": True})
    out.append(full)
    sixty = {"type": "log_entry", "level": "ERROR", "sqlstate": "22012", "message": ONE_LINE,
             "fingerprint": "8a2c5fd31e0b9e47"}
    for i in range(60):
        sixty["x_field_%02d" % i] = big("%02d %s " % (i, ONE_LINE), 1500)
    sixty.update(log_fields(big(ONE_LINE, 3000)))
    out.append(sixty)
    out.append({"type": "log_entry", "level": "PANIC", "message": big(ONE_LINE + " ", 100 * 1024)})
    out.append({"type": "log_entry", "level": "ERROR", "sqlstate": "42601", "message": big(HOSTILE + "\n", 100 * 1024),
                "statement": big("select '<!channel>' /* @everyone */, 'caf\u00e9';\n", 300 * 1024),
                "detail": big(HOSTILE, 100 * 1024)})
    out.append({"type": "log_entry", "level": "WARNING", "message": "\u00e9" * 5000 + "\U0001F600" * 5000})
    out.append({"type": "log_entry", "level": "LOG", "message": "@everyone @here <!channel>"})
    out.append({"type": "log_entry", "message": ""})
    out.append({"type": "log_entry", "level": "FATAL", "message": "\n\n\n", "detail": "   "})
    out.append({"type": "log_entry", "level": "FATAL", "message": "x", "fingerprint": big("f<!here>", 1000)})
    out.append({"type": "log_entry", "level": "ERROR", "sqlstate": "<!here>", "message": CONTROL,
                "database": CONTROL, "user": "\\\"'"})
    # Text that grows when escaped: 6 bytes of JSON per control character,
    # 4 bytes of UTF-8 per emoji, "&lt;" per '<', "\\\"" per quote.
    grow = {"type": "log_entry", "level": "ERROR", "sqlstate": "XX000",
            "message": "\x01" * (100 * 1024), "detail": "\U0001F600" * (100 * 1024),
            "hint": "<" * (100 * 1024), "context": "\"\\" * (50 * 1024), "statement": big(CONTROL, 300 * 1024),
            "query": big("<!channel>\x02", 300 * 1024), "database": "\x01" * 5000, "user": "<" * 5000}
    for i in range(60):
        grow["x_long_%02d" % i] = big("\x03\U0001F600<\"", 10 * 1024)
    out.append(grow)
    out.append({"type": "raw", "message": HOSTILE})
    out.append({"type": "raw", "message": big(HOSTILE, 100 * 1024)})
    rate_key = {"database": HOSTILE, "user": "<@U123ABC>"}
    for n in (0, 1):
        fp = "4fc064a51bf20bc%d" % n
        out.append({"type": "rate_threshold", "level": "ERROR", "count": 57, "threshold": 50, "window_seconds": 60,
                    "key": rate_key, "first_timestamp": TS, "last_timestamp": TS, "sample_message": HOSTILE,
                    "message": "57 errors for database " + ONE_LINE + " in the last 60 s (threshold 50/min)",
                    "fingerprint": fp})
        out.append({"type": "rate_resolved", "level": "ERROR", "count": 3, "threshold": 50, "window_seconds": 60,
                    "key": rate_key, "first_timestamp": TS,
                    "message": "errors for database " + ONE_LINE + " back to 3 in the last 60 s (threshold 50/min)",
                    "fingerprint": fp})
    out.append({"type": "rate_threshold", "level": "FATAL", "count": 3, "threshold": 2, "window_seconds": 60,
                "sample_message": big(HOSTILE, 100 * 1024), "message": big(ONE_LINE, 100 * 1024)})
    out.append({"type": "suppressed", "count": 37, "period_seconds": 300,
                "levels": {"ERROR": 30, "FATAL": 7, "<!channel>": 1},
                "top_messages": [{"message": "%d %s" % (i, HOSTILE), "count": 40 - i} for i in range(30)],
                "first_timestamp": TS, "last_timestamp": TS,
                "message": "37 similar events suppressed in 5 min " + ONE_LINE,
                "fingerprint": "63ce08ae562486d8"})
    out.append({"type": "suppressed", "count": 5, "period_seconds": 60, "message": big(HOSTILE, 100 * 1024)})
    either = [
        {"type": "future_type", "level": "FATAL", "message": HOSTILE},
        {"type": "log_entry", "level": "<!channel> @everyone", "message": HOSTILE, "pid": "not a number"},
        {"type": "suppressed", "count": -5, "period_seconds": 1e300, "levels": [], "top_messages": {"a": 1},
         "message": HOSTILE},
        {"type": "rate_threshold", "level": "ERROR", "count": 1e300, "threshold": -1, "window_seconds": 0.5,
         "key": "not an object", "message": HOSTILE},
    ]
    # The most useful part must survive any cut: level and message start
    # (HEADLINE_START) beside a 2,000-character instance name and a
    # 3,000-character rule (instance and trigger 3), and beside the others.
    heads = [({"type": "log_entry", "level": "FATAL", "sqlstate": "40P01",
               "message": HEADLINE_START + " " + big(ONE_LINE, 5000), "detail": big(ONE_LINE, 5000)}, k)
             for k in range(len(INSTANCES))]
    return ([(e, False, None) for e in out] + [(e, False, k) for e, k in heads] +
            [(e, True, None) for e in either])


def generate(directory):
    os.makedirs(directory, exist_ok=True)
    lines, must, either = [], [], []
    for n, (ev, may_refuse, k) in enumerate(events()):
        obj = line(ev, n, TS if n % 5 else None, k)
        lines.append(json.dumps(obj, ensure_ascii=n % 2 == 0).encode("utf-8"))
        if may_refuse:
            either.append(len(lines))
    # \u escapes written by hand: control characters, a valid surrogate pair,
    # and a lone high surrogate (not valid JSON text: must be reported).
    lines.append(b'{"event":{"type":"log_entry","level":"FATAL","message":"a\\u0000b\\u0001\\u001f\\u007f'
                 b'\\u0085\\u2028\\ud83d\\ude00 <!channel>\\r\\n@everyone","database":"\\u0000"}}')
    for bad in (b"\\ud800", b"\\ud800x", b"\\udbff\\u0041"):
        lines.append(b'{"event":{"type":"log_entry","level":"FATAL","message":"a' + bad + b'b"}}')
        must.append(len(lines))
    # Bytes that are not UTF-8, in a message and in a key.
    for bad in (b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\x80"):
        lines.append(b'{"event":{"type":"log_entry","level":"FATAL","message":"<!channel> ' + bad + b'"}}')
        must.append(len(lines))
    lines.append(b'{"event":{"type":"log_entry","level":"FATAL","mess\xffage":"x"}}')
    must.append(len(lines))
    # Not a triggered event.
    for bad in (b'{"event":{"type":"log_entry"', b"[1,2]", b'"<!channel>"', b'{"event":"x"}',
                b'{"event":{"level":"FATAL"}}', b'{"timestamp":"yesterday","event":{"type":"raw","message":"x"}}'):
        lines.append(bad)
        must.append(len(lines))
    # Well-formed again after all that.
    lines.append(json.dumps(line({"type": "log_entry", "level": "FATAL", "message": "last <!channel>"}, 0)).encode())
    with open(os.path.join(directory, "hostile.ndjson"), "wb") as f:
        f.write(b"".join(l + b"\n" for l in lines))
    with open(os.path.join(directory, "expect.json"), "w") as f:
        json.dump({"lines": len(lines), "must_report": must, "may_report": either}, f)


# ---------------------------------------------------------------------------
# The Prometheus text format 0.0.4, read strictly

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]?Inf")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def _unescape(s, allowed, where, problems):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            n = s[i + 1] if i + 1 < len(s) else ""
            if n not in allowed:
                problems.append(f"{where}: bad escape '\\{n}'")
            out.append({"\\": "\\", "n": "\n", '"': '"'}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_exposition(text, allow_empty_values=False):
    """Returns (samples, types, helps, problems): samples a list of
    (name, {label: value}, float) in order. Problems: anything the text format
    forbids, a Pushgateway refuses (timestamps) or pgtail never writes (CR,
    empty lines, empty label values unless allowed)."""
    problems, samples, types, helps = [], [], {}, {}
    if text and not text.endswith("\n"):
        problems.append("the last line does not end in LF")
    if "\r" in text:
        problems.append("a CR in the text")
    seen_series, done, current = set(), set(), None

    def family(name):
        for suffix in ("_bucket", "_sum", "_count"):
            base = name[: -len(suffix)]
            if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
                return base
        return name

    def enter(name, where):
        nonlocal current
        if name != current:
            if name in done:
                problems.append(f"{where}: the lines of {name} are not together")
            done.add(name)
            current = name

    body = text[:-1] if text.endswith("\n") else text
    for n, l in enumerate(body.split("\n") if body else [], 1):
        where = f"line {n}"
        if l == "":
            problems.append(f"{where}: empty line")
            continue
        if l.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (\S+)(?: (.*))?", l, re.S)
            if not m:
                continue  # a comment
            kind, name, rest = m.group(1), m.group(2), m.group(3)
            if not METRIC_NAME.fullmatch(name):
                problems.append(f"{where}: bad metric name {name!r}")
            table = helps if kind == "HELP" else types
            if name in table:
                problems.append(f"{where}: a second {kind} for {name}")
            if any(s[0] == name or family(s[0]) == name for s in samples):
                problems.append(f"{where}: {kind} for {name} after its samples")
            if kind == "HELP":
                helps[name] = _unescape(rest or "", "\\n", where, problems)
            else:
                if rest not in TYPES:
                    problems.append(f"{where}: bad type {rest!r}")
                types[name] = rest
            enter(name, where)
            continue
        m = METRIC_NAME.match(l)
        if not m:
            problems.append(f"{where}: no metric name: {l[:80]!r}")
            continue
        name, i, labels = m.group(0), m.end(), {}
        if i < len(l) and l[i] == "{":
            i += 1
            while True:
                if i < len(l) and l[i] == "}":
                    i += 1
                    break
                lm = LABEL_NAME.match(l, i)
                if not lm or not l.startswith('="', lm.end()):
                    problems.append(f"{where}: bad label at column {i + 1}: {l[i:i + 40]!r}")
                    i = -1
                    break
                lname, i = lm.group(0), lm.end() + 2
                j = i
                while j < len(l) and l[j] != '"':
                    j += 2 if l[j] == "\\" else 1
                if j >= len(l):
                    problems.append(f"{where}: label {lname} not closed")
                    i = -1
                    break
                value = _unescape(l[i:j], '\\"n', where, problems)
                if lname.startswith("__"):
                    problems.append(f"{where}: reserved label name {lname}")
                if lname in labels:
                    problems.append(f"{where}: label {lname} twice")
                if value == "" and not allow_empty_values:
                    problems.append(f"{where}: empty value for label {lname}")
                labels[lname] = value
                i = j + 1
                if i < len(l) and l[i] == ",":
                    i += 1
                    if i < len(l) and l[i] == "}":
                        problems.append(f"{where}: a comma before '}}'")
                elif i < len(l) and l[i] != "}":
                    problems.append(f"{where}: expected ',' or '}}' at column {i + 1}")
                    i = -1
                    break
            if i < 0:
                continue
        rest = l[i:]
        if not rest.startswith(" "):
            problems.append(f"{where}: no space before the value: {l[:80]!r}")
            continue
        parts = rest[1:].split(" ")
        if not FLOAT.fullmatch(parts[0]):
            problems.append(f"{where}: bad value {parts[0]!r}")
            continue
        if len(parts) > 1:
            problems.append(f"{where}: a timestamp (a Pushgateway refuses it) or trailing text: {rest!r}")
        value = float(parts[0].replace("Inf", "inf"))
        fam = family(name)
        if fam not in types:
            problems.append(f"{where}: a sample of {name} without its TYPE first")
        elif types[fam] == "counter" and (math.isnan(value) or value < 0):
            problems.append(f"{where}: counter {name} is {parts[0]}")
        key = (name, tuple(sorted(labels.items())))
        if key in seen_series:
            problems.append(f"{where}: series {name}{labels} twice")
        seen_series.add(key)
        enter(fam, where)
        samples.append((name, labels, value))
    return samples, types, helps, problems


# ---------------------------------------------------------------------------
# The checks of each platform

PLATFORM = {"json": "json", "slack": "slack", "discord": "discord", "pagerduty": "pagerduty",
            "opsgenie": "opsgenie", "teams": "teams", "prometheus": "pushgateway", "splunk-hec": "splunk-hec",
            "ecs": "json", "template": "json"}
# The platforms' request schemas (../shared/specs beside the repository, as
# for the corpus of test_helper.bash); checked when present.
SPECS = os.environ.get("PGT_SPECS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                                    "shared", "specs")
ISO8601 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)")


class Checker:
    def __init__(self, fmt, args):
        self.fmt, self.args, self.problems = fmt, args, []
        self.validators = {}

    def fail(self, where, what):
        self.problems.append(f"{where}: {what}")

    def limit(self, where, name, value, most):
        if value is not None and len(value) > most:
            self.fail(where, f"{name} has {len(value)} characters, more than {most}")

    # -- helpers
    def strings(self, value, path="body"):
        """Every (path, string) in a JSON value, keys included."""
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield path + ".<key>", k
                yield from self.strings(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from self.strings(v, f"{path}[{i}]")

    def nulls(self, value, path="body"):
        if value is None:
            yield path
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from self.nulls(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from self.nulls(v, f"{path}[{i}]")

    def schema(self, name, ref):
        """A validator for the platform's published request schema, or None."""
        if name in self.validators:
            return self.validators[name]
        v = None
        try:
            import jsonschema
            with open(os.path.join(SPECS, name), encoding="utf-8") as f:
                doc = json.load(f)
            doc = dict(doc)
            doc["$ref"] = ref
            cls = jsonschema.Draft202012Validator if name.startswith("discord") else jsonschema.Draft7Validator
            v = cls(doc)
        except (ImportError, OSError):
            v = None
        self.validators[name] = v
        return v

    def validate(self, where, body, name, ref):
        v = self.schema(name, ref)
        if v is None:
            return
        for e in list(v.iter_errors(body))[:3]:
            self.fail(where, f"not valid for {name}: {e.message[:200]} at {'/'.join(map(str, e.absolute_path))}")

    # -- one delivery
    def delivery(self, where, raw, event):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.fail(where, f"not valid UTF-8: {e}")
            return
        try:
            d = json.loads(text)
        except ValueError as e:
            self.fail(where, f"not JSON: {e}: {text[:200]!r}")
            return
        if not isinstance(d, dict):
            self.fail(where, "not a JSON object")
            return
        extra = set(d) - {"webhook", "platform", "content_type", "grouping", "body"}
        if extra:
            self.fail(where, f"unknown envelope keys {sorted(extra)}")
        if not isinstance(d.get("webhook"), str) or not d["webhook"]:
            self.fail(where, f"webhook is {d.get('webhook')!r}")
        if d.get("platform") != PLATFORM[self.fmt]:
            self.fail(where, f"platform is {d.get('platform')!r}, expected {PLATFORM[self.fmt]!r}")
        if "body" not in d:
            self.fail(where, "no body")
            return
        body = d["body"]
        if "content_type" in d:
            if not isinstance(d["content_type"], str) or not isinstance(body, str):
                self.fail(where, "content_type without a string body")
        for path, s in self.strings(d):
            try:
                s.encode("utf-8")
            except UnicodeEncodeError:
                self.fail(where, f"{path} holds a lone surrogate")
                return
        nulls = [p for p in self.nulls(body) if not (self.fmt == "teams" and p.endswith(".contentUrl"))]
        if nulls:
            self.fail(where, f"null values (absent values are omitted): {nulls[:5]}")
        raw_body = text[text.index('"body":') + 7:] if '"body":' in text else ""
        getattr(self, "check_" + self.fmt.replace("-", "_"))(where, d, body, event, raw_body)
        if str(event["event"].get("message", "")).startswith(HEADLINE_START):
            self.headline(where, body, event)

    def headline(self, where, body, event):
        """The text people see first keeps the level and the message start."""
        getters = {
            "slack": lambda: body["text"],
            "discord": lambda: body.get("content") or body["embeds"][0]["title"],
            "pagerduty": lambda: body["payload"]["summary"],
            "opsgenie": lambda: body["message"],
            "teams": lambda: (body.get("title") or body.get("summary") if "--teams-legacy" in self.args
                              else body["attachments"][0]["content"]["body"][0]["text"]),
        }
        if self.fmt not in getters:
            return
        try:
            text = getters[self.fmt]()
        except (KeyError, IndexError, TypeError, AttributeError):
            return self.fail(where, f"{self.fmt}: no headline text")
        level = event["event"]["level"]
        if level not in text or HEADLINE_START not in text:
            self.fail(where, f"{self.fmt}: the headline lost the level or the message start: {text[:300]!r}")

    # -- json
    def check_json(self, where, d, body, event, raw_body):
        want = dict(event)
        want["event"] = dict(event["event"])
        got_fp = body.get("event", {}).get("fingerprint") if isinstance(body, dict) else None
        if "fingerprint" not in want["event"]:
            want["event"]["fingerprint"] = got_fp
        if body != want:
            self.fail(where, "json: the body is not the triggered event as it is")
        if not isinstance(got_fp, str) or not got_fp:
            self.fail(where, "json: no event.fingerprint")

    # -- slack
    def check_slack(self, where, d, body, event, raw_body):
        if not isinstance(body, dict):
            return self.fail(where, "slack: body is not an object")
        for key in ("link_names", "parse"):
            if key in body:
                self.fail(where, f"slack: sends {key} (turns bare @channel into a mention)")
        if "channel" in body:
            self.fail(where, "slack: sends channel (404 channel_not_found on app webhooks)")
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            if not body.get("blocks") and not body.get("attachments"):
                self.fail(where, "slack: no text, blocks or attachments")
        self.limit(where, "slack: text", text, 40000)
        atts = body.get("attachments", [])
        if len(atts) > 20:
            self.fail(where, f"slack: {len(atts)} attachments, more than 20")
        for i, a in enumerate(atts):
            self.limit(where, f"slack: attachments[{i}].footer", a.get("footer"), 300)
            if "ts" in a and not isinstance(a["ts"], int):
                self.fail(where, f"slack: attachments[{i}].ts is not an integer")
            if "color" in a and not re.fullmatch(r"good|warning|danger|#[0-9a-fA-F]{6}", str(a["color"])):
                self.fail(where, f"slack: attachments[{i}].color {a['color']!r}")
            for key in ("link_names", "parse"):
                if key in a:
                    self.fail(where, f"slack: attachments[{i}] sends {key}")
        blocks = body.get("blocks", [])
        if len(blocks) > 50:
            self.fail(where, f"slack: {len(blocks)} blocks, more than 50")
        total = 0
        for i, b in enumerate(blocks):
            t = b.get("text")
            if isinstance(t, dict):
                total += len(t.get("text", ""))
                most = 150 if b.get("type") == "header" else 3000
                self.limit(where, f"slack: blocks[{i}].text", t.get("text"), most)
            if len(b.get("fields", [])) > 10:
                self.fail(where, f"slack: blocks[{i}] has more than 10 fields")
            for j, f in enumerate(b.get("fields", [])):
                total += len(f.get("text", ""))
                self.limit(where, f"slack: blocks[{i}].fields[{j}]", f.get("text"), 2000)
            if len(b.get("elements", [])) > 10 and b.get("type") == "context":
                self.fail(where, f"slack: context blocks[{i}] has more than 10 elements")
            self.limit(where, f"slack: blocks[{i}].block_id", b.get("block_id"), 255)
        if total > 12000:
            self.fail(where, f"slack: {total} characters of block text, more than 12000")
        # Nobody pinged: no '<' or '>' of the log's in any text, every '&' an entity.
        for path, s in self.strings(body):
            if "<" in s or ">" in s:
                i = s.find("<") if "<" in s else s.find(">")
                self.fail(where, f"slack: unescaped '<' or '>' in {path}: {s[max(0, i - 30):i + 30]!r}")
                break
            if re.search(r"&(?!amp;|lt;|gt;)", s):
                i = re.search(r"&(?!amp;|lt;|gt;)", s).start()
                self.fail(where, f"slack: unescaped '&' in {path}: {s[max(0, i - 30):i + 30]!r}")
                break

    # -- discord
    def check_discord(self, where, d, body, event, raw_body):
        if not isinstance(body, dict):
            return self.fail(where, "discord: body is not an object")
        am = body.get("allowed_mentions")
        if am != {"parse": []}:
            self.fail(where, f"discord: allowed_mentions is {am!r}, not {{'parse': []}}")
        content = body.get("content")
        self.limit(where, "discord: content", content, 2000)
        if isinstance(content, str) and re.search(r"@(everyone|here)", content):
            self.fail(where, "discord: a raw @everyone or @here in content")
        embeds = body.get("embeds", [])
        if not (isinstance(content, str) and content.strip()) and not embeds:
            self.fail(where, "discord: neither content nor embeds (50006 empty message)")
        if len(embeds) > 10:
            self.fail(where, f"discord: {len(embeds)} embeds, more than 10")
        total = 0
        for i, e in enumerate(embeds):
            e_where = f"discord: embeds[{i}]"
            for key, most in (("title", 256), ("description", 4096)):
                self.limit(where, f"{e_where}.{key}", e.get(key), most)
                total += len(e.get(key, "").strip())
            fields = e.get("fields", [])
            if len(fields) > 25:
                self.fail(where, f"{e_where}: {len(fields)} fields, more than 25")
            for j, f in enumerate(fields):
                for key, most in (("name", 256), ("value", 1024)):
                    v = f.get(key)
                    if not isinstance(v, str) or not v.strip():
                        self.fail(where, f"{e_where}.fields[{j}].{key} is empty (400: must be 1 or more)")
                    else:
                        self.limit(where, f"{e_where}.fields[{j}].{key}", v, most)
                        total += len(v.strip())
            for key, sub, most in (("footer", "text", 2048), ("author", "name", 256)):
                if key in e:
                    self.limit(where, f"{e_where}.{key}.{sub}", e[key].get(sub), most)
                    total += len(e[key].get(sub, "").strip())
            if "color" in e and not (isinstance(e["color"], int) and 0 <= e["color"] <= 0xFFFFFF):
                self.fail(where, f"{e_where}.color {e['color']!r}")
            if "timestamp" in e and not ISO8601.fullmatch(str(e["timestamp"])):
                self.fail(where, f"{e_where}.timestamp {e['timestamp']!r} is not ISO 8601")
            for key in ("type", "provider", "video"):
                if key in e:
                    self.fail(where, f"{e_where} sets {key} (webhook embeds cannot)")
        if total > 6000:
            self.fail(where, f"discord: {total} characters over all embeds, more than 6000")
        name = body.get("username")
        if name is not None and (len(name) > 80 or re.search("clyde|discord", name, re.I)):
            self.fail(where, f"discord: username {name!r}")
        self.validate(where, body, "discord.openapi.json", "#/components/schemas/IncomingWebhookRequestPartial")

    # -- pagerduty
    def check_pagerduty(self, where, d, body, event, raw_body):
        if not isinstance(body, dict):
            return self.fail(where, "pagerduty: body is not an object")
        size = len(raw_body.encode("utf-8")) - 1  # without the envelope's '}'
        if size > 512000:
            self.fail(where, f"pagerduty: body of {size} bytes, more than 512,000")
        if body.get("routing_key") != "k":
            self.fail(where, f"pagerduty: routing_key {body.get('routing_key')!r}, expected 'k'")
        action = body.get("event_action")
        want = "resolve" if event["event"].get("type") == "rate_resolved" else "trigger"
        if action != want:
            self.fail(where, f"pagerduty: event_action {action!r}, expected {want!r}")
        key = body.get("dedup_key")
        if not isinstance(key, str) or not key or len(key) > 255:
            self.fail(where, f"pagerduty: dedup_key of {len(key) if isinstance(key, str) else key!r} characters "
                             "(1 to 255)")
        if action == "trigger":
            p = body.get("payload")
            if not isinstance(p, dict):
                return self.fail(where, "pagerduty: a trigger without payload")
            s = p.get("summary")
            if not isinstance(s, str) or not s.strip():
                self.fail(where, "pagerduty: empty summary")
            self.limit(where, "pagerduty: summary", s, 1024)
            if not isinstance(p.get("source"), str) or not p["source"].strip():
                self.fail(where, "pagerduty: empty source")
            if p.get("severity") not in ("critical", "error", "warning", "info"):
                self.fail(where, f"pagerduty: severity {p.get('severity')!r}")
            if "timestamp" in p and not ISO8601.fullmatch(str(p["timestamp"])):
                self.fail(where, f"pagerduty: timestamp {p['timestamp']!r} is not ISO 8601")
            if "custom_details" in p and not isinstance(p["custom_details"], dict):
                self.fail(where, "pagerduty: custom_details is not an object")
        self.validate(where, body, "pagerduty-events-v2.openapi.json",
                      "#/paths/~1enqueue/post/requestBody/content/application~1json/schema")

    # -- opsgenie
    def check_opsgenie(self, where, d, body, event, raw_body):
        if not isinstance(body, dict):
            return self.fail(where, "opsgenie: body is not an object")
        m = body.get("message")
        if not isinstance(m, str) or not m.strip():
            self.fail(where, "opsgenie: empty message (required)")
        self.limit(where, "opsgenie: message", m, 130)
        alias = body.get("alias")
        if alias is not None and (not isinstance(alias, str) or not alias):
            self.fail(where, f"opsgenie: alias {alias!r}")
        self.limit(where, "opsgenie: alias (CONFLICT 512/250: 250)", alias, 250)
        self.limit(where, "opsgenie: description", body.get("description"), 15000)
        self.limit(where, "opsgenie: entity", body.get("entity"), 512)
        self.limit(where, "opsgenie: source", body.get("source"), 100)
        self.limit(where, "opsgenie: user", body.get("user"), 100)
        self.limit(where, "opsgenie: note", body.get("note"), 25000)
        if "priority" in body and body["priority"] not in ("P1", "P2", "P3", "P4", "P5"):
            self.fail(where, f"opsgenie: priority {body['priority']!r}")
        tags = body.get("tags", [])
        if len(tags) > 20:
            self.fail(where, f"opsgenie: {len(tags)} tags, more than 20")
        for t in tags:
            if not isinstance(t, str) or not t or len(t) > 50:
                self.fail(where, f"opsgenie: tag {t!r} (1 to 50 characters)")
        actions = body.get("actions", [])
        if len(actions) > 10 or any(len(a) > 50 for a in actions):
            self.fail(where, "opsgenie: actions beyond 10 items of 50 characters")
        details = body.get("details", {})
        if not isinstance(details, dict) or not all(isinstance(v, str) for v in details.values()):
            self.fail(where, "opsgenie: details is not a string-to-string map")
        else:
            total = sum(len(k) + len(v) for k, v in details.items())
            if total > 8000:
                self.fail(where, f"opsgenie: details of {total} characters (keys and values), more than 8000")

    # -- teams
    def check_teams(self, where, d, body, event, raw_body):
        if not isinstance(body, dict):
            return self.fail(where, "teams: body is not an object")
        size = len(raw_body.encode("utf-8")) - 1
        if size > 20 * 1024:
            self.fail(where, f"teams: body of {size} bytes, more than 20 KB")
        if "--teams-legacy" in self.args:
            if body.get("@type") != "MessageCard":
                self.fail(where, "teams --teams-legacy: @type is not MessageCard")
            if not (body.get("summary") or body.get("text")):
                self.fail(where, "teams --teams-legacy: neither summary nor text")
        else:
            atts = body.get("attachments")
            ok = body.get("type") == "message" and isinstance(atts, list) and atts
            if ok:
                a = atts[0]
                c = a.get("content", {})
                ok = (a.get("contentType") == "application/vnd.microsoft.card.adaptive" and
                      c.get("type") == "AdaptiveCard" and isinstance(c.get("body"), list) and c.get("version"))
            if not ok:
                self.fail(where, "teams: not a message with an Adaptive Card attachment")
        # Nobody pinged: Teams mentions need <at>…</at> plus msteams.entities.
        if re.search(r'"entities"\s*:', raw_body):
            self.fail(where, "teams: mention entities in the card")

    # -- prometheus
    def check_prometheus(self, where, d, body, event, raw_body):
        if d.get("content_type") != "text/plain; version=0.0.4":
            self.fail(where, f"prometheus: content_type {d.get('content_type')!r}")
        g = d.get("grouping")
        if not (isinstance(g, dict) and list(g)[:1] == ["job"] and g.get("job") == "pgtail" and
                isinstance(g.get("instance"), str) and g["instance"]):
            self.fail(where, f"prometheus: grouping {g!r}")
            return
        if not isinstance(body, str):
            return
        samples, types, helps, problems = parse_exposition(body)
        for p in problems:
            self.fail(where, "prometheus: " + p)
        if not samples:
            self.fail(where, "prometheus: no sample")
        for name, labels, _ in samples:
            if labels.get("instance") != g["instance"]:
                self.fail(where, f"prometheus: {name} instance {labels.get('instance')!r} is not the grouping's")
                break
            if name not in helps:
                self.fail(where, f"prometheus: {name} has no HELP")
                break
            if len(labels) > 6 or any(len(v) > 128 for v in labels.values()):
                self.fail(where, f"prometheus: {name} labels beyond 6 or 128 characters")
                break

    # -- SIEMs
    def check_splunk_hec(self, where, d, body, event, raw_body):
        if not isinstance(body, dict):
            return self.fail(where, "splunk-hec: body is not an object")
        if "event" not in body or body["event"] in ("", {}, None):
            self.fail(where, "splunk-hec: no event (code 12/13)")
        if "time" in body:
            t = body["time"]
            if not isinstance(t, (int, float)) or isinstance(t, bool) or not 0 <= t < 1e11:
                self.fail(where, f"splunk-hec: time {t!r} is not epoch seconds")
        for key in ("host", "source", "sourcetype", "index"):
            if key in body and (not isinstance(body[key], str) or not body[key]):
                self.fail(where, f"splunk-hec: {key} {body[key]!r}")
        fields = body.get("fields", {})
        if not isinstance(fields, dict):
            self.fail(where, "splunk-hec: fields is not an object")
        else:
            for k, v in fields.items():
                if not (isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))):
                    self.fail(where, f"splunk-hec: indexed field {k!r} is not a string or list of strings")
                    break

    def check_ecs(self, where, d, body, event, raw_body):
        if not isinstance(body, dict):
            return self.fail(where, "ecs: body is not an object")

        def get(path):
            cur = body
            if path in body:
                return body[path]
            for part in path.split("."):
                if not isinstance(cur, dict) or part not in cur:
                    return None
                cur = cur[part]
            return cur
        ts = get("@timestamp")
        if ts is not None and not ISO8601.fullmatch(str(ts)):
            self.fail(where, f"ecs: @timestamp {ts!r}")
        if not isinstance(get("ecs.version"), str):
            self.fail(where, "ecs: no ecs.version")
        kind = get("event.kind")
        if kind is not None and kind not in ("alert", "asset", "enrichment", "event", "metric", "state",
                                             "pipeline_error", "signal"):
            self.fail(where, f"ecs: event.kind {kind!r}")
        for path in ("event.severity", "process.pid", "log.syslog.severity.code"):
            v = get(path)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                self.fail(where, f"ecs: {path} {v!r} is not a number")
        for path in ("message", "log.level", "event.code", "service.type", "host.name"):
            v = get(path)
            if v is not None and not isinstance(v, str):
                self.fail(where, f"ecs: {path} is not a string")

    # -- template (the JSON template of pg-format-hostile.bats)
    def check_template(self, where, d, body, event, raw_body):
        if not isinstance(body, dict) or set(body) != {"text", "db", "instance", "hook", "n"}:
            return self.fail(where, f"template: body {str(body)[:200]!r} has not the template's keys")
        ev = event["event"]
        level = ev.get("level", "") if isinstance(ev.get("level"), str) else ""
        want = f"{level}: {ev.get('message', '')}"
        got = body["text"]
        if got != want and not (got.endswith("\u2026") and want.startswith(got[:-1])):
            i = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            self.fail(where, f"template: text differs from level and message at {i}: {got[i:i + 40]!r} "
                             f"instead of {want[i:i + 40]!r}")
        if body["n"] != 1:
            self.fail(where, "template: the template's number changed")


def check(fmt, directory, out_path, err_path, args):
    with open(os.path.join(directory, "expect.json")) as f:
        expect = json.load(f)
    with open(os.path.join(directory, "hostile.ndjson"), "rb") as f:
        inputs = f.read().split(b"\n")[:-1]
    with open(out_path, "rb") as f:
        out = f.read()
    with open(err_path, "rb") as f:
        err = f.read().decode("utf-8", "replace")
    c = Checker(fmt, args)
    reported = {}
    for l in err.split("\n"):
        if not l:
            continue
        m = re.fullmatch(r"pg-format: <stdin>:(\d+): (.+), skipped", l)
        if not m:
            c.fail("stderr", f"not a bad-line report: {l[:300]!r}")
            continue
        reported[int(m.group(1))] = m.group(2)
    for n in expect["must_report"]:
        if n not in reported:
            c.fail(f"input line {n}", f"not reported as bad: {inputs[n - 1][:120]!r}")
    allowed = set(expect["must_report"]) | set(expect["may_report"])
    for n, why in sorted(reported.items()):
        if n not in allowed:
            c.fail(f"input line {n}", f"a good event reported as bad: {why[:300]}")
    accepted = [n for n in range(1, expect["lines"] + 1) if n not in reported]
    if out and not out.endswith(b"\n"):
        c.fail("stdout", "does not end in a newline")
    lines = out.split(b"\n")[:-1] if out else []
    if len(lines) != len(accepted):
        c.fail("stdout", f"{len(lines)} deliveries for {len(accepted)} accepted events")
    dedup = {}
    for k, (n, raw) in enumerate(zip(accepted, lines), 1):
        event = json.loads(inputs[n - 1])
        c.delivery(f"delivery {k} (input line {n}, {event['event'].get('type')})", raw, event)
        if fmt == "pagerduty":
            try:
                body = json.loads(raw)["body"]
                fp = event["event"].get("fingerprint")
                if fp and event["event"].get("type") in ("rate_threshold", "rate_resolved"):
                    if fp in dedup and dedup[fp] != body.get("dedup_key"):
                        c.fail(f"delivery {k}", "pagerduty: the rate_resolved's dedup_key is not its "
                                                "rate_threshold's")
                    dedup.setdefault(fp, body.get("dedup_key"))
            except (ValueError, KeyError, AttributeError):
                pass
    for p in c.problems[:60]:
        print(p)
    if len(c.problems) > 60:
        print(f"... {len(c.problems)} problems in all")
    print(f"{fmt}: {len(lines)} deliveries checked, {len(reported)} bad lines reported, "
          f"{len(c.problems)} problems")
    return 1 if c.problems else 0


def selftest():
    """The checker must find each of these: a checker that passes everything
    would make every format look right."""
    ev = {"event": {"type": "log_entry", "level": "FATAL", "message": "m", "fingerprint": "f"}}
    resolved = {"event": {"type": "rate_resolved", "level": "ERROR", "message": "m", "fingerprint": "f"}}
    expo = "# HELP a_total h\n# TYPE a_total counter\n"
    pd = {"routing_key": "k", "event_action": "trigger", "dedup_key": "f",
          "payload": {"summary": "s", "source": "db1", "severity": "critical"}}
    dc = {"content": "c", "allowed_mentions": {"parse": []}}
    og = {"message": "m", "alias": "f"}
    card = {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                "content": {"type": "AdaptiveCard", "version": "1.2",
                                                            "body": [{"type": "TextBlock", "text": "t"}]}}]}

    def with_(base, **kw):
        d = json.loads(json.dumps(base))
        for k, v in kw.items():
            d[k] = v
        return d

    def env(fmt, body, **extra):
        d = {"webhook": "w", "platform": PLATFORM[fmt]}
        d.update(extra)
        d["body"] = body
        return json.dumps(d, ensure_ascii=False).encode()

    def prom(body, grouping=None):
        return env("prometheus", body, content_type="text/plain; version=0.0.4",
                   grouping=grouping or {"job": "pgtail", "instance": "i"})

    cases = [
        ("json", [], b'{"webhook":"w","platform":"json","body":{', "not JSON"),
        ("json", [], b'{"webhook":"w","platform":"json","body":{"x":"\xff"}}', "not valid UTF-8"),
        ("json", [], b'{"webhook":"w","platform":"json","body":{"x":"\\ud800"}}', "lone surrogate"),
        ("json", [], env("json", {"event": {"type": "log_entry", "message": "m", "fingerprint": "f",
                                           "level": None}}), "null values"),
        ("json", [], env("json", {"event": {"type": "log_entry", "level": "FATAL", "message": "x",
                                           "fingerprint": "f"}}), "not the triggered event"),
        ("json", [], env("slack", {}), "platform is 'slack'"),
        ("slack", [], env("slack", {"text": "a <!channel> b"}), "unescaped '<'"),
        ("slack", ["headline"], env("slack", {"text": "PostgreSQL on a very long inst…"}), "lost the level"),
        ("opsgenie", ["headline"], env("opsgenie", with_(og, message="FATAL on x…")), "lost the level"),
        ("slack", [], env("slack", {"text": "a", "attachments": [{"fields": [{"value": "<@U1>"}]}]}),
         "unescaped '<'"),
        ("slack", [], env("slack", {"text": "a & b"}), "unescaped '&'"),
        ("slack", [], env("slack", {"text": "a", "link_names": 1}), "sends link_names"),
        ("slack", [], env("slack", {"text": "x" * 40001}), "more than 40000"),
        ("slack", [], env("slack", {"text": "a", "attachments": [{}] * 21}), "21 attachments"),
        ("slack", [], env("slack", {"text": "a", "attachments": [{"footer": "f" * 301}]}), "more than 300"),
        ("discord", [], env("discord", {"content": "c"}), "allowed_mentions"),
        ("discord", [], env("discord", with_(dc, content="hi @everyone")), "raw @everyone"),
        ("discord", [], env("discord", with_(dc, content="x" * 2001)), "more than 2000"),
        ("discord", [], env("discord", with_(dc, embeds=[{"fields": [{"name": "n", "value": "v"}] * 26}])),
         "26 fields"),
        ("discord", [], env("discord", with_(dc, embeds=[{"fields": [{"name": "n", "value": "v" * 1025}]}])),
         "more than 1024"),
        ("discord", [], env("discord", with_(dc, embeds=[{"fields": [{"name": " ", "value": "v"}]}])),
         "is empty"),
        ("discord", [], env("discord", with_(dc, embeds=[{"description": "d" * 4000},
                                                         {"description": "d" * 2001}])), "more than 6000"),
        ("discord", [], env("discord", with_(dc, embeds=[{"title": "t" * 257}])), "more than 256"),
        ("pagerduty", [], env("pagerduty", with_(pd, dedup_key="d" * 256)), "dedup_key of 256"),
        ("pagerduty", [], env("pagerduty", with_(pd, payload=dict(pd["payload"], summary="s" * 1025))),
         "more than 1024"),
        ("pagerduty", [], env("pagerduty", with_(pd, routing_key="x")), "routing_key"),
        ("pagerduty", [], env("pagerduty", with_(pd, payload=dict(pd["payload"], severity="fatal"))), "severity"),
        ("pagerduty", [], env("pagerduty", with_(pd, payload=dict(pd["payload"], custom_details={
            "x": "y" * 512001}))), "more than 512,000"),
        ("pagerduty", ["resolved"], env("pagerduty", pd), "expected 'resolve'"),
        ("pagerduty", [], env("pagerduty", with_(pd, images="not a list")), "not valid for pagerduty"),
        ("discord", [], env("discord", with_(dc, tts="yes")), "not valid for discord"),
        ("opsgenie", [], env("opsgenie", with_(og, message="m" * 131)), "more than 130"),
        ("opsgenie", [], env("opsgenie", with_(og, alias="a" * 251)), "more than 250"),
        ("opsgenie", [], env("opsgenie", with_(og, tags=["t"] * 21)), "21 tags"),
        ("opsgenie", [], env("opsgenie", with_(og, tags=["t" * 51])), "1 to 50"),
        ("opsgenie", [], env("opsgenie", with_(og, details={"k": "v" * 8000})), "more than 8000"),
        ("opsgenie", [], env("opsgenie", with_(og, description="d" * 15001)), "more than 15000"),
        ("teams", [], env("teams", with_(card, x="y" * 21000)), "more than 20 KB"),
        ("teams", [], env("teams", {"type": "message"}), "Adaptive Card"),
        ("teams", ["--teams-legacy"], env("teams", {"@type": "MessageCard"}), "neither summary nor text"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\"} 1 1700000000000\n"), "timestamp"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\"} 1\na_total{instance=\"i\"} 2\n"), "twice"),
        ("prometheus", [], prom("# TYPE a_total counter\na_total{instance=\"i\"} 1\n# HELP a_total h\n"),
         "after its samples"),
        ("prometheus", [], prom(expo + "# TYPE b gauge\nb{instance=\"i\"} 1\na_total{instance=\"i\",x=\"y\"} 1\n"),
         "not together"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\",x=\"a\\tb\"} 1\n"), "bad escape"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\",x=\"\"} 1\n"), "empty value"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\"} 1\r\n"), "CR"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\"} 1"), "does not end in LF"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\",__x=\"y\"} 1\n"), "reserved label"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\",x=\"y\"\"} 1\n"), "expected ','"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\"} -1\n"), "counter a_total is -1"),
        ("prometheus", [], prom(expo + "a_total{instance=\"j\"} 1\n"), "not the grouping's"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\"} one\n"), "bad value"),
        ("prometheus", [], prom("a_total{instance=\"i\"} 1\n"), "without its TYPE"),
        ("prometheus", [], prom(expo + "a_total{instance=\"i\"} 1\n", {"instance": "i", "job": "pgtail"}),
         "grouping"),
        ("splunk-hec", [], env("splunk-hec", {"event": {"a": 1}, "time": 1705314225123}), "not epoch seconds"),
        ("splunk-hec", [], env("splunk-hec", {"time": 1}), "no event"),
        ("ecs", [], env("ecs", {"@timestamp": "yesterday", "ecs": {"version": "8"}}), "@timestamp"),
        ("template", [], env("template", {"text": "FATAL: m{{", "db": "", "instance": "", "hook": "", "n": 1}),
         "text differs"),
    ]
    failures = 0
    if Checker("json", []).schema("pagerduty-events-v2.openapi.json", "#") is None:
        print(f"no schemas in {SPECS} (or no python3-jsonschema): bodies not checked against them")
        cases = [c for c in cases if not c[3].startswith("not valid for")]
    for fmt, args, raw, want in cases:
        c = Checker(fmt, [a for a in args if a.startswith("--")])
        head = {"event": dict(ev["event"], message=HEADLINE_START + " x")}
        c.delivery("case", raw, resolved if "resolved" in args else head if "headline" in args else ev)
        if not any(want in p for p in c.problems):
            failures += 1
            print(f"{fmt}: the checker missed {want!r} in {raw[:120]!r}; it found {c.problems}")
    good = [("prometheus", prom(expo + "a_total{instance=\"i\",x=\"q\\\"\\\\\\n\u00e9\"} 1\n")),
            ("pagerduty", env("pagerduty", pd)), ("discord", env("discord", dc)), ("opsgenie", env("opsgenie", og)),
            ("teams", env("teams", card)), ("slack", env("slack", {"text": "&lt;!channel&gt; &amp;"}))]
    for fmt, raw in good:
        c = Checker(fmt, [])
        c.delivery("case", raw, ev)
        if c.problems:
            failures += 1
            print(f"{fmt}: the checker refused a good delivery {raw[:120]!r}: {c.problems}")
    print(f"selftest: {len(cases) + len(good) - failures} of {len(cases) + len(good)} as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "gen":
        generate(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == "selftest":
        sys.exit(selftest())
    elif len(sys.argv) >= 6 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]))
    else:
        sys.exit(__doc__)
