#!/usr/bin/env bats
# Every real log of the shared pgBadger corpus, read as a user would (format
# auto-detected; the flags the README of the corpus documents where a log
# cannot tell): the entries of each level, the raw events, the first and last
# time in UTC, and no line lost. The counts were checked against the files
# themselves (grep of the severity words; the syslog file's own "shut down at
# 2019-02-11 13:14:59 CET" for its year and zone).
#
# No line lost: --stats must have read as many lines as the file holds, and
# each of them must be in an entry, in a raw event, empty, or another
# program's (lines = in entries + in raw events + empty + of other programs).
# For the formats where an entry's lines can be told from its event, the
# events must hold them all too: on stderr a line per text field plus one per
# newline in it (tab continuation lines), on csvlog a record's line plus one
# per newline in its fields, on jsonlog a line per event.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	require_tool pg-parse
}

# expect_log FILE 'FLAGS' 'LEVEL=N ...' RAW FIRST LAST
expect_log() {
	local file=$1 flags=$2 levels=$3 raw=$4 first=$5 last=$6
	require_corpus "$file"
	# shellcheck disable=SC2086
	run --separate-stderr pg-parse --stats $flags "$CORPUS/$file"
	[ "$status" -eq 0 ] || fail "pg-parse exited $status: $stderr"
	printf '%s\n' "$output" | python3 -c '
import bz2, collections, gzip, json, re, sys
levels, raw, first, last, path, stderr = sys.argv[1:7]
raw = int(raw)
opener = gzip.open if path.endswith(".gz") else bz2.open if path.endswith(".bz2") else open
data = opener(path, "rb").read()
file_lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
m = re.search(r": detected (\w+)", stderr)
fmt = m.group(1) if m else "?"
TEXT = ("message", "detail", "hint", "context", "statement", "query", "location")
def lines_of(e):
    if fmt == "stderr":
        return sum(e[k].count("\n") + 1 for k in TEXT if k in e)
    if fmt == "csvlog":
        return 1 + sum(e[k].count("\n") for k in TEXT if k in e)
    return 1 if fmt == "jsonlog" else None
count, times, raws, in_entries = collections.Counter(), [], 0, 0
for line in sys.stdin:
    o = json.loads(line)
    e = o["event"]
    if e["type"] == "raw":
        raws += 1
        continue
    count[e["level"]] += 1
    if in_entries is not None:
        n = lines_of(e)
        in_entries = None if n is None else in_entries + n
    if "timestamp" in o:
        times.append(o["timestamp"])
got = " ".join(f"{k}={v}" for k, v in sorted(count.items()))
problems = []
if got != levels: problems.append(f"levels: expected {levels}, got {got}")
if raws != raw: problems.append(f"raw events: expected {raw}, got {raws}")
if not times or min(times) != first or max(times) != last:
    problems.append(f"times: expected {first} .. {last}, got {min(times, default=None)} .. {max(times, default=None)}")
s = re.search(r"stats: (\d+) lines, (\d+) entries, (\d+) raw, \d+ truncated, \d+ repaired, (\d+) empty, "
              r"(\d+) of other programs, (\d+) lines in entries, (\d+) in raw events$", stderr)
if not s:
    problems.append(f"no stats line in: {stderr}")
else:
    lines, entries, raw_events, empty, other, s_in_entries, s_raw_lines = map(int, s.groups())
    if lines != file_lines:
        problems.append(f"lines read: {lines}, the file has {file_lines}")
    if lines != s_in_entries + s_raw_lines + empty + other:
        problems.append(f"lines lost: {lines} read, {s_in_entries} in entries + {s_raw_lines} in raw events"
                        f" + {empty} empty + {other} of other programs")
    if s_raw_lines != raw:
        problems.append(f"lines in raw events: expected {raw}, got {s_raw_lines}")
    if entries != sum(count.values()) or raw_events != raws:
        problems.append(f"stats count {entries} entries and {raw_events} raw, the output {sum(count.values())} and {raws}")
    if in_entries is not None and in_entries != s_in_entries:
        problems.append(f"{fmt} entries written hold {in_entries} lines, --stats counts {s_in_entries}")
sys.exit("\n".join(problems) if problems else 0)
' "$levels" "$raw" "$first" "$last" "$CORPUS/$file" "$stderr"
}

@test "anonymize.log (csvlog, CET)" {
	expect_log anonymize.log '' 'LOG=8' 0 2021-01-20T11:21:31.010Z 2021-01-22T09:03:22.785Z
}

@test "begin_end.log (stderr, CET)" {
	expect_log begin_end.log '' 'LOG=24' 0 2021-02-14T00:34:02.000Z 2021-02-15T20:02:06.000Z
}

@test "cloudsql.log.gz (Google Cloud Logging)" {
	expect_log cloudsql.log.gz '' 'FATAL=4 LOG=1264' 0 2020-05-02T13:00:20.382Z 2020-05-02T13:59:50.449Z
}

@test "cnpg.log.gz (CloudNativePG)" {
	expect_log cnpg.log.gz '' 'ERROR=4 FATAL=1 LOG=1972' 0 2022-11-27T18:48:18.943Z 2022-11-27T18:58:02.096Z
}

@test "csv_statement_without_duration.log (csvlog)" {
	expect_log csv_statement_without_duration.log '' 'LOG=2' 0 2026-05-16T05:11:50.269Z 2026-05-16T05:20:03.994Z
}

@test "light.postgres.log.bz2 (stderr, pgBadger's prefix)" {
	expect_log light.postgres.log.bz2 '' 'LOG=630' 0 2017-09-06T08:40:10.000Z 2017-09-06T09:01:28.000Z
}

@test "logplex.gz (Heroku)" {
	expect_log logplex.gz '' 'ERROR=1 LOG=9' 0 2019-03-14T00:22:56.000Z 2021-09-07T04:01:27.000Z
}

@test "multiline_param.log (stderr, DETAIL over several lines)" {
	expect_log multiline_param.log '' 'LOG=8' 0 2021-12-03T07:14:48.591Z 2021-12-03T07:14:48.595Z
}

@test "pg-syslog.1.bz2 (syslog without year or zone: --year 2019 --timezone Europe/Paris)" {
	expect_log pg-syslog.1.bz2 '--year 2019 --timezone Europe/Paris' 'LOG=59896' 0 2019-02-11T12:15:39.000Z 2019-02-11T12:16:26.000Z
}

@test "pg-timezones.log (stderr, one space after LOG:)" {
	expect_log pg-timezones.log '' 'LOG=2' 0 2021-05-27T17:00:00.000Z 2021-05-27T17:46:39.000Z
}

@test "pg_rawcsv.log (pg_ctl lines: the only raw events of the corpus)" {
	expect_log pg_rawcsv.log '' 'ERROR=2 FATAL=1 LOG=6' 2 2025-01-21T17:32:48.288Z 2025-01-21T17:38:09.749Z
}

@test "pg_vacuums.json.gz (jsonlog, CEST)" {
	expect_log pg_vacuums.json.gz '' 'LOG=3544' 0 2024-06-26T22:00:07.369Z 2024-06-27T00:59:51.868Z
}

@test "pg_vacuums.log.gz (stderr, CEST)" {
	expect_log pg_vacuums.log.gz '' 'LOG=3544' 0 2024-06-26T22:00:07.000Z 2024-06-27T00:59:51.000Z
}

@test "postgresql_param_range.log (stderr, bind parameters over lines)" {
	expect_log postgresql_param_range.log '' 'LOG=3' 0 2023-03-07T08:05:37.000Z 2023-03-07T08:07:12.000Z
}

@test "queryid.log.gz (stderr, %Q)" {
	expect_log queryid.log.gz '' 'ERROR=3 LOG=25' 0 2022-02-17T14:45:10.440Z 2022-02-17T16:29:38.422Z
}

@test "rds.log.bz2 (Amazon RDS, CET)" {
	expect_log rds.log.bz2 '' 'FATAL=2 LOG=114602' 0 2020-03-11T19:40:43.000Z 2020-03-11T19:42:47.000Z
}

@test "stmt_type.log (stderr, MSK)" {
	expect_log stmt_type.log '' 'LOG=12' 0 2019-10-21T09:03:31.311Z 2019-10-21T09:03:51.311Z
}

@test "tempfile_only.log.gz (stderr, CEST)" {
	expect_log tempfile_only.log.gz '' 'LOG=171' 0 2014-04-01T09:13:21.000Z 2014-04-01T12:30:00.000Z
}

@test "weeknumber.log (csvlog, GMT)" {
	expect_log weeknumber.log '' 'LOG=6' 0 2021-01-01T07:13:44.120Z 2021-07-05T07:13:44.120Z
}
