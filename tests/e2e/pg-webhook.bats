#!/usr/bin/env bats
# pg-webhook run end to end (issue 6): the whole pipeline follows the stderr
# log of a real PostgreSQL server; every connection slot is taken and one more
# client gets FATAL 53300 "sorry, too many clients already"; the Slack-format
# message must arrive at the local receiver (tests/receiver/, its /slack path
# answers `ok` as Slack does), nothing may stay in the spool after a SIGTERM,
# and the FATALs logged while the run was stopped are sent after a restart,
# each exactly once.
#
# The server (pg_server.bash) allows max_connections = 5 with 1 reserved for
# superusers; five superuser sessions fill every slot. log_error_verbosity is
# verbose, so the stderr log carries the SQLSTATE ("FATAL:  53300: ...") with
# Debian's log_line_prefix, which pg-parse recognises by itself.
#
# Run alone with BUILD=build bats tests/e2e/pg-webhook.bats; PGT_KEEP=1 keeps
# the server's directory.

bats_require_minimum_version 1.5.0

PREFIX='%m [%p] %q%u@%d '
TOO_MANY='sorry, too many clients already'

source "$BATS_TEST_DIRNAME/common.bash"

# One template cluster for the file's servers (pg_server.bash).
setup_file() { e2e_server_template; }
teardown_file() { e2e_server_template_remove; }

setup() {
	e2e_setup pg-webhook
	load ../receiver/receiver
	PGT_E2E_DIR=$BATS_TEST_DIRNAME
	source "$PGT_E2E_DIR/pg_server.bash"
	source "$PGT_E2E_DIR/workload.bash"
	command -v jq >/dev/null || fail "no jq: run make deps"
	e2e_private_env
	export PGCLIENTENCODING=UTF8
	CONF=$BATS_TEST_TMPDIR/webhooks.ini
	RUN_N=0
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	if [[ -n ${RUN_PID:-} ]]; then
		# Its stages run in process groups of their own: if it has to be
		# killed, they are ended too, each by its pid.
		local stages p
		stages=$(pgrep -P "$RUN_PID" 2>/dev/null)
		kill -TERM "$RUN_PID" 2>/dev/null
		if ! pgt_wait 20 "pg-webhook run to stop" pgt_exited "$RUN_PID"; then
			kill -9 "$RUN_PID" 2>/dev/null
			for p in $stages; do kill -9 "$p" 2>/dev/null; done
		fi
		wait "$RUN_PID" 2>/dev/null
	fi
	pg_server_teardown
	receiver_stop_all
	return 0
}

# start_all: the server, the receiver and a webhooks file with one Slack
# webhook on FATAL pointing at the receiver, and a database for the clients.
start_all() {
	pg_server_init "$PREFIX" UTC verbose || fail "cannot create the server"
	pg_server_start || fail "cannot start the server"
	receiver_start || fail "cannot start the receiver"
	# The URL is not hooks.slack.com: the format is said.
	cat >"$CONF" <<-EOF
	[global]
	instance_name = e2e-pg$PGT_PG_MAJOR

	[webhook "slack"]
	url = $RECV/slack
	format = slack
	on = FATAL
	EOF
	chmod 0600 "$CONF"
	: >"$PGT_DIR/workload.out"
	pgt_psql -c 'create database shop' || fail "create database failed: $(cat "$PGT_DIR/workload.out")"
}

# run_start: `pg-webhook run` on the server's stderr log in the background
# (RUN_PID; its stderr in run.N.err, N counting the starts); returns once it
# follows the log: on a first start it begins at the log's end.
run_start() {
	RUN_N=$((RUN_N + 1))
	RUN_ERR=run.$RUN_N.err
	pg-webhook --config="$CONF" run --drain-timeout 5 "$PGT_LOG_STDERR" 2>"$RUN_ERR" 3>&- &
	RUN_PID=$!
	pgt_wait 30 "pg-webhook run to follow $PGT_LOG_STDERR" grep -q '^pg-webhook: following ' "$RUN_ERR" ||
		fail "pg-webhook run did not start: $(cat "$RUN_ERR")"
}

# run_stop: SIGTERM, bounded wait; its exit status in RUN_STATUS.
run_stop() {
	kill -TERM "$RUN_PID"
	pgt_wait 30 "pg-webhook run to stop after SIGTERM" pgt_exited "$RUN_PID" ||
		fail "pg-webhook run still runs 30 s after SIGTERM: $(cat "$RUN_ERR")"
	RUN_STATUS=0
	wait "$RUN_PID" || RUN_STATUS=$?
	RUN_PID=
}

# fill_slots: five superuser sessions hold every connection slot.
fill_slots() {
	local i
	pgt_wait_clients 0 || fail "clients left from before"
	for i in 1 2 3 4 5; do
		pgt_hold_slot "su$i" postgres || fail "cannot hold slot $i: $(cat "$PGT_DIR/workload.out")"
	done
	pgt_wait_clients 5 || fail "the holders did not all connect"
}

# refuse_one N: one more client, refused; waits until the log holds N
# "too many clients" entries in all (the logging collector writes them a
# moment later) and the refused backend is gone, so the next one is refused
# the same way.
refuse_one() {
	pgt_psql -d shop -c 'select 1' && fail "a sixth client was let in"
	pgt_wait 30 "$1 '$TOO_MANY' entries in the log" logged_too_many "$1" ||
		fail "the log has $(grep -c "$TOO_MANY" "$PGT_LOG_STDERR") of them: $(tail -n 20 "$PGT_LOG_STDERR")"
	pgt_wait_clients 5 || fail "the refused backend stays"
}

logged_too_many() {
	[[ $(grep -c "FATAL:  53300: $TOO_MANY" "$PGT_LOG_STDERR") -eq $1 ]]
}

# slack_messages: the bodies the receiver got on /slack, one JSON object a line.
slack_messages() {
	jq -c 'select(.path == "/slack") | .body | fromjson' "$RECV_LOG"
}

# left_in_spool: deliveries still waiting or dead in the webhook's spool.
left_in_spool() {
	{
		find "$SPOOL/slack" -maxdepth 1 -type f -name '0*' 2>/dev/null
		find "$SPOOL/slack/dead" -type f 2>/dev/null
	} | wc -l | tr -d ' '
}

# first_refusal_then_stop: run follows the server's log, every slot is held,
# one more client is refused; once its alert arrived, run is stopped.
first_refusal_then_stop() {
	start_all
	run_start
	fill_slots
	refuse_one 1
	recv_wait 1 30 || fail "nothing received: $(cat "$RUN_ERR")"
	run_stop
}

@test "run: a FATAL 'too many clients' of a real server arrives as a Slack message; SIGTERM leaves an empty spool and status 0" {
	first_refusal_then_stop
	cat "$RUN_ERR"
	assert_equal "$RUN_STATUS" 0
	[[ ! -e $SPOOL/run.pid ]] || fail "the pidfile is left"
	assert_equal "$(left_in_spool)" 0

	# Exactly one request, a POST of JSON to /slack, answered 200 `ok`.
	assert_equal "$(recv_count "$RECV_ALL")" 1
	run jq -r '[.method, .path, .status, .headers["content-type"]] | join(" ")' "$RECV_LOG"
	assert_output "POST /slack 200 application/json"
	slack_messages >slack.ndjson
	run jq -r '.text' slack.ndjson
	assert_output "FATAL: $TOO_MANY"
	run jq -r '.attachments[0].color' slack.ndjson
	assert_output danger
	run jq -r '.attachments[0].fields[] | select(.title == "Level" or .title == "SQLSTATE" or .title == "Instance") | .title + "=" + .value' slack.ndjson
	assert_output "$(printf '%s\n' "Instance=e2e-pg$PGT_PG_MAJOR" Level=FATAL SQLSTATE=53300)"
	run jq -r '.attachments[0].fallback' slack.ndjson
	assert_output --partial "$TOO_MANY"
	# The PID is the refused backend's, as the log says.
	local pid
	pid=$(grep "FATAL:  53300: $TOO_MANY" "$PGT_LOG_STDERR" | sed -E 's/^[^[]*\[([0-9]+)\].*/\1/')
	run jq -r '.attachments[0].fields[] | select(.title == "PID") | .value' slack.ndjson
	assert_output "$pid"
}

@test "run: FATALs logged while it is stopped are sent after a restart, from the saved offset, each exactly once" {
	first_refusal_then_stop
	assert_equal "$RUN_STATUS" 0
	assert_equal "$(left_in_spool)" 0
	[[ -s $SPOOL/run.offsets ]] || fail "no saved offsets in $SPOOL"

	# Two more while nobody follows the log.
	refuse_one 2
	refuse_one 3
	assert_equal "$(recv_count "$RECV_ALL")" 1

	run_start
	recv_wait 3 30 || fail "the FATALs written while stopped did not arrive: $(cat "$RUN_ERR")"
	# One more while it runs: after the backlog, the restarted run follows live.
	refuse_one 4
	recv_wait 4 30 || fail "the FATAL after the restart did not arrive: $(cat "$RUN_ERR")"
	run_stop
	cat run.1.err run.2.err
	assert_equal "$RUN_STATUS" 0
	assert_equal "$(left_in_spool)" 0

	# Each of the four refused backends once, nothing else (pg-send may
	# deliver the two sent after the restart in either order).
	assert_equal "$(recv_count "$RECV_ALL")" 4
	assert_equal "$(slack_messages | jq -r .text | sort -u)" "FATAL: $TOO_MANY"
	local want got
	want=$(grep "FATAL:  53300: $TOO_MANY" "$PGT_LOG_STDERR" | sed -E 's/^[^[]*\[([0-9]+)\].*/\1/' | sort)
	got=$(slack_messages | jq -r '.attachments[0].fields[] | select(.title == "PID") | .value' | sort)
	assert_equal "$got" "$want"
	assert_equal "$(sort -u <<<"$got" | wc -l)" 4
}
