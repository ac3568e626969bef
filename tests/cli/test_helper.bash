# test_helper.bash: loaded by every tests/cli/*.bats file (`load test_helper`).
#
# Puts the fresh build first on PATH (BUILD=build by default, BUILD=build/sanitize
# for `make check SANITIZE=1`), sets a fixed locale and zone, and offers small
# helpers for checking NDJSON output with python3 (jq is not a dependency).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

PGT_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PGT_BUILD=${BUILD:-build}
[[ $PGT_BUILD == /* ]] || PGT_BUILD=$PGT_ROOT/$PGT_BUILD
export PATH="$PGT_BUILD/bin:$PATH" LC_ALL=C TZ=UTC
unset PGTAIL_CONFIG PGTAIL_SPOOL
FIXTURES=$BATS_TEST_DIRNAME/fixtures
CASES=$PGT_ROOT/tests/cases
CORPUS=$BATS_TEST_DIRNAME/../../../shared/corpus/pgbadger

# The checks need only python3's standard library: take the system's when there
# is one (a pyenv shim costs half a second a call), else whatever is on PATH.
if [[ -x /usr/bin/python3 ]]; then PGT_PYTHON3=/usr/bin/python3; else PGT_PYTHON3=$(command -v python3); fi
python3() { "$PGT_PYTHON3" "$@"; }

# require_tool NAME: fails the test early, and clearly, when the build is missing.
require_tool() {
	[[ -x $PGT_BUILD/bin/$1 ]] || fail "no $PGT_BUILD/bin/$1: run 'make all' (or set BUILD)"
}

# require_corpus FILE: skips the test when the shared corpus is not checked out.
require_corpus() {
	[[ -e $CORPUS/$1 ]] || skip "corpus file $CORPUS/$1 is absent"
}

# ndjson_check PYTHON-EXPR [FILE]: reads NDJSON (from FILE, else from $output),
# fails unless every line is valid UTF-8 JSON, then evaluates PYTHON-EXPR with
# `ev` the list of parsed objects and `E` the list of their "event" objects;
# the test fails, printing the expression and the events, unless it is true.
# Example: ndjson_check 'len(ev) == 1 and E[0]["level"] == "FATAL"'
ndjson_check() {
	local expr=$1 file=${2:-}
	local data
	if [[ -n $file ]]; then
		python3 - "$expr" "$file" <<'EOF'
import json, sys
expr, path = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit(f"output is not valid UTF-8: {e}")
lines = text.split("\n")
if lines[-1] == "":
    lines.pop()
ev = []
for n, line in enumerate(lines, 1):
    try:
        ev.append(json.loads(line))
    except ValueError as e:
        sys.exit(f"line {n} is not JSON: {e}: {line[:200]!r}")
E = [o.get("event", {}) if isinstance(o, dict) else {} for o in ev]
if not eval("(" + expr + "\n)"):
    print(f"check failed: {expr}")
    for o in ev[:20]:
        print(json.dumps(o, ensure_ascii=False)[:400])
    if len(ev) > 20:
        print(f"... ({len(ev)} lines)")
    sys.exit(1)
EOF
	else
		data=$(mktemp "$BATS_TEST_TMPDIR/ndjson.XXXXXX")
		if [[ -n $output ]]; then printf '%s\n' "$output" >"$data"; else : >"$data"; fi
		ndjson_check "$expr" "$data"
	fi
}

# pg_parse_test ARGS...: pg-parse with a fixed host name, so that the instance
# object is the same on every machine.
pg_parse_test() {
	pg-parse --host test "$@"
}
