#!/usr/bin/env bats
# pg-send as a user runs it (issue 5): where to send (--url, --header in both
# forms, ${ENV}, --config, --raw, --platform and each platform's success
# answer, Discord's versioned URL), the retry policy (which statuses, both
# Retry-After forms, Discord's retry_after, a 429 holding the webhook,
# backoff, --max-age), the spool (plain 0600 files, no URLs or headers in
# it, dead/ with reasons, a corrupt file moved aside, --flush, --status,
# --requeue-dead, flock between processes), a spool that cannot be written
# (memory queue, then the pipe backs up), signals (SIGTERM drain, SIGUSR1
# statistics), --stats-file, secrets kept out of every output, and the exit
# statuses 0, 64, 65, 66, 69, 75 and 78.
#
# Every request goes to tests/receiver/receiver.py on loopback, started by
# the test; it logs each request it answered 2xx (RECV_LOG) and every request
# (RECV_ALL) as NDJSON, so a test reads what arrived and when. Waits are short
# flags (--retry-base 20ms, --drain-timeout 0.5s …), so the file takes about
# a minute.

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	load ../receiver/receiver
	require_tool pg-send
	cd "$BATS_TEST_TMPDIR"
	# No config or spool of the machine or the user is ever touched.
	export HOME=$BATS_TEST_TMPDIR
	unset XDG_CONFIG_HOME XDG_STATE_HOME
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
	SPOOL=$BATS_TEST_TMPDIR/spool
	export PGTAIL_SPOOL=$SPOOL
	# Nothing listens on port 1: connections are refused at once.
	DOWN=http://127.0.0.1:1/down
	FAST=(--retry-base 20ms --retry-max-delay 100ms --drain-timeout 0.5s)
	# For a test that waits on purpose (a Retry-After, a timeout) after the input ended.
	PATIENT=(--retry-base 20ms --retry-max-delay 100ms --drain-timeout 5s)
}

teardown() {
	local p
	for p in ${BG_PIDS:-}; do kill -9 "$p" 2>/dev/null || true; done
	for p in ${BG_PIDS:-}; do wait "$p" 2>/dev/null || true; done
	[[ -n ${FIFO_OPEN:-} ]] && exec 7>&-
	receiver_stop_all
}

# deliv N [WEBHOOK] [MEMBERS]: one delivery line whose body is {"n":N}.
deliv() {
	printf '{%s"body":{"n":%s}%s}\n' "${2:+\"webhook\":\"$2\",}" "$1" "${3:+,$3}"
}

# delivs FROM TO [WEBHOOK]: deliveries FROM..TO.
delivs() {
	local i
	for ((i = $1; i <= $2; i++)); do deliv "$i" "${3:-}"; done
}

# queued [WEBHOOK]: how many deliveries wait in SPOOL/WEBHOOK (default "default").
queued() {
	local d=$SPOOL/${1:-default}
	[[ -d $d ]] || { echo 0; return; }
	find "$d" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9]{16}' | wc -l | tr -d ' '
}

# dead [WEBHOOK]: how many deliveries are in SPOOL/WEBHOOK/dead.
dead() {
	local d=$SPOOL/${1:-default}/dead
	[[ -d $d ]] || { echo 0; return; }
	find "$d" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9]{16}' | wc -l | tr -d ' '
}

# received_n [FILE]: the "n" of each body in RECV_LOG (or FILE), in order, on one line.
received_n() {
	python3 -c '
import json, sys
print(" ".join(str(json.loads(json.loads(l)["body"])["n"]) for l in open(sys.argv[1]) if l.strip()))
' "${1:-$RECV_LOG}"
}

# requests_to PATH [FILE]: how many requests RECV_ALL (or FILE) holds for PATH (with its query).
requests_to() {
	python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[2]) if l.strip() and json.loads(l)["path"] == sys.argv[1]))
' "$1" "${2:-$RECV_ALL}"
}

# gap_after_first PATH: seconds between the first and second request to PATH in RECV_ALL.
gap_after_first() {
	python3 -c '
import json, sys
t = [json.loads(l)["time"] for l in open(sys.argv[2]) if l.strip() and json.loads(l)["path"] == sys.argv[1]]
print("%.3f" % (t[1] - t[0]) if len(t) > 1 else "none")
' "$1" "$RECV_ALL"
}

# assert_stderr_has TEXT: $stderr contains TEXT.
assert_stderr_has() {
	[[ $stderr == *"$1"* ]] || fail "stderr lacks '$1':"$'\n'"$stderr"
}

# assert_usage_error MESSAGE: status 64, MESSAGE then the --help pointer on stderr, nothing on stdout.
assert_usage_error() {
	assert_equal "$status" 64
	assert_equal "$stderr" "pg-send: $1"$'\n'"Try 'pg-send --help' for more information."
	assert_equal "$output" ""
}

# bg_send ARGS...: pg-send in the background reading the fifo `in` (kept
# open on fd 7 so it does not see the end), stderr to `err`; PID in SEND_PID.
bg_send() {
	rm -f in
	mkfifo in
	pg-send "$@" <in 2>err &
	SEND_PID=$!
	BG_PIDS="${BG_PIDS:-} $SEND_PID"
	exec 7>in
	FIFO_OPEN=1
}

# wait_exit PID SECS: waits for PID to end (at most SECS); sets STATUS and ELAPSED (s).
wait_exit() {
	local pid=$1 secs=$2 i start=$SECONDS
	for ((i = 0; i < secs * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && fail "pg-send (pid $pid) still runs after ${secs}s: $(cat err 2>/dev/null)"
	STATUS=0
	wait "$pid" || STATUS=$?
	ELAPSED=$((SECONDS - start))
}

# wait_file_has FILE TEXT SECS: waits until FILE contains TEXT.
wait_file_has() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "timed out after $3s waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}

# ---------------------------------------------------------------- flags

@test "--help is on stdout with status 0; an unknown flag is a usage error" {
	run --separate-stderr pg-send --help
	assert_success
	assert_output --partial "--url"
	assert_output --partial "--flush"
	assert_equal "$stderr" ""
	run --separate-stderr pg-send --url http://127.0.0.1:1/ --no-such-flag
	assert_equal "$status" 64
	assert_equal "${stderr##*$'\n'}" "Try 'pg-send --help' for more information."
}

@test "usage errors: no --url nor --config, a URL that is not http(s), --url with --config, a bad webhook name, bad durations" {
	run --separate-stderr pg-send </dev/null
	assert_usage_error "pass --url URL or --config"
	run --separate-stderr pg-send --url ftp://127.0.0.1/x </dev/null
	assert_equal "$status" 64
	assert_stderr_has "ftp://127.0.0.1"
	printf '[webhook "a"]\nurl = http://127.0.0.1:1/\n' >hooks.ini
	run --separate-stderr pg-send --url http://127.0.0.1:1/ --config=hooks.ini </dev/null
	assert_equal "$status" 64
	run --separate-stderr pg-send --url http://127.0.0.1:1/ --webhook 'Bad Name' </dev/null
	assert_equal "$status" 64
	assert_stderr_has "--webhook"
	for flag in --timeout --connect-timeout --retry-base --retry-max-delay --max-age --drain-timeout; do
		run --separate-stderr pg-send --url http://127.0.0.1:1/ "$flag" soon </dev/null
		assert_equal "$status" 64
		assert_stderr_has "$flag"
	done
	[[ ! -e $SPOOL/default ]] || fail "a usage error created the spool"
}

# ---------------------------------------------------------------- where to send

@test "--url: each delivery's body is POSTed as JSON, in order, and the spool is emptied" {
	receiver_start
	printf '%s\n' '{"body":{"text":"one"}}' '{"webhook":"default","body":{"text":"two","n":[1,2]}}' >in.ndjson
	run --separate-stderr pg-send --url "$RECV/ok" in.ndjson
	assert_success
	assert_equal "$output" ""
	assert_stderr_has "2 sent"
	ndjson_check 'len(ev) == 2 and [json.loads(o["body"]) for o in ev] == [{"text":"one"}, {"text":"two","n":[1,2]}]
		and all(o["method"] == "POST" and o["path"] == "/ok" and o["headers"]["content-type"] == "application/json" for o in ev)' "$RECV_LOG"
	assert_equal "$(queued)" 0
}

@test "--header 'Name: value', -H and Name=value all arrive; one may replace the Content-Type" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/ok" --header 'X-One: 1' -H 'X-Two:two' --header X-Three=three \
		--header 'Content-Type: application/vnd.test+json' <<<'{"body":{"a":1}}'
	assert_success
	ndjson_check 'len(ev) == 1 and ev[0]["headers"]["x-one"] == "1" and ev[0]["headers"]["x-two"] == "two"
		and ev[0]["headers"]["x-three"] == "three" and ev[0]["headers"]["content-type"] == "application/vnd.test+json"' "$RECV_LOG"
}

@test "\${ENV} is expanded in --url and --header at start" {
	receiver_start
	export PGT_PATH=ok PGT_TOKEN=t0ken
	run --separate-stderr pg-send --url "$RECV/\${PGT_PATH}?k=\${PGT_TOKEN}" --header 'Authorization: Bearer ${PGT_TOKEN}' \
		<<<'{"body":{}}'
	assert_success
	ndjson_check 'ev[0]["path"] == "/ok?k=t0ken" and ev[0]["headers"]["authorization"] == "Bearer t0ken"' "$RECV_LOG"
}

@test "a header with CR or LF is refused (from the flag, from \${ENV}, from the config); nothing is sent" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/ok" --header $'X-Bad: a\r\nX-Injected: 1' <<<'{"body":{}}'
	assert_equal "$status" 64
	assert_stderr_has "X-Bad"
	export PGT_NL=$'a\nX-Injected: 1'
	run --separate-stderr pg-send --url "$RECV/ok" --header 'X-Env: ${PGT_NL}' <<<'{"body":{}}'
	assert_equal "$status" 64
	assert_stderr_has "X-Env"
	printf '[webhook "a"]\nurl = %s/ok\nformat = json\nheader = X-Conf: ${PGT_NL}\n' "$RECV" >hooks.ini
	run --separate-stderr pg-send --config=hooks.ini <<<'{"webhook":"a","body":{}}'
	assert_equal "$status" 78
	assert_stderr_has "hooks.ini"
	assert_equal "$(recv_count "$RECV_ALL")" 0
}

@test "--webhook NAME spools under SPOOL/NAME; --spool DIR wins over \$PGTAIL_SPOOL" {
	run --separate-stderr pg-send --url "$DOWN" --webhook ops "${FAST[@]}" <<<"$(deliv 1)"
	assert_equal "$status" 75
	assert_equal "$(queued ops)" 1
	run --separate-stderr pg-send --url "$DOWN" --spool "$BATS_TEST_TMPDIR/other" "${FAST[@]}" <<<"$(deliv 2)"
	assert_equal "$status" 75
	[[ -n $(find other/default -maxdepth 1 -name '0*' -type f) ]] || fail "nothing in other/default"
	assert_equal "$(queued)" 0
}

@test "without --spool nor \$PGTAIL_SPOOL the spool is \$XDG_STATE_HOME/pgtail/spool" {
	unset PGTAIL_SPOOL
	export XDG_STATE_HOME=$BATS_TEST_TMPDIR/state
	run --separate-stderr pg-send --url "$DOWN" "${FAST[@]}" <<<"$(deliv 1)"
	assert_equal "$status" 75
	[[ -n $(find state/pgtail/spool/default -maxdepth 1 -name '0*' -type f) ]] || fail "nothing in \$XDG_STATE_HOME/pgtail/spool/default"
}

@test "--config: each delivery goes to its webhook's url with its headers; an unknown webhook's line is skipped" {
	receiver_start
	export PGT_BETA_TOKEN=b3ta
	cat >hooks.ini <<EOF
[webhook "alpha"]
url = $RECV/ok?to=alpha
format = json
header = X-Hook: alpha

[webhook "beta"]
url = $RECV/ok?to=beta
format = json
header = Authorization: Bearer \${PGT_BETA_TOKEN}
EOF
	{ deliv 1 alpha; deliv 2 beta; deliv 3 gamma; deliv 4 alpha; } >in.ndjson
	run --separate-stderr pg-send --config=hooks.ini in.ndjson
	assert_success
	assert_stderr_has "in.ndjson:3:"
	assert_stderr_has "gamma"
	ndjson_check '[(json.loads(o["body"])["n"], o["path"], o["headers"].get("x-hook"), o["headers"].get("authorization")) for o in ev] ==
		[(1, "/ok?to=alpha", "alpha", None), (2, "/ok?to=beta", None, "Bearer b3ta"), (4, "/ok?to=alpha", "alpha", None)]
		or sorted(json.loads(o["body"])["n"] for o in ev) == [1, 2, 4] and all((json.loads(o["body"])["n"] == 2) == (o["path"] == "/ok?to=beta") for o in ev)' "$RECV_LOG"
	assert_equal "$(queued alpha)" 0
	assert_equal "$(queued beta)" 0
}

@test "--config without a file name reads \$PGTAIL_CONFIG; --config --webhook NAME sends only NAME's" {
	receiver_start
	printf '[webhook "alpha"]\nurl = %s/ok?to=alpha\nformat = json\n\n[webhook "beta"]\nurl = %s/ok?to=beta\nformat = json\n' \
		"$RECV" "$RECV" >hooks.ini
	export PGTAIL_CONFIG=$BATS_TEST_TMPDIR/hooks.ini
	run --separate-stderr pg-send --config <<<"$(deliv 1 alpha; deliv 2 beta)"
	assert_success
	assert_equal "$(recv_count)" 2
	: >"$RECV_LOG"
	run --separate-stderr pg-send --config --webhook beta <<<"$(deliv 3 alpha; deliv 4 beta)"
	assert_success
	assert_equal "$(received_n)" "4"
}

@test "a bad config is refused at start with file:line and status 78" {
	printf '[webhook "a"]\nurl = http://127.0.0.1:1/\nformat = json\ncolour = red\n' >hooks.ini
	run --separate-stderr pg-send --config=hooks.ini </dev/null
	assert_equal "$status" 78
	assert_stderr_has "hooks.ini:4"
}

@test "--raw: each input line is the body, sent as is; a line that is not JSON is named and skipped" {
	receiver_start
	printf '%s\n' '{"text":"from another tool"}' 'not json' '[1,2]' >raw.ndjson
	run --separate-stderr pg-send --raw --url "$RECV/ok" --webhook rawhook raw.ndjson
	assert_success
	assert_stderr_has "pg-send: raw.ndjson:2: "
	ndjson_check '[json.loads(o["body"]) for o in ev] == [{"text":"from another tool"}, [1,2]]' "$RECV_LOG"
	[[ -d $SPOOL/rawhook ]] || fail "--raw --webhook rawhook did not spool under rawhook"
}

@test "a string body with content_type is sent as is with that Content-Type; pushgateway deliveries are PUT to their group" {
	receiver_start
	printf '%s\n' '{"body":"plain text\nline 2\n","content_type":"text/plain; charset=utf-8"}' >in.ndjson
	printf '%s\n' '{"platform":"pushgateway","content_type":"text/plain; version=0.0.4","grouping":{"job":"pgtail","instance":"db1"},"body":"pgtail_events_total 3\n"}' >>in.ndjson
	run --separate-stderr pg-send --url "$RECV" in.ndjson
	assert_success
	# A Pushgateway URL is the gateway's root: the grouping key makes the path.
	ndjson_check 'ev[0]["body"] == "plain text\nline 2\n" and ev[0]["headers"]["content-type"] == "text/plain; charset=utf-8"
		and ev[1]["method"] == "PUT" and ev[1]["path"] == "/metrics/job/pgtail/instance/db1"
		and ev[1]["body"] == "pgtail_events_total 3\n" and ev[1]["headers"]["content-type"] == "text/plain; version=0.0.4"' "$RECV_LOG"
}

@test "proxies follow libcurl's environment variables" {
	receiver_start
	export http_proxy=$RECV
	run --separate-stderr pg-send --url http://pgtail-proxy-test.invalid/ok <<<'{"body":{}}'
	assert_success
	ndjson_check 'len(ev) == 1 and ev[0].get("proxy") is True and ev[0]["path"] == "http://pgtail-proxy-test.invalid/ok"' "$RECV_LOG"
}

# ---------------------------------------------------------------- platforms

@test "Discord: an unversioned or v6 webhook URL is sent to /api/v10/ with ?wait=true, its other query kept; by --platform or the delivery's platform" {
	receiver_start
	run --separate-stderr pg-send --platform discord --url "$RECV/api/webhooks/123/t0k?thread_id=9" <<<'{"body":{"content":"hi"}}'
	assert_success
	run --separate-stderr pg-send --url "$RECV/api/v6/webhooks/456/t0k?wait=false" <<<'{"platform":"discord","body":{"content":"hi"}}'
	assert_success
	ndjson_check '[o["path"] for o in ev] == ["/api/v10/webhooks/123/t0k?thread_id=9&wait=true", "/api/v10/webhooks/456/t0k?wait=true"]
		and all(o["status"] == 200 for o in ev)' "$RECV_LOG"
}

@test "Slack: 200 with the body ok is delivered; a 200 with another body is not" {
	receiver_start
	run --separate-stderr pg-send --platform slack --url "$RECV/slack" --rate 100/s <<<'{"body":{"text":"hi"}}'
	assert_success
	assert_equal "$(queued)$(dead)" 00
	run --separate-stderr pg-send --platform slack --url "$RECV/status/200?body=fine" --rate 100/s "${FAST[@]}" \
		<<<'{"body":{"text":"hi"}}'
	[[ $status -eq 69 || $status -eq 75 ]] || fail "a Slack 200 without 'ok' ended with status $status: $stderr"
	assert_equal "$(( $(queued) + $(dead) ))" 1
}

@test "each platform's own success answer delivers; a 2xx that is not it does not" {
	receiver_start
	local p url
	# platform  URL path  -> delivered
	while read -r p url; do
		run --separate-stderr pg-send --platform "$p" --url "$RECV$url" --rate 100/s "${FAST[@]}" <<<'{"body":{}}'
		[[ $status -eq 0 ]] || fail "--platform $p to $url: status $status, expected delivered: $stderr"
	done <<'EOF'
json /status/200
json /status/201
json /status/202
json /status/204
pagerduty /status/202
opsgenie /status/202
teams /status/202
teams-legacy /teams-legacy
splunk-hec /hec
discord /api/webhooks/1/t
pushgateway /status/200
EOF
	# platform  URL path  -> not delivered
	while read -r p url; do
		rm -rf "$SPOOL"
		run --separate-stderr pg-send --platform "$p" --url "$RECV$url" --rate 100/s "${FAST[@]}" <<<'{"body":{}}'
		[[ $status -eq 69 || $status -eq 75 ]] || fail "--platform $p to $url: status $status, expected not delivered: $stderr"
	done <<'EOF'
slack /status/204
teams-legacy /status/200?body=ok
splunk-hec /status/200?body={"text":"Server+is+busy","code":9}
EOF
}

# ---------------------------------------------------------------- retries

@test "500 then 200: retried with backoff and delivered; the summary counts the retries" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/ok?first=2&first_status=500" "${FAST[@]}" <<<"$(deliv 1)"
	assert_success
	assert_equal "$(requests_to "/ok?first=2&first_status=500")" 3
	assert_stderr_has "1 sent, 2 retried"
	assert_equal "$(queued)" 0
}

@test "retried: network errors, timeouts, 408, 425, 429 and 5xx but 501 and 505" {
	receiver_start
	local how path
	for how in 408 425 429 500 502 503 504 507 599 reset hang; do
		path="/ok?first=1&first_status=$how"
		run --separate-stderr pg-send --url "$RECV$path" --timeout 0.5s "${PATIENT[@]}" <<<"$(deliv 1)"
		[[ $status -eq 0 ]] || fail "first answer $how: status $status: $stderr"
		assert_equal "$(requests_to "$path")" 2
	done
}

@test "not retried: 400, 401, 403, 404, 410, 413, 501, 505 go to dead/ with the status and the response's first bytes; status 69" {
	receiver_start
	local code d
	for code in 400 401 403 404 410 413 501 505; do
		rm -rf "$SPOOL"
		run --separate-stderr pg-send --url "$RECV/status/$code?body=why+$code" "${FAST[@]}" <<<"$(deliv "$code")"
		assert_equal "$status" 69
		assert_equal "$(requests_to "/status/$code?body=why+$code")" 1
		assert_equal "$(queued)" 0
		assert_equal "$(dead)" 1
		d=$(find "$SPOOL/default/dead" -name '0*' ! -name '*.reason')
		assert_equal "$(jq -c .body "$d")" "{\"n\":$code}"
		grep -q "$code" "$d.reason" || fail "$d.reason lacks the status $code: $(cat "$d.reason")"
		grep -q "why $code" "$d.reason" || fail "$d.reason lacks the response head: $(cat "$d.reason")"
		assert_stderr_has "$code"
	done
}

@test "Retry-After in seconds is honoured" {
	receiver_start
	local path="/ok?first=1&first_status=429&retry_after=1"
	run --separate-stderr pg-send --url "$RECV$path" "${PATIENT[@]}" <<<"$(deliv 1)"
	assert_success
	local gap
	gap=$(gap_after_first "$path")
	python3 -c "import sys; sys.exit(not 0.95 <= float('$gap') < 3)" || fail "retried $gap s after a Retry-After: 1"
}

@test "Retry-After as an HTTP-date is honoured" {
	receiver_start
	local path="/ok?first=1&first_status=503&retry_after_date=2"
	run --separate-stderr pg-send --url "$RECV$path" "${PATIENT[@]}" <<<"$(deliv 1)"
	assert_success
	local gap
	gap=$(gap_after_first "$path")
	# The date has whole seconds: 2 s ahead is 1 to 2 s after the answer.
	python3 -c "import sys; sys.exit(not 0.9 <= float('$gap') < 4)" || fail "retried $gap s after a Retry-After date 2 s ahead"
}

@test "Discord's retry_after in the 429 body (seconds, a float) is honoured" {
	receiver_start
	run --separate-stderr pg-send --platform discord --url "$RECV/api/webhooks/7/t?first=1&first_status=429&discord_retry_after=1.3" \
		"${PATIENT[@]}" <<<'{"body":{"content":"x"}}'
	assert_success
	local gap
	gap=$(gap_after_first "/api/v10/webhooks/7/t?first=1&first_status=429&discord_retry_after=1.3&wait=true")
	python3 -c "import sys; sys.exit(not 1.25 <= float('$gap') < 4)" || fail "retried $gap s after retry_after 1.3"
}

@test "a 429 holds the whole webhook, not one request (--parallel 3)" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/slow?ms=300&first=1&first_status=429&retry_after=2" --parallel 3 \
		"${PATIENT[@]}" <<<"$(delivs 1 6)"
	assert_success
	assert_equal "$(recv_count)" 6
	python3 - "$RECV_ALL" <<'EOF' || fail "requests went on during the 429's wait: $(cat "$RECV_ALL")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
t429 = [e["time"] for e in ev if e["status"] == 429][0]
# Those in flight with the 429 end by t429 + 0.3 s; nothing else before t429 + 2 s.
during = [e for e in ev if t429 + 0.5 < e["time"] < t429 + 1.9]
sys.exit(1 if during else 0)
EOF
}

@test "per webhook strictly in order: a retrying head holds the rest" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/ok?first=2&first_status=500" "${FAST[@]}" <<<"$(delivs 1 5)"
	assert_success
	assert_equal "$(received_n)" "1 2 3 4 5"
}

@test "--parallel N: N requests in flight at once" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/slow?ms=600" --parallel 4 <<<"$(delivs 1 4)"
	assert_success
	ndjson_check 'len(ev) == 4 and max(o["time"] for o in ev) - min(o["time"] for o in ev) < 0.4' "$RECV_LOG"
}

@test "keep-alive: 20 deliveries use one connection" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/ok" <<<"$(delivs 1 20)"
	assert_success
	ndjson_check 'len(ev) == 20 and len(set(o["conn"] for o in ev)) == 1' "$RECV_LOG"
}

@test "--rate paces a webhook: delays, never drops" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/ok" --rate 4/s <<<"$(delivs 1 8)"
	assert_success
	# A bucket of at most 4 then 4 a second: the 8th at least 1 s after the 1st.
	ndjson_check 'len(ev) == 8 and ev[-1]["time"] - ev[0]["time"] >= 0.9' "$RECV_LOG"
}

@test "another webhook failing or hanging never delays this one" {
	receiver_start
	printf '[webhook "stuck"]\nurl = %s/hang\nformat = json\n\n[webhook "fine"]\nurl = %s/ok\nformat = json\n' \
		"$RECV" "$RECV" >hooks.ini
	bg_send --config=hooks.ini --timeout 30s --drain-timeout 0.5s
	delivs 1 3 stuck >&7
	delivs 1 5 fine >&7
	recv_wait 5 5 || fail "the fine webhook waited behind the stuck one: $(cat err)"
	kill -TERM "$SEND_PID"
	wait_exit "$SEND_PID" 5
	assert_equal "$STATUS" 75
	assert_equal "$(queued stuck)" 3
}

@test "--max-age: a delivery not taken within it goes to dead/ as expired" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/status/500" --max-age 1s --retry-base 100ms --retry-max-delay 200ms \
		--drain-timeout 5s <<<"$(deliv 1)"
	assert_equal "$status" 69
	assert_equal "$(queued)" 0
	assert_equal "$(dead)" 1
	grep -q expired "$SPOOL"/default/dead/*.reason || fail "no 'expired' reason: $(cat "$SPOOL"/default/dead/*.reason)"
	assert_stderr_has "max-age"
}

@test "--max-age counts from spooling: an old spooled delivery expires at --flush without a request" {
	receiver_start
	run --separate-stderr pg-send --url "$DOWN" "${FAST[@]}" <<<"$(deliv 1; deliv 2)"
	assert_equal "$status" 75
	touch -d '2 days ago' "$(find "$SPOOL/default" -maxdepth 1 -name '0*' | sort | head -1)"
	run --separate-stderr pg-send --flush --url "$RECV/ok"
	assert_equal "$(received_n)" "2"
	assert_equal "$(dead)" 1
	grep -q expired "$SPOOL"/default/dead/*.reason || fail "no 'expired' reason"
}

# ---------------------------------------------------------------- the spool

@test "endpoint down: deliveries stay spooled as plain 0600 files named by sequence, status 75; a restart delivers them" {
	receiver_start
	delivs 1 3 >in.ndjson
	run --separate-stderr pg-send --url "$DOWN" "${FAST[@]}" in.ndjson
	assert_equal "$status" 75
	assert_stderr_has "3 left"
	local files f i=0
	files=$(cd "$SPOOL/default" && ls | grep -E '^[0-9]+$')
	assert_equal "$(printf '%s\n' "$files" | wc -l)" 3
	for f in $files; do
		i=$((i + 1))
		[[ $f =~ ^[0-9]{16}$ ]] || fail "spool file name $f is not a 16-digit sequence number"
		assert_equal "$(stat -c %a "$SPOOL/default/$f")" 600
		assert_equal "$(jq -c . "$SPOOL/default/$f")" "$(deliv $i | jq -c .)"
	done
	assert_equal "$(stat -c %a "$SPOOL/default")" 700
	run --separate-stderr pg-send --url "$RECV/ok" </dev/null
	assert_success
	assert_equal "$(received_n)" "1 2 3"
	assert_equal "$(queued)" 0
}

@test "URLs and headers are never written to the spool" {
	run --separate-stderr pg-send --url "http://127.0.0.1:1/services/T0/B0/urlsecret123" \
		--header 'Authorization: Bearer hdrsecret456' --header 'X-Api-Key: keysecret789' "${FAST[@]}" <<<"$(deliv 1)"
	assert_equal "$status" 75
	assert_equal "$(queued)" 1
	run grep -rl -e urlsecret123 -e hdrsecret456 -e keysecret789 "$SPOOL"
	assert_output ""
}

@test "a corrupt or truncated spool file is moved aside with a message; the rest is delivered" {
	receiver_start
	run --separate-stderr pg-send --url "$DOWN" "${FAST[@]}" <<<"$(delivs 1 4)"
	assert_equal "$status" 75
	local files
	files=($(cd "$SPOOL/default" && ls | grep -E '^[0-9]{16}$'))
	printf '{"body":{"n":' >"$SPOOL/default/${files[1]}"
	printf 'garbage\n' >"$SPOOL/default/${files[2]}"
	run --separate-stderr pg-send --flush --url "$RECV/ok"
	assert_equal "$(received_n)" "1 4"
	assert_equal "$(queued)" 0
	assert_stderr_has "${files[1]}"
	assert_stderr_has "${files[2]}"
	[[ -e $SPOOL/default/dead/${files[1]} ]] || fail "${files[1]} was not moved aside to dead/"
}

@test "kill -9 while the endpoint is down: a restart delivers all that was spooled" {
	receiver_start
	bg_send --url "$DOWN" --retry-base 20ms --retry-max-delay 100ms
	delivs 1 50 >&7
	local i
	for ((i = 0; i < 100; i++)); do [[ $(queued) -ge 50 ]] && break; sleep 0.05; done
	assert_equal "$(queued)" 50
	kill -9 "$SEND_PID"
	wait "$SEND_PID" 2>/dev/null || true
	run --separate-stderr pg-send --url "$RECV/ok" </dev/null
	assert_success
	assert_equal "$(received_n)" "$(seq -s ' ' 1 50)"
}

@test "--flush delivers what is spooled and exits; it reads no input" {
	receiver_start
	run --separate-stderr pg-send --url "$DOWN" --webhook hooky "${FAST[@]}" <<<"$(delivs 1 3)"
	assert_equal "$status" 75
	run --separate-stderr pg-send --flush --url "$RECV/ok" --webhook hooky <<<"$(deliv 99)"
	assert_success
	assert_equal "$(received_n)" "1 2 3"
	assert_equal "$(queued hooky)" 0
	run --separate-stderr pg-send --flush --url "$RECV/ok" --webhook hooky
	assert_success
	assert_equal "$(recv_count)" 3
}

@test "--flush --webhook NAME sends only NAME's; a spooled webhook without a URL is named, status 64" {
	receiver_start
	run --separate-stderr pg-send --url "$DOWN" --webhook alpha "${FAST[@]}" <<<"$(deliv 1)"
	run --separate-stderr pg-send --url "$DOWN" --webhook beta "${FAST[@]}" <<<"$(deliv 2)"
	run --separate-stderr pg-send --flush --url "$RECV/ok"
	assert_equal "$status" 64
	assert_stderr_has "'alpha'"
	assert_stderr_has "'beta'"
	assert_equal "$(recv_count "$RECV_ALL")" 0
	printf '[webhook "alpha"]\nurl = %s/ok\nformat = json\n' "$RECV" >hooks.ini
	run --separate-stderr pg-send --flush --config=hooks.ini
	assert_equal "$status" 64
	assert_stderr_has "'beta'"
	[[ $stderr != *"'alpha'"* ]] || fail "alpha has a URL in the config: $stderr"
	run --separate-stderr pg-send --flush --config=hooks.ini --webhook alpha
	assert_success
	assert_equal "$(received_n)" "1"
	assert_equal "$(queued beta)" 1
}

@test "two --flush at once send each delivery once" {
	receiver_start
	run --separate-stderr pg-send --url "$DOWN" "${FAST[@]}" <<<"$(delivs 1 20)"
	assert_equal "$status" 75
	pg-send --flush --url "$RECV/slow?ms=50" 2>err1 &
	local p1=$!
	pg-send --flush --url "$RECV/slow?ms=50" 2>err2 &
	local p2=$!
	BG_PIDS="$p1 $p2"
	wait_exit "$p1" 20
	wait_exit "$p2" 20
	assert_equal "$(received_n)" "$(seq -s ' ' 1 20)"
	assert_equal "$(queued)" 0
}

@test "--flush on a terminal shows a progress line" {
	run --separate-stderr pg-send --url "$DOWN" "${FAST[@]}" <<<"$(delivs 1 5)"
	receiver_start
	run script -qec "pg-send --flush --url '$RECV/ok'" /dev/null
	assert_success
	assert_output --partial "5/5"
	assert_equal "$(recv_count)" 5
}

@test "--status and --list-spool: per webhook queued, dead, oldest age and last result" {
	receiver_start
	run --separate-stderr pg-send --url "$DOWN" --webhook alpha "${FAST[@]}" <<<"$(deliv 1; deliv 2)"
	run --separate-stderr pg-send --url "$RECV/status/404" --webhook beta "${FAST[@]}" <<<"$(deliv 3)"
	assert_equal "$status" 69
	run --separate-stderr pg-send --status
	assert_success
	assert_line --regexp '^alpha[[:space:]]+2[[:space:]]+0[[:space:]]'
	assert_line --regexp '^beta[[:space:]]+0[[:space:]]+1[[:space:]].*404'
	local status_out=$output
	run --separate-stderr pg-send --list-spool
	assert_success
	assert_equal "$output" "$status_out"
}

@test "--requeue-dead puts dead deliveries back; --flush then sends them" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/status/410" --webhook beta "${FAST[@]}" <<<"$(deliv 1; deliv 2)"
	assert_equal "$status" 69
	assert_equal "$(dead beta)" 2
	run --separate-stderr pg-send --requeue-dead
	assert_success
	assert_equal "$(dead beta)" 0
	assert_equal "$(queued beta)" 2
	run --separate-stderr pg-send --flush --url "$RECV/ok" --webhook beta
	assert_success
	assert_equal "$(received_n)" "1 2"
}

@test "flock: --flush skips and names a webhook another pg-send holds" {
	receiver_start
	bg_send --url "$RECV/hang" --webhook held --timeout 30s
	deliv 1 held >&7
	recv_wait 1 5 "$RECV_ALL"
	run --separate-stderr pg-send --flush --url "$RECV/ok" --webhook held
	assert_stderr_has "'held'"
	assert_equal "$(requests_to /ok)" 0
	assert_equal "$(queued held)" 1
}

@test "flock: a second pg-send on a held webhook only spools; the holder sends it" {
	receiver_start
	bg_send --url "$RECV/ok?by=holder" --webhook shared
	deliv 1 >&7
	recv_wait 1 5
	run --separate-stderr pg-send --url "$RECV/ok?by=second" --webhook shared "${FAST[@]}" <<<"$(deliv 2)"
	recv_wait 2 15 || fail "the holder did not send what the second process spooled: $(cat err)"
	assert_equal "$(requests_to "/ok?by=second")" 0
	assert_equal "$(received_n)" "1 2"
}

# ---------------------------------------------------------------- a spool that cannot be written

@test "an unwritable spool is reported; deliveries go out from memory, none dropped" {
	receiver_start
	: >afile
	run --separate-stderr pg-send --url "$RECV/ok" --spool "$BATS_TEST_TMPDIR/afile/spool" <<<"$(delivs 1 20)"
	assert_success
	assert_stderr_has "afile/spool"
	assert_stderr_has "memory"
	assert_equal "$(received_n)" "$(seq -s ' ' 1 20)"
}

@test "a full disk (writes fail) is reported; deliveries go out from memory" {
	receiver_start
	mkdir -p "$SPOOL"
	# RLIMIT_FSIZE 0: every write to a file fails with EFBIG, as on a full disk.
	(trap '' XFSZ; ulimit -f 0; exec pg-send --url "$RECV/ok" <<<"$(delivs 1 10)") 2> >(cat >err)
	local rc=$?
	sleep 0.2
	assert_equal "$rc" 0
	grep -q "memory" err || fail "no message about the memory queue: $(cat err)"
	assert_equal "$(received_n)" "$(seq -s ' ' 1 10)"
}

@test "memory queue full: pg-send stops reading (the pipe backs up) rather than drop" {
	receiver_start
	: >afile
	run python3 - "$PGT_BUILD/bin/pg-send" "$RECV/hang" "$BATS_TEST_TMPDIR/afile/spool" <<'EOF'
import os, signal, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "--url", sys.argv[2], "--spool", sys.argv[3], "--memory-queue", "5",
                      "--timeout", "30s", "--drain-timeout", "0.2s"],
                     stdin=subprocess.PIPE, stderr=open("err", "wb"))
line = b'{"body":{"pad":"' + b"x" * 1000 + b'"}}\n'
data = line * 1000
os.set_blocking(p.stdin.fileno(), False)
off, end = 0, time.time() + 3
while off < len(data) and time.time() < end:
    try:
        off += os.write(p.stdin.fileno(), data[off:off + 65536])
    except BlockingIOError:
        time.sleep(0.05)
p.send_signal(signal.SIGTERM)
p.wait(timeout=10)
print(off // len(line))
EOF
	assert_success
	[[ $output -lt 1000 ]] || fail "pg-send read all 1000 deliveries into a memory queue of 5"
	grep -q "memory queue full" err || fail "no 'memory queue full' message: $(cat err)"
}

# ---------------------------------------------------------------- reading never waits

@test "reading never waits on a hanging endpoint: 2,000 deliveries spooled at once" {
	receiver_start
	bg_send --url "$RECV/hang" --timeout 60s
	delivs 1 2000 >&7
	local i
	# A bound for a slow disk, far below what waiting on the endpoint (60 s each) would take.
	for ((i = 0; i < 400; i++)); do [[ $(queued) -ge 2000 ]] && break; sleep 0.05; done
	assert_equal "$(queued)" 2000
}

# ---------------------------------------------------------------- signals and statistics

@test "SIGTERM and SIGINT: stop reading, drain within --drain-timeout, summary, status 75 with deliveries left" {
	receiver_start
	local sig
	for sig in TERM INT; do
		rm -rf "$SPOOL"
		bg_send --url "$RECV/hang" --timeout 30s --drain-timeout 1s
		delivs 1 3 >&7
		for ((i = 0; i < 100; i++)); do [[ $(queued) -ge 3 ]] && break; sleep 0.05; done
		kill -"$sig" "$SEND_PID"
		wait_exit "$SEND_PID" 5
		assert_equal "$STATUS" 75
		[[ $ELAPSED -le 3 ]] || fail "SIG$sig: pg-send took ${ELAPSED}s with --drain-timeout 1s"
		grep -q "3 left" err || fail "SIG$sig: no summary with '3 left': $(cat err)"
		assert_equal "$(queued)" 3
		exec 7>&-
	done
}

@test "SIGTERM: a request in flight that ends within --drain-timeout is delivered, status 0" {
	receiver_start
	bg_send --url "$RECV/slow?ms=800" --drain-timeout 5s
	deliv 1 >&7
	local i
	for ((i = 0; i < 100; i++)); do [[ $(queued) -ge 1 ]] && break; sleep 0.05; done
	sleep 0.3  # spooled, then sent at once: the request is in flight (answered 0.8 s after it arrived)
	kill -TERM "$SEND_PID"
	wait_exit "$SEND_PID" 8
	assert_equal "$STATUS" 0
	[[ $ELAPSED -le 3 ]] || fail "took ${ELAPSED}s for one request of 0.8 s"
	assert_equal "$(recv_count)" 1
	assert_equal "$(queued)" 0
}

@test "end of input: what is in flight finishes, then the summary and status 0" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/slow?ms=300" <<<"$(delivs 1 3)"
	assert_success
	assert_equal "$(recv_count)" 3
	assert_stderr_has "3 sent"
	assert_stderr_has "p50"
	assert_stderr_has "p99"
}

@test "SIGUSR1 prints the statistics and pg-send goes on" {
	receiver_start
	bg_send --url "$RECV/ok"
	delivs 1 2 >&7
	recv_wait 2 5
	kill -USR1 "$SEND_PID"
	wait_file_has err "2 sent" 5
	kill -0 "$SEND_PID" || fail "pg-send ended on SIGUSR1"
	deliv 3 >&7
	recv_wait 3 5
	exec 7>&-
	wait_exit "$SEND_PID" 5
	assert_equal "$STATUS" 0
}

@test "--stats-file: Prometheus textfile format with the counts" {
	receiver_start
	run --separate-stderr pg-send --url "$RECV/ok?first=1&first_status=500" --stats-file stats.prom "${FAST[@]}" \
		<<<"$(delivs 1 3)"
	assert_success
	run python3 - stats.prom <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
assert text.endswith("\n"), "no final newline"
typed, samples = set(), []
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$')
for n, line in enumerate(text.splitlines(), 1):
    if line.startswith("# TYPE "):
        typed.add(line.split()[2])
    elif line.startswith("#") or not line:
        continue
    else:
        m = sample.match(line)
        assert m, f"line {n} is not a sample: {line!r}"
        float(m.group(3))
        base = re.sub(r"_(sum|count|bucket)$", "", m.group(1))
        assert m.group(1) in typed or base in typed, f"line {n}: {m.group(1)} has no TYPE before it"
        samples.append((m.group(1), m.group(2) or "", float(m.group(3))))
def has(word, value):
    return any((word in name or f'"{word}"' in labels) and v == value for name, labels, v in samples)
assert has("sent", 3), f"no sample of 3 sent in {samples}"
assert has("retried", 1), f"no sample of 1 retried in {samples}"
EOF
	assert_success
}

# ---------------------------------------------------------------- secrets

@test "secrets are never printed: URL tokens, Authorization, routing keys, in errors, dead/ reasons, --status, stats" {
	receiver_start
	local secret_url="$RECV/echo/404/services/T0/B0/urlsecret123"
	local hdr='Authorization: Bearer hdrsecret456'
	local d='{"platform":"pagerduty","body":{"routing_key":"rksecret789","event_action":"trigger"}}'
	{
		pg-send --url "$secret_url" --header "$hdr" --stats-file stats.prom "${FAST[@]}" <<<"$d" || true
		pg-send --url "$RECV/echo/500/services/T0/B0/urlsecret123" --header "$hdr" --webhook retry \
			--stats-file stats2.prom --retry-base 1s --drain-timeout 0.3s <<<"$d" || true
		pg-send --url "http://127.0.0.1:1/services/T0/B0/urlsecret123" --header "$hdr" --webhook down "${FAST[@]}" <<<"$d" || true
		pg-send --url "ftp://127.0.0.1/services/T0/B0/urlsecret123" </dev/null || true
		pg-send --url "$secret_url" --header $'Authorization: Bearer hdrsecret456\r' </dev/null || true
		pg-send --status || true
	} >out 2>&1
	assert_equal "$(dead)" 1
	cat stats.prom stats2.prom "$SPOOL"/*/state "$SPOOL"/default/dead/*.reason >>out 2>&1
	run grep -n -e urlsecret123 -e hdrsecret456 -e rksecret789 out
	assert_output ""
	# The receiver did get them: the test can fail.
	grep -q hdrsecret456 "$RECV_ALL" || fail "the receiver never saw the header"
}

@test "--insecure is loud on stderr; without it a self-signed endpoint is refused" {
	receiver_start --tls
	run --separate-stderr pg-send --url "$RECV/ok" "${FAST[@]}" <<<"$(deliv 1)"
	assert_equal "$status" 75
	rm -rf "$SPOOL"
	run --separate-stderr pg-send --url "$RECV/ok" --insecure <<<"$(deliv 2)"
	assert_success
	assert_stderr_has "insecure"
	assert_equal "$(received_n)" "2"
}

# ---------------------------------------------------------------- input and exit statuses

@test "a bad input line is named by file:line and skipped; no valid line at all is status 65; a missing file 66" {
	receiver_start
	printf '%s\n' "$(deliv 1)" '{"body":' '{"no_body":1}' "$(deliv 4)" >in.ndjson
	run --separate-stderr pg-send --url "$RECV/ok" in.ndjson
	assert_success
	assert_stderr_has "pg-send: in.ndjson:2: "
	assert_stderr_has "pg-send: in.ndjson:3: "
	assert_equal "$(received_n)" "1 4"
	run --separate-stderr pg-send --url "$RECV/ok" <<<'nonsense'
	assert_equal "$status" 65
	assert_stderr_has "<stdin>:1: "
	run --separate-stderr pg-send --url "$RECV/ok" no-such-file.ndjson
	assert_equal "$status" 66
	assert_stderr_has "no-such-file.ndjson"
}

@test "status: 75 (left to retry) wins over 69 (rejected)" {
	receiver_start
	printf '[webhook "gone"]\nurl = %s/status/404\nformat = json\n\n[webhook "down"]\nurl = %s\nformat = json\n' \
		"$RECV" "$DOWN" >hooks.ini
	run --separate-stderr pg-send --config=hooks.ini "${FAST[@]}" <<<"$(deliv 1 gone; deliv 2 down)"
	assert_equal "$status" 75
	assert_equal "$(dead gone)" 1
	assert_equal "$(queued down)" 1
}
