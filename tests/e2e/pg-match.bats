#!/usr/bin/env bats
# pg-match on the events of a real PostgreSQL server, through pg-parse: the
# workload of workload.bash (errors, a deadlock, missing database and role, too
# many clients) must fire exactly the rules that name them, replayed from the
# log file and live while the server runs.
#
# Run alone with BUILD=build bats tests/e2e/pg-match.bats; PGT_KEEP=1 keeps the
# run's directory.

PREFIX='%m [%p] %q%u@%d '

source "$BATS_TEST_DIRNAME/common.bash"

# One template cluster for the file's servers (pg_server.bash).
setup_file() { e2e_server_template; }
teardown_file() { e2e_server_template_remove; }

setup() {
	e2e_setup pg-match
	PGT_E2E_DIR=$BATS_TEST_DIRNAME
	source "$PGT_E2E_DIR/pg_server.bash"
	source "$PGT_E2E_DIR/workload.bash"
	export PGCLIENTENCODING=UTF8
}

teardown() {
	[[ -n ${PGT_TAIL_PID:-} ]] && kill "$PGT_TAIL_PID" 2>/dev/null
	pg_server_teardown
}

# count FILE JQ_FILTER: how many lines of FILE the filter selects.
count() {
	jq -c "select($2)" "$1" | wc -l
}

@test "replayed: every rule fires on exactly the events it names, the rate once, throttle and dedup summarised" {
	pg_server_init "$PREFIX" UTC default || fail "cannot create the server"
	pg_server_start || fail "cannot start the server"
	run_workload || { cat "$PGT_DIR/workload.out"; fail "workload failed"; }
	pg_server_stop || fail "cannot stop the server"
	cat >"$PGT_DIR/webhooks.ini" <<-EOF
	[webhook "oncall"]
	url = https://example.invalid/oncall
	on = FATAL PANIC
	on = sqlstate:40P01

	[webhook "pagerduty"]
	url = https://example.invalid/pd
	on = errors > 3/min

	[webhook "dba"]
	url = https://example.invalid/dba
	on = /terminating connection/
	dedup = 1h

	[webhook "chat"]
	url = https://example.invalid/chat
	on = >=WARNING
	throttle = 2/h
	EOF
	# csvlog: Debian's prefix has no %e, the csvlog has every SQLSTATE.
	pg-parse "$PGT_LOG_CSV" >"$PGT_DIR/events.ndjson" 2>/dev/null
	run pg-match --config="$PGT_DIR/webhooks.ini" "$PGT_DIR/events.ndjson"
	assert_success
	printf '%s\n' "$output" >"$PGT_DIR/out.ndjson"
	local ev=$PGT_DIR/events.ndjson out=$PGT_DIR/out.ndjson

	# oncall: each FATAL (missing database, missing role, the two "too many
	# clients") and the deadlock, once each, with its fingerprint.
	local want
	want=$(count "$ev" '.event.level == "FATAL" or .event.level == "PANIC" or .event.sqlstate == "40P01"')
	(( want >= 5 )) || fail "the workload logged only $want FATAL/deadlock entries"
	assert_equal "$(count "$out" '.trigger.webhook == "oncall"')" "$want"
	assert_equal "$(count "$out" '.trigger.webhook == "oncall" and .event.sqlstate == "53300"')" 2
	assert_equal "$(count "$out" '.trigger.webhook == "oncall" and .trigger.rule == "sqlstate:40P01" and (.event.message | test("deadlock detected"))')" 1
	assert_equal "$(count "$out" '.trigger.webhook == "oncall" and (.event.fingerprint | test("^[0-9a-f]{16}$"))')" "$want"

	# pagerduty: the workload's errors come in one burst: one rate_threshold.
	assert_equal "$(count "$out" '.trigger.webhook == "pagerduty"')" 1
	assert_equal "$(count "$out" '.trigger.webhook == "pagerduty" and .event.type == "rate_threshold" and .event.count == 4 and .event.threshold == 3')" 1

	# dba: the holders terminated at the end all say the same: the first is
	# sent, the others within the hour folded into one summary.
	local terminated
	terminated=$(count "$ev" '.event.message == "terminating connection due to administrator command"')
	(( terminated >= 2 )) || fail "only $terminated terminated connections logged"
	assert_equal "$(count "$out" '.trigger.webhook == "dba" and .event.type == "log_entry"')" 1
	assert_equal "$(jq -c 'select(.trigger.webhook == "dba" and .event.type == "suppressed") | [.trigger.rule, .event.count, .event.top_messages[0].count]' "$out")" \
		"[\"dedup:1h\",$((terminated - 1)),$((terminated - 1))]"

	# chat: two alerts, then everything else at WARNING or above in one summary.
	local warn
	warn=$(count "$ev" '.event.level == "WARNING" or .event.level == "ERROR" or .event.level == "FATAL" or .event.level == "PANIC"')
	assert_equal "$(count "$out" '.trigger.webhook == "chat" and .event.type == "log_entry"')" 2
	assert_equal "$(count "$out" '.trigger.webhook == "chat" and .event.type == "suppressed" and .trigger.rule == "throttle:2/h"')" 1
	assert_equal "$(jq -r 'select(.trigger.webhook == "chat" and .event.type == "suppressed") | .event.count' "$out")" $((warn - 2))

	# The dry run counts the same.
	run pg-match --config="$PGT_DIR/webhooks.ini" --dry-run --summary --json "$ev"
	assert_success
	assert_equal "$(jq '.webhooks[] | select(.webhook == "oncall") | .events' <<<"$output")" "$want"
	assert_equal "$(jq '.webhooks[] | select(.webhook == "chat") | .suppressed' <<<"$output")" $((warn - 2))
}

@test "live: an alert is out while the server still runs, from tail -F through pg-parse" {
	pg_server_init "$PREFIX" UTC default || fail "cannot create the server"
	pg_server_start || fail "cannot start the server"
	local out=$PGT_DIR/live.ndjson
	tail -n +1 -F "$PGT_LOG_STDERR" 2>/dev/null | pg-parse -q --prefix "$PREFIX" |
		pg-match '/does not exist/ and FATAL' >"$out" &
	PGT_TAIL_PID=$!
	pgt_psql -d nosuchdb -c 'select 1' || true
	# Bounded: pg-parse completes the entry after its idle flush (50 ms), and
	# pg-match writes it at once.
	pgt_wait 10 "the alert for the missing database" grep -q nosuchdb "$out" ||
		fail "no alert while the server runs: $(cat "$out")"
	run jq -r '.trigger.rule + " " + .event.message' "$out"
	assert_output 'pattern:/does not exist/ and level:FATAL database "nosuchdb" does not exist'
	pkill -P "$PGT_TAIL_PID" 2>/dev/null || true
}
