#include "csvlog.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "jsonlog.hpp"
#include "test_data.hpp"

using namespace pgtail;
using Result = CsvlogReader::Result;

namespace {

/// One thing the reader handed out.
struct Out {
  Result result;
  Event ev;
  std::string err;
};

/// Feeds `lines` (then finish()) draining next() after each, as a caller does.
std::vector<Out> read_all(CsvlogReader& reader, const std::vector<std::string>& lines) {
  std::vector<Out> out;
  Event ev;
  std::string err;
  for (const std::string& line : lines)
    for (Result r = reader.feed(line, &ev, &err); r != Result::kNeedMore; r = reader.next(&ev, &err))
      out.push_back({r, ev, err});
  for (Result r = reader.finish(&ev, &err); r != Result::kNeedMore; r = reader.finish(&ev, &err))
    out.push_back({r, ev, err});
  return out;
}

std::vector<Out> read_all(const std::vector<std::string>& lines, size_t max = 1 << 20) {
  ZoneResolver zones;
  CsvlogReader reader(zones, max);
  return read_all(reader, lines);
}

const char kPg17[] =
    "2024-01-15 10:23:45.123 UTC,\"app\",\"shop\",12345,\"10.0.0.5:51234\",65a4f1c2.3039,7,"
    "\"SELECT\",2024-01-15 10:20:01 UTC,3/12,0,ERROR,22012,\"division by zero\","
    "\"some detail\",\"a hint\",\"SELECT 1/0\",8,\"SQL function \"\"f\"\" statement 1\","
    "\"SELECT f();\",8,\"int4div, int.c:841\",\"psql\",\"client backend\",,-4432335536738346357";

}  // namespace

TEST_CASE("csvlog: a PostgreSQL 14-17 record (26 columns) maps to every field", "[csvlog]") {
  std::vector<Out> out = read_all({kPg17});
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].result == Result::kEvent);
  CHECK(out[0].err.empty());
  const Event& ev = out[0].ev;
  check_sample_entry(ev);
  CHECK(ev.backend_type == "client backend");
  CHECK_FALSE(ev.leader_pid);  // empty: not a parallel worker
}

TEST_CASE("csvlog: 22, 23 and 24 columns (8.4, 9.0-12, 13)", "[csvlog]") {
  const std::string base =
      "2024-01-15 10:23:45.123 UTC,\"app\",\"shop\",1,\"[local]\",65a4f1c2.3039,1,\"idle\","
      "2024-01-15 10:20:01 UTC,3/12,0,LOG,00000,\"hello\",,,,,,,,";
  std::vector<Out> out = read_all({base, base + ",\"psql\"", base + ",\"psql\",\"client backend\""});
  REQUIRE(out.size() == 3);
  for (const Out& o : out) {
    REQUIRE(o.result == Result::kEvent);
    CHECK(o.ev.message == "hello");
    CHECK(o.ev.remote_host == "[local]");
    CHECK_FALSE(o.ev.remote_port);
    CHECK(o.ev.command_tag == "idle");
  }
  CHECK(out[0].ev.application.empty());
  CHECK(out[1].ev.application == "psql");
  CHECK(out[1].ev.backend_type.empty());
  CHECK(out[2].ev.backend_type == "client backend");
}

TEST_CASE("csvlog: a wrong column count gives the line back as raw", "[csvlog]") {
  std::vector<Out> out = read_all({"a,b,c,d,e,f,g,h,i,j,k,l", "pg_ctl: could not start server"});
  REQUIRE(out.size() == 2);
  CHECK(out[0].result == Result::kError);
  CHECK(out[0].err == "csvlog record has 12 columns, expected 22, 23, 24 or 26");
  CHECK(out[0].ev.type == Event::Type::kRaw);
  CHECK(out[0].ev.message == "a,b,c,d,e,f,g,h,i,j,k,l");
  CHECK(out[1].err == "csvlog record has 1 column, expected 22, 23, 24 or 26");
  CHECK(out[1].ev.message == "pg_ctl: could not start server");
}

TEST_CASE("csvlog: connection_from splits the port at the last colon", "[csvlog]") {
  struct {
    const char* from;
    const char* host;
    int64_t port;  // 0: unset
  } cases[] = {
      {"10.0.0.5:51234", "10.0.0.5", 51234},
      {"::1:5432", "::1", 5432},
      {"fe80::1%eth0:40000", "fe80::1%eth0", 40000},
      {"db.example.com:5432", "db.example.com", 5432},
      {"[local]", "[local]", 0},
      {"::1", "::1", 0},  // no port written: not split in the middle of the address
      {"[unknown]", "", 0},
  };
  for (const auto& c : cases) {
    ZoneResolver zones;
    Event ev;
    std::string warning;
    CHECK(set_log_field(LogField::kConnectionFrom, c.from, zones, &ev, &warning));
    INFO(c.from);
    CHECK(ev.remote_host == c.host);
    if (c.port)
      CHECK(ev.remote_port == c.port);
    else
      CHECK_FALSE(ev.remote_port);
  }
}

TEST_CASE("csvlog: quoted fields span lines, joined with a newline", "[csvlog]") {
  ZoneResolver zones;
  CsvlogReader reader(zones);
  Event ev;
  std::string err;
  CHECK(reader.feed("2024-01-15 10:23:45.123 UTC,\"app\",\"shop\",1,\"[local]\",s.1,1,\"SELECT\","
                    "2024-01-15 10:20:01 UTC,3/12,0,ERROR,42601,\"syntax error\",,,,,,\"SELECT",
                    &ev, &err) == Result::kNeedMore);
  CHECK(reader.pending());
  CHECK(reader.feed("  \"\"x\"\",", &ev, &err) == Result::kNeedMore);
  CHECK(reader.feed("", &ev, &err) == Result::kNeedMore);
  REQUIRE(reader.feed("FROM t\",15,,\"psql\"", &ev, &err) == Result::kEvent);
  CHECK_FALSE(reader.pending());
  CHECK(reader.record_line() == 1);
  CHECK(ev.statement == "SELECT\n  \"x\",\n\nFROM t");
  CHECK(ev.application == "psql");
  CHECK(ev.level == "ERROR");
  CHECK(reader.next(&ev, &err) == Result::kNeedMore);
  CHECK(reader.finish(&ev, &err) == Result::kNeedMore);
}

TEST_CASE("csvlog: an unterminated quote ends at the next record, which is kept", "[csvlog]") {
  const std::string broken =
      "2024-01-15 10:23:45.123 UTC,\"app\",\"shop\",1,\"[local]\",s.1,1,\"SELECT\","
      "2024-01-15 10:20:01 UTC,3/12,0,LOG,00000,\"cut short";
  const std::string good =
      "2024-01-15 10:23:46.000 UTC,\"app\",\"shop\",1,\"[local]\",s.1,2,\"SELECT\","
      "2024-01-15 10:20:01 UTC,3/13,0,LOG,00000,\"next one\",,,,,,,,,\"psql\"";

  SECTION("the interrupting line is a whole record: next() hands it out at once") {
    ZoneResolver zones;
    CsvlogReader reader(zones);
    Event ev;
    std::string err;
    CHECK(reader.feed(broken, &ev, &err) == Result::kNeedMore);
    CHECK(reader.feed("more text", &ev, &err) == Result::kNeedMore);
    REQUIRE(reader.feed(good, &ev, &err) == Result::kError);
    CHECK(err == "unterminated quoted field in csvlog record; kept as raw");
    CHECK(ev.type == Event::Type::kRaw);
    CHECK(ev.message == broken + "\nmore text");
    CHECK(reader.record_line() == 1);
    REQUIRE(reader.next(&ev, &err) == Result::kEvent);
    CHECK(ev.message == "next one");
    CHECK(ev.line_num == 2);
    CHECK(reader.record_line() == 3);
    CHECK(reader.next(&ev, &err) == Result::kNeedMore);
    CHECK(reader.finish(&ev, &err) == Result::kNeedMore);
  }
  SECTION("a caller that does not call next() gets it from the next feed()") {
    ZoneResolver zones;
    CsvlogReader reader(zones);
    Event ev;
    std::string err;
    CHECK(reader.feed(broken, &ev, &err) == Result::kNeedMore);
    CHECK(reader.feed(good, &ev, &err) == Result::kError);
    REQUIRE(reader.feed(good, &ev, &err) == Result::kEvent);
    CHECK(ev.message == "next one");
    REQUIRE(reader.finish(&ev, &err) == Result::kEvent);
    CHECK(ev.message == "next one");
    CHECK(reader.finish(&ev, &err) == Result::kNeedMore);
  }
  SECTION("the interrupting record is itself multi-line") {
    std::vector<Out> out = read_all({broken, broken, "the end\",,,,,,,,,\"psql\""});
    REQUIRE(out.size() == 2);
    CHECK(out[0].result == Result::kError);
    CHECK(out[0].ev.message == broken);
    REQUIRE(out[1].result == Result::kEvent);
    CHECK(out[1].ev.message == "cut short\nthe end");
  }
  SECTION("at the end of input") {
    std::vector<Out> out = read_all({good, broken, "tail"});
    REQUIRE(out.size() == 2);
    CHECK(out[0].result == Result::kEvent);
    CHECK(out[1].result == Result::kError);
    CHECK(out[1].err == "unterminated quoted field at the end of the csvlog input; kept as raw");
    CHECK(out[1].ev.message == broken + "\ntail");
  }
}

TEST_CASE("csvlog: an open quote cannot grow a record beyond the limit", "[csvlog]") {
  std::vector<std::string> lines = {
      "2024-01-15 10:23:45.123 UTC,\"app\",\"shop\",1,\"[local]\",s.1,1,\"SELECT\","
      "2024-01-15 10:20:01 UTC,3/12,0,LOG,00000,\"open"};
  for (int i = 0; i < 30; ++i) lines.push_back(std::string(40, 'x'));
  std::vector<Out> out = read_all(lines, 500);
  // Nothing is dropped: the raw events and records give back every line.
  std::string joined;
  size_t errors = 0;
  for (const Out& o : out) {
    if (o.result == Result::kError) {
      ++errors;
      CHECK(o.ev.type == Event::Type::kRaw);
    }
    if (!joined.empty()) joined += '\n';
    joined += o.ev.message;
  }
  std::string expected;
  for (const std::string& l : lines) expected += (expected.empty() ? "" : "\n") + l;
  REQUIRE(out.size() > 1);
  CHECK(out[0].result == Result::kError);
  CHECK(out[0].err == "csvlog record longer than 500 bytes with a quoted field still open; kept as raw");
  CHECK(out[0].ev.message.size() > 500);
  CHECK(errors == out.size());
  CHECK(joined == expected);
}

TEST_CASE("csvlog: a record over the limit is cut at a UTF-8 boundary", "[csvlog]") {
  std::string message;
  for (int i = 0; i < 200; ++i) message += "é";  // 400 bytes
  std::string line =
      "2024-01-15 10:23:45.123 UTC,\"app\",\"shop\",1,\"[local]\",s.1,1,\"SELECT\","
      "2024-01-15 10:20:01 UTC,3/12,0,LOG,00000,\"" +
      message + "\",\"" + message + "\",,,,,,,,\"psql\"";
  std::vector<Out> out = read_all({line}, 301);
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].result == Result::kEvent);
  const Event& ev = out[0].ev;
  CHECK(ev.truncated);
  CHECK(ev.detail.empty());  // the message comes first
  size_t other = ev.level.size() + ev.sqlstate.size() + ev.user.size() + ev.database.size() +
                 ev.application.size() + ev.remote_host.size() + ev.session_id.size() +
                 ev.command_tag.size() + ev.vxid.size();
  CHECK(ev.message.size() == ((301 - other) & ~size_t(1)));  // whole "é"s only
  CHECK(ev.message.size() + other <= 301);
  CHECK(ev.message == message.substr(0, ev.message.size()));
}

TEST_CASE("csvlog: unparsable times warn and leave the time unset", "[csvlog]") {
  std::vector<Out> out = read_all(
      {"2024-01-15 10:23:45.123 IST,\"app\",\"shop\",1,\"[local]\",s.1,1,\"SELECT\","
       "2024-01-15 10:20:01 IST,3/12,0,LOG,00000,\"hello\",,,,,,,,,\"psql\""});
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].result == Result::kEvent);
  CHECK_FALSE(out[0].err.empty());
  CHECK(out[0].err.find("IST") != std::string::npos);
  CHECK_FALSE(out[0].ev.time_ms);
  CHECK_FALSE(out[0].ev.session_start_ms);
  CHECK(out[0].ev.message == "hello");
}

TEST_CASE("csvlog: translated severities, [unknown] and empty columns", "[csvlog]") {
  std::vector<Out> out = read_all(
      {"2024-01-15 10:23:45.123 UTC,\"[unknown]\",\"[unknown]\",1,,s.1,1,,"
       ",,,ERREUR,42P01,\"la relation « t » n'existe pas\",,,,,,,,,\"[unknown]\""});
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].result == Result::kEvent);
  const Event& ev = out[0].ev;
  CHECK(ev.level == "ERROR");
  CHECK(ev.user.empty());
  CHECK(ev.database.empty());
  CHECK(ev.application.empty());
  CHECK(ev.remote_host.empty());
  CHECK_FALSE(ev.remote_port);
  CHECK_FALSE(ev.xid);
  CHECK_FALSE(ev.session_start_ms);
  CHECK(ev.vxid.empty());
  CHECK(ev.command_tag.empty());
  CHECK(ev.message == "la relation « t » n'existe pas");
}

TEST_CASE("csvlog: empty lines between records are skipped", "[csvlog]") {
  std::vector<Out> out = read_all({"", kPg17, ""});
  REQUIRE(out.size() == 1);
  CHECK(out[0].result == Result::kEvent);
}

TEST_CASE("csvlog: looks_like_csvlog", "[csvlog]") {
  CHECK(looks_like_csvlog(kPg17));
  CHECK(looks_like_csvlog("\"2026-05-16 05:11:50.269 UTC\",\"u\",\"d\",1001,\"h:1\",0.3e9,1,\"SELECT\","
                          "\"2026-05-16 05:00:00 UTC\",1/1,0,LOG,00000,\"x\""));
  CHECK(looks_like_csvlog("2024-01-15 10:23:45 +03,,,1,,s,1,,,,,LOG,00000,\"multi"));
  CHECK_FALSE(looks_like_csvlog("2024-01-15 10:23:45.123 UTC [12] LOG:  hello, a, b, c"));
  CHECK_FALSE(looks_like_csvlog("2024-01-15 10:23:45.123 UTC,only,a,few,columns"));
  CHECK_FALSE(looks_like_csvlog("{\"timestamp\":\"2024-01-15 10:23:45.123 UTC\"}"));
  CHECK_FALSE(looks_like_csvlog("\"2024-01-15 10:23:45.123 UTC,,,,,,,,,,,,,,,"));  // quote not closed
  CHECK_FALSE(looks_like_csvlog(""));
  CHECK_FALSE(looks_like_csvlog("2024-01-15"));
}

TEST_CASE("csvlog: column names map to fields, for wrappers such as CloudNativePG", "[csvlog]") {
  CHECK(csvlog_column_field("log_time") == LogField::kTime);
  CHECK(csvlog_column_field("process_id") == LogField::kPid);
  CHECK(csvlog_column_field("connection_from") == LogField::kConnectionFrom);
  CHECK(csvlog_column_field("query") == LogField::kStatement);
  CHECK(csvlog_column_field("internal_query") == LogField::kQuery);
  CHECK(csvlog_column_field("query_pos") == LogField::kCursorPos);
  CHECK(csvlog_column_field("internal_query_pos") == LogField::kInternalPos);
  CHECK(csvlog_column_field("query_id") == LogField::kQueryId);
  CHECK(csvlog_column_field("no_such_column") == LogField::kNone);

  // CloudNativePG writes every column as a JSON string.
  ZoneResolver zones;
  Event ev;
  std::string warning;
  const std::pair<const char*, const char*> record[] = {
      {"log_time", "2022-11-27 18:58:02.096 UTC"}, {"process_id", "600"},
      {"connection_from", "[local]"},              {"session_line_num", "4"},
      {"transaction_id", "0"},                     {"error_severity", "LOG"},
      {"query_id", "0"},                           {"leader_pid", ""}};
  for (const auto& kv : record)
    CHECK(set_log_field(csvlog_column_field(kv.first), kv.second, zones, &ev, &warning));
  CHECK(ev.time_ms == 1669575482096);
  CHECK(ev.pid == 600);
  CHECK(ev.remote_host == "[local]");
  CHECK(ev.line_num == 4);
  CHECK(ev.xid == 0);
  CHECK(ev.query_id == 0);
  CHECK_FALSE(ev.leader_pid);
  CHECK(ev.level == "LOG");

  CHECK_FALSE(set_log_field(LogField::kPid, "12x", zones, &ev, &warning));
  CHECK(warning == "invalid pid '12x'");
  CHECK(ev.pid == 600);
  set_log_field(LogField::kRemotePort, int64_t{5432}, &ev);
  set_log_field(LogField::kMessage, int64_t{1}, &ev);  // not a number field: ignored
  CHECK(ev.remote_port == 5432);
  CHECK(ev.message.empty());
}

TEST_CASE("csvlog fixture: anonymize.log (23 columns, CET)", "[csvlog][fixture]") {
  std::vector<Out> out = read_all(data_lines("anonymize.log"));
  REQUIRE(out.size() == 8);
  for (const Out& o : out) {
    CHECK(o.result == Result::kEvent);
    CHECK(o.err.empty());
    CHECK(o.ev.application == "PostgreSQL JDBC Driver");
    CHECK(o.ev.level == "LOG");
  }
  const Event& ev = out[0].ev;
  CHECK(ev.time_ms == 1611306202785);  // 2021-01-22 10:03:22.785 CET
  CHECK(ev.user == "aaaa");
  CHECK(ev.database == "aaaa");
  CHECK(ev.pid == 1486);
  CHECK(ev.remote_host == "127.0.0.1");
  CHECK(ev.remote_port == 52306);
  CHECK(ev.session_id == "6009c305.5ce");
  CHECK(ev.line_num == 32878);
  CHECK(ev.command_tag == "SELECT");
  CHECK(ev.session_start_ms == 1611252485000);  // 2021-01-21 19:08:05 CET
  CHECK(ev.vxid == "14/10903");
  CHECK(ev.xid == 0);
  CHECK(ev.sqlstate == "00000");
  CHECK(ev.message ==
        "duration: 26.120 ms  execute S_65: select * from testZustaendigkeiten($1, $2, $3, $4, $5)");
  CHECK(ev.detail.rfind("parameters: $1 = 'XXXXXXXX', $2 = NULL, $3 = 'XXXX'", 0) == 0);
  CHECK(ev.backend_type.empty());
  CHECK_FALSE(ev.query_id);
  CHECK(out[2].ev.xid == 136179);
  CHECK(out[2].ev.command_tag == "BIND");
}

TEST_CASE("csvlog fixture: weeknumber.log (escaped quotes, GMT)", "[csvlog][fixture]") {
  std::vector<Out> out = read_all(data_lines("weeknumber.log"));
  REQUIRE(out.size() == 6);
  for (const Out& o : out) {
    CHECK(o.result == Result::kEvent);
    CHECK(o.ev.message ==
          "duration: 0.576 ms  execute pdo_stmt_00000003: select * from \"users\" where \"cn\" = $1 "
          "and \"users\".\"deleted_at\" is null limit 1");
    CHECK(o.ev.detail == "parameters: $1 = 'foo.bar'");
    CHECK(o.ev.application.empty());  // written as ""
    CHECK(o.ev.remote_host == "10.200.48.82");
    CHECK(o.ev.remote_port == 39364);
  }
  CHECK(out[0].ev.time_ms == 1609485224120);
  CHECK(out[0].ev.session_start_ms == 1625469224000);
}

TEST_CASE("csvlog fixture: csv_statement_without_duration.log (quoted times, 25 columns)",
          "[csvlog][fixture]") {
  std::vector<Out> out = read_all(data_lines("csv_statement_without_duration.log"));
  REQUIRE(out.size() == 2);
  for (const Out& o : out) CHECK(o.result == Result::kEvent);
  const Event& ev = out[0].ev;
  CHECK(ev.time_ms == 1778908310269);
  CHECK(ev.session_start_ms == 1778907600000);
  CHECK(ev.user == "example_user");
  CHECK(ev.pid == 1001);
  CHECK(ev.session_id == "00000001.000003e9");
  CHECK(ev.application == "example app");
  CHECK(ev.backend_type == "client backend");
  // No server writes 25 columns: the 25th is not known to be query_id.
  CHECK_FALSE(ev.query_id);
  CHECK_FALSE(ev.leader_pid);
  CHECK(out[1].ev.message == "statement: SELECT example_schema.health_check()");
  CHECK(out[1].ev.command_tag == "idle");
}

TEST_CASE("csvlog and jsonlog of the same server give the same events", "[csvlog][jsonlog][fixture]") {
  // One PostgreSQL 15 run logging to both (bench/gen-logs): errors with
  // detail, hint, context and statement, multi-line messages, warnings.
  std::vector<Out> csv = read_all(data_lines("pg15-same-run.csv"));
  ZoneResolver zones;
  JsonlogReader json(zones);
  std::vector<Event> js;
  for (const std::string& line : data_lines("pg15-same-run.json")) {
    Event ev;
    std::string err;
    REQUIRE(json.parse(line, &ev, &err));
    CHECK(err.empty());
    js.push_back(ev);
  }
  REQUIRE(csv.size() == 68);
  REQUIRE(js.size() == 68);
  size_t multi_line = 0, with_detail = 0, errors = 0;
  for (size_t i = 0; i < csv.size(); ++i) {
    REQUIRE(csv[i].result == Result::kEvent);
    const Event& a = csv[i].ev;
    const Event& b = js[i];
    INFO("record " << i << ": " << a.message);
    CHECK(a.time_ms == b.time_ms);
    CHECK(a.level == b.level);
    CHECK(a.sqlstate == b.sqlstate);
    CHECK(a.message == b.message);
    CHECK(a.detail == b.detail);
    CHECK(a.hint == b.hint);
    CHECK(a.context == b.context);
    CHECK(a.statement == b.statement);
    CHECK(a.query == b.query);
    CHECK(a.location == b.location);
    CHECK(a.user == b.user);
    CHECK(a.database == b.database);
    CHECK(a.application == b.application);
    CHECK(a.remote_host == b.remote_host);
    CHECK(a.remote_port == b.remote_port);
    CHECK(a.session_id == b.session_id);
    CHECK(a.line_num == b.line_num);
    CHECK(a.session_start_ms == b.session_start_ms);
    CHECK(a.command_tag == b.command_tag);
    CHECK(a.vxid == b.vxid);
    CHECK(a.xid == b.xid);
    CHECK(a.pid == b.pid);
    CHECK(a.backend_type == b.backend_type);
    CHECK(a.query_id == b.query_id);
    CHECK(a.leader_pid == b.leader_pid);
    multi_line += a.message.find('\n') != std::string::npos;
    with_detail += !a.detail.empty();
    errors += a.level == "ERROR";
  }
  CHECK(multi_line > 0);
  CHECK(with_detail > 0);
  CHECK(errors > 0);
}
