#include "log_parser.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

using namespace pgtail;

namespace {

/// 2024-01-15 10:23:45 UTC in milliseconds, and in seconds.
constexpr int64_t kT0 = 1705314225000;
constexpr int64_t kJune2024 = 1717200000;  // 2024-06-01 00:00:00 UTC

using Lines = std::vector<std::string>;

/// Runs a LogParser over `lines` as one file and keeps what comes out.
struct Run {
  std::vector<Event> events;
  std::vector<std::string> warnings;
  ParseStats stats;

  Run(const ParseOptions& options, const Lines& lines, int64_t mtime = kJune2024) {
    ZoneResolver zones;
    LogParser p(
        options, zones, [this](const Event& ev) { events.push_back(ev); },
        [this](const std::string& w) { warnings.push_back(w); });
    p.begin("test.log", mtime, false);
    for (const std::string& l : lines) p.line(l, false, 0);
    p.end(0);
    stats = p.stats();
    // Every line read is somewhere, whatever the test is about.
    CHECK(stats.lines == stats.in_entries + stats.raw_lines + stats.empty + stats.other);
  }

  std::vector<const Event*> of_type(Event::Type t) const {
    std::vector<const Event*> r;
    for (const Event& ev : events)
      if (ev.type == t) r.push_back(&ev);
    return r;
  }
  bool warned(const std::string& part) const {
    for (const std::string& w : warnings)
      if (w.find(part) != std::string::npos) return true;
    return false;
  }
};

ParseOptions stderr_options(const std::string& prefix = "%m [%p] %q%u@%d ") {
  ParseOptions o;
  o.format = Format::kStderr;
  o.prefix = prefix;
  o.quiet = true;
  return o;
}

const Lines kDebianLog = {
    "2024-01-15 10:23:45.123 UTC [8544] LOG:  database system is ready to accept connections",
    "2024-01-15 10:23:45.200 UTC [8563] app@shop ERROR:  stock too low",
    "2024-01-15 10:23:45.200 UTC [8563] app@shop DETAIL:  Only 5 items are left in warehouse \"Z\xC3\xBCrich\".",
    "2024-01-15 10:23:45.200 UTC [8563] app@shop HINT:  Reduce the quantity.",
    "2024-01-15 10:23:45.200 UTC [8563] app@shop STATEMENT:  select check_stock(9);",
    "",
    "2024-01-15 10:23:45.230 UTC [8563] app@shop LOG:  duration: 205.753 ms  statement: select a,",
    "\t       b",
    "\tfrom t;",
    "TRAP: FailedAssertion(\"false\", File: \"x.c\", Line: 1, PID: 8563)",
    "2024-01-15 10:23:45.300 UTC [8570] app@shop FATAL:  bad \xFF byte",
};

}  // namespace

TEST_CASE("log_parser: entries, raw lines and counts from a stderr log", "[log_parser]") {
  ParseOptions o;  // --format auto
  o.quiet = true;
  Run r(o, kDebianLog);
  CHECK(r.stats.lines == 11);
  CHECK(r.stats.empty == 1);
  CHECK(r.stats.repaired == 1);
  CHECK(r.stats.entries == 4);
  CHECK(r.stats.raw == 1);
  CHECK(r.stats.truncated == 0);
  REQUIRE(r.events.size() == 5);

  std::vector<const Event*> entries = r.of_type(Event::Type::kLogEntry);
  REQUIRE(entries.size() == 4);
  CHECK(entries[0]->message == "database system is ready to accept connections");
  CHECK(entries[0]->pid == 8544);
  CHECK(entries[0]->time_ms == kT0 + 123);
  CHECK(entries[0]->user.empty());

  const Event& err = *entries[1];
  CHECK(err.level == "ERROR");
  CHECK(err.pid == 8563);
  CHECK(err.user == "app");
  CHECK(err.database == "shop");
  CHECK(err.message == "stock too low");
  CHECK(err.detail == "Only 5 items are left in warehouse \"Z\xC3\xBCrich\".");
  CHECK(err.hint == "Reduce the quantity.");
  CHECK(err.statement == "select check_stock(9);");

  CHECK(entries[2]->level == "LOG");
  CHECK(entries[2]->message == "duration: 205.753 ms  statement: select a,\n       b\nfrom t;");

  CHECK(entries[3]->level == "FATAL");
  CHECK(entries[3]->message == "bad \xEF\xBF\xBD byte");
  CHECK(r.warned("test.log:11: invalid UTF-8"));

  std::vector<const Event*> raw = r.of_type(Event::Type::kRaw);
  REQUIRE(raw.size() == 1);
  CHECK(raw[0]->message == "TRAP: FailedAssertion(\"false\", File: \"x.c\", Line: 1, PID: 8563)");
  CHECK_FALSE(raw[0]->time_ms);
}

TEST_CASE("log_parser: a file's events come out in the log's order, raw lines included",
          "[log_parser][bug]") {
  Run r(stderr_options(), kDebianLog);
  std::vector<std::string> order;
  for (const Event& ev : r.events) order.push_back(ev.message.substr(0, 12));
  CHECK(order == std::vector<std::string>{"database sys", "stock too lo", "duration: 20", "TRAP: Failed",
                                          "bad \xEF\xBF\xBD byte"});
}

TEST_CASE("log_parser: detection notes unless quiet", "[log_parser]") {
  ParseOptions o;
  Run r(o, kDebianLog);
  CHECK(r.warned("test.log: detected stderr, log_line_prefix '%m [%p] %q%u@%d '"));
  o.quiet = true;
  Run q(o, kDebianLog);
  CHECK_FALSE(q.warned("detected"));
}

TEST_CASE("log_parser: lines that belong to no entry are kept as raw events", "[log_parser]") {
  Run r(stderr_options(), {
                              "pg_ctl: another server might be running; trying to start server anyway",
                              "2024-01-15 10:23:45.200 UTC [77] app@shop DETAIL:  a DETAIL of nothing",
                              "\torphan continuation",
                              "2024-01-15 10:23:45.200 UTC [78] app@shop LOG:  x",
                              "2024-01-15 10:23:45.200 UTC [79] app@shop HINT:  another process's hint",
                          });
  CHECK(r.stats.raw == 4);
  CHECK(r.stats.entries == 1);
  std::vector<const Event*> raw = r.of_type(Event::Type::kRaw);
  REQUIRE(raw.size() == 4);
  CHECK(raw[0]->message == "pg_ctl: another server might be running; trying to start server anyway");
  CHECK(raw[1]->message == "2024-01-15 10:23:45.200 UTC [77] app@shop DETAIL:  a DETAIL of nothing");
  CHECK(raw[2]->message == "\torphan continuation");
  CHECK(raw[3]->message == "2024-01-15 10:23:45.200 UTC [79] app@shop HINT:  another process's hint");
  std::vector<const Event*> entries = r.of_type(Event::Type::kLogEntry);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]->hint.empty());
}

TEST_CASE("log_parser: continuation lines whose tab became spaces still join", "[log_parser]") {
  Run r(stderr_options(), {
                              "2024-01-15 10:23:45.200 UTC [78] app@shop LOG:  statement: select a,",
                              "        b from t",
                          });
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].message == "statement: select a,\n        b from t");
}

TEST_CASE("log_parser: CRLF line ends are removed", "[log_parser]") {
  Run r(stderr_options(), {
                              "2024-01-15 10:23:45.200 UTC [78] app@shop ERROR:  x\r",
                              "2024-01-15 10:23:45.200 UTC [78] app@shop DETAIL:  d\r",
                              "\tmore\r",
                              "\r",
                          });
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].message == "x");
  CHECK(r.events[0].detail == "d\nmore");
  CHECK(r.stats.empty == 1);
}

TEST_CASE("log_parser: a cut line marks its entry truncated", "[log_parser]") {
  ZoneResolver zones;
  std::vector<Event> events;
  std::vector<std::string> warnings;
  ParseOptions o = stderr_options();
  o.max_entry_bytes = 64;
  LogParser p(
      o, zones, [&](const Event& ev) { events.push_back(ev); },
      [&](const std::string& w) { warnings.push_back(w); });
  p.begin("cut.log", kJune2024, false);
  p.line("2024-01-15 10:23:45.200 UTC [78] app@shop ERROR:  a long mes", true, 0);
  p.line("junk that was cut", true, 0);
  p.end(0);
  REQUIRE(events.size() == 2);
  const Event& entry = events[0].type == Event::Type::kLogEntry ? events[0] : events[1];
  const Event& raw = events[0].type == Event::Type::kRaw ? events[0] : events[1];
  CHECK(entry.type == Event::Type::kLogEntry);
  CHECK(entry.truncated);
  CHECK(entry.message == "a long mes");
  CHECK(raw.type == Event::Type::kRaw);
  CHECK(raw.truncated);
  CHECK(raw.message == "junk that was cut");
  CHECK(p.stats().truncated == 2);
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].find("cut.log:1: line longer than 64 bytes cut") == 0);
  CHECK(warnings[1].find("cut.log:2:") == 0);
}

TEST_CASE("log_parser: a line cut inside a character is not taken for bad UTF-8", "[log_parser]") {
  ZoneResolver zones;
  std::vector<Event> events;
  std::vector<std::string> warnings;
  LogParser p(
      stderr_options(), zones, [&](const Event& ev) { events.push_back(ev); },
      [&](const std::string& w) { warnings.push_back(w); });
  p.begin("cut.log", kJune2024, false);
  p.line("2024-01-15 10:23:45.200 UTC [78] app@shop ERROR:  caf\xC3", true, 0);
  p.end(0);
  REQUIRE(events.size() == 1);
  CHECK(events[0].message == "caf");
  CHECK(events[0].truncated);
  CHECK(p.stats().repaired == 0);
  for (const std::string& w : warnings) CHECK(w.find("invalid UTF-8") == std::string::npos);
}

TEST_CASE("log_parser: csvlog, a broken quote loses nothing", "[log_parser]") {
  ParseOptions o;
  o.quiet = true;
  const std::string kOk1 =
      "2026-12-03 17:05:45.232 UTC,\"bench\",\"shop\",6259,\"[local]\",6b11a169.1873,3,\"SELECT\","
      "2026-12-03 17:05:45 UTC,4/5,0,ERROR,22012,\"division by zero\",,,,,,\"SELECT 1/0;\",,,\"psql\","
      "\"client backend\",,0";
  // A record cut short by a crash of its writer: its quote never closes.
  const std::string kBroken =
      "2026-12-03 17:05:45.233 UTC,\"bench\",\"shop\",6259,\"[local]\",6b11a169.1873,4,\"SELECT\","
      "2026-12-03 17:05:45 UTC,4/6,0,ERROR,42P01,\"relation \"\"no_such_table\"\" does no";
  const std::string kOk2 =
      "2026-12-03 17:05:45.241 UTC,\"bench\",\"shop\",6259,\"[local]\",6b11a169.1873,10,\"UPDATE\","
      "2026-12-03 17:05:45 UTC,4/11,0,ERROR,22P02,\"invalid input syntax for type integer: \"\"x\"\"\",,,,,,"
      "\"UPDATE t SET a = 'x';\",61,,\"psql\",\"client backend\",,0";
  Run r(o, {kOk1, kBroken, kOk2, "", kBroken});
  CHECK(r.stats.lines == 5);
  CHECK(r.stats.empty == 1);
  CHECK(r.stats.entries == 2);
  CHECK(r.stats.raw == 2);
  REQUIRE(r.events.size() == 4);
  CHECK(r.events[0].type == Event::Type::kLogEntry);
  CHECK(r.events[0].message == "division by zero");
  CHECK(r.events[0].sqlstate == "22012");
  CHECK(r.events[0].pid == 6259);
  CHECK(r.events[1].type == Event::Type::kRaw);
  CHECK(r.events[1].message == kBroken);
  CHECK(r.events[2].type == Event::Type::kLogEntry);
  CHECK(r.events[2].message == "invalid input syntax for type integer: \"x\" at character 61");
  CHECK(r.events[2].statement == "UPDATE t SET a = 'x';");
  CHECK(r.events[3].type == Event::Type::kRaw);  // the second, broken at the end of input
  CHECK(r.events[3].message == kBroken);
  CHECK(r.warned("unterminated"));
}

TEST_CASE("log_parser: csvlog, a quoted field spanning lines", "[log_parser]") {
  ParseOptions o;
  o.format = Format::kCsvlog;
  Run r(o, {
               "2026-12-03 17:05:45.235 UTC,\"bench\",\"shop\",6259,\"[local]\",6b11a169.1873,7,\"SELECT\","
               "2026-12-03 17:05:45 UTC,4/9,0,LOG,00000,\"duration: 1 ms  statement: SELECT",
               "\tabalance",
               "FROM t;\",,,,,,,,,\"psql\",\"client backend\",,0",
           });
  CHECK(r.stats.lines == 3);
  CHECK(r.stats.entries == 1);
  CHECK(r.stats.raw == 0);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].message == "duration: 1 ms  statement: SELECT\n\tabalance\nFROM t;");
}

TEST_CASE("log_parser: jsonlog, and a line that is not JSON", "[log_parser]") {
  ParseOptions o;
  o.quiet = true;
  Run r(o, {
               "{\"timestamp\":\"2024-01-15 10:23:45.123 UTC\",\"user\":\"app\",\"dbname\":\"shop\",\"pid\":12345,"
               "\"error_severity\":\"ERROR\",\"state_code\":\"22012\",\"message\":\"division by zero\"}",
               "not json at all",
           });
  CHECK(r.stats.entries == 1);
  CHECK(r.stats.raw == 1);
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].message == "division by zero");
  CHECK(r.events[0].time_ms == kT0 + 123);
  CHECK(r.events[0].pid == 12345);
  CHECK(r.events[1].type == Event::Type::kRaw);
  CHECK(r.events[1].message == "not json at all");
  CHECK(r.warned("test.log:2:"));
}

TEST_CASE("log_parser: syslog, a split line and a tab continuation are rejoined", "[log_parser]") {
  ParseOptions o;
  o.format = Format::kSyslog;
  o.prefix = "%m [%p] %q%u@%d ";
  Run r(o, {
               "Jan 15 10:23:45 db1 postgres[12345]: [5-1] 2024-01-15 10:23:45.123 UTC [12345] app@shop "
               "ERROR:  value too long for the first chunk,",
               "Jan 15 10:23:45 db1 postgres[12345]: [5-2]  split at a space",
               "Jan 15 10:23:45 db1 CRON[99]: (root) CMD (true)",
               "Jan 15 10:23:45 db1 postgres[12345]: [5-3] 2024-01-15 10:23:45.123 UTC [12345] app@shop "
               "STATEMENT:  select a",
               "Jan 15 10:23:45 db1 postgres[12345]: [5-4] #011from t",
               "Jan 15 10:23:46 db1 postgres[77]: [6-1] 2024-01-15 10:23:46.000 UTC [77] LOG:  checkpoint "
               "starting: time",
           });
  CHECK(r.stats.other == 1);
  CHECK(r.stats.entries == 2);
  CHECK(r.stats.raw == 0);
  REQUIRE(r.events.size() == 2);
  const Event& ev = r.events[0];
  CHECK(ev.pid == 12345);
  CHECK(ev.user == "app");
  CHECK(ev.message == "value too long for the first chunk, split at a space");
  CHECK(ev.statement == "select a\nfrom t");
  CHECK(ev.time_ms == kT0 + 123);
  CHECK(r.events[1].pid == 77);
}

namespace {

/// The server's write_syslog(): a message is sent one line at a time, and a
/// line longer than PG_SYSLOG_LIMIT (900) bytes in chunks, cut at the last
/// space when there is one, else right at the limit. ASCII text only.
std::vector<std::string> pg_syslog_chunks(const std::string& message) {
  const size_t kLimit = 900;
  std::vector<std::string> chunks;
  std::string_view line = message;
  while (!line.empty()) {
    if (line[0] == '\n') {
      line.remove_prefix(1);
      continue;
    }
    size_t buflen = std::min(std::min(line.find('\n'), line.size()), kLimit);
    if (buflen < line.size() && line[buflen] != ' ' && line[buflen] != '\n') {
      size_t i = buflen - 1;
      while (i > 0 && line[i] != ' ') --i;
      if (i > 0) buflen = i;
    }
    chunks.emplace_back(line.substr(0, buflen));
    line.remove_prefix(buflen);
  }
  return chunks;
}

/// The syslog lines of message `seq` of process `pid`, as rsyslog writes them.
std::vector<std::string> syslog_lines(int seq, int pid, const std::string& message) {
  std::vector<std::string> lines;
  int n = 0;
  for (std::string chunk : pg_syslog_chunks(message)) {
    for (size_t at; (at = chunk.find('\t')) != std::string::npos;) chunk.replace(at, 1, "#011");
    lines.push_back("Jan 15 10:23:45 db1 postgres[" + std::to_string(pid) + "]: [" + std::to_string(seq) + "-" +
                    std::to_string(++n) + "] " + chunk);
  }
  return lines;
}

}  // namespace

TEST_CASE("log_parser: syslog, long lines split by the server are rejoined", "[log_parser]") {
  ParseOptions o;
  o.format = Format::kSyslog;
  o.prefix = "%m [%p] ";
  const std::string prefix = "2024-01-15 10:23:45.123 UTC [12345] ";
  std::string words;
  for (int i = 0; words.size() < 2500; ++i) words += " word" + std::to_string(i);
  const std::string message = "statement: select" + words + "\n\tfrom t";
  std::vector<std::string> lines = syslog_lines(5, 12345, prefix + "LOG:  " + message);
  REQUIRE(lines.size() >= 4);
  Run r(o, lines);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].message == "statement: select" + words + "\nfrom t");
}

TEST_CASE("log_parser: syslog, a word longer than the server's chunk is rejoined whole",
          "[log_parser][bug]") {
  // A bytea literal in hex has no space: the server cuts it at 900 bytes,
  // and the next chunk starts inside the word.
  ParseOptions o;
  o.format = Format::kSyslog;
  o.prefix = "%m [%p] ";
  std::string hex;
  for (int i = 0; hex.size() < 2000; ++i) hex += "0123456789abcdef"[i * 7 % 16];
  const std::string message = "statement: insert into t values ('\\x" + hex + "')";
  std::vector<std::string> lines =
      syslog_lines(6, 12345, "2024-01-15 10:23:45.123 UTC [12345] LOG:  " + message);
  REQUIRE(lines.size() >= 3);
  Run r(o, lines);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].message.find('\n') == std::string::npos);
  CHECK(r.events[0].message == message);
}

TEST_CASE("log_parser: syslog detected, times from the header", "[log_parser]") {
  ParseOptions o;
  o.quiet = true;
  Run r(o,
        {
            "Jan 15 10:23:45 db1 postgres[30]: [1-1] user=,db=,app=,client= LOG:  checkpoint starting: time",
            "Jan 15 10:23:46 db1 postgres[12345]: [2-1] user=app,db=shop,app=psql,client=10.0.0.5 ERROR:  "
            "division by zero",
            "Jan 15 10:23:46 db1 postgres[12345]: [2-2] user=app,db=shop,app=psql,client=10.0.0.5 STATEMENT:  "
            "select 1/0;",
        },
        kJune2024);
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].time_ms == kT0);  // the year from the file's time
  CHECK(r.events[0].pid == 30);
  CHECK(r.events[1].time_ms == kT0 + 1000);
  CHECK(r.events[1].pid == 12345);
  CHECK(r.events[1].application == "psql");
  CHECK(r.events[1].remote_host == "10.0.0.5");
  CHECK(r.events[1].statement == "select 1/0;");
}

TEST_CASE("log_parser: syslog across New Year", "[log_parser]") {
  ParseOptions o;
  o.format = Format::kSyslog;
  o.prefix = "";
  constexpr int64_t kJan20_2024 = 1705708800;
  Run r(o,
        {
            "Dec 31 23:59:59 db1 postgres[1]: [1-1] LOG:  old year",
            "Jan  1 00:00:01 db1 postgres[1]: [2-1] LOG:  new year",
        },
        kJan20_2024);
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].time_ms == int64_t{1704067199000});  // 2023-12-31 23:59:59
  CHECK(r.events[1].time_ms == int64_t{1704067201000});  // 2024-01-01 00:00:01
}

TEST_CASE("log_parser: an unrecognised log is kept whole as raw events", "[log_parser]") {
  ParseOptions o;
  Run r(o, {"hello world", "", "another line"});
  CHECK(r.stats.lines == 3);
  CHECK(r.stats.empty == 1);
  CHECK(r.stats.raw == 2);
  CHECK(r.stats.entries == 0);
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].message == "hello world");
  CHECK(r.events[1].message == "another line");
  CHECK(r.warned("cannot recognise the log_line_prefix"));
}

TEST_CASE("log_parser: live input completes entries after the idle delay", "[log_parser]") {
  ZoneResolver zones;
  std::vector<Event> events;
  ParseOptions o = stderr_options();
  o.idle_flush_ms = 50;
  LogParser p(o, zones, [&](const Event& ev) { events.push_back(ev); }, [](const std::string&) {});
  p.begin("<stdin>", 0, true);
  CHECK(p.next_deadline() == -1);
  p.line("2024-01-15 10:23:45.200 UTC [78] app@shop ERROR:  x", false, 1000);
  CHECK(p.next_deadline() == 1050);
  p.tick(1030);
  CHECK(events.empty());
  p.line("2024-01-15 10:23:45.200 UTC [78] app@shop DETAIL:  d", false, 1030);
  p.tick(1060);
  CHECK(events.empty());
  p.tick(1080);
  REQUIRE(events.size() == 1);
  CHECK(events[0].detail == "d");
  CHECK(p.next_deadline() == -1);
  p.end(2000);
  CHECK(events.size() == 1);
}

TEST_CASE("log_parser: live input with detection decides after the idle delay", "[log_parser]") {
  ZoneResolver zones;
  std::vector<Event> events;
  ParseOptions o;
  o.quiet = true;
  o.idle_flush_ms = 50;
  LogParser p(o, zones, [&](const Event& ev) { events.push_back(ev); }, [](const std::string&) {});
  p.begin("<stdin>", 0, true);
  p.line("2024-01-15 10:23:45.200 UTC [78] app@shop ERROR:  x", false, 1000);
  CHECK(p.next_deadline() == 1050);
  p.tick(1049);
  CHECK(events.empty());
  p.tick(1050);  // decides
  p.tick(1100);
  REQUIRE(events.size() == 1);
  CHECK(events[0].message == "x");
  CHECK(events[0].user == "app");
}

TEST_CASE("log_parser: file input measures idleness in the log's own time", "[log_parser]") {
  // pid 1's entry has been idle 1 s of log time when pid 2 writes; a DETAIL
  // of pid 1 after that has nothing to join, whatever the wall clock says.
  Run r(stderr_options(), {
                              "2024-01-15 10:23:45.000 UTC [1] app@shop ERROR:  a",
                              "2024-01-15 10:23:46.000 UTC [2] app@shop ERROR:  b",
                              "2024-01-15 10:23:45.000 UTC [1] app@shop DETAIL:  late",
                          });
  CHECK(r.stats.entries == 2);
  CHECK(r.stats.raw == 1);
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0].message == "a");
  CHECK(r.events[0].detail.empty());
}

TEST_CASE("log_parser: --stats says where each line went", "[log_parser]") {
  Run r(stderr_options(), kDebianLog);
  CHECK(r.stats.lines == 11);
  CHECK(r.stats.in_entries == 9);  // 3 + DETAIL, HINT, STATEMENT + 2 continuation lines
  CHECK(r.stats.raw_lines == 1);
  CHECK(r.stats.empty == 1);
  CHECK(r.stats.other == 0);
}

TEST_CASE("log_parser: csvlog, an empty line inside a quoted field is part of the record",
          "[log_parser]") {
  ParseOptions o;
  o.format = Format::kCsvlog;
  Run r(o, {
               "",
               "2026-12-03 17:05:45.235 UTC,\"bench\",\"shop\",6259,\"[local]\",6b11a169.1873,7,\"SELECT\","
               "2026-12-03 17:05:45 UTC,4/9,0,LOG,00000,\"duration: 1 ms  statement: SELECT 1",
               "",
               "FROM t;\",,,,,,,,,\"psql\",\"client backend\",,0",
               "",
           });
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].message == "duration: 1 ms  statement: SELECT 1\n\nFROM t;");
  CHECK(r.stats.lines == 5);
  CHECK(r.stats.in_entries == 3);
  CHECK(r.stats.empty == 2);
}

TEST_CASE("log_parser: csvlog, the lines of a broken record are counted as raw", "[log_parser]") {
  ParseOptions o;
  o.format = Format::kCsvlog;
  o.quiet = true;
  const std::string kStart =
      "2026-12-03 17:05:45.233 UTC,\"bench\",\"shop\",6259,\"[local]\",6b11a169.1873,4,\"SELECT\","
      "2026-12-03 17:05:45 UTC,4/6,0,ERROR,42P01,\"relation";
  const std::string kOk =
      "2026-12-03 17:05:45.241 UTC,\"bench\",\"shop\",6259,\"[local]\",6b11a169.1873,10,\"UPDATE\","
      "2026-12-03 17:05:45 UTC,4/11,0,LOG,00000,\"ok\",,,,,,,,,\"psql\",\"client backend\",,0";
  // Broken by the next record; then one broken at the end of input.
  Run r(o, {kStart, "more", "text", kOk, kStart, "tail"});
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0].type == Event::Type::kRaw);
  CHECK(r.events[1].message == "ok");
  CHECK(r.events[2].type == Event::Type::kRaw);
  CHECK(r.stats.raw_lines == 5);
  CHECK(r.stats.in_entries == 1);
}
