#include "jsonlog.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test_data.hpp"

using namespace pgtail;

namespace {

const char kFull[] =
    R"({"timestamp":"2024-01-15 10:23:45.123 UTC","user":"app","dbname":"shop","pid":12345,)"
    R"("remote_host":"10.0.0.5","remote_port":51234,"session_id":"65a4f1c2.3039","line_num":7,)"
    R"("ps":"SELECT","session_start":"2024-01-15 10:20:01 UTC","vxid":"3/12","txid":0,)"
    R"("error_severity":"ERROR","state_code":"22012","message":"division by zero",)"
    R"("detail":"some detail","hint":"a hint","internal_query":"SELECT 1/0","internal_position":8,)"
    R"("context":"SQL function \"f\" statement 1","statement":"SELECT f();","cursor_position":8,)"
    R"("func_name":"int4div","file_name":"int.c","file_line_num":841,"application_name":"psql",)"
    R"("backend_type":"parallel worker","leader_pid":12000,"query_id":-4432335536738346357})";

}  // namespace

TEST_CASE("jsonlog: every key maps to its field", "[jsonlog]") {
  ZoneResolver zones;
  JsonlogReader reader(zones);
  Event ev;
  std::string err;
  REQUIRE(reader.parse(kFull, &ev, &err));
  CHECK(err.empty());
  check_sample_entry(ev);
  CHECK(ev.backend_type == "parallel worker");
  CHECK(ev.leader_pid == 12000);
}

TEST_CASE("jsonlog: absent keys stay unset; state_code absent is 00000", "[jsonlog]") {
  ZoneResolver zones;
  JsonlogReader reader(zones);
  Event ev;
  std::string err;
  // Parse a full line first: nothing of it may linger in the reused event.
  REQUIRE(reader.parse(kFull, &ev, &err));
  REQUIRE(reader.parse(R"({"timestamp":"2024-01-15 10:23:45.123 UTC","pid":7,)"
                       R"("error_severity":"LOG","message":"checkpoint starting: time"})",
                       &ev, &err));
  CHECK(ev.sqlstate == "00000");  // the server writes state_code only when not 00000
  CHECK(ev.pid == 7);
  CHECK(ev.message == "checkpoint starting: time");
  CHECK(ev.user.empty());
  CHECK(ev.location.empty());
  CHECK(ev.statement.empty());
  CHECK_FALSE(ev.xid);
  CHECK_FALSE(ev.remote_port);
  CHECK_FALSE(ev.leader_pid);
  CHECK_FALSE(ev.query_id);
  CHECK_FALSE(ev.session_start_ms);
}

TEST_CASE("jsonlog: location from its parts", "[jsonlog]") {
  ZoneResolver zones;
  JsonlogReader reader(zones);
  Event ev;
  std::string err;
  REQUIRE(reader.parse(R"({"error_severity":"LOG","file_name":"postmaster.c","file_line_num":"1471"})",
                       &ev, &err));
  CHECK(ev.location == "postmaster.c:1471");
  REQUIRE(reader.parse(R"({"error_severity":"LOG","func_name":"f","file_name":"a.c","file_line_num":12})",
                       &ev, &err));
  CHECK(ev.location == "f, a.c:12");
  REQUIRE(reader.parse(R"({"error_severity":"LOG","func_name":"f"})", &ev, &err));
  CHECK(ev.location == "f");
}

TEST_CASE("jsonlog: escapes, strings for numbers, unknown and nested keys", "[jsonlog]") {
  ZoneResolver zones;
  JsonlogReader reader(zones);
  Event ev;
  std::string err;
  REQUIRE(reader.parse(
      R"({"new_key":{"pid":1,"message":"nested"},"list":[1,"x",{"y":2}],"pid":"600",)"
      R"("line_num":3.0,"error_severity":"ERREUR","message":"a\n\tb \"q\" \u00e9\u20ac \/",)"
      R"("user":"[unknown]","dbname":null,"remote_port":true,"txid":1e3,"query_id":18446744073709551615})",
      &ev, &err));
  CHECK(err.empty());
  CHECK(ev.pid == 600);
  CHECK(ev.line_num == 3);
  CHECK(ev.level == "ERROR");
  CHECK(ev.message == "a\n\tb \"q\" é€ /");
  CHECK(ev.user.empty());
  CHECK(ev.database.empty());
  CHECK_FALSE(ev.remote_port);
  CHECK(ev.xid == 1000);
  CHECK_FALSE(ev.query_id);  // beyond int64: not a query id
}

TEST_CASE("jsonlog: lines that are not jsonlog entries come back raw", "[jsonlog]") {
  ZoneResolver zones;
  JsonlogReader reader(zones);
  Event ev;
  std::string err;
  CHECK_FALSE(reader.parse("pg_ctl: could not start server", &ev, &err));
  CHECK(err == "invalid JSON at byte 0: Invalid value.");
  CHECK(ev.type == Event::Type::kRaw);
  CHECK(ev.message == "pg_ctl: could not start server");

  CHECK_FALSE(reader.parse(R"({"error_severity":"LOG"} trailing)", &ev, &err));
  CHECK(err.rfind("invalid JSON at byte 25: ", 0) == 0);
  CHECK(ev.message == R"({"error_severity":"LOG"} trailing)");

  CHECK_FALSE(reader.parse(R"(["error_severity","LOG"])", &ev, &err));
  CHECK(err == "not a JSON object");
  CHECK(ev.type == Event::Type::kRaw);

  CHECK_FALSE(reader.parse(R"({"level":"info","record":{"error_severity":"LOG"}})", &ev, &err));
  CHECK(err == "JSON object without \"error_severity\": not a jsonlog entry");
  CHECK(ev.message == R"({"level":"info","record":{"error_severity":"LOG"}})");

  CHECK_FALSE(reader.parse("", &ev, &err));
  CHECK(ev.type == Event::Type::kRaw);
}

TEST_CASE("jsonlog: a line cut inside its object keeps the fields before the cut", "[jsonlog]") {
  ZoneResolver zones;
  JsonlogReader reader(zones);
  Event ev;
  std::string err;
  std::string line = kFull;
  line.resize(line.find("\"context\"") + 20);  // inside the context string
  REQUIRE(reader.parse(line, &ev, &err));
  CHECK(ev.truncated);
  CHECK(err == "jsonlog line ends inside its JSON object; kept the fields before the cut");
  CHECK(ev.level == "ERROR");
  CHECK(ev.message == "division by zero at character 8");  // internal_position came before the cut
  CHECK(ev.query == "SELECT 1/0");
  CHECK(ev.context.empty());
  CHECK(ev.statement.empty());

  // Cut before error_severity: nothing says it is a log entry.
  line.resize(line.find("\"error_severity\"") + 5);
  CHECK_FALSE(reader.parse(line, &ev, &err));
  CHECK(ev.type == Event::Type::kRaw);
}

TEST_CASE("jsonlog: unparsable times warn and leave the time unset", "[jsonlog]") {
  ZoneResolver zones;
  JsonlogReader reader(zones);
  Event ev;
  std::string err;
  REQUIRE(reader.parse(R"({"timestamp":"2024-01-15 10:23:45.123 IST","error_severity":"LOG","message":"m"})",
                       &ev, &err));
  CHECK(err.find("IST") != std::string::npos);
  CHECK_FALSE(ev.time_ms);
  CHECK(ev.message == "m");
}

TEST_CASE("jsonlog: an entry over the limit is cut at a UTF-8 boundary", "[jsonlog]") {
  ZoneResolver zones;
  JsonlogReader reader(zones, 100);
  Event ev;
  std::string err;
  std::string message;
  for (int i = 0; i < 100; ++i) message += "€";  // 3 bytes each
  REQUIRE(reader.parse(R"({"error_severity":"LOG","message":")" + message +
                           R"(","statement":"SELECT 1"})",
                       &ev, &err));
  CHECK(ev.truncated);
  // "LOG" and "00000" take 8 of the 100 bytes; 92 leaves 30 whole euro signs.
  CHECK(ev.message.size() == 90);
  CHECK(ev.message == message.substr(0, 90));
  CHECK(ev.statement == "SE");  // the 2 bytes left go to the next field
}

TEST_CASE("jsonlog: looks_like_jsonlog", "[jsonlog]") {
  CHECK(looks_like_jsonlog(kFull));
  CHECK(looks_like_jsonlog(R"(  {"error_severity":"LOG","timestamp":"x"})"));
  CHECK_FALSE(looks_like_jsonlog(R"({"level":"info","ts":1669575482.09,"record":{"log_time":"x","error_severity":"LOG"}})"));
  CHECK_FALSE(looks_like_jsonlog("2024-01-15 10:23:45.123 UTC [1] LOG:  \"timestamp\" \"error_severity\""));
  CHECK_FALSE(looks_like_jsonlog(""));
}

TEST_CASE("jsonlog fixture: pg_vacuums.json.gz (CEST, multi-line messages)", "[jsonlog][fixture]") {
  ZoneResolver zones;
  JsonlogReader reader(zones);
  std::vector<std::string> lines = data_lines("pg_vacuums.json.gz");
  REQUIRE(lines.size() == 3544);
  std::vector<Event> events;
  for (const std::string& line : lines) {
    Event ev;
    std::string err;
    REQUIRE(reader.parse(line, &ev, &err));
    CHECK(err.empty());
    CHECK(ev.time_ms);
    CHECK(ev.level == "LOG");
    CHECK(ev.backend_type == "autovacuum worker");
    events.push_back(ev);
  }
  const Event& ev = events[0];
  CHECK(ev.time_ms == 1719439207369);  // 2024-06-27 00:00:07.369 CEST
  CHECK(ev.session_start_ms == 1719439207000);
  CHECK(ev.pid == 58151);
  CHECK(ev.session_id == "667c8f67.e327");
  CHECK(ev.line_num == 1);
  CHECK(ev.vxid == "21/52610848");
  CHECK(ev.xid == 3949960645);
  CHECK(ev.sqlstate == "00000");
  CHECK(ev.query_id == 0);
  CHECK(ev.message ==
        "automatic analyze of table \"testdb.sales.tab_shop_stats\"\n"
        "I/O timings: read: 0.000 ms, write: 0.000 ms\n"
        "avg read rate: 0.000 MB/s, avg write rate: 1.157 MB/s\n"
        "buffer usage: 424 hits, 0 misses, 4 dirtied\n"
        "system usage: CPU: user: 0.02 s, system: 0.00 s, elapsed: 0.02 s");
  CHECK(events[1].xid == 0);
  CHECK(events.back().pid == 43772);
}
