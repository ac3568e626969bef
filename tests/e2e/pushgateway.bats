#!/usr/bin/env bats
# pg-format --format prometheus against a real Pushgateway (Debian's
# prometheus-pushgateway, started by each test on loopback, memory only): every
# delivery PUT to the URL of its grouping key is accepted (200), and the
# gateway's /metrics shows the pushed counters with their labels and values,
# hostile label values and instance names included. pg-send is the real
# sender; until it exists, curl PUTs the bodies the way it will (same URL rule:
# lib/metrics.hpp grouping_path(), mirrored in pushgateway_check.py).
#
# Run alone with BUILD=build bats tests/e2e/pushgateway.bats.

bats_require_minimum_version 1.5.0

PGW_BIN=${PGW_BIN:-/usr/bin/prometheus-pushgateway}

# The system's python3 when there is one (a pyenv shim costs half a second a call).
if [[ -x /usr/bin/python3 ]]; then PGT_PYTHON3=/usr/bin/python3; else PGT_PYTHON3=$(command -v python3); fi
python3() { "$PGT_PYTHON3" "$@"; }

source "$BATS_TEST_DIRNAME/common.bash"

setup() {
	e2e_setup pg-format
	EXAMPLES=$ROOT/examples
	CHECK=$BATS_TEST_DIRNAME/pushgateway_check.py
	[[ -x $PGW_BIN ]] || fail "no $PGW_BIN: apt-get install prometheus-pushgateway (or set PGW_BIN)"
	cd "$BATS_TEST_TMPDIR"
	pgw_start
}

teardown() {
	[[ -n ${PGF_PID:-} ]] && kill "$PGF_PID" 2>/dev/null
	[[ -n ${FIFO_FD_OPEN:-} ]] && exec 7>&-
	if [[ -n ${PGW_PID:-} ]]; then
		kill "$PGW_PID" 2>/dev/null
		wait "$PGW_PID" 2>/dev/null
	fi
	return 0
}

# wait_for SECONDS DESCRIPTION COMMAND...: runs COMMAND every 50 ms until it
# succeeds; fails naming DESCRIPTION after SECONDS.
wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	fail "timed out after ${secs}s waiting for $what"
}

# lines_more_than N FILE: true when FILE has more than N lines.
lines_more_than() {
	[[ $(wc -l <"$2") -gt $1 ]]
}

# pgw_start: the gateway on a free loopback port (PGW_URL), metrics in memory.
pgw_start() {
	local try
	for try in 1 2 3; do
		PGW_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		PGW_URL=http://127.0.0.1:$PGW_PORT
		"$PGW_BIN" --web.listen-address="127.0.0.1:$PGW_PORT" --persistence.file= --log.level=warn \
			>pgw.log 2>&1 &
		PGW_PID=$!
		local i
		for ((i = 0; i < 200; i++)); do
			curl -sf -o /dev/null "$PGW_URL/-/ready" && return 0
			kill -0 "$PGW_PID" 2>/dev/null || break  # the port was taken meanwhile: another one
			sleep 0.05
		done
		kill "$PGW_PID" 2>/dev/null
		wait "$PGW_PID" 2>/dev/null
	done
	cat pgw.log
	fail "the Pushgateway did not start"
}

# push_all DELIVERIES: PUTs each delivery's body to its group's URL, in order;
# fails unless each answer is 200. PATHS holds the paths used.
push_all() {
	mkdir -p pushed
	rm -f pushed/*
	local n i code
	n=$(python3 "$CHECK" split pushed <"$1") || fail "cannot split $1: $n"
	[[ $n -gt 0 ]] || fail "no delivery in $1"
	PATHS=()
	for ((i = 1; i <= n; i++)); do
		PATHS+=("$(<"pushed/$i.path")")
		code=$(curl -s -o "pushed/$i.answer" -w '%{http_code}' -X PUT \
			-H 'Content-Type: text/plain; version=0.0.4' --data-binary "@pushed/$i.body" \
			"$PGW_URL${PATHS[-1]}")
		[[ $code == 200 ]] || fail "PUT $PGW_URL${PATHS[-1]}: $code $(<"pushed/$i.answer")"
	done
}

# read_back DELIVERIES: the gateway's /metrics must show the last delivery of
# each group exactly.
read_back() {
	curl -sf "$PGW_URL/metrics" >metrics || fail "cannot read $PGW_URL/metrics"
	run python3 "$CHECK" expect "$1" metrics
	[[ $status -eq 0 ]] || fail "$output"
}

# sample NAME LABELS_JSON: the value of one series on the gateway.
sample() {
	curl -sf "$PGW_URL/metrics" >metrics || fail "cannot read $PGW_URL/metrics"
	python3 "$CHECK" sample metrics "$1" "$2"
}

@test "real events (pg-parse | pg-match | pg-format): each push accepted, the counters read back" {
	pg-parse -q "$EXAMPLES/postgresql-15-main.log" |
		pg-match -r errors -r 'errors > 2/min' --throttle 3/h |
		pg-format --format prometheus --webhook metrics >deliveries
	push_all deliveries
	[[ ${#PATHS[@]} -eq 5 ]] || fail "expected 5 deliveries, got ${#PATHS[@]}"
	assert_equal "${PATHS[0]}" "/metrics/job/pgtail/instance/pg15%20%28vm%29"
	read_back deliveries
	run sample pgtail_events_total '{"database":"shop","instance":"pg15 (vm)","job":"pgtail","level":"ERROR","webhook":"metrics"}'
	assert_output 3
	run sample pgtail_rate_threshold_total '{"instance":"pg15 (vm)","job":"pgtail","rule":"rate:errors > 2/min","webhook":"metrics"}'
	assert_output 1
	run sample pgtail_suppressed_events_total '{"instance":"pg15 (vm)","job":"pgtail","webhook":"metrics"}'
	assert_output 6
	# The gateway's own page keeps our HELP and TYPE.
	grep -qx '# TYPE pgtail_events_total counter' metrics || fail "no TYPE line on the gateway"
	grep -q '^# HELP pgtail_suppressed_events_total Events held back by throttling' metrics || fail "no HELP line"
}

@test "hostile label values and instance names ('/', quotes, backslashes, newlines, non-ASCII, '..') round-trip" {
	python3 - >events <<'EOF'
import json
inst = ['shop/primary "eu"', 'back\\slash "q"\nnew line', 'caf\u00e9 \u2603 \U0001F600', '..', '%2F?#& +']
hostile = 'q"uo\\te\nline <!channel> @everyone caf\u00e9 \\n'
for n, name in enumerate(inst):
    for level in ("FATAL", 'ERR"OR\\'):
        print(json.dumps({"timestamp": "2024-01-15T10:23:4%d.000Z" % n, "instance": {"name": name},
                          "event": {"type": "log_entry", "level": level, "sqlstate": "53300",
                                    "message": "m", "database": hostile},
                          "trigger": {"rule": "level:FATAL", "webhook": "hook_x"}}))
print(json.dumps({"instance": {"name": inst[0]}, "event": {"type": "rate_threshold", "level": "ERROR",
                  "message": "m"}, "trigger": {"rule": 'pattern:/a"b\\\\c\n/', "webhook": "w"}}))
EOF
	pg-format --format prometheus <events >deliveries
	push_all deliveries
	assert_equal "${PATHS[0]}" "/metrics/job/pgtail/instance@base64/c2hvcC9wcmltYXJ5ICJldSI"
	assert_equal "${PATHS[2]}" "/metrics/job/pgtail/instance/back%5Cslash%20%22q%22%0Anew%20line"
	assert_equal "${PATHS[4]}" "/metrics/job/pgtail/instance/caf%C3%A9%20%E2%98%83%20%F0%9F%98%80"
	assert_equal "${PATHS[6]}" "/metrics/job/pgtail/instance@base64/Li4"
	assert_equal "${PATHS[8]}" "/metrics/job/pgtail/instance/%252F%3F%23%26%20%2B"
	read_back deliveries
	run sample pgtail_events_total '{"database":"q\"uo\\te\nline <!channel> @everyone caf\u00e9 \\n","instance":"shop/primary \"eu\"","job":"pgtail","level":"ERR\"OR\\","sqlstate":"53300","webhook":"hook_x"}'
	assert_output 1
	run sample pgtail_events_total '{"database":"q\"uo\\te\nline <!channel> @everyone caf\u00e9 \\n","instance":"back\\slash \"q\"\nnew line","job":"pgtail","level":"FATAL","sqlstate":"53300","webhook":"hook_x"}'
	assert_output 1
	run sample pgtail_rate_threshold_total '{"instance":"shop/primary \"eu\"","job":"pgtail","rule":"pattern:/a\"b\\\\c\n/","webhook":"w"}'
	assert_output 1
	run sample pgtail_events_total '{"database":"q\"uo\\te\nline <!channel> @everyone caf\u00e9 \\n","instance":"..","job":"pgtail","level":"FATAL","sqlstate":"53300","webhook":"hook_x"}'
	assert_output 1
}

@test "many hosts, one gateway: each instance its own group, a push replaces only its own" {
	local ev='{"instance":{"name":"pg16","host":"HOST"},"event":{"type":"log_entry","level":"FATAL","message":"m"}}'
	{ echo "${ev/HOST/db1}"; echo "${ev/HOST/db2}"; echo "${ev/HOST/db1}"; } | pg-format --format prometheus >deliveries
	push_all deliveries
	read_back deliveries
	run sample pgtail_events_total '{"instance":"pg16 (db1)","job":"pgtail","level":"FATAL","webhook":"default"}'
	assert_output 2
	run sample pgtail_events_total '{"instance":"pg16 (db2)","job":"pgtail","level":"FATAL","webhook":"default"}'
	assert_output 1
	# A second pg-format (another host's) pushes db3: db1 and db2 stay.
	echo "${ev/HOST/db3}" | pg-format --format prometheus >more
	push_all more
	run sample pgtail_events_total '{"instance":"pg16 (db1)","job":"pgtail","level":"FATAL","webhook":"default"}'
	assert_output 2
	run sample pgtail_events_total '{"instance":"pg16 (db3)","job":"pgtail","level":"FATAL","webhook":"default"}'
	assert_output 1
}

@test "the gateway refuses what pg-format never writes: a sample timestamp, an empty label value twice" {
	# The reasons behind two rules of the prometheus format, checked on the
	# real gateway so they stay true for the version Debian ships.
	printf '# TYPE x_total counter\nx_total{a="b"} 1 1700000000000\n' >ts.prom
	run curl -s -o answer -w '%{http_code}' -X PUT --data-binary @ts.prom "$PGW_URL/metrics/job/pgtail/instance/t"
	assert_output 400
	grep -q timestamp answer || fail "unexpected answer: $(<answer)"
	printf '# TYPE x_total counter\nx_total{a="b"} 1\nx_total{a="b",c=""} 2\n' >empty.prom
	curl -s -o /dev/null -X PUT --data-binary @empty.prom "$PGW_URL/metrics/job/pgtail/instance/e"
	curl -sf "$PGW_URL/metrics" >metrics
	run python3 - metrics <<'EOF'
import sys
lines = [l for l in open(sys.argv[1]) if l.startswith('x_total{a="b"')]
# Two series the gateway keeps apart, which a scrape reads as one labelled
# a="b" twice: why pg-format leaves an empty label out.
sys.exit(0 if len(lines) == 2 else 1)
EOF
	assert_success
}

@test "--continuous: no delivery per event, the totals of each instance once at the end of input" {
	local ev='{"instance":{"name":"pg16","host":"HOST"},"event":{"type":"log_entry","level":"FATAL","message":"m"}}'
	{ echo "${ev/HOST/db1}"; echo "${ev/HOST/db2}"; echo "${ev/HOST/db1}"; } >events
	pg-format --format prometheus --continuous --interval 3600 --webhook metrics <events >deliveries
	[[ $(wc -l <deliveries) -eq 2 ]] || fail "expected one delivery per instance: $(cat deliveries)"
	push_all deliveries
	read_back deliveries
	run sample pgtail_events_total '{"instance":"pg16 (db1)","job":"pgtail","level":"FATAL","webhook":"metrics"}'
	assert_output 2
	run sample pgtail_events_total '{"instance":"pg16 (db2)","job":"pgtail","level":"FATAL","webhook":"metrics"}'
	assert_output 1
}

@test "--continuous --interval: the totals while the stream stays open, every interval, and at the end" {
	mkfifo in
	pg-format --format prometheus --continuous --interval 0.3 --webhook metrics <in >deliveries 2>err &
	PGF_PID=$!
	exec 7>in
	FIFO_FD_OPEN=1
	local ev='{"instance":{"name":"pg16"},"event":{"type":"log_entry","level":"FATAL","message":"m"}}'
	echo "$ev" >&7
	echo "$ev" >&7
	wait_for 5 "a delivery of the totals" grep -q 'pgtail_events_total{instance=\\"pg16\\",level=\\"FATAL\\",webhook=\\"metrics\\"} 2' deliveries
	push_all deliveries
	run sample pgtail_events_total '{"instance":"pg16","job":"pgtail","level":"FATAL","webhook":"metrics"}'
	assert_output 2
	echo "$ev" >&7
	wait_for 5 "the next interval's totals" grep -q 'webhook=\\"metrics\\"} 3' deliveries
	# Quiet: the same totals again each interval (push_time_seconds stays fresh).
	local before
	before=$(wc -l <deliveries)
	wait_for 5 "a push while the stream is quiet" lines_more_than "$before" deliveries
	exec 7>&-
	FIFO_FD_OPEN=
	wait_for 5 "pg-format to end at the end of input" eval '! kill -0 $PGF_PID 2>/dev/null'
	wait "$PGF_PID" || fail "pg-format exited with $?: $(cat err)"
	PGF_PID=
	[[ ! -s err ]] || fail "stderr: $(cat err)"
	push_all deliveries
	read_back deliveries
	run sample pgtail_events_total '{"instance":"pg16","job":"pgtail","level":"FATAL","webhook":"metrics"}'
	assert_output 3
	# Every delivery is the totals for the Pushgateway, named for its webhook.
	run python3 - deliveries <<'EOF'
import json, sys
ds = [json.loads(l) for l in open(sys.argv[1])]
bad = [d for d in ds if d["platform"] != "pushgateway" or d["grouping"] != {"job": "pgtail", "instance": "pg16"}]
assert not bad, bad
hooks = {d["webhook"] for d in ds}
print(",".join(sorted(hooks)))
EOF
	assert_success
	if [[ $output == "" ]]; then
		fail "stand-alone --continuous deliveries have webhook \"\" (main.cpp push_totals uses Shaper::webhook, never set without --config)"
	fi
	assert_output metrics
}
