#!/usr/bin/env python3
"""compare_events.py: check that pg-parse reads the three logs of one PostgreSQL
run (stderr, csvlog, jsonlog) into the same events.

    compare_events.py [options] STDERR.ndjson CSVLOG.ndjson JSONLOG.ndjson

Each argument is pg-parse's output for one of the three files that the logging
collector wrote side by side (log_destination = 'stderr,csvlog,jsonlog').

Pairing. Entries are paired per process, by position: events are grouped by
`pid`, and the n-th event of pid P in one output is paired with the n-th event
of pid P in the others. This is robust where a global index is not: a backend
writes each message to the three destinations one after the other (stderr, then
csvlog, then jsonlog), so two processes logging at the same moment can
interleave differently in the three files, but one process's entries are
always in the same order in all three. The pairing is then confirmed by the
comparison itself (timestamp, level and message must agree).

Comparison. For each pair, every field of `event` that both sides carry must be
equal, and so must `instance`. Timestamps are compared at the coarser precision
of the two sides (--stderr-time-precision s when the prefix has %t: seconds).
Fields that only one side carries are counted and listed, not failed: they are
what the formats themselves differ in.

Known real differences between the formats, allowed on purpose:

- `line_num` between stderr and the other two. In the stderr log, %l counts
  *prefixed output lines*: PostgreSQL's send_message_to_server_log() calls
  log_line_prefix() again, and so increments the counter, for each DETAIL,
  HINT, QUERY, CONTEXT, LOCATION and STATEMENT line. csvlog's and jsonlog's
  session_line_num counts *records*. Observed on PostgreSQL 15.18, prefix
  '%m [%p] %q[%l-1] user=%u ', default verbosity: in workload.sql's session the
  unique violation is `[8-1]` in stderr (the syntax error's STATEMENT line
  before it took number 6) but session_line_num 7 in csvlog and jsonlog; with
  log_error_verbosity = verbose every LOCATION line widens the gap ("connection
  authorized" is 3 in stderr, 2 in csvlog). So stderr line_num is only checked
  to increase within each session and to be >= the csvlog/jsonlog value, while
  csvlog and jsonlog line_num must be equal.
- The stderr log appends " at character N" to the message when the error has
  a cursor position (csvlog and jsonlog have it in a column of its own,
  query_pos / cursor_position, which the event does not carry): stderr
  `syntax error at or near "selec" at character 1`, csvlog
  `syntax error at or near "selec"`. pg-parse may keep the suffix or strip it;
  either is accepted, and the summary counts the pairs that differ so.
- With %t, the stderr time can be one second before the csvlog/jsonlog time.
  %t reads the clock itself (time(NULL) in log_line_prefix()), while %m,
  csvlog and jsonlog share one time read when the first of them is written,
  which for a prefix without %m is after the stderr line. Observed with
  '%t [%p]: ...' and log_timezone Asia/Kolkata: a "connection received" entry
  at stderr 17:14:40 (UTC), csvlog and jsonlog 17:14:41.002. So a %t time
  may be the other side's second or the second before it.
- Fields a format does not carry at all (see Rules): prefix fields missing from
  log_line_prefix or cut by %q, and jsonlog's state_code, omitted for 00000.
  Any other field that one side has and the other lacks fails the comparison.

--expect-workload also checks, in each of the three outputs, that the entries
produced by workload.bash/workload.sql are there with the right values, so a
comparison of empty or truncated outputs cannot pass.

Exit status 0 when everything matches, 1 otherwise; the report goes to stdout.
"""
import argparse
import datetime
import json
import re
import sys
from collections import Counter, OrderedDict, defaultdict

SOURCES = ("stderr", "csvlog", "jsonlog")
# Fields compared at second precision whatever the source (%s has seconds).
SECOND_TIMES = ("session_start",)


def load(path, label, problems):
    events = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                obj = json.loads(line)
            except ValueError as e:
                problems.append(f"{label}: {path}:{n}: invalid JSON: {e}: {line[:200]!r}")
                continue
            ev = obj.get("event") if isinstance(obj, dict) else None
            if not isinstance(ev, dict):
                problems.append(f"{label}: {path}:{n}: no event object: {line[:200]!r}")
                continue
            if ev.get("type") != "log_entry":
                problems.append(f"{label}: {path}:{n}: event of type {ev.get('type')!r} "
                                f"(a line pg-parse did not attach to an entry): {line[:300]!r}")
                continue
            if not isinstance(ev.get("pid"), int):
                problems.append(f"{label}: {path}:{n}: log entry without a numeric pid: {line[:300]!r}")
                continue
            # Contract 1: RFC 3339 UTC with milliseconds; session_start in seconds.
            if not (isinstance(obj.get("timestamp"), str)
                    and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", obj["timestamp"])):
                problems.append(f"{label}: {path}:{n}: timestamp not like 2024-01-15T10:23:45.123Z: "
                                f"{line[:300]!r}")
            if "session_start" in ev and not (
                    isinstance(ev["session_start"], str)
                    and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ev["session_start"])):
                problems.append(f"{label}: {path}:{n}: session_start not like 2024-01-15T10:20:01Z: "
                                f"{line[:300]!r}")
            obj["_line"] = n
            events.append(obj)
    return events


def by_pid(events):
    groups = OrderedDict()
    for obj in events:
        groups.setdefault(obj["event"]["pid"], []).append(obj)
    return groups


def cut_time(ts, precision):
    """'2024-01-15T10:23:45.123Z' -> same at the given precision ('s' or 'ms')."""
    if not isinstance(ts, str):
        return ts
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z", ts)
    if not m:
        return ts  # compared as is; a malformed time shows as a mismatch
    return m.group(1) if precision == "s" else m.group(1) + (m.group(2) or ".000")[:4]


def epoch(ts):
    """'2024-01-15T10:23:45Z' (from cut_time) -> seconds since the epoch, or None."""
    try:
        t = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S")
    except (TypeError, ValueError):
        return None
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()


def t_clock_lag(a_label, ta, b_label, tb):
    """%t reads the clock itself, before the csvlog/jsonlog time is taken: see
    the module docstring. True when the stderr second is the other's or the
    one before."""
    s_t, o_t = (ta, tb) if a_label == "stderr" else (tb, ta)
    s_e, o_e = epoch(s_t), epoch(o_t)
    return s_e is not None and o_e is not None and o_e - 1 <= s_e <= o_e


def short(obj):
    s = json.dumps({k: v for k, v in obj.items() if k != "_line"}, ensure_ascii=False)
    return s if len(s) <= 1500 else s[:1500] + f"... ({len(s)} chars)"


# log_line_prefix escapes and the event fields they give (DESIGN.md contract 1).
ESCAPE_FIELDS = {
    "u": ("user",), "d": ("database",), "a": ("application",),
    "r": ("remote_host", "remote_port"), "h": ("remote_host",), "p": ("pid",),
    "P": ("leader_pid",), "c": ("session_id",), "l": ("line_num",),
    "s": ("session_start",), "i": ("command_tag",), "v": ("vxid",), "x": ("xid",),
    "e": ("sqlstate",), "Q": ("query_id",), "b": ("backend_type",),
    "L": ("local_address",),
}
# Every field that a prefix escape can give.
PREFIX_FIELDS = {f for fields in ESCAPE_FIELDS.values() for f in fields}


def prefix_fields(prefix):
    """(fields written for every process, fields written for session processes):
    %q ends the prefix for processes without a client connection."""
    always, session, after_q = set(), set(), False
    for m in re.finditer(r"%-?[0-9]*(.)", prefix):
        esc = m.group(1)
        if esc == "q":
            after_q = True
            continue
        fields = ESCAPE_FIELDS.get(esc, ())
        session.update(fields)
        if not after_q:
            always.update(fields)
    return always, session


class Rules:
    """Which fields a side may lack, because its format does not carry them."""

    def __init__(self, args):
        self.always, self.session = prefix_fields(args.prefix)
        self.verbose = args.verbose_log

    def stderr_carries(self, field, other_ev):
        """Whether the stderr log can carry `field` for this entry; `other_ev`
        is the csvlog or jsonlog side, which tells a session process (one with a
        client connection: remote_host) from the others."""
        if field not in PREFIX_FIELDS:
            return True  # message-level fields are lines of their own
        if field == "sqlstate" and self.verbose:
            return True  # "ERROR:  23505: duplicate key ..."
        return field in (self.session if "remote_host" in other_ev else self.always)

    def explain(self, a_label, ea, b_label, eb, field):
        """Why only one side has `field`, or None when nothing explains it."""
        having, lacking = (a_label, b_label) if field in ea else (b_label, a_label)
        have_ev, lack_ev = (ea, eb) if field in ea else (eb, ea)
        if lacking == "stderr" and not self.stderr_carries(field, have_ev):
            return "not in this log_line_prefix"
        if lacking == "jsonlog" and field == "sqlstate" and have_ev[field] == "00000":
            return "jsonlog omits state_code 00000"
        return None


class Report:
    def __init__(self):
        self.mismatches = []
        self.one_sided = Counter()  # (side_a, side_b, field, side_having_it, why) -> count
        self.unexplained = []
        self.cursor_suffix = 0  # stderr messages with " at character N" more
        self.line_num_examples = []
        self.line_num_problems = []


def compare_pair(rep, rules, a_label, a, b_label, b, precision):
    """Compares one pair of events; returns the list of differing fields."""
    diffs = []
    pa = precision.get(a_label, "ms")
    pb = precision.get(b_label, "ms")
    p = "s" if "s" in (pa, pb) else "ms"
    ta, tb = cut_time(a.get("timestamp"), p), cut_time(b.get("timestamp"), p)
    if ta != tb and not (p == "s" and "stderr" in (a_label, b_label)
                         and t_clock_lag(a_label, ta, b_label, tb)):
        diffs.append(("timestamp", a.get("timestamp"), b.get("timestamp")))
    if a.get("instance") != b.get("instance"):
        diffs.append(("instance", a.get("instance"), b.get("instance")))
    ea, eb = a["event"], b["event"]
    for field in sorted(set(ea) | set(eb)):
        if field not in ea or field not in eb:
            having = a_label if field in ea else b_label
            why = rules.explain(a_label, ea, b_label, eb, field)
            rep.one_sided[(a_label, b_label, field, having, why or "UNEXPLAINED")] += 1
            if why is None and sum(1 for u in rep.unexplained if u[2] == field) < 2:
                rep.unexplained.append((a_label, b_label, field, having, a, b))
            continue
        va, vb = ea[field], eb[field]
        if field == "line_num" and "stderr" in (a_label, b_label):
            # See the module docstring: %l counts lines, csv/json count records.
            s_val, o_val = (va, vb) if a_label == "stderr" else (vb, va)
            example = (ea.get("pid"), ea.get("message", "")[:50], s_val, o_val)
            if len(rep.line_num_examples) < 4 and s_val != o_val and example not in rep.line_num_examples:
                rep.line_num_examples.append(example)
            if not (isinstance(s_val, int) and isinstance(o_val, int) and s_val >= o_val):
                diffs.append((field, va, vb))
            continue
        if field == "message" and "stderr" in (a_label, b_label):
            s_val, o_val = (va, vb) if a_label == "stderr" else (vb, va)
            if (isinstance(s_val, str) and isinstance(o_val, str) and s_val != o_val
                    and re.fullmatch(re.escape(o_val) + r" at character \d+", s_val)):
                rep.cursor_suffix += 1
                continue
        if field in SECOND_TIMES:
            va, vb = cut_time(va, "s"), cut_time(vb, "s")
        if va != vb:
            diffs.append((field, ea[field], eb[field]))
    return diffs


def check_stderr_line_num(rep, events):
    last = {}
    for obj in events:
        ev = obj["event"]
        if "line_num" not in ev:
            continue
        key = (ev["pid"], ev.get("session_id"))
        if key in last and ev["line_num"] <= last[key]:
            rep.line_num_problems.append(
                f"stderr line {obj['_line']}: line_num {ev['line_num']} after {last[key]} in the same session")
        last[key] = ev["line_num"]


# --- the workload's expected entries ----------------------------------------

BIG_STATEMENT = "select length('" + "x" * 12000 + "') / 0 as big_statement"
# The stderr log may add the cursor position (see the module docstring).
SYNTAX_ERROR = re.compile(r'syntax error at or near "selec"( at character 1)?')
NON_ASCII = "pgtail-e2e raise: café 日本語 🐘"
DEADLOCK_DETAIL = re.compile(
    r"Process \d+ waits for ShareLock on transaction \d+; blocked by process \d+\.\n"
    r"Process \d+ waits for ShareLock on transaction \d+; blocked by process \d+\.\n"
    r"Process \d+: update t set v = v \+ 1 where id = [12];\n"
    r"Process \d+: update t set v = v \+ 1 where id = [12];")


def expectations(args):
    """(description, how many, {field: exact value or compiled regex}).
    `sqlstate` is only checked where the output carries sqlstates at all."""
    raise_fields = {
        "detail": "first detail line\nsecond detail line",
        "hint": "pgtail-e2e hint: check the widget",
        "context": "PL/pgSQL function raise_it(text) line 3 at RAISE",
    }
    exp = [
        ("syntax error (42601) with its STATEMENT", 1,
         {"level": "ERROR", "sqlstate": "42601", "message": SYNTAX_ERROR, "statement": "selec 1;"}),
        ("unique violation (23505) with DETAIL", 1,
         {"level": "ERROR", "sqlstate": "23505",
          "message": 'duplicate key value violates unique constraint "t_pkey"',
          "detail": "Key (id)=(1) already exists.", "statement": "insert into t values (1, 0);",
          "user": "app", "database": "shop"}),
        ("RAISE with two-line DETAIL, HINT and CONTEXT", 1,
         dict(raise_fields, level="ERROR", sqlstate="P0001", message="pgtail-e2e raise: plain",
              statement="select raise_it('plain');")),
        ("non-ASCII error message, intact", 1,
         dict(raise_fields, level="ERROR", sqlstate="P0001", message=NON_ASCII,
              statement="select raise_it('café 日本語 🐘');")),
        ("WARNING with CONTEXT", 1,
         {"level": "WARNING", "sqlstate": "01000", "message": "pgtail-e2e warning: naïve",
          "context": "PL/pgSQL function inline_code_block line 1 at RAISE"}),
        ("internal QUERY of dynamic SQL", 1,
         {"level": "ERROR", "sqlstate": "42601", "message": SYNTAX_ERROR, "query": "selec 2", "context": "PL/pgSQL function inline_code_block line 1 at EXECUTE",
          "statement": "do $$ begin execute 'selec 2'; end $$;"}),
        ("multi-line STATEMENT", 1,
         {"level": "ERROR", "sqlstate": "22012", "message": "division by zero",
          "statement": 'select 1\n  / 0\n  as "multi\nline";'}),
        ("multi-line log_statement message", 1,
         {"level": "LOG", "message": 'statement: select 1\n  / 0\n  as "multi\nline";'}),
        ("STATEMENT over 10 KB", 1,
         {"level": "ERROR", "sqlstate": "22012", "message": "division by zero",
          "statement": BIG_STATEMENT}),
        ("deadlock (40P01) with 4-line DETAIL, HINT, CONTEXT", 1,
         {"level": "ERROR", "sqlstate": "40P01", "message": "deadlock detected",
          "detail": DEADLOCK_DETAIL, "hint": "See server log for query details.",
          "context": re.compile(r'while updating tuple \(0,\d+\) in relation "t"'),
          "statement": re.compile(r"update t set v = v \+ 1 where id = [12];")}),
        ("FATAL missing database (3D000)", 1,
         {"level": "FATAL", "sqlstate": "3D000", "message": 'database "nosuchdb" does not exist',
          "database": "nosuchdb"}),
        ("FATAL missing role (28000)", 1,
         {"level": "FATAL", "sqlstate": "28000", "message": 'role "nosuchrole" does not exist',
          "user": "nosuchrole"}),
        ("FATAL 53300 reserved slots", 1,
         {"level": "FATAL", "sqlstate": "53300",
          "message": "remaining connection slots are reserved for non-replication superuser connections"}),
        ("FATAL 53300 too many clients", 1,
         {"level": "FATAL", "sqlstate": "53300", "message": "sorry, too many clients already"}),
        ("FATAL 57P01 for each terminated connection holder", 5,
         {"level": "FATAL", "sqlstate": "57P01",
          "message": "terminating connection due to administrator command",
          "statement": "select pg_sleep(120)"}),
        ("the workload's last entry", 1,
         {"level": "WARNING", "message": "pgtail-e2e: workload done"}),
    ]
    if args.verbose_log:
        exp.append(("LOCATION of the unique violation (log_error_verbosity = verbose)", 1,
                    {"sqlstate": "23505", "location": re.compile(r"_bt_check_unique, nbtinsert\.c:\d+")}))
    return exp


def matches(ev, want, with_sqlstate):
    for field, value in want.items():
        if field == "sqlstate" and not with_sqlstate:
            continue
        have = ev.get(field)
        if isinstance(value, re.Pattern):
            if not isinstance(have, str) or not value.fullmatch(have):
                return False
        elif have != value:
            return False
    return True


def check_parallel(label, events, carries):
    """The parallel worker's ERROR names its leader; the leader's has CONTEXT
    "parallel worker". `carries(field)` tells whether this output can have the
    field for a process without a client connection."""
    problems = []
    errs = [o["event"] for o in events
            if o["event"].get("message") == "division by zero"
            and o["event"].get("statement") == "select 1 / (v - v) from t;"]
    leader = [e for e in errs if e.get("context") == "parallel worker"]
    worker = [e for e in errs if e.get("context") != "parallel worker"]
    if len(errs) != 2 or len(leader) != 1:
        return [f"{label}: expected the parallel query's ERROR from a worker and from its leader, "
                f"found {errs}"]
    leader, worker = leader[0], worker[0]
    if carries("backend_type") and worker.get("backend_type") != "parallel worker":
        problems.append(f"{label}: parallel worker's ERROR: backend_type "
                        f"{worker.get('backend_type')!r}: {worker}")
    if carries("leader_pid") and worker.get("leader_pid") != leader.get("pid"):
        problems.append(f"{label}: parallel worker's ERROR: leader_pid {worker.get('leader_pid')!r}, "
                        f"its leader's pid is {leader.get('pid')}: {worker}")
    return problems


def check_time_window(label, events, window):
    lo, hi = window[0] - 2, window[1] + 2
    problems = []
    for o in events:
        for where, ts in (("timestamp", o.get("timestamp")),
                          ("session_start", o["event"].get("session_start"))):
            if ts is None and where == "session_start":
                continue
            try:
                t = datetime.datetime.strptime(cut_time(ts, "s"), "%Y-%m-%dT%H:%M:%S")
                secs = t.replace(tzinfo=datetime.timezone.utc).timestamp()
            except (TypeError, ValueError):
                problems.append(f"{label} line {o['_line']}: bad {where} {ts!r}")
                continue
            if not lo <= secs <= hi:
                problems.append(f"{label} line {o['_line']}: {where} {ts} is outside the run "
                                f"({datetime.datetime.utcfromtimestamp(lo).isoformat()}Z to "
                                f"{datetime.datetime.utcfromtimestamp(hi).isoformat()}Z): "
                                f"wrong time zone conversion?")
                break
        if len(problems) >= 5:
            break
    return problems


def check_workload(label, events, args, with_sqlstate, carries):
    problems = []
    for what, count, want in expectations(args):
        found = [o for o in events if matches(o["event"], want, with_sqlstate)]
        if len(found) != count:
            problems.append(f"{label}: expected {count} x {what}, found {len(found)}")
            # Show the nearest candidates: same level and message.
            key = {k: want[k] for k in ("level", "message") if k in want}
            if isinstance(key.get("message"), re.Pattern):
                del key["message"]
            near = [o for o in events if matches(o["event"], key, False)]
            for o in near[:3]:
                problems.append(f"    candidate ({label} line {o['_line']}): {short(o)}")
            if not near:
                problems.append(f"    no {key} at all; wanted {want}")
    problems += check_parallel(label, events, carries)
    if args.verbose_log:
        n = sum(1 for o in events if "location" in o["event"])
        if n < len(events) // 2:
            problems.append(f"{label}: log_error_verbosity = verbose, yet only {n} of "
                            f"{len(events)} events have a location")
    else:
        with_loc = [o for o in events if "location" in o["event"]]
        if with_loc:
            problems.append(f"{label}: location without log_error_verbosity = verbose: {short(with_loc[0])}")
    if not with_sqlstate:
        with_state = [o for o in events if "sqlstate" in o["event"]]
        if with_state:
            problems.append(f"{label}: sqlstate where the log carries none: {short(with_state[0])}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("stderr")
    ap.add_argument("csvlog")
    ap.add_argument("jsonlog")
    ap.add_argument("--stderr-time-precision", choices=("s", "ms"), default="ms",
                    help="s when log_line_prefix has %%t rather than %%m or %%n")
    ap.add_argument("--prefix", required=True, help="the log_line_prefix of the stderr log")
    ap.add_argument("--verbose-log", action="store_true",
                    help="the run had log_error_verbosity = verbose")
    ap.add_argument("--time-window", nargs=2, type=int, metavar=("START", "END"),
                    help="every timestamp must fall within these epoch seconds (catches a "
                         "wrong time zone conversion, which all three sides would share)")
    ap.add_argument("--expect-workload", action="store_true")
    args = ap.parse_args()

    problems = []
    events = {
        "stderr": load(args.stderr, "stderr", problems),
        "csvlog": load(args.csvlog, "csvlog", problems),
        "jsonlog": load(args.jsonlog, "jsonlog", problems),
    }
    print("events: " + ", ".join(f"{s} {len(events[s])}" for s in SOURCES))
    groups = {s: by_pid(events[s]) for s in SOURCES}

    # Same processes, same number of entries each.
    pids = list(OrderedDict.fromkeys(p for s in SOURCES for p in groups[s]))
    paired_pids = []
    for pid in pids:
        counts = {s: len(groups[s].get(pid, [])) for s in SOURCES}
        if len(set(counts.values())) != 1:
            problems.append(f"pid {pid}: entry counts differ: {counts}")
            for s in SOURCES:
                for o in groups[s].get(pid, []):
                    ev = o["event"]
                    problems.append(f"    {s:7} line {o['_line']:5}: {ev.get('level')}: "
                                    f"{ev.get('message', '')[:100]!r}")
        else:
            paired_pids.append(pid)

    rep = Report()
    rules = Rules(args)
    precision = {"stderr": args.stderr_time_precision}
    pairs = 0
    for pid in paired_pids:
        for i in range(len(groups["stderr"][pid])):
            trio = {s: groups[s][pid][i] for s in SOURCES}
            pairs += 1
            for a, b in (("stderr", "csvlog"), ("stderr", "jsonlog"), ("csvlog", "jsonlog")):
                diffs = compare_pair(rep, rules, a, trio[a], b, trio[b], precision)
                if diffs:
                    rep.mismatches.append((a, b, diffs, trio[a], trio[b]))
    check_stderr_line_num(rep, events["stderr"])
    print(f"compared: {pairs} entries in {len(paired_pids)} processes")

    if rep.one_sided:
        print("fields only one side has (number of pairs):")
        lines = defaultdict(list)
        for (a, b, field, having, why), n in sorted(rep.one_sided.items()):
            lines[(a, b, having, why)].append(f"{field} {n}")
        for (a, b, having, why), fields in sorted(lines.items()):
            print(f"    {a} vs {b}, only {having} ({why}): {', '.join(fields)}")
    if rep.cursor_suffix:
        print(f"stderr messages ending in \" at character N\" (cursor position), "
              f"the other side without it: {rep.cursor_suffix} pairs")
    if rep.line_num_examples:
        print("line_num (stderr %l counts lines, csv/json count records), examples "
              "(pid, message, stderr, csv or json):")
        for ex in rep.line_num_examples:
            print(f"    {ex}")

    failed = bool(problems or rep.mismatches or rep.line_num_problems or rep.unexplained)
    for a, b, field, having, ea, eb in rep.unexplained:
        print(f"UNEXPLAINED: {field} only in {having} ({a} line {ea['_line']} vs {b} line {eb['_line']}):")
        print(f"    {a}: {short(ea)}")
        print(f"    {b}: {short(eb)}")
    # The mismatching fields, counted; then two example pairs for each field
    # and pair of sources, so that every kind of mismatch shows.
    per_field = Counter((a, b, f) for a, b, diffs, _, _ in rep.mismatches for f, _, _ in diffs)
    if per_field:
        print("MISMATCHES (pairs of sources: field: number of entries):")
        for (a, b, f), n in sorted(per_field.items()):
            print(f"    {a} vs {b}: {f}: {n}")
    shown = Counter()
    for a, b, diffs, ea, eb in rep.mismatches:
        new_fields = [f for f, _, _ in diffs if shown[(a, b, f)] < 2]
        if not new_fields:
            continue
        for f, _, _ in diffs:
            shown[(a, b, f)] += 1
        print(f"MISMATCH {a} line {ea['_line']} vs {b} line {eb['_line']}:")
        for field, va, vb in diffs:
            print(f"    {field}: {a}={json.dumps(va, ensure_ascii=False)[:600]}")
            print(f"    {' ' * len(field)}  {b}={json.dumps(vb, ensure_ascii=False)[:600]}")
        print(f"    {a}: {short(ea)}")
        print(f"    {b}: {short(eb)}")
    for p in rep.line_num_problems[:10]:
        print("LINE_NUM " + p)

    if args.expect_workload:
        for s in SOURCES:
            with_sqlstate = s != "stderr" or args.verbose_log or "sqlstate" in rules.session
            carries = (lambda f: True) if s != "stderr" else (lambda f: f in rules.always)
            problems += check_workload(s, events[s], args, with_sqlstate, carries)
    if args.time_window:
        for s in SOURCES:
            problems += check_time_window(s, events[s], args.time_window)
    for p in problems[:80]:
        print("PROBLEM " + p)
    if len(problems) > 80:
        print(f"... and {len(problems) - 80} more problems")
    print("FAILED" if failed or problems else "OK")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
