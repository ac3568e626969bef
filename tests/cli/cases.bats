#!/usr/bin/env bats
# cases.bats: runs the regression cases of tests/cases/TOOL/*.case (parse:
# pg-parse, format: pg-format), one @test per case file (bats 1.8 cannot
# register tests at run time); a failing test names each failing case and
# shows its diff.
#
# A .case file holds one or more cases:
#
#   # what the case covers (one line: the case's name in reports)
#   args: --format stderr --prefix '%m [%p] '      (optional; shell words)
#   status: 0                                        (optional; expected exit status)
#   stderr: pg-parse: <stdin>:2: ...                 (optional, repeatable: the exact stderr lines)
#   escapes: yes                                     (optional: \t \r \n \\ \xHH in the input)
#   <<<
#   raw input lines, verbatim, up to the >>> line
#   >>>
#   expected NDJSON, one line each, compared as JSON values (key order and
#   string escaping may differ; types, values and line order may not); a
#   string "body" holding text (pg-format's prometheus and template formats)
#   is compared as it is
#
# Lines starting with "#" after the first one of a header, and blank lines
# outside the input, are comments. A case ends where the next "# " line starts.
# The runner feeds the input on stdin from a regular file (so entries come out in
# log order, as when reading a file) and runs
#   pg-parse --host test -q ARGS     (tests/cases/parse: instance is {"host":"test"} unless ARGS add to it)
#   pg-format ARGS                   (tests/cases/format) Without `stderr:` lines
# the expected stderr is empty; without `status:` the expected status is 0.
#
# Run one file by hand:  BUILD=build bats tests/cli/cases.bats -f syslog

setup() {
	load test_helper
}

# run_case_file TOOL/NAME: runs tests/cases/TOOL/NAME.case; fails listing each failing case.
run_case_file() {
	local file=$CASES/$1.case
	[[ -f $file ]] || fail "no case file $file"
	require_tool "pg-${1%%/*}"
	run python3 - "$file" "$BATS_TEST_TMPDIR" <<'EOF'
import difflib, json, os, re, shlex, subprocess, sys

path, tmp = sys.argv[1], sys.argv[2]

def unescape(line):
    out = bytearray()
    i = 0
    b = line.encode("utf-8")
    while i < len(b):
        c = b[i:i + 1]
        if c == b"\\" and i + 1 < len(b):
            n = b[i + 1:i + 2]
            if n == b"x":
                out += bytes([int(b[i + 2:i + 4], 16)])
                i += 4
                continue
            out += {b"t": b"\t", b"r": b"\r", b"n": b"\n", b"\\": b"\\", b"0": b"\0"}.get(n, b"\\" + n)
            i += 2
            continue
        out += c
        i += 1
    return bytes(out)

def parse(path):
    cases, case, section = [], None, None
    with open(path, encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        if section == "input":
            if line == ">>>":
                section = "expected"
            else:
                case["input"].append(line)
            continue
        if line.startswith("#") and (case is None or section == "expected"):
            case = {"name": line.lstrip("#").strip(), "line": n, "args": [], "status": 0,
                    "stderr": [], "escapes": False, "input": [], "expected": []}
            cases.append(case)
            section = "header"
            continue
        if case is None:
            if line.strip():
                raise SystemExit(f"{path}:{n}: text before the first '# name' line")
            continue
        if section == "header":
            if line.startswith("#") or not line.strip():
                continue
            if line == "<<<":
                section = "input"
            elif line.startswith("args:"):
                case["args"] += shlex.split(line[5:])
            elif line.startswith("status:"):
                case["status"] = int(line[7:])
            elif line.startswith("stderr:"):
                case["stderr"].append(line[7:].strip())
            elif line.startswith("escapes:"):
                case["escapes"] = line[8:].strip() == "yes"
            else:
                raise SystemExit(f"{path}:{n}: unknown header line {line!r}")
            continue
        if section == "expected" and line.strip():
            case["expected"].append((n, line))
    for c in cases:
        if c is cases[-1] and section == "input":
            raise SystemExit(f"{path}:{c['line']}: case {c['name']!r} has no '>>>' line")
    return cases

def canonical(obj):
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

failed = 0
cases = parse(path)
for i, c in enumerate(cases):
    data = b"".join((unescape(l) if c["escapes"] else l.encode("utf-8")) + b"\n" for l in c["input"])
    infile = os.path.join(tmp, f"case{i}.in")
    with open(infile, "wb") as f:
        f.write(data)
    tool = os.path.basename(os.path.dirname(path))
    argv = (["pg-parse", "--host", "test", "-q"] if tool == "parse" else ["pg-" + tool]) + c["args"]
    with open(infile, "rb") as stdin:
        p = subprocess.run(argv, stdin=stdin, capture_output=True, timeout=120)
    problems = []
    try:
        out = p.stdout.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(f"stdout is not valid UTF-8: {e}")
        out = p.stdout.decode("utf-8", "replace")
    got = []
    for n, line in enumerate(out.split("\n")[:-1] if out.endswith("\n") else out.split("\n") if out else [], 1):
        try:
            got.append(canonical(json.loads(line)))
        except ValueError as e:
            problems.append(f"output line {n} is not JSON: {e}: {line[:300]!r}")
            got.append(line)
    want = []
    for n, line in c["expected"]:
        try:
            want.append(canonical(json.loads(line)))
        except ValueError as e:
            raise SystemExit(f"{path}:{n}: expected line is not JSON: {e}")
    if got != want:
        problems.append("stdout differs (- expected, + actual):\n" + "\n".join(
            difflib.unified_diff(want, got, "expected", "actual", lineterm="", n=1)))
    err = p.stderr.decode("utf-8", "replace").split("\n")
    if err[-1] == "":
        err.pop()
    if err != c["stderr"]:
        problems.append("stderr differs (- expected, + actual):\n" + "\n".join(
            difflib.unified_diff(c["stderr"], err, "expected", "actual", lineterm="", n=1)))
    if p.returncode != c["status"]:
        problems.append(f"exit status {p.returncode}, expected {c['status']}")
    if problems:
        failed += 1
        print(f"FAIL {os.path.basename(path)}:{c['line']}: {c['name']}")
        print("  $ " + " ".join(shlex.quote(a) for a in argv) + " < input")
        for pr in problems:
            print("  " + pr.replace("\n", "\n  "))
        print()
print(f"{len(cases) - failed} of {len(cases)} cases passed in {os.path.basename(path)}")
sys.exit(1 if failed else 0)
EOF
	if [[ $status -ne 0 ]]; then
		printf '%s\n' "$output"
		return 1
	fi
}

@test "every case file has its @test here" {
	local f name missing=()
	for f in "$CASES"/*/*.case; do
		name=${f#"$CASES"/}
		name=${name%.case}
		grep -q "^@test \"$name\"" "$BATS_TEST_FILENAME" || missing+=("$name")
	done
	[[ ${#missing[@]} -eq 0 ]] || fail "case files without a @test in cases.bats: ${missing[*]}"
}

@test "parse/prefix-escapes" { run_case_file parse/prefix-escapes; }
@test "parse/prefix-padding" { run_case_file parse/prefix-padding; }
@test "parse/prefix-session" { run_case_file parse/prefix-session; }
@test "parse/entries" { run_case_file parse/entries; }
@test "parse/interleaving" { run_case_file parse/interleaving; }
@test "parse/translations" { run_case_file parse/translations; }
@test "parse/timezones" { run_case_file parse/timezones; }
@test "parse/csvlog" { run_case_file parse/csvlog; }
@test "parse/jsonlog" { run_case_file parse/jsonlog; }
@test "parse/syslog" { run_case_file parse/syslog; }
@test "parse/raw" { run_case_file parse/raw; }
@test "parse/bytes" { run_case_file parse/bytes; }
@test "parse/detection" { run_case_file parse/detection; }
@test "parse/wrappers" { run_case_file parse/wrappers; }
@test "format/prometheus" { run_case_file format/prometheus; }
@test "format/pagerduty" { run_case_file format/pagerduty; }
@test "format/opsgenie" { run_case_file format/opsgenie; }
@test "format/siem" { run_case_file format/siem; }
@test "format/template" { run_case_file format/template; }
@test "format/slack" { run_case_file format/slack; }
@test "format/discord" { run_case_file format/discord; }
@test "format/teams" { run_case_file format/teams; }
