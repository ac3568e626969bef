#!/usr/bin/env bats
# Every EXAMPLE of man/pg-parse.1 and man/pgtail.7, run as the page writes it
# (system paths replaced by copies of the fixtures; `tail -F` by `tail -n +1`,
# which ends). A first test checks that this file knows every example, so a
# new one in a page fails here until it has its test.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	require_tool pg-parse
	cd "$BATS_TEST_TMPDIR"
}

@test "man pages: every EXAMPLE has its test below" {
	run python3 - "$PGT_ROOT/man/pg-parse.1" "$PGT_ROOT/man/pgtail.7" "$BATS_TEST_FILENAME" <<'EOF'
import re, sys
tests = open(sys.argv[3]).read()
missing = []
for page in sys.argv[1:3]:
    text = open(page).read()
    examples = text.split(".Sh EXAMPLES", 1)[1].split(".Sh ", 1)[0]
    for line in examples.splitlines():
        if line.startswith(".Dl "):
            cmd = line[4:].replace("\\(dq", '"').replace("\\&", "")
            if "# example: " + cmd not in tests:
                missing.append(f"{page.rsplit('/', 1)[1]}: {cmd}")
print("\n".join(missing))
sys.exit(1 if missing else 0)
EOF
	assert_success
}

# example: tail -F /var/log/postgresql/postgresql-16-main.log | pg-parse
@test "pg-parse(1): following Debian's server log" {
	cp "$PGT_ROOT/examples/postgresql-15-main.log" postgresql-16-main.log
	tail -n +1 postgresql-16-main.log | pg-parse -q >out.ndjson
	ndjson_check 'len(E) == 79 and all(e["type"] == "log_entry" for e in E)' out.ndjson
}

# example: pg-parse /var/log/postgresql/*.csv*
@test "pg-parse(1): a csvlog file and its rotated, compressed predecessor" {
	cp "$FIXTURES/csvlog.csv" postgresql.csv
	gzip -c "$FIXTURES/csvlog.csv" >postgresql.csv.1.gz
	run --separate-stderr pg-parse ./*.csv*
	assert_success
	printf '%s\n' "$output" >out.ndjson
	n=$(pg-parse -q --format csvlog "$FIXTURES/csvlog.csv" | wc -l)
	ndjson_check "len(E) == 2 * $n and all(e['type'] == 'log_entry' for e in E)" out.ndjson
}

# example: pg-parse --prefix-from /etc/postgresql/16/main/postgresql.conf app.log
@test "pg-parse(1): the prefix read from the server's configuration" {
	printf "#log_line_prefix = '%%m [%%p] '\nlog_line_prefix = '%%t [%%p]: user=%%u,db=%%d '   # pgBadger\n" >postgresql.conf
	printf '%s\n' '2024-01-15 10:23:45 UTC [42]: user=app,db=shop FATAL:  role "app" does not exist' >app.log
	run --separate-stderr pg-parse --prefix-from postgresql.conf app.log
	assert_success
	ndjson_check 'len(E) == 1 and E[0]["user"] == "app" and E[0]["database"] == "shop" and E[0]["level"] == "FATAL"'
}

# example: pg-parse --stats examples/postgresql-15-main.log | grep '"level":"FATAL"'
@test "pg-parse(1): the FATAL entries of the sample log, with counts" {
	cd "$PGT_ROOT"
	run --separate-stderr bash -c "pg-parse --stats examples/postgresql-15-main.log | grep '\"level\":\"FATAL\"'"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 3
	assert_equal "${stderr_lines[-1]}" "pg-parse: stats: 108 lines, 79 entries, 0 raw, 0 truncated, 0 repaired, 0 empty, 0 of other programs, 108 lines in entries, 0 in raw events"
}

# example: pg-parse --format syslog --timezone Europe/Paris --year 2019 postgresql.syslog
@test "pg-parse(1): a syslog file in Paris time" {
	printf '%s\n' 'Jul  1 12:00:00 db1 postgres[7]: [1-1] user=app,db=shop,app=psql,client=[local] ERROR:  division by zero' >postgresql.syslog
	run --separate-stderr pg-parse --format syslog --timezone Europe/Paris --year 2019 postgresql.syslog
	assert_success
	ndjson_check 'len(ev) == 1 and ev[0]["timestamp"] == "2019-07-01T10:00:00.000Z" and E[0]["pid"] == 7'
}

# example: kubectl logs -f cluster-example-1 | pg-parse
@test "pg-parse(1): a CloudNativePG pod's log (kubectl stood in by cat)" {
	printf '%s\n' '{"level":"info","ts":1705314225.1,"logger":"postgres","msg":"record","logging_pod":"cluster-example-1","record":{"log_time":"2024-01-15 10:23:45.123 UTC","process_id":"600","error_severity":"FATAL","sql_state_code":"53300","message":"sorry, too many clients already"}}' \
		'{"level":"info","ts":1705314226.0,"msg":"Readiness probe failing","logging_pod":"cluster-example-1"}' >pod.log
	run --separate-stderr bash -c "cat pod.log | pg-parse"
	assert_success
	assert_equal "$stderr" "pg-parse: <stdin>: detected cnpg (CloudNativePG JSON)"
	ndjson_check 'len(ev) == 1 and ev[0]["instance"]["name"] == "cluster-example-1" and E[0]["level"] == "FATAL"'
}

# example: journalctl -f -o json -u postgresql | pg-parse --format journald
@test "pg-parse(1): a unit's journal as JSON (journalctl stood in by cat)" {
	run --separate-stderr bash -c "cat '$FIXTURES/journald.json' | pg-parse --format journald"
	assert_success
	ndjson_check 'len(E) == 3 and E[1]["detail"] == "Key (id)=(1) already exists."'
}

# example: pg-parse --format cloudsql downloaded-logs.json
@test "pg-parse(1): entries exported from Google Cloud Logging" {
	printf '%s\n' '{"resource":{"labels":{"database_id":"p:db1"},"type":"cloudsql_database"},"textPayload":"[24667]: [2-1] db=shop,user=app ERROR:  division by zero","timestamp":"2020-05-02T13:00:20.38403Z"}' >downloaded-logs.json
	run --separate-stderr pg-parse --format cloudsql downloaded-logs.json
	assert_success
	ndjson_check 'len(ev) == 1 and ev[0]["instance"]["name"] == "p:db1" and ev[0]["timestamp"] == "2020-05-02T13:00:20.384Z" and E[0]["database"] == "shop"'
}

# example: pg-parse -q postgresql.log | grep -o '"level":"[A-Z0-9]*"' | sort | uniq -c
@test "pgtail(7): entries counted by level" {
	cp "$PGT_ROOT/examples/postgresql-15-main.log" postgresql.log
	run bash -c "pg-parse -q postgresql.log | grep -o '\"level\":\"[A-Z0-9]*\"' | sort | uniq -c"
	assert_success
	assert_output "      6 \"level\":\"ERROR\"
      3 \"level\":\"FATAL\"
     70 \"level\":\"LOG\""
}

# example: journalctl -f -o cat -u postgresql@16-main | pg-parse --prefix '%m [%p] %q%u@%d '
@test "pgtail(7): a unit's log from journalctl -o cat (its output stood in by cat)" {
	cp "$PGT_ROOT/examples/postgresql-15-main.log" journal.txt
	run --separate-stderr bash -c "cat journal.txt | pg-parse --prefix '%m [%p] %q%u@%d '"
	assert_success
	assert_equal "$stderr" "pg-parse: <stdin>: detected stderr, log_line_prefix '%m [%p] %q%u@%d '"
	ndjson_check 'len(E) == 79'
}

# example: pg-parse /var/log/postgresql/postgresql-16-main.log.1 | pg-match --config --dry-run --summary
@test "pgtail(7): what a week's log would have sent, from the default config" {
	mkdir -p config/pgtail
	cp "$PGT_ROOT/examples/webhooks.ini" config/pgtail/webhooks.ini
	cp "$PGT_ROOT/examples/postgresql-15-main.log" postgresql-16-main.log.1
	run --separate-stderr env -u PGTAIL_CONFIG XDG_CONFIG_HOME="$PWD/config" bash -c \
		"pg-parse postgresql-16-main.log.1 | pg-match --config --dry-run --summary"
	assert_success
	assert_line --index 0 --regexp '^WEBHOOK +STATE +SENT +EVENTS +RATE +SUMMARIES +SUPPRESSED$'
	assert_line --index 1 --regexp '^slack +on +3 +3 +0 +0 +0$'
	assert_line --index 2 '         3 matched  FATAL, PANIC'
}
