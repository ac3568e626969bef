#pragma once
// The lines of a file under tests/unit/data/ (plain, gzip or bzip2), read
// with the project's own LineReader; the tests run from the repository root,
// as make runs them.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "event.hpp"
#include "line_reader.hpp"

inline std::vector<std::string> data_lines(const std::string& name) {
  std::string path = "tests/unit/data/" + name, err;
  auto reader = pgtail::LineReader::open(path, 1 << 30, &err);
  INFO("cannot open " << path << ": " << err << " (run the tests from the repository root)");
  REQUIRE(reader);
  std::vector<std::string> lines;
  std::string_view line;
  bool cut;
  while (reader->next(&line, &cut, -1, &err) == pgtail::LineReader::Status::kLine) lines.emplace_back(line);
  REQUIRE(err.empty());
  return lines;
}

// The fields every destination gives the one sample entry of the csvlog and
// jsonlog tests (a division by zero in SQL function f, PostgreSQL 14-17
// columns): the same entry must give the same event whichever it came from.
inline void check_sample_entry(const pgtail::Event& ev) {
  CHECK(ev.type == pgtail::Event::Type::kLogEntry);
  CHECK(ev.time_ms == 1705314225123);
  CHECK(ev.user == "app");
  CHECK(ev.database == "shop");
  CHECK(ev.pid == 12345);
  CHECK(ev.remote_host == "10.0.0.5");
  CHECK(ev.remote_port == 51234);
  CHECK(ev.session_id == "65a4f1c2.3039");
  CHECK(ev.line_num == 7);
  CHECK(ev.command_tag == "SELECT");
  CHECK(ev.session_start_ms == 1705314001000);
  CHECK(ev.vxid == "3/12");
  CHECK(ev.xid == 0);  // a real value, kept
  CHECK(ev.level == "ERROR");
  CHECK(ev.sqlstate == "22012");
  CHECK(ev.message == "division by zero at character 8");  // the cursor position, as stderr writes it
  CHECK(ev.detail == "some detail");
  CHECK(ev.hint == "a hint");
  CHECK(ev.query == "SELECT 1/0");                        // internal_query
  CHECK(ev.context == "SQL function \"f\" statement 1");
  CHECK(ev.statement == "SELECT f();");                   // csvlog's query column
  CHECK(ev.location == "int4div, int.c:841");
  CHECK(ev.application == "psql");
  CHECK(ev.query_id == -4432335536738346357);
  CHECK_FALSE(ev.truncated);
}
