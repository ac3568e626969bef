#!/usr/bin/env bats
# pg-parse against a real PostgreSQL server: one run of the server per test,
# logging the same entries to stderr, csvlog and jsonlog at once; pg-parse must
# read the three files into the same events (compare_events.py), find the
# workload's entries in each (workload.bash, workload.sql), and pick the same
# format by itself (--format auto) as when told.
#
# Needs the PostgreSQL server packages (Debian: postgresql); runs as root (the
# server then runs as `nobody`) or as any user. Run alone with
#   BUILD=build bats tests/e2e
# PGT_KEEP=1 keeps each run's directory (server, logs, pg-parse outputs).

source "$BATS_TEST_DIRNAME/common.bash"

# One template cluster for the file's servers (pg_server.bash).
setup_file() { e2e_server_template; }
teardown_file() { e2e_server_template_remove; }

setup() {
	e2e_setup pg-parse
	PGT_E2E_DIR=$BATS_TEST_DIRNAME
	source "$PGT_E2E_DIR/pg_server.bash"
	source "$PGT_E2E_DIR/workload.bash"
	PG_PARSE=$BUILD/bin/pg-parse
	export PGCLIENTENCODING=UTF8
}

teardown() {
	pg_server_teardown
}

# run_pg_parse NAME FORMAT ARGS...: pg-parse ARGS > $PGT_DIR/out/NAME.ndjson.
# It must exit 0 and say nothing on stderr (every line of a real log is
# understood), except, with --format auto, that it detected FORMAT (none: say
# nothing at all):
# "pg-parse: FILE: detected csvlog".
run_pg_parse() {
	local name=$1 format=$2
	shift 2
	local out=$PGT_DIR/out/$name.ndjson err=$PGT_DIR/out/$name.err status=0
	"$PG_PARSE" "$@" >"$out" 2>"$err" || status=$?
	if [[ $status -ne 0 ]] || grep -v "^pg-parse: .*: detected $format\b" "$err" >/dev/null; then
		echo "pg-parse $* (for $name): exit status $status, stderr:"
		head -c 3000 "$err"
		return 1
	fi
	if [[ ! -s $out ]]; then
		echo "pg-parse $* (for $name): no output"
		return 1
	fi
}

# same_output A B: the two outputs are byte for byte the same.
same_output() {
	cmp -s "$PGT_DIR/out/$1.ndjson" "$PGT_DIR/out/$2.ndjson" && return 0
	echo "pg-parse outputs $1 and $2 differ (first differing lines):"
	diff "$PGT_DIR/out/$1.ndjson" "$PGT_DIR/out/$2.ndjson" | head -n 6 | cut -c 1-600
	return 1
}

# e2e PREFIX LOG_TIMEZONE VERBOSITY STDERR_TIME_PRECISION
# The whole run: server, workload, stop, pg-parse on the three logs (told the
# format, then --format auto from a file and from standard input), compare.
e2e() {
	local prefix=$1 tz=$2 verbosity=$3 precision=$4
	local -a zone=() verbose=()
	[[ $tz == UTC ]] || zone=(--timezone "$tz")
	[[ $verbosity == verbose ]] && verbose=(--verbose-log)

	local t0 t1
	t0=$(date +%s)
	pg_server_init "$prefix" "$tz" "$verbosity" || fail "cannot create the server"
	pg_server_start || fail "cannot start the server"
	if ! run_workload; then
		echo "workload failed; its clients said:"
		cat "$PGT_DIR/workload.out"
		fail "workload failed"
	fi
	pg_server_stop || fail "cannot stop the server"
	t1=$(date +%s)
	mkdir -p "$PGT_DIR/out"

	run_pg_parse stderr none --format stderr --prefix "$prefix" "${zone[@]}" "$PGT_LOG_STDERR" || fail
	run_pg_parse csvlog none --format csvlog "${zone[@]}" "$PGT_LOG_CSV" || fail
	run_pg_parse jsonlog none --format jsonlog "${zone[@]}" "$PGT_LOG_JSON" || fail

	# --format auto must pick the same format: from the file, with and without
	# the prefix (a prefix given must not make a csvlog or jsonlog file look like
	# stderr), and from standard input, where there is no file name to go by.
	run_pg_parse stderr-auto stderr --format auto --prefix "$prefix" "${zone[@]}" "$PGT_LOG_STDERR" || fail
	same_output stderr stderr-auto || fail "--format auto read the stderr log differently"
	local f
	for f in csvlog jsonlog; do
		local file=$PGT_LOG_CSV
		[[ $f == jsonlog ]] && file=$PGT_LOG_JSON
		run_pg_parse "$f-auto" "$f" --format auto "${zone[@]}" "$file" || fail
		same_output "$f" "$f-auto" || fail "--format auto read the $f log differently"
		run_pg_parse "$f-auto-prefix" "$f" --format auto --prefix "$prefix" "${zone[@]}" "$file" || fail
		same_output "$f" "$f-auto-prefix" || fail "--format auto --prefix read the $f log differently"
		run_pg_parse "$f-auto-stdin" "$f" --format auto "${zone[@]}" <"$file" || fail
		same_output "$f" "$f-auto-stdin" || fail "--format auto read the $f log on stdin differently"
	done
	run_pg_parse stderr-auto-stdin stderr --format auto --prefix "$prefix" "${zone[@]}" <"$PGT_LOG_STDERR" || fail
	same_output stderr stderr-auto-stdin || fail "--format auto read the stderr log on stdin differently"

	run python3 "$PGT_E2E_DIR/compare_events.py" --prefix "$prefix" "${verbose[@]}" \
		--stderr-time-precision "$precision" --time-window "$t0" "$t1" --expect-workload \
		"$PGT_DIR/out/stderr.ndjson" "$PGT_DIR/out/csvlog.ndjson" "$PGT_DIR/out/jsonlog.ndjson"
	# The summary (fields only one side has, known differences) goes to the
	# TAP stream as comments; all of it is shown again on failure.
	sed 's/^/# /' <<<"$output" >&3
	assert_success
	assert_line OK
}

@test "Debian's prefix '%m [%p] %q%u@%d ', UTC, default verbosity" {
	e2e '%m [%p] %q%u@%d ' UTC default ms
}

@test "a rich prefix with every session escape, Europe/Paris, verbose (LOCATION lines)" {
	e2e '%m [%p] %q[%l-1] user=%u,db=%d,app=%a,client=%r,sess=%c,vxid=%v,xid=%x,state=%e,tag=%i,type=%b,start=%s,qid=%Q ' \
		Europe/Paris verbose ms
}

@test "pgBadger-style prefix with %t (seconds), %P and %b for every process, Asia/Kolkata (IST)" {
	e2e '%t [%p]: leader=%P,type=%b %q[%l-1] user=%u,db=%d,app=%a,client=%h ' \
		Asia/Kolkata default s
}
