#!/usr/bin/env bats
# pg-send end to end against the local receiver (tests/receiver/), the tests
# of issue 5 that take longer than a CLI test:
# - crash: 10,000 numbered deliveries through an endpoint failing a random
#   30% of requests (500, 429 with Retry-After: 0, hangs past a 0.5 s
#   timeout), pg-send killed with SIGKILL 4 times and restarted, the feeder
#   writing again what was neither spooled nor answered, then --flush: every
#   number arrives, duplicates only from requests in flight (send_crash.py);
# - stall: 100,000 deliveries for an endpoint that never answers are read and
#   spooled without waiting on it while another webhook of the same run
#   delivers all of its own;
# - TLS: a self-signed endpoint is refused by default, accepted with --cacert.
#
# Run alone with BUILD=build bats tests/e2e/pg-send.bats (about 2 minutes).

bats_require_minimum_version 1.5.0

source "$BATS_TEST_DIRNAME/common.bash"

setup() {
	e2e_setup pg-send
	load ../receiver/receiver
	e2e_private_env
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	[[ -n ${SEND_PID:-} ]] && kill -9 "$SEND_PID" 2>/dev/null
	# The crash driver and its pg-send, if the test failed midway.
	if [[ -n ${CRASH_PID:-} ]]; then
		pkill -9 -P "$CRASH_PID" 2>/dev/null
		kill -9 "$CRASH_PID" 2>/dev/null
	fi
	receiver_stop_all
	return 0
}

# queued WEBHOOK: files waiting in SPOOL/WEBHOOK.
queued() {
	find "$SPOOL/$1" -maxdepth 1 -type f -name '0*' 2>/dev/null | wc -l | tr -d ' '
}

@test "crash: 10,000 deliveries, 30% failing, pg-send killed -9 four times: every one arrives, duplicates only from requests in flight" {
	receiver_start
	"$PGT_PYTHON3" "$BATS_TEST_DIRNAME/send_crash.py" "$BUILD/bin/pg-send" "$RECV/flaky?fail=0.3&retry_after=0" \
		"$SPOOL" "$RECV_LOG" --count 10000 --kills 4 --parallel 8 >crash.out 2>&1 &
	CRASH_PID=$!
	local rc=0
	wait "$CRASH_PID" || rc=$?
	CRASH_PID=
	cat crash.out
	[[ $rc -eq 0 ]] || { tail -n 20 pg-send.err; fail "the crash test failed (status $rc)"; }
	# The endpoint did fail: the test was not run against a kind one.
	python3() { "$PGT_PYTHON3" "$@"; }
	run python3 -c '
import json, sys
st = [json.loads(l)["status"] for l in open(sys.argv[1])]
print(sum(s == 500 for s in st) > 100 and sum(s == 429 for s in st) > 100 and sum(s == "hang" for s in st) > 20)
' "$RECV_ALL"
	assert_output True
}

@test "stall: 100,000 deliveries to an endpoint that never answers are read without waiting; another webhook keeps delivering" {
	receiver_start
	printf '[webhook "stuck"]\nurl = %s/hang\nformat = json\n\n[webhook "fine"]\nurl = %s/ok\nformat = json\n' \
		"$RECV" "$RECV" >hooks.ini
	"$PGT_PYTHON3" -c '
import sys
out = sys.stdout
for i in range(1, 100001):
    out.write("{\"webhook\":\"stuck\",\"body\":{\"n\":%d}}\n" % i)
    if i % 100 == 0:
        out.write("{\"webhook\":\"fine\",\"body\":{\"n\":%d}}\n" % (i // 100))
' >in.ndjson
	local start=$SECONDS
	cat in.ndjson | pg-send --config=hooks.ini --timeout 120s --drain-timeout 1s 2>err &
	SEND_PID=$!
	local rc=0
	# Reading must not wait on /hang (one request that never ends): all is spooled within a minute.
	for ((i = 0; i < 1200; i++)); do kill -0 "$SEND_PID" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$SEND_PID" 2>/dev/null && fail "pg-send still runs after 60 s: $(cat err)"
	wait "$SEND_PID" || rc=$?
	SEND_PID=
	echo "ended after $((SECONDS - start)) s with status $rc"
	cat err
	assert_equal "$rc" 75
	assert_equal "$(queued stuck)" 100000
	assert_equal "$(queued fine)" 0
	assert_equal "$(recv_count)" 1000
	assert_equal "$(grep -c '"path": "/hang"' "$RECV_ALL")" 1
}

@test "TLS: a self-signed endpoint is refused by default and accepted with --cacert" {
	receiver_start --tls
	local cert=$RECV_CERT
	run --separate-stderr pg-send --url "$RECV/ok" --retry-base 20ms --drain-timeout 0.5s <<<'{"body":{"n":1}}'
	assert_equal "$status" 75
	[[ $stderr == *certificate* ]] || fail "the refusal does not name the certificate: $stderr"
	assert_equal "$(recv_count)" 0
	# Another self-signed certificate is no better.
	mkdir other && make_cert other
	run --separate-stderr pg-send --flush --url "$RECV/ok" --cacert other/cert.pem --retry-base 20ms --drain-timeout 0.5s
	assert_equal "$status" 75
	assert_equal "$(recv_count)" 0
	run --separate-stderr pg-send --flush --url "$RECV/ok" --cacert "$cert"
	assert_success
	[[ $stderr != *insecure* ]] || fail "--cacert is not --insecure: $stderr"
	assert_equal "$(recv_count)" 1
	grep -q '"body": "{\\"n\\":1}"' "$RECV_LOG" || fail "not the spooled delivery: $(cat "$RECV_LOG")"
}
