// The pagerduty format: a PagerDuty Events API v2 event (PLATFORMS.md §3).
// A triggered event is a `trigger` whose dedup_key is the event's fingerprint,
// so repeats of one problem group into one incident; a rate_resolved is a
// `resolve` with the fingerprint of its rate_threshold (pg-match gives both the
// same one), so the incident closes itself.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "fingerprint.hpp"
#include "formats.hpp"

namespace pgtail {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// The Events API's payload limit: "512 KB", read as 512,000 bytes as
/// Alertmanager does (the stricter of the two readings, PLATFORMS.md §3).
constexpr size_t kMaxBody = 512000;
constexpr size_t kMaxSummary = 1024;   ///< payload.summary, characters
constexpr size_t kMaxDedupKey = 255;   ///< dedup_key, bytes
/// source, group and class have no documented limit; ours keeps a hostile
/// host name or SQLSTATE from pushing the body past kMaxBody.
constexpr size_t kMaxShort = 255;
/// The instance inside the summary, when the whole summary is too long: the
/// level and the start of the message matter more than a long name.
constexpr size_t kMaxSummaryInstance = 200;
/// custom_details strings when the whole body is over kMaxBody.
constexpr size_t kTrimmedChars = 1000;

/// How much of the event custom_details carries.
enum class Details { kAll, kTrimmed, kRemoved };

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

/// `v` as it is, or with every string and key cut to `max_chars` (0: no cut).
void copy_value(Writer& w, const rapidjson::Value& v, size_t max_chars) {
  if (max_chars == 0 || !(v.IsString() || v.IsObject() || v.IsArray())) {
    v.Accept(w);
  } else if (v.IsString()) {
    std::string s = truncate_chars({v.GetString(), v.GetStringLength()}, max_chars);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  } else if (v.IsArray()) {
    w.StartArray();
    for (const rapidjson::Value& e : v.GetArray()) copy_value(w, e, max_chars);
    w.EndArray();
  } else {
    w.StartObject();
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      copy_value(w, m->name, max_chars);
      copy_value(w, m->value, max_chars);
    }
    w.EndObject();
  }
}

/// Every event field, the fingerprint, the instance and the trigger.
void write_details(Writer& w, const Alert& a, Details mode) {
  w.StartObject();
  if (mode == Details::kRemoved) {
    put(w, "truncated_details", "removed: the event is over PagerDuty's 512,000-byte limit");
    put(w, "type", truncate_chars(a.type, kMaxShort));
    std::string msg = truncate_chars(a.message, kTrimmedChars);
    put(w, "message", msg);
    put(w, "fingerprint", truncate_chars(a.fingerprint(), kMaxShort));
    w.EndObject();
    return;
  }
  size_t cut = mode == Details::kTrimmed ? kTrimmedChars : 0;
  if (cut)
    put(w, "truncated_details", "strings cut to 1000 characters: the event is over PagerDuty's 512,000-byte limit");
  for (auto m = a.event->MemberBegin(); m != a.event->MemberEnd(); ++m) {
    std::string_view name(m->name.GetString(), m->name.GetStringLength());
    if (name == "instance" || name == "trigger" || name == "truncated_details") continue;  // ours below
    copy_value(w, m->name, cut);
    copy_value(w, m->value, cut);
  }
  if (!a.event->HasMember("fingerprint")) put(w, "fingerprint", a.fingerprint());
  if (a.instance) {
    w.Key("instance");
    copy_value(w, *a.instance, cut);
  }
  if (a.trigger) {
    w.Key("trigger");
    copy_value(w, *a.trigger, cut);
  }
  w.EndObject();
}

/// The fingerprint, or its hash when a line brings one too long for PagerDuty
/// (a cut key could merge different problems; a hash of it cannot).
std::string dedup_key(const Alert& a) {
  return a.fingerprint().size() <= kMaxDedupKey ? a.fingerprint() : hash_hex(a.fingerprint());
}

/// PANIC/FATAL critical, ERROR error, WARNING warning, else info; --severity
/// overrides by level. Suppressed summaries stay info whatever they hold.
bool severity(const Alert& a, const FormatOptions& o, std::string* out, std::string* err) {
  static const char* const kByUrgency[] = {"info", "info", "warning", "error", "critical"};
  *out = kByUrgency[urgency(a)];
  if (a.type == "suppressed" || a.type == "rate_resolved" || a.level.empty()) return true;
  for (const auto& [level, sev] : o.severity) {
    if (!iequal(level, a.level)) continue;
    if (sev != "critical" && sev != "error" && sev != "warning" && sev != "info") {
      *err = "pagerduty: severity '" + sev + "' for " + level + " is not critical, error, warning or info";
      return false;
    }
    *out = sev;
  }
  return true;
}

/// summary_line() within `max` characters, the instance name shortened first.
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

/// The database the event concerns: its own, else a rate key's.
std::string_view group_of(const Alert& a) {
  std::string_view db = member_str(a.event, "database");
  if (!db.empty()) return db;
  auto key = a.event->FindMember("key");
  return key != a.event->MemberEnd() && key->value.IsObject() ? member_str(&key->value, "database") : db;
}

std::string build_body(const Alert& a, const FormatOptions& o, const std::string& sev, Details mode) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  put(w, "routing_key", o.routing_key);
  bool resolve = a.type == "rate_resolved";
  put(w, "event_action", resolve ? "resolve" : "trigger");
  put(w, "dedup_key", dedup_key(a));
  if (!resolve) {  // PagerDuty reads no payload on a resolve
    put(w, "client", "pgtail");
    w.Key("payload");
    w.StartObject();
    put(w, "summary", fit_summary(a, kMaxSummary, kMaxSummaryInstance));
    std::string_view host = member_str(a.instance, "host");
    put(w, "source", truncate_chars(host.empty() ? a.instance_display : host, kMaxShort));
    put(w, "severity", sev);
    if (!a.timestamp.empty()) put(w, "timestamp", a.timestamp);
    put(w, "component", "postgresql");
    if (std::string_view g = group_of(a); !g.empty()) put(w, "group", truncate_chars(g, kMaxShort));
    std::string_view cls = !a.sqlstate.empty() ? a.sqlstate : a.type == "log_entry" || a.type == "raw" ? "" : a.type;
    if (!cls.empty()) put(w, "class", truncate_chars(cls, kMaxShort));
    w.Key("custom_details");
    write_details(w, a, mode);
    w.EndObject();
  }
  w.EndObject();
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace

bool build_pagerduty(const Alert& a, const FormatOptions& o, Payload* out, std::string* err) {
  if (o.routing_key.empty()) {
    *err = "pagerduty: no routing_key (the Events API v2 integration key)";
    return false;
  }
  std::string sev;
  if (!severity(a, o, &sev, err)) return false;
  // Like Alertmanager: an event too big for PagerDuty keeps its alert and
  // loses detail, first the length of each string, then custom_details.
  for (Details mode : {Details::kAll, Details::kTrimmed, Details::kRemoved}) {
    out->body = build_body(a, o, sev, mode);
    if (out->body.size() <= kMaxBody) return true;
  }
  *err = "pagerduty: the event is over PagerDuty's 512,000-byte limit even without custom_details";
  return false;
}

}  // namespace pgtail
