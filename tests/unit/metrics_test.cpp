#include "metrics.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

using namespace pgtail;

namespace {

/// A triggered event and the document it points into.
struct Event {
  rapidjson::Document doc;
  Alert alert;
};

std::unique_ptr<Event> event(const std::string& json, const std::string& instance_name = "") {
  auto e = std::make_unique<Event>();
  e->doc.Parse(json.c_str(), json.size());
  REQUIRE_FALSE(e->doc.HasParseError());
  AlertOptions o;
  o.instance_name = instance_name;
  std::string err;
  REQUIRE(read_alert(e->doc, o, &e->alert, &err));
  return e;
}

/// A JSON string literal for `s`.
std::string quoted(const std::string& s) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  return b.GetString();
}

std::string log_entry(const std::string& level, const std::string& database, const std::string& extra = "") {
  return R"j({"timestamp":"2024-01-15T10:23:45.123Z","instance":{"name":"pg16","host":"db1"},)j"
         R"j("event":{"type":"log_entry","level":)j" +
         quoted(level) + R"j(,"sqlstate":"53300","message":"sorry, too many clients already")j" +
         (database.empty() ? "" : ",\"database\":" + quoted(database)) + extra + "}}";
}

const char* kRate =
    R"j({"timestamp":"2024-01-15T10:25:00.000Z","instance":{"name":"pg16","host":"db1"},)j"
    R"j("event":{"type":"rate_threshold","level":"ERROR","count":57,"threshold":50,"window_seconds":60,)j"
    R"j("message":"57 errors in the last 60 s (threshold 50/min)"},"trigger":{"rule":"rate:errors > 50/min"}})j";
const char* kResolved =
    R"j({"timestamp":"2024-01-15T10:20:00.000Z","instance":{"name":"pg16","host":"db1"},)j"
    R"j("event":{"type":"rate_resolved","level":"ERROR","count":3,"message":"errors back to 3"},)j"
    R"j("trigger":{"rule":"rate:errors > 50/min"}})j";
std::string suppressed(const std::string& count) {
  return R"j({"timestamp":"2024-01-15T10:24:00.000Z","instance":{"name":"pg16","host":"db1"},)j"
         R"j("event":{"type":"suppressed")j" +
         (count.empty() ? "" : ",\"count\":" + count) +
         R"j(,"message":"37 similar events suppressed in 5 min"},"trigger":{"rule":"throttle:10/min"}})j";
}

std::vector<std::string> lines(const std::string& body) {
  std::vector<std::string> out;
  std::string line;
  std::istringstream in(body);
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

/// The exposition rules a Pushgateway and a scrape check: every line ends in
/// LF; HELP and TYPE once per name, before its samples; one name's lines
/// together; no sample twice; no timestamp (one space in a sample line outside
/// its label block).
void check_exposition(const std::string& body) {
  REQUIRE((body.empty() || body.back() == '\n'));
  CHECK(body.find('\r') == std::string::npos);
  std::set<std::string> done, samples, help, type;
  std::string current;
  for (const std::string& l : lines(body)) {
    INFO(l);
    std::string name;
    if (l.rfind("# HELP ", 0) == 0 || l.rfind("# TYPE ", 0) == 0) {
      name = l.substr(7, l.find(' ', 7) - 7);
      auto& seen = l[2] == 'H' ? help : type;
      CHECK(seen.insert(name).second);
      CHECK(samples.count(name) == 0);
    } else {
      size_t brace = l.find('{');
      REQUIRE(brace != std::string::npos);
      name = l.substr(0, brace);
      size_t close = l.rfind('}');
      REQUIRE(close != std::string::npos);
      std::string value = l.substr(close + 1);
      CHECK(value.size() > 1);
      CHECK(value[0] == ' ');
      CHECK(value.find(' ', 1) == std::string::npos);
      CHECK(samples.insert(l.substr(0, close + 1)).second);
      CHECK(type.count(name) == 1);
      samples.insert(name);
    }
    if (name != current) {
      CHECK(done.insert(name).second);  // not seen before: contiguous
      current = name;
    }
  }
}

}  // namespace

TEST_CASE("metrics: a log entry counted, empty labels left out, the payload for a Pushgateway", "[metrics]") {
  Metrics m;
  auto a = event(log_entry("FATAL", "shop"));
  auto b = event(log_entry("FATAL", ""));
  m.add(a->alert, "metrics");
  m.add(a->alert, "metrics");
  m.add(b->alert, "metrics");
  REQUIRE(m.instances() == std::vector<std::string>{"pg16 (db1)"});
  Payload p = m.render("pg16 (db1)");
  CHECK(p.content_type == "text/plain; version=0.0.4");
  CHECK(p.grouping == std::vector<std::pair<std::string, std::string>>{{"job", "pgtail"}, {"instance", "pg16 (db1)"}});
  CHECK(p.body ==
        "# HELP pgtail_events_total Log entries and raw lines that triggered an alert, by level, SQLSTATE, database "
        "and webhook.\n"
        "# TYPE pgtail_events_total counter\n"
        "pgtail_events_total{instance=\"pg16 (db1)\",level=\"FATAL\",sqlstate=\"53300\",database=\"shop\","
        "webhook=\"metrics\"} 2\n"
        "pgtail_events_total{instance=\"pg16 (db1)\",level=\"FATAL\",sqlstate=\"53300\",webhook=\"metrics\"} 1\n"
        "# HELP pgtail_last_event_timestamp_seconds Time of the latest triggered event counted, in seconds since the "
        "epoch, by webhook.\n"
        "# TYPE pgtail_last_event_timestamp_seconds gauge\n"
        "pgtail_last_event_timestamp_seconds{instance=\"pg16 (db1)\",webhook=\"metrics\"} 1705314225.123\n");
  check_exposition(p.body);
  CHECK(m.take_notice().empty());
}

TEST_CASE("metrics: raw lines have no level; an empty webhook is left out", "[metrics]") {
  Metrics m;
  auto r = event(R"j({"instance":{"host":"db1"},"event":{"type":"raw","message":"TRAP: failed Assert"}})j");
  m.add(r->alert, "");
  m.add(r->alert, "w");
  Payload p = m.render("db1");
  CHECK(p.body.find("pgtail_events_total{instance=\"db1\"} 1\n") != std::string::npos);
  CHECK(p.body.find("pgtail_events_total{instance=\"db1\",webhook=\"w\"} 1\n") != std::string::npos);
  // No timestamp, no gauge.
  CHECK(p.body.find("pgtail_last_event_timestamp_seconds") == std::string::npos);
  check_exposition(p.body);
}

TEST_CASE("metrics: rate events by rule, suppressed summaries summed, the latest time kept", "[metrics]") {
  Metrics m;
  auto rate = event(kRate);
  auto resolved = event(kResolved);
  auto s37 = event(suppressed("37"));
  auto s5 = event(suppressed("5"));
  auto s_none = event(suppressed(""));
  auto s_neg = event(suppressed("-4"));
  auto s_frac = event(suppressed("2.9"));
  for (auto* e : {rate.get(), rate.get(), resolved.get(), s37.get(), s5.get(), s_none.get(), s_neg.get(), s_frac.get()})
    m.add(e->alert, "pd");
  std::string body = m.render("pg16 (db1)").body;
  check_exposition(body);
  auto l = lines(body);
  std::vector<std::string> samples;
  for (const std::string& s : l)
    if (s[0] != '#') samples.push_back(s);
  CHECK(samples == std::vector<std::string>{
                       "pgtail_rate_threshold_total{instance=\"pg16 (db1)\",rule=\"rate:errors > 50/min\",webhook=\"pd\"} 2",
                       "pgtail_rate_resolved_total{instance=\"pg16 (db1)\",rule=\"rate:errors > 50/min\",webhook=\"pd\"} 1",
                       "pgtail_suppressed_events_total{instance=\"pg16 (db1)\",webhook=\"pd\"} 44",
                       "pgtail_last_event_timestamp_seconds{instance=\"pg16 (db1)\",webhook=\"pd\"} 1705314300.000",
                   });
  CHECK(body.find("# TYPE pgtail_suppressed_events_total counter\n") != std::string::npos);
  auto huge = event(suppressed("18446744073709551615"));
  m.add(huge->alert, "pd");
  m.add(huge->alert, "pd");
  CHECK(m.render("pg16 (db1)").body.find("pgtail_suppressed_events_total{instance=\"pg16 (db1)\",webhook=\"pd\"} "
                                         "9223372036854775807\n") != std::string::npos);
}

TEST_CASE("metrics: hostile label values are escaped, long ones cut", "[metrics]") {
  Metrics m;
  std::string db = "a\"b\\c\nd\te\r\xC3\xA9 <!channel> \\n";
  db += '\0';
  db += "z";
  auto e = event(log_entry("ERR\"OR", db), "inst\\ \"x\"\n/y");
  m.add(e->alert, "hook\"");
  REQUIRE(m.instances() == std::vector<std::string>{"inst\\ \"x\"\n/y"});
  Payload p = m.render("inst\\ \"x\"\n/y");
  check_exposition(p.body);
  CHECK(p.body.find("pgtail_events_total{instance=\"inst\\\\ \\\"x\\\"\\n/y\",level=\"ERR\\\"OR\",sqlstate=\"53300\","
                    "database=\"a\\\"b\\\\c\\nd\te\xEF\xBF\xBD\xC3\xA9 <!channel> \\\\n\xEF\xBF\xBDz\",webhook=\"hook\\\"\"} 1\n") !=
        std::string::npos);
  CHECK(p.grouping[1].second == "inst\\ \"x\"\n/y");
  // A control character in the instance name: the same text in the label and the grouping key.
  auto cr = event(log_entry("ERROR", "shop"), "a\rb");
  m.add(cr->alert, "w");
  CHECK(m.instances().back() == "a\xEF\xBF\xBD" "b");
  Payload q = m.render("a\rb");
  CHECK(q.grouping[1].second == "a\xEF\xBF\xBD" "b");
  CHECK(q.body.find("{instance=\"a\xEF\xBF\xBD" "b\",") != std::string::npos);

  Metrics big;
  std::string long_name(300, 'i'), long_db;
  for (int i = 0; i < 200; ++i) long_db += "\xE2\x82\xAC";  // €, 3 bytes
  auto l = event(log_entry("ERROR", long_db), long_name);
  big.add(l->alert, "w");
  std::string cut_name = std::string(Metrics::kMaxLabelChars - 1, 'i') + "\xE2\x80\xA6";
  REQUIRE(big.instances() == std::vector<std::string>{cut_name});
  Payload r = big.render(long_name);  // the full name finds its group
  CHECK(r.grouping[1].second == cut_name);
  std::string cut_db;
  for (size_t i = 0; i + 1 < Metrics::kMaxLabelChars; ++i) cut_db += "\xE2\x82\xAC";
  CHECK(r.body.find("database=\"" + cut_db + "\xE2\x80\xA6\"") != std::string::npos);
  check_exposition(r.body);
}

TEST_CASE("metrics: one group per instance, in order of first appearance", "[metrics]") {
  Metrics m;
  auto a = event(log_entry("ERROR", "shop"), "b-host");
  auto b = event(log_entry("ERROR", "shop"), "a-host");
  m.add(a->alert, "w");
  m.add(b->alert, "w");
  m.add(a->alert, "w");
  CHECK(m.instances() == std::vector<std::string>{"b-host", "a-host"});
  CHECK(m.render("b-host").body.find("pgtail_events_total{instance=\"b-host\",level=\"ERROR\",sqlstate=\"53300\","
                                     "database=\"shop\",webhook=\"w\"} 2\n") != std::string::npos);
  CHECK(m.render("a-host").body.find("instance=\"b-host\"") == std::string::npos);
  Payload none = m.render("c-host");
  CHECK(none.body.empty());
  CHECK(none.grouping[1].second == "c-host");
}

TEST_CASE("metrics: label sets beyond the cap fold into one overflow series, said once", "[metrics]") {
  Metrics m;
  std::vector<std::unique_ptr<Event>> keep;
  for (size_t i = 0; i < Metrics::kMaxLabelSets + 5; ++i) {
    auto e = event(log_entry("ERROR", "db" + std::to_string(i)), i % 2 ? "odd" : "even");
    m.add(e->alert, "w");
  }
  std::string notice = m.take_notice();
  CHECK(notice == "pgtail_events_total has 10000 label sets: further ones are counted in the series with "
                  "overflow=\"true\"");
  CHECK(m.take_notice().empty());
  size_t n = 0;
  for (std::string inst : {"odd", "even"}) {
    std::string body = m.render(inst).body;
    check_exposition(body);
    for (const std::string& l : lines(body)) n += l.rfind("pgtail_events_total{", 0) == 0;
    CHECK(body.find("pgtail_events_total{instance=\"" + inst + "\",overflow=\"true\"} ") != std::string::npos);
    CHECK(body.find("# HELP pgtail_events_total Log entries and raw lines that triggered an alert, by level, SQLSTATE, "
                    "database and webhook. Beyond 10000 label sets, further ones are counted in the series "
                    "overflow=\"true\".\n") != std::string::npos);
  }
  CHECK(n == Metrics::kMaxLabelSets + 2);
  // An existing label set still counts on its own.
  auto again = event(log_entry("ERROR", "db0"), "even");
  m.add(again->alert, "w");
  CHECK(m.render("even").body.find("database=\"db0\",webhook=\"w\"} 2\n") != std::string::npos);
}

TEST_CASE("metrics: instances beyond the cap are counted in one other group", "[metrics]") {
  Metrics m;
  auto e = event(log_entry("ERROR", "shop"));
  for (size_t i = 0; i < Metrics::kMaxInstances + 3; ++i) {
    auto x = event(log_entry("ERROR", "shop"), "host" + std::to_string(i));
    m.add(x->alert, "w");
  }
  CHECK(m.instances().size() == Metrics::kMaxInstances + 1);
  CHECK(m.instances().back() == Metrics::kOtherInstances);
  CHECK(m.take_notice() == "more than 1000 instances: further ones are counted in the group \"(other instances)\"");
  Payload p = m.render("host1001");
  CHECK(p.grouping[1].second == "(other instances)");
  CHECK(p.body.find("pgtail_events_total{instance=\"(other instances)\",level=\"ERROR\",sqlstate=\"53300\","
                    "database=\"shop\",webhook=\"w\"} 3\n") != std::string::npos);
  CHECK(m.render("host5").body.find("instance=\"host5\"") != std::string::npos);
}

TEST_CASE("grouping_path: the Pushgateway URL of a grouping key", "[metrics]") {
  auto path = [](const std::string& instance) {
    Payload p;
    p.grouping = {{"job", "pgtail"}, {"instance", instance}};
    return grouping_path(p);
  };
  CHECK(path("db1") == "/metrics/job/pgtail/instance/db1");
  CHECK(path("pg16 (db1)") == "/metrics/job/pgtail/instance/pg16%20%28db1%29");
  CHECK(path("a-b_c.d~e") == "/metrics/job/pgtail/instance/a-b_c.d~e");
  CHECK(path("z\xC3\xBCrich %?#&+") == "/metrics/job/pgtail/instance/z%C3%BCrich%20%25%3F%23%26%2B");
  // '/' and what URL resolution would eat go in base64 (RFC 4648 URL-safe, no padding).
  CHECK(path("a/b") == "/metrics/job/pgtail/instance@base64/YS9i");
  CHECK(path("db/1") == "/metrics/job/pgtail/instance@base64/ZGIvMQ");
  CHECK(path("a/b?") == "/metrics/job/pgtail/instance@base64/YS9iPw");
  CHECK(path("\xFF\xFE/") == "/metrics/job/pgtail/instance@base64/__4v");
  CHECK(path("..") == "/metrics/job/pgtail/instance@base64/Li4");
  CHECK(path(".") == "/metrics/job/pgtail/instance@base64/Lg");
  CHECK(path("") == "/metrics/job/pgtail/instance@base64/=");
  CHECK(grouping_path(Payload()).empty());
  Metrics m;
  auto e = event(log_entry("ERROR", "shop"), "10.0.0.5/main");
  m.add(e->alert, "w");
  CHECK(grouping_path(m.render("10.0.0.5/main")) == "/metrics/job/pgtail/instance@base64/MTAuMC4wLjUvbWFpbg");
}
