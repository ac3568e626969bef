#include "wrappers.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "log_parser.hpp"

using namespace pgtail;

namespace {

/// Runs a LogParser over `lines` as one file and keeps what comes out.
struct WrapRun {
  std::vector<Event> events;
  std::vector<std::string> warnings;
  ParseStats stats;

  WrapRun(Format format, const std::vector<std::string>& lines, const char* prefix = nullptr) {
    ParseOptions options;
    options.format = format;
    if (prefix) options.prefix = prefix;
    options.quiet = true;
    ZoneResolver zones;
    LogParser p(
        options, zones, [this](const Event& ev) { events.push_back(ev); },
        [this](const std::string& w) { warnings.push_back(w); });
    p.begin("test.log", 1717200000, false);
    for (const std::string& l : lines) p.line(l, false, 0);
    p.end(0);
    stats = p.stats();
    // Every line read is somewhere, whatever the test is about.
    CHECK(stats.lines == stats.in_entries + stats.raw_lines + stats.empty + stats.other);
  }
};

constexpr int64_t kT0 = 1705314225000;  // 2024-01-15 10:23:45 UTC

}  // namespace

TEST_CASE("wrappers: cnpg record maps the csvlog columns, logging_pod is the instance") {
  WrapRun r(Format::kCnpg,
            {R"({"level":"info","ts":1705314225.1,"logger":"postgres","msg":"record","logging_pod":"pg-1","record":{"log_time":"2024-01-15 10:23:45.123 UTC","process_id":"42","error_severity":"ERROR","sql_state_code":"22012","message":"division by zero","query":"select 1/0","query_pos":"9"}})",
             R"({"level":"info","ts":1705314226.0,"logger":"wal-archive","msg":"Backup not configured","logging_pod":"pg-1"})",
             R"({"level":"info","ts":1705314226.0,"msg":"Readiness probe failing","logging_pod":"pg-1"})"});
  REQUIRE(r.events.size() == 1);
  const Event& ev = r.events[0];
  CHECK(ev.type == Event::Type::kLogEntry);
  CHECK(ev.instance_name == "pg-1");
  CHECK(ev.time_ms == kT0 + 123);
  CHECK(ev.pid == 42);
  CHECK(ev.level == "ERROR");
  CHECK(ev.sqlstate == "22012");
  CHECK(ev.message == "division by zero at character 9");
  CHECK(ev.statement == "select 1/0");
  CHECK(r.stats.other == 2);
  CHECK(r.stats.raw == 0);
}

TEST_CASE("wrappers: cnpg stderr lines of the postgres logger go through the prefix parser") {
  WrapRun r(Format::kCnpg,
            {R"({"level":"info","ts":1,"logger":"postgres","msg":"2024-01-15 10:23:45.000 UTC [28] LOG:  redirecting log output","pipe":"stderr","logging_pod":"pg-1"})",
             R"({"level":"info","ts":1,"logger":"postgres","msg":"2024-01-15 10:23:45.000 UTC [28] HINT:  Future log output will appear elsewhere.","pipe":"stderr","logging_pod":"pg-1"})"});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].pid == 28);
  CHECK(r.events[0].message == "redirecting log output");
  CHECK(r.events[0].hint == "Future log output will appear elsewhere.");
  CHECK(r.events[0].instance_name == "pg-1");
}

TEST_CASE("wrappers: a HINT above its entry (newest first) joins the entry") {
  WrapRun r(Format::kCnpg,
            {R"({"ts":2,"logger":"postgres","msg":"2024-01-15 10:23:45.000 UTC [28] HINT:  see the docs","logging_pod":"p"})",
             R"({"ts":1,"logger":"postgres","msg":"2024-01-15 10:23:45.000 UTC [28] LOG:  ending log output to stderr","logging_pod":"p"})"});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].hint == "see the docs");
  CHECK(r.stats.raw == 0);
}

TEST_CASE("wrappers: cloudsql textPayload with its time, database_id and tab continuations") {
  WrapRun r(Format::kCloudsql,
            {R"({"resource":{"labels":{"database_id":"proj:db1","region":"eu"},"type":"cloudsql_database"},"textPayload":"[24667]: [1-1] db=shop,user=app LOG:  automatic vacuum of table \"shop.public.t\": index scans: 0","timestamp":"2024-01-15T10:23:45.5Z"})",
             R"({"resource":{"labels":{"database_id":"proj:db1"}},"textPayload":"\tpages: 0 removed, 1 remain","timestamp":"2024-01-15T10:23:45.5Z"})",
             R"({"protoPayload":{"methodName":"x"},"timestamp":"2024-01-15T10:23:46Z"})"});
  REQUIRE(r.events.size() == 1);
  const Event& ev = r.events[0];
  CHECK(ev.time_ms == kT0 + 500);
  CHECK(ev.pid == 24667);
  CHECK(ev.database == "shop");
  CHECK(ev.instance_name == "proj:db1");
  CHECK(ev.message == "automatic vacuum of table \"shop.public.t\": index scans: 0\npages: 0 removed, 1 remain");
  CHECK(r.stats.other == 1);
}

TEST_CASE("wrappers: logplex lines, [N-M] numbering, sql_error_code, the drain form") {
  SyslogLine sl;
  REQUIRE(parse_logplex_line("2019-03-14T00:22:56+00:00 app[postgres.4882]: [GREEN] [15-2]  sql_error_code = 00000 DETAIL:  x", &sl));
  CHECK(sl.tag == "postgres");
  CHECK(sl.pid == 4882);
  CHECK(sl.seq == 15);
  CHECK(sl.chunk == 2);
  CHECK(sl.text == "sql_error_code = 00000 DETAIL:  x");
  REQUIRE(parse_logplex_line("2021-09-07T04:01:27+00:00 d.af28 app[postgres.5925] [AQUA] [921320-1]  sql_error_code = 00000 LOG:  y", &sl));
  CHECK(sl.pid == 5925);
  CHECK(sl.text == "sql_error_code = 00000 LOG:  y");
  CHECK_FALSE(parse_logplex_line("Jan 15 10:23:45 host postgres[1]: [1-1] LOG:  z", &sl));

  WrapRun r(Format::kLogplex,
            {"2019-03-14T00:23:00+00:00 app[postgres.4849]: [GREEN] [19-1]  sql_error_code = 40P01 ERROR:  deadlock detected",
             "2019-03-14T00:23:00+00:00 app[postgres.4849]: [GREEN] [19-2]  sql_error_code = 40P01 DETAIL:  Process 4849 waits.",
             "2019-03-14T00:23:00+00:00 app[postgres.4849]: [GREEN] [19-3] \tProcess 4821 waits.",
             "2019-03-14T00:23:01+00:00 heroku[router]: at=info method=GET"});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].sqlstate == "40P01");
  CHECK(r.events[0].pid == 4849);
  CHECK(r.events[0].detail == "Process 4849 waits.\nProcess 4821 waits.");
  CHECK(r.events[0].time_ms == 1552522980000);
  CHECK(r.stats.other == 1);
}

TEST_CASE("wrappers: journald MESSAGE as a string or as bytes, _PID, __REALTIME_TIMESTAMP") {
  WrapRun r(Format::kJournald,
            {R"({"__REALTIME_TIMESTAMP":"1705314225250000","_PID":"77","SYSLOG_IDENTIFIER":"postgres","_COMM":"postgres","MESSAGE":"2024-01-15 10:23:45.250 UTC [77] LOG:  checkpoint starting: time"})",
             R"({"__REALTIME_TIMESTAMP":"1705314226000000","_PID":"78","SYSLOG_IDENTIFIER":"postgres","MESSAGE":[50,48,50,52,45,48,49,45,49,53,32,49,48,58,50,51,58,52,54,46,48,48,48,32,85,84,67,32,91,55,56,93,32,76,79,71,58,32,32,99,97,102,233]})",
             R"({"__REALTIME_TIMESTAMP":"1705314226000000","_PID":"1","SYSLOG_IDENTIFIER":"systemd","_COMM":"systemd","MESSAGE":"Started PostgreSQL."})"});
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].pid == 77);
  CHECK(r.events[0].time_ms == kT0 + 250);
  CHECK(r.events[0].message == "checkpoint starting: time");
  CHECK(r.events[1].pid == 78);
  CHECK(r.events[1].message == "caf\xEF\xBF\xBD");  // the lone Latin-1 byte repaired
  CHECK(r.stats.other == 1);
  CHECK(r.stats.repaired == 1);
}

TEST_CASE("wrappers: docker json-file lines, the trailing newline, pieces of a long line") {
  WrapRun r(Format::kDocker,
            {R"({"log":"2024-01-15 10:23:45.000 UTC [123] ERROR:  relation \"x\" does not exist\n","stream":"stderr","time":"2024-01-15T10:23:45.123456789Z"})",
             R"({"log":"2024-01-15 10:23:45.000 UTC [123] STATEMENT:  select ","stream":"stderr","time":"2024-01-15T10:23:45.2Z"})",
             R"({"log":"* from x;\n","stream":"stderr","time":"2024-01-15T10:23:45.2Z"})"});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].pid == 123);
  CHECK(r.events[0].time_ms == kT0);
  CHECK(r.events[0].statement == "select * from x;");
}

TEST_CASE("wrappers: a line that is not JSON is kept as a raw event with a warning") {
  WrapRun r(Format::kDocker, {R"({"log":"2024-01-15 10:23:45.000 UTC [1] LOG:  x\n","time":"2024-01-15T10:23:45Z"})",
                              "{\"log\": broken", "not json at all"});
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[1].type == Event::Type::kRaw);
  CHECK(r.events[1].message == "{\"log\": broken");
  CHECK(r.stats.raw == 2);
  REQUIRE(r.warnings.size() == 2);
  CHECK(r.warnings[0].rfind("test.log:2: invalid JSON at byte", 0) == 0);
}

TEST_CASE("wrappers: sniffing and detection look at the inner texts") {
  CHECK(sniff_wrapper(R"({"level":"info","logging_pod":"p","logger":"postgres"})") == Format::kCnpg);
  CHECK(sniff_wrapper(R"({"textPayload":"x","timestamp":"t"})") == Format::kCloudsql);
  CHECK(sniff_wrapper(R"({"__REALTIME_TIMESTAMP":"1","MESSAGE":"x"})") == Format::kJournald);
  CHECK(sniff_wrapper(R"({"log":"x\n","stream":"stderr","time":"t"})") == Format::kDocker);
  CHECK(sniff_wrapper("2019-03-14T00:22:56+00:00 app[postgres.4882]: [GREEN] [15-1]  sql_error_code = 00000 LOG:  x") == Format::kLogplex);
  CHECK(sniff_wrapper(R"({"timestamp":"x","error_severity":"LOG"})") == Format::kAuto);
  ZoneResolver zones;
  Detection d = detect({R"({"log":"2024-01-15 10:23:45.000 UTC [1] LOG:  x\n","stream":"stderr","time":"2024-01-15T10:23:45Z"})"},
                       Format::kAuto, nullptr, zones);
  CHECK(d.format == Format::kDocker);
  CHECK(d.prefix == "%m [%p] %q%u@%d ");
  CHECK(d.description == "docker (Docker json-file), log_line_prefix '%m [%p] %q%u@%d ' (Debian's default)");
  Format f;
  for (const char* name : {"cnpg", "cloudsql", "logplex", "journald", "docker"}) {
    REQUIRE(parse_format(name, &f));
    CHECK(std::string(format_name(f)) == name);
  }
}

TEST_CASE("wrappers: every line counted once, a message of several lines included") {
  WrapRun r(Format::kDocker,
            {R"({"log":"2024-01-15 10:23:45.000 UTC [7] LOG:  a\n\tb\n","stream":"stderr","time":"2024-01-15T10:23:45.1Z"})",
             R"({"log":"\n","stream":"stderr","time":"2024-01-15T10:23:45.1Z"})",
             R"({"log":"2024-01-15 10:23:46.000 UTC [7] LOG:  one piece, ","stream":"stderr","time":"2024-01-15T10:23:46Z"})",
             R"({"log":"then the rest\n","stream":"stderr","time":"2024-01-15T10:23:46Z"})",
             "not json"});
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0].message == "a\nb");
  CHECK(r.events[1].message == "one piece, then the rest");
  CHECK(r.stats.lines == 5);
  CHECK(r.stats.in_entries == 3);
  CHECK(r.stats.empty == 1);
  CHECK(r.stats.raw_lines == 1);
}

TEST_CASE("wrappers: docker, a piece left at the end of input is not lost") {
  WrapRun r(Format::kDocker,
            {R"({"log":"2024-01-15 10:23:46.000 UTC [7] LOG:  cut ","stream":"stderr","time":"2024-01-15T10:23:46Z"})",
             R"({"log":"short","stream":"stderr","time":"2024-01-15T10:23:47Z"})"});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].message == "cut short");
  CHECK(r.events[0].time_ms == kT0 + 1000);
  CHECK(r.stats.in_entries == 2);
}

TEST_CASE("wrappers: a held HINT line is counted where it ends up") {
  WrapRun adopted(Format::kCloudsql,
                  {R"({"textPayload":"[7]: [2-1] db=d,user=u HINT:  h","timestamp":"2024-01-15T10:23:45Z"})",
                   R"({"textPayload":"[7]: [1-1] db=d,user=u ERROR:  e","timestamp":"2024-01-15T10:23:45Z"})"});
  REQUIRE(adopted.events.size() == 1);
  CHECK(adopted.events[0].hint == "h");
  CHECK(adopted.stats.in_entries == 2);
  WrapRun released(Format::kCloudsql,
                   {R"({"textPayload":"[7]: [2-1] db=d,user=u HINT:  h","timestamp":"2024-01-15T10:23:45Z"})"});
  CHECK(released.stats.raw_lines == 1);
}

TEST_CASE("wrappers: journald, a unit's stderr stream carries the postmaster's _PID on every line") {
  WrapRun r(Format::kJournald,
            {R"({"__REALTIME_TIMESTAMP":"1705314225000000","_PID":"800","SYSLOG_IDENTIFIER":"postgres","MESSAGE":"2024-01-15 10:23:45.000 UTC [901] app@shop ERROR:  syntax error"})",
             R"({"__REALTIME_TIMESTAMP":"1705314225000000","_PID":"800","SYSLOG_IDENTIFIER":"postgres","MESSAGE":"2024-01-15 10:23:45.000 UTC [901] app@shop STATEMENT:  select"})",
             R"({"__REALTIME_TIMESTAMP":"1705314225000000","_PID":"800","SYSLOG_IDENTIFIER":"postgres","MESSAGE":"\u0009from"})"});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].pid == 901);
  CHECK(r.events[0].statement == "select\nfrom");
  CHECK(r.stats.raw == 0);
}

TEST_CASE("wrappers: a raw control byte in a string is not JSON, whichever it is") {
  // The SSE2 string scan lets 0x1A-0x1F through; the plain reader does not.
  ZoneResolver zones;
  WrapperReader reader(zones);
  Wrapped w;
  Event record;
  std::string err;
  for (char c : {'\x01', '\x19', '\x1a', '\x1b', '\x1f'}) {
    std::string line = std::string(R"({"log":"a long enough message to be scanned sixteen bytes at a time )") + c +
                       R"(\n","stream":"stderr"})";
    CHECK_FALSE(reader.parse(Format::kDocker, line, &w, &record, &err));
    CHECK(err == "invalid JSON at byte 68: Invalid escape character in string.");
  }
  // An earlier error is the one reported.
  CHECK_FALSE(reader.parse(Format::kDocker, "{\"log\" \"a\x1b\"}", &w, &record, &err));
  CHECK(err == "invalid JSON at byte 7: Missing a colon after a name of object member.");
  CHECK(reader.parse(Format::kDocker, R"({"log":"x\u001by\n","stream":"stderr"})", &w, &record, &err));
  CHECK(w.text == "x\x1by");
}

TEST_CASE("wrappers: invalid UTF-8 is repaired where pg-parse uses it, once a line") {
  WrapRun r(Format::kJournald,
            {"{\"_CMDLINE\":\"postgres \xff\",\"SYSLOG_IDENTIFIER\":\"postgres\",\"MESSAGE\":\"2024-01-15 10:23:45.000 UTC [9] LOG:  clean\"}",
             "{\"SYSLOG_IDENTIFIER\":\"postgres\",\"MESSAGE\":\"2024-01-15 10:23:45.000 UTC [9] LOG:  bad \xff\\u0000\"}",
             "{\"MESSAGE\":\"broken \xff"},
            "%m [%p] ");
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0].message == "clean");  // an unused member's bytes: nothing to repair
  CHECK(r.events[1].message == "bad \xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(r.events[2].type == Event::Type::kRaw);
  CHECK(r.events[2].message == "{\"MESSAGE\":\"broken \xEF\xBF\xBD");
  CHECK(r.stats.repaired == 2);
  REQUIRE(r.warnings.size() == 3);
  CHECK(r.warnings[0] == "test.log:2: invalid UTF-8 or NUL bytes replaced with U+FFFD");
  CHECK(r.warnings[1] == "test.log:3: invalid UTF-8 or NUL bytes replaced with U+FFFD");
  CHECK(r.warnings[2].rfind("test.log:3: invalid JSON at byte 22: ", 0) == 0);
}

TEST_CASE("wrappers: a cloudsql database_id with invalid UTF-8 is repaired") {
  WrapRun r(Format::kCloudsql,
            {"{\"resource\":{\"labels\":{\"database_id\":\"p:d\xff\"}},\"textPayload\":\"[7]: [1-1] db=d,user=u LOG:  x\"}"});
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0].instance_name == "p:d\xEF\xBF\xBD");
  CHECK(r.events[0].message == "x");
  CHECK(r.stats.repaired == 1);
}
