#include "metrics.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <utility>

namespace pgtail {

namespace {

enum Family { kEvents, kRateThreshold, kRateResolved, kSuppressed, kLastEvent, kFamilies };

struct FamilySpec {
  const char* name;
  const char* type;
  const char* help;
};

/// In render order. HELP texts hold no '\\' or newline, but go through
/// append_help() all the same.
constexpr FamilySpec kSpecs[kFamilies] = {
    {"pgtail_events_total", "counter",
     "Log entries and raw lines that triggered an alert, by level, SQLSTATE, database and webhook."},
    {"pgtail_rate_threshold_total", "counter", "Rate rules crossed (rate_threshold events), by rule and webhook."},
    {"pgtail_rate_resolved_total", "counter",
     "Rates back below their threshold (rate_resolved events), by rule and webhook."},
    {"pgtail_suppressed_events_total", "counter",
     "Events held back by throttling and de-duplication (the sum of the suppressed summaries' counts), by "
     "webhook."},
    {"pgtail_last_event_timestamp_seconds", "gauge",
     "Time of the latest triggered event counted, in seconds since the epoch, by webhook."},
};

constexpr const char* kContentType = "text/plain; version=0.0.4";
constexpr const char* kOverflowLabel = "overflow=\"true\"";

/// A label value in the text exposition format: '\\', '"' and newline
/// escaped, every other character as it is.
void append_label_value(std::string_view v, std::string* out) {
  for (char c : v) {
    if (c == '\\')
      *out += "\\\\";
    else if (c == '"')
      *out += "\\\"";
    else if (c == '\n')
      *out += "\\n";
    else
      *out += c;
  }
}

/// What a label value (or an instance name) holds: at most kMaxLabelChars
/// characters, and control characters other than tab and newline as U+FFFD.
/// The format would take them as they are, but a CR or a NUL in a
/// Pushgateway's page breaks line-based readers (CR ends lines for some).
std::string label_text(std::string_view v) {
  std::string cut = truncate_chars(v, Metrics::kMaxLabelChars), out;
  for (char c : cut) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') || c == 0x7F)
      out += "\xEF\xBF\xBD";
    else
      out += c;
  }
  return out;
}

/// HELP text: '\\' and newline escaped, quotes not.
void append_help(std::string_view v, std::string* out) {
  for (char c : v) {
    if (c == '\\')
      *out += "\\\\";
    else if (c == '\n')
      *out += "\\n";
    else
      *out += c;
  }
}

struct Label {
  const char* name;
  std::string_view value;
};

/// `{instance="…",name="value",…}` with empty values left out; also the
/// series' key, since the escaping cannot map two label sets to one text.
std::string label_block(const std::string& instance, std::initializer_list<Label> labels) {
  std::string out = "{instance=\"";
  append_label_value(instance, &out);
  out += '"';
  for (const Label& l : labels) {
    if (l.value.empty()) continue;
    out += ',';
    out += l.name;
    out += "=\"";
    append_label_value(label_text(l.value), &out);
    out += '"';
  }
  out += '}';
  return out;
}

/// A suppressed summary's count: a non-negative number, else 0.
int64_t suppressed_count(const Alert& a) {
  auto it = a.event->FindMember("count");
  if (it == a.event->MemberEnd()) return 0;
  const rapidjson::Value& v = it->value;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (v.IsInt64()) return v.GetInt64() > 0 ? v.GetInt64() : 0;
  if (v.IsUint64()) return kMax;  // above int64's range
  if (v.IsDouble() && v.GetDouble() > 0) return v.GetDouble() < 9.2e18 ? static_cast<int64_t>(v.GetDouble()) : kMax;
  return 0;
}

int64_t saturating_add(int64_t a, int64_t b) {
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

/// Milliseconds as seconds with three decimals: "1796922515.015".
std::string seconds(int64_t ms) {
  char buf[32];
  uint64_t m = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  snprintf(buf, sizeof buf, "%s%" PRIu64 ".%03" PRIu64, ms < 0 ? "-" : "", m / 1000, m % 1000);
  return buf;
}

void append_base64url(std::string_view v, std::string* out) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t i = 0;
  for (; i + 2 < v.size(); i += 3) {
    uint32_t n = uint32_t(uint8_t(v[i])) << 16 | uint32_t(uint8_t(v[i + 1])) << 8 | uint8_t(v[i + 2]);
    for (int s = 18; s >= 0; s -= 6) *out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == v.size()) {
    uint32_t n = uint32_t(uint8_t(v[i])) << 16;
    *out += kAlphabet[n >> 18];
    *out += kAlphabet[(n >> 12) & 63];
  } else if (i + 2 == v.size()) {
    uint32_t n = uint32_t(uint8_t(v[i])) << 16 | uint32_t(uint8_t(v[i + 1])) << 8;
    *out += kAlphabet[n >> 18];
    *out += kAlphabet[(n >> 12) & 63];
    *out += kAlphabet[(n >> 6) & 63];
  }
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

}  // namespace

/// One instance's counters: per family, the series' label block -> value
/// (a count, or for the gauge the latest event time in ms).
struct Metrics::Group {
  std::string instance;
  std::map<std::string, int64_t> samples[kFamilies];
  bool overflowed[kFamilies] = {};
};

Metrics::Metrics() : sets_(kFamilies, 0) {}
Metrics::~Metrics() = default;
Metrics::Metrics(Metrics&&) noexcept = default;
Metrics& Metrics::operator=(Metrics&&) noexcept = default;

Metrics::Group* Metrics::group_for(const std::string& instance) {
  auto it = groups_.find(instance);
  if (it != groups_.end()) return it->second.get();
  std::string name = instance;
  if (groups_.size() >= kMaxInstances) {
    name = kOtherInstances;
    if (!noticed_ && notice_.empty())
      notice_ = "more than " + std::to_string(kMaxInstances) + " instances: further ones are counted in the group \"" +
                name + "\"";
    it = groups_.find(name);
    if (it != groups_.end()) return it->second.get();
  }
  auto g = std::make_unique<Group>();
  g->instance = name;
  Group* p = g.get();
  groups_.emplace(name, std::move(g));
  order_.push_back(name);
  return p;
}

const Metrics::Group* Metrics::find_group(const std::string& instance) const {
  auto it = groups_.find(label_text(instance));
  if (it == groups_.end() && groups_.size() >= kMaxInstances) it = groups_.find(kOtherInstances);
  return it == groups_.end() ? nullptr : it->second.get();
}

void Metrics::bump(Group* g, int family, const std::string& key, int64_t delta) {
  auto& samples = g->samples[family];
  auto it = samples.find(key);
  if (it == samples.end()) {
    if (sets_[family] < kMaxLabelSets) {
      ++sets_[family];
      it = samples.emplace(key, family == kLastEvent ? delta : 0).first;
    } else {
      std::string overflow = "{instance=\"";
      append_label_value(g->instance, &overflow);
      overflow += "\"," + std::string(kOverflowLabel) + "}";
      g->overflowed[family] = true;
      if (!noticed_ && notice_.empty())
        notice_ = std::string(kSpecs[family].name) + " has " + std::to_string(kMaxLabelSets) +
                  " label sets: further ones are counted in the series with " + kOverflowLabel;
      it = samples.emplace(overflow, family == kLastEvent ? delta : 0).first;
    }
  }
  if (family == kLastEvent)
    it->second = std::max(it->second, delta);
  else
    it->second = saturating_add(it->second, delta);
}

void Metrics::add(const Alert& a, std::string_view webhook) {
  Group* g = group_for(label_text(a.instance_display));
  const std::string& in = g->instance;
  if (a.type == "rate_threshold" || a.type == "rate_resolved") {
    bump(g, a.type == "rate_threshold" ? kRateThreshold : kRateResolved,
         label_block(in, {{"rule", a.rule}, {"webhook", webhook}}), 1);
  } else if (a.type == "suppressed") {
    bump(g, kSuppressed, label_block(in, {{"webhook", webhook}}), suppressed_count(a));
  } else {
    // log_entry and raw, and any type a later pg-match may add: nothing read
    // goes uncounted.
    std::string database = a.field("database");
    bump(g, kEvents,
         label_block(in, {{"level", a.level}, {"sqlstate", a.sqlstate}, {"database", database}, {"webhook", webhook}}),
         1);
  }
  if (!a.timestamp.empty()) bump(g, kLastEvent, label_block(in, {{"webhook", webhook}}), a.time_ms);
}

Payload Metrics::render(const std::string& instance) const {
  Payload p;
  p.content_type = kContentType;
  const Group* g = find_group(instance);
  std::string name = g ? g->instance : label_text(instance);
  p.grouping = {{"job", "pgtail"}, {"instance", name}};
  if (!g) return p;
  std::string& out = p.body;
  for (int f = 0; f < kFamilies; ++f) {
    if (g->samples[f].empty()) continue;
    out += "# HELP ";
    out += kSpecs[f].name;
    out += ' ';
    append_help(kSpecs[f].help, &out);
    if (g->overflowed[f])
      append_help(" Beyond " + std::to_string(kMaxLabelSets) + " label sets, further ones are counted in the series " +
                      kOverflowLabel + ".",
                  &out);
    out += "\n# TYPE ";
    out += kSpecs[f].name;
    out += ' ';
    out += kSpecs[f].type;
    out += '\n';
    for (const auto& [labels, value] : g->samples[f]) {
      out += kSpecs[f].name;
      out += labels;
      out += ' ';
      out += f == kLastEvent ? seconds(value) : std::to_string(value);
      out += '\n';
    }
  }
  return p;
}

std::string Metrics::take_notice() {
  if (noticed_ || notice_.empty()) return {};
  noticed_ = true;
  return std::move(notice_);
}

std::string grouping_path(const Payload& p) {
  std::string out;
  if (p.grouping.empty()) return out;
  out = "/metrics";
  for (const auto& [label, value] : p.grouping) {
    out += '/';
    out += label;
    if (value.empty() || value == "." || value == ".." || value.find('/') != std::string::npos) {
      out += "@base64/";
      if (value.empty())
        out += '=';
      else
        append_base64url(value, &out);
      continue;
    }
    out += '/';
    for (unsigned char c : value) {
      if (unreserved(c)) {
        out += static_cast<char>(c);
      } else {
        static const char kHex[] = "0123456789ABCDEF";
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  return out;
}

}  // namespace pgtail
