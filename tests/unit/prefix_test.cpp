#include "prefix.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace pgtail;

namespace {

/// 2024-01-15 10:23:45 UTC in milliseconds.
constexpr int64_t kT0 = 1705314225000;

struct Parsed {
  bool ok = false;
  Event ev;
  PrefixMatch m;
  std::string text;  ///< the message text after the severity word
  std::string warning;
};

/// Compiles `spec` (which must compile) and matches `line` against it.
Parsed parse(const std::string& spec, const std::string& line) {
  Prefix prefix;
  std::string err;
  INFO("spec: '" << spec << "'");
  REQUIRE(Prefix::compile(spec, &prefix, &err));
  ZoneResolver zones;
  PrefixMatcher matcher(prefix, zones);
  Parsed p;
  p.ok = matcher.match(line, &p.ev, &p.m, &p.warning);
  if (p.ok) p.text = line.substr(p.m.text_start);
  return p;
}

/// A postgresql.conf with `body`, removed when the test ends.
struct ConfFile {
  std::string path;
  explicit ConfFile(const std::string& body) {
    char tmpl[] = "/tmp/pgtail-prefix-test-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    path = tmpl;
    REQUIRE(write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()));
    close(fd);
  }
  ~ConfFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("prefix: Debian's default, session and checkpointer lines", "[prefix]") {
  const std::string spec = "%m [%p] %q%u@%d ";
  Parsed s = parse(spec, "2024-01-15 10:23:45.123 UTC [12345] app@shop ERROR:  division by zero");
  REQUIRE(s.ok);
  CHECK(s.ev.time_ms == kT0 + 123);
  CHECK(s.ev.pid == 12345);
  CHECK(s.ev.user == "app");
  CHECK(s.ev.database == "shop");
  CHECK(s.m.word == Word::kLevel);
  CHECK(s.m.level == Level::kError);
  CHECK(s.text == "division by zero");

  // %q: a process without a session stops the prefix there.
  Parsed c = parse(spec, "2024-01-15 10:23:45.123 UTC [99] LOG:  checkpoint starting: time");
  REQUIRE(c.ok);
  CHECK(c.ev.pid == 99);
  CHECK(c.ev.user.empty());
  CHECK(c.ev.database.empty());
  CHECK(c.m.level == Level::kLog);
  CHECK(c.text == "checkpoint starting: time");

  // A secondary field word after the prefix.
  Parsed d = parse(spec, "2024-01-15 10:23:45.123 UTC [12345] app@shop DETAIL:  Key (id)=(1) already exists.");
  REQUIRE(d.ok);
  CHECK(d.m.word == Word::kDetail);
  CHECK(d.text == "Key (id)=(1) already exists.");
}

TEST_CASE("prefix: [unknown] placeholders are omitted", "[prefix]") {
  Parsed p = parse("%m [%p] %q%u@%d ",
                   "2024-01-15 10:23:45.123 UTC [8554] [unknown]@[unknown] LOG:  connection received: host=[local]");
  REQUIRE(p.ok);
  CHECK(p.ev.user.empty());
  CHECK(p.ev.database.empty());
  CHECK(p.ev.pid == 8554);
  CHECK(p.text == "connection received: host=[local]");

  Parsed a = parse("%m [%p] app=%a ", "2024-01-15 10:23:45.123 UTC [1] app=[unknown] LOG:  x");
  REQUIRE(a.ok);
  CHECK(a.ev.application.empty());
}

TEST_CASE("prefix: pgBadger's prefix", "[prefix]") {
  const std::string spec = "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ";
  Parsed p = parse(spec,
                   "2017-09-06 08:41:41 UTC [36]: [121-1] user=postgres,db=postgres,app=pgbench,"
                   "client=172.23.0.1 LOG:  duration: 0.123 ms  statement: SELECT 1;");
  REQUIRE(p.ok);
  CHECK(p.ev.time_ms == int64_t{1504687301000});
  CHECK(p.ev.pid == 36);
  CHECK(p.ev.line_num == 121);
  CHECK(p.ev.user == "postgres");
  CHECK(p.ev.database == "postgres");
  CHECK(p.ev.application == "pgbench");
  CHECK(p.ev.remote_host == "172.23.0.1");
  CHECK_FALSE(p.ev.remote_port);
  CHECK(p.text == "duration: 0.123 ms  statement: SELECT 1;");

  SECTION("an application name with spaces and \", \"") {
    Parsed q = parse(spec,
                     "2017-09-06 08:41:41 UTC [36]: [2-1] user=app,db=shop,app=My App, v2 (worker 3),"
                     "client=10.0.0.5 ERROR:  division by zero");
    REQUIRE(q.ok);
    CHECK(q.ev.user == "app");
    CHECK(q.ev.database == "shop");
    CHECK(q.ev.application == "My App, v2 (worker 3)");
    CHECK(q.ev.remote_host == "10.0.0.5");
    CHECK(q.m.level == Level::kError);
    CHECK(q.text == "division by zero");
  }
  SECTION("a background process: the fields are empty") {
    Parsed q = parse(spec, "2017-09-06 08:41:41 UTC [30]: [1-1] user=,db=,app=,client= LOG:  checkpoint starting: time");
    REQUIRE(q.ok);
    CHECK(q.ev.pid == 30);
    CHECK(q.ev.user.empty());
    CHECK(q.ev.database.empty());
    CHECK(q.ev.application.empty());
    CHECK(q.ev.remote_host.empty());
    CHECK(q.text == "checkpoint starting: time");
  }
}

TEST_CASE("prefix: every escape fills its Event field", "[prefix]") {
  // Fields in a row, each ended by '|'.
  Parsed p = parse("%m|%p|%P|%l|%e|%c|%v|%x|%Q|%u|%d|%a|%h|%L|%b|%i|%s| ",
                   "2024-01-15 10:23:45.123 UTC|12345|12000|7|53300|65a4f1c2.3039|3/12|0|-4567890123456|"
                   "app|shop|psql|10.0.0.5|10.0.0.1|client backend|SELECT|2024-01-15 10:20:01 UTC| "
                   "FATAL:  sorry, too many clients already");
  REQUIRE(p.ok);
  const Event& ev = p.ev;
  CHECK(ev.time_ms == kT0 + 123);
  CHECK(ev.pid == 12345);
  CHECK(ev.leader_pid == 12000);
  CHECK(ev.line_num == 7);
  CHECK(ev.sqlstate == "53300");
  CHECK(ev.session_id == "65a4f1c2.3039");
  CHECK(ev.vxid == "3/12");
  CHECK(ev.xid == 0);
  CHECK(ev.query_id == int64_t{-4567890123456});
  CHECK(ev.user == "app");
  CHECK(ev.database == "shop");
  CHECK(ev.application == "psql");
  CHECK(ev.remote_host == "10.0.0.5");
  CHECK_FALSE(ev.remote_port);
  CHECK(ev.local_address == "10.0.0.1");
  CHECK(ev.backend_type == "client backend");
  CHECK(ev.command_tag == "SELECT");
  CHECK(ev.session_start_ms == int64_t{1705314001000});
  CHECK(p.m.level == Level::kFatal);
  CHECK(p.text == "sorry, too many clients already");
}

TEST_CASE("prefix: %t, %n and %P empty", "[prefix]") {
  Parsed t = parse("%t [%p] ", "2024-01-15 10:23:45 UTC [1] LOG:  x");
  REQUIRE(t.ok);
  CHECK(t.ev.time_ms == kT0);

  Parsed n = parse("%n [%p] ", "1705314225.123 [1] LOG:  x");
  REQUIRE(n.ok);
  CHECK(n.ev.time_ms == kT0 + 123);

  // %P is empty outside parallel workers.
  Parsed l = parse("%m [%p:%P] ", "2024-01-15 10:23:45.123 UTC [12345:] LOG:  x");
  REQUIRE(l.ok);
  CHECK(l.ev.pid == 12345);
  CHECK_FALSE(l.ev.leader_pid);

  // A numeric zone.
  Parsed z = parse("%m [%p] ", "2024-01-15 12:23:45.123 +02 [1] LOG:  x");
  REQUIRE(z.ok);
  CHECK(z.ev.time_ms == kT0 + 123);
}

TEST_CASE("prefix: %r splits into remote_host and remote_port", "[prefix]") {
  const std::string spec = "%m [%p] %r ";
  Parsed tcp = parse(spec, "2024-01-15 10:23:45.123 UTC [1] 10.0.0.5(51234) LOG:  x");
  REQUIRE(tcp.ok);
  CHECK(tcp.ev.remote_host == "10.0.0.5");
  CHECK(tcp.ev.remote_port == 51234);

  Parsed local = parse(spec, "2024-01-15 10:23:45.123 UTC [1] [local] LOG:  x");
  REQUIRE(local.ok);
  CHECK(local.ev.remote_host == "[local]");
  CHECK_FALSE(local.ev.remote_port);

  Parsed v6 = parse(spec, "2024-01-15 10:23:45.123 UTC [1] ::1(40000) LOG:  x");
  REQUIRE(v6.ok);
  CHECK(v6.ev.remote_host == "::1");
  CHECK(v6.ev.remote_port == 40000);
}

TEST_CASE("prefix: Amazon RDS's prefix", "[prefix]") {
  const std::string spec = "%t:%r:%u@%d:[%p]:";
  Parsed p = parse(spec, "2024-01-15 10:23:45 UTC:10.0.0.5(51234):app@shop:[12345]:ERROR:  division by zero");
  REQUIRE(p.ok);
  CHECK(p.ev.time_ms == kT0);
  CHECK(p.ev.remote_host == "10.0.0.5");
  CHECK(p.ev.remote_port == 51234);
  CHECK(p.ev.user == "app");
  CHECK(p.ev.database == "shop");
  CHECK(p.ev.pid == 12345);
  CHECK(p.text == "division by zero");

  Parsed bg = parse(spec, "2024-01-15 10:23:45 UTC::@:[7]:LOG:  checkpoint starting: time");
  REQUIRE(bg.ok);
  CHECK(bg.ev.pid == 7);
  CHECK(bg.ev.remote_host.empty());
  CHECK(bg.ev.user.empty());
}

TEST_CASE("prefix: an IPv6 client in %r followed by ':' (Amazon RDS)", "[prefix][bug]") {
  // The client's own colons must not be taken for the literal after %r.
  Parsed p = parse("%t:%r:%u@%d:[%p]:",
                   "2024-01-15 10:23:45 UTC:2001:db8::5(51234):app@shop:[12345]:LOG:  x");
  REQUIRE(p.ok);
  CHECK(p.ev.remote_host == "2001:db8::5");
  CHECK(p.ev.remote_port == 51234);
  CHECK(p.ev.user == "app");
  CHECK(p.ev.database == "shop");
}

TEST_CASE("prefix: padding", "[prefix]") {
  SECTION("%10p right-justified, %-10u left-justified before a literal") {
    Parsed p = parse("%m [%10p] %-10u@%d ", "2024-01-15 10:23:45.123 UTC [     12345] app       @shop LOG:  x");
    REQUIRE(p.ok);
    CHECK(p.ev.pid == 12345);
    CHECK(p.ev.user == "app");
    CHECK(p.ev.database == "shop");
  }
  SECTION("%-10p left-justified") {
    Parsed p = parse("%m [%-10p] ", "2024-01-15 10:23:45.123 UTC [12345     ] LOG:  x");
    REQUIRE(p.ok);
    CHECK(p.ev.pid == 12345);
  }
  SECTION("%10u right-justified free text") {
    Parsed p = parse("%m [%p] %10u@%d ", "2024-01-15 10:23:45.123 UTC [1]        app@shop LOG:  x");
    REQUIRE(p.ok);
    CHECK(p.ev.user == "app");
    CHECK(p.ev.database == "shop");
  }
  SECTION("a value wider than its padding is written whole") {
    Parsed p = parse("%m [%3p] ", "2024-01-15 10:23:45.123 UTC [12345] LOG:  x");
    REQUIRE(p.ok);
    CHECK(p.ev.pid == 12345);
  }
}

TEST_CASE("prefix: %-10u followed by a space: the padding is not the next field's", "[prefix][bug]") {
  // The server writes "app" padded to 10, then the literal space, then %d.
  Parsed p = parse("%m [%p] %-10u %d ", "2024-01-15 10:23:45.123 UTC [1] app        shop LOG:  x");
  REQUIRE(p.ok);
  CHECK(p.ev.user == "app");
  CHECK(p.ev.database == "shop");
}

TEST_CASE("prefix: a free field last before the severity", "[prefix]") {
  // Nothing separates %d from the severity word: it ends where one begins.
  Parsed p = parse("%m [%p] %u@%d", "2024-01-15 10:23:45.123 UTC [1] app@shopLOG:  x");
  REQUIRE(p.ok);
  CHECK(p.ev.user == "app");
  CHECK(p.ev.database == "shop");
  CHECK(p.text == "x");

  // A space inside a database name: the nearest space is not the end.
  Parsed q = parse("%m [%p] %u@%d ", "2024-01-15 10:23:45.123 UTC [1] app@my db ERROR:  x");
  REQUIRE(q.ok);
  CHECK(q.ev.database == "my db");
  CHECK(q.m.level == Level::kError);

  // A free field straight after another escape.
  Parsed r = parse("%m [%p] %a", "2024-01-15 10:23:45.123 UTC [1] my appWARNING:  y");
  REQUIRE(r.ok);
  CHECK(r.ev.application == "my app");
  CHECK(r.m.level == Level::kWarning);
}

TEST_CASE("prefix: %% is a literal percent, unknown escapes print nothing", "[prefix]") {
  Parsed p = parse("%m %%[%p] ", "2024-01-15 10:23:45.123 UTC %[12345] LOG:  x");
  REQUIRE(p.ok);
  CHECK(p.ev.pid == 12345);
  CHECK_FALSE(parse("%m %%[%p] ", "2024-01-15 10:23:45.123 UTC [12345] LOG:  x").ok);

  Parsed u = parse("%m %y[%p] ", "2024-01-15 10:23:45.123 UTC [12345] LOG:  x");
  REQUIRE(u.ok);
  CHECK(u.ev.pid == 12345);
}

TEST_CASE("prefix: lines that do not match", "[prefix]") {
  const std::string spec = "%m [%p] %q%u@%d ";
  CHECK_FALSE(parse(spec, "").ok);
  CHECK_FALSE(parse(spec, "TRAP: FailedAssertion(\"false\", File: \"x.c\", Line: 1)").ok);
  CHECK_FALSE(parse(spec, "pg_ctl: another server might be running").ok);
  // A prefix, but no severity word after it.
  CHECK_FALSE(parse(spec, "2024-01-15 10:23:45.123 UTC [1] app@shop something else").ok);
  // %m needs milliseconds; %p needs digits.
  CHECK_FALSE(parse(spec, "2024-01-15 10:23:45 UTC [1] LOG:  x").ok);
  CHECK_FALSE(parse(spec, "2024-01-15 10:23:45.123 UTC [abc] LOG:  x").ok);
  // %e is five characters.
  CHECK_FALSE(parse("%e ", "5330 LOG:  x").ok);
}

TEST_CASE("prefix: compile", "[prefix]") {
  Prefix p;
  std::string err;
  REQUIRE(Prefix::compile("%m [%p] %q%u@%d ", &p, &err));
  CHECK(p.spec() == "%m [%p] %q%u@%d ");
  REQUIRE(p.tokens().size() == 9);
  CHECK(p.tokens()[0].escape == 'm');
  CHECK(p.tokens()[1].escape == 0);
  CHECK(p.tokens()[1].text == " [");
  CHECK(p.tokens()[4].escape == 'q');

  REQUIRE(Prefix::compile("%-10u%10p", &p, &err));
  REQUIRE(p.tokens().size() == 2);
  CHECK(p.tokens()[0].padding == -10);
  CHECK(p.tokens()[1].padding == 10);

  REQUIRE(Prefix::compile("%t ", &p, &err));

  // An empty prefix is the server's when log_line_prefix = ''.
  REQUIRE(Prefix::compile("", &p, &err));
  CHECK(p.tokens().empty());

  for (const char* bad : {"%", "%m [%p] %", "%-", "%10", "%m %-10"}) {
    INFO("spec: '" << bad << "'");
    err.clear();
    CHECK_FALSE(Prefix::compile(bad, &p, &err));
    CHECK_FALSE(err.empty());
  }
}

TEST_CASE("prefix: an empty prefix matches the severity at the start", "[prefix]") {
  Parsed p = parse("", "ERROR:  x");
  REQUIRE(p.ok);
  CHECK(p.m.level == Level::kError);
  CHECK(p.text == "x");
}

TEST_CASE("prefix: literal_bytes counts the literal text read", "[prefix]") {
  Prefix prefix;
  std::string err;
  REQUIRE(Prefix::compile("%m [%p] %q%u@%d ", &prefix, &err));
  ZoneResolver zones;
  PrefixMatcher m(prefix, zones);
  Event ev;
  PrefixMatch pm;
  REQUIRE(m.match("2024-01-15 10:23:45.123 UTC [1] app@shop LOG:  x", &ev, &pm, nullptr));
  CHECK(m.literal_bytes() == 6);  // " [", "] ", "@", " "
  ev.clear();
  REQUIRE(m.match("2024-01-15 10:23:45.123 UTC [1] LOG:  x", &ev, &pm, nullptr));
  CHECK(m.literal_bytes() == 4);  // stopped at %q
}

TEST_CASE("prefix: the matcher reuses its time cache correctly", "[prefix]") {
  Prefix prefix;
  std::string err;
  REQUIRE(Prefix::compile("%m [%p] ", &prefix, &err));
  ZoneResolver zones;
  PrefixMatcher m(prefix, zones);
  Event ev;
  PrefixMatch pm;
  REQUIRE(m.match("2024-01-15 10:23:45.123 UTC [1] LOG:  a", &ev, &pm, nullptr));
  CHECK(ev.time_ms == kT0 + 123);
  ev.clear();
  REQUIRE(m.match("2024-01-15 10:23:45.123 UTC [2] LOG:  b", &ev, &pm, nullptr));
  CHECK(ev.time_ms == kT0 + 123);
  CHECK(ev.pid == 2);
  ev.clear();
  REQUIRE(m.match("2024-01-15 10:23:46.000 UTC [3] LOG:  c", &ev, &pm, nullptr));
  CHECK(ev.time_ms == kT0 + 1000);
}

TEST_CASE("prefix_from_config", "[prefix]") {
  std::string prefix, err;
  SECTION("a quoted value with a trailing comment") {
    ConfFile f("# comment\nlog_line_prefix = '%m [%p] %q%u@%d '\t\t# special values:\n");
    REQUIRE(prefix_from_config(f.path, &prefix, &err));
    CHECK(prefix == "%m [%p] %q%u@%d ");
  }
  SECTION("'' inside quotes is a quote") {
    ConfFile f("log_line_prefix = '%m ''%a'' [%p] '\n");
    REQUIRE(prefix_from_config(f.path, &prefix, &err));
    CHECK(prefix == "%m '%a' [%p] ");
  }
  SECTION("the last setting wins; commented-out ones do not count") {
    ConfFile f("log_line_prefix = '%t '\n"
               "log_line_prefix = '%m [%p] '\n"
               "#log_line_prefix = '%m [%p] %q%u@%d '\n"
               "  # log_line_prefix = '%n '\n");
    REQUIRE(prefix_from_config(f.path, &prefix, &err));
    CHECK(prefix == "%m [%p] ");
  }
  SECTION("without '=' and with indentation") {
    ConfFile f("\tlog_line_prefix '%t [%p]: '\n");
    REQUIRE(prefix_from_config(f.path, &prefix, &err));
    CHECK(prefix == "%t [%p]: ");
  }
  SECTION("an empty value") {
    ConfFile f("log_line_prefix = ''\n");
    REQUIRE(prefix_from_config(f.path, &prefix, &err));
    CHECK(prefix.empty());
  }
  SECTION("parameter names are case-insensitive, as in the server") {
    ConfFile f("Log_Line_Prefix = '%m [%p] '\n");
    INFO("error: " << err);
    CHECK(prefix_from_config(f.path, &prefix, &err));
    CHECK(prefix == "%m [%p] ");
  }
  SECTION("no setting is an error") {
    ConfFile f("#log_line_prefix = '%m [%p] '\nlog_destination = 'stderr'\n");
    CHECK_FALSE(prefix_from_config(f.path, &prefix, &err));
    CHECK(err.find("no log_line_prefix") != std::string::npos);
  }
  SECTION("a missing file is an error") {
    CHECK_FALSE(prefix_from_config("/nonexistent/postgresql.conf", &prefix, &err));
    CHECK(err.find("/nonexistent/postgresql.conf") != std::string::npos);
  }
}
