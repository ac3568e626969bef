#!/usr/bin/env bats
# pg-format's chat formats as a user runs them: slack, discord and teams
# (with --teams-legacy) on the bundled sample log's events and on hostile
# ones (100 KB texts, mention tokens, Markdown, fences, control characters).
# Every Discord body is validated against Discord's own request schema by
# validate_discord.py; Slack and Teams bodies are checked against the limits
# of PLATFORMS.md by check_chat below. The exact payloads are in
# tests/cases/format/{slack,discord,teams}.case.

bats_require_minimum_version 1.5.0

setup() {
	load test_helper
	require_tool pg-format
	cd "$BATS_TEST_TMPDIR"
}

# sample_events: the bundled log's triggered events of every kind: errors,
# a rate threshold and its resolution, a throttle's summary.
sample_events() {
	local log=$PGT_ROOT/examples/postgresql-15-main.log
	pg-parse -q "$log" | pg-match errors
	{
		pg-parse -q "$log"
		echo '{"timestamp":"2099-01-01T00:00:00.000Z","instance":{"name":"pg15"},"event":{"type":"log_entry","level":"LOG","message":"later"}}'
	} | pg-match 'errors > 2/min by database' | grep -v '"log_entry"'
	pg-parse -q "$log" | pg-match --throttle 1/h errors | grep '"suppressed"'
}

# hostile_events: the same kinds, each text about 100 KB of what a log line
# should never be able to do to a chat channel.
hostile_events() {
	python3 - <<'EOF'
import json
t = ("<!channel> <!here> <!everyone> <@U123> <#C1|x> <http://evil|click> @everyone @here @Here <@&42> "
     "[link](http://evil) *b* _i_ ~~s~~ ||sp|| ``` `x` # h\n> q\n- l\n& &amp; \x1b[31m\x00\x7f\r\n é😀 " * 700)[:100000]
ts = "2024-01-15T10:23:45.123Z"
ev = [
    {"timestamp": ts, "instance": {"name": t, "host": "db1"}, "event": dict(
        type="log_entry", level="FATAL", sqlstate="53300", pid=1, message=t, detail=t, hint=t, context=t,
        statement=t, query=t, user=t, database=t), "trigger": {"rule": t}},
    {"timestamp": ts, "instance": {"name": "pg16"}, "event": dict(
        type="rate_threshold", level="ERROR", count=57, threshold=50, window_seconds=60,
        key={f"k{i}{t[:300]}": t for i in range(40)}, sample_message=t, message=t)},
    {"timestamp": ts, "event": dict(type="rate_resolved", level="ERROR", count=1, threshold=50, window_seconds=60,
        key={"database": t}, first_timestamp=ts, message=t)},
    {"timestamp": ts, "event": dict(type="suppressed", count=37, period_seconds=300, levels={"ERROR": 30, t: 7},
        top_messages=[{"message": t, "count": 3}] * 50, message=t)},
    {"event": {"type": "raw", "message": t}},
]
for e in ev:
    print(json.dumps(e))
EOF
}

# check_chat PLATFORM FILE: fails unless every line of FILE is a delivery for
# PLATFORM whose body keeps the platform's limits and lets no log text act:
#   slack  every < > & escaped (so no <!channel>, <@U…> or link), no link_names
#          or parse, text ≤ 4000, fields ≤ 2000, footer ≤ 300, all ≤ 12000,
#          each code block whole
#   teams  ≤ 20000 bytes, the Adaptive Card envelope (or a MessageCard), no
#          Markdown link
# and, for all, no control character but newline and tab.
check_chat() {
	python3 - "$1" "$2" <<'EOF'
import json, re, sys
platform, path = sys.argv[1], sys.argv[2]
problems, n = [], 0

def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for x in v.values():
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)

def slack(b):
    att = b["attachments"][0]
    for s in strings(b):
        if "<" in s or ">" in s or re.search(r"&(?!amp;|lt;|gt;)", s):
            problems.append(f"unescaped text {s[:60]!r}")
    if "link_names" in b or "parse" in b:
        problems.append("link_names or parse sent")
    texts = [b["text"], att["fallback"], att["footer"], att.get("text", "")]
    limits = [(b["text"], 4000), (att["footer"], 300), (att.get("text", ""), 3000)]
    for f in att["fields"]:
        texts += [f["title"], f["value"]]
        limits.append((f["value"], 2000))
        v = f["value"]
        if v.startswith("```") and ("``" in v[3:-3] or not v.endswith("```") or v[3:4] == "`" or v[-4:-3] == "`"):
            problems.append(f"code block broken: {v[:60]!r}")
    problems.extend(f"{len(s)} characters, more than {m}: {s[:40]!r}" for s, m in limits if len(s) > m)
    if sum(map(len, texts)) > 12000:
        problems.append(f"{sum(map(len, texts))} characters in all, more than 12000")
    if att["color"] not in ("good", "warning", "danger"):
        problems.append(f"color {att['color']!r}")

def teams(b, size):
    if size > 20000:
        problems.append(f"body of {size} bytes, more than 20000")
    if b.get("@type") == "MessageCard":
        if not b.get("summary") or not re.fullmatch(r"[0-9A-F]{6}", b.get("themeColor", "")):
            problems.append("MessageCard without summary or themeColor")
    else:
        a = b["attachments"][0]
        c = a["content"]
        if (b["type"], a["contentType"], a["contentUrl"], c["type"], c["version"]) != (
                "message", "application/vnd.microsoft.card.adaptive", None, "AdaptiveCard", "1.2"):
            problems.append("not the Workflows envelope of an Adaptive Card 1.2")
    for s in strings(b):
        if "](" in s:
            problems.append(f"a Markdown link left in {s[:60]!r}")

for line in open(path, encoding="utf-8"):
    n += 1
    d = json.loads(line)
    if d["platform"] != platform:
        problems.append(f"line {n}: platform {d['platform']!r}")
    body = d["body"]
    for s in strings(body):
        if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", s):
            problems.append(f"line {n}: control character in {s[:60]!r}")
    if platform == "slack":
        slack(body)
    else:
        teams(body, len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()))
if n == 0:
    problems.append("no delivery")
for p in problems[:20]:
    print(p)
sys.exit(1 if problems else 0)
EOF
}

@test "the sample's events: every format gives one JSON delivery per event" {
	sample_events >events.ndjson
	local events
	events=$(wc -l <events.ndjson)
	[[ $events -ge 12 ]] || fail "only $events sample events"
	ndjson_check 'set(o["event"]["type"] for o in ev) == {"log_entry", "rate_threshold", "rate_resolved", "suppressed"}' events.ndjson
	local f
	for f in slack discord teams; do
		run --separate-stderr pg-format --format "$f" events.ndjson
		assert_success
		assert_equal "$stderr" ""
		printf '%s\n' "$output" >"$f.ndjson"
		ndjson_check "len(ev) == $events and all(o['platform'] == '$f' and isinstance(o['body'], dict) for o in ev)" "$f.ndjson"
	done
	check_chat slack slack.ndjson
	check_chat teams teams.ndjson
}

@test "discord: the sample's payloads validate against Discord's request schema" {
	sample_events >events.ndjson
	pg-format --format discord events.ndjson >discord.ndjson
	run python3 "$BATS_TEST_DIRNAME/validate_discord.py" discord.ndjson
	assert_success
	assert_output --regexp '^([0-9]+) of \1 Discord payloads valid$'
}

@test "discord: 100 KB hostile events validate, within the 6000-character total, pinging nobody" {
	hostile_events >hostile.ndjson
	run --separate-stderr pg-format --format discord hostile.ndjson
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >discord.ndjson
	run python3 "$BATS_TEST_DIRNAME/validate_discord.py" discord.ndjson
	assert_success
	assert_output "5 of 5 Discord payloads valid"
	ndjson_check 'all(o["body"]["allowed_mentions"] == {"parse": []} and len(o["body"]["content"]) <= 200 for o in ev)' discord.ndjson
}

@test "validate_discord.py refuses what Discord would: too long, a ping, no allowed_mentions" {
	printf '%s\n' '{"content":"@everyone","embeds":[{"title":"'"$(printf 't%.0s' {1..257})"'","color":1}]}' >bad.ndjson
	printf '%s\n' '{"content":"x","embeds":[{"fields":[{"name":"n","value":"  "}]}],"allowed_mentions":{"parse":[]}}' >>bad.ndjson
	run python3 "$BATS_TEST_DIRNAME/validate_discord.py" bad.ndjson
	assert_failure 1
	assert_line --partial 'bad.ndjson:1: schema: '
	assert_line --partial "bad.ndjson:1: '@everyone' left in"
	assert_line 'bad.ndjson:1: allowed_mentions is None, not {"parse": []}'
	assert_line "bad.ndjson:2: field 'n' has a blank name or value"
	assert_line "0 of 2 Discord payloads valid"
}

@test "slack: 100 KB hostile events stay within Slack's limits, every < > & escaped" {
	hostile_events >hostile.ndjson
	run --separate-stderr pg-format --format slack hostile.ndjson
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >slack.ndjson
	check_chat slack slack.ndjson
	ndjson_check 'ev[0]["body"]["text"].startswith("FATAL: &lt;!channel&gt;") and ev[0]["body"]["attachments"][0]["color"] == "danger"' slack.ndjson
}

@test "teams and --teams-legacy: 100 KB hostile events stay under 20,000 bytes" {
	hostile_events >hostile.ndjson
	run --separate-stderr pg-format --format teams hostile.ndjson
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >teams.ndjson
	check_chat teams teams.ndjson
	run --separate-stderr pg-format --format teams --teams-legacy hostile.ndjson
	assert_success
	printf '%s\n' "$output" >legacy.ndjson
	check_chat teams legacy.ndjson
	ndjson_check 'all(o["body"]["@type"] == "MessageCard" for o in ev)' legacy.ndjson
}

@test "--config: each webhook's chat format, teams_legacy from the config" {
	cat >webhooks.ini <<-'EOF'
		[webhook "chat"]
		url = https://hooks.slack.com/services/T/B/x
		format = slack
		on = errors

		[webhook "old-teams"]
		url = https://example.webhook.office.com/webhookb2/x
		format = teams
		teams_legacy = yes
		on = errors
	EOF
	local ev='{"timestamp":"2024-01-15T10:23:45.123Z","instance":{"name":"pg16"},"event":{"type":"log_entry","level":"FATAL","message":"m"}'
	run --separate-stderr pg-format --config=webhooks.ini <<-EOF
		$ev,"trigger":{"rule":"level:FATAL","webhook":"chat"}}
		$ev,"trigger":{"rule":"level:FATAL","webhook":"old-teams"}}
	EOF
	assert_success
	assert_equal "$stderr" ""
	ndjson_check 'ev[0]["platform"] == "slack" and ev[0]["body"]["text"] == "FATAL: m" and ev[1]["platform"] == "teams" and ev[1]["body"]["@type"] == "MessageCard" and ev[1]["body"]["themeColor"] == "A30200"'
}
