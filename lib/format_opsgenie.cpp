// The opsgenie format: the body of Opsgenie's create-alert request
// (POST /v2/alerts, PLATFORMS.md §4), every field within its limit. The alias
// is the event's fingerprint, so repeats of one problem count up on one open
// alert instead of paging again.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "fingerprint.hpp"
#include "formats.hpp"

namespace pgtail {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr size_t kMaxMessage = 130;
/// 512 in Opsgenie's docs, 250 in InfluxData's: the stricter (PLATFORMS.md §4 CONFLICT).
constexpr size_t kMaxAlias = 250;
constexpr size_t kMaxDescription = 15000;
constexpr size_t kMaxDetails = 8000;  ///< keys and values together
/// One details value: the description carries the long texts; details keep
/// room for every field.
constexpr size_t kMaxDetailValue = 1000;
constexpr size_t kMaxTags = 20, kMaxTag = 50;
constexpr size_t kMaxEntity = 512, kMaxSource = 100;
/// The instance inside the message when the message is too long.
constexpr size_t kMaxMessageInstance = 30;
/// One fact line of the description (Instance: …, Time: …).
constexpr size_t kMaxFact = 200;

void put(Writer& w, const char* key, std::string_view v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

std::string_view member_str(const rapidjson::Value* obj, const char* name) {
  if (!obj) return {};
  auto it = obj->FindMember(name);
  if (it == obj->MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

/// A value as text: strings as they are, anything else as compact JSON.
std::string text_of(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  rapidjson::StringBuffer b;
  Writer w(b);
  v.Accept(w);
  return std::string(b.GetString(), b.GetSize());
}

/// summary_line() within `max` characters, the instance name shortened first
/// so that the level and the start of the message stay.
std::string fit_summary(const Alert& a, size_t max, size_t max_instance) {
  std::string s = summary_line(a);
  if (count_chars(s) <= max) return s;
  if (count_chars(a.instance_display) > max_instance) {
    Alert shorter = a;
    shorter.instance_display = truncate_chars(a.instance_display, max_instance);
    s = summary_line(shorter);
  }
  return truncate_chars(s, max);
}

/// The fingerprint, or its hash when too long (a cut alias could merge
/// different problems). A rate_resolved gets an alias of its own: a create
/// with its rate_threshold's alias would only count up the open alert, and
/// closing one takes another endpoint.
std::string alias(const Alert& a) {
  static const std::string kResolved = "-resolved";
  std::string fp = a.fingerprint().size() + kResolved.size() <= kMaxAlias ? a.fingerprint() : hash_hex(a.fingerprint());
  return a.type == "rate_resolved" ? fp + kResolved : fp;
}

/// PANIC/FATAL P1, ERROR P2, WARNING P3, else P5; --priority overrides by
/// level. Suppressed summaries and resolutions stay P5.
bool priority(const Alert& a, const FormatOptions& o, std::string* out, std::string* err) {
  static const char* const kByUrgency[] = {"P5", "P5", "P3", "P2", "P1"};
  *out = kByUrgency[urgency(a)];
  if (a.type == "suppressed" || a.type == "rate_resolved" || a.level.empty()) return true;
  for (const auto& [level, p] : o.priority) {
    if (!iequal(level, a.level)) continue;
    if (p.size() != 2 || p[0] != 'P' || p[1] < '1' || p[1] > '5') {
      *err = "opsgenie: priority '" + p + "' for " + level + " is not P1 to P5";
      return false;
    }
    *out = p;
  }
  return true;
}

/// The event's texts as PostgreSQL writes them, then the facts; the texts are
/// cut so that the facts always fit.
std::string description(const Alert& a) {
  static const std::pair<const char*, const char*> kTexts[] = {
      {"detail", "DETAIL"},       {"hint", "HINT"},   {"context", "CONTEXT"},   {"statement", "STATEMENT"},
      {"query", "QUERY"},         {"location", "LOCATION"}, {"sample_message", "Sample message"}};
  std::string text = std::string(a.message);
  for (const auto& [field, label] : kTexts)
    if (std::string_view v = member_str(a.event, field); !v.empty()) text += "\n" + std::string(label) + ": " + std::string(v);
  auto top = a.event->FindMember("top_messages");
  if (top != a.event->MemberEnd() && top->value.IsArray())
    for (const rapidjson::Value& t : top->value.GetArray())
      if (t.IsObject() && t.HasMember("count") && t.HasMember("message"))
        text += "\n" + text_of(t["count"]) + " × " + text_of(t["message"]);
  std::string facts = "\n\nInstance: " + truncate_chars(a.instance_display, kMaxFact);
  if (!a.timestamp.empty()) facts += "\nTime: " + std::string(a.timestamp);
  if (!a.rule.empty()) facts += "\nRule: " + truncate_chars(a.rule, kMaxFact);
  facts += "\nFingerprint: " + truncate_chars(a.fingerprint(), kMaxFact);
  size_t room = kMaxDescription - count_chars(facts);
  return truncate_chars(text, room) + facts;
}

/// The details map: short identifying fields first, then the rest of the
/// event, each value within kMaxDetailValue, all within kMaxDetails.
void write_details(Writer& w, const Alert& a) {
  std::vector<std::pair<std::string, std::string>> items;
  std::set<std::string, std::less<>> seen;
  auto add = [&](std::string_view key, std::string value) {
    if (value.empty() || seen.count(key)) return;
    seen.emplace(key);
    items.emplace_back(std::string(key), std::move(value));
  };
  add("instance", a.instance_display);
  add("host", std::string(member_str(a.instance, "host")));
  for (const char* f : {"type", "level", "sqlstate", "database", "user", "application", "pid"}) add(f, a.field(f));
  add("timestamp", std::string(a.timestamp));
  add("rule", std::string(a.rule));
  add("webhook", std::string(a.webhook));
  add("fingerprint", a.fingerprint());
  if (a.instance)
    for (auto m = a.instance->MemberBegin(); m != a.instance->MemberEnd(); ++m)
      if (text_of(m->name) != "host") add("instance_" + text_of(m->name), text_of(m->value));
  for (auto m = a.event->MemberBegin(); m != a.event->MemberEnd(); ++m) add(text_of(m->name), text_of(m->value));

  size_t left = kMaxDetails;
  w.StartObject();
  for (auto& [key, value] : items) {
    std::string k = truncate_chars(key, 100);
    size_t kc = count_chars(k);
    if (kc + 2 > left) break;  // a key and at least one character of value
    std::string v = truncate_chars(value, std::min(kMaxDetailValue, left - kc));
    left -= kc + count_chars(v);
    w.String(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  w.EndObject();
}

void write_tags(Writer& w, const Alert& a) {
  std::vector<std::string> tags = {"postgresql"};
  auto tag = [&](const char* name, std::string_view v) {
    if (!v.empty()) tags.push_back(std::string(name) + ":" + std::string(v));
  };
  tag("level", a.level);
  tag("sqlstate", a.sqlstate);
  tag("database", member_str(a.event, "database"));
  tag("host", member_str(a.instance, "host"));
  if (a.type != "log_entry") tags.push_back(std::string(a.type));
  w.StartArray();
  for (size_t i = 0; i < tags.size() && i < kMaxTags; ++i) {
    std::string t = truncate_chars(tags[i], kMaxTag);
    w.String(t.data(), static_cast<rapidjson::SizeType>(t.size()));
  }
  w.EndArray();
}

}  // namespace

bool build_opsgenie(const Alert& a, const FormatOptions& o, Payload* out, std::string* err) {
  std::string prio;
  if (!priority(a, o, &prio, err)) return false;
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  put(w, "message", fit_summary(a, kMaxMessage, kMaxMessageInstance));
  put(w, "alias", alias(a));
  put(w, "description", description(a));
  w.Key("tags");
  write_tags(w, a);
  w.Key("details");
  write_details(w, a);
  put(w, "entity", truncate_chars(a.instance_display, kMaxEntity));
  std::string_view host = member_str(a.instance, "host");
  put(w, "source", truncate_chars(host.empty() ? "pgtail" : host, kMaxSource));
  put(w, "priority", prio);
  w.EndObject();
  out->body.assign(b.GetString(), b.GetSize());
  return true;
}

}  // namespace pgtail
