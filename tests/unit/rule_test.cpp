#include "rule.hpp"

#include <catch2/catch.hpp>

#include "severity.hpp"

using namespace pgtail;

namespace {

Rule parse_ok(const std::string& text) {
  Rule r;
  std::string err;
  INFO("rule: " << text);
  REQUIRE(parse_rule(text, &r, &err));
  return r;
}

std::string parse_error(const std::string& text) {
  Rule r;
  std::string err;
  INFO("rule: " << text);
  CHECK_FALSE(parse_rule(text, &r, &err));
  return err;
}

uint32_t mask(std::initializer_list<Level> levels) {
  uint32_t m = 0;
  for (Level l : levels) m |= 1u << static_cast<unsigned>(l);
  return m;
}

}  // namespace

TEST_CASE("levels: any of several, in any spelling", "[rule]") {
  for (const char* text : {"FATAL PANIC", "FATAL, PANIC", "fatal,panic", "level:FATAL,PANIC", "  FATAL   PANIC  "}) {
    Rule r = parse_ok(text);
    REQUIRE(r.conditions.size() == 1);
    CHECK(r.conditions[0].level_mask == mask({Level::kFatal, Level::kPanic}));
    CHECK(r.text() == "FATAL, PANIC");
    CHECK(r.canonical() == "level:FATAL,PANIC");
  }
  CHECK(parse_ok("errors").conditions[0].level_mask == mask({Level::kError, Level::kFatal, Level::kPanic}));
  CHECK(parse_ok("errors").text() == "errors");
  CHECK(parse_ok("ERROR").conditions[0].level_mask == mask({Level::kError}));
  CHECK(parse_ok("DEBUG").text() == "DEBUG1");
}

TEST_CASE("thresholds follow the severity order, LOG below NOTICE", "[rule]") {
  Rule r = parse_ok(">=WARNING");
  CHECK(r.conditions[0].level_mask == mask({Level::kWarning, Level::kError, Level::kFatal, Level::kPanic}));
  CHECK(r.text() == ">=WARNING");
  CHECK(r.canonical() == "level:>=WARNING");
  CHECK((parse_ok(">= notice").conditions[0].level_mask & mask({Level::kLog})) == 0);
  CHECK(parse_ok(">=LOG").conditions[0].level_mask & mask({Level::kNotice}));
}

TEST_CASE("patterns on the message and on other fields", "[rule]") {
  Rule r = parse_ok("/connection limit/");
  REQUIRE(r.conditions.size() == 1);
  const Condition& c = r.conditions[0];
  CHECK(c.kind == Condition::Kind::kPattern);
  CHECK(c.field == Field::kMessage);
  CHECK(c.pattern == "connection limit");
  CHECK_FALSE(c.icase);
  CHECK(r.canonical() == "pattern:/connection limit/");
  CHECK(parse_ok("/Deadlock/i").conditions[0].icase);
  CHECK(parse_ok("/Deadlock/i").text() == "/Deadlock/i");
  Rule d = parse_ok("detail~/Key \\(id\\)/");
  CHECK(d.conditions[0].field == Field::kDetail);
  CHECK(d.text() == "detail~/Key \\(id\\)/");
  CHECK(d.canonical() == "pattern:detail~/Key \\(id\\)/");
  Rule slash = parse_ok("/a\\/b/");
  CHECK(slash.conditions[0].pattern == "a/b");
  CHECK(slash.text() == "/a\\/b/");
  Rule n = parse_ok("!/pgbench/");
  CHECK(n.conditions[0].negate);
  CHECK(n.text() == "!/pgbench/");
  CHECK(n.canonical() == "!pattern:/pgbench/");
  Rule u = parse_ok("user!~/^app$/");
  CHECK(u.conditions[0].negate);
  CHECK(u.conditions[0].field == Field::kUser);
  CHECK(u.text() == "user!~/^app$/");
  CHECK(parse_ok("pattern:application~/psql/").conditions[0].field == Field::kApplication);
}

TEST_CASE("SQLSTATE codes, classes and lists", "[rule]") {
  Rule r = parse_ok("sqlstate:53300,57p*");
  REQUIRE(r.conditions[0].sqlstates.size() == 2);
  CHECK(r.conditions[0].sqlstates[0] == "53300");
  CHECK(r.conditions[0].sqlstates[1] == "57P*");
  CHECK(r.text() == "sqlstate:53300,57P*");
  CHECK(parse_ok("!sqlstate:57P01").canonical() == "!sqlstate:57P01");
  CHECK(parse_ok("sqlstate:53300, 57P01 and FATAL").text() == "sqlstate:53300,57P01 and FATAL");
}

TEST_CASE("conditions joined with and; the round trip of text()", "[rule]") {
  Rule r = parse_ok("FATAL and /limit/i and sqlstate:53* and !database~/^template/");
  CHECK(r.conditions.size() == 4);
  CHECK(r.text() == "FATAL and /limit/i and sqlstate:53* and database!~/^template/");
  CHECK(parse_ok(r.text()).text() == r.text());
  CHECK(parse_ok(r.canonical()).text() == r.text());
  CHECK(parse_ok("ERROR AND /x/").conditions.size() == 2);
}

TEST_CASE("rates, with and without keys", "[rule]") {
  Rule r = parse_ok("errors > 50/min");
  CHECK(r.has_rate);
  CHECK(r.rate.threshold == 50);
  CHECK(r.rate.window_ms == 60000);
  CHECK(r.text() == "errors > 50/min");
  CHECK(r.canonical() == "rate:errors > 50/min");
  Rule f = parse_ok("FATAL > 5/10s");
  CHECK(f.rate.window_ms == 10000);
  Rule d = parse_ok("/deadlock/ > 3/h by database, user");
  CHECK(d.rate.window_ms == 3600000);
  REQUIRE(d.rate.by.size() == 2);
  CHECK(d.rate.by[1] == Field::kUser);
  CHECK(d.text() == "/deadlock/ > 3/h by database,user");
  CHECK(parse_ok("errors > 50 / min").text() == "errors > 50/min");
  CHECK(parse_ok("rate:errors > 0/5m").rate.threshold == 0);
  CHECK(parse_ok(d.canonical()).text() == d.text());
}

TEST_CASE("every rejection names the column and what was expected", "[rule]") {
  CHECK(parse_error("") == "at column 1: empty rule: expected a level, /pattern/, field~/pattern/ or sqlstate:CODE");
  CHECK(parse_error("FATL") == "at column 1: unknown level 'FATL' (did you mean 'FATAL'?)");
  CHECK(parse_error("bogus") ==
        "at column 1: unknown level 'bogus': expected a level, /pattern/, field~/pattern/ or sqlstate:CODE "
        "(levels: DEBUG5..DEBUG1, INFO, LOG, NOTICE, WARNING, ERROR, FATAL, PANIC, errors)");
  CHECK(parse_error("FATAL and") ==
        "at column 10: expected a level, /pattern/, field~/pattern/ or sqlstate:CODE after 'and'");
  CHECK(parse_error("FATAL /x/") == "at column 7: expected 'and', '> N/PERIOD' or the end of the rule, found '/x/'");
  CHECK(parse_error("FATAL or PANIC") ==
        "at column 7: 'or' is not supported: give each alternative as a rule of its own (another -r, or another on = line)");
  CHECK(parse_error("/unclosed") == "at column 1: pattern not closed: expected '/' at the end");
  CHECK(parse_error("//") == "at column 1: empty pattern");
  CHECK(parse_error("/x/g") == "at column 4: unknown pattern flag 'g' (only i: ignore case)");
  CHECK(parse_error("/a(b/").rfind("at column 2: bad pattern /a(b/: missing ): a(b", 0) == 0);
  CHECK(parse_error("detial~/x/") == "at column 1: unknown event field 'detial' (did you mean 'detail'?)");
  CHECK(parse_error("zzz~/x/").rfind("at column 1: unknown event field 'zzz' (type, level,", 0) == 0);
  CHECK(parse_error("detail=/x/") ==
        "at column 1: unknown level 'detail': expected a level, /pattern/, field~/pattern/ or sqlstate:CODE "
        "(levels: DEBUG5..DEBUG1, INFO, LOG, NOTICE, WARNING, ERROR, FATAL, PANIC, errors)");
  CHECK(parse_error("detail~x") == "at column 8: expected /pattern/ after '~'");
  CHECK(parse_error("sqlstate:5330") == "at column 10: expected a SQLSTATE (5 characters, as in 53300) or a class (as in 53* or 57P*)");
  CHECK(parse_error("sqlstate:5*") == "at column 10: expected a SQLSTATE (5 characters, as in 53300) or a class (as in 53* or 57P*)");
  CHECK(parse_error("foo:1") == "at column 1: unknown condition 'foo:' (sqlstate:, level: or pattern:)");
  CHECK(parse_error(">=LOUD") == "at column 1: expected a level after '>=' (as in >=WARNING)");
  CHECK(parse_error("> 5/min") == "at column 1: expected a condition before '>' (as in errors > 50/min)");
  CHECK(parse_error("errors > 50") == "at column 10: expected N/PERIOD after '>' (as in 50/min or 5/10s)");
  CHECK(parse_error("errors > 50/fortnight") ==
        "at column 13: unknown time unit 'fortnight' (ms, s, min, h or d)");
  CHECK(parse_error("errors > 500000/min") == "at column 10: a rate threshold above 100000 is not supported");
  CHECK(parse_error("errors > 5/min per database") ==
        "at column 16: expected 'by FIELD' or the end of the rule after the rate");
  CHECK(parse_error("errors > 5/min by") ==
        "at column 18: expected an event field after 'by' (database, user, sqlstate, application, …)");
  CHECK(parse_error("errors > 5/min by database and") == "at column 28: expected the end of the rule, found 'and'");
  CHECK(parse_error("FATAL and > 5/min") ==
        "at column 11: expected a level, /pattern/, field~/pattern/ or sqlstate:CODE after 'and'");
}
