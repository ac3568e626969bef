// The incident, SIEM and template formats: pagerduty, opsgenie, splunk-hec,
// ecs, template. Every limit of PLATFORMS.md §3, §4 and §7 with hostile input.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "formats.hpp"
#include "template.hpp"

using namespace pgtail;

namespace {

const char* kFatal =
    R"j({"timestamp":"2024-01-15T10:23:45.123Z","instance":{"name":"pg16","host":"db1","port":5432,"version":"16"},)j"
    R"j("event":{"type":"log_entry","level":"FATAL","sqlstate":"53300","pid":12345,)j"
    R"j("message":"sorry, too many clients already","detail":"max 100","user":"app","database":"shop",)j"
    R"j("fingerprint":"0123456789abcdef"},"trigger":{"rule":"level:FATAL","webhook":"pd"}})j";

const char* kRate =
    R"j({"timestamp":"2024-01-15T10:24:00.000Z","instance":{"name":"pg16","host":"db1"},)j"
    R"j("event":{"type":"rate_threshold","level":"ERROR","count":57,"threshold":50,"window_seconds":60,)j"
    R"j("key":{"database":"shop"},"first_timestamp":"2024-01-15T10:23:01.000Z","last_timestamp":"2024-01-15T10:24:00.000Z",)j"
    R"j("sample_message":"division by zero","message":"57 errors for database shop in the last 60 s (threshold 50/min)",)j"
    R"j("fingerprint":"4fc064a51bf20bc8"},"trigger":{"rule":"rate:errors > 50/min","webhook":"pd"}})j";

const char* kResolved =
    R"j({"timestamp":"2024-01-15T10:30:00.000Z","instance":{"name":"pg16","host":"db1"},)j"
    R"j("event":{"type":"rate_resolved","level":"ERROR","count":3,"threshold":50,"window_seconds":60,)j"
    R"j("key":{"database":"shop"},"first_timestamp":"2024-01-15T10:23:01.000Z",)j"
    R"j("message":"errors back to 3 in the last 60 s (threshold 50/min)","fingerprint":"4fc064a51bf20bc8"},)j"
    R"j("trigger":{"rule":"rate:errors > 50/min","webhook":"pd"}})j";

const char* kSuppressed =
    R"j({"timestamp":"2024-01-15T10:35:00.000Z","instance":{"name":"pg16","host":"db1"},)j"
    R"j("event":{"type":"suppressed","count":37,"period_seconds":300,"levels":{"ERROR":30,"FATAL":7},)j"
    R"j("top_messages":[{"message":"division by zero","count":20},{"message":"deadlock detected","count":17}],)j"
    R"j("first_timestamp":"2024-01-15T10:30:00.000Z","last_timestamp":"2024-01-15T10:34:59.000Z",)j"
    R"j("message":"37 similar events suppressed in 5 min","fingerprint":"63ce08ae562486d8"},)j"
    R"j("trigger":{"rule":"throttle:10/min","webhook":"pd"}})j";

const char* kRaw = R"j({"instance":{"host":"db1"},"event":{"type":"raw","message":"pg_ctl: could not start server"}})j";

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return std::string(b.GetString(), b.GetSize());
}

/// `base` with event (or, for "instance.x", instance) string members set.
std::string with(const char* base, const std::vector<std::pair<std::string, std::string>>& set) {
  rapidjson::Document d;
  d.Parse(base);
  auto& a = d.GetAllocator();
  for (const auto& [path, value] : set) {
    bool inst = path.rfind("instance.", 0) == 0;
    rapidjson::Value& obj = d[inst ? "instance" : "event"];
    std::string name = inst ? path.substr(9) : path;
    rapidjson::Value v(value.c_str(), static_cast<rapidjson::SizeType>(value.size()), a);
    if (obj.HasMember(name.c_str()))
      obj[name.c_str()] = v;
    else
      obj.AddMember(rapidjson::Value(name.c_str(), a), v, a);
  }
  return to_json(d);
}

FormatOptions pd_options() {
  FormatOptions o;
  o.routing_key = "R0123456789abcdef0123456789abcde";
  return o;
}

/// One format applied to one line; the body parsed back.
struct Built {
  bool ok = false;
  std::string err;
  Payload payload;
  rapidjson::Document body;
};

Built build(BuildFn fn, const std::string& line, const FormatOptions& o = pd_options(), AlertOptions ao = {}) {
  rapidjson::Document in;
  in.Parse(line.data(), line.size());
  REQUIRE_FALSE(in.HasParseError());
  Alert a;
  std::string err;
  REQUIRE(read_alert(in, ao, &a, &err));
  Built b;
  b.ok = fn(a, o, &b.payload, &b.err);
  if (b.ok && b.payload.content_type.empty()) {
    b.body.Parse(b.payload.body.data(), b.payload.body.size());
    INFO(b.payload.body.substr(0, 300));
    REQUIRE_FALSE(b.body.HasParseError());
  }
  return b;
}

std::string str(const rapidjson::Value& v) { return std::string(v.GetString(), v.GetStringLength()); }

std::string big(size_t n, const std::string& unit = "x") {
  std::string s;
  while (s.size() < n) s += unit;
  return s;
}

/// Hostile events for the properties every format keeps.
std::vector<std::string> hostile_lines() {
  std::string ctl;
  for (int c = 1; c < 32; ++c) ctl += static_cast<char>(c);
  return {
      with(kFatal, {{"message", big(100 * 1024, "é<!channel> @everyone *bold* ")}}),
      with(kFatal, {{"message", ctl + "\"\\" + ctl}, {"detail", big(100 * 1024, "\n")}}),
      with(kFatal, {{"instance.name", big(5000, "名")}, {"instance.host", big(3000, "h")}, {"database", big(900, "d")}}),
      with(kFatal, {{"sqlstate", big(2000, "5")}, {"fingerprint", big(600, "f")}, {"statement", big(600 * 1024, "s")}}),
      with(kRate, {{"sample_message", big(50 * 1024, "🐘")}}),
      with(kSuppressed, {{"message", big(100 * 1024, "@here ")}}),
      with(kRaw, {{"message", big(100 * 1024, "`")}}),
  };
}

}  // namespace

// ---------------------------------------------------------------- pagerduty

TEST_CASE("pagerduty: a trigger with every field of the Events API v2", "[format][pagerduty]") {
  Built b = build(build_pagerduty, kFatal);
  REQUIRE(b.ok);
  const rapidjson::Value& body = b.body;
  CHECK(str(body["routing_key"]) == "R0123456789abcdef0123456789abcde");
  CHECK(str(body["event_action"]) == "trigger");
  CHECK(str(body["dedup_key"]) == "0123456789abcdef");
  const rapidjson::Value& p = body["payload"];
  CHECK(str(p["summary"]) == "PostgreSQL FATAL on pg16 (db1): sorry, too many clients already");
  CHECK(str(p["source"]) == "db1");
  CHECK(str(p["severity"]) == "critical");
  CHECK(str(p["timestamp"]) == "2024-01-15T10:23:45.123Z");
  CHECK(str(p["component"]) == "postgresql");
  CHECK(str(p["group"]) == "shop");
  CHECK(str(p["class"]) == "53300");
  const rapidjson::Value& d = p["custom_details"];
  for (const char* f : {"type", "level", "sqlstate", "pid", "message", "detail", "user", "database", "fingerprint"})
    CHECK(d.HasMember(f));
  CHECK(d["pid"].GetInt() == 12345);
  CHECK(str(d["instance"]["host"]) == "db1");
  CHECK(str(d["trigger"]["rule"]) == "level:FATAL");
  CHECK(b.payload.content_type.empty());
}

TEST_CASE("pagerduty: severity by level, overridable per level", "[format][pagerduty]") {
  auto sev = [](const char* level, FormatOptions o = pd_options()) {
    Built b = build(build_pagerduty, with(kFatal, {{"level", level}}), o);
    REQUIRE(b.ok);
    return str(b.body["payload"]["severity"]);
  };
  CHECK(sev("PANIC") == "critical");
  CHECK(sev("FATAL") == "critical");
  CHECK(sev("ERROR") == "error");
  CHECK(sev("WARNING") == "warning");
  CHECK(sev("LOG") == "info");
  CHECK(sev("NOTICE") == "info");
  FormatOptions o = pd_options();
  o.severity["warning"] = "error";  // levels compare without case
  o.severity["FATAL"] = "warning";
  CHECK(sev("WARNING", o) == "error");
  CHECK(sev("FATAL", o) == "warning");
  CHECK(sev("PANIC", o) == "critical");

  o.severity["ERROR"] = "disaster";
  Built bad = build(build_pagerduty, with(kFatal, {{"level", "ERROR"}}), o);
  CHECK_FALSE(bad.ok);
  CHECK(bad.err == "pagerduty: severity 'disaster' for ERROR is not critical, error, warning or info");
}

TEST_CASE("pagerduty: a rate_resolved resolves its rate_threshold's incident", "[format][pagerduty]") {
  Built fired = build(build_pagerduty, kRate);
  Built resolved = build(build_pagerduty, kResolved);
  REQUIRE(fired.ok);
  REQUIRE(resolved.ok);
  CHECK(str(fired.body["event_action"]) == "trigger");
  CHECK(str(fired.body["payload"]["severity"]) == "error");
  CHECK(str(fired.body["payload"]["group"]) == "shop");  // from the rate key
  CHECK(str(fired.body["payload"]["class"]) == "rate_threshold");
  CHECK(str(resolved.body["event_action"]) == "resolve");
  CHECK(str(resolved.body["dedup_key"]) == str(fired.body["dedup_key"]));
  CHECK_FALSE(resolved.body.HasMember("payload"));
}

TEST_CASE("pagerduty: suppressed summaries and raw lines are info triggers", "[format][pagerduty]") {
  FormatOptions o = pd_options();
  o.severity["ERROR"] = "critical";
  Built s = build(build_pagerduty, kSuppressed, o);
  REQUIRE(s.ok);
  CHECK(str(s.body["event_action"]) == "trigger");
  CHECK(str(s.body["payload"]["severity"]) == "info");
  CHECK(str(s.body["payload"]["summary"]) == "PostgreSQL on pg16 (db1): 37 similar events suppressed in 5 min");
  CHECK(s.body["payload"]["custom_details"]["levels"]["FATAL"].GetInt() == 7);
  Built r = build(build_pagerduty, kRaw);
  REQUIRE(r.ok);
  CHECK(str(r.body["payload"]["severity"]) == "info");
  CHECK(str(r.body["payload"]["source"]) == "db1");
  CHECK_FALSE(r.body["payload"].HasMember("timestamp"));
  CHECK_FALSE(r.body["payload"].HasMember("class"));
}

TEST_CASE("pagerduty: source falls back to the instance name people read", "[format][pagerduty]") {
  const char* line = R"j({"instance":{"name":"shop"},"event":{"type":"log_entry","level":"ERROR","message":"x"}})j";
  Built b = build(build_pagerduty, line);
  REQUIRE(b.ok);
  CHECK(str(b.body["payload"]["source"]) == "shop");
  AlertOptions ao;
  ao.instance_name = "shop-primary";
  Built named = build(build_pagerduty, line, pd_options(), ao);
  CHECK(str(named.body["payload"]["source"]) == "shop-primary");
  CHECK(str(named.body["payload"]["summary"]) == "PostgreSQL ERROR on shop-primary: x");
  // Computed as pg-match would when the line has none.
  CHECK(str(b.body["dedup_key"]).size() == 16);
}

TEST_CASE("pagerduty: no routing key, no body", "[format][pagerduty]") {
  Built b = build(build_pagerduty, kFatal, FormatOptions());
  CHECK_FALSE(b.ok);
  CHECK(b.err == "pagerduty: no routing_key (the Events API v2 integration key)");
}

TEST_CASE("pagerduty: summary within 1024 characters, the useful part kept", "[format][pagerduty]") {
  Built b = build(build_pagerduty, with(kFatal, {{"message", big(100 * 1024, "ü")}}));
  REQUIRE(b.ok);
  std::string s = str(b.body["payload"]["summary"]);
  CHECK(count_chars(s) == 1024);
  CHECK(s.rfind("PostgreSQL FATAL on pg16 (db1): üüü", 0) == 0);
  CHECK(s.substr(s.size() - 3) == "\xE2\x80\xA6");

  Built longname = build(build_pagerduty, with(kFatal, {{"instance.name", big(3000, "n")}}));
  std::string s2 = str(longname.body["payload"]["summary"]);
  CHECK(count_chars(s2) <= 1024);
  CHECK(s2.find(": sorry, too many clients already") != std::string::npos);
}

TEST_CASE("pagerduty: dedup_key within 255, a long fingerprint hashed, not cut", "[format][pagerduty]") {
  Built a = build(build_pagerduty, with(kFatal, {{"fingerprint", big(300, "a") + "1"}}));
  Built b = build(build_pagerduty, with(kFatal, {{"fingerprint", big(300, "a") + "2"}}));
  Built a2 = build(build_pagerduty, with(kFatal, {{"fingerprint", big(300, "a") + "1"}}));
  std::string ka = str(a.body["dedup_key"]), kb = str(b.body["dedup_key"]);
  CHECK(ka.size() <= 255);
  CHECK(ka != kb);
  CHECK(ka == str(a2.body["dedup_key"]));
  Built exact = build(build_pagerduty, with(kFatal, {{"fingerprint", big(255, "k")}}));
  CHECK(str(exact.body["dedup_key"]) == big(255, "k"));
}

TEST_CASE("pagerduty: bodies stay within 512,000 bytes", "[format][pagerduty]") {
  SECTION("one huge field: strings cut to 1000 characters") {
    Built b = build(build_pagerduty, with(kFatal, {{"statement", big(600 * 1024, "s")}}));
    REQUIRE(b.ok);
    CHECK(b.payload.body.size() <= 512000);
    const rapidjson::Value& d = b.body["payload"]["custom_details"];
    CHECK(count_chars(str(d["statement"])) == 1000);
    CHECK(str(d["message"]) == "sorry, too many clients already");
    CHECK(str(d["truncated_details"]).find("512,000-byte limit") != std::string::npos);
  }
  SECTION("just under the limit: kept whole") {
    Built b = build(build_pagerduty, with(kFatal, {{"statement", big(500000, "s")}}));
    REQUIRE(b.ok);
    CHECK(b.payload.body.size() <= 512000);
    CHECK(str(b.body["payload"]["custom_details"]["statement"]).size() == 500000);
  }
  SECTION("escapes count: 100,000 control characters are 600,000 bytes") {
    Built b = build(build_pagerduty, with(kFatal, {{"detail", big(100000, "\x01")}}));
    REQUIRE(b.ok);
    CHECK(b.payload.body.size() <= 512000);
    CHECK(count_chars(str(b.body["payload"]["custom_details"]["detail"])) == 1000);
  }
  SECTION("huge custom_details of many fields: removed, the alert kept") {
    std::vector<std::pair<std::string, std::string>> fields;
    for (int i = 0; i < 1000; ++i) fields.emplace_back("field_" + std::to_string(i), big(1000, "\x02"));
    Built b = build(build_pagerduty, with(kFatal, fields));
    REQUIRE(b.ok);
    CHECK(b.payload.body.size() <= 512000);
    const rapidjson::Value& d = b.body["payload"]["custom_details"];
    CHECK_FALSE(d.HasMember("field_1"));
    CHECK(str(d["truncated_details"]).rfind("removed", 0) == 0);
    CHECK(str(d["fingerprint"]) == "0123456789abcdef");
    CHECK(str(b.body["payload"]["summary"]) == "PostgreSQL FATAL on pg16 (db1): sorry, too many clients already");
  }
}

TEST_CASE("pagerduty: hostile host, database and SQLSTATE stay bounded", "[format][pagerduty]") {
  Built b = build(build_pagerduty, with(kFatal, {{"instance.host", big(100000, "h")}, {"database", big(100000, "d")},
                                                 {"sqlstate", big(100000, "5")}}));
  REQUIRE(b.ok);
  CHECK(count_chars(str(b.body["payload"]["source"])) == 255);
  CHECK(count_chars(str(b.body["payload"]["group"])) == 255);
  CHECK(count_chars(str(b.body["payload"]["class"])) == 255);
}

// ---------------------------------------------------------------- opsgenie

TEST_CASE("opsgenie: a create-alert body", "[format][opsgenie]") {
  Built b = build(build_opsgenie, kFatal);
  REQUIRE(b.ok);
  const rapidjson::Value& o = b.body;
  CHECK(str(o["message"]) == "PostgreSQL FATAL on pg16 (db1): sorry, too many clients already");
  CHECK(str(o["alias"]) == "0123456789abcdef");
  CHECK(str(o["priority"]) == "P1");
  CHECK(str(o["entity"]) == "pg16 (db1)");
  CHECK(str(o["source"]) == "db1");
  CHECK(str(o["description"]) ==
        "sorry, too many clients already\nDETAIL: max 100\n\nInstance: pg16 (db1)\nTime: 2024-01-15T10:23:45.123Z\n"
        "Rule: level:FATAL\nFingerprint: 0123456789abcdef");
  std::vector<std::string> tags;
  for (const auto& t : o["tags"].GetArray()) tags.push_back(str(t));
  CHECK(tags == std::vector<std::string>{"postgresql", "level:FATAL", "sqlstate:53300", "database:shop", "host:db1"});
  const rapidjson::Value& d = o["details"];
  for (auto m = d.MemberBegin(); m != d.MemberEnd(); ++m) CHECK(m->value.IsString());
  CHECK(str(d["instance"]) == "pg16 (db1)");
  CHECK(str(d["level"]) == "FATAL");
  CHECK(str(d["pid"]) == "12345");
  CHECK(str(d["instance_port"]) == "5432");
  CHECK(str(d["rule"]) == "level:FATAL");
}

TEST_CASE("opsgenie: priority by level, overridable per level", "[format][opsgenie]") {
  auto prio = [](const char* line, FormatOptions o = FormatOptions()) {
    Built b = build(build_opsgenie, line, o);
    REQUIRE(b.ok);
    return str(b.body["priority"]);
  };
  CHECK(prio(with(kFatal, {{"level", "PANIC"}}).c_str()) == "P1");
  CHECK(prio(with(kFatal, {{"level", "ERROR"}}).c_str()) == "P2");
  CHECK(prio(with(kFatal, {{"level", "WARNING"}}).c_str()) == "P3");
  CHECK(prio(with(kFatal, {{"level", "LOG"}}).c_str()) == "P5");
  CHECK(prio(kRate) == "P2");
  CHECK(prio(kResolved) == "P5");
  CHECK(prio(kSuppressed) == "P5");
  FormatOptions o;
  o.priority["ERROR"] = "P4";
  CHECK(prio(with(kFatal, {{"level", "ERROR"}}).c_str(), o) == "P4");
  CHECK(prio(kResolved, o) == "P5");
  o.priority["ERROR"] = "P9";
  Built bad = build(build_opsgenie, with(kFatal, {{"level", "ERROR"}}), o);
  CHECK_FALSE(bad.ok);
  CHECK(bad.err == "opsgenie: priority 'P9' for ERROR is not P1 to P5");
}

TEST_CASE("opsgenie: a resolution is its own alert, not a repeat of the open one", "[format][opsgenie]") {
  Built fired = build(build_opsgenie, kRate);
  Built resolved = build(build_opsgenie, kResolved);
  CHECK(str(fired.body["alias"]) == "4fc064a51bf20bc8");
  CHECK(str(resolved.body["alias"]) == "4fc064a51bf20bc8-resolved");
  CHECK(str(resolved.body["message"]) ==
        "PostgreSQL on pg16 (db1): resolved: errors back to 3 in the last 60 s (threshold 50/min)");
  Built s = build(build_opsgenie, kSuppressed);
  CHECK(str(s.body["description"]).find("\n20 × division by zero\n17 × deadlock detected\n") != std::string::npos);
}

TEST_CASE("opsgenie: message within 130 characters, the useful part kept", "[format][opsgenie]") {
  Built b = build(build_opsgenie, with(kFatal, {{"message", big(100 * 1024, "€")}}));
  std::string m = str(b.body["message"]);
  CHECK(count_chars(m) == 130);
  CHECK(m.rfind("PostgreSQL FATAL on pg16 (db1): €€", 0) == 0);
  Built n = build(build_opsgenie, with(kFatal, {{"instance.name", big(300, "n")}}));
  std::string m2 = str(n.body["message"]);
  CHECK(count_chars(m2) <= 130);
  CHECK(m2.rfind("PostgreSQL FATAL on nnn", 0) == 0);
  CHECK(m2.find("…: sorry, too many clients") != std::string::npos);
}

TEST_CASE("opsgenie: every limit with hostile input", "[format][opsgenie]") {
  Built b = build(build_opsgenie, with(kFatal, {{"message", big(100 * 1024, "ß")},
                                                {"detail", big(100 * 1024, "d")},
                                                {"statement", big(100 * 1024, "\x03")},
                                                {"instance.name", big(2000, "名")},
                                                {"instance.host", big(2000, "h")},
                                                {"database", big(2000, "b")},
                                                {"fingerprint", big(300, "f")}}));
  REQUIRE(b.ok);
  const rapidjson::Value& o = b.body;
  CHECK(count_chars(str(o["message"])) <= 130);
  CHECK(str(o["alias"]).size() <= 250);
  CHECK(str(o["alias"]).size() == 16);  // hashed, not cut
  std::string desc = str(o["description"]);
  CHECK(count_chars(desc) <= 15000);
  CHECK(desc.find("\n\nInstance: 名名") != std::string::npos);  // the facts survive the cut
  CHECK(desc.find("\nFingerprint: ") != std::string::npos);
  CHECK(count_chars(str(o["entity"])) <= 512);
  CHECK(count_chars(str(o["source"])) <= 100);
  REQUIRE(o["tags"].Size() <= 20);
  for (const auto& t : o["tags"].GetArray()) CHECK(count_chars(str(t)) <= 50);
  size_t total = 0;
  for (auto m = o["details"].MemberBegin(); m != o["details"].MemberEnd(); ++m) {
    REQUIRE(m->value.IsString());
    total += count_chars(str(m->name)) + count_chars(str(m->value));
  }
  CHECK(total <= 8000);
  CHECK(o["details"].HasMember("level"));
  CHECK(o["details"].HasMember("sqlstate"));
}

TEST_CASE("opsgenie: details of many fields stop at 8,000 characters", "[format][opsgenie]") {
  std::vector<std::pair<std::string, std::string>> fields;
  for (int i = 0; i < 200; ++i) fields.emplace_back("f" + std::to_string(i), big(300, "v"));
  Built b = build(build_opsgenie, with(kFatal, fields));
  size_t total = 0;
  for (auto m = b.body["details"].MemberBegin(); m != b.body["details"].MemberEnd(); ++m)
    total += count_chars(str(m->name)) + count_chars(str(m->value));
  CHECK(total <= 8000);
  CHECK(total > 7700);
  CHECK(str(b.body["details"]["instance"]) == "pg16 (db1)");
}

// ---------------------------------------------------------------- splunk-hec

TEST_CASE("splunk-hec: time in epoch seconds with milliseconds", "[format][splunk-hec]") {
  Built b = build(build_splunk_hec, kFatal);
  REQUIRE(b.ok);
  CHECK(b.payload.body.rfind(R"j({"time":1705314225.123,"host":"db1","source":"pgtail","sourcetype":"postgresql:alert",)j", 0) ==
        0);
  CHECK(b.body["time"].GetDouble() < 1e10);  // seconds, not milliseconds
  Built whole = build(build_splunk_hec, kRate);
  CHECK(whole.payload.body.find(R"j("time":1705314240.000,)j") != std::string::npos);
  Built old = build(build_splunk_hec, with(kFatal, {}).replace(14, 4, "1969"));
  CHECK(old.payload.body.find(R"j("time":-30288974.877,)j") != std::string::npos);
  Built raw = build(build_splunk_hec, kRaw);
  CHECK_FALSE(raw.body.HasMember("time"));  // HEC uses the time it receives it
}

TEST_CASE("splunk-hec: the triggered event and indexed fields", "[format][splunk-hec]") {
  Built b = build(build_splunk_hec, kFatal);
  rapidjson::Document in;
  in.Parse(kFatal);
  CHECK(to_json(b.body["event"]) == to_json(in));
  CHECK(to_json(b.body["fields"]) ==
        R"j({"instance":"pg16 (db1)","type":"log_entry","level":"FATAL","sqlstate":"53300","database":"shop","webhook":"pd"})j");
  Built r = build(build_splunk_hec, R"j({"event":{"type":"raw","message":"x"}})j");
  CHECK(str(r.body["host"]) == "PostgreSQL");
  CHECK(str(r.body["event"]["event"]["fingerprint"]).size() == 16);  // added when absent
}

// ---------------------------------------------------------------- ecs

TEST_CASE("ecs: an Elastic Common Schema document of nested objects", "[format][ecs]") {
  Built b = build(build_ecs, kFatal);
  REQUIRE(b.ok);
  const rapidjson::Value& e = b.body;
  CHECK(str(e["@timestamp"]) == "2024-01-15T10:23:45.123Z");
  CHECK(str(e["message"]) == "sorry, too many clients already");
  CHECK(str(e["log"]["level"]) == "FATAL");
  CHECK(str(e["event"]["kind"]) == "alert");
  CHECK(str(e["event"]["code"]) == "53300");
  CHECK(e["event"]["severity"].GetInt() == 3);
  CHECK(str(e["event"]["dataset"]) == "postgresql.log");
  CHECK(str(e["event"]["type"][0]) == "error");
  CHECK(e["process"]["pid"].GetInt() == 12345);
  CHECK(str(e["host"]["name"]) == "db1");
  CHECK(str(e["service"]["type"]) == "postgresql");
  CHECK(str(e["service"]["name"]) == "pg16 (db1)");
  CHECK(str(e["service"]["version"]) == "16");
  CHECK(str(e["user"]["name"]) == "app");
  CHECK(to_json(e["labels"]) ==
        R"j({"database":"shop","webhook":"pd","rule":"level:FATAL","fingerprint":"0123456789abcdef"})j");
  CHECK(str(e["error"]["code"]) == "53300");
  CHECK(str(e["error"]["message"]) == "sorry, too many clients already");
  CHECK(str(e["ecs"]["version"]) == "8.11.0");
  CHECK(str(e["pgtail"]["event"]["detail"]) == "max 100");
  // Nested objects only: no dotted key anywhere but inside pgtail's copy.
  std::function<void(const rapidjson::Value&)> no_dots = [&](const rapidjson::Value& v) {
    if (!v.IsObject()) return;
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      CHECK(str(m->name).find('.') == std::string::npos);
      if (str(m->name) != "pgtail") no_dots(m->value);
    }
  };
  no_dots(e);
}

TEST_CASE("ecs: the client's address, not a Unix socket's [local]", "[format][ecs]") {
  Built tcp = build(build_ecs, with(kFatal, {{"remote_host", "10.0.0.5"}}).replace(std::string(kFatal).find(R"j("user")j"), 0,
                                                                                     R"j("remote_port":51234,)j"));
  CHECK(to_json(tcp.body["client"]) == R"j({"address":"10.0.0.5","port":51234})j");
  Built local = build(build_ecs, with(kFatal, {{"remote_host", "[local]"}}));
  CHECK_FALSE(local.body.HasMember("client"));
}

TEST_CASE("ecs: severities by PostgreSQL's syslog mapping, errors only for errors", "[format][ecs]") {
  auto sev = [](const std::string& line) {
    Built b = build(build_ecs, line);
    return b.body["event"].HasMember("severity") ? b.body["event"]["severity"].GetInt() : -1;
  };
  CHECK(sev(with(kFatal, {{"level", "PANIC"}})) == 2);
  CHECK(sev(with(kFatal, {{"level", "ERROR"}})) == 4);
  CHECK(sev(with(kFatal, {{"level", "WARNING"}})) == 5);
  CHECK(sev(with(kFatal, {{"level", "LOG"}})) == 6);
  CHECK(sev(with(kFatal, {{"level", "DEBUG1"}})) == 7);
  CHECK(sev(kRate) == 4);
  CHECK(sev(kResolved) == 6);
  CHECK(sev(kSuppressed) == 6);
  CHECK(sev(kRaw) == -1);
  Built log = build(build_ecs, with(kFatal, {{"level", "LOG"}}));
  CHECK_FALSE(log.body.HasMember("error"));
  CHECK(str(log.body["event"]["type"][0]) == "info");
  Built rate = build(build_ecs, kRate);
  CHECK(str(rate.body["event"]["start"]) == "2024-01-15T10:23:01.000Z");
  CHECK(str(rate.body["event"]["end"]) == "2024-01-15T10:24:00.000Z");
  CHECK(str(rate.body["event"]["action"]) == "rate_threshold");
  CHECK_FALSE(rate.body.HasMember("error"));
}

// ---------------------------------------------------------------- every format

TEST_CASE("hostile events: every body is JSON within its platform's limits", "[format]") {
  for (const std::string& line : hostile_lines()) {
    INFO(line.substr(0, 200));
    Built pd = build(build_pagerduty, line);
    REQUIRE(pd.ok);
    CHECK(pd.payload.body.size() <= 512000);
    CHECK(str(pd.body["dedup_key"]).size() <= 255);
    if (pd.body.HasMember("payload")) CHECK(count_chars(str(pd.body["payload"]["summary"])) <= 1024);
    Built og = build(build_opsgenie, line);
    REQUIRE(og.ok);
    CHECK(count_chars(str(og.body["message"])) <= 130);
    CHECK(str(og.body["alias"]).size() <= 250);
    CHECK(count_chars(str(og.body["description"])) <= 15000);
    CHECK(count_chars(str(og.body["entity"])) <= 512);
    CHECK(count_chars(str(og.body["source"])) <= 100);
    CHECK(og.body["tags"].Size() <= 20);
    for (const auto& t : og.body["tags"].GetArray()) CHECK(count_chars(str(t)) <= 50);
    size_t total = 0;
    for (auto m = og.body["details"].MemberBegin(); m != og.body["details"].MemberEnd(); ++m)
      total += count_chars(str(m->name)) + count_chars(str(m->value));
    CHECK(total <= 8000);
    CHECK(build(build_splunk_hec, line).ok);
    CHECK(build(build_ecs, line).ok);
    FormatOptions t;
    t.template_json = true;
    t.template_text = R"j({"m":"{{event.message}}","d":"{{event.detail}}","s":"{{summary}}","i":"{{instance}}"})j";
    CHECK(build(build_template, line, t).ok);
  }
}

// ---------------------------------------------------------------- template

TEST_CASE("template: placeholders filled in as text", "[format][template]") {
  FormatOptions o;
  o.template_text =
      "{{event.level}} {{ event.message }} on {{instance_display}} v{{instance.version}} at {{timestamp}} "
      "[{{trigger.webhook}}/{{trigger.rule}}] {{event.pid}} {{headline}} | {{summary}} |{{event.hint}}|";
  Built b = build(build_template, kFatal, o);
  REQUIRE(b.ok);
  CHECK(b.payload.content_type == "text/plain; charset=utf-8");
  CHECK(b.payload.body ==
        "FATAL sorry, too many clients already on pg16 (db1) v16 at 2024-01-15T10:23:45.123Z [pd/level:FATAL] 12345 "
        "FATAL: sorry, too many clients already | PostgreSQL FATAL on pg16 (db1): sorry, too many clients already ||");
}

TEST_CASE("template: paths into pg-match's own events", "[format][template]") {
  FormatOptions o;
  o.template_text = "{{event.key.database}} {{event.levels.ERROR}} {{event.top_messages.1.message}}"
                    "={{event.top_messages.1.count}} [{{event.top_messages.7.message}}] {{event.window_seconds}} "
                    "{{event.key}} {{event.fingerprint}}";
  CHECK(build(build_template, kSuppressed, o).payload.body ==
        " 30 deadlock detected=17 []   63ce08ae562486d8");
  CHECK(build(build_template, kRate, o).payload.body ==
        R"j(shop  = [] 60 {"database":"shop"} 4fc064a51bf20bc8)j");
  o.template_text = "{{event.window_seconds}}";
  CHECK(build(build_template, with(kRate, {}).replace(std::string(kRate).find("60,"), 2, "0.5"), o).payload.body == "0.5");
  o.template_text = "{{event.fingerprint}}";  // computed when the line has none
  CHECK(build(build_template, kRaw, o).payload.body.size() == 16);
}

TEST_CASE("template: a JSON document with JSON-escaped values", "[format][template]") {
  FormatOptions o;
  o.template_json = true;
  o.template_text = "{\n  \"text\": \"{{headline}}\",\n  \"msg\": \"<{{event.message}}>\",\n  \"n\": 1.5e3\n}\n";
  std::string hostile = "quote \" backslash \\ newline \n tab \t ctl \x01 é 🐘 </script>";
  Built b = build(build_template, with(kFatal, {{"message", hostile}}), o);
  REQUIRE(b.ok);
  CHECK(b.payload.content_type.empty());
  CHECK(b.payload.body.find('\n') == std::string::npos);  // one line in the delivery stream
  CHECK(str(b.body["msg"]) == "<" + hostile + ">");
  CHECK(b.body["n"].GetDouble() == 1500);
  o.template_text = R"j({"i":"{{instance}}"})j";
  Built i = build(build_template, kFatal, o);
  CHECK(str(i.body["i"]) == R"j({"name":"pg16","host":"db1","port":5432,"version":"16"})j");
}

TEST_CASE("template: a filled-in JSON template that is not JSON is an error", "[format][template]") {
  FormatOptions o;
  o.template_json = true;
  o.template_text = R"j({"pid": {{event.pid}}})j";
  CHECK(build(build_template, kFatal, o).ok);  // a number there happens to be JSON
  Built b = build(build_template, kRaw, o);    // but not when the event has none
  CHECK_FALSE(b.ok);
  CHECK(b.err == "the filled-in template is not JSON (at byte 9): Invalid value");
}

TEST_CASE("template: unknown placeholders are errors, with a suggestion", "[format][template]") {
  FormatOptions o;
  o.template_text = "ok {{event.level}}\n  {{event.levle}}";
  Built b = build(build_template, kFatal, o);
  CHECK_FALSE(b.ok);
  CHECK(b.err == "template line 2, column 3: unknown placeholder {{event.levle}} (did you mean 'event.level'?)");
  std::string err;
  CHECK_FALSE(check_template(o.template_text, &err));
  CHECK(err == b.err);

  auto check = [](const std::string& t) {
    std::string e;
    return check_template(t, &e) ? std::string("ok") : e;
  };
  CHECK(check("{{instance.hots}}") ==
        "template line 1, column 1: unknown placeholder {{instance.hots}} (did you mean 'instance.host'?)");
  CHECK(check("é {{}}") == "template line 1, column 3: unknown placeholder {{}}");
  CHECK(check("{{event.level") == "template line 1, column 1: \"{{\" without its \"}}\"");
  CHECK(check("{{event.key.nope}}") == "template line 1, column 1: unknown placeholder {{event.key.nope}}");
  CHECK(check("{{event.top_messages.x}}") ==
        "template line 1, column 1: unknown placeholder {{event.top_messages.x}} (did you mean "
        "'event.top_messages'?)");
  CHECK(check("{{event.message.x}}") ==
        "template line 1, column 1: unknown placeholder {{event.message.x}} (did you mean 'event.message'?)");
  CHECK(check("{{Event.level}}").find("did you mean 'event.level'") != std::string::npos);
  CHECK(check(std::string("bad \xff byte")) == "the template is not valid UTF-8 (or holds a NUL byte)");
  for (const char* good :
       {"", "no placeholders", "{{timestamp}}{{headline}}{{summary}}{{instance_display}}", "{{event}} {{instance}}",
        "{{trigger}} {{trigger.explain}} {{instance.data_dir}} {{instance.id}}", "{{event.levels.fatal}}",
        "{{event.key.user}}", "{{event.top_messages.0}}", "{{event.top_messages.12.count}}", "{{event.session_start}}",
        "{{event.sample_message}} {{event.period_seconds}} {{event.truncated}} {{event.leader_pid}}", "} }} {"})
    CHECK(check(good) == "ok");
}

TEST_CASE("template: a JSON template is checked where it is loaded", "[format][template]") {
  auto check = [](const std::string& t) {
    std::string e;
    return check_template(t, &e, true) ? std::string("ok") : e;
  };
  CHECK(check(R"j({"text": "{{event.level}}: {{event.message}}", "n": 1, "a": ["{{instance.host}}"]})j") == "ok");
  CHECK(check(R"j({"{{event.level}}": true})j") == "ok");
  CHECK(check("{\n  \"pid\": {{event.pid}}\n}") ==
        "template line 2, column 10: not JSON once its placeholders are filled in: Invalid value (with "
        "--template-json a placeholder inserts the contents of a string: write \"{{event.count}}\", in quotes)");
  CHECK(check("{\n  \"a\": \"{{event.level}}\"\n  \"b\": 1\n}") ==
        "template line 3, column 3: not JSON once its placeholders are filled in: Missing a comma or '}' after an "
        "object member");
  CHECK(check("plain text {{event.level}}").rfind("template line 1, column 1: not JSON", 0) == 0);
  CHECK(check(R"j({"a": "\{{event.level}}"})j").rfind("template line 1, column 8: not JSON", 0) == 0);
  // The names come first.
  CHECK(check(R"j({"a": "{{event.nope}}"})j") ==
        "template line 1, column 8: unknown placeholder {{event.nope}} (did you mean 'event.type'?)");
}

TEST_CASE("template: 100 KB values go through whole", "[format][template]") {
  FormatOptions o;
  o.template_text = "[{{event.message}}]";
  std::string msg = big(100 * 1024, "名");
  Built b = build(build_template, with(kFatal, {{"message", msg}}), o);
  REQUIRE(b.ok);
  CHECK(b.payload.body == "[" + msg + "]");
}
