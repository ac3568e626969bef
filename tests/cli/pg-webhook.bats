#!/usr/bin/env bats
# pg-webhook as a user runs it: issue 6's transcript replayed as shell
# arguments and piped to the prompt, each line of output and the webhooks
# file after each step; comments kept, mode 0600, long values moved to
# files, bad input refused with the file unchanged, list with secrets
# redacted; `test` against a loopback receiver started here.

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	load ../receiver/receiver
	require_tool pg-webhook
	cd "$BATS_TEST_TMPDIR"
	export HOME=$BATS_TEST_TMPDIR
	unset XDG_CONFIG_HOME XDG_STATE_HOME
	export PGTAIL_CONFIG=$BATS_TEST_TMPDIR/webhooks.ini PGTAIL_SPOOL=$BATS_TEST_TMPDIR/spool
	CONF=$PGTAIL_CONFIG
}

teardown() {
	if [[ -n ${RUN_PID:-} ]]; then
		kill -TERM "$RUN_PID" 2>/dev/null || true
		wait "$RUN_PID" 2>/dev/null || true
	fi
	receiver_stop_all
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

# assert_file FILE LINE...: FILE holds exactly these lines.
assert_file() {
	local file=$1 want got
	shift
	want=$(printf '%s\n' "$@")
	got=$(cat "$file")
	if [[ $got != "$want" ]]; then
		printf 'expected %s:\n%s\nactual:\n%s\n' "$file" "$want" "$got"
		return 1
	fi
}

# assert_mode FILE MODE: FILE's permission bits, as stat prints them (600).
assert_mode() {
	assert_equal "$(stat -c %a "$1")" "$2"
}

HEAD=("# $BATS_TEST_TMPDIR/webhooks.ini - pgtail webhooks, written by pg-webhook, fine to edit by hand;"
	"# see pgtail-webhooks(5). It holds secrets: keep it mode 0600.")
PD_WARNING="pg-webhook: warning: webhook 'pagerduty' has no routing key: PagerDuty's Events API v2 takes it in the body, not in an Authorization header; add it with --routing-key '\${PD_ROUTING_KEY}', as in: pg-webhook pagerduty set routing_key '\${PD_ROUTING_KEY}'"

# The transcript's Slack webhook is the local receiver's /slack, which answers
# as Slack does (200, body "ok"); --format slack since its host is not Slack's.
@test "the transcript of issue 6 as shell arguments, the file after each step" {
	receiver_start
	run --separate-stderr pg-webhook add slack "$RECV/slack" --format slack
	assert_success
	assert_output ""
	assert_stderr
	assert_mode "$CONF" 600
	SLACK=("" '[webhook "slack"]' "url = $RECV/slack" "format = slack")
	assert_file "$CONF" "${HEAD[@]}" "${SLACK[@]}"

	run --separate-stderr pg-webhook slack on FATAL PANIC
	assert_success
	assert_output "Webhook 'slack' will trigger on: FATAL, PANIC"
	assert_stderr
	SLACK+=("on = FATAL PANIC")
	assert_file "$CONF" "${HEAD[@]}" "${SLACK[@]}"

	run --separate-stderr pg-webhook add pagerduty https://events.pagerduty.com/v2/enqueue \
		--header "Authorization: Token token=XXX"
	assert_success
	assert_output ""
	assert_stderr "$PD_WARNING"
	PD=("" '[webhook "pagerduty"]' "url = https://events.pagerduty.com/v2/enqueue"
		"header = Authorization: Token token=XXX" "format = pagerduty")
	assert_file "$CONF" "${HEAD[@]}" "${SLACK[@]}" "${PD[@]}"

	run --separate-stderr pg-webhook pagerduty on FATAL
	assert_success
	assert_output "Webhook 'pagerduty' will trigger on: FATAL"
	PD+=("on = FATAL")
	assert_file "$CONF" "${HEAD[@]}" "${SLACK[@]}" "${PD[@]}"

	run --separate-stderr pg-webhook pagerduty on errors '>' 50/min
	assert_success
	assert_output "Webhook 'pagerduty' will trigger on: FATAL; errors > 50/min"
	PD+=("on = errors > 50/min")
	assert_file "$CONF" "${HEAD[@]}" "${SLACK[@]}" "${PD[@]}"

	run --separate-stderr pg-webhook add metrics http://metrics.internal/ingest \
		--format prometheus
	assert_success
	assert_output ""
	assert_stderr
	METRICS=("" '[webhook "metrics"]' "url = http://metrics.internal/ingest" "format = prometheus")
	assert_file "$CONF" "${HEAD[@]}" "${SLACK[@]}" "${PD[@]}" "${METRICS[@]}"

	run --separate-stderr pg-webhook metrics on errors --continuous
	assert_success
	assert_output "Webhook 'metrics' will trigger on: errors (continuous)"
	assert_stderr
	METRICS+=("on = errors" "continuous = yes")
	assert_file "$CONF" "${HEAD[@]}" "${SLACK[@]}" "${PD[@]}" "${METRICS[@]}"
	assert_mode "$CONF" 600

	run --separate-stderr pg-webhook test slack
	assert_success
	assert_equal "$output" "$(printf '%s\n' "Sending test payload to slack..." "✓ Received 200 OK")"
	assert_stderr
	ndjson_check 'len(ev) == 1 and ev[0]["path"] == "/slack"
		and json.loads(ev[0]["body"])["text"] == "FATAL: sorry, too many clients already"' "$RECV_LOG"
	assert_file "$CONF" "${HEAD[@]}" "${SLACK[@]}" "${PD[@]}" "${METRICS[@]}"

	# The filters read what pg-webhook wrote.
	run --separate-stderr pg-match --config --dry-run /dev/null
	assert_success
}

@test "the rule in one word or in several: 'errors > 50/min' and errors '>' 50/min" {
	pg-webhook add pd https://events.pagerduty.com/v2/enqueue --routing-key '${PD_ROUTING_KEY}'
	run pg-webhook pd on 'errors > 50/min'
	assert_output "Webhook 'pd' will trigger on: errors > 50/min"
	run pg-webhook pd on errors '>' 100/min by database
	assert_output "Webhook 'pd' will trigger on: errors > 50/min; errors > 100/min by database"
	# The same rule again is not added twice.
	run pg-webhook pd on errors '>' 50/min
	assert_output "Webhook 'pd' will trigger on: errors > 50/min; errors > 100/min by database"
	assert_equal "$(grep -c '^on = ' "$CONF")" 2
	grep -qx 'routing_key = ${PD_ROUTING_KEY}' "$CONF"
}

@test "the transcript piped in: the commands run without prompts, with 'webhook' and continued lines" {
	receiver_start
	run --separate-stderr pg-webhook <<-EOF
		webhook add slack $RECV/slack --format slack
		webhook slack on FATAL PANIC
		webhook add pagerduty https://events.pagerduty.com/v2/enqueue \\
		    --header "Authorization: Token token=XXX"
		webhook pagerduty on FATAL
		webhook pagerduty on errors > 50/min
		webhook add metrics http://metrics.internal/ingest \\
		    --format prometheus
		webhook metrics on errors --continuous
		webhook test slack
	EOF
	assert_success
	assert_equal "$output" "$(printf '%s\n' "Webhook 'slack' will trigger on: FATAL, PANIC" \
		"Webhook 'pagerduty' will trigger on: FATAL" \
		"Webhook 'pagerduty' will trigger on: FATAL; errors > 50/min" \
		"Webhook 'metrics' will trigger on: errors (continuous)" \
		"Sending test payload to slack..." \
		"✓ Received 200 OK")"
	assert_stderr "${PD_WARNING/pg-webhook:/pg-webhook: <stdin>:3:}"
	assert_file "$CONF" "${HEAD[@]}" "" '[webhook "slack"]' "url = $RECV/slack" \
		"format = slack" "on = FATAL PANIC" "" '[webhook "pagerduty"]' \
		"url = https://events.pagerduty.com/v2/enqueue" "header = Authorization: Token token=XXX" \
		"format = pagerduty" "on = FATAL" "on = errors > 50/min" "" '[webhook "metrics"]' \
		"url = http://metrics.internal/ingest" "format = prometheus" "on = errors" "continuous = yes"
	assert_equal "$(recv_count)" 1
}

@test "a script goes on after a failed command, names its line, and exits with the first failure" {
	run --separate-stderr pg-webhook <<-'EOF'
		# comments and blank lines are skipped

		add slack https://hooks.slack.com/services/XXX
		slack on FATAL and
		slack on PANIC
		quit
		slack on FATAL
	EOF
	assert_equal "$status" 64
	assert_output "Webhook 'slack' will trigger on: PANIC"
	assert_stderr "pg-webhook: <stdin>:4: bad rule 'FATAL and': at column 10: expected a level, /pattern/, field~/pattern/ or sqlstate:CODE after 'and'" \
		"Try 'pg-webhook --help' for more information."
}

@test "the user's comments, blank lines, inline comments and order are kept" {
	cat >"$CONF" <<-'EOF'
		# my webhooks
		[global]
		instance_name = shop-primary ; the name on-call knows

		; Slack: #ops
		[webhook "slack"]
		url = https://hooks.slack.com/services/${SLACK_HOOK}
		format = slack
		on = FATAL PANIC
		# quiet nights
		throttle = 10/min

		# PagerDuty
		[webhook "pd"]
		url = https://events.pagerduty.com/v2/enqueue
		format = pagerduty
		routing_key = ${PD_ROUTING_KEY}
	EOF
	chmod 600 "$CONF"
	cp "$CONF" before.ini
	pg-webhook slack on /connection limit/
	pg-webhook slack off
	pg-webhook pd on FATAL
	pg-webhook add d https://discord.com/api/webhooks/1/abc
	run diff before.ini "$CONF"
	assert_output - <<-'EOF'
		9a10
		> on = /connection limit/
		11a13
		> enabled = no
		17a20,24
		> on = FATAL
		> 
		> [webhook "d"]
		> url = https://discord.com/api/webhooks/1/abc
		> format = discord
	EOF
	pg-webhook slack on
	pg-webhook pd off FATAL
	pg-webhook slack off /connection limit/
	pg-webhook remove d
	run diff before.ini "$CONF"
	assert_output - <<-'EOF'
		11a12
		> enabled = yes
	EOF
	pg-webhook remove slack
	assert_file "$CONF" "# my webhooks" "[global]" "instance_name = shop-primary ; the name on-call knows" "" \
		"; Slack: #ops" "" "# PagerDuty" '[webhook "pd"]' "url = https://events.pagerduty.com/v2/enqueue" \
		"format = pagerduty" 'routing_key = ${PD_ROUTING_KEY}'
}

@test "bad name, url, format, header or rule: a clear message, status 64, the file unchanged" {
	pg-webhook add slack https://hooks.slack.com/services/XXX
	cp "$CONF" before.ini
	check() {
		run --separate-stderr pg-webhook "$@"
		assert_equal "$status" 64
		assert_output ""
		cmp before.ini "$CONF"
	}
	check add Slack https://hooks.slack.com/services/XXX
	assert_stderr "pg-webhook: webhook name 'Slack' may only have a-z, 0-9, '_' and '-'" "Try 'pg-webhook --help' for more information."
	check add list https://x.example/
	assert_stderr "pg-webhook: webhook name 'list' is a pg-webhook command word" "Try 'pg-webhook --help' for more information."
	check add x ftp://hooks.example/x
	assert_stderr "pg-webhook: url 'ftp://hooks.example/x' must start with http:// or https://" "Try 'pg-webhook --help' for more information."
	check add x 'https://hooks.slack.com/services/a b'
	assert_stderr "pg-webhook: url 'https://hooks.slack.com/services/a…' contains a space or control character" "Try 'pg-webhook --help' for more information."
	check add x https:///nohost
	assert_stderr "pg-webhook: url 'https:///nohost' has no host" "Try 'pg-webhook --help' for more information."
	check add x https://x.example/ --format slak
	assert_stderr "pg-webhook: unknown --format 'slak' (did you mean 'slack'?)" "Try 'pg-webhook --help' for more information."
	check add x https://x.example/ --header 'no header'
	assert_stderr "pg-webhook: --header must be 'Name: value' or Name=value, like 'Authorization: Bearer \${TOKEN}'" "Try 'pg-webhook --help' for more information."
	check add slack https://hooks.slack.com/services/YYY
	assert_stderr "pg-webhook: webhook 'slack' is in $CONF already: remove it first, or change it with 'set'" "Try 'pg-webhook --help' for more information."
	check slack on FATAL and
	assert_stderr "pg-webhook: bad rule 'FATAL and': at column 10: expected a level, /pattern/, field~/pattern/ or sqlstate:CODE after 'and'" "Try 'pg-webhook --help' for more information."
	check slack on /unclosed
	check slack on errors --continuous
	assert_stderr "pg-webhook: --continuous goes with format prometheus, and webhook 'slack' is slack" "Try 'pg-webhook --help' for more information."
	check slack on '/a ;b/'
	assert_stderr "pg-webhook: rule '/a ;b/': on contains ' ;', which starts a comment in the file" "Try 'pg-webhook --help' for more information."
	check slack off PANIC
	assert_stderr "pg-webhook: webhook 'slack' has no rule 'PANIC' (its rules: none)" "Try 'pg-webhook --help' for more information."
	check slack set throttle often
	check slack set urll https://x/
	assert_stderr "pg-webhook: unknown key 'urll' (did you mean 'url'?)" "Try 'pg-webhook --help' for more information."
	check slak on FATAL
	assert_stderr "pg-webhook: no webhook 'slak' in $CONF (did you mean 'slack'?)"
	check lsit
	assert_stderr "pg-webhook: unknown command 'lsit' (did you mean 'list'?)" "Try 'pg-webhook --help' for more information."
}

@test "set and unset: the key's line changed in place, checked by the loader" {
	pg-webhook add pagerduty https://events.pagerduty.com/v2/enqueue 2>/dev/null
	pg-webhook pagerduty set routing_key '${PD_ROUTING_KEY}'
	pg-webhook pagerduty set throttle 10/min
	pg-webhook pagerduty set throttle 5/min
	run --separate-stderr pg-webhook pagerduty set throttle often
	assert_equal "$status" 64
	assert_stderr "pg-webhook: webhook 'pagerduty': throttle: 'often' is not N/PERIOD (like 10/min or 5/10s) ($CONF unchanged)"
	assert_file "$CONF" "${HEAD[@]}" "" '[webhook "pagerduty"]' "url = https://events.pagerduty.com/v2/enqueue" \
		"format = pagerduty" 'routing_key = ${PD_ROUTING_KEY}' "throttle = 5/min"
	pg-webhook pagerduty unset throttle
	run --separate-stderr pg-webhook pagerduty unset throttle
	assert_equal "$status" 64
	assert_stderr "pg-webhook: webhook 'pagerduty' has no throttle" "Try 'pg-webhook --help' for more information."
}

@test "on, off, on --clear and rules" {
	pg-webhook add slack https://hooks.slack.com/services/XXX
	pg-webhook slack on FATAL PANIC >/dev/null
	run pg-webhook slack on '/connection limit/i'
	assert_output "Webhook 'slack' will trigger on: FATAL, PANIC; /connection limit/i"
	run --separate-stderr pg-webhook slack off
	assert_output "Webhook 'slack' is off (its rules are kept: FATAL, PANIC; /connection limit/i)"
	grep -qx 'enabled = no' "$CONF"
	run --separate-stderr pg-webhook slack on sqlstate:53300
	assert_output "Webhook 'slack' will trigger on: FATAL, PANIC; /connection limit/i; sqlstate:53300"
	assert_stderr "pg-webhook: webhook 'slack' is off: 'pg-webhook slack on' turns it on"
	run pg-webhook slack rules
	assert_output "Webhook 'slack' will trigger on: FATAL, PANIC; /connection limit/i; sqlstate:53300 (off)"
	run pg-webhook slack
	assert_output "Webhook 'slack' will trigger on: FATAL, PANIC; /connection limit/i; sqlstate:53300 (off)"
	run --separate-stderr pg-webhook slack on
	assert_output "Webhook 'slack' will trigger on: FATAL, PANIC; /connection limit/i; sqlstate:53300"
	assert_stderr
	grep -qx 'enabled = yes' "$CONF"
	run pg-webhook slack off 'FATAL,PANIC'
	assert_output "Webhook 'slack' will trigger on: /connection limit/i; sqlstate:53300"
	run pg-webhook slack on --clear
	assert_output "Webhook 'slack' has no rules: it triggers on nothing"
	run pg-webhook slack on --clear ERROR
	assert_output "Webhook 'slack' will trigger on: ERROR"
	assert_equal "$(grep -c '^on = ' "$CONF")" 1
}

@test "a value too long for a line goes to a 0600 file beside the webhooks file" {
	url="https://prod-42.westeurope.logic.azure.com:443/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=$(printf 's%.0s' {1..43})"
	token="Authorization: Bearer $(printf 't%.0s' {1..200})"
	run --separate-stderr pg-webhook add teams "$url" --header "$token" --header 'X-Source: pgtail'
	assert_success
	assert_file "$CONF" "${HEAD[@]}" "" '[webhook "teams"]' "url_file = webhooks.teams.url" "header = X-Source: pgtail" \
		"header_file = webhooks.teams.headers" "format = teams"
	assert_file webhooks.teams.url "$url"
	assert_file webhooks.teams.headers "$token"
	assert_mode webhooks.teams.url 600
	assert_mode webhooks.teams.headers 600
	run pg-webhook list
	refute_output --partial sig=
	refute_output --partial Bearer
	assert_line --index 1 --regexp '^teams +teams +on +0 +0 +- +https://prod-42.westeurope.logic.azure.com:443/workflows/01…/\*\*\*\* +- *$'
	# remove takes the files it made away with the webhook.
	pg-webhook remove teams
	[[ ! -e webhooks.teams.url && ! -e webhooks.teams.headers ]]
	# A legacy Office 365 connector gets its MessageCard.
	pg-webhook add old https://contoso.webhook.office.com/webhookb2/x/IncomingWebhook/y/z
	grep -qx 'teams_legacy = yes' "$CONF"
}

@test "list: format, state, spool depth, last result, url redacted, rules" {
	pg-webhook add slack https://hooks.slack.com/services/T0/B0/secret
	pg-webhook slack on FATAL PANIC >/dev/null
	pg-webhook add pagerduty https://events.pagerduty.com/v2/enqueue --routing-key '${PD_ROUTING_KEY}'
	pg-webhook pagerduty off >/dev/null
	pg-webhook add ops 'http://user:pw@127.0.0.1:9000/hooks?token=x'
	mkdir -p spool/slack/dead spool/ops
	touch spool/slack/0000000000000007 spool/slack/0000000000000008 spool/slack/dead/0000000000000001 \
		spool/slack/dead/0000000000000001.reason
	printf '{"time":"2024-01-15T10:23:45Z","result":"delivered","status":200,"latency_ms":12}\n' >spool/slack/state
	printf '{"time":"2024-01-15T10:24:00Z","result":"retrying","status":0,"error":"Connection refused to https://x.example/secret"}\n' >spool/ops/state
	run --separate-stderr pg-webhook list
	assert_success
	assert_stderr
	assert_output - <<-'EOF'
		NAME       FORMAT     STATE  QUEUED  DEAD  LAST                                                                     URL                                        RULES
		slack      slack      on     2       1     2024-01-15T10:23:45Z delivered 200                                       https://hooks.slack.com/services/T0…/****  FATAL, PANIC
		pagerduty  pagerduty  off    0       0     -                                                                        https://events.pagerduty.com/v2/enqueue    -
		ops        json       on     0       0     2024-01-15T10:24:00Z retrying Connection refused to https://x.example/…  http://127.0.0.1:9000/hooks?****           -
	EOF
}

@test "list warns when the file can be read by others; an edit makes it 0600" {
	pg-webhook add slack https://hooks.slack.com/services/XXX
	chmod 644 "$CONF"
	run --separate-stderr pg-webhook list
	assert_success
	assert_stderr "pg-webhook: warning: $CONF can be read by others (mode 0644) though it holds secrets: chmod 600 $CONF"
	run --separate-stderr pg-webhook slack on FATAL
	assert_stderr "pg-webhook: warning: $CONF can be read by others (mode 0644) though it holds secrets: chmod 600 $CONF; it is 0600 now"
	assert_mode "$CONF" 600
}

@test "remove keeps the spool unless --purge" {
	pg-webhook add a https://a.example/
	pg-webhook add b https://b.example/
	mkdir -p spool/a spool/b
	touch spool/a/0000000000000001 spool/b/0000000000000001
	run --separate-stderr pg-webhook remove a
	assert_success
	assert_stderr "pg-webhook: its spool $PGTAIL_SPOOL/a is kept (pg-webhook remove a --purge deletes it)"
	[[ -e spool/a/0000000000000001 ]]
	run --separate-stderr pg-webhook remove b --purge
	assert_success
	assert_stderr
	[[ ! -e spool/b ]]
	run --separate-stderr pg-webhook remove b
	assert_equal "$status" 64
	assert_stderr "pg-webhook: no webhook 'b' in $CONF"
	assert_file "$CONF" "${HEAD[@]}"
}

@test "the file: --config, else PGTAIL_CONFIG, else XDG_CONFIG_HOME, else ~/.config" {
	pg-webhook --config other.ini add a https://a.example/
	grep -q '^\[webhook "a"\]' other.ini
	unset PGTAIL_CONFIG
	pg-webhook add b https://b.example/
	grep -q '^\[webhook "b"\]' .config/pgtail/webhooks.ini
	assert_mode .config/pgtail 700
	XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg pg-webhook add c https://c.example/
	grep -q '^\[webhook "c"\]' xdg/pgtail/webhooks.ini
}

@test "a file the loader refuses: 78 and the loader's message; none: 66" {
	run --separate-stderr pg-webhook slack on FATAL
	assert_equal "$status" 66
	assert_stderr "pg-webhook: cannot open $CONF: No such file or directory (add a webhook first: pg-webhook add NAME URL)"
	run --separate-stderr pg-webhook list
	assert_success
	assert_stderr "pg-webhook: no webhooks in $CONF (add one: pg-webhook add NAME URL)"
	printf '[webhook "a"]\nurll = https://a.example/\n' >"$CONF"
	for cmd in "list" "a on FATAL" "add b https://b.example/"; do
		run --separate-stderr pg-webhook $cmd
		assert_equal "$status" 78
		assert_stderr "pg-webhook: $CONF:2: unknown key 'urll' (did you mean 'url'?)"
	done
}

@test "help, --help and a command's --help" {
	run pg-webhook help
	assert_success
	assert_line --index 0 "Commands (the same at the pgtail> prompt, with or without a leading 'webhook'):"
	run pg-webhook --help
	assert_success
	assert_line --partial "NAME on RULE..."
	run pg-webhook add --help
	assert_success
	assert_line --index 1 "Usage: pg-webhook add [OPTIONS] NAME URL"
	run --separate-stderr pg-webhook add x
	assert_equal "$status" 64
	assert_stderr "pg-webhook: add: URL is required" "Try 'pg-webhook --help' for more information."
}

@test "the prompt on a terminal: pgtail>, line editing, continued lines, quit" {
	command -v script >/dev/null || skip "no script(1)"
	printf 'webhook add slack https://hooks.slack.com/services/XXX\nslack on \\\nFATAL PANIC\nquit\n' >in.txt
	run script -qec "pg-webhook" /dev/null <in.txt
	assert_success
	assert_output --partial "pgtail> "
	assert_output --partial "Webhook 'slack' will trigger on: FATAL, PANIC"
	grep -qx 'on = FATAL PANIC' "$CONF"
}

# ---------------------------------------------------------------- test

@test "test: each platform's own success answer, the body shaped by the webhook's format" {
	receiver_start
	pg-webhook add d "$RECV/api/webhooks/1/tok" --format discord
	pg-webhook add pd "$RECV/status/202" --format pagerduty --routing-key R0UT1NGKEY
	pg-webhook add hook "$RECV/ok" --header 'X-Source: pgtail'
	run --separate-stderr pg-webhook test d
	assert_success
	assert_output "$(printf '%s\n' "Sending test payload to d..." "✓ Received 200 OK")"
	run pg-webhook test pd
	assert_output "$(printf '%s\n' "Sending test payload to pd..." "✓ Received 202 Accepted")"
	run pg-webhook test hook
	assert_success
	ndjson_check 'len(ev) == 3 and ev[0]["path"] == "/api/v10/webhooks/1/tok?wait=true"
		and json.loads(ev[0]["body"])["allowed_mentions"] == {"parse": []}
		and json.loads(ev[1]["body"])["routing_key"] == "R0UT1NGKEY"
		and json.loads(ev[1]["body"])["payload"]["summary"].startswith("PostgreSQL FATAL on pg16-main")
		and ev[2]["headers"]["x-source"] == "pgtail"
		and json.loads(ev[2]["body"])["event"]["sqlstate"] == "53300"
		and json.loads(ev[2]["body"])["trigger"] == {"rule": "level:FATAL", "webhook": "hook"}' "$RECV_LOG"
}

@test "test: a rejection prints ✗, the reason and the answer's start, and exits 69" {
	receiver_start
	pg-webhook add slack "$RECV/status/404?body=no_service" --format slack
	run --separate-stderr pg-webhook test slack
	assert_equal "$status" 69
	assert_equal "$output" "$(printf '%s\n' "Sending test payload to slack..." \
		"✗ Received 404 Not Found (rejected: pg-send would not retry it)" \
		"  Response: no_service" \
		"  the endpoint does not know this url: it may have been revoked")"
	# Slack's 200 without "ok" is no delivery.
	pg-webhook add s2 "$RECV/ok" --format slack
	run pg-webhook test s2
	assert_equal "$status" 69
	assert_line --index 1 --regexp "^✗ Received 200 OK: .*ok"
}

@test "test: a 400 from PagerDuty explains the routing key" {
	receiver_start
	pg-webhook add pd "$RECV/status/400?body=Invalid%20routing%20key" --format pagerduty --routing-key wrong
	run --separate-stderr pg-webhook test pd
	assert_equal "$status" 69
	assert_equal "$output" "$(printf '%s\n' "Sending test payload to pd..." \
		"✗ Received 400 Bad Request (rejected: pg-send would not retry it)" \
		"  Response: Invalid routing key" \
		"  PagerDuty's Events API v2 takes its routing key in the body, not in an Authorization header: check routing_key (pg-webhook pd set routing_key '\${PD_ROUTING_KEY}')")"
	# Without a key, nothing is sent: the format needs one.
	pg-webhook add pd2 "$RECV/ok" --format pagerduty 2>/dev/null
	run --separate-stderr pg-webhook test pd2
	assert_equal "$status" 78
	assert_output ""
	assert_stderr "pg-webhook: webhook 'pd2' has no routing key: PagerDuty's Events API v2 takes it in the body, not in an Authorization header; set it with pg-webhook pd2 set routing_key '\${PD_ROUTING_KEY}'"
	assert_equal "$(recv_count "$RECV_ALL")" 1
}

@test "test: 5xx, 429 and no answer may work later: 75" {
	receiver_start
	pg-webhook add busy "$RECV/status/503"
	run pg-webhook test busy
	assert_equal "$status" 75
	assert_line --index 1 "✗ Received 503 Service Unavailable (pg-send would retry it later)"
	pg-webhook add down http://127.0.0.1:1/hook
	run pg-webhook test down
	assert_equal "$status" 75
	assert_line --index 1 --regexp "^✗ No answer: .*\(pg-send would retry it later\)$"
	pg-webhook add hang "$RECV/hang"
	run pg-webhook test hang --timeout 0.5
	assert_equal "$status" 75
	assert_line --index 1 --regexp "^✗ No answer: .*timed out after 5[0-9][0-9] milliseconds"
}

@test "test: secrets stay out of what it prints, --verbose included" {
	receiver_start
	export HOOK_TOKEN=T0SECRET
	pg-webhook add slack "$RECV/echo/403?\${HOOK_TOKEN}" --format slack --header 'Authorization: Bearer B3ARER' 
	run pg-webhook test slack --verbose
	assert_equal "$status" 69
	refute_output --partial T0SECRET
	refute_output --partial B3ARER
	assert_line --index 1 "> POST $RECV/echo/40…/****"
	assert_line --index 2 "> Content-Type: application/json"
	assert_line --index 3 --regexp "^> Authorization: "
	assert_line --regexp "^< 403 Forbidden in [0-9]+ ms$"
	pg-webhook add pd "$RECV/status/202" --format pagerduty --routing-key R0UT1NGKEY
	run pg-webhook test pd --verbose
	assert_success
	refute_output --partial R0UT1NGKEY
	assert_line --partial '"routing_key":"…"'
	assert_line --index 0 "Sending test payload to pd..."
	assert_line --regexp "^< 202 Accepted in [0-9]+ ms$"
	assert_line "✓ Received 202 Accepted"
}

@test "test --dry-run prints the exact body and sends nothing" {
	receiver_start
	pg-webhook add hook "$RECV/ok"
	pg-webhook add metrics "$RECV/metrics" --format prometheus
	run --separate-stderr pg-webhook test hook --dry-run
	assert_success
	ndjson_check 'len(ev) == 1 and E[0]["level"] == "FATAL" and E[0]["message"] == "sorry, too many clients already"
		and E[0]["sqlstate"] == "53300" and ev[0]["instance"]["name"] == "pg16-main" and "fingerprint" in E[0]'
	run pg-webhook test metrics -n
	assert_success
	assert_line --regexp '^pgtail_events_total\{instance="pg16-main \(.*\)",level="FATAL",sqlstate="53300",database="shop",webhook="metrics"\} 1$'
	assert_equal "$(recv_count "$RECV_ALL")" 0
	run --separate-stderr pg-webhook test nope
	assert_equal "$status" 64
	assert_stderr "pg-webhook: no webhook 'nope' in $CONF"
}

# ---------------------------------------------------------------- the man page

PAGE=$BATS_TEST_DIRNAME/../../man/pg-webhook.1

@test "pg-webhook(1): the session of EXAMPLES, replayed as a script, prints what the page shows" {
	receiver_start
	export PD_ROUTING_KEY=R0UT1NG
	# The page's session: its commands (continued lines joined) and its output.
	python3 - "$PAGE" <<-'EOF' >page.txt
		import sys
		text = open(sys.argv[1]).read()
		block = text.split(".Sh EXAMPLES", 1)[1].split(".Bd -literal -offset indent\n", 1)[1].split(".Ed", 1)[0]
		print(block.replace("\\e", "\\").replace("\\[u2713]", "\u2713"), end="")
	EOF
	grep -v '^pgtail> \|^    --' page.txt >want.txt
	# The commands: the prompt's lines and their continuations; Slack is the receiver.
	grep '^pgtail> \|^    --' page.txt | sed 's/^pgtail> //' |
		sed "s|https://hooks.slack.com/services/XXX|$RECV/slack --format slack|" >script.txt
	run --separate-stderr pg-webhook <script.txt
	assert_success
	assert_stderr
	assert_equal "$output" "$(cat want.txt)"
	grep -qx 'routing_key = ${PD_ROUTING_KEY}' "$CONF"
}

@test "pg-webhook(1): the shell examples" {
	receiver_start
	export SLACK_HOOK=T0/B0/x
	# example: pg-webhook add slack 'https://hooks.slack.com/services/${SLACK_HOOK}'
	pg-webhook add slack 'https://hooks.slack.com/services/${SLACK_HOOK}'
	grep -qx 'url = https://hooks.slack.com/services/${SLACK_HOOK}' "$CONF"
	# example: pg-webhook slack on FATAL PANIC
	run pg-webhook slack on FATAL PANIC
	assert_output "Webhook 'slack' will trigger on: FATAL, PANIC"
	# example: pg-webhook slack on '/connection limit/i'
	run pg-webhook slack on '/connection limit/i'
	assert_output "Webhook 'slack' will trigger on: FATAL, PANIC; /connection limit/i"
	# example: pg-webhook slack off '/connection limit/i'
	run pg-webhook slack off '/connection limit/i'
	assert_output "Webhook 'slack' will trigger on: FATAL, PANIC"
	# example: pg-webhook list
	run pg-webhook list
	assert_line --index 1 --regexp '^slack +slack +on +0 +0 +- +https://hooks.slack.com/services/T0…/\*\*\*\* +FATAL, PANIC$'
	# example: pg-webhook add metrics http://127.0.0.1:9091/ --format prometheus
	pg-webhook add metrics http://127.0.0.1:9091/ --format prometheus
	# example: pg-webhook metrics on errors --continuous
	run pg-webhook metrics on errors --continuous
	assert_output "Webhook 'metrics' will trigger on: errors (continuous)"
	# example: pg-webhook test pagerduty --dry-run | jq .payload.summary
	pg-webhook add pagerduty https://events.pagerduty.com/v2/enqueue --routing-key R0UT1NG
	run bash -c "pg-webhook test pagerduty --dry-run | jq .payload.summary"
	assert_output --regexp '^"PostgreSQL FATAL on pg16-main \(.*\): sorry, too many clients already"$'
	# The quoting examples of DESCRIPTION.
	# example: pg-webhook pd on 'errors > 50/min'
	# example: pg-webhook pd on errors '>' 50/min
	pg-webhook add pd https://events.pagerduty.com/v2/enqueue --routing-key R0UT1NG
	run pg-webhook pd on 'errors > 50/min'
	assert_output "Webhook 'pd' will trigger on: errors > 50/min"
	run pg-webhook pd on errors '>' 50/min
	assert_output "Webhook 'pd' will trigger on: errors > 50/min"
}

@test "pg-webhook(1): every .Dl example has its test, and the page is mandoc -Tlint clean" {
	run python3 - "$PAGE" "$BATS_TEST_FILENAME" <<-'EOF'
		import sys
		text, tests = open(sys.argv[1]).read(), open(sys.argv[2]).read()
		missing = [l[4:] for l in text.splitlines() if l.startswith(".Dl pg-webhook")
		           and "# example: " + l[4:] not in tests]
		print("\n".join(missing))
		sys.exit(1 if missing else 0)
	EOF
	assert_success
	command -v mandoc >/dev/null || skip "no mandoc"
	run mandoc -Tlint -W warning "$PAGE"
	assert_success
}

# ---------------------------------------------------------------- run

# run_start ARGS...: `pg-webhook run ARGS` in the background (RUN_PID), its
# stderr in run.err; returns once the pidfile is there (written once the
# logs' ends are taken: a line appended after it is sent).
run_start() {
	pg-webhook run --drain-timeout 2 "$@" 2>>run.err &
	RUN_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -s $PGTAIL_SPOOL/run.pid ]] && return 0
		sleep 0.05
	done
	cat run.err >&2
	return 1
}

# run_stop: SIGTERM, then its status in RUN_STATUS.
run_stop() {
	kill -TERM "$RUN_PID"
	RUN_STATUS=0
	wait "$RUN_PID" || RUN_STATUS=$?
}

# logline N LEVEL MESSAGE: one stderr log line.
logline() {
	printf '2024-01-15 10:00:%02d.000 UTC [%d] %s:  %s\n' "$1" "$1" "$2" "$3"
}

# received: the messages the receiver got, one a line.
received() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(json.loads(line)["body"])["event"]["message"])' "$RECV_LOG"
}

@test "run: from the end on the first start, tail -F through rotation and truncation, resumed after a stop" {
	receiver_start
	pg-webhook add hook "$RECV/ok"
	pg-webhook hook on FATAL >/dev/null
	logline 1 FATAL "written before the first start" >pg.log
	run_start pg.log
	logline 2 FATAL "one" >>pg.log
	logline 3 LOG "not an alert" >>pg.log
	recv_wait 1 10
	mv pg.log pg.log.1
	logline 4 FATAL "two, after rotation" >pg.log
	recv_wait 2 10
	logline 5 FATAL "three" >>pg.log
	recv_wait 3 10
	: >pg.log  # truncated, as log_truncate_on_rotation does
	logline 6 FATAL "four, after truncation" >>pg.log
	recv_wait 4 10
	run_stop
	assert_equal "$RUN_STATUS" 0
	[[ ! -e spool/run.pid ]]
	# Written while it was stopped: sent after the restart, nothing twice.
	logline 7 FATAL "five, while stopped" >>pg.log
	run_start pg.log
	recv_wait 5 10
	run_stop
	assert_equal "$RUN_STATUS" 0
	assert_equal "$(received)" "$(printf '%s\n' one "two, after rotation" three "four, after truncation" "five, while stopped")"
	grep -q '^pg-send: .* sent' run.err
}

@test "run: killed with -9, a restart resumes where it was (offsets saved every second): nothing lost, nothing twice" {
	receiver_start
	pg-webhook add hook "$RECV/ok"
	pg-webhook hook on FATAL >/dev/null
	: >pg.log
	run_start pg.log
	logline 1 FATAL "one" >>pg.log
	recv_wait 1 10
	sleep 1.5  # a save is due
	kill -KILL "$RUN_PID"
	wait "$RUN_PID" || true
	# Its stages end on their own once their input closes.
	for ((i = 0; i < 100; i++)); do pgrep -f "spool $PGTAIL_SPOOL" >/dev/null || break; sleep 0.1; done
	logline 2 FATAL "two, while it was down" >>pg.log
	run_start pg.log
	logline 3 FATAL "three" >>pg.log
	recv_wait 3 10
	run_stop
	assert_equal "$RUN_STATUS" 0
	run received
	assert_output "$(printf '%s\n' one "two, while it was down" three)"
}

@test "run: a data directory is followed through current_logfiles" {
	receiver_start
	pg-webhook add hook "$RECV/ok"
	pg-webhook hook on FATAL >/dev/null
	mkdir -p data/log
	echo "stderr log/postgresql-1.log" >data/current_logfiles
	: >data/log/postgresql-1.log
	PGDATA=$BATS_TEST_TMPDIR/data run_start
	logline 1 FATAL "in the first file" >>data/log/postgresql-1.log
	recv_wait 1 10
	logline 2 FATAL "in the second file" >data/log/postgresql-2.log
	echo "stderr log/postgresql-2.log" >data/current_logfiles
	recv_wait 2 10
	run_stop
	assert_equal "$(received)" "$(printf '%s\n' "in the first file" "in the second file")"
	grep -qx "pg-webhook: following $BATS_TEST_TMPDIR/data" run.err
}

@test "run: a config change reaches the running stages (SIGHUP), a second run is refused" {
	receiver_start
	pg-webhook add hook "$RECV/ok"
	pg-webhook hook on FATAL >/dev/null
	: >pg.log
	run_start pg.log
	run --separate-stderr pg-webhook run pg.log
	assert_equal "$status" 73
	assert_stderr "pg-webhook: another pg-webhook run (pid $RUN_PID) uses $PGTAIL_SPOOL"
	run --separate-stderr pg-webhook hook set throttle 10/min
	assert_stderr "pg-webhook: told the running pipeline (pid $RUN_PID) to read the file again"
	for ((i = 0; i < 100; i++)); do
		grep -q '^pg-match: config reloaded' run.err && break
		sleep 0.05
	done
	grep -qx "pg-match: config reloaded from $CONF" run.err
	logline 1 FATAL "still an alert" >>pg.log
	recv_wait 1 10
	grep -qx "pg-format: config reloaded from $CONF" run.err
	run_stop
	assert_equal "$RUN_STATUS" 0
	assert_equal "$(received)" "still an alert"
}

@test "run: a rule added while it runs fires" {
	receiver_start
	pg-webhook add hook "$RECV/ok"
	pg-webhook hook on FATAL >/dev/null
	: >pg.log
	run_start pg.log
	pg-webhook hook on ERROR 2>/dev/null
	sleep 0.5
	logline 1 ERROR "an error, now an alert" >>pg.log
	recv_wait 1 10
	run_stop
	assert_equal "$(received)" "an error, now an alert"
}

@test "run: a stage that dies stops the run with a message; no log to follow is a usage error" {
	pg-webhook add hook http://127.0.0.1:1/
	: >pg.log
	run_start pg.log
	kill -TERM "$(pgrep -P "$RUN_PID" -x pg-match)"
	RUN_STATUS=0
	wait "$RUN_PID" || RUN_STATUS=$?
	assert_equal "$RUN_STATUS" 70
	grep -q '^pg-webhook: pg-match ended (status 143): stopping the pipeline$' run.err
}

@test "run without a log: the clusters pg_lsclusters lists, online ones first" {
	receiver_start
	pg-webhook add hook "$RECV/ok"
	pg-webhook hook on FATAL >/dev/null
	: >main.log
	mkdir bin
	cat >bin/pg_lsclusters <<-EOF
		#!/bin/sh
		[ "\$1" = --no-header ] || exit 2
		echo "14  old     5433 down   postgres $PWD/nowhere $PWD/old.log"
		echo "15  main    5432 online postgres $PWD/nowhere $PWD/main.log"
	EOF
	chmod +x bin/pg_lsclusters
	unset PGDATA
	PATH=$PWD/bin:$PATH run_start
	logline 1 FATAL "from the cluster's log" >>main.log
	recv_wait 1 10
	run_stop
	assert_equal "$RUN_STATUS" 0
	grep -qx "pg-webhook: the server's log (from pg_lsclusters):" run.err
	grep -qx "pg-webhook: following $PWD/main.log" run.err
	run received
	assert_output "from the cluster's log"
}
