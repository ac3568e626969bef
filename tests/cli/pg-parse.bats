#!/usr/bin/env bats
# pg-parse as a user runs it: every flag, exit statuses and exact messages,
# hostile input, compressed files, stdin, and the streaming promise. What each
# log format parses into is in tests/cases/parse/*.case (run by cases.bats).

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	require_tool pg-parse
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	# Background helpers of the streaming tests, if a test failed midway.
	local p
	for p in ${BG_PIDS:-}; do kill "$p" 2>/dev/null || true; done
}

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
	assert_stderr "pg-parse: $1" "Try 'pg-parse --help' for more information."
	assert_equal "$output" ""
}

# The events every fixture of the four formats holds (tests/cli/fixtures).
FIXTURE_EVENTS='[(e["level"], e["pid"], e["message"]) for e in E if e["type"] == "log_entry"] == [
 ("LOG", 100, "checkpoint starting: time"),
 ("ERROR", 12345, "duplicate key value violates unique constraint \"orders_pkey\""),
 ("FATAL", 12346, "terminating connection due to administrator command")]
 and [e for e in E if e.get("level") == "ERROR"][0]["detail"] == "Key (id)=(1) already exists."
 and [e for e in E if e.get("level") == "ERROR"][0]["statement"] == "insert into orders values (1, '"'"'carol'"'"', 30);"'

# --- help, version, usage errors ---------------------------------------------

@test "--help: usage on stdout, status 0, nothing on stderr" {
	run --separate-stderr pg-parse --help
	assert_equal "$status" 0
	assert_stderr
	assert_line --index 0 "Turns PostgreSQL log lines into NDJSON events, one per log entry."
	assert_line "Usage: pg-parse [OPTIONS] [FILE...]"
	local flag
	for flag in --format --prefix --prefix-from --timezone --year --idle-flush --max-entry-bytes \
		--instance-id --instance-name --host --port --pg-version --data-dir --stats --quiet --version; do
		assert_output --partial -- "$flag"
	done
}

@test "-h is --help" {
	run --separate-stderr pg-parse -h
	assert_equal "$status" 0
	assert_line "Usage: pg-parse [OPTIONS] [FILE...]"
}

@test "--version: one line on stdout, status 0" {
	run --separate-stderr pg-parse --version
	assert_equal "$status" 0
	assert_stderr
	assert_output --regexp '^pg-parse \(pgtail webhooks\) [0-9]+\.[0-9]+'
	assert_equal "${#lines[@]}" 1
}

@test "--format with an unknown value: status 64 and the list of values" {
	run --separate-stderr pg-parse --format x
	assert_usage_error "unknown --format 'x' (auto, stderr, csvlog, jsonlog, syslog, cnpg, cloudsql, logplex, journald or docker)"
}

@test "an unknown flag: status 64, the message, the --help pointer" {
	run --separate-stderr pg-parse --bogus
	assert_equal "$status" 64
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} == "pg-parse: "*"--bogus" ]] || fail "unexpected first line: ${stderr_lines[0]}"
	assert_equal "${stderr_lines[1]}" "Try 'pg-parse --help' for more information."
	assert_equal "$output" ""
}

@test "flag values out of range or not numbers: status 64" {
	local args
	for args in "--idle-flush -1" "--idle-flush 3600001" "--max-entry-bytes 1023" "--port abc" \
		"--year x" "--instance-id 1.5"; do
		# shellcheck disable=SC2086
		run --separate-stderr pg-parse $args </dev/null
		assert_equal "$status" 64
		assert_equal "${stderr_lines[0]:0:10}" "pg-parse: "
		assert_equal "${stderr_lines[1]}" "Try 'pg-parse --help' for more information."
	done
}

@test "--idle-flush and --max-entry-bytes name themselves when out of range" {
	run --separate-stderr pg-parse --idle-flush -1
	assert_usage_error "--idle-flush: Value -1 not in range 0 to 3600000"
	run --separate-stderr pg-parse --max-entry-bytes 10
	assert_usage_error "--max-entry-bytes: Value 10 not in range 1024 to 1073741824"
}

# --- --format ------------------------------------------------------------------

@test "--format stderr, csvlog, jsonlog, syslog: the same three entries from each fixture" {
	run --separate-stderr pg_parse_test -q --format stderr "$FIXTURES/stderr.log"
	assert_equal "$status" 0
	ndjson_check "$FIXTURE_EVENTS and E[0] == {'type': 'raw', 'message': 'pg_ctl: another server might be running; trying to start server anyway'}"
	run --separate-stderr pg_parse_test -q --format csvlog "$FIXTURES/csvlog.csv"
	assert_equal "$status" 0
	assert_stderr
	ndjson_check "$FIXTURE_EVENTS and len(ev) == 3"
	run --separate-stderr pg_parse_test -q --format jsonlog "$FIXTURES/jsonlog.json"
	assert_equal "$status" 0
	assert_stderr
	ndjson_check "$FIXTURE_EVENTS and len(ev) == 3"
	run --separate-stderr pg_parse_test -q -f syslog --prefix 'user=%u,db=%d ' --year 2024 "$FIXTURES/syslog.log"
	assert_equal "$status" 0
	assert_stderr
	ndjson_check "$FIXTURE_EVENTS and len(ev) == 3"
}

@test "--format auto (the default) says what it detected, per file" {
	run --separate-stderr pg_parse_test "$FIXTURES/stderr.log" "$FIXTURES/csvlog.csv" "$FIXTURES/jsonlog.json"
	assert_equal "$status" 0
	assert_stderr \
		"pg-parse: $FIXTURES/stderr.log: detected stderr, log_line_prefix '%m [%p] %q%u@%d ' (Debian's default)" \
		"pg-parse: $FIXTURES/csvlog.csv: detected csvlog" \
		"pg-parse: $FIXTURES/jsonlog.json: detected jsonlog"
	ndjson_check 'len([e for e in E if e["type"] == "log_entry"]) == 9 and len(ev) == 10'
	run --separate-stderr pg_parse_test --format auto "$FIXTURES/csvlog.csv"
	assert_equal "$status" 0
	assert_stderr "pg-parse: $FIXTURES/csvlog.csv: detected csvlog"
}

@test "-q, --quiet: no note of the detected format" {
	run --separate-stderr pg_parse_test -q "$FIXTURES/stderr.log"
	assert_equal "$status" 0
	assert_stderr
	run --separate-stderr pg_parse_test --quiet "$FIXTURES/stderr.log"
	assert_equal "$status" 0
	assert_stderr
}

@test "--format csvlog on a stderr log: every line raw, each reported, status 65" {
	run --separate-stderr pg_parse_test --format csvlog "$FIXTURES/stderr.log"
	assert_equal "$status" 65
	ndjson_check 'len(ev) == 6 and all(e["type"] == "raw" for e in E)'
	assert_equal "${#stderr_lines[@]}" 6
	assert_equal "${stderr_lines[0]}" "pg-parse: $FIXTURES/stderr.log:1: csvlog record has 1 column, expected 22, 23, 24 or 26"
}

# --- --prefix, --prefix-from -------------------------------------------------------

@test "--prefix: the given prefix is used and named" {
	printf '%s\n' "<2024-01-15 10:23:45.123 UTC|12345|app> FATAL:  too many connections for role \"app\"" >in.log
	run --separate-stderr pg_parse_test --prefix '<%m|%p|%u> ' in.log
	assert_equal "$status" 0
	assert_stderr "pg-parse: in.log: detected stderr, log_line_prefix '<%m|%p|%u> '"
	ndjson_check 'E == [{"type": "log_entry", "level": "FATAL", "pid": 12345, "message": "too many connections for role \"app\"", "user": "app"}] and ev[0]["timestamp"] == "2024-01-15T10:23:45.123Z"'
	# -p is --prefix; with --format stderr nothing is detected, so nothing is said
	run --separate-stderr pg_parse_test -p '<%m|%p|%u> ' --format stderr in.log
	assert_equal "$status" 0
	assert_stderr
	ndjson_check 'E[0]["user"] == "app"'
}

@test "--prefix ending in an incomplete escape: status 64" {
	run --separate-stderr pg-parse --prefix '%m [%p] %'
	assert_usage_error "log_line_prefix ends in an incomplete escape: '%'"
	run --separate-stderr pg-parse --prefix '%m %-12'
	assert_usage_error "log_line_prefix ends in an incomplete escape: '%-12'"
}

@test "--prefix and --prefix-from together: status 64" {
	run --separate-stderr pg-parse --prefix '%m ' --prefix-from "$FIXTURES/postgresql.conf"
	assert_usage_error "--prefix and --prefix-from exclude each other"
}

@test "--prefix-from: the setting in force (last one, '' unescaped, comments skipped)" {
	printf '%s\n' "2024-01-15 10:23:45.123 UTC [12345] 'app'@shop ERROR:  division by zero" >in.log
	run --separate-stderr pg_parse_test -q --prefix-from "$FIXTURES/postgresql.conf" in.log
	assert_equal "$status" 0
	assert_stderr
	ndjson_check 'E == [{"type": "log_entry", "level": "ERROR", "pid": 12345, "message": "division by zero", "user": "app", "database": "shop"}]'
}

@test "--prefix-from: the setting with or without '=', with a trailing comment" {
	printf '%s\n' "1705314225.123 [12345] app ERROR:  division by zero" >in.log
	local conf
	for conf in "log_line_prefix '%n [%p] %u '" "log_line_prefix='%n [%p] %u '" \
		"  log_line_prefix = '%n [%p] %u '   # comment with 'quotes'"; do
		printf '%s\n' "$conf" >pg.conf
		run --separate-stderr pg_parse_test -q --prefix-from pg.conf in.log
		assert_equal "$status" 0
		assert_stderr
		ndjson_check 'E[0]["user"] == "app" and ev[0]["timestamp"] == "2024-01-15T10:23:45.123Z"'
	done
}

@test "--prefix-from: parameter names are case-insensitive, as in the server" {
	printf '%s\n' "Log_Line_Prefix = '%n [%p] %u '" >pg.conf
	printf '%s\n' "1705314225.123 [12345] app ERROR:  division by zero" >in.log
	run --separate-stderr pg_parse_test -q --prefix-from pg.conf in.log
	assert_equal "$status" 0
	assert_stderr
	ndjson_check 'E[0]["user"] == "app"'
}

@test "--prefix-from a conf without the setting: an error naming the file, status 66" {
	run --separate-stderr pg-parse --prefix-from "$FIXTURES/postgresql-noprefix.conf"
	assert_equal "$status" 66
	assert_stderr "pg-parse: $FIXTURES/postgresql-noprefix.conf: no log_line_prefix setting (the server default is '%m [%p] ')"
	assert_equal "$output" ""
}

@test "--prefix-from a missing file: status 66" {
	run --separate-stderr pg-parse --prefix-from nope.conf
	assert_equal "$status" 66
	assert_stderr "pg-parse: cannot open nope.conf: No such file or directory"
}

# --- --timezone, --year ------------------------------------------------------------

@test "--timezone: zone abbreviations read in that zone; -z is --timezone" {
	printf '%s\n' "2024-01-15 11:23:45.123 CET [1] LOG:  winter" "2024-07-15 12:23:45.123 CEST [1] LOG:  summer" >in.log
	run --separate-stderr pg_parse_test -q --timezone Europe/Paris in.log
	assert_equal "$status" 0
	assert_stderr
	ndjson_check '[o["timestamp"] for o in ev] == ["2024-01-15T10:23:45.123Z", "2024-07-15T10:23:45.123Z"]'
	run --separate-stderr pg_parse_test -q -z Europe/Paris in.log
	ndjson_check '[o["timestamp"] for o in ev] == ["2024-01-15T10:23:45.123Z", "2024-07-15T10:23:45.123Z"]'
}

@test "--timezone unknown: status 64" {
	run --separate-stderr pg-parse --timezone Mars/Olympus </dev/null
	assert_usage_error "unknown time zone 'Mars/Olympus' (not in /usr/share/zoneinfo)"
	run --separate-stderr pg-parse --timezone ../../etc/passwd </dev/null
	assert_equal "$status" 64
	assert_equal "${stderr_lines[1]}" "Try 'pg-parse --help' for more information."
}

@test "--year: the year of syslog times" {
	run --separate-stderr pg_parse_test -q --prefix 'user=%u,db=%d ' --year 2020 "$FIXTURES/syslog.log"
	assert_equal "$status" 0
	ndjson_check '[o["timestamp"] for o in ev] == ["2020-01-15T10:23:45.000Z", "2020-01-15T10:23:45.000Z", "2020-01-15T10:23:46.000Z"]'
}

@test "syslog without --year: the file's year; a month after the file's means last year" {
	printf '%s\n' "Dec 31 23:59:59 dbhost postgres[1]: [1] LOG:  old year" \
		"Jan  2 10:00:00 dbhost postgres[1]: [2] LOG:  new year" >in.log
	touch -d '2021-01-02 12:00:00 UTC' in.log
	run --separate-stderr pg_parse_test -q --format syslog --prefix '' in.log
	assert_equal "$status" 0
	assert_stderr
	ndjson_check '[o["timestamp"] for o in ev] == ["2020-12-31T23:59:59.000Z", "2021-01-02T10:00:00.000Z"]'
}

# --- --idle-flush, --max-entry-bytes ---------------------------------------------

@test "--idle-flush: in a file, lines further apart in log time than the delay are separate" {
	printf '%s\n' "2024-01-15 10:23:45.000 UTC [1] ERROR:  division by zero" \
		"2024-01-15 10:23:45.500 UTC [1] STATEMENT:  select 1/0;" >in.log
	run --separate-stderr pg_parse_test -q --idle-flush 1000 in.log
	assert_equal "$status" 0
	ndjson_check 'len(ev) == 1 and E[0]["statement"] == "select 1/0;"'
	run --separate-stderr pg_parse_test -q --idle-flush 100 in.log
	assert_equal "$status" 0
	ndjson_check 'len(ev) == 2 and "statement" not in E[0] and E[1]["type"] == "raw"'
}

@test "--max-entry-bytes: a long entry is cut there and marked truncated" {
	python3 -c '
import sys
sys.stdout.write("2024-01-15 10:23:45.000 UTC [1] ERROR:  " + "m" * 3000 + "\n")
sys.stdout.write("2024-01-15 10:23:45.000 UTC [1] STATEMENT:  " + "s" * 3000 + "\n")
sys.stdout.write("2024-01-15 10:23:45.000 UTC [2] LOG:  next\n")' >in.log
	run --separate-stderr pg_parse_test -q --max-entry-bytes 2048 in.log
	assert_equal "$status" 0
	assert_stderr "pg-parse: in.log:1: line longer than 2048 bytes cut (--max-entry-bytes)" \
		"pg-parse: in.log:2: line longer than 2048 bytes cut (--max-entry-bytes)"
	ndjson_check 'len(ev) == 2 and E[0]["truncated"] is True and len(E[0]["message"]) + len(E[0].get("statement", "")) <= 2048 and E[0]["message"].startswith("mmm") and E[1]["message"] == "next" and "truncated" not in E[1]'
}

@test "--max-entry-bytes: a cut never splits a UTF-8 character (no U+FFFD, nothing 'repaired')" {
	python3 -c 'import sys; sys.stdout.write("2024-01-15 10:23:45.000 UTC [1] LOG:  " + "é" * 2000 + "\n")' >in.log
	run --separate-stderr pg_parse_test -q --stats --max-entry-bytes 1025 in.log
	assert_equal "$status" 0
	assert_stderr "pg-parse: in.log:1: line longer than 1025 bytes cut (--max-entry-bytes)" \
		"pg-parse: stats: 1 lines, 1 entries, 0 raw, 1 truncated, 0 repaired, 0 empty, 0 of other programs, 1 lines in entries, 0 in raw events"
	ndjson_check 'E[0]["truncated"] is True and set(E[0]["message"]) == {"é"} and len(E[0]["message"].encode()) <= 1025'
}

# --- the instance object -----------------------------------------------------------

@test "--instance-id, --instance-name, --host, --port, --pg-version, --data-dir fill instance" {
	run --separate-stderr pg-parse -q --instance-id 7 --instance-name shop-primary --host db1 --port 5433 \
		--pg-version 16 --data-dir /var/lib/postgresql/16/main "$FIXTURES/jsonlog.json"
	assert_equal "$status" 0
	assert_stderr
	ndjson_check 'all(o["instance"] == {"id": 7, "name": "shop-primary", "host": "db1", "port": 5433, "version": "16", "data_dir": "/var/lib/postgresql/16/main"} for o in ev) and len(ev) == 3'
}

@test "--host defaults to this machine's name; no name without a version" {
	run --separate-stderr pg-parse -q "$FIXTURES/jsonlog.json"
	assert_equal "$status" 0
	ndjson_check "ev[0]['instance'] == {'host': '$(python3 -c 'import socket; print(socket.gethostname())')'}"
}

@test "--data-dir: the version is read from PG_VERSION, the name made from it" {
	mkdir -p data && echo 16 >data/PG_VERSION
	run --separate-stderr pg_parse_test -q --data-dir "$PWD/data" "$FIXTURES/jsonlog.json"
	assert_equal "$status" 0
	assert_stderr
	ndjson_check "ev[0]['instance'] == {'name': 'pg16', 'host': 'test', 'version': '16', 'data_dir': '$PWD/data'}"
}

@test "--data-dir without PG_VERSION: status 66, the file named" {
	mkdir -p empty
	run --separate-stderr pg_parse_test --data-dir "$PWD/empty" "$FIXTURES/jsonlog.json"
	assert_equal "$status" 66
	assert_stderr "pg-parse: cannot read $PWD/empty/PG_VERSION: No such file or directory"
	assert_equal "$output" ""
}

@test "--instance-name wins over the name made from the version" {
	run --separate-stderr pg_parse_test -q --pg-version 15 --instance-name billing "$FIXTURES/jsonlog.json"
	ndjson_check "ev[0]['instance'] == {'name': 'billing', 'host': 'test', 'version': '15'}"
}

@test "a Debian log name postgresql-16-main.log gives version 16, cluster main, name pg16" {
	cp "$FIXTURES/stderr.log" postgresql-16-main.log
	cp "$FIXTURES/stderr.log" postgresql-12-data2.log.1
	gzip -c "$FIXTURES/stderr.log" >postgresql-9.6-old.log.2.gz
	run --separate-stderr pg_parse_test -q postgresql-16-main.log
	assert_equal "$status" 0
	ndjson_check "all(o['instance'] == {'name': 'pg16', 'host': 'test', 'cluster': 'main', 'version': '16'} for o in ev)"
	run --separate-stderr pg_parse_test -q postgresql-12-data2.log.1
	ndjson_check "ev[0]['instance'] == {'name': 'pg12', 'host': 'test', 'cluster': 'data2', 'version': '12'}"
	run --separate-stderr pg_parse_test -q postgresql-9.6-old.log.2.gz
	ndjson_check "ev[0]['instance'] == {'name': 'pg9.6', 'host': 'test', 'cluster': 'old', 'version': '9.6'}"
	# flags win over the file name
	run --separate-stderr pg_parse_test -q --pg-version 17 --instance-name x postgresql-16-main.log
	ndjson_check "ev[0]['instance'] == {'name': 'x', 'host': 'test', 'cluster': 'main', 'version': '17'}"
}

# --- --stats ----------------------------------------------------------------------

@test "--stats: one exact line of counts on stderr at the end" {
	run --separate-stderr pg_parse_test -q --stats "$FIXTURES/stderr.log"
	assert_equal "$status" 0
	assert_stderr "pg-parse: stats: 7 lines, 3 entries, 1 raw, 0 truncated, 0 repaired, 1 empty, 0 of other programs, 5 lines in entries, 1 in raw events"
}

@test "--stats: lines of other programs in a syslog file" {
	run --separate-stderr pg_parse_test -q --stats --prefix 'user=%u,db=%d ' --year 2024 "$FIXTURES/syslog.log"
	assert_equal "$status" 0
	assert_stderr "pg-parse: stats: 6 lines, 3 entries, 0 raw, 0 truncated, 0 repaired, 0 empty, 1 of other programs, 5 lines in entries, 0 in raw events"
}

# --- hostile input ----------------------------------------------------------------

@test "invalid UTF-8: valid JSON with U+FFFD, counted, the line named" {
	printf '2024-01-15 10:23:45.000 UTC [1] LOG:  ok\n2024-01-15 10:23:45.000 UTC [2] ERROR:  caf\xe9 \xff\xfe\n' >bad.log
	run --separate-stderr pg_parse_test -q --stats bad.log
	assert_equal "$status" 0
	assert_stderr "pg-parse: bad.log:2: invalid UTF-8 or NUL bytes replaced with U+FFFD" \
		"pg-parse: stats: 2 lines, 2 entries, 0 raw, 0 truncated, 1 repaired, 0 empty, 0 of other programs, 2 lines in entries, 0 in raw events"
	ndjson_check 'E[1]["message"] == "caf\ufffd \ufffd\ufffd"'
}

@test "NUL bytes: replaced, counted, the line named" {
	printf '2024-01-15 10:23:45.000 UTC [1] LOG:  a\0b\0c\n' >nul.log
	run --separate-stderr pg_parse_test -q --stats --prefix '%m [%p] ' nul.log
	assert_equal "$status" 0
	assert_stderr "pg-parse: nul.log:1: invalid UTF-8 or NUL bytes replaced with U+FFFD" \
		"pg-parse: stats: 1 lines, 1 entries, 0 raw, 0 truncated, 1 repaired, 0 empty, 0 of other programs, 1 lines in entries, 0 in raw events"
	ndjson_check 'E[0]["message"] == "a\ufffdb\ufffdc"'
}

@test "CRLF line ends: the same events as LF" {
	pg_parse_test -q "$FIXTURES/stderr.log" >lf.ndjson
	sed 's/$/\r/' "$FIXTURES/stderr.log" >crlf.log
	run --separate-stderr pg_parse_test -q crlf.log
	assert_equal "$status" 0
	assert_stderr
	assert_equal "$output" "$(cat lf.ndjson)"
	sed 's/$/\r/' "$FIXTURES/csvlog.csv" >crlf.csv
	pg_parse_test -q "$FIXTURES/csvlog.csv" >lf.ndjson
	run --separate-stderr pg_parse_test -q crlf.csv
	assert_equal "$status" 0
	assert_equal "$output" "$(cat lf.ndjson)"
}

@test "a 10 MB line: cut to --max-entry-bytes, truncated, said once; the next line read" {
	python3 -c '
import sys
sys.stdout.write("2024-01-15 10:23:45.000 UTC [1] LOG:  statement: select \x27" + "x" * (10 * 1024 * 1024) + "\x27\n")
sys.stdout.write("2024-01-15 10:23:45.000 UTC [2] LOG:  next\n")' >big.log
	run --separate-stderr pg_parse_test -q --stats big.log
	assert_equal "$status" 0
	assert_stderr "pg-parse: big.log:1: line longer than 1048576 bytes cut (--max-entry-bytes)" \
		"pg-parse: stats: 2 lines, 2 entries, 0 raw, 1 truncated, 0 repaired, 0 empty, 0 of other programs, 2 lines in entries, 0 in raw events"
	ndjson_check 'len(ev) == 2 and E[0]["truncated"] is True and 1048576 - 100 <= len(E[0]["message"]) <= 1048576 and E[1]["message"] == "next"'
	run --separate-stderr pg_parse_test -q --max-entry-bytes 4096 big.log
	assert_equal "$status" 0
	assert_stderr "pg-parse: big.log:1: line longer than 4096 bytes cut (--max-entry-bytes)"
	ndjson_check 'len(ev) == 2 and E[0]["truncated"] is True and len(E[0]["message"]) <= 4096'
}

@test "a 300 MB line streamed through a pipe: memory stays bounded" {
	if ldd "$PGT_BUILD/bin/pg-parse" 2>/dev/null | grep -q 'libasan'; then
		skip "AddressSanitizer build: its shadow memory defeats ulimit -v"
	fi
	# 200 MB of address space is far below the line, far above what a bounded reader needs.
	python3 -c '
import sys
out = sys.stdout.buffer
out.write(b"2024-01-15 10:23:45.000 UTC [1] LOG:  ")
chunk = b"y" * (1024 * 1024)
for _ in range(300):
    out.write(chunk)
out.write(b"\n2024-01-15 10:23:45.000 UTC [2] LOG:  next\n")' |
		(ulimit -v 204800 && exec pg-parse --host test -q --prefix '%m [%p] ') >out.ndjson 2>err.txt
	local rc=$?
	[[ $rc -eq 0 ]] || fail "pg-parse exit status $rc under ulimit -v 200 MB: $(head -c 500 err.txt)"
	assert_equal "$(cat err.txt)" "pg-parse: <stdin>:1: line longer than 1048576 bytes cut (--max-entry-bytes)"
	ndjson_check 'len(ev) == 2 and E[0]["truncated"] is True and E[1]["message"] == "next"' out.ndjson
}

@test "binary garbage: raw events of valid UTF-8 JSON, nothing lost, counted, status 65" {
	# Reproducible garbage: 100000 bytes of a seeded generator (not /dev/urandom),
	# so that a failure can be replayed; the test below uses /dev/urandom too.
	python3 -c '
import random, sys
r = random.Random(20240115)
sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(100000)))' >garbage.bin
	# What pg-parse must count: lines (a last one without a newline too), empty
	# ones (a lone CR is empty), raw ones (all others), repaired ones.
	local counts
	counts=$(python3 -c '
data = open("garbage.bin", "rb").read().split(b"\n")
if data[-1] == b"":
    data.pop()
lines = [l[:-1] if l.endswith(b"\r") else l for l in data]
def bad(l):
    try:
        l.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return b"\0" in l
empty = sum(1 for l in lines if not l)
print(len(lines), len(lines) - empty, sum(1 for l in lines if bad(l)), empty)')
	local n raw repaired empty
	read -r n raw repaired empty <<<"$counts"
	pg_parse_test -q --stats garbage.bin >out.ndjson 2>err.txt && rc=0 || rc=$?
	assert_equal "$rc" 65
	ndjson_check "len(ev) == $raw and all(e['type'] == 'raw' and e['message'] for e in E)" out.ndjson
	assert_equal "$(tail -n 1 err.txt)" \
		"pg-parse: stats: $n lines, 0 entries, $raw raw, 0 truncated, $repaired repaired, $empty empty, 0 of other programs, 0 lines in entries, $raw in raw events"
	assert_equal "$(grep -c ': invalid UTF-8 or NUL bytes replaced with U+FFFD$' err.txt)" "$repaired"
	assert_equal "$(grep -c 'cannot recognise the log_line_prefix' err.txt)" 1
}

@test "binary garbage from /dev/urandom: every output line valid JSON, status 65" {
	head -c 100000 /dev/urandom >urandom.bin
	pg_parse_test -q urandom.bin >out.ndjson 2>/dev/null && rc=0 || rc=$?
	assert_equal "$rc" 65
	ndjson_check 'len(ev) > 0 and all(e["type"] == "raw" for e in E)' out.ndjson
}

@test "a csvlog record with a missing quote: reported at file:line, the records after it read" {
	{
		sed -n 1p "$FIXTURES/csvlog.csv"
		echo '2024-01-15 10:23:45.150 UTC,,,100,,65a506d1.64,2,,2024-01-15 10:20:01 UTC,,0,LOG,00000,"no closing quote,,,,,,,,,"","checkpointer",,0'
		sed -n '2,$p' "$FIXTURES/csvlog.csv"
	} >broken.csv
	run --separate-stderr pg_parse_test -q --stats broken.csv
	assert_equal "$status" 0
	assert_stderr "pg-parse: broken.csv:2: unterminated quoted field in csvlog record; kept as raw" \
		"pg-parse: stats: 4 lines, 3 entries, 1 raw, 0 truncated, 0 repaired, 0 empty, 0 of other programs, 3 lines in entries, 1 in raw events"
	ndjson_check "$FIXTURE_EVENTS and len(ev) == 4 and E[1]['type'] == 'raw' and E[1]['message'].startswith('2024-01-15 10:23:45.150 UTC,,,100,')"
}

@test "a csvlog record left open at the end of the input: kept as raw, reported" {
	{
		cat "$FIXTURES/csvlog.csv"
		printf '%s\n' '2024-01-15 10:23:47.000 UTC,,,100,,65a506d1.64,9,,2024-01-15 10:20:01 UTC,,0,LOG,00000,"never closed' 'second line'
	} >open.csv
	run --separate-stderr pg_parse_test -q open.csv
	assert_equal "$status" 0
	assert_stderr "pg-parse: open.csv:4: unterminated quoted field at the end of the csvlog input; kept as raw"
	ndjson_check "$FIXTURE_EVENTS and len(ev) == 4 and E[3]['type'] == 'raw' and E[3]['message'].endswith('never closed\nsecond line')"
}

@test "a jsonlog line cut short: the fields before the cut kept, truncated, said once" {
	{
		sed -n 1p "$FIXTURES/jsonlog.json"
		sed -n 2p "$FIXTURES/jsonlog.json" | head -c 400
		echo
		sed -n 3p "$FIXTURES/jsonlog.json"
	} >cut.json
	run --separate-stderr pg_parse_test -q --format jsonlog cut.json
	assert_equal "$status" 0
	assert_stderr "pg-parse: cut.json:2: jsonlog line ends inside its JSON object; kept the fields before the cut"
	ndjson_check 'len(ev) == 3 and E[1]["level"] == "ERROR" and E[1]["pid"] == 12345 and E[1]["truncated"] is True and E[1]["message"].startswith("duplicate key") and E[2]["level"] == "FATAL"'
}

# --- files, compression, stdin ------------------------------------------------------

@test "a missing file among others: named, the others read, status 66" {
	cp "$FIXTURES/stderr.log" a.log
	cp "$FIXTURES/jsonlog.json" b.json
	run --separate-stderr pg_parse_test -q a.log nope.log b.json
	assert_equal "$status" 66
	assert_stderr "pg-parse: cannot open nope.log: No such file or directory"
	ndjson_check 'len([e for e in E if e["type"] == "log_entry"]) == 6'
}

@test "a directory given as a file: named, status 66" {
	mkdir -p adir
	run --separate-stderr pg_parse_test -q adir "$FIXTURES/jsonlog.json"
	assert_equal "$status" 66
	assert_stderr "pg-parse: cannot open adir: Is a directory"
	ndjson_check 'len(ev) == 3'
}

@test "an unreadable file: named with the reason, status 66" {
	[[ $(id -u) -ne 0 ]] || skip "root reads every file"
	cp "$FIXTURES/stderr.log" secret.log && chmod 000 secret.log
	run --separate-stderr pg_parse_test -q secret.log
	assert_equal "$status" 66
	assert_stderr "pg-parse: cannot open secret.log: Permission denied"
}

@test ".gz and .bz2 files read like the plain file" {
	pg_parse_test -q "$FIXTURES/stderr.log" >plain.ndjson
	gzip -c "$FIXTURES/stderr.log" >log.gz
	bzip2 -c "$FIXTURES/stderr.log" >log.bz2
	run --separate-stderr pg_parse_test -q log.gz
	assert_equal "$status" 0
	assert_stderr
	assert_equal "$output" "$(cat plain.ndjson)"
	run --separate-stderr pg_parse_test -q log.bz2
	assert_equal "$status" 0
	assert_stderr
	assert_equal "$output" "$(cat plain.ndjson)"
}

@test "compressed files are recognised by content, not name; concatenated bzip2 streams" {
	gzip -c "$FIXTURES/csvlog.csv" >csv.data
	run --separate-stderr pg_parse_test -q csv.data
	assert_equal "$status" 0
	ndjson_check "$FIXTURE_EVENTS and len(ev) == 3"
	bzip2 -c "$FIXTURES/jsonlog.json" >two.bz2
	bzip2 -c "$FIXTURES/jsonlog.json" >>two.bz2
	run --separate-stderr pg_parse_test -q two.bz2
	assert_equal "$status" 0
	ndjson_check 'len(ev) == 6'
}

@test "a .gz or .bz2 file cut short (rotated while compressed): said, not silently dropped, status 74" {
	python3 -c '
import sys
for i in range(2000):
    sys.stdout.write("2024-01-15 10:23:45.000 UTC [%d] LOG:  line %d\n" % (i + 1, i))' >long.log
	gzip -c long.log | head -c 4000 >cut.gz
	bzip2 -c long.log | head -c 4000 >cut.bz2
	run --separate-stderr pg_parse_test -q cut.gz
	assert_equal "$status" 74
	[[ ${stderr_lines[0]} == "pg-parse: read error on cut.gz: "* ]] || fail "stderr: $stderr"
	run --separate-stderr pg_parse_test -q cut.bz2
	assert_equal "$status" 74
	[[ ${stderr_lines[0]} == "pg-parse: read error on cut.bz2: "* ]] || fail "stderr: $stderr"
}

@test "stdin, '-', and '-' between files" {
	pg_parse_test -q "$FIXTURES/stderr.log" >plain.ndjson
	run --separate-stderr pg_parse_test -q <"$FIXTURES/stderr.log"
	assert_equal "$status" 0
	assert_equal "$output" "$(cat plain.ndjson)"
	run --separate-stderr pg_parse_test -q - <"$FIXTURES/stderr.log"
	assert_equal "$output" "$(cat plain.ndjson)"
	run --separate-stderr bash -c 'cat "$1" | pg-parse --host test -q -' _ "$FIXTURES/stderr.log"
	assert_equal "$status" 0
	assert_equal "$output" "$(cat plain.ndjson)"
	run --separate-stderr bash -c 'pg-parse --host test "$1" - "$2" <"$3"' _ \
		"$FIXTURES/csvlog.csv" "$FIXTURES/jsonlog.json" "$FIXTURES/stderr.log"
	assert_equal "$status" 0
	assert_stderr "pg-parse: $FIXTURES/csvlog.csv: detected csvlog" \
		"pg-parse: <stdin>: detected stderr, log_line_prefix '%m [%p] %q%u@%d ' (Debian's default)" \
		"pg-parse: $FIXTURES/jsonlog.json: detected jsonlog"
	ndjson_check 'len([e for e in E if e["type"] == "log_entry"]) == 9'
}

@test "an entry open at the end of one file is complete before the next file" {
	printf '%s\n' "2024-01-15 10:23:45.000 UTC [1] ERROR:  division by zero" >one.log
	printf '%s\n' "2024-01-15 10:23:45.000 UTC [1] STATEMENT:  select 1/0;" >two.log
	run --separate-stderr pg_parse_test -q --prefix '%m [%p] ' one.log two.log
	assert_equal "$status" 0
	ndjson_check 'len(ev) == 2 and E[0]["type"] == "log_entry" and "statement" not in E[0] and E[1]["type"] == "raw"'
}

@test "empty input: no output, status 0" {
	run --separate-stderr pg_parse_test </dev/null
	assert_equal "$status" 0
	assert_output ""
	assert_stderr
}

@test "only raw lines: status 65 (not one valid line)" {
	printf 'just\nsome text\n' >text.log
	run --separate-stderr pg_parse_test -q --prefix '%m [%p] ' text.log
	assert_equal "$status" 65
	ndjson_check 'len(ev) == 2'
}

# --- output errors ------------------------------------------------------------------

@test "a full disk on stdout: status 74, said once" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	run --separate-stderr bash -c 'pg-parse --host test -q "$1" >/dev/full' _ "$FIXTURES/stderr.log"
	assert_equal "$status" 74
	assert_stderr "pg-parse: write error on standard output: No space left on device"
}

@test "a closed pipe on stdout ends pg-parse quietly" {
	python3 -c '
import sys
for i in range(200000):
    sys.stdout.write("2024-01-15 10:23:45.000 UTC [%d] LOG:  line %d\n" % (i % 1000 + 1, i))' >many.log
	run --separate-stderr bash -c 'pg-parse --host test -q "$1" | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"' _ many.log
	assert_stderr
	[[ $output == 0 || $output == 141 ]] || fail "pg-parse exit status $output on a closed pipe"
}

# --- streaming: pipes stay open ------------------------------------------------------

# start_stream ARGS...: runs pg-parse ARGS reading the FIFO in and writing the
# FIFO out; sets W (fd to write its input), R (fd to read its output) and PARSER (pid).
start_stream() {
	rm -f in out && mkfifo in out
	pg-parse --host test "$@" <in >out 2>err.txt &
	PARSER=$!
	BG_PIDS="${BG_PIDS:-} $PARSER"
	exec {W}>in
	exec {R}<out
}

# stop_stream: closes the input, waits for pg-parse; its status in STREAM_STATUS.
stop_stream() {
	exec {W}>&-
	STREAM_STATUS=0
	wait "$PARSER" || STREAM_STATUS=$?
	exec {R}<&-
}

@test "streaming: an entry comes out while the writer keeps the pipe open" {
	start_stream -q --prefix '%m [%p] '
	printf '%s\n' "2024-01-15 10:23:45.000 UTC [111] FATAL:  the database system is in recovery mode" >&"$W"
	local line
	read -r -t 10 line <&"$R" || { stop_stream; fail "no event within 10 s while the pipe stays open"; }
	output=$line ndjson_check 'E == [{"type": "log_entry", "level": "FATAL", "pid": 111, "message": "the database system is in recovery mode"}]'
	stop_stream
	assert_equal "$STREAM_STATUS" 0
	assert_equal "$(cat err.txt)" ""
}

@test "streaming: with format detection, the first entry does not wait for more lines" {
	start_stream
	printf '%s\n' "2024-01-15 10:23:45.000 UTC [111] app@shop FATAL:  too many connections for role \"app\"" >&"$W"
	local line
	read -r -t 10 line <&"$R" || { stop_stream; fail "no event within 10 s while detection waits"; }
	output=$line ndjson_check 'E[0]["level"] == "FATAL" and E[0]["user"] == "app"'
	stop_stream
	assert_equal "$STREAM_STATUS" 0
	assert_equal "$(cat err.txt)" "pg-parse: <stdin>: detected stderr, log_line_prefix '%m [%p] %q%u@%d ' (Debian's default)"
}

@test "streaming: a quiet pid's entry comes out while another pid keeps logging every 20 ms" {
	start_stream -q --prefix '%m [%p] '
	printf '%s\n' "2024-01-15 10:23:45.000 UTC [111] FATAL:  terminating connection due to administrator command" >&"$W"
	# pid 222 logs every 20 ms for up to 10 s; pid 111 never logs again.
	(
		for i in $(seq 1 500); do
			printf '2024-01-15 10:23:45.000 UTC [222] LOG:  statement: select %d\n' "$i" || exit 0
			sleep 0.02
		done
	) >&"$W" &
	local writer=$! line found=
	BG_PIDS="$BG_PIDS $writer"
	local deadline=$((SECONDS + 10))
	while ((SECONDS < deadline)) && read -r -t 10 line <&"$R"; do
		if [[ $line == *'"pid":111'* ]]; then
			found=$line
			break
		fi
	done
	kill "$writer" 2>/dev/null || true
	wait "$writer" 2>/dev/null || true
	stop_stream
	[[ -n $found ]] || fail "pid 111's FATAL did not come out while pid 222 kept logging"
	output=$found ndjson_check 'E[0]["level"] == "FATAL" and E[0]["pid"] == 111'
}

@test "streaming: DETAIL and STATEMENT written with their line still join it" {
	start_stream -q --prefix '%m [%p] '
	printf '%s\n' "2024-01-15 10:23:45.000 UTC [111] ERROR:  division by zero" \
		"2024-01-15 10:23:45.000 UTC [111] STATEMENT:  select 1/0;" >&"$W"
	local line
	read -r -t 10 line <&"$R" || { stop_stream; fail "no event within 10 s"; }
	output=$line ndjson_check 'E[0]["message"] == "division by zero" and E[0]["statement"] == "select 1/0;"'
	stop_stream
}

@test "streaming: --idle-flush 0 hands each entry on as soon as input pauses" {
	start_stream -q --prefix '%m [%p] ' --idle-flush 0
	printf '%s\n' "2024-01-15 10:23:45.000 UTC [111] PANIC:  could not write to file \"pg_wal/xlogtemp.111\": No space left on device" >&"$W"
	local line
	read -r -t 10 line <&"$R" || { stop_stream; fail "no event within 10 s"; }
	output=$line ndjson_check 'E[0]["level"] == "PANIC"'
	stop_stream
}

# --- real logs from the wild (the shared pgBadger corpus, when present) --------------

@test "corpus: every stderr, syslog and csvlog fixture parses without raw leftovers" {
	local f want
	for f in light.postgres.log.bz2 pg-syslog.1.bz2 rds.log.bz2 pg_vacuums.json.gz pg_vacuums.log.gz \
		pg-timezones.log queryid.log.gz postgresql_param_range.log multiline_param.log begin_end.log \
		stmt_type.log tempfile_only.log.gz anonymize.log weeknumber.log csv_statement_without_duration.log; do
		require_corpus "$f"
		pg_parse_test -q --stats "$CORPUS/$f" >out.ndjson 2>err.txt && rc=0 || rc=$?
		[[ $rc -eq 0 ]] || fail "$f: exit status $rc: $(head -c 500 err.txt)"
		[[ $(tail -n 1 err.txt) == "pg-parse: stats: "*" entries, 0 raw, 0 truncated, 0 repaired, "* ]] ||
			fail "$f: $(cat err.txt)"
		[[ $(wc -l <err.txt) -eq 1 ]] || fail "$f: more than the stats on stderr: $(head -c 500 err.txt)"
	done
}

@test "corpus: a server's jsonlog and stderr log (pg_vacuums) give the same events" {
	require_corpus pg_vacuums.json.gz
	require_corpus pg_vacuums.log.gz
	pg_parse_test -q "$CORPUS/pg_vacuums.json.gz" >json.ndjson
	pg_parse_test -q "$CORPUS/pg_vacuums.log.gz" >stderr.ndjson
	python3 - <<'PY'
import datetime, json
a = [json.loads(l) for l in open("json.ndjson")]
b = [json.loads(l) for l in open("stderr.ndjson")]
assert len(a) == len(b) == 3544, (len(a), len(b))
keys = ("type", "level", "pid", "message", "detail", "hint", "context", "statement", "query",
        "user", "database", "application", "remote_host")
for n, (x, y) in enumerate(zip(a, b), 1):
    for k in keys:
        assert x["event"].get(k) == y["event"].get(k), (n, k, x["event"].get(k), y["event"].get(k))
    # The stderr log has %t, whole seconds of a time(NULL) taken a moment
    # before the jsonlog's time: the jsonlog time is at most a little over a
    # second later.
    t = lambda o: datetime.datetime.fromisoformat(o["timestamp"].replace("Z", "+00:00"))
    assert 0 <= (t(x) - t(y)).total_seconds() < 2, (n, x["timestamp"], y["timestamp"])
PY
}

@test "corpus: pg_ctl lines in a server log are the only raw events" {
	require_corpus pg_rawcsv.log
	run --separate-stderr pg_parse_test -q --stats "$CORPUS/pg_rawcsv.log"
	assert_equal "$status" 0
	assert_stderr "pg-parse: stats: 14 lines, 9 entries, 2 raw, 0 truncated, 0 repaired, 0 empty, 0 of other programs, 12 lines in entries, 2 in raw events"
	ndjson_check '[e["message"] for e in E if e["type"] == "raw"] == ["pg_ctl: could not start server", "Examine the log output."]'
}

@test "corpus: the cnpg, cloudsql and logplex wrappers are detected and give no raw events" {
	local f want
	for f in "cnpg.log.gz:cnpg (CloudNativePG JSON)" \
		"cloudsql.log.gz:cloudsql (Google Cloud Logging JSON), log_line_prefix '[%p]: [%l-1] db=%d,user=%u ' (Google Cloud SQL)" \
		"logplex.gz:logplex (Heroku logplex), log_line_prefix 'sql_error_code = %e ' (Heroku)"; do
		want=${f#*:}
		f=${f%%:*}
		require_corpus "$f"
		pg_parse_test --stats "$CORPUS/$f" >out.ndjson 2>err.txt && rc=0 || rc=$?
		[[ $rc -eq 0 ]] || fail "$f: exit status $rc: $(head -c 500 err.txt)"
		[[ $(head -n 1 err.txt) == "pg-parse: $CORPUS/$f: detected $want" ]] || fail "$f: $(head -n 1 err.txt)"
		[[ $(tail -n 1 err.txt) == "pg-parse: stats: "*" entries, 0 raw, 0 truncated, 0 repaired, "* ]] ||
			fail "$f: $(cat err.txt)"
		[[ $(wc -l <err.txt) -eq 2 ]] || fail "$f: more than detection and stats on stderr: $(head -c 500 err.txt)"
	done
}

@test "corpus: cnpg's records carry the pod as the instance name, its own messages are counted apart" {
	require_corpus cnpg.log.gz
	run --separate-stderr pg_parse_test -q --stats "$CORPUS/cnpg.log.gz"
	assert_equal "$status" 0
	assert_stderr "pg-parse: stats: 2022 lines, 1977 entries, 0 raw, 0 truncated, 0 repaired, 0 empty, 43 of other programs, 1979 lines in entries, 0 in raw events"
	ndjson_check 'all(o["instance"]["name"] == "myapp-pg-cluster-1" for o in ev)'
}

@test "corpus: cloudsql: the database id is the instance name and the entry's timestamp the time" {
	require_corpus cloudsql.log.gz
	run --separate-stderr pg_parse_test -q "$CORPUS/cloudsql.log.gz"
	assert_equal "$status" 0
	ndjson_check 'ev[0]["timestamp"] == "2020-05-02T13:00:20.382Z" and all(o["instance"]["name"] == "sk5-formations-thomas:temp-thomas-2020-04-30" for o in ev)'
}

@test "journald and docker: detected from their JSON, the prefix found inside, nothing lost" {
	run --separate-stderr pg-parse --host test --stats "$FIXTURES/journald.json"
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "pg-parse: $FIXTURES/journald.json: detected journald (journalctl -o json), log_line_prefix '%m [%p] %q%u@%d ' (Debian's default)"
	assert_equal "${stderr_lines[2]}" "pg-parse: stats: 7 lines, 3 entries, 0 raw, 0 truncated, 1 repaired, 0 empty, 1 of other programs, 6 lines in entries, 0 in raw events"
	ndjson_check '[e["level"] for e in E] == ["LOG", "ERROR", "FATAL"] and E[1]["statement"] == "insert into orders\nvalues (1, '"'"'carol'"'"');"'
	run --separate-stderr pg-parse --host test --stats "$FIXTURES/docker.json"
	assert_equal "$status" 0
	assert_equal "${stderr_lines[0]}" "pg-parse: $FIXTURES/docker.json: detected docker (Docker json-file), log_line_prefix '%m [%p] %q%u@%d ' (Debian's default)"
	assert_equal "${stderr_lines[1]}" "pg-parse: stats: 6 lines, 4 entries, 0 raw, 0 truncated, 0 repaired, 0 empty, 0 of other programs, 6 lines in entries, 0 in raw events"
	ndjson_check 'E[2]["statement"] == "select 1/0" and ev[0]["timestamp"] == "2024-01-15T10:23:45.123Z"'
}
