// The chat formats (slack, discord, teams) and what they share
// (chat_message.hpp): the facts shown, escaping, and every platform limit
// under hostile input (100 KB texts, mention tokens, Markdown, fences,
// control characters, many key fields).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chat_message.hpp"
#include "formats.hpp"
#include "utf8.hpp"

using namespace pgtail;

namespace {

/// A triggered event and the document it points into.
struct Event {
  rapidjson::Document doc;
  Alert alert;
};

std::unique_ptr<Event> event(const std::string& json) {
  auto e = std::make_unique<Event>();
  e->doc.Parse(json.c_str(), json.size());
  REQUIRE_FALSE(e->doc.HasParseError());
  std::string err;
  REQUIRE(read_alert(e->doc, AlertOptions(), &e->alert, &err));
  return e;
}

/// JSON text of a string value.
std::string js(const std::string& s) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return b.GetString();
}

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

/// Every ugly thing a log line can hold, about 100 KB of it.
const std::string& hostile() {
  static const std::string s = repeat(
      "<!channel> <!here> <!everyone> <@U123> <#C1> <!subteam^S1> <http://evil|click> @everyone @here @Everyone "
      "<@&42> [link](http://evil) *b* _i_ ~~s~~ ||sp|| ``` `x` # h\n> q\n- l\n& &amp; \x1b[31m\x01\x7f\r\n"
      "\xC3\xA9\xF0\x9F\x98\x80 ",
      600);
  return s;
}

std::string log_entry(const std::string& text) {
  std::string t = js(text);
  return R"({"timestamp":"2024-01-15T10:23:45.123Z","instance":{"name":"pg16","host":"db1","version":"16"},)"
         R"("event":{"type":"log_entry","level":"ERROR","sqlstate":"22012","pid":4242,"message":)" +
         t + R"(,"detail":)" + t + R"(,"hint":)" + t + R"(,"context":)" + t + R"(,"statement":)" + t + R"(,"query":)" +
         t + R"(,"user":)" + t + R"(,"database":)" + t + R"(,"application":)" + t + R"(},"trigger":{"rule":)" + t +
         R"(,"webhook":"chat"}})";
}

std::string rate_event(const std::string& text, int keys) {
  std::string key;
  for (int i = 0; i < keys; ++i) key += (i ? "," : "") + js("field_" + std::to_string(i) + text) + ":" + js(text);
  return R"({"timestamp":"2024-01-15T10:23:45.123Z","instance":{"name":)" + js(text) +
         R"(},"event":{"type":"rate_threshold","level":"FATAL","count":57,"threshold":50,"window_seconds":60,)"
         R"("key":{)" +
         key + R"(},"sample_message":)" + js(text) + R"(,"message":)" + js(text) + R"(}})";
}

std::string suppressed_event(const std::string& text, int messages) {
  std::string top;
  for (int i = 0; i < messages; ++i) top += std::string(i ? "," : "") + R"({"message":)" + js(text) + R"(,"count":3})";
  return R"({"timestamp":"2024-01-15T10:23:45.123Z","event":{"type":"suppressed","count":37,"period_seconds":300,)"
         R"("levels":{"ERROR":30,"FATAL":7},"top_messages":[)" +
         top + R"(],"message":)" + js(text) + R"(}})";
}

std::vector<std::string> hostile_events() {
  return {log_entry(hostile()), rate_event(hostile(), 40), suppressed_event(hostile(), 60),
          R"({"event":{"type":"raw","message":)" + js(hostile()) + "}}"};
}

/// The body `build` makes of `json`, parsed; fails the test unless it is valid JSON.
std::unique_ptr<rapidjson::Document> body(BuildFn build, const std::string& json, FormatOptions o = {},
                                          std::string* text = nullptr) {
  auto e = event(json);
  Payload p;
  std::string err;
  REQUIRE(build(e->alert, o, &p, &err));
  auto d = std::make_unique<rapidjson::Document>();
  d->Parse(p.body.c_str(), p.body.size());
  REQUIRE_FALSE(d->HasParseError());
  REQUIRE(d->IsObject());
  if (text) *text = p.body;
  return d;
}

/// Calls f on every string (not key) in v.
void each_string(const rapidjson::Value& v, const std::function<void(std::string_view)>& f) {
  if (v.IsString()) f({v.GetString(), v.GetStringLength()});
  if (v.IsArray())
    for (const auto& x : v.GetArray()) each_string(x, f);
  if (v.IsObject())
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) each_string(it->value, f);
}

std::string str(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

/// Every string of every chat body: valid UTF-8, no control character but newline and tab.
void check_clean_text(const rapidjson::Value& v) {
  each_string(v, [](std::string_view s) {
    INFO(std::string(s.substr(0, 120)));
    CHECK(utf8_clean(s));
    bool control = false;
    for (char c : s)
      control = control || ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7F);
    CHECK_FALSE(control);
  });
}

bool has(std::string_view s, std::string_view needle) { return s.find(needle) != std::string_view::npos; }

const rapidjson::Value* find_fact(const rapidjson::Value& fields, const char* key, const char* name) {
  for (const auto& f : fields.GetArray())
    if (str(f[key]) == name) return &f;
  return nullptr;
}

const char* const kRealError =
    R"({"timestamp":"2026-12-03T17:08:35.014Z","instance":{"name":"pg15","host":"vm","version":"15"},)"
    R"("event":{"type":"log_entry","level":"ERROR","sqlstate":"23505","pid":8563,)"
    R"("message":"duplicate key value violates unique constraint \"orders_pkey\"",)"
    R"("detail":"Key (id)=(1) already exists.","statement":"insert into orders values (1, 'carol', 30);",)"
    R"("user":"app","database":"shop"},"trigger":{"rule":"level:ERROR"}})";

}  // namespace

TEST_CASE("chat_message: the facts of a log entry, in order, blank ones left out", "[chat]") {
  auto e = event(R"({"timestamp":"2024-01-15T10:23:45.123Z","instance":{"name":"pg16","host":"db1"},)"
                 R"("event":{"type":"log_entry","level":"FATAL","sqlstate":"53300","pid":12,"message":"a\nb",)"
                 R"("detail":"  ","hint":"h","statement":"select 1","user":"app","database":"shop"},)"
                 R"("trigger":{"rule":"level:FATAL"}})");
  ChatMessage m = chat_message(e->alert);
  std::vector<std::string> names;
  for (const ChatFact& f : m.facts) names.push_back(f.name);
  CHECK(names == std::vector<std::string>{"Instance", "Time", "Level", "SQLSTATE", "Database", "User", "PID", "HINT",
                                          "STATEMENT"});
  CHECK(m.facts[0].value == "pg16 (db1)");
  CHECK(m.facts[1].value == "2024-01-15 10:23:45.123 UTC");
  CHECK(m.facts.back().code);
  CHECK(m.facts.back().wide);
  CHECK_FALSE(m.facts[2].wide);
  CHECK(m.headline == "FATAL: a");
  CHECK(m.title == "FATAL 53300 on pg16 (db1)");
  CHECK(m.text == "a\nb");
  CHECK(m.more == "b");
  CHECK(m.footer == "pgtail \xC2\xB7 level:FATAL");
  CHECK(m.color == ChatColor::kDanger);
}

TEST_CASE("chat_message: rate and suppressed events read naturally", "[chat]") {
  auto r = event(
      R"({"timestamp":"2024-01-15T10:23:45.123Z","instance":{"name":"pg16","host":"db1"},)"
      R"("event":{"type":"rate_threshold","level":"ERROR","count":57,"threshold":50,"window_seconds":60,)"
      R"("key":{"database":"shop","sqlstate":"40P01"},"sample_message":"division by zero",)"
      R"j("message":"57 errors in the last 60 s (threshold 50/min)"},"trigger":{"rule":"rate:errors > 50/min"}})j");
  ChatMessage m = chat_message(r->alert);
  CHECK(m.headline == "57 errors in the last 60 s (threshold 50/min) on pg16 (db1)");
  CHECK(m.title == "Rate above threshold on pg16 (db1)");
  std::vector<std::string> facts;
  for (const ChatFact& f : m.facts) facts.push_back(f.name + "=" + f.value);
  CHECK(facts == std::vector<std::string>{"Instance=pg16 (db1)", "Time=2024-01-15 10:23:45.123 UTC", "Level=ERROR",
                                          "Count=57", "Threshold=50/min", "Window=1 min", "Database=shop",
                                          "SQLSTATE=40P01", "Sample message=division by zero"});
  CHECK(m.color == ChatColor::kDanger);

  auto s = event(suppressed_event("deadlock detected", 2));
  m = chat_message(s->alert);
  CHECK(m.title == "Events suppressed on PostgreSQL");
  CHECK(m.more == "3\xC3\x97 deadlock detected\n3\xC3\x97 deadlock detected");
  facts.clear();
  for (const ChatFact& f : m.facts) facts.push_back(f.name + "=" + f.value);
  CHECK(facts == std::vector<std::string>{"Instance=PostgreSQL", "Time=2024-01-15 10:23:45.123 UTC", "Count=37",
                                          "Period=5 min", "Levels=ERROR 30, FATAL 7"});
  CHECK(m.color == ChatColor::kGood);
}

TEST_CASE("display_text: control characters become visible, CR of CRLF dropped, bad bytes U+FFFD", "[chat]") {
  CHECK(display_text("plain é") == "plain é");
  CHECK(display_text("a\tb\nc") == "a\tb\nc");
  CHECK(display_text("x\r\ny\r") == "x\ny");
  CHECK(display_text("a\rb") ==
        "a\xE2\x90\x8D"
        "b");
  CHECK(display_text("\x1b[0m\x7f") == "\xE2\x90\x9B[0m\xE2\x90\xA1");
  CHECK(display_text(std::string("a\x00\xED\xB0\x80" "b", 6)) == "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");
}

TEST_CASE("break_fences: no two backticks stay side by side, nor at either end", "[chat]") {
  const std::string z = "\xE2\x80\x8B";
  CHECK(break_fences("select 1") == "select 1");
  CHECK(break_fences("a ``` b") == "a `" + z + "`" + z + "` b");
  CHECK(break_fences("`x`") == z + "`x`" + z);
  CHECK(break_fences("a`b") == "a`b");
}

TEST_CASE("fit_texts: own limits first, then the longest cut to one length", "[chat]") {
  FitText level{"ERROR"}, a{std::string(1000, 'a')}, b{std::string(300, 'b'), 200},
      code{std::string(500, 'c'), 10000, 6};
  fit_texts({&level, &a, &b, &code}, 1000, truncate_chars);
  CHECK(level.text == "ERROR");
  CHECK(count_chars(b.text) == 200);
  size_t total = count_chars(level.text) + count_chars(a.text) + count_chars(b.text) + count_chars(code.text) + 6;
  CHECK(total <= 1000);
  CHECK(total >= 990);
  CHECK(count_chars(a.text) == count_chars(code.text) + 6);  // one common length, fence counted
  CHECK(a.text.substr(0, 3) == "aaa");
  CHECK(a.text.substr(a.text.size() - 3) == "\xE2\x80\xA6");
}

TEST_CASE("slack: a real error, fields and colour", "[chat][slack]") {
  auto d = body(build_slack, kRealError);
  CHECK(str((*d)["text"]) == "ERROR: duplicate key value violates unique constraint \"orders_pkey\"");
  const auto& att = (*d)["attachments"][0];
  CHECK(str(att["color"]) == "danger");
  CHECK(att["ts"].GetInt64() == 1796317715);
  CHECK(str(att["fallback"]) ==
        "PostgreSQL ERROR on pg15 (vm): duplicate key value violates unique constraint "
        "\"orders_pkey\"");
  const rapidjson::Value* stmt = find_fact(att["fields"], "title", "STATEMENT");
  REQUIRE(stmt);
  CHECK(str((*stmt)["value"]) == "```insert into orders values (1, 'carol', 30);```");
  CHECK_FALSE((*stmt)["short"].GetBool());
  CHECK(str((*find_fact(att["fields"], "title", "Instance"))["value"]) == "pg15 (vm)");
  CHECK(str(att["mrkdwn_in"][0]) == "fields");
  CHECK_FALSE(d->HasMember("link_names"));
  CHECK_FALSE(d->HasMember("parse"));
}

TEST_CASE("slack: colours by severity; a raw line without time has no ts", "[chat][slack]") {
  auto level = [](const char* l) {
    return std::string(R"({"event":{"type":"log_entry","level":")") + l + R"(","message":"m"}})";
  };
  CHECK(str((*body(build_slack, level("PANIC")))["attachments"][0]["color"]) == "danger");
  CHECK(str((*body(build_slack, level("WARNING")))["attachments"][0]["color"]) == "warning");
  CHECK(str((*body(build_slack, level("LOG")))["attachments"][0]["color"]) == "good");
  CHECK(
      str((*body(build_slack,
                 R"({"event":{"type":"rate_resolved","level":"FATAL","message":"m"}})"))["attachments"][0]["color"]) ==
      "good");
  auto raw = body(build_slack, R"({"instance":{"host":"vm"},"event":{"type":"raw","message":"TRAP: x"}})");
  CHECK(str((*raw)["text"]) == "log line: TRAP: x");
  CHECK_FALSE((*raw)["attachments"][0].HasMember("ts"));
  CHECK(find_fact((*raw)["attachments"][0]["fields"], "title", "Time") == nullptr);
}

TEST_CASE("slack: hostile events within every limit, every < > & escaped, fences whole", "[chat][slack]") {
  for (const std::string& json : hostile_events()) {
    auto d = body(build_slack, json);
    check_clean_text(*d);
    each_string(*d, [](std::string_view s) {
      INFO(std::string(s.substr(0, 120)));
      CHECK_FALSE(has(s, "<"));
      CHECK_FALSE(has(s, ">"));
      for (size_t i = s.find('&'); i != std::string_view::npos; i = s.find('&', i + 1))
        CHECK((s.substr(i, 5) == "&amp;" || s.substr(i, 4) == "&lt;" || s.substr(i, 4) == "&gt;"));
    });
    const auto& att = (*d)["attachments"][0];
    size_t total = count_chars(str((*d)["text"])) + count_chars(str(att["fallback"])) + count_chars(str(att["footer"]));
    CHECK(count_chars(str((*d)["text"])) <= 4000);
    CHECK(count_chars(str(att["footer"])) <= 300);
    if (att.HasMember("text")) {
      CHECK(count_chars(str(att["text"])) <= 3000);
      total += count_chars(str(att["text"]));
    }
    for (const auto& f : att["fields"].GetArray()) {
      std::string v = str(f["value"]);
      CHECK(count_chars(v) <= 2000);
      total += count_chars(v) + count_chars(str(f["title"]));
      if (v.compare(0, 3, "```") == 0) {
        REQUIRE(v.size() >= 6);
        CHECK(v.compare(v.size() - 3, 3, "```") == 0);
        CHECK_FALSE(has(v.substr(3, v.size() - 6), "``"));
        CHECK_FALSE(has(v.substr(3, 1), "`"));
        CHECK_FALSE(has(v.substr(v.size() - 4, 1), "`"));
      }
    }
    CHECK(total <= 12000);
  }
}

TEST_CASE("discord: a real error, embed and allowed_mentions", "[chat][discord]") {
  auto d = body(build_discord, kRealError);
  CHECK(str((*d)["content"]) == "ERROR: duplicate key value violates unique constraint \"orders_pkey\"");
  const auto& e = (*d)["embeds"][0];
  CHECK(str(e["title"]) == "ERROR 23505 on pg15 (vm)");
  CHECK(e["color"].GetInt() == 0xA30200);
  CHECK(str(e["timestamp"]) == "2026-12-03T17:08:35.014Z");
  CHECK(str((*find_fact(e["fields"], "name", "STATEMENT"))["value"]) ==
        "```sql\ninsert into orders values (1, 'carol', 30);\n```");
  CHECK((*find_fact(e["fields"], "name", "SQLSTATE"))["inline"].GetBool());
  CHECK(str(e["footer"]["text"]) == "pgtail \xC2\xB7 level:ERROR");
  REQUIRE((*d)["allowed_mentions"]["parse"].IsArray());
  CHECK((*d)["allowed_mentions"]["parse"].Empty());
}

TEST_CASE("discord: mentions broken, Markdown escaped, code left alone", "[chat][discord]") {
  auto d = body(build_discord,
                R"({"event":{"type":"log_entry","level":"WARNING","message":"@everyone *x* _y_ a_b [t](u) <@1> ~~z~~",)"
                R"("statement":"select '@here', a*b"}})");
  const std::string z = "\xE2\x80\x8B";
  CHECK(str((*d)["content"]) == "WARNING: @" + z + "everyone \\*x\\* \\_y\\_ a_b [t]\\(u) \\<@1> \\~\\~z\\~\\~");
  CHECK((*d)["embeds"][0]["color"].GetInt() == 0xDAA038);
  CHECK(str((*find_fact((*d)["embeds"][0]["fields"], "name", "STATEMENT"))["value"]) ==
        "```sql\nselect '@" + z + "here', a*b\n```");
}

TEST_CASE("discord: hostile events within every limit, nobody pinged", "[chat][discord]") {
  for (const std::string& json : hostile_events()) {
    auto d = body(build_discord, json);
    check_clean_text(*d);
    each_string(*d, [](std::string_view s) {
      for (size_t i = s.find('@'); i != std::string_view::npos; i = s.find('@', i + 1)) {
        std::string next(s.substr(i + 1, 8));
        for (char& c : next) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        CHECK(next.compare(0, 8, "everyone") != 0);
        CHECK(next.compare(0, 4, "here") != 0);
      }
    });
    CHECK((*d)["allowed_mentions"]["parse"].Empty());
    CHECK(count_chars(str((*d)["content"])) <= 2000);
    const auto& e = (*d)["embeds"][0];
    size_t total = count_chars(str(e["title"])) + count_chars(str(e["footer"]["text"]));
    CHECK(count_chars(str(e["title"])) <= 256);
    CHECK(count_chars(str(e["footer"]["text"])) <= 2048);
    if (e.HasMember("description")) {
      CHECK(count_chars(str(e["description"])) <= 4096);
      total += count_chars(str(e["description"]));
    }
    CHECK(e["fields"].Size() <= 25);
    for (const auto& f : e["fields"].GetArray()) {
      CHECK(count_chars(str(f["name"])) <= 256);
      CHECK(count_chars(str(f["value"])) <= 1024);
      CHECK(str(f["value"]).find_first_not_of(" \n\t") != std::string::npos);
      total += count_chars(str(f["name"])) + count_chars(str(f["value"]));
    }
    CHECK(total <= 6000);
    // What matters most survives the cut: the level and the message's start.
    if (json == hostile_events()[0]) {
      CHECK(str((*d)["content"]).compare(0, 8, "ERROR: \\") == 0);
      CHECK(str(e["title"]) == "ERROR 22012 on pg16 (db1)");
    }
  }
}

TEST_CASE("discord: no more than 25 fields however many key fields", "[chat][discord]") {
  auto d = body(build_discord, rate_event("shop", 40));
  CHECK((*d)["embeds"][0]["fields"].Size() <= 25);
}

TEST_CASE("teams: an Adaptive Card 1.2 in the Workflows envelope", "[chat][teams]") {
  auto d = body(build_teams, kRealError);
  CHECK(str((*d)["type"]) == "message");
  const auto& att = (*d)["attachments"][0];
  CHECK(str(att["contentType"]) == "application/vnd.microsoft.card.adaptive");
  CHECK(att["contentUrl"].IsNull());
  const auto& card = att["content"];
  CHECK(str(card["type"]) == "AdaptiveCard");
  CHECK(str(card["version"]) == "1.2");
  const auto& b = card["body"];
  CHECK(str(b[0]["type"]) == "TextBlock");
  CHECK(str(b[0]["text"]) == "ERROR: duplicate key value violates unique constraint \"orders_pkey\"");
  CHECK(str(b[0]["color"]) == "Attention");
  CHECK(str(b[1]["type"]) == "FactSet");
  CHECK(str((*find_fact(b[1]["facts"], "title", "SQLSTATE"))["value"]) == "23505");
  CHECK(find_fact(b[1]["facts"], "title", "STATEMENT") == nullptr);  // in its own monospace block
  CHECK(str(b[2]["text"]) == "STATEMENT");
  CHECK(str(b[3]["text"]) == "insert into orders values (1, 'carol', 30);");
  CHECK(str(b[3]["fontType"]) == "Monospace");
}

TEST_CASE("teams --teams-legacy: a MessageCard with facts, Markdown off", "[chat][teams]") {
  FormatOptions o;
  o.teams_legacy = true;
  auto d = body(build_teams, kRealError, o);
  CHECK(str((*d)["@type"]) == "MessageCard");
  CHECK(str((*d)["@context"]) == "https://schema.org/extensions");
  CHECK(str((*d)["themeColor"]) == "A30200");
  CHECK(str((*d)["summary"]) ==
        "PostgreSQL ERROR on pg15 (vm): duplicate key value violates unique constraint "
        "\"orders_pkey\"");
  const auto& s = (*d)["sections"];
  CHECK(str((*find_fact(s[0]["facts"], "name", "Database"))["value"]) == "shop");
  CHECK_FALSE(s[0]["markdown"].GetBool());
  CHECK(str(s[1]["title"]) == "STATEMENT");
}

TEST_CASE("teams: hostile events stay under 20,000 bytes, links broken", "[chat][teams]") {
  for (bool legacy : {false, true}) {
    FormatOptions o;
    o.teams_legacy = legacy;
    for (const std::string& json : hostile_events()) {
      std::string text;
      auto d = body(build_teams, json, o, &text);
      INFO("legacy " << legacy << ", event " << json.substr(0, 60));
      CHECK(text.size() <= 20000);
      if (json == hostile_events()[0]) CHECK(text.size() >= 15000);  // cut to fit, not emptied
      check_clean_text(*d);
      each_string(*d, [](std::string_view s) { CHECK_FALSE(has(s, "](")); });
    }
  }
}

TEST_CASE("chat formats: the same event always gives the same bytes", "[chat]") {
  for (BuildFn f : {build_slack, build_discord, build_teams}) {
    std::string a, b;
    body(f, log_entry(hostile()), {}, &a);
    body(f, log_entry(hostile()), {}, &b);
    CHECK(a == b);
  }
}

TEST_CASE("teams: a newline is doubled in an Adaptive Card, which joins single ones; kept in a MessageCard",
          "[chat][teams]") {
  const std::string json = R"({"event":{"type":"log_entry","level":"ERROR","message":"m","detail":"a\nb"}})";
  auto d = body(build_teams, json);
  CHECK(str((*find_fact((*d)["attachments"][0]["content"]["body"][1]["facts"], "title", "DETAIL"))["value"]) ==
        "a\n\nb");
  FormatOptions o;
  o.teams_legacy = true;
  d = body(build_teams, json, o);
  CHECK(str((*find_fact((*d)["sections"][0]["facts"], "name", "DETAIL"))["value"]) == "a\nb");
}
