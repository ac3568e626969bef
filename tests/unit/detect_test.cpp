#include "detect.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "prefix.hpp"

using namespace pgtail;

namespace {

using Lines = std::vector<std::string>;

Detection sniff(const Lines& lines, Format format = Format::kAuto, const std::string* prefix = nullptr) {
  ZoneResolver zones;
  return detect(lines, format, prefix, zones);
}

/// Expects stderr with the known prefix `spec`.
void expect_stderr(const Lines& lines, const std::string& spec) {
  Detection d = sniff(lines);
  INFO("advice: " << d.advice << "; description: " << d.description);
  CHECK(d.format == Format::kStderr);
  CHECK(d.prefix == spec);
  CHECK(d.advice.empty());
  CHECK(d.description.find("'" + spec + "'") != std::string::npos);
}

}  // namespace

TEST_CASE("detect: format names", "[detect]") {
  Format f = Format::kAuto;
  for (Format c : {Format::kAuto, Format::kStderr, Format::kCsvlog, Format::kJsonlog, Format::kSyslog}) {
    REQUIRE(parse_format(format_name(c), &f));
    CHECK(f == c);
  }
  CHECK(std::string(format_name(Format::kCsvlog)) == "csvlog");
  CHECK_FALSE(parse_format("json", &f));
  CHECK_FALSE(parse_format("", &f));
}

TEST_CASE("detect: every known prefix compiles", "[detect]") {
  for (const KnownPrefix& k : known_prefixes()) {
    Prefix p;
    std::string err;
    INFO("spec: '" << k.spec << "'");
    CHECK(Prefix::compile(k.spec, &p, &err));
  }
}

TEST_CASE("detect: csvlog", "[detect]") {
  Detection d = sniff({
      "2026-12-03 17:05:44.467 UTC,,,6172,,6b11a168.181c,1,,2026-12-03 17:05:44 UTC,,0,LOG,00000,"
      "\"starting PostgreSQL 15.18\",,,,,,,,,\"\",\"postmaster\",,0",
      "2026-12-03 17:05:44.469 UTC,\"app\",\"shop\",6180,\"[local]\",6b11a168.1824,1,\"SELECT\","
      "2026-12-03 17:05:44 UTC,3/2,0,ERROR,22012,\"division by zero\",,,,,,\"select 1/0;\",,,\"psql\","
      "\"client backend\",,0",
  });
  CHECK(d.format == Format::kCsvlog);
  CHECK(d.prefix.empty());
  CHECK(d.advice.empty());
}

TEST_CASE("detect: jsonlog", "[detect]") {
  Detection d = sniff({
      "{\"timestamp\":\"2024-01-15 10:23:45.123 UTC\",\"user\":\"app\",\"dbname\":\"shop\",\"pid\":12345,"
      "\"error_severity\":\"ERROR\",\"state_code\":\"22012\",\"message\":\"division by zero\"}",
  });
  CHECK(d.format == Format::kJsonlog);
  CHECK(d.advice.empty());
}

TEST_CASE("detect: syslog, and the prefix inside it", "[detect]") {
  Detection d = sniff({
      "Jan 15 10:23:45 db1 postgres[30]: [1-1] user=,db=,app=,client= LOG:  checkpoint starting: time",
      "Jan 15 10:23:46 db1 postgres[12345]: [2-1] user=app,db=shop,app=psql,client=10.0.0.5 ERROR:  "
      "division by zero",
      "Jan 15 10:23:46 db1 postgres[12345]: [2-2] user=app,db=shop,app=psql,client=10.0.0.5 STATEMENT:  "
      "select 1/0;",
      "Jan 15 10:23:46 db1 postgres[12345]: [3-1] user=app,db=shop,app=psql,client=10.0.0.5 LOG:  "
      "duration: 1 ms  statement: select a,",
      "Jan 15 10:23:46 db1 postgres[12345]: [3-2] #011b from t",
  });
  CHECK(d.format == Format::kSyslog);
  CHECK(d.prefix == "user=%u,db=%d,app=%a,client=%h ");
  CHECK(d.advice.empty());
}

TEST_CASE("detect: stderr with the known prefixes", "[detect]") {
  SECTION("Debian's default, sessions and background processes") {
    expect_stderr({
                      "2024-01-15 10:23:45.123 UTC [8544] LOG:  database system is ready to accept connections",
                      "2024-01-15 10:23:45.304 UTC [8554] [unknown]@[unknown] LOG:  connection received: "
                      "host=[local]",
                      "2024-01-15 10:23:45.305 UTC [8554] postgres@postgres LOG:  connection authorized: "
                      "user=postgres",
                      "2024-01-15 10:23:45.306 UTC [8554] app@shop ERROR:  division by zero",
                      "2024-01-15 10:23:45.306 UTC [8554] app@shop STATEMENT:  select 1/0;",
                  },
                  "%m [%p] %q%u@%d ");
  }
  SECTION("pgBadger's recommended prefix, not its looser variants") {
    expect_stderr({
                      "2017-09-06 08:41:41 UTC [36]: [121-1] user=postgres,db=postgres,app=pgbench,"
                      "client=172.23.0.1 LOG:  duration: 0.123 ms  statement: SELECT 1;",
                      "2017-09-06 08:41:42 UTC [37]: [1-1] user=app,db=shop,app=My App, v2,"
                      "client=10.0.0.5 ERROR:  division by zero",
                      "2017-09-06 08:41:43 UTC [30]: [5-1] user=,db=,app=,client= LOG:  checkpoint starting: time",
                  },
                  "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ");
  }
  SECTION("pgBadger-style with host") {
    expect_stderr({
                      "2017-09-06 08:41:41 UTC [36]: [1-1] user=app,db=shop,host=10.0.0.5,app=psql LOG:  x",
                      "2017-09-06 08:41:41 UTC [36]: [2-1] user=app,db=shop,host=10.0.0.5,app=psql ERROR:  y",
                  },
                  "%t [%p]: [%l-1] user=%u,db=%d,host=%h,app=%a ");
  }
  SECTION("pgBadger-style, user and database") {
    expect_stderr({
                      "2017-09-06 08:41:41 UTC [36]: [1-1] user=app,db=shop LOG:  x",
                  },
                  "%t [%p]: [%l-1] user=%u,db=%d ");
  }
  SECTION("Amazon RDS") {
    expect_stderr({
                      "2024-01-15 10:23:45 UTC:10.0.0.5(51234):app@shop:[12345]:ERROR:  division by zero",
                      "2024-01-15 10:23:45 UTC::@:[7]:LOG:  checkpoint starting: time",
                  },
                  "%t:%r:%u@%d:[%p]:");
  }
  SECTION("older Debian and Ubuntu default") {
    expect_stderr({
                      "2024-01-15 10:23:45 UTC [12345-1] app@shop LOG:  x",
                      "2024-01-15 10:23:45 UTC [7-1] LOG:  checkpoint starting: time",
                  },
                  "%t [%p-%l] %q%u@%d ");
  }
  SECTION("Red Hat's older default") {
    expect_stderr({"< 2024-01-15 10:23:45.123 UTC >LOG:  x", "< 2024-01-15 10:23:45.124 UTC >ERROR:  y"},
                  "< %m >");
  }
  SECTION("Debian's with query id") {
    expect_stderr({
                      "2024-01-15 10:23:45.123 UTC [12345] [queryid=-4567890123456] app@shop ERROR:  x",
                      "2024-01-15 10:23:45.123 UTC [12345] [queryid=0] app@shop LOG:  y",
                  },
                  "%m [%p] [queryid=%Q] %q%u@%d ");
  }
  SECTION("pgBadger-style with milliseconds and %q") {
    expect_stderr({
                      "2024-01-15 10:23:45.123 UTC [36] [1-1] user=app,db=shop,app=psql,client=10.0.0.5 LOG:  x",
                      "2024-01-15 10:23:45.124 UTC [36] [2-1] user=app,db=shop,app=psql,client=10.0.0.5 ERROR:  y",
                      "2024-01-15 10:23:45.125 UTC [30] LOG:  checkpoint starting: time",
                  },
                  "%m [%p] %q[%l-1] user=%u,db=%d,app=%a,client=%h ");
  }
  SECTION("Google Cloud SQL") {
    expect_stderr({"[12345]: [1-1] db=shop,user=app LOG:  x", "[12345]: [2-1] db=shop,user=app ERROR:  y"},
                  "[%p]: [%l-1] db=%d,user=%u ");
  }
  SECTION("no prefix at all") {
    expect_stderr({"LOG:  database system is ready to accept connections", "ERROR:  division by zero"}, "");
  }
}

TEST_CASE("detect: tie-breaks", "[detect]") {
  // Background processes only: Debian's and PostgreSQL's default read every
  // line with the same literal text; the one listed first wins.
  expect_stderr({"2024-01-15 10:23:45.123 UTC [99] LOG:  checkpoint starting: time",
                 "2024-01-15 10:23:46.123 UTC [99] LOG:  checkpoint complete"},
                "%m [%p] %q%u@%d ");
  // Amazon RDS with or without the port read the same: the first listed.
  expect_stderr({"2024-01-15 10:23:45 UTC:[local]:app@shop:[12345]:LOG:  x"}, "%t:%r:%u@%d:[%p]:");
  // More lines read beats more literal text.
  expect_stderr({
                    "2017-09-06 08:41:41 UTC [36]: [1-1] user=app,db=shop LOG:  x",
                    "2017-09-06 08:41:41 UTC [36]: [2-1] user=app,db=shop LOG:  y",
                    "2017-09-06 08:41:41 UTC [36]: [3-1] user=app,db=shop,app=psql,client=10.0.0.5 LOG:  z",
                },
                "%t [%p]: [%l-1] user=%u,db=%d ");
}

TEST_CASE("detect: the detected prefix reads the lines", "[detect]") {
  // Whatever known prefix wins for a '%m ' log must read its milliseconds.
  Detection d = sniff({"2024-01-15 10:23:45.123 UTC LOG:  x", "2024-01-15 10:23:45.456 UTC ERROR:  y"});
  REQUIRE(d.format == Format::kStderr);
  Prefix p;
  std::string err;
  REQUIRE(Prefix::compile(d.prefix, &p, &err));
  ZoneResolver zones;
  PrefixMatcher m(p, zones);
  Event ev;
  PrefixMatch pm;
  REQUIRE(m.match("2024-01-15 10:23:45.456 UTC ERROR:  y", &ev, &pm, nullptr));
  CHECK(ev.time_ms == int64_t{1705314225456});
  CHECK(pm.level == Level::kError);
}

TEST_CASE("detect: continuation lines do not count against a prefix", "[detect]") {
  expect_stderr({
                    "2024-01-15 10:23:45.123 UTC [1] app@shop LOG:  duration: 1 ms  statement: select a,",
                    "\t       b,",
                    "\t       c",
                    "\tfrom t",
                    "  indented by spaces",
                },
                "%m [%p] %q%u@%d ");
}

TEST_CASE("detect: undecided gives advice", "[detect]") {
  SECTION("no known prefix") {
    Detection d = sniff({"hello world", "this is not a PostgreSQL log", "at all"});
    CHECK(d.format == Format::kAuto);
    CHECK(d.prefix.empty());
    CHECK(d.advice.find("--prefix") != std::string::npos);
    CHECK(d.advice.find("--format") != std::string::npos);
  }
  SECTION("fewer than half of the lines fit") {
    Detection d = sniff({"2024-01-15 10:23:45.123 UTC [1] LOG:  x", "junk one", "junk two"});
    CHECK(d.format == Format::kAuto);
    CHECK_FALSE(d.advice.empty());
  }
  SECTION("half of the lines fit") {
    Detection d = sniff({"2024-01-15 10:23:45.123 UTC [1] LOG:  x", "junk one"});
    CHECK(d.format == Format::kStderr);
  }
  SECTION("no input") {
    Detection d = sniff({});
    CHECK(d.format == Format::kAuto);
    CHECK(d.advice.find("--format") != std::string::npos);
    Detection e = sniff({"", ""});
    CHECK(e.format == Format::kAuto);
    CHECK_FALSE(e.advice.empty());
  }
  SECTION("JSON that no wrapper reads: the JSON wrappers named") {
    Detection d = sniff({R"({"kubernetes":{},"message":"2024-01-15 10:23:45.123 UTC [1] LOG:  x"})",
                         R"({"kubernetes":{},"message":"2024-01-15 10:23:46.123 UTC [1] LOG:  y"})"});
    CHECK(d.format == Format::kAuto);
    CHECK(d.advice.find("--format cnpg, cloudsql, journald, docker or jsonlog") != std::string::npos);
  }
  SECTION("logplex without the server's numbering: logplex named") {
    Detection d = sniff({"2019-03-14T00:22:56+00:00 app[web.1]: GET /"});
    CHECK(d.format == Format::kAuto);
    CHECK(d.advice.find("--format logplex") != std::string::npos);
  }
  SECTION("text: the prefix, and the other text formats") {
    Detection d = sniff({"hello world"});
    CHECK(d.advice.find("--format csvlog, syslog or logplex") != std::string::npos);
  }
  SECTION("syslog whose prefix is unknown") {
    Detection d = sniff({"Jan 15 10:23:45 db1 postgres[1]: [1-1] {weird} LOG:  x",
                         "Jan 15 10:23:45 db1 postgres[1]: [2-1] {weird} LOG:  y"});
    CHECK(d.format == Format::kAuto);
    CHECK(d.advice.find("syslog") != std::string::npos);
  }
}

TEST_CASE("detect: a given format or prefix is used as is", "[detect]") {
  const std::string spec = "%m [%p] ";
  Detection d = sniff({"whatever"}, Format::kStderr, &spec);
  CHECK(d.format == Format::kStderr);
  CHECK(d.prefix == spec);
  CHECK(d.advice.empty());

  Detection c = sniff({"2024-01-15 10:23:45.123 UTC [1] LOG:  x"}, Format::kCsvlog);
  CHECK(c.format == Format::kCsvlog);

  // --format stderr without a prefix still guesses the prefix.
  Detection s = sniff({"2017-09-06 08:41:41 UTC [36]: [1-1] user=app,db=shop,app=psql,client=[local] LOG:  x"},
                      Format::kStderr);
  CHECK(s.format == Format::kStderr);
  CHECK(s.prefix == "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ");
}

TEST_CASE("detect: a shared syslog file, other programs' lines in the majority", "[detect][bug]") {
  // /var/log/syslog and /var/log/messages hold every program's lines; the
  // prefix is the one of the postgres lines among them.
  Detection d = sniff({
      "Jan 15 10:23:40 db1 systemd[1]: Starting Daily apt download activities...",
      "Jan 15 10:23:41 db1 CRON[2231]: (root) CMD (run-parts /etc/cron.hourly)",
      "Jan 15 10:23:45 db1 postgres[12345]: [2-1] user=app,db=shop,app=psql,client=10.0.0.5 ERROR:  "
      "division by zero",
      "Jan 15 10:23:46 db1 kernel: [12345.678] eth0: link up",
      "Jan 15 10:23:47 db1 sshd[4242]: Accepted publickey for admin from 10.0.0.9 port 51000",
      "Jan 15 10:23:48 db1 postgres[30]: [3-1] user=,db=,app=,client= LOG:  checkpoint starting: time",
  });
  INFO("advice: " << d.advice);
  CHECK(d.format == Format::kSyslog);
  CHECK(d.prefix == "user=%u,db=%d,app=%a,client=%h ");
}

TEST_CASE("detect: csvlog read from the middle of a multi-line record (tail -F)", "[detect][bug]") {
  // `tail -F postgresql.csv` starts ten lines from the end, which can be
  // inside a record whose statement spans lines.
  Detection d = sniff({
      "\tabalance",
      "FROM pgbench_accounts",
      "WHERE aid = 7;\",,,,,,,,,\"psql\",\"client backend\",,0",
      "2026-12-03 17:05:45.232 UTC,\"bench\",\"shop\",6259,\"[local]\",6b11a169.1873,3,\"SELECT\","
      "2026-12-03 17:05:45 UTC,4/5,0,ERROR,22012,\"division by zero\",,,,,,\"SELECT 1/0;\",,,\"psql\","
      "\"client backend\",,0",
      "2026-12-03 17:05:45.233 UTC,\"bench\",\"shop\",6259,\"[local]\",6b11a169.1873,4,\"SELECT\","
      "2026-12-03 17:05:45 UTC,4/6,0,ERROR,42P01,\"relation \"\"no_such_table\"\" does not exist\",,,,,,"
      "\"SELECT * FROM no_such_table;\",15,,\"psql\",\"client backend\",,0",
  });
  INFO("advice: " << d.advice);
  CHECK(d.format == Format::kCsvlog);
}
