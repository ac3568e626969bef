#!/usr/bin/env bats
# pg-format's incident, SIEM and template formats as a user runs them, on real
# events (examples/postgresql-15-main.log through pg-parse and pg-match):
# pagerduty against PagerDuty's own request schema (validate_pagerduty.py),
# the rate_threshold/rate_resolved pair, ${ENV} routing keys, opsgenie's
# limits, splunk-hec's time, ecs's nesting, template files.

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	require_tool pg-format
	require_tool pg-match
	require_tool pg-parse
	LOG=$PGT_ROOT/examples/postgresql-15-main.log
	SPEC=$PGT_ROOT/../shared/specs/pagerduty-events-v2.openapi.json
	KEY=R0123456789abcdef0123456789abcdef
	cd "$BATS_TEST_TMPDIR"
}

# real_events FILE: the sample log's errors, its rate_threshold and (after a
# quiet hour) rate_resolved, and a throttle summary, as pg-match writes them.
real_events() {
	pg-parse -q "$LOG" >events.ndjson
	{
		pg-match errors <events.ndjson
		{ cat events.ndjson; tail -n 1 events.ndjson | sed 's/"timestamp":"2026-12-03T17:/"timestamp":"2026-12-03T18:/'; } |
			pg-match 'errors > 2/min' | grep -v '"type":"log_entry"'
		pg-match --throttle 1/h errors <events.ndjson | grep '"type":"suppressed"'
	} >"$1"
}

# hostile_events FILE: events built to break limits (100 KB messages, a 600 KB
# statement, a thousand extra fields, control characters, mention tokens).
hostile_events() {
	python3 - "$1" <<'EOF'
import json, sys
base = {"timestamp": "2024-01-15T10:23:45.123Z", "instance": {"name": "pg16", "host": "db1", "version": "16"},
        "event": {"type": "log_entry", "level": "FATAL", "sqlstate": "53300", "pid": 1,
                  "message": "sorry, too many clients already", "database": "shop"},
        "trigger": {"rule": "level:FATAL", "webhook": "pd"}}
def ev(**kw):
    e = json.loads(json.dumps(base))
    for k, v in kw.items():
        (e["instance"] if k.startswith("i_") else e["event"])[k[2:] if k.startswith("i_") else k] = v
    return e
ctl = "".join(chr(c) for c in range(1, 32))
lines = [
    ev(message="<!channel> @everyone é🐘 " * 4000),
    ev(message=ctl * 3000, detail="\\\"" * 50000),
    ev(statement="s" * 600 * 1024),
    ev(i_name="名" * 3000, i_host="h" * 3000, database="d" * 1000, sqlstate="5" * 1000, fingerprint="f" * 400),
    ev(**{f"extra_{i}": ctl * 40 for i in range(1000)}),
    ev(type="suppressed", level="", message="@here " * 20000),
]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for e in lines:
        f.write(json.dumps(e, ensure_ascii=False) + "\n")
EOF
}

@test "pagerduty: every delivery of the real events is valid for PagerDuty's own schema" {
	[[ -f $SPEC ]] || skip "no $SPEC"
	real_events in.ndjson
	run --separate-stderr pg-format -f pagerduty --routing-key "$KEY" in.ndjson
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >out.ndjson
	ndjson_check 'len(ev) == 12 and {b["body"]["event_action"] for b in ev} == {"trigger", "resolve"}' out.ndjson
	run /usr/bin/python3 "$PGT_ROOT/tests/cli/validate_pagerduty.py" out.ndjson
	assert_success
	assert_output "12 pagerduty deliveries valid"
}

@test "pagerduty: hostile events stay valid and within 512,000 bytes" {
	[[ -f $SPEC ]] || skip "no $SPEC"
	hostile_events in.ndjson
	run --separate-stderr pg-format -f pagerduty --routing-key "$KEY" in.ndjson
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >out.ndjson
	run /usr/bin/python3 "$PGT_ROOT/tests/cli/validate_pagerduty.py" out.ndjson
	assert_success
	assert_output "6 pagerduty deliveries valid"
	ndjson_check '"strings cut" in ev[2]["body"]["payload"]["custom_details"]["truncated_details"] and ev[4]["body"]["payload"]["custom_details"]["truncated_details"].startswith("removed")' out.ndjson
}

@test "the validator catches what PagerDuty would refuse" {
	[[ -f $SPEC ]] || skip "no $SPEC"
	run /usr/bin/python3 "$PGT_ROOT/tests/cli/validate_pagerduty.py" <<-EOF
		{"webhook":"pd","platform":"pagerduty","body":{"routing_key":"k","event_action":"trigger","payload":{"summary":"s","severity":"fatal","source":"h"}}}
		{"webhook":"pd","platform":"pagerduty","body":{"routing_key":"k","event_action":"resolve"}}
	EOF
	assert_failure 1
	assert_output - <<-EOF
		line 1: schema: 'fatal' is not one of ['critical', 'warning', 'error', 'info'] at /payload/severity
		line 2: resolve without a dedup_key
	EOF
}

@test "pagerduty: a rate_resolved resolves with its rate_threshold's dedup_key" {
	real_events in.ndjson
	run pg-format -f pagerduty --routing-key "$KEY" in.ndjson
	assert_success
	ndjson_check '[b["body"]["event_action"] for b in ev if b["body"]["event_action"] == "resolve"] == ["resolve"]'
	ndjson_check '
		[b["body"]["dedup_key"] for b in ev if b["body"]["event_action"] == "resolve"] ==
		[b["body"]["dedup_key"] for b in ev if b["body"].get("payload", {}).get("class") == "rate_threshold"]'
	ndjson_check 'all("payload" not in b["body"] for b in ev if b["body"]["event_action"] == "resolve")'
}

@test "pagerduty: --routing-key '\${PD_KEY}' is expanded from the environment" {
	PD_KEY=secret-from-env run pg-format -f pagerduty --routing-key '${PD_KEY}' <<<'{"event":{"type":"log_entry","level":"FATAL","message":"x"}}'
	assert_success
	ndjson_check 'ev[0]["body"]["routing_key"] == "secret-from-env"'
	run --separate-stderr env -u PD_KEY pg-format -f pagerduty --routing-key '${PD_KEY}' </dev/null
	assert_failure 64
	assert_equal "$stderr" "pg-format: --routing-key: environment variable PD_KEY is not set
Try 'pg-format --help' for more information."
}

@test "opsgenie: every limit holds on real and hostile events" {
	real_events in.ndjson
	hostile_events hostile.ndjson
	run --separate-stderr pg-format -f opsgenie in.ndjson hostile.ndjson
	assert_success
	assert_equal "$stderr" ""
	ndjson_check '
		len(ev) == 18 and all(
			len(b["message"]) <= 130 and len(b["alias"]) <= 250 and len(b["description"]) <= 15000 and
			len(b["entity"]) <= 512 and len(b["source"]) <= 100 and b["priority"] in ("P1","P2","P3","P4","P5") and
			len(b["tags"]) <= 20 and all(len(t) <= 50 for t in b["tags"]) and
			all(isinstance(v, str) for v in b["details"].values()) and
			sum(len(k) + len(v) for k, v in b["details"].items()) <= 8000
			for b in (d["body"] for d in ev))'
}

@test "splunk-hec: time is the event's epoch seconds with milliseconds" {
	real_events in.ndjson
	run pg-format -f splunk-hec in.ndjson
	assert_success
	ndjson_check '
		__import__("datetime") and all(
			abs(d["body"]["time"] - __import__("datetime").datetime.fromisoformat(d["body"]["event"]["timestamp"].replace("Z", "+00:00")).timestamp()) < 0.0005
			and d["body"]["sourcetype"] == "postgresql:alert" and d["platform"] == "splunk-hec"
			for d in ev)'
	assert_output --partial '"time":1796317715.014,'
}

@test "ecs: nested objects, never dotted keys" {
	real_events in.ndjson
	run pg-format -f ecs in.ndjson
	assert_success
	ndjson_check '
		all(d["body"]["event"]["kind"] == "alert" and d["body"]["ecs"]["version"] and
			not any("." in k for k in d["body"]) and not any("." in k for k in d["body"]["event"])
			for d in ev)'
}

@test "template: a JSON template file over several lines gives a one-line JSON body" {
	cat >t.json <<-'EOF'
		{
		  "title": "{{headline}}",
		  "where": "{{instance_display}}",
		  "message": "{{event.message}}"
		}
	EOF
	pg-parse -q "$LOG" | pg-match errors | head -n 5 >in.ndjson
	run --separate-stderr pg-format -f template --template-json --template-file t.json in.ndjson
	assert_success
	assert_equal "$stderr" ""
	ndjson_check 'len(ev) == 5 and ev[4]["body"] == {"title": "ERROR: stock too low for order of 9 items", "where": "pg15 (vm)", "message": "stock too low for order of 9 items"}'
}

@test "template: a text template is sent as text/plain" {
	run pg-format -f template --template '{{event.level}} on {{instance_display}}: {{event.message}}' <<<'{"instance":{"host":"db1"},"event":{"type":"log_entry","level":"PANIC","message":"could not write"}}'
	assert_success
	assert_output '{"webhook":"default","platform":"json","content_type":"text/plain; charset=utf-8","body":"PANIC on db1: could not write"}'
}

@test "template: a misspelled placeholder is refused at start (64), with a suggestion" {
	run --separate-stderr pg-format -f template --template '{{event.mesage}}' <<<'{"event":{"type":"log_entry","level":"PANIC","message":"x"}}'
	assert_equal "$status" 64
	assert_output ""
	[[ $stderr == *"template line 1, column 1: unknown placeholder {{event.mesage}} (did you mean 'event.message'?)"* ]]
}
