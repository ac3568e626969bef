#!/usr/bin/env bats
# scripts/demo (`make demo`): run as a user on a fresh machine would, with a
# clean environment (no PGTAIL_* variables, an empty HOME), it shows what each
# endpoint received, the failing endpoint's deliveries spooled then flushed,
# and leaves no process and no temporary folder behind, also when stopped
# half-way.

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	for t in pg-parse pg-match pg-format pg-send pg-webhook; do require_tool "$t"; done
	DEMO_TMP=$BATS_TEST_TMPDIR/tmp DEMO_HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$DEMO_TMP" "$DEMO_HOME"
}

# demo [ARGS...]: scripts/demo with nothing of this shell's environment but
# the build, a PATH of system directories, HOME and TMPDIR of this test.
demo() {
	env -i PATH=/usr/bin:/bin HOME="$DEMO_HOME" TMPDIR="$DEMO_TMP" BUILD="$PGT_BUILD" \
		"$PGT_ROOT/scripts/demo" "$@"
}

# assert_nothing_left: no process of the demo runs (the receiver's pid, and
# anything whose command line names this test's folder), and its temporary
# folder is gone.
assert_nothing_left() {
	local pid=$1
	if kill -0 "$pid" 2>/dev/null; then fail "the receiver (pid $pid) still runs"; fi
	run pgrep -f -a "$BATS_TEST_TMPDIR"
	assert_output ""
	run ls -A "$DEMO_TMP"
	assert_output ""
}

@test "make demo: each endpoint's payloads, a failing endpoint spooled and flushed, nothing left" {
	run demo
	assert_success
	pid=$(printf '%s\n' "$output" | sed -n 's/^receiver on http:\/\/127\.0\.0\.1:[0-9]* (pid \([0-9]*\))$/\1/p')
	[[ -n $pid ]] || fail "no 'receiver on ... (pid N)' line"

	# The webhooks, set up with pg-webhook's own commands.
	assert_line "Webhook 'slack' will trigger on: FATAL, PANIC"
	assert_line "Webhook 'pagerduty' will trigger on: FATAL; errors > 5/min"
	assert_line "Webhook 'discord' will trigger on: ERROR"
	assert_line "routing_key = \${PD_ROUTING_KEY}"
	assert_line --regexp '^pg-send: 13 read, 13 sent, 0 retried, 0 rejected, 0 expired, 0 left in the spool; latency '


	# What each endpoint received: the three FATALs on Slack, ...
	assert_line "slack: 3 POSTs to /slack, answered 200"
	assert_line '  FATAL: database "nosuchdb" does not exist'
	assert_line '  FATAL: role "ghost" does not exist'
	assert_line '  FATAL: remaining connection slots are reserved for non-replication superuser connections'
	assert_line '      "text": "FATAL: database \"nosuchdb\" does not exist",'
	# ... the FATALs and the error rate on PagerDuty, the key in the body, ...
	assert_line "pagerduty: 4 POSTs to /status/202, answered 202"
	assert_line '  trigger critical: PostgreSQL on pg15 (vm): 6 errors in the last 60 s (threshold 5/min)'
	assert_line --regexp '^  trigger critical: PostgreSQL FATAL on pg15 \(.*\): role "ghost" does not exist$'
	assert_line '      "routing_key": "demo-routing-key-0123456789abcd",'
	# ... the six ERRORs on Discord, at the URL Discord's API is called with.
	assert_line --regexp '^discord: 6 POSTs to /api/(v[0-9]+/)?webhooks/1234/demo-token(\?wait=true)?, answered 200$'
	assert_line '  ERROR: duplicate key value violates unique constraint "orders_pkey"'
	assert_line '  ERROR: deadlock detected'
	assert_line '      "content": "ERROR: duplicate key value violates unique constraint \"orders_pkey\"",'

	# The failing endpoint: nine deliveries left in the spool, status 75 ...
	assert_line --regexp '^pg-send: 9 read, 0 sent, [1-9][0-9]* retried, 0 rejected, 0 expired, 9 left in the spool$'
	assert_line "pg-send exited 75: deliveries wait in the spool"
	assert_line "0000000000000001"
	assert_line "0000000000000009"
	assert_line '      "webhook": "ops",'
	assert_line --regexp '^ops +9 +0 +[0-9]+ms +retrying 503, '
	# ... then repointed, and flushed: all nine arrive, the spool is empty.
	assert_line --regexp '^\$ pg-webhook --config=webhooks.ini ops set url http://127\.0\.0\.1:[0-9]+/ok$'
	assert_line --partial "pg-send: 0 read, 9 sent, 0 retried, 0 rejected, 0 expired, 0 left in the spool"
	assert_line "ops: 9 POSTs to /ok, answered 200"
	assert_line '  ERROR: division by zero'
	assert_line '  FATAL: role "ghost" does not exist'
	after=$(printf '%s\n' "$output" | sed -n '/^\$ pg-send --flush/,$p' | sed -n '/^\$ ls spool\/ops$/,/^ops:/p')
	assert_equal "$after" $'$ ls spool/ops\ndead\nstate\nops: 9 POSTs to /ok, answered 200'

	assert_line --regexp '^nothing left running, .*/tmp/pgtail-demo\.[A-Za-z0-9]+ removed$'
	assert_nothing_left "$pid"
	# Only its own files: nothing written under HOME.
	run ls -A "$DEMO_HOME"
	assert_output ""
}

@test "make demo: stopped half-way (SIGTERM), it still stops the receiver and removes its folder" {
	: >"$BATS_TEST_TMPDIR/out"
	# Not through demo(): a function in the background is a subshell, whose pid
	# is not the script's.
	env -i PATH=/usr/bin:/bin HOME="$DEMO_HOME" TMPDIR="$DEMO_TMP" BUILD="$PGT_BUILD" \
		"$PGT_ROOT/scripts/demo" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local demo_pid=$! i pid=
	# Stop it while pg-send retries the failing endpoint (a 2 s drain).
	for ((i = 0; i < 400; i++)); do
		grep -q -- '--drain-timeout=2s$' "$BATS_TEST_TMPDIR/out" && break
		sleep 0.05
	done
	grep -q -- '--drain-timeout=2s$' "$BATS_TEST_TMPDIR/out" || fail "the demo never reached the failing endpoint"
	kill -TERM "$demo_pid"
	local rc=0
	wait "$demo_pid" || rc=$?
	assert_equal "$rc" 143
	pid=$(sed -n 's/^receiver on http:\/\/127\.0\.0\.1:[0-9]* (pid \([0-9]*\))$/\1/p' "$BATS_TEST_TMPDIR/out")
	[[ -n $pid ]] || fail "no 'receiver on ... (pid N)' line"
	assert_nothing_left "$pid"
}
