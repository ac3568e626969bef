#!/usr/bin/env bats
# pg-match as a user runs it: the rule operand and every flag, the rule
# language, rate windows of event time, throttling and de-duplication, the
# preview table, exit statuses and exact messages, bad input, live input on
# a pipe, the webhooks file (--config), and every EXAMPLE and OUTPUT sample of
# man/pg-match.1, run.
#
# Events are written with `ev` at chosen times: rates, throttles and dedup
# windows run on event time, so these tests do not depend on the wall clock
# (but for the live-input tests, which wait with a bound).

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	require_tool pg-match
	require_tool pg-parse
	cd "$BATS_TEST_TMPDIR"
	# No webhooks file of the machine or the user is ever read.
	export HOME=$BATS_TEST_TMPDIR
	unset XDG_CONFIG_HOME
}

teardown() {
	# Background pg-match of the live-input tests, if a test failed midway.
	local p
	for p in ${BG_PIDS:-}; do kill "$p" 2>/dev/null || true; done
}

SAMPLE=$BATS_TEST_DIRNAME/../../examples/postgresql-15-main.log
PAGE=$BATS_TEST_DIRNAME/../../man/pg-match.1

# assert_stderr LINE...: $stderr (from run --separate-stderr) is exactly these lines.
assert_stderr() {
	local want
	want=$(printf '%s\n' "$@")
	[[ $# -gt 0 ]] || want=
	if [[ $stderr != "$want" ]]; then
		printf 'expected stderr:\n%s\nactual stderr:\n%s\n' "$want" "$stderr"
		return 1
	fi
}

# assert_usage_error MESSAGE: status 64, MESSAGE then the --help pointer on stderr, nothing on stdout.
assert_usage_error() {
	assert_equal "$status" 64
	assert_stderr "pg-match: $1" "Try 'pg-match --help' for more information."
	assert_equal "$output" ""
}

# ev TIME LEVEL MESSAGE [MEMBERS]: one event line of 2024-01-15 at TIME (UTC,
# as 10:00:00.000), MEMBERS (JSON members, as '"sqlstate":"53300"') added to
# "event". MESSAGE is JSON string text: write \" for a quote.
ev() {
	printf '{"timestamp":"2024-01-15T%sZ","instance":{"name":"pg16","host":"db1"},"event":{"type":"log_entry","level":"%s","message":"%s"%s}}\n' \
		"$1" "$2" "$3" "${4:+,$4}"
}

# brief: each NDJSON line of $output as "TIME TYPE LEVEL|COUNT MESSAGE <- RULE [@WEBHOOK]",
# so that a test states the whole output in a few readable lines.
brief() {
	printf '%s\n' "$output" | python3 -c '
import json, sys
for line in sys.stdin:
    if line.strip():
        o = json.loads(line)
        e, t = o["event"], o.get("trigger", {})
        what = e.get("level", "-") if e["type"] == "log_entry" else str(e.get("count"))
        out = [o.get("timestamp", "-")[11:23], e["type"], what, e.get("message"), "<-", t.get("rule")]
        if "webhook" in t:
            out.append("@" + t["webhook"])
        print(*out)
'
}

# assert_brief LINE...: brief of $output is exactly these lines.
assert_brief() {
	local want got
	want=$(printf '%s\n' "$@")
	got=$(brief)
	if [[ $got != "$want" ]]; then
		printf 'expected (brief):\n%s\nactual (brief):\n%s\n' "$want" "$got"
		return 1
	fi
}

sample_events() { pg-parse -q "$SAMPLE" >events.ndjson; }

# --- help, version, usage errors -----------------------------------------------

@test "--help: usage on stdout, status 0, every flag listed" {
	run --separate-stderr pg-match --help
	assert_equal "$status" 0
	assert_stderr
	assert_line --index 0 "Reads events (from pg-parse) and writes the ones that match the rules, each with its trigger."
	assert_line "Usage: pg-match [OPTIONS] [RULE FILE...]"
	local flag
	for flag in --rule --level --sqlstate --config --webhook --throttle --dedup --dry-run --summary --json \
		--explain --exit-status --version; do
		assert_output --partial -- "$flag"
	done
	run --separate-stderr pg-match -h
	assert_equal "$status" 0
	assert_line "Usage: pg-match [OPTIONS] [RULE FILE...]"
}

@test "--version: one line on stdout, status 0" {
	run --separate-stderr pg-match --version
	assert_equal "$status" 0
	assert_stderr
	assert_output --regexp '^pg-match \(pgtail webhooks\) [0-9]+\.[0-9]+'
	assert_equal "${#lines[@]}" 1
}

@test "no rule at all: status 64, what to give" {
	run --separate-stderr pg-match </dev/null
	assert_usage_error "no rule: give one (as in 'errors' or '/deadlock/'), -r, --level, --sqlstate or --config"
}

@test "an unknown flag, a flag without its value: status 64 and the --help pointer" {
	run --separate-stderr pg-match --bogus </dev/null
	assert_usage_error "the following argument was not expected: --bogus"
	run --separate-stderr pg-match -r </dev/null
	assert_usage_error "--rule: 1 required RULE missing"
}

@test "flags that go together: --webhook needs --config, --json needs --summary, --config takes no rule flags" {
	run --separate-stderr pg-match --webhook slack FATAL </dev/null
	assert_usage_error "--webhook needs --config"
	run --separate-stderr pg-match --json FATAL </dev/null
	assert_usage_error "--json goes with --summary"
	local flag
	for flag in "-r FATAL" "--level FATAL" "--sqlstate 53300" "--throttle 1/min" "--dedup 5m"; do
		# shellcheck disable=SC2086
		run --separate-stderr pg-match --config=none.ini $flag </dev/null
		assert_usage_error "--config takes the rules, throttle and dedup from the file: drop -r, --level, --sqlstate, --throttle and --dedup, or drop --config"
	done
}

@test "--config FILE (without '='): FILE would be read as events, so it is refused with the right form" {
	run --separate-stderr pg-match --config webhooks.ini </dev/null
	assert_usage_error "'webhooks.ini' is read as events: did you mean --config=webhooks.ini?"
}

@test "bad --throttle and --dedup values: status 64, the value and why" {
	run --separate-stderr pg-match --throttle 10 FATAL </dev/null
	assert_usage_error "bad --throttle: '10' is not N/PERIOD (like 10/min or 5/10s)"
	run --separate-stderr pg-match --throttle 0/min FATAL </dev/null
	assert_usage_error "bad --throttle: '0/min' must allow at least 1 per period"
	run --separate-stderr pg-match --throttle x/min FATAL </dev/null
	assert_usage_error "bad --throttle: 'x' in 'x/min' is not a whole number"
	run --separate-stderr pg-match --dedup 5x FATAL </dev/null
	assert_usage_error "bad --dedup: unknown time unit 'x' in '5x' (ms, s, min, h or d)"
	run --separate-stderr pg-match --dedup 0s FATAL </dev/null
	assert_usage_error "bad --dedup: duration '0s' must be positive"
}

# --- the rule operand and the rule flags ---------------------------------------

@test "a rule operand: the events that meet it, as read, with fingerprint and trigger; no webhook" {
	sample_events
	run --separate-stderr pg-match FATAL events.ndjson
	assert_equal "$status" 0
	assert_stderr
	assert_brief \
		'17:08:35.330 log_entry FATAL database "nosuchdb" does not exist <- level:FATAL' \
		'17:08:35.422 log_entry FATAL role "ghost" does not exist <- level:FATAL' \
		'17:08:37.904 log_entry FATAL remaining connection slots are reserved for non-replication superuser connections <- level:FATAL'
	printf '%s\n' "$output" >out.ndjson
	# Each line is its input line with event.fingerprint and trigger added, nothing else changed.
	python3 - events.ndjson out.ndjson <<'EOF'
import json, re, sys
inp = [l.rstrip("\n") for l in open(sys.argv[1])]
for line in open(sys.argv[2]):
    o = json.loads(line)
    assert list(o["trigger"]) == ["rule"], o["trigger"]
    assert re.fullmatch(r"[0-9a-f]{16}", o["event"]["fingerprint"]), o["event"]
    back = re.sub(r',"fingerprint":"[0-9a-f]{16}"\}', "}", line.rstrip("\n"))
    back = re.sub(r',"trigger":\{[^}]*\}\}$', "}", back)
    assert back in inp, back
EOF
}

@test "a rule operand, then several files and '-' for standard input" {
	ev 10:00:00.000 FATAL one >a.ndjson
	ev 10:00:01.000 ERROR two >b.ndjson
	ev 10:00:02.000 PANIC three >c.ndjson
	run --separate-stderr bash -c 'pg-match "FATAL PANIC" a.ndjson - b.ndjson <c.ndjson'
	assert_equal "$status" 0
	assert_stderr
	assert_brief \
		'10:00:00.000 log_entry FATAL one <- level:FATAL' \
		'10:00:02.000 log_entry PANIC three <- level:PANIC'
}

@test "a rule of several words is one operand: pg-match FATAL PANIC reads a file PANIC" {
	ev 10:00:00.000 PANIC p >in.ndjson
	run --separate-stderr pg-match FATAL PANIC <in.ndjson
	assert_equal "$status" 66
	assert_stderr "pg-match: cannot open PANIC: No such file or directory"
	run --separate-stderr pg-match 'FATAL PANIC' <in.ndjson
	assert_equal "$status" 0
	assert_brief '10:00:00.000 log_entry PANIC p <- level:PANIC'
}

@test "-r repeated: an event that meets any rule, written once, naming the first rule it meets" {
	sample_events
	run --separate-stderr pg-match -r FATAL -r /deadlock/ events.ndjson
	assert_equal "$status" 0
	assert_stderr
	assert_brief \
		'17:08:35.330 log_entry FATAL database "nosuchdb" does not exist <- level:FATAL' \
		'17:08:35.422 log_entry FATAL role "ghost" does not exist <- level:FATAL' \
		'17:08:36.836 log_entry LOG process 8588 detected deadlock while waiting for ShareLock on transaction 733 after 100.097 ms <- pattern:/deadlock/' \
		'17:08:36.836 log_entry ERROR deadlock detected <- pattern:/deadlock/' \
		'17:08:37.904 log_entry FATAL remaining connection slots are reserved for non-replication superuser connections <- level:FATAL'
	# "deadlock detected" is an error too: still one line, for the first rule.
	run --separate-stderr pg-match --rule errors --rule /deadlock/ events.ndjson
	assert_equal "$status" 0
	ndjson_check 'len(ev) == 10 and [t["trigger"]["rule"] for t in ev if t["event"]["message"] == "deadlock detected"] == ["level:ERROR"]'
}

@test "with -r, --level or --sqlstate the first operand is a file, not a rule" {
	ev 10:00:00.000 FATAL f >FATAL
	run --separate-stderr pg-match -r PANIC FATAL
	assert_equal "$status" 0
	assert_stderr
	assert_output ""
	run --separate-stderr pg-match --level FATAL FATAL
	assert_brief '10:00:00.000 log_entry FATAL f <- level:FATAL'
	run --separate-stderr pg-match -s 53300 FATAL
	assert_equal "$status" 0
	assert_output ""
}

@test "--level: a list of levels, a threshold, errors; -l repeated adds up" {
	{
		ev 10:00:00.000 LOG l
		ev 10:00:01.000 WARNING w
		ev 10:00:02.000 ERROR e
		ev 10:00:03.000 FATAL f
		ev 10:00:04.000 PANIC p
		ev 10:00:05.000 NOTICE n
	} >in.ndjson
	run --separate-stderr pg-match --level FATAL,PANIC in.ndjson
	assert_brief '10:00:03.000 log_entry FATAL f <- level:FATAL' '10:00:04.000 log_entry PANIC p <- level:PANIC'
	run --separate-stderr pg-match --level '>=WARNING' in.ndjson
	assert_brief \
		'10:00:01.000 log_entry WARNING w <- level:>=WARNING' \
		'10:00:02.000 log_entry ERROR e <- level:>=WARNING' \
		'10:00:03.000 log_entry FATAL f <- level:>=WARNING' \
		'10:00:04.000 log_entry PANIC p <- level:>=WARNING'
	run --separate-stderr pg-match --level errors in.ndjson
	assert_brief \
		'10:00:02.000 log_entry ERROR e <- level:ERROR' \
		'10:00:03.000 log_entry FATAL f <- level:FATAL' \
		'10:00:04.000 log_entry PANIC p <- level:PANIC'
	run --separate-stderr pg-match -l log -l Notice in.ndjson
	assert_brief '10:00:00.000 log_entry LOG l <- level:LOG' '10:00:05.000 log_entry NOTICE n <- level:NOTICE'
	# LOG is never an error.
	run --separate-stderr pg-match -e errors <(ev 10:00:00.000 LOG 'checkpoint starting: time')
	assert_equal "$status" 1
}

@test "--sqlstate: codes, a class, a longer prefix, lists and repeats" {
	{
		ev 10:00:00.000 FATAL 'sorry, too many clients already' '"sqlstate":"53300"'
		ev 10:00:01.000 ERROR 'out of memory' '"sqlstate":"53200"'
		ev 10:00:02.000 FATAL 'terminating connection due to administrator command' '"sqlstate":"57P01"'
		ev 10:00:03.000 ERROR 'canceling statement due to statement timeout' '"sqlstate":"57014"'
		ev 10:00:04.000 ERROR 'no sqlstate'
	} >in.ndjson
	run --separate-stderr pg-match --sqlstate 53300 in.ndjson
	assert_brief '10:00:00.000 log_entry FATAL sorry, too many clients already <- sqlstate:53300'
	run --separate-stderr pg-match --sqlstate '53*' in.ndjson
	assert_brief \
		'10:00:00.000 log_entry FATAL sorry, too many clients already <- sqlstate:53*' \
		'10:00:01.000 log_entry ERROR out of memory <- sqlstate:53*'
	run --separate-stderr pg-match -s '57P*' in.ndjson
	assert_brief '10:00:02.000 log_entry FATAL terminating connection due to administrator command <- sqlstate:57P*'
	run --separate-stderr pg-match -s '53300,57P*' -s 57014 in.ndjson
	assert_equal "$status" 0
	ndjson_check '[e["sqlstate"] for e in E] == ["53300", "57P01", "57014"] and ev[0]["trigger"]["rule"] == "sqlstate:53300,57P*,57014"'
	run --separate-stderr pg-match -s 5330 in.ndjson
	assert_usage_error "bad rule 'sqlstate:5330': at column 10: expected a SQLSTATE (5 characters, as in 53300) or a class (as in 53* or 57P*)"
}

@test "--level and --sqlstate together: both must hold, and -r rules are OR-ed with them" {
	{
		ev 10:00:00.000 FATAL 'sorry, too many clients already' '"sqlstate":"53300"'
		ev 10:00:01.000 ERROR 'out of memory' '"sqlstate":"53200"'
		ev 10:00:02.000 FATAL 'terminating connection due to administrator command' '"sqlstate":"57P01"'
		ev 10:00:03.000 PANIC 'could not write to file' '"sqlstate":"58030"'
	} >in.ndjson
	run --separate-stderr pg-match --level FATAL --sqlstate '53*' in.ndjson
	assert_brief '10:00:00.000 log_entry FATAL sorry, too many clients already <- level:FATAL and sqlstate:53*'
	run --separate-stderr pg-match --level ERROR,FATAL --sqlstate '53*' -r PANIC in.ndjson
	assert_brief \
		'10:00:00.000 log_entry FATAL sorry, too many clients already <- level:FATAL and sqlstate:53*' \
		'10:00:01.000 log_entry ERROR out of memory <- level:ERROR and sqlstate:53*' \
		'10:00:03.000 log_entry PANIC could not write to file <- level:PANIC'
}

@test "patterns: /re/ is case-sensitive, /re/i is not, field~/re/ looks at another field" {
	{
		ev 10:00:00.000 ERROR 'Deadlock detected'
		ev 10:00:01.000 ERROR 'deadlock detected'
		ev 10:00:02.000 ERROR 'duplicate key value violates unique constraint \"orders_pkey\"' '"detail":"Key (id)=(1) already exists.","user":"app"'
		ev 10:00:03.000 FATAL 'password authentication failed for user \"bob\"' '"user":"bob","application":"PgAdmin 4"'
	} >in.ndjson
	run --separate-stderr pg-match /deadlock/ in.ndjson
	assert_brief '10:00:01.000 log_entry ERROR deadlock detected <- pattern:/deadlock/'
	run --separate-stderr pg-match /DEADLOCK/i in.ndjson
	assert_brief \
		'10:00:00.000 log_entry ERROR Deadlock detected <- pattern:/DEADLOCK/i' \
		'10:00:01.000 log_entry ERROR deadlock detected <- pattern:/DEADLOCK/i'
	run --separate-stderr pg-match 'detail~/Key \(id\)/' in.ndjson
	assert_brief '10:00:02.000 log_entry ERROR duplicate key value violates unique constraint "orders_pkey" <- pattern:detail~/Key \(id\)/'
	run --separate-stderr pg-match 'application~/pgadmin/i and user~/^bob$/' in.ndjson
	assert_brief '10:00:03.000 log_entry FATAL password authentication failed for user "bob" <- pattern:application~/pgadmin/i and pattern:user~/^bob$/'
	# A slash inside a pattern is written \/.
	ev 10:00:04.000 ERROR 'could not open file \"base/1/2\"' >slash.ndjson
	run --separate-stderr pg-match '/base\/1\//' slash.ndjson
	assert_brief '10:00:04.000 log_entry ERROR could not open file "base/1/2" <- pattern:/base\/1\//'
}

@test "exclusion: !/re/, field!~/re/ (true without the field), !LEVEL, !sqlstate:" {
	{
		ev 10:00:00.000 ERROR 'canceling statement due to user request' '"sqlstate":"57014","user":"app"'
		ev 10:00:01.000 ERROR 'division by zero' '"sqlstate":"22012","user":"app"'
		ev 10:00:02.000 ERROR 'relation \"t\" does not exist' '"sqlstate":"42P01","user":"report"'
		ev 10:00:03.000 FATAL 'the database system is starting up' '"sqlstate":"57P03"'
	} >in.ndjson
	run --separate-stderr pg-match 'errors and !/canceling statement/' in.ndjson
	assert_brief \
		'10:00:01.000 log_entry ERROR division by zero <- level:ERROR and !pattern:/canceling statement/' \
		'10:00:02.000 log_entry ERROR relation "t" does not exist <- level:ERROR and !pattern:/canceling statement/' \
		'10:00:03.000 log_entry FATAL the database system is starting up <- level:FATAL and !pattern:/canceling statement/'
	run --separate-stderr pg-match 'user!~/^app$/' in.ndjson
	assert_brief \
		'10:00:02.000 log_entry ERROR relation "t" does not exist <- pattern:user!~/^app$/' \
		'10:00:03.000 log_entry FATAL the database system is starting up <- pattern:user!~/^app$/'
	run --separate-stderr pg-match '!ERROR and !sqlstate:57P01' in.ndjson
	assert_brief '10:00:03.000 log_entry FATAL the database system is starting up <- !level:ERROR and !sqlstate:57P01'
}

@test "the forms of trigger.rule are rules too: each output, fed its own rule, gives itself back" {
	sample_events
	ev 10:00:00.000 FATAL 'sorry, too many clients already' '"sqlstate":"53300"' >>events.ndjson
	ev 10:00:01.000 FATAL 'terminating connection due to administrator command' '"sqlstate":"57P01"' >>events.ndjson
	local rule
	for rule in 'FATAL PANIC' 'errors and !/duplicate/' '>=WARNING' '/DEADLOCK/i' 'detail~/Key/' \
		'user!~/^app$/' 'sqlstate:53300,57P*' 'errors > 3/min by database' 'FATAL and database~/shop/'; do
		pg-match "$rule" events.ndjson >first.ndjson
		python3 -c 'import json, sys; print("\n".join(sorted({json.loads(l)["trigger"]["rule"] for l in sys.stdin})))' \
			<first.ndjson >rules.txt
		[[ -s first.ndjson ]] || fail "rule '$rule' matched nothing"
		while IFS= read -r canonical; do
			pg-match "$canonical" events.ndjson >again.ndjson
			python3 - first.ndjson again.ndjson "$canonical" <<'EOF'
import json, sys
first = [json.loads(l) for l in open(sys.argv[1])]
again = [json.loads(l) for l in open(sys.argv[2])]
want = [o["event"] for o in first if o["trigger"]["rule"] == sys.argv[3]]
assert want, sys.argv[3]
got = [o["event"] for o in again if o["trigger"]["rule"] == sys.argv[3]]
assert got == want, (sys.argv[3], len(got), len(want))
EOF
		done <rules.txt
	done
}

@test "'or' is refused, with the way to say it" {
	run --separate-stderr pg-match -r 'FATAL or PANIC' </dev/null
	assert_usage_error "bad rule 'FATAL or PANIC': at column 7: 'or' is not supported: give each alternative as a rule of its own (another -r, or another on = line)"
}

@test "a bad rule, as an operand or a flag: status 64, the column and what was expected" {
	local -a cases=(
		'FATAL and|at column 10: expected a level, /pattern/, field~/pattern/ or sqlstate:CODE after '"'and'"
		"FATL|at column 1: unknown level 'FATL' (did you mean 'FATAL'?)"
		"warn|at column 1: unknown level 'warn' (did you mean 'WARNING'?)"
		"xyz|at column 1: unknown level 'xyz': expected a level, /pattern/, field~/pattern/ or sqlstate:CODE (levels: DEBUG5..DEBUG1, INFO, LOG, NOTICE, WARNING, ERROR, FATAL, PANIC, errors)"
		"useer~/x/|at column 1: unknown event field 'useer' (did you mean 'user'?)"
		"/deadlock|at column 1: pattern not closed: expected '/' at the end"
		"/x/g|at column 4: unknown pattern flag 'g' (only i: ignore case)"
		"/(/|at column 2: bad pattern /(/: missing ): ("
		"errors > 50|at column 10: expected N/PERIOD after '>' (as in 50/min or 5/10s)"
		"errors > 50/min by|at column 19: expected an event field after 'by' (database, user, sqlstate, application, …)"
		"errors > 50/min by database user|at column 29: expected the end of the rule, found 'user'"
		"errors > 100001/min|at column 10: a rate threshold above 100000 is not supported"
		"> 5/min|at column 1: expected a condition before '>' (as in errors > 50/min)"
		"FATAL /x/|at column 7: expected 'and', '> N/PERIOD' or the end of the rule, found '/x/'"
		"nope:x|at column 1: unknown condition 'nope:' (sqlstate:, level: or pattern:)"
		"errors > 50/fortnight|at column 13: unknown time unit 'fortnight' (ms, s, min, h or d)"
		"sqlstate:5330|at column 10: expected a SQLSTATE (5 characters, as in 53300) or a class (as in 53* or 57P*)"
	)
	local c rule msg
	for c in "${cases[@]}"; do
		rule=${c%%|*} msg=${c#*|}
		run --separate-stderr pg-match -r "$rule" </dev/null
		assert_usage_error "bad rule '$rule': $msg"
		run --separate-stderr pg-match "$rule" </dev/null
		assert_usage_error "bad rule '$rule': $msg"
	done
	run --separate-stderr pg-match 'xyzzy~/x/' </dev/null
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "pg-match: bad rule 'xyzzy~/x/': at column 1: unknown event field 'xyzzy' (type, level, sqlstate, message, detail, hint, context, statement, query, location, user, database, application, remote_host, remote_port, local_address, session_id, line_num, session_start, command_tag, vxid, xid, backend_type, query_id, leader_pid, pid, fingerprint)"
}

# --- rates ---------------------------------------------------------------------

@test "rate: fires on the (N+1)th event in the window, once, with its counts and times" {
	{
		ev 10:00:00.000 ERROR 'e 1'
		ev 10:00:10.000 ERROR 'e 2'
		ev 10:00:20.000 LOG 'not an error'
		ev 10:00:25.000 ERROR 'e 3'
		ev 10:00:30.000 ERROR 'division by zero'
		ev 10:00:40.000 ERROR 'e 5'
		ev 10:00:50.000 ERROR 'e 6'
	} >in.ndjson
	run --separate-stderr pg-match 'errors > 3/min' in.ndjson
	assert_equal "$status" 0
	assert_stderr
	assert_brief '10:00:30.000 rate_threshold 4 4 errors in the last 60 s (threshold 3/min) <- rate:errors > 3/min'
	ndjson_check 'ev[0]["instance"] == {"name": "pg16", "host": "db1"} and E[0]["level"] == "ERROR" and E[0]["threshold"] == 3
		and E[0]["window_seconds"] == 60 and E[0]["first_timestamp"] == "2024-01-15T10:00:00.000Z"
		and E[0]["last_timestamp"] == "2024-01-15T10:00:30.000Z" and E[0]["sample_message"] == "division by zero"
		and "key" not in E[0] and len(E[0]["fingerprint"]) == 16'
	# Three in the window is not more than 3.
	head -n 4 in.ndjson >three.ndjson
	run --separate-stderr pg-match -e 'errors > 3/min' three.ndjson
	assert_equal "$status" 1
	assert_output ""
}

@test "rate: the window is (t-W, t]: an event exactly W older has left it" {
	{
		ev 10:00:00.000 FATAL a
		ev 10:00:10.000 FATAL b
		ev 10:00:20.000 FATAL c
		ev 10:01:00.000 FATAL d
	} >edge.ndjson
	run --separate-stderr pg-match -e 'FATAL > 3/min' edge.ndjson
	assert_equal "$status" 1
	{
		ev 10:00:00.000 FATAL a
		ev 10:00:10.000 FATAL b
		ev 10:00:20.000 FATAL c
		ev 10:00:59.999 FATAL d
	} >inside.ndjson
	run --separate-stderr pg-match 'FATAL > 3/min' inside.ndjson
	assert_brief '10:00:59.999 rate_threshold 4 4 FATAL events in the last 60 s (threshold 3/min) <- rate:FATAL > 3/min'
	# > 0 fires on the first event.
	run --separate-stderr pg-match '/deadlock/ > 0/h' <(ev 10:00:00.000 ERROR 'deadlock detected')
	assert_brief '10:00:00.000 rate_threshold 1 1 event matching /deadlock/ in the last 1 h (threshold 0/h) <- rate:/deadlock/ > 0/h'
}

@test "rate: rate_resolved once the count stayed at N or below for a whole window, then it fires again" {
	{
		ev 10:00:00.000 ERROR a
		ev 10:00:10.000 ERROR b
		ev 10:00:20.000 ERROR c
		ev 10:00:30.000 ERROR d
		ev 10:00:40.000 ERROR e
		ev 10:00:50.000 ERROR f
		# More than 3 in the window until 10:01:20 (c leaves), so re-armed at 10:02:20.
		ev 10:02:19.999 ERROR g
		ev 10:02:20.000 ERROR h
		ev 10:02:21.000 ERROR i
		ev 10:02:22.000 ERROR j
	} >in.ndjson
	run --separate-stderr pg-match 'errors > 3/min' in.ndjson
	assert_equal "$status" 0
	assert_brief \
		'10:00:30.000 rate_threshold 4 4 errors in the last 60 s (threshold 3/min) <- rate:errors > 3/min' \
		'10:02:20.000 rate_resolved 1 errors back to 1 in the last 60 s (threshold 3/min) <- rate:errors > 3/min' \
		'10:02:22.000 rate_threshold 4 4 errors in the last 60 s (threshold 3/min) <- rate:errors > 3/min'
	ndjson_check 'E[1]["first_timestamp"] == "2024-01-15T10:00:30.000Z" and E[1]["fingerprint"] == E[0]["fingerprint"] == E[2]["fingerprint"]
		and E[1]["level"] == "ERROR" and E[1]["threshold"] == 3 and E[1]["window_seconds"] == 60'
}

@test "rate: a count hovering at the threshold does not flap" {
	{
		ev 10:00:00.000 ERROR a
		ev 10:00:10.000 ERROR b
		ev 10:00:20.000 ERROR c
		ev 10:00:30.000 ERROR d
		local t
		# One every 20 s: 3 in each window, never more.
		for t in 10:00:50 10:01:10 10:01:30 10:01:50 10:02:10 10:02:30 10:02:50 10:03:10 10:03:30 10:03:50; do
			ev "$t.000" ERROR h
		done
	} >in.ndjson
	run --separate-stderr pg-match 'errors > 3/min' in.ndjson
	assert_brief \
		'10:00:30.000 rate_threshold 4 4 errors in the last 60 s (threshold 3/min) <- rate:errors > 3/min' \
		'10:02:30.000 rate_resolved 2 errors back to 2 in the last 60 s (threshold 3/min) <- rate:errors > 3/min'
}

@test "rate by database: each key counted, fired and keyed on its own" {
	{
		ev 10:00:00.000 ERROR x '"database":"shop"'
		ev 10:00:01.000 ERROR x '"database":"crm"'
		ev 10:00:02.000 ERROR x '"database":"shop"'
		ev 10:00:03.000 ERROR x '"database":"crm"'
		ev 10:00:04.000 ERROR x '"database":"shop"'
		ev 10:00:05.000 ERROR x '"database":"hr"'
		ev 10:00:06.000 ERROR x '"database":"crm"'
		ev 10:00:07.000 ERROR x '"database":"shop"'
	} >in.ndjson
	run --separate-stderr pg-match 'errors > 2/min by database' in.ndjson
	assert_brief \
		'10:00:04.000 rate_threshold 3 3 errors for database shop in the last 60 s (threshold 2/min) <- rate:errors > 2/min by database' \
		'10:00:06.000 rate_threshold 3 3 errors for database crm in the last 60 s (threshold 2/min) <- rate:errors > 2/min by database'
	ndjson_check 'E[0]["key"] == {"database": "shop"} and E[1]["key"] == {"database": "crm"} and E[0]["fingerprint"] != E[1]["fingerprint"]'
	run --separate-stderr pg-match 'errors > 1/min by database,user' <(ev 10:00:00.000 ERROR x '"database":"shop","user":"a"'; ev 10:00:01.000 ERROR x '"database":"shop","user":"b"'; ev 10:00:02.000 ERROR x '"database":"shop","user":"a"')
	ndjson_check 'len(E) == 1 and E[0]["key"] == {"database": "shop", "user": "a"} and E[0]["message"] == "2 errors for database shop, user a in the last 60 s (threshold 1/min)"'
}

@test "rate by database: memory stays bounded; keys beyond the limit are said once, not counted silently" {
	python3 -c '
import json
for i in range(10050):
    print(json.dumps({"timestamp": "2024-01-01T10:00:00Z", "event": {"type": "log_entry", "level": "ERROR", "message": "x", "database": "db%d" % i}}))
for i in range(3):
    print(json.dumps({"timestamp": "2024-01-01T10:00:01Z", "event": {"type": "log_entry", "level": "ERROR", "message": "x", "database": "db1"}}))
' >in.ndjson
	run --separate-stderr pg-match 'errors > 2/min by database' in.ndjson
	assert_success
	assert_stderr "pg-match: rule 'errors > 2/min by database': more than 10000 keys at once; events of further keys are not counted"
	ndjson_check 'len(E) == 1 and E[0]["key"] == {"database": "db1"}'
}

@test "rate by database: rate_resolved says which key fell back" {

	{
		ev 10:00:00.000 ERROR x '"database":"shop"'
		ev 10:00:01.000 ERROR x '"database":"shop"'
		ev 10:00:02.000 ERROR x '"database":"shop"'
		ev 10:05:00.000 LOG later
	} >in.ndjson
	run --separate-stderr pg-match 'errors > 2/min by database' in.ndjson
	ndjson_check 'E[1]["type"] == "rate_resolved" and E[1]["key"] == {"database": "shop"} and "database shop" in E[1]["message"]'
}

# --- throttle and dedup --------------------------------------------------------

@test "--throttle: the rest of the period summed up in one suppressed event, at the period's end" {
	{
		ev 10:00:00.000 FATAL 'too many connections for role \"app1\"'
		ev 10:00:05.000 FATAL 'too many connections for role \"app2\"'
		ev 10:00:10.000 FATAL 'too many connections for role \"app3\"'
		ev 10:00:15.000 PANIC 'could not write to file \"pg_wal/xlogtemp.1\": No space left on device'
		ev 10:00:20.000 FATAL 'too many connections for role \"app4\"'
		ev 10:00:30.000 ERROR 'not matched, not counted'
		ev 10:01:05.000 FATAL 'the next period'
	} >in.ndjson
	run --separate-stderr pg-match 'FATAL PANIC' --throttle 2/min in.ndjson
	assert_equal "$status" 0
	assert_stderr
	assert_brief \
		'10:00:00.000 log_entry FATAL too many connections for role "app1" <- level:FATAL' \
		'10:00:05.000 log_entry FATAL too many connections for role "app2" <- level:FATAL' \
		'10:01:00.000 suppressed 3 3 events suppressed in 1 min (throttle 2/min) <- throttle:2/min' \
		'10:01:05.000 log_entry FATAL the next period <- level:FATAL'
	ndjson_check 'E[2]["period_seconds"] == 60 and E[2]["levels"] == {"FATAL": 2, "PANIC": 1}
		and E[2]["top_messages"] == [{"message": "too many connections for role \"app3\"", "count": 2},
		                             {"message": "could not write to file \"pg_wal/xlogtemp.1\": No space left on device", "count": 1}]
		and E[2]["first_timestamp"] == "2024-01-15T10:00:10.000Z" and E[2]["last_timestamp"] == "2024-01-15T10:00:20.000Z"
		and ev[2]["instance"] == {"name": "pg16", "host": "db1"} and len(E[2]["fingerprint"]) == 16'
}

@test "--throttle: tumbling periods from the first event; a quiet stretch skips whole periods" {

	{
		ev 10:00:00.500 FATAL a
		ev 10:00:30.000 FATAL b
		ev 10:01:00.499 FATAL c
		ev 10:01:00.500 FATAL d
		ev 10:03:30.000 FATAL e
		ev 10:03:31.000 FATAL f
		ev 10:04:00.500 FATAL g
	} >in.ndjson
	run --separate-stderr pg-match FATAL --throttle 1/min in.ndjson
	assert_brief \
		'10:00:00.500 log_entry FATAL a <- level:FATAL' \
		'10:01:00.500 suppressed 2 2 events suppressed in 1 min (throttle 1/min) <- throttle:1/min' \
		'10:01:00.500 log_entry FATAL d <- level:FATAL' \
		'10:03:30.000 log_entry FATAL e <- level:FATAL' \
		'10:04:00.500 suppressed 1 1 event suppressed in 1 min (throttle 1/min) <- throttle:1/min' \
		'10:04:00.500 log_entry FATAL g <- level:FATAL'
}

@test "--throttle 1/min: an event five quiet minutes after the last one opens a new period and is sent" {

	{
		ev 10:00:00.000 FATAL a
		ev 10:05:00.000 FATAL b
	} >in.ndjson
	run --separate-stderr pg-match FATAL --throttle 1/min in.ndjson
	assert_brief '10:00:00.000 log_entry FATAL a <- level:FATAL' '10:05:00.000 log_entry FATAL b <- level:FATAL'
}

@test "--throttle: rate events are not throttled, and a pending summary is written at the end of input" {
	{
		local i
		for i in 0 1 2 3 4 5; do ev "10:00:0$i.000" ERROR "error $i"; done
	} >in.ndjson
	run --separate-stderr pg-match -r errors -r 'errors > 2/min' --throttle 1/min in.ndjson
	assert_brief \
		'10:00:00.000 log_entry ERROR error 0 <- level:ERROR' \
		'10:00:02.000 rate_threshold 3 3 errors in the last 60 s (threshold 2/min) <- rate:errors > 2/min' \
		'10:00:05.000 suppressed 5 5 events suppressed in 1 min (throttle 1/min) <- throttle:1/min'
	ndjson_check 'E[2]["top_messages"] == [{"message": "error 1", "count": 5}]'
}

@test "--dedup: repeats that differ only in numbers or quoted literals are folded into one summary" {
	{
		ev 10:00:00.000 ERROR 'duplicate key value violates unique constraint \"orders_pkey\"' '"sqlstate":"23505","detail":"Key (id)=(42) already exists."'
		ev 10:00:01.000 ERROR 'duplicate key value violates unique constraint \"users_pkey\"' '"sqlstate":"23505","detail":"Key (id)=(43) already exists."'
		ev 10:00:02.000 ERROR 'value 42 is out of range for type integer in '"'"'abc'"'"''
		ev 10:00:03.000 ERROR 'value 2147483648 is out of range for type integer in '"'"'xyz'"'"''
		ev 10:00:04.000 ERROR 'could not read block 0x1F in file base/16384/16385'
		ev 10:00:05.000 ERROR 'could not read block 7 in file base/16384/16999'
		ev 10:00:06.000 ERROR 'division by zero'
		ev 10:00:07.000 FATAL 'division by zero'
		ev 10:00:08.000 ERROR 'division by zero in table1'
		ev 10:00:09.000 ERROR 'division by zero in table2'
	} >in.ndjson
	run --separate-stderr pg-match errors --dedup 5m in.ndjson
	assert_equal "$status" 0
	assert_brief \
		'10:00:00.000 log_entry ERROR duplicate key value violates unique constraint "orders_pkey" <- level:ERROR' \
		"10:00:02.000 log_entry ERROR value 42 is out of range for type integer in 'abc' <- level:ERROR" \
		'10:00:04.000 log_entry ERROR could not read block 0x1F in file base/16384/16385 <- level:ERROR' \
		'10:00:06.000 log_entry ERROR division by zero <- level:ERROR' \
		'10:00:07.000 log_entry FATAL division by zero <- level:FATAL' \
		'10:00:08.000 log_entry ERROR division by zero in table1 <- level:ERROR' \
		'10:00:09.000 log_entry ERROR division by zero in table2 <- level:ERROR' \
		'10:00:09.000 suppressed 3 3 similar events suppressed in 5 min <- dedup:5min'
	ndjson_check 'E[7]["period_seconds"] == 300 and E[7]["levels"] == {"ERROR": 3} and len(E[7]["top_messages"]) == 3
		and E[7]["first_timestamp"] == "2024-01-15T10:00:01.000Z" and E[7]["last_timestamp"] == "2024-01-15T10:00:05.000Z"'
}

@test "--dedup: the window counts from the first event sent, not from the latest repeat" {
	{
		ev 10:00:00.000 ERROR 'lock timeout on relation 1'
		ev 10:02:00.000 ERROR 'lock timeout on relation 2'
		ev 10:04:59.999 ERROR 'lock timeout on relation 3'
		ev 10:05:00.000 ERROR 'lock timeout on relation 4'
		ev 10:05:01.000 ERROR 'lock timeout on relation 5'
	} >in.ndjson
	run --separate-stderr pg-match errors --dedup 5m in.ndjson
	assert_brief \
		'10:00:00.000 log_entry ERROR lock timeout on relation 1 <- level:ERROR' \
		'10:05:00.000 suppressed 2 2 similar events suppressed in 5 min <- dedup:5min' \
		'10:05:00.000 log_entry ERROR lock timeout on relation 4 <- level:ERROR' \
		'10:05:01.000 suppressed 1 1 similar event suppressed in 5 min <- dedup:5min'
}

@test "fingerprint: the same for messages that differ in numbers and literals, kept when the event has one" {
	{
		ev 10:00:00.000 ERROR 'duplicate key value violates unique constraint \"orders_pkey\"' '"sqlstate":"23505"'
		ev 10:00:01.000 ERROR 'duplicate key value violates unique constraint \"users_pkey\"' '"sqlstate":"23505"'
		ev 10:00:02.000 FATAL 'duplicate key value violates unique constraint \"users_pkey\"' '"sqlstate":"23505"'
		ev 10:00:03.000 ERROR 'duplicate key value violates unique constraint \"users_pkey\"' '"sqlstate":"23000"'
		ev 10:00:04.000 ERROR 'anything' '"fingerprint":"0123456789abcdef"'
	} >in.ndjson
	run --separate-stderr pg-match errors in.ndjson
	ndjson_check 'E[0]["fingerprint"] == E[1]["fingerprint"] and len({e["fingerprint"] for e in E[1:4]}) == 3
		and E[4]["fingerprint"] == "0123456789abcdef" and ev[4]["event"] == {"type": "log_entry", "level": "ERROR", "message": "anything", "fingerprint": "0123456789abcdef"}'
}

@test "--throttle and --dedup together: a repeat is held whatever the throttle; only what is sent counts" {
	{
		ev 10:00:00.000 ERROR 'timeout 1'
		ev 10:00:01.000 ERROR 'timeout 2'
		ev 10:00:02.000 ERROR 'other'
		ev 10:00:03.000 ERROR 'third'
		ev 10:01:00.000 ERROR 'next'
	} >in.ndjson
	run --separate-stderr pg-match errors --throttle 2/min --dedup 1h in.ndjson
	assert_brief \
		'10:00:00.000 log_entry ERROR timeout 1 <- level:ERROR' \
		'10:00:02.000 log_entry ERROR other <- level:ERROR' \
		'10:01:00.000 suppressed 2 2 events suppressed in 1 min (throttle 2/min) <- throttle:2/min' \
		'10:01:00.000 log_entry ERROR next <- level:ERROR'
}

# --- --explain, --dry-run, --summary ---------------------------------------------

@test "--explain: trigger.explain names the rule and how each condition held" {
	{
		ev 10:00:00.000 FATAL 'sorry, too many clients already' '"sqlstate":"53300","user":"app"'
	} >in.ndjson
	run --separate-stderr pg-match --explain -r PANIC -r 'FATAL PANIC and sqlstate:53* and !user~/^postgres$/' in.ndjson
	assert_equal "$status" 0
	ndjson_check 'ev[0]["trigger"] == {"rule": "level:FATAL and sqlstate:53* and pattern:user!~/^postgres$/",
		"explain": "rule 2 '"'"'FATAL, PANIC and sqlstate:53* and user!~/^postgres$/'"'"': level FATAL matches FATAL, PANIC; sqlstate 53300 matches sqlstate:53*; user app does not match /^postgres$/"}'
	run --separate-stderr pg-match --explain '/many clients/' in.ndjson
	ndjson_check 'ev[0]["trigger"]["explain"] == "rule 1 '"'"'/many clients/'"'"': message sorry, too many clients already matches /many clients/"'
}

@test "--explain: a value cut at 80 bytes stays valid UTF-8" {

	ev 10:00:00.000 ERROR "$(printf 'a%.0s' {1..79})ü tail" >in.ndjson
	pg-match --explain 'errors and /tail/' in.ndjson >out.ndjson
	ndjson_check 'len(ev) == 1' out.ndjson
}

@test "--dry-run: nothing written, status 0; with -e, 0 when something would have fired" {
	sample_events
	run --separate-stderr pg-match --dry-run FATAL events.ndjson
	assert_equal "$status" 0
	assert_output ""
	assert_stderr
	run --separate-stderr pg-match -n -e FATAL events.ndjson
	assert_equal "$status" 0
	assert_output ""
	run --separate-stderr pg-match -n -e PANIC events.ndjson
	assert_equal "$status" 1
}

@test "--dry-run --summary: the table on stdout, per rule what matched" {
	sample_events
	run --separate-stderr pg-match -n --summary -r 'FATAL PANIC' -r /deadlock/ -r 'errors > 3/min' --throttle 2/min events.ndjson
	assert_equal "$status" 0
	assert_stderr
	assert_output "WEBHOOK              STATE     SENT   EVENTS     RATE  SUMMARIES SUPPRESSED
-                    on           4        2        1          1          3
         3 matched  FATAL, PANIC
         2 matched  /deadlock/
         1 matched  errors > 3/min"
}

@test "--dry-run --summary --json: one JSON object" {
	sample_events
	run --separate-stderr pg-match -n --summary --json -r 'FATAL PANIC' -r /deadlock/ -r 'errors > 3/min' --throttle 2/min events.ndjson
	assert_equal "$status" 0
	assert_stderr
	assert_output '{"webhooks":[{"enabled":true,"sent":4,"events":2,"rate_threshold":1,"rate_resolved":0,"summaries":1,"suppressed":3,"rules":[{"rule":"FATAL, PANIC","matched":3},{"rule":"/deadlock/","matched":2},{"rule":"errors > 3/min","matched":1}]}]}'
}

@test "--summary without --dry-run: the events on stdout, the table on stderr" {
	sample_events
	run --separate-stderr pg-match --summary FATAL events.ndjson
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 3
	assert_stderr "WEBHOOK              STATE     SENT   EVENTS     RATE  SUMMARIES SUPPRESSED" \
		"-                    on           3        3        0          0          0" \
		"         3 matched  FATAL"
}

# --- exit statuses ---------------------------------------------------------------

@test "-e: status 1 when nothing fired, 0 when something did; without -e, 0 either way" {
	sample_events
	run --separate-stderr pg-match -e PANIC events.ndjson
	assert_equal "$status" 1
	assert_output ""
	assert_stderr
	run --separate-stderr pg-match --exit-status FATAL events.ndjson
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 3
	run --separate-stderr pg-match PANIC events.ndjson
	assert_equal "$status" 0
	assert_output ""
	run --separate-stderr pg-match -e PANIC </dev/null
	assert_equal "$status" 1
	run --separate-stderr pg-match PANIC </dev/null
	assert_equal "$status" 0
	# A suppressed summary or a rate event is something written.
	run --separate-stderr pg-match -e 'errors > 3/min' events.ndjson
	assert_equal "$status" 0
}

@test "bad lines: reported with <stdin>:N or FILE:N, skipped, and the stream goes on" {
	{
		echo 'not json'
		ev 10:00:00.000 FATAL first
		echo '{"a":1}'
		echo '[1]'
		echo
		echo '{"timestamp":"yesterday","event":{"type":"log_entry","level":"FATAL","message":"m"}}'
		echo '{"event":{"level":"FATAL"}}'
		ev 10:00:01.000 FATAL second
	} >in.ndjson
	run --separate-stderr pg-match FATAL <in.ndjson
	assert_equal "$status" 0
	assert_brief '10:00:00.000 log_entry FATAL first <- level:FATAL' '10:00:01.000 log_entry FATAL second <- level:FATAL'
	assert_equal "${#stderr_lines[@]}" 5
	[[ ${stderr_lines[0]} == "pg-match: <stdin>:1: invalid JSON at byte 2: "*", skipped" ]] || fail "line 1: ${stderr_lines[0]}"
	assert_equal "${stderr_lines[1]}" 'pg-match: <stdin>:3: not an event: no "event" object, skipped'
	assert_equal "${stderr_lines[2]}" 'pg-match: <stdin>:4: not an event: not a JSON object, skipped'
	assert_equal "${stderr_lines[3]}" "pg-match: <stdin>:6: not an event: timestamp 'yesterday' is not RFC 3339, skipped"
	assert_equal "${stderr_lines[4]}" 'pg-match: <stdin>:7: not an event: no event.type, skipped'
	run --separate-stderr pg-match FATAL in.ndjson
	assert_equal "$status" 0
	assert_equal "${stderr_lines[1]}" 'pg-match: in.ndjson:3: not an event: no "event" object, skipped'
}

@test "bad lines: the message of invalid JSON ends without a stray period" {

	run --separate-stderr pg-match FATAL <<<'not json'
	assert_stderr "pg-match: <stdin>:1: invalid JSON at byte 2: Invalid value, skipped"
}

@test "a missing file: status 66, said once, the other files still read" {
	ev 10:00:00.000 FATAL here >a.ndjson
	run --separate-stderr pg-match FATAL nosuch.ndjson a.ndjson
	assert_equal "$status" 66
	assert_stderr "pg-match: cannot open nosuch.ndjson: No such file or directory"
	assert_brief '10:00:00.000 log_entry FATAL here <- level:FATAL'
}

@test "an input without one valid line: status 65, after reading it all" {
	printf 'just\nsome text\n' >text.log
	run --separate-stderr pg-match FATAL text.log
	assert_equal "$status" 65
	assert_output ""
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} == "pg-match: text.log:1: invalid JSON at byte 1: "*", skipped" ]] || fail "${stderr_lines[0]}"
	[[ ${stderr_lines[1]} == "pg-match: text.log:2: invalid JSON at byte 1: "*", skipped" ]] || fail "${stderr_lines[1]}"
	# Empty input is not unusable: nothing to say.
	run --separate-stderr pg-match FATAL </dev/null
	assert_equal "$status" 0
	assert_stderr
}

@test "a full disk on stdout: status 74, said once" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	sample_events
	run --separate-stderr bash -c 'pg-match FATAL events.ndjson >/dev/full'
	assert_equal "$status" 74
	assert_stderr "pg-match: write error on standard output: No space left on device"
}

@test "output piped to head -1: pg-match ends quietly" {
	sample_events
	local i
	for i in $(seq 1 300); do cat events.ndjson; done >many.ndjson
	run --separate-stderr bash -c 'pg-match "errors" many.ndjson | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_stderr
	[[ $output == 0 || $output == 141 ]] || fail "pg-match exit status $output on a closed pipe"
}

@test "events without a timestamp in a file are not put in 1970" {

	printf '%s\n' '{"event":{"type":"raw","message":"segfault"}}' '{"event":{"type":"raw","message":"segfault"}}' >raw.ndjson
	run --separate-stderr pg-match '/segfault/ > 1/min' raw.ndjson
	assert_equal "${#lines[@]}" 1
	ndjson_check 'not ev[0]["timestamp"].startswith("1970")'
}

@test "pg-match after pg-match: the earlier trigger is replaced" {
	sample_events
	run --separate-stderr bash -c 'pg-match errors events.ndjson | pg-match --explain FATAL'
	assert_equal "$status" 0
	ndjson_check 'len(ev) == 3 and all(o["trigger"]["rule"] == "level:FATAL" and o["trigger"]["explain"].startswith("rule 1 ") for o in ev)
		and all(list(o) == ["timestamp", "instance", "event", "trigger"] for o in ev)'
}

# --- live input: a pipe that stays open -------------------------------------------

# start_stream ARGS...: runs pg-match ARGS reading the FIFO in and writing the
# FIFO out; sets W (fd to write its input), R (fd to read its output), MATCHER (pid).
start_stream() {
	rm -f in out && mkfifo in out
	pg-match "$@" <in >out 2>err.txt &
	MATCHER=$!
	BG_PIDS="${BG_PIDS:-} $MATCHER"
	exec {W}>in
	exec {R}<out
}

# stop_stream: closes the input, waits for pg-match; its status in STREAM_STATUS.
stop_stream() {
	exec {W}>&-
	STREAM_STATUS=0
	wait "$MATCHER" || STREAM_STATUS=$?
	exec {R}<&-
}

@test "live: an event that fires comes out while the writer keeps the pipe open" {
	start_stream FATAL
	ev 10:00:00.000 LOG quiet >&"$W"
	ev 10:00:01.000 FATAL 'the database system is shutting down' >&"$W"
	local line
	read -r -t 10 line <&"$R" || { stop_stream; fail "no event within 10 s while the pipe stays open"; }
	output=$line assert_brief '10:00:01.000 log_entry FATAL the database system is shutting down <- level:FATAL'
	stop_stream
	assert_equal "$STREAM_STATUS" 0
	assert_equal "$(cat err.txt)" ""
}

@test "live: a due suppressed summary is written on the wall clock when input goes quiet" {
	start_stream FATAL --throttle 1/1s
	ev 10:00:00.000 FATAL 'a 1' >&"$W"
	ev 10:00:00.100 FATAL 'a 2' >&"$W"
	ev 10:00:00.200 FATAL 'a 3' >&"$W"
	local first second
	read -r -t 10 first <&"$R" || { stop_stream; fail "no first event"; }
	output=$first assert_brief '10:00:00.000 log_entry FATAL a 1 <- level:FATAL'
	# The period ends 0.8 s of wall time after the last event; allow 2 s.
	read -r -t 2 second <&"$R" || { stop_stream; fail "no suppressed event within 2 s of quiet input"; }
	output=$second assert_brief '10:00:01.000 suppressed 2 2 events suppressed in 1 s (throttle 1/s) <- throttle:1/s'
	kill -0 "$MATCHER" || fail "pg-match ended before its input did"
	stop_stream
	assert_equal "$STREAM_STATUS" 0
}

@test "live: a rate_resolved is written on the wall clock when input goes quiet" {
	start_stream 'FATAL > 1/1s'
	ev 10:00:00.000 FATAL 'a 1' >&"$W"
	ev 10:00:00.100 FATAL 'a 2' >&"$W"
	local first second
	read -r -t 10 first <&"$R" || { stop_stream; fail "no rate_threshold"; }
	output=$first assert_brief '10:00:00.100 rate_threshold 2 2 FATAL events in the last 1 s (threshold 1/1s) <- rate:FATAL > 1/1s'
	# Re-armed when the clock reaches 10:00:02.000, 1.9 s of wall time after the last event.
	read -r -t 4 second <&"$R" || { stop_stream; fail "no rate_resolved within 4 s of quiet input"; }
	output=$second ndjson_check 'E[0]["type"] == "rate_resolved" and E[0]["count"] == 0'
	stop_stream
	assert_equal "$STREAM_STATUS" 0
}

@test "live: a rate_resolved written on the wall clock carries the time it re-armed" {

	start_stream 'FATAL > 1/1s'
	ev 10:00:00.000 FATAL 'a 1' >&"$W"
	ev 10:00:00.100 FATAL 'a 2' >&"$W"
	local first second
	read -r -t 10 first <&"$R" || { stop_stream; fail "no rate_threshold"; }
	read -r -t 4 second <&"$R" || { stop_stream; fail "no rate_resolved within 4 s"; }
	stop_stream
	output=$second ndjson_check 'ev[0]["timestamp"] >= "2024-01-15T10:00:02.000Z"'
}

# --- the webhooks file: --config ----------------------------------------------------

# webhooks_ini: a webhooks file of three webhooks, one of them disabled.
webhooks_ini() {
	cat >webhooks.ini <<'EOF'
[global]
instance_name = shop-primary

[webhook "slack"]
url = https://hooks.slack.com/services/${SLACK_HOOK}
format = slack
on = FATAL PANIC
on = /deadlock/

[webhook "pagerduty"]
url = https://events.pagerduty.com/v2/enqueue
format = pagerduty
routing_key = ${PD_ROUTING_KEY}
on = FATAL
on = errors > 3/min

[webhook "teams"]
url = https://example.webhook.office.com/webhookb2/x
format = teams
on = errors
enabled = no
EOF
}

@test "--config=FILE: one line per event and webhook it fires for, named in trigger.webhook" {
	webhooks_ini
	sample_events
	run --separate-stderr pg-match --config=webhooks.ini events.ndjson
	assert_equal "$status" 0
	assert_stderr
	assert_brief \
		'17:08:35.016 rate_threshold 4 4 errors in the last 60 s (threshold 3/min) <- rate:errors > 3/min @pagerduty' \
		'17:08:35.330 log_entry FATAL database "nosuchdb" does not exist <- level:FATAL @slack' \
		'17:08:35.330 log_entry FATAL database "nosuchdb" does not exist <- level:FATAL @pagerduty' \
		'17:08:35.422 log_entry FATAL role "ghost" does not exist <- level:FATAL @slack' \
		'17:08:35.422 log_entry FATAL role "ghost" does not exist <- level:FATAL @pagerduty' \
		'17:08:36.836 log_entry LOG process 8588 detected deadlock while waiting for ShareLock on transaction 733 after 100.097 ms <- pattern:/deadlock/ @slack' \
		'17:08:36.836 log_entry ERROR deadlock detected <- pattern:/deadlock/ @slack' \
		'17:08:37.904 log_entry FATAL remaining connection slots are reserved for non-replication superuser connections <- level:FATAL @slack' \
		'17:08:37.904 log_entry FATAL remaining connection slots are reserved for non-replication superuser connections <- level:FATAL @pagerduty'
}

@test "--config --webhook NAME: that webhook only; an unknown name lists the known ones" {
	webhooks_ini
	sample_events
	run --separate-stderr pg-match --config=webhooks.ini --webhook pagerduty events.ndjson
	assert_equal "$status" 0
	ndjson_check 'len(ev) == 4 and all(o["trigger"]["webhook"] == "pagerduty" for o in ev)'
	run --separate-stderr pg-match --config=webhooks.ini -w slack --explain events.ndjson
	ndjson_check 'len(ev) == 5 and ev[0]["trigger"]["explain"] == "webhook slack, rule 1 '"'"'FATAL, PANIC'"'"': level FATAL matches FATAL, PANIC"'
	run --separate-stderr pg-match --config=webhooks.ini --webhook nope events.ndjson
	assert_usage_error "no webhook 'nope' in webhooks.ini (slack, pagerduty, teams)"
}

@test "--config: a disabled webhook fires nothing, and the summary says it is off" {
	webhooks_ini
	sample_events
	run --separate-stderr pg-match --config=webhooks.ini --webhook teams -e events.ndjson
	assert_equal "$status" 1
	assert_output ""
	run --separate-stderr pg-match --config=webhooks.ini --dry-run --summary events.ndjson
	assert_equal "$status" 0
	assert_output "WEBHOOK              STATE     SENT   EVENTS     RATE  SUMMARIES SUPPRESSED
slack                on           5        5        0          0          0
         3 matched  FATAL, PANIC
         2 matched  /deadlock/
pagerduty            on           4        3        1          0          0
         3 matched  FATAL
         1 matched  errors > 3/min
teams                off          0        0        0          0          0
         0 matched  errors"
}

@test "--config: each webhook's throttle and dedup, apart" {
	cat >w.ini <<'EOF'
[webhook "a"]
on = FATAL
throttle = 1/min

[webhook "b"]
on = FATAL
dedup = 5m
EOF
	{
		ev 10:00:00.000 FATAL 'role \"x\" does not exist'
		ev 10:00:01.000 FATAL 'role \"y\" does not exist'
		ev 10:00:02.000 FATAL 'database \"z\" does not exist'
	} >in.ndjson
	run --separate-stderr pg-match --config=w.ini in.ndjson
	assert_equal "$status" 0
	assert_brief \
		'10:00:00.000 log_entry FATAL role "x" does not exist <- level:FATAL @a' \
		'10:00:00.000 log_entry FATAL role "x" does not exist <- level:FATAL @b' \
		'10:00:02.000 log_entry FATAL database "z" does not exist <- level:FATAL @b' \
		'10:00:02.000 suppressed 2 2 events suppressed in 1 min (throttle 1/min) <- throttle:1/min @a' \
		'10:00:02.000 suppressed 1 1 similar event suppressed in 5 min <- dedup:5min @b'
}

@test "--config: a bad rule in the file: status 78 with file:line, before any input is read" {
	printf '[webhook "a"]\non = FATAL\non = FATL or PANIC\n' >bad.ini
	run --separate-stderr pg-match --config=bad.ini </dev/null
	assert_equal "$status" 78
	assert_output ""
	assert_stderr "pg-match: bad.ini:3: bad rule 'FATL or PANIC': at column 1: unknown level 'FATL' (did you mean 'FATAL'?)"
	printf '[webhook "a"]\non = FATAL or PANIC\n' >or.ini
	run --separate-stderr pg-match --config=or.ini </dev/null
	assert_equal "$status" 78
	assert_stderr "pg-match: or.ini:2: bad rule 'FATAL or PANIC': at column 7: 'or' is not supported: give each alternative as a rule of its own (another -r, or another on = line)"
}

@test "--config: a bad key or a missing file: status 78" {
	printf '[webhook "a"]\non = FATAL\nthrotle = 1/min\n' >bad.ini
	run --separate-stderr pg-match --config=bad.ini </dev/null
	assert_equal "$status" 78
	assert_stderr "pg-match: bad.ini:3: unknown key 'throtle' (did you mean 'throttle'?)"
	run --separate-stderr pg-match --config=nosuch.ini </dev/null
	assert_equal "$status" 78
	assert_stderr "pg-match: cannot open nosuch.ini: No such file or directory"
}

@test "--config without a file: \$PGTAIL_CONFIG, else \$XDG_CONFIG_HOME/pgtail, else ~/.config/pgtail" {
	webhooks_ini
	sample_events
	mkdir -p home/.config/pgtail xdg/pgtail
	printf '[webhook "home"]\non = PANIC\n' >home/.config/pgtail/webhooks.ini
	printf '[webhook "xdg"]\non = /deadlock/\n' >xdg/pgtail/webhooks.ini
	run --separate-stderr env HOME="$PWD/home" PGTAIL_CONFIG=webhooks.ini XDG_CONFIG_HOME="$PWD/xdg" pg-match --config -n --summary --json events.ndjson
	assert_output --partial '"webhook":"slack"'
	run --separate-stderr env HOME="$PWD/home" XDG_CONFIG_HOME="$PWD/xdg" pg-match --config -n --summary --json events.ndjson
	assert_output --partial '"webhook":"xdg"'
	run --separate-stderr env HOME="$PWD/home" XDG_CONFIG_HOME=relative pg-match --config -n --summary --json events.ndjson
	assert_output --partial '"webhook":"home"'
	run --separate-stderr env HOME="$PWD/home" pg-match --config -n --summary --json events.ndjson
	assert_output --partial '"webhook":"home"'
}

@test "--config: a file with no webhook warns that nothing can fire" {
	printf '[global]\ninstance_name = x\n' >empty.ini
	run --separate-stderr pg-match --config=empty.ini -e <(ev 10:00:00.000 PANIC p)
	assert_equal "$status" 1
	assert_stderr "pg-match: warning: no webhook in empty.ini: nothing can fire"
}

# wait_for_stderr LINE: waits (5 s at most) until err.txt of the stream holds LINE.
wait_for_stderr() {
	local i
	for i in $(seq 1 100); do
		grep -qxF -- "$1" err.txt && return 0
		sleep 0.05
	done
	printf 'no "%s" on stderr within 5 s; stderr:\n%s\n' "$1" "$(cat err.txt)"
	return 1
}

@test "--config: SIGHUP reads the file again; the stream goes on with the new rules" {
	printf '[webhook "a"]\non = FATAL\n' >live.ini
	start_stream --config=live.ini
	ev 10:00:00.000 FATAL one >&"$W"
	local line
	read -r -t 10 line <&"$R" || { stop_stream; fail "no first event"; }
	printf '[webhook "a"]\non = errors\non = /deadlock/\n' >live.ini
	kill -HUP "$MATCHER"
	wait_for_stderr "pg-match: config reloaded from live.ini" || { stop_stream; fail; }
	ev 10:00:01.000 LOG 'process 7 detected deadlock while waiting for ShareLock' >&"$W"
	read -r -t 10 line <&"$R" || { stop_stream; fail "no event after the new file was read"; }
	output=$line assert_brief '10:00:01.000 log_entry LOG process 7 detected deadlock while waiting for ShareLock <- pattern:/deadlock/ @a'
	stop_stream
	assert_equal "$STREAM_STATUS" 0
}

@test "--config: a bad file on SIGHUP is reported and the rules in use are kept" {
	printf '[webhook "a"]\non = FATAL\n' >live.ini
	start_stream --config=live.ini
	ev 10:00:00.000 FATAL one >&"$W"
	local line
	read -r -t 10 line <&"$R" || { stop_stream; fail "no first event"; }
	printf '[webhook "a"]\non = FATL\n' >live.ini
	kill -HUP "$MATCHER"
	wait_for_stderr "pg-match: config not reloaded: keeping the rules in use" || { stop_stream; fail; }
	ev 10:00:01.000 FATAL two >&"$W"
	read -r -t 10 line <&"$R" || { stop_stream; fail "no event with the old rules"; }
	output=$line assert_brief '10:00:01.000 log_entry FATAL two <- level:FATAL @a'
	stop_stream
	assert_equal "$STREAM_STATUS" 0
	assert_equal "$(cat err.txt)" "pg-match: live.ini:2: bad rule 'FATL': at column 1: unknown level 'FATL' (did you mean 'FATAL'?)
pg-match: config not reloaded: keeping the rules in use"
}

@test "--config: events held back when SIGHUP changes the throttle are still summed up" {

	printf '[webhook "a"]\non = FATAL\nthrottle = 1/h\n' >live.ini
	start_stream --config=live.ini
	ev 10:00:00.000 FATAL one >&"$W"
	ev 10:00:01.000 FATAL two >&"$W"
	local line
	read -r -t 10 line <&"$R" || { stop_stream; fail "no first event"; }
	printf '[webhook "a"]\non = FATAL\nthrottle = 2/h\n' >live.ini
	kill -HUP "$MATCHER"
	wait_for_stderr "pg-match: config reloaded from live.ini" || { stop_stream; fail; }
	exec {W}>&-
	local rest
	rest=$(timeout 10 cat <&"$R")
	stop_stream
	output=$rest ndjson_check 'len(E) == 1 and E[0]["type"] == "suppressed" and E[0]["count"] == 1'
}

# --- man/pg-match.1: its OUTPUT samples and its EXAMPLES, run ---------------------------

@test "pg-match(1): every sample of output in the page is what pg-match writes" {
	ln -s "$PGT_ROOT/examples" examples
	python3 - "$PAGE" <<'EOF'
import re, subprocess, sys
text = open(sys.argv[1]).read()
def unroff(s):
    return s.replace("\\e", "\\").replace("\\(dq", '"').replace("\\&", "")
lines = text.splitlines()
checked = 0
i = 0
while i < len(lines):
    m = re.match(r'\.\\" (test|file): (.*)', lines[i])
    if not m:
        i += 1
        continue
    kind, arg = m.groups()
    start = lines.index(".Bd -literal -offset indent", i) + 1
    end = lines.index(".Ed", start)
    block = [unroff(l) for l in lines[start:end]]
    if kind == "file":
        open(arg, "w").write("\n".join(block) + "\n")
    else:
        got = subprocess.run(["bash", "-c", arg], capture_output=True, text=True)
        if got.returncode != 0 or got.stderr:
            sys.exit(f"{arg}: status {got.returncode}: {got.stderr}")
        if block[0].startswith("{"):
            want = []
            for l in block:
                if l.startswith("{"):
                    want.append(l)
                else:
                    want[-1] += l.strip()
        else:
            want = block
        if got.stdout.splitlines() != want:
            sys.exit(f"{arg}:\nthe page shows:\n" + "\n".join(want) + "\npg-match writes:\n" + got.stdout)
        checked += 1
    i = end
if checked < 6:
    sys.exit(f"only {checked} samples found")
EOF
}

@test "pg-match(1): every EXAMPLE has its test below" {
	run python3 - "$PAGE" "$BATS_TEST_FILENAME" <<'EOF'
import sys
text, tests = open(sys.argv[1]).read(), open(sys.argv[2]).read()
examples = text.split(".Sh EXAMPLES", 1)[1].split(".Sh ", 1)[0]
missing = []
for line in examples.splitlines():
    if line.startswith(".Dl "):
        cmd = line[4:].replace("\\(dq", '"').replace("\\&", "")
        if "# example: " + cmd not in tests:
            missing.append(cmd)
print("\n".join(missing))
sys.exit(1 if missing else 0)
EOF
	assert_success
}

# example: tail -F /var/log/postgresql/postgresql-16-main.log | pg-parse | pg-match 'FATAL PANIC'
@test "pg-match(1): following Debian's server log (tail -n +1 for tail -F)" {
	cp "$SAMPLE" postgresql-16-main.log
	run --separate-stderr bash -c "tail -n +1 postgresql-16-main.log | pg-parse | pg-match 'FATAL PANIC'"
	assert_equal "$status" 0
	assert_equal "$stderr" "pg-parse: <stdin>: detected stderr, log_line_prefix '%m [%p] %q%u@%d ' (Debian's default)"
	ndjson_check 'len(ev) == 3 and all(o["trigger"] == {"rule": "level:FATAL"} for o in ev)'
}

# example: pg-parse -q examples/postgresql-15-main.log | pg-match --explain /deadlock/
@test "pg-match(1): the deadlocks of the sample log, explained" {
	cd "$PGT_ROOT"
	run --separate-stderr bash -c "pg-parse -q examples/postgresql-15-main.log | pg-match --explain /deadlock/"
	assert_equal "$status" 0
	assert_stderr
	ndjson_check 'len(ev) == 2 and ev[1]["trigger"]["explain"] == "rule 1 '"'"'/deadlock/'"'"': message deadlock detected matches /deadlock/"'
}

# example: pg-match 'errors and database~/^shop$/ and !/duplicate key/' events.ndjson
@test "pg-match(1): errors of one database but duplicate keys" {
	sample_events
	run --separate-stderr pg-match 'errors and database~/^shop$/ and !/duplicate key/' events.ndjson
	assert_equal "$status" 0
	ndjson_check 'len(E) == 7 and all(e["database"] == "shop" and "duplicate" not in e["message"] for e in E)'
}

# example: pg-match --level FATAL --sqlstate '53300,57P*' events.ndjson
@test "pg-match(1): out of connections or shut down" {
	{
		ev 10:00:00.000 FATAL 'sorry, too many clients already' '"sqlstate":"53300"'
		ev 10:00:01.000 ERROR 'out of memory' '"sqlstate":"53200"'
		ev 10:00:02.000 FATAL 'terminating connection due to administrator command' '"sqlstate":"57P01"'
		ev 10:00:03.000 ERROR 'canceling statement due to statement timeout' '"sqlstate":"57014"'
	} >events.ndjson
	run --separate-stderr pg-match --level FATAL --sqlstate '53300,57P*' events.ndjson
	assert_equal "$status" 0
	ndjson_check '[e["sqlstate"] for e in E] == ["53300", "57P01"]'
}

# example: pg-parse -q examples/postgresql-15-main.log | pg-match -r FATAL -r 'errors > 3/min by database'
@test "pg-match(1): every FATAL, and a rate per database" {
	cd "$PGT_ROOT"
	run --separate-stderr bash -c "pg-parse -q examples/postgresql-15-main.log | pg-match -r FATAL -r 'errors > 3/min by database'"
	assert_equal "$status" 0
	ndjson_check '[e["type"] for e in E] == ["rate_threshold", "log_entry", "log_entry", "log_entry"] and E[0]["key"] == {"database": "shop"}'
}

# example: pg-match -r errors -r /deadlock/ --throttle 10/min --dedup 5m events.ndjson
@test "pg-match(1): at most 10 a minute, each problem once in 5 minutes" {
	{
		local i
		for i in $(seq 10 39); do ev "10:00:$i.000" ERROR "relation \\\"t$i\\\" does not exist"; done
		for i in a b c d e f g h i j k l; do ev "10:00:40.000" ERROR "stock too low for item $i"; done
		ev 10:01:30.000 LOG 'process 1 detected deadlock while waiting for ShareLock on transaction 2 after 1000.1 ms'
	} >events.ndjson
	run --separate-stderr pg-match -r errors -r /deadlock/ --throttle 10/min --dedup 5m events.ndjson
	assert_equal "$status" 0
	ndjson_check '[e["type"] for e in E] == ["log_entry"] * 10 + ["suppressed", "log_entry"]
		and E[10]["count"] == 32 and E[10]["top_messages"][0] == {"message": "relation \"t11\" does not exist", "count": 29}
		and ev[10]["trigger"]["rule"] == "throttle:10/min" and E[11]["level"] == "LOG"'
}

# example: pg-parse -q postgresql-16-main.log.1 | pg-match -n -e PANIC && echo 'PANIC yesterday'
@test "pg-match(1): in a cron job, whether yesterday's log had a PANIC" {
	cp "$SAMPLE" postgresql-16-main.log.1
	run --separate-stderr bash -c "pg-parse -q postgresql-16-main.log.1 | pg-match -n -e PANIC && echo 'PANIC yesterday'"
	assert_equal "$status" 1
	assert_output ""
	printf '%s\n' '2026-12-03 17:09:00.000 UTC [9000] PANIC:  could not locate a valid checkpoint record' >>postgresql-16-main.log.1
	run --separate-stderr bash -c "pg-parse -q postgresql-16-main.log.1 | pg-match -n -e PANIC && echo 'PANIC yesterday'"
	assert_equal "$status" 0
	assert_output "PANIC yesterday"
}

# example: pg-parse -q postgresql-16-main.log.1 | pg-match --config --dry-run --summary
@test "pg-match(1): what a log would have sent, from the user's webhooks file" {
	cp "$SAMPLE" postgresql-16-main.log.1
	mkdir -p .config/pgtail
	webhooks_ini
	mv webhooks.ini .config/pgtail/webhooks.ini
	run --separate-stderr bash -c "pg-parse -q postgresql-16-main.log.1 | pg-match --config --dry-run --summary"
	assert_equal "$status" 0
	assert_stderr
	assert_line --index 0 "WEBHOOK              STATE     SENT   EVENTS     RATE  SUMMARIES SUPPRESSED"
	assert_line --index 1 "slack                on           5        5        0          0          0"
	assert_line --index 7 "teams                off          0        0        0          0          0"
}

# example: pg-match --config=/etc/pgtail/webhooks.ini --webhook pagerduty -n --summary --json events.ndjson
@test "pg-match(1): one webhook of a service's file, as JSON (the file copied here)" {
	webhooks_ini
	sample_events
	run --separate-stderr pg-match --config=webhooks.ini --webhook pagerduty -n --summary --json events.ndjson
	assert_equal "$status" 0
	assert_output '{"webhooks":[{"webhook":"pagerduty","enabled":true,"sent":4,"events":3,"rate_threshold":1,"rate_resolved":0,"summaries":0,"suppressed":0,"rules":[{"rule":"FATAL","matched":3},{"rule":"errors > 3/min","matched":1}]}]}'
}

# example: pg-match -r FATAL -r /deadlock/ events.ndjson | grep -o '"rule":"[^"]*"' | sort | uniq -c
@test "pg-match(1): how many alerts each rule gave" {
	sample_events
	run --separate-stderr bash -c "pg-match -r FATAL -r /deadlock/ events.ndjson | grep -o '\"rule\":\"[^\"]*\"' | sort | uniq -c"
	assert_equal "$status" 0
	assert_output '      3 "rule":"level:FATAL"
      2 "rule":"pattern:/deadlock/"'
}

@test "JSON nested 1,000,000 deep is reported, not a crash; the next line still comes out" {
	python3 -c 'print("[" * 1000000 + "]" * 1000000); print("{\"event\":{\"type\":\"log_entry\",\"level\":\"FATAL\",\"message\":\"x\",\"a\":" + "[" * 100000 + "]" * 100000 + "}}"); print("{\"event\":{\"type\":\"log_entry\",\"level\":\"FATAL\",\"message\":\"after\"}}")' >deep
	run --separate-stderr pg-match FATAL deep
	assert_success
	assert_equal "$stderr" "pg-match: deep:1: invalid JSON at byte 65: nested more than 64 deep, skipped
pg-match: deep:2: invalid JSON at byte 126: nested more than 64 deep, skipped"
	ndjson_check 'len(ev) == 1 and E[0]["message"] == "after"'
}
