#!/usr/bin/env bats
# pg-format as a user runs it: flags, the config file, bad input. The payload
# of each format is checked by the case files (tests/cases/format), by
# pg-format-chat.bats, pg-format-incident.bats and pg-format-hostile.bats.

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	require_tool pg-format
	cd "$BATS_TEST_TMPDIR"
	EV='{"timestamp":"2024-01-15T10:23:45.123Z","instance":{"name":"pg16","host":"db1","version":"16"},"event":{"type":"log_entry","level":"FATAL","sqlstate":"53300","pid":12345,"message":"sorry, too many clients already","user":"app","database":"shop","fingerprint":"8a2c5fd31e0b9e47"},"trigger":{"rule":"level:FATAL","webhook":"slack"}}'
}

@test "--help: usage on stdout, every flag, status 0" {
	run --separate-stderr pg-format --help
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 "Turns triggered events (from pg-match) into deliveries: the payload for each webhook's platform."
	local flag
	for flag in --format --config --webhook --instance-name --routing-key --severity --priority --template \
		--template-file --template-json --teams-legacy --continuous --interval --version; do
		assert_output --partial -- "$flag"
	done
}

@test "json: the triggered event as it is, in a delivery for its webhook" {
	run --separate-stderr pg-format <<<"$EV"
	assert_success
	assert_equal "$stderr" ""
	ndjson_check 'len(ev) == 1 and ev[0]["webhook"] == "slack" and ev[0]["platform"] == "json" and ev[0]["body"]["event"]["fingerprint"] == "8a2c5fd31e0b9e47"'
}

@test "--webhook names the delivery's webhook; without a trigger.webhook it is 'default'" {
	run pg-format --webhook ops <<<"$EV"
	assert_success
	ndjson_check 'ev[0]["webhook"] == "ops"'
	run pg-format <<<'{"event":{"type":"log_entry","level":"LOG","message":"x"}}'
	assert_success
	ndjson_check 'ev[0]["webhook"] == "default" and ev[0]["body"]["event"]["fingerprint"] != ""'
}

@test "an unknown --format: status 64, did you mean, the list" {
	run --separate-stderr pg-format --format slak
	assert_equal "$status" 64
	assert_equal "$stderr" "pg-format: unknown --format 'slak' (did you mean 'slack'?) (json, slack, discord, pagerduty, opsgenie, teams, prometheus, splunk-hec, ecs, template)
Try 'pg-format --help' for more information."
}

@test "pagerduty without a routing key, template without a template, --continuous without prometheus: status 64" {
	run --separate-stderr pg-format --format pagerduty
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "pg-format: --format pagerduty needs --routing-key (the Events API v2 integration key), as in --routing-key '\${PD_ROUTING_KEY}'"
	run --separate-stderr pg-format --format template
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "pg-format: --format template needs --template or --template-file"
	run --separate-stderr pg-format --format slack --continuous
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "pg-format: --continuous goes with --format prometheus"
	run --separate-stderr pg-format --format pagerduty --routing-key '${PGT_NO_SUCH_VAR}'
	assert_equal "$status" 64
}

@test "--severity and --priority take LEVEL=VALUE of the platform's words" {
	run --separate-stderr pg-format --format pagerduty --routing-key k --severity WARNING=urgent
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "pg-format: bad --severity 'WARNING=urgent': expected LEVEL=VALUE with VALUE one of critical, error, warning, info"
	run --separate-stderr pg-format --format opsgenie --priority ERROR
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "pg-format: bad --priority 'ERROR': expected LEVEL=VALUE with VALUE one of P1, P2, P3, P4, P5"
}

@test "bad lines are reported with their line number and skipped; the stream goes on" {
	printf '%s\n' "$EV" 'not json' '{"event":{}}' '[1]' "$EV" >in.ndjson
	run --separate-stderr pg-format in.ndjson
	assert_success
	assert_equal "$stderr" "pg-format: in.ndjson:2: invalid JSON at byte 2: Invalid value, skipped
pg-format: in.ndjson:3: not an event: no event.type, skipped
pg-format: in.ndjson:4: not an event: not a JSON object, skipped"
	ndjson_check 'len(ev) == 2'
}

@test "invalid UTF-8 is reported, not passed on" {
	printf '{"event":{"type":"raw","message":"caf\xe9"}}\n' >bad.ndjson
	run --separate-stderr pg-format bad.ndjson
	assert_equal "$status" 65
	assert_equal "$stderr" "pg-format: bad.ndjson:1: invalid JSON: not valid UTF-8, skipped"
	assert_output ""
}

@test "a missing file: status 66; no valid line at all: status 65" {
	run --separate-stderr pg-format nosuch.ndjson
	assert_equal "$status" 66
	assert_equal "$stderr" "pg-format: cannot open nosuch.ndjson: No such file or directory"
	run --separate-stderr pg-format <<<'garbage'
	assert_equal "$status" 65
}

@test "--config: each event shaped by its webhook's format; another webhook's event is refused by name" {
	cat >webhooks.ini <<-'EOF'
	[webhook "slack"]
	url = https://hooks.slack.com/services/T/B/C
	format = json
	instance_name = shop-primary

	[webhook "archive"]
	url = https://archive.example.com/in
	EOF
	run --separate-stderr pg-format --config=webhooks.ini <<<"$EV"
	assert_success
	ndjson_check 'ev[0]["webhook"] == "slack" and ev[0]["platform"] == "json"'
	run --separate-stderr pg-format --config=webhooks.ini <<<"${EV/\"slack\"/\"pager\"}"
	assert_equal "$status" 65
	assert_equal "$stderr" "pg-format: <stdin>:1: no webhook 'pager' in the config, skipped"
	# --webhook: only that webhook's events; the others are not this run's business.
	run --separate-stderr pg-format --config=webhooks.ini --webhook archive <<<"$EV"
	assert_success
	assert_equal "$stderr" ""
	assert_output ""
}

@test "--config: a pagerduty webhook without routing_key is a bad config (78)" {
	cat >webhooks.ini <<-'EOF'
	[webhook "pd"]
	url = https://events.pagerduty.com/v2/enqueue
	format = pagerduty
	EOF
	run --separate-stderr pg-format --config=webhooks.ini <<<"$EV"
	assert_equal "$status" 78
	assert_equal "$stderr" "pg-format: webhooks.ini:1: webhook 'pd': format pagerduty needs routing_key (as in routing_key = \${PD_ROUTING_KEY})"
}

@test "--config with a missing file: 78 and the path" {
	run --separate-stderr pg-format --config=nosuch.ini <<<"$EV"
	assert_equal "$status" 78
	assert_equal "$stderr" "pg-format: cannot open nosuch.ini: No such file or directory"
}

@test "output closed early (head -1): ends quietly" {
	for i in $(seq 2000); do printf '%s\n' "$EV"; done >many.ndjson
	run --separate-stderr bash -c 'pg-format many.ndjson | head -1'
	assert_success
	assert_equal "$stderr" ""
	ndjson_check 'len(ev) == 1'
}

@test "live input: each delivery is out before more input comes" {
	mkfifo in
	pg-format <in >out.ndjson 2>err &
	local pid=$!
	exec 5>in
	printf '%s\n' "$EV" >&5
	local i
	for ((i = 0; i < 100; i++)); do [[ -s out.ndjson ]] && break; sleep 0.05; done
	[[ -s out.ndjson ]] || fail "no delivery within 5 s while the input stays open"
	exec 5>&-
	wait "$pid"
}

# next_line: the next delivery from the stream into $line, or the test fails.
next_line() {
	read -r -t 10 line <&"$R" || fail "no delivery within 10 s; stderr: $(cat err)"
}

@test "--config: SIGHUP reads the file again before the next event; counters kept, a bad file reported and the old one kept" {
	printf '[webhook "slack"]\nurl = http://127.0.0.1:9/\nformat = json\n\n[webhook "metrics"]\nurl = http://127.0.0.1:9/\nformat = prometheus\n' >live.ini
	mkfifo in out
	pg-format --config=live.ini <in >out 2>err &
	local pid=$! line
	exec {W}>in {R}<out
	printf '%s\n%s\n' "$EV" "${EV/\"slack\"/\"metrics\"}" >&"$W"
	next_line && output=$line ndjson_check 'ev[0]["platform"] == "json"'
	next_line && [[ $line == *'webhook=\"metrics\"} 1\n'* ]] || fail "first count: $line"
	sed -i 's/format = json/format = slack/' live.ini
	kill -HUP "$pid"
	printf '%s\n%s\n' "$EV" "${EV/\"slack\"/\"metrics\"}" >&"$W"
	next_line && output=$line ndjson_check 'ev[0]["platform"] == "slack"'
	next_line && [[ $line == *'webhook=\"metrics\"} 2\n'* ]] || fail "count after the reload: $line"
	printf '[webhook "slack"]\nformat = slak\n' >live.ini
	kill -HUP "$pid"
	printf '%s\n' "$EV" >&"$W"
	next_line && output=$line ndjson_check 'ev[0]["platform"] == "slack"'
	exec {W}>&-
	wait "$pid"
	exec {R}<&-
	assert_equal "$(cat err)" "pg-format: config reloaded from live.ini
pg-format: live.ini:2: unknown format 'slak' (did you mean 'slack'?)
pg-format: config not reloaded: keeping the webhooks in use"
}

@test "--config: template and template_json from the file; a bad template is a bad config (78) named by its webhook" {
	cat >webhooks.ini <<-'EOF2'
	[webhook "slack"]
	url = https://collector.example.com/in
	format = template
	template = {"alert": "{{event.level}} on {{instance_display}}", "n": "{{event.pid}}"}
	template_json = yes
	EOF2
	run --separate-stderr pg-format --config=webhooks.ini <<<"$EV"
	assert_success
	assert_output '{"webhook":"slack","platform":"json","body":{"alert":"FATAL on pg16 (db1)","n":"12345"}}'
	sed -i 's/event.level/event.levle/' webhooks.ini
	run --separate-stderr pg-format --config=webhooks.ini <<<"$EV"
	assert_equal "$status" 78
	assert_equal "$stderr" "pg-format: webhooks.ini:4: webhook 'slack': template line 1, column 12: unknown placeholder {{event.levle}} (did you mean 'event.level'?)"
}

# --- man/pg-format.1: every EXAMPLE, run as the page writes it ------------------

@test "pg-format(1): every EXAMPLE has its test below" {
	run python3 - "$PGT_ROOT/man/pg-format.1" "$BATS_TEST_FILENAME" <<'EOF2'
import sys
text, tests = open(sys.argv[1]).read(), open(sys.argv[2]).read()
examples = text.split(".Sh EXAMPLES", 1)[1].split(".Sh ", 1)[0]
missing = [l[4:].replace("\\(dq", '"').replace("\\&", "") for l in examples.splitlines()
           if l.startswith(".Dl ") and "# example: " + l[4:].replace("\\(dq", '"').replace("\\&", "") not in tests]
print("\n".join(missing))
sys.exit(1 if missing else 0)
EOF2
	assert_success
}

# example: pg-parse -q examples/postgresql-15-main.log | pg-match FATAL | pg-format -f slack | jq -r .body.text
@test "pg-format(1): the Slack text of each FATAL of the sample log" {
	require_tool pg-parse pg-match
	cd "$PGT_ROOT"
	run --separate-stderr bash -c "pg-parse -q examples/postgresql-15-main.log | pg-match FATAL | pg-format -f slack | jq -r .body.text"
	assert_success
	assert_equal "$stderr" ""
	(( ${#lines[@]} >= 1 )) || fail "no FATAL in the sample log"
	local l
	for l in "${lines[@]}"; do [[ $l == "FATAL: "* ]] || fail "not a FATAL headline: $l"; done
}

# example: pg-format -f pagerduty --routing-key '${PD_ROUTING_KEY}' --severity WARNING=error triggered.ndjson
@test "pg-format(1): PagerDuty events, the key from the environment, warnings as errors" {
	printf '%s\n' "${EV/\"FATAL\"/\"WARNING\"}" >triggered.ndjson
	PD_ROUTING_KEY=R0123456789abcdef0123456789abcdef run --separate-stderr pg-format -f pagerduty --routing-key '${PD_ROUTING_KEY}' --severity WARNING=error triggered.ndjson
	assert_success
	ndjson_check 'ev[0]["body"]["routing_key"] == "R0123456789abcdef0123456789abcdef" and ev[0]["body"]["payload"]["severity"] == "error" and ev[0]["body"]["dedup_key"] == "8a2c5fd31e0b9e47"'
}

# example: pg-format -f template --template '{{event.level}} on {{instance_display}}: {{event.message}}' triggered.ndjson
@test "pg-format(1): a plain-text line from a template" {
	printf '%s\n' "$EV" >triggered.ndjson
	run --separate-stderr pg-format -f template --template '{{event.level}} on {{instance_display}}: {{event.message}}' triggered.ndjson
	assert_success
	assert_output '{"webhook":"slack","platform":"json","content_type":"text/plain; charset=utf-8","body":"FATAL on pg16 (db1): sorry, too many clients already"}'
}

# example: pg-match --config | pg-format -f prometheus --continuous --interval 60 -w metrics
@test "pg-format(1): Pushgateway counters once a minute (and at the end of input)" {
	require_tool pg-parse pg-match
	printf '[webhook "metrics"]\nurl = http://127.0.0.1:9091/\nformat = prometheus\non = errors\n' >webhooks.ini
	pg-parse -q "$PGT_ROOT/examples/postgresql-15-main.log" >events.ndjson
	PGTAIL_CONFIG=webhooks.ini run --separate-stderr bash -c "pg-match --config <events.ndjson | pg-format -f prometheus --continuous --interval 60 -w metrics"
	assert_success
	# The input ends at once: one delivery, with the totals, at its end.
	ndjson_check 'len(ev) == 1 and ev[0]["webhook"] == "metrics" and ev[0]["platform"] == "pushgateway" and "pgtail_events_total{" in ev[0]["body"]'
}

# example: pg-match --config events.ndjson | pg-format --config
@test "pg-format(1): each webhook's deliveries for a file of events" {
	require_tool pg-parse pg-match
	printf '[webhook "slack"]\nurl = https://hooks.slack.com/services/T/B/C\nformat = slack\non = FATAL\n\n[webhook "archive"]\nurl = http://127.0.0.1:9/\non = errors\n' >webhooks.ini
	pg-parse -q "$PGT_ROOT/examples/postgresql-15-main.log" >events.ndjson
	PGTAIL_CONFIG=webhooks.ini run --separate-stderr bash -c "pg-match --config events.ndjson | pg-format --config"
	assert_success
	ndjson_check 'len(ev) > 2 and {d["webhook"] for d in ev} == {"slack", "archive"} and all(d["platform"] == ("slack" if d["webhook"] == "slack" else "json") for d in ev)'
}
