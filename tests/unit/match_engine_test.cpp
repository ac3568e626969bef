#include "match_engine.hpp"

#include <catch2/catch.hpp>

#include <rapidjson/document.h>

using namespace pgtail;

namespace {

Rule rule(const char* text) {
  Rule r;
  std::string err;
  REQUIRE(parse_rule(text, &r, &err));
  return r;
}

const char* kLine =
    R"({"timestamp":"2024-01-15T10:23:45.123Z","instance":{"name":"pg16","host":"db1"},)"
    R"("event":{"type":"log_entry","level":"FATAL","sqlstate":"53300","pid":12345,)"
    R"("message":"sorry, too many clients already","detail":"Key (id)=(42) \"q\"","user":"app","database":"shop"}})";

/// The rules that match kLine, by index.
std::vector<size_t> matches(std::initializer_list<const char*> texts) {
  Matcher m;
  for (const char* t : texts) m.add(rule(t));
  std::string err;
  REQUIRE(m.compile(&err));
  EventReader reader;
  EventView view;
  REQUIRE(reader.read(kLine, &view, &err));
  std::vector<size_t> out;
  m.match(view, &out);
  return out;
}

}  // namespace

TEST_CASE("event lines: fields, time, instance and the offsets to write them back", "[match]") {
  EventReader reader;
  EventView v;
  std::string err;
  REQUIRE(reader.read(kLine, &v, &err));
  CHECK(v.get(Field::kLevel) == "FATAL");
  CHECK(v.get(Field::kPid) == "12345");
  CHECK(v.get(Field::kDetail) == "Key (id)=(42) \"q\"");  // unescaped
  CHECK(*v.time_ms == 1705314225123);
  CHECK(v.instance_json == R"({"name":"pg16","host":"db1"})");
  std::string line = kLine;
  CHECK(line[v.event_close] == '}');
  CHECK(v.line_close == line.size() - 1);
  CHECK_FALSE(reader.read("{\"event\":", &v, &err));
  CHECK(err == "invalid JSON at byte 10: Invalid value");
  CHECK_FALSE(reader.read("[1]", &v, &err));
  CHECK(err == "not an event: not a JSON object");
  CHECK_FALSE(reader.read("{\"a\":1}", &v, &err));
  CHECK(err == "not an event: no \"event\" object");
  CHECK_FALSE(reader.read("{\"event\":{\"level\":\"LOG\"}}", &v, &err));
  CHECK(err == "not an event: no event.type");
  CHECK_FALSE(reader.read("{\"event\":{\"type\":\"raw\"}} x", &v, &err));
  CHECK(err == "invalid JSON at byte 26: more after the object");
  CHECK_FALSE(reader.read("{\"event\":{\"type\":\"r\xff\"}}", &v, &err));
  CHECK(err == "invalid JSON: not valid UTF-8");
}

TEST_CASE("event strings: every length and place of an escape, and raw control bytes refused", "[match]") {
  EventReader reader;
  EventView v;
  std::string err;
  for (size_t before = 0; before < 40; ++before)
    for (size_t after = 0; after < 40; after += 7) {
      std::string a(before, 'a'), b(after, 'b');
      std::string line = R"({"event":{"type":"log_entry","message":")" + a + R"(\"\n\u00e9)" + b + R"(","user":"u"}})";
      INFO(line);
      REQUIRE(reader.read(line, &v, &err));
      CHECK(v.get(Field::kMessage) == a + "\"\n\u00e9" + b);
      CHECK(v.get(Field::kUser) == "u");
    }
  for (int c = 1; c < 0x20; ++c)
    for (size_t before : {0, 5, 17}) {
      std::string line = R"({"event":{"type":"log_entry","message":")" + std::string(before, 'a') +
                         static_cast<char>(c) + R"("}})";
      INFO(c);
      CHECK_FALSE(reader.read(line, &v, &err));
    }
}

TEST_CASE("rules matched together: levels, patterns on several fields, SQLSTATE, negation", "[match]") {
  CHECK(matches({"FATAL PANIC", "ERROR", "errors", ">=WARNING", "LOG"}) == std::vector<size_t>{0, 2, 3});
  CHECK(matches({"/too many/", "/TOO MANY/", "/TOO MANY/i", "detail~/Key \\(id\\)/", "user~/^app$/", "user~/^ap$/"}) ==
        std::vector<size_t>{0, 2, 3, 4});
  CHECK(matches({"!/too many/", "!/nothing/", "user!~/^app$/", "hint~/x/", "!hint~/x/"}) == std::vector<size_t>{1, 4});
  CHECK(matches({"sqlstate:53300", "sqlstate:53*", "sqlstate:533*", "sqlstate:08*,53300", "sqlstate:08*", "!sqlstate:08*"}) ==
        std::vector<size_t>{0, 1, 2, 3, 5});
  CHECK(matches({"FATAL and /clients/ and sqlstate:53*", "FATAL and /nope/", "pid~/^12345$/"}) ==
        std::vector<size_t>{0, 2});
}

TEST_CASE("the engine appends the fingerprint and the trigger to the line as it came", "[match]") {
  Target t;
  t.webhook = "slack";
  t.rules.push_back(rule("FATAL PANIC"));
  rapidjson::StringBuffer out;
  MatchEngine engine({t}, EngineOptions(), &out);
  std::string err;
  REQUIRE(engine.init(&err));
  REQUIRE(engine.line(kLine, 0, &err));
  std::string line = out.GetString();
  REQUIRE(line.back() == '\n');
  std::string expected = kLine;
  expected.insert(expected.size() - 2, ",\"fingerprint\":\"" + std::string(line.substr(line.find("fingerprint") + 14, 16)) + "\"");
  expected.insert(expected.size() - 1, ",\"trigger\":{\"rule\":\"level:FATAL\",\"webhook\":\"slack\"}");
  CHECK(line == expected + "\n");
  rapidjson::Document d;
  d.Parse(line.c_str());
  CHECK_FALSE(d.HasParseError());
  // Once more through pg-match: the trigger is replaced, not doubled.
  out.Clear();
  line.pop_back();
  REQUIRE(engine.line(line, 0, &err));
  d.Parse(out.GetString());
  REQUIRE_FALSE(d.HasParseError());
  CHECK(d["trigger"]["webhook"] == "slack");
  CHECK(std::string(out.GetString()).find("\"trigger\"") == std::string(out.GetString()).rfind("\"trigger\""));
}
