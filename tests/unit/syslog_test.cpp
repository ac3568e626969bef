#include "syslog.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace pgtail;

TEST_CASE("syslog: a BSD header with [N-M]", "[syslog]") {
  SyslogLine s;
  REQUIRE(parse_syslog_line("Feb 11 13:15:39 db1 postgres[10808]: [3-2] 2024-01-15 10:23:45 UTC LOG:  x", &s));
  CHECK(s.time == "Feb 11 13:15:39");
  CHECK_FALSE(s.iso_time);
  CHECK(s.host == "db1");
  CHECK(s.tag == "postgres");
  CHECK(s.pid == 10808);
  CHECK(s.seq == 3);
  CHECK(s.chunk == 2);
  CHECK(s.text == "2024-01-15 10:23:45 UTC LOG:  x");
}

TEST_CASE("syslog: a space-padded day", "[syslog]") {
  SyslogLine s;
  REQUIRE(parse_syslog_line("Feb  1 03:05:09 db1 postgres[1]: [1-1] LOG:  x", &s));
  CHECK(s.time == "Feb  1 03:05:09");
  CHECK(s.host == "db1");
  CHECK(s.text == "LOG:  x");
}

TEST_CASE("syslog: an RFC 3339 header (rsyslog's high precision)", "[syslog]") {
  SyslogLine s;
  REQUIRE(parse_syslog_line("2024-01-15T10:23:45.123456+01:00 db1 postgres[10808]: [12-1] user=app LOG:  x", &s));
  CHECK(s.iso_time);
  CHECK(s.time == "2024-01-15T10:23:45.123456+01:00");
  CHECK(s.host == "db1");
  CHECK(s.tag == "postgres");
  CHECK(s.pid == 10808);
  CHECK(s.seq == 12);
  CHECK(s.chunk == 1);
  CHECK(s.text == "user=app LOG:  x");

  REQUIRE(parse_syslog_line("2024-01-15T10:23:45Z db1 postgres[7]: [1-1] LOG:  y", &s));
  CHECK(s.time == "2024-01-15T10:23:45Z");
  CHECK(s.text == "LOG:  y");
}

TEST_CASE("syslog: [M] without sequence numbers, and no numbering", "[syslog]") {
  SyslogLine s;
  REQUIRE(parse_syslog_line("Feb 11 13:15:39 db1 postgres[10808]: [2] DETAIL:  d", &s));
  CHECK(s.seq == -1);
  CHECK(s.chunk == 2);
  CHECK(s.text == "DETAIL:  d");

  REQUIRE(parse_syslog_line("Feb 11 13:15:39 db1 postgres[10808]: LOG:  no numbers", &s));
  CHECK(s.pid == 10808);
  CHECK(s.seq == -1);
  CHECK(s.chunk == -1);
  CHECK(s.text == "LOG:  no numbers");

  // A message that itself starts with a bracket is not a number.
  REQUIRE(parse_syslog_line("Feb 11 13:15:39 db1 postgres[10808]: [local] LOG:  x", &s));
  CHECK(s.chunk == -1);
  CHECK(s.text == "[local] LOG:  x");
}

TEST_CASE("syslog: a split line keeps the space it was split at", "[syslog]") {
  SyslogLine s;
  REQUIRE(parse_syslog_line("Feb 11 13:15:39 db1 postgres[10808]: [3-2]  rest of the line", &s));
  CHECK(s.chunk == 2);
  CHECK(s.text == " rest of the line");
}

TEST_CASE("syslog: a tag without a pid, and other programs", "[syslog]") {
  SyslogLine s;
  REQUIRE(parse_syslog_line("Feb 11 13:15:39 db1 postgres: [1-1] LOG:  x", &s));
  CHECK(s.tag == "postgres");
  CHECK(s.pid == -1);
  CHECK(s.seq == 1);
  CHECK(s.text == "LOG:  x");

  REQUIRE(parse_syslog_line("Feb 11 13:15:39 db1 CRON[2231]: (root) CMD (run-parts /etc/cron.hourly)", &s));
  CHECK(s.tag == "CRON");
  CHECK(s.pid == 2231);
  CHECK(s.text == "(root) CMD (run-parts /etc/cron.hourly)");

  // A line that ends with the tag.
  REQUIRE(parse_syslog_line("Feb 11 13:15:39 db1 postgres[5]:", &s));
  CHECK(s.pid == 5);
  CHECK(s.text.empty());
}

TEST_CASE("syslog: lines that are not syslog", "[syslog]") {
  SyslogLine s;
  for (const char* line : {
           "",
           "2024-01-15 10:23:45.123 UTC [12345] LOG:  x",
           "Feb 11 13:15:39",
           "Feb 11 13:15:39 ",
           "Feb 11 13:15:39 db1",
           "Feb 11 13:15:39 db1 no tag here",
           "feb 11 13:15:39 db1 postgres[1]: x",
           "Feb 11 13:15 db1 postgres[1]: x",
           "Feb 11 13:15:39 db1 postgres[12x]: x",
           "2024-01-15T10:23:45Z",
           "\tcontinuation",
       }) {
    INFO("line: " << line);
    CHECK_FALSE(parse_syslog_line(line, &s));
  }
}

TEST_CASE("syslog: #011 turns back into a tab", "[syslog]") {
  std::string buf;
  std::string_view plain = "no escapes";
  std::string_view r = syslog_unescape(plain, &buf);
  CHECK(r == "no escapes");
  CHECK(r.data() == plain.data());  // unchanged, not copied

  CHECK(syslog_unescape("#011SELECT 1", &buf) == "\tSELECT 1");
  CHECK(syslog_unescape("a#011b#011", &buf) == "a\tb\t");
  CHECK(syslog_unescape("#011#011x", &buf) == "\t\tx");
  CHECK(syslog_unescape("#01 #0111", &buf) == "#01 \t1");
}
