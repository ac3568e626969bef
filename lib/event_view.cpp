// Reads through json_reader.hpp: RapidJSON in a namespace of its own.
#include "json_reader.hpp"

#include "event_view.hpp"

#include <cstring>
#include <vector>

#include "timestamp.hpp"
#include "utf8.hpp"

namespace rapidjson = pgtail_rapidjson_sse2;


namespace pgtail {

namespace {

constexpr const char* kFieldNames[] = {
    "type", "level", "sqlstate", "message", "detail", "hint", "context", "statement", "query",
    "location", "user", "database", "application", "remote_host", "remote_port", "local_address",
    "session_id", "line_num", "session_start", "command_tag", "vxid", "xid", "backend_type",
    "query_id", "leader_pid", "pid", "fingerprint", nullptr};
static_assert(sizeof kFieldNames / sizeof kFieldNames[0] == kFieldCount + 1, "one name per field");

/// Events are two or three levels deep; anything much deeper is not one. The
/// parser recurses once per level, and the handler stops it at this depth,
/// so no line can overflow the stack (here or when written back out).
constexpr int kMaxDepth = 64;

/// SAX handler: records the members of the line's object and of "event";
/// anything deeper is skipped. Offsets come from the stream's position.
struct Handler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
  PaddedLineStream* stream;
  EventView* view;
  int depth = 0;
  enum class At { kOther, kTimestamp, kInstance, kEvent, kTrigger, kField, kTruncated } at = At::kOther;
  Field field = Field::kType;
  size_t instance_start = 0, instance_end = 0;
  const char* base = nullptr;
  bool saw_event = false;

  /// Where the stream is: StartObject and EndObject are called just after
  /// their '{' and '}' were taken.
  size_t pos() const { return static_cast<size_t>(stream->src_ - base); }

  bool Key(const char* s, rapidjson::SizeType n, bool) {
    std::string_view k(s, n);
    at = At::kOther;
    if (depth == 1) {
      if (k == "timestamp") at = At::kTimestamp;
      else if (k == "instance") at = At::kInstance;
      else if (k == "event") at = At::kEvent;
      else if (k == "trigger") view->has_trigger = true;
    } else if (depth == 2 && in_event) {
      if (k == "truncated") at = At::kTruncated;
      else if (parse_field_name(k, &field)) at = At::kField;
    }
    return true;
  }
  bool in_event = false;
  int event_depth = 0;

  bool value(std::string_view v) {
    if (depth == 1 && at == At::kTimestamp) view->timestamp = v;
    else if (depth == 2 && in_event && at == At::kField) view->fields[static_cast<size_t>(field)] = v;
    at = At::kOther;
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) { return value({s, n}); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) { return value({s, n}); }
  bool Bool(bool b) {
    if (depth == 2 && in_event && at == At::kTruncated) view->truncated = b;
    at = At::kOther;
    return true;
  }
  bool Null() { return value({}); }
  bool too_deep = false;
  bool StartObject() {
    if (++depth > kMaxDepth) return !(too_deep = true);
    if (depth == 2 && at == At::kInstance) instance_start = pos();  // just after '{'
    if (depth == 2 && at == At::kEvent) in_event = saw_event = true;
    at = At::kOther;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    if (depth == 2 && instance_start && !instance_end) instance_end = pos();
    if (depth == 2 && in_event) {
      view->event_close = pos() - 1;
      in_event = false;
    }
    if (depth == 1) view->line_close = pos() - 1;
    --depth;
    return true;
  }
  bool StartArray() {
    if (++depth > kMaxDepth) return !(too_deep = true);
    at = At::kOther;
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    --depth;
    return true;
  }
};

}  // namespace

std::string_view field_name(Field f) { return kFieldNames[static_cast<size_t>(f)]; }

bool parse_field_name(std::string_view name, Field* f) {
  // Runs for every member of every event: one bucket by length and first
  // letter (at most two names share one), then one comparison.
  constexpr size_t kLongest = 16;
  using Bucket = std::vector<std::pair<std::string_view, Field>>;
  static const auto table = [] {
    std::vector<Bucket> t((kLongest + 1) * 26);
    for (size_t i = 0; i < kFieldCount; ++i) {
      std::string_view n = kFieldNames[i];
      t[n.size() * 26 + static_cast<size_t>(n[0] - 'a')].emplace_back(n, static_cast<Field>(i));
    }
    return t;
  }();
  if (name.empty() || name.size() > kLongest || name[0] < 'a' || name[0] > 'z') return false;
  for (const auto& [n, field] : table[name.size() * 26 + static_cast<size_t>(name[0] - 'a')])
    if (n == name) {
      *f = field;
      return true;
    }
  return false;
}

const char* const* field_names() { return kFieldNames; }

bool EventReader::read(std::string_view line, EventView* out, std::string* err) {
  *out = EventView();
  if (!utf8_clean(line)) {
    *err = "invalid JSON: not valid UTF-8";
    return false;
  }
  buf_.assign(line.data(), line.size());
  buf_.append(16, '\0');
  PaddedLineStream stream(&buf_[0]);
  Handler h;
  h.stream = &stream;
  h.view = out;
  h.base = buf_.data();
  rapidjson::Reader reader;
  constexpr unsigned kFlags =
      rapidjson::kParseInsituFlag | rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag;
  rapidjson::ParseResult r = reader.Parse<kFlags>(stream, h);
  if (!r && h.too_deep) {
    // The bracket that went one level too deep has been taken: Offset() is
    // its 1-based position.
    *err = "invalid JSON at byte " + std::to_string(r.Offset()) + ": nested more than " +
           std::to_string(kMaxDepth) + " deep";
    return false;
  }
  if (!r) {
    std::string what = rapidjson::GetParseError_En(r.Code());
    if (!what.empty() && what.back() == '.') what.pop_back();  // our messages end without one
    *err = "invalid JSON at byte " + std::to_string(r.Offset() + 1) + ": " + what;
    return false;
  }
  size_t rest = h.pos();
  while (rest < line.size() && (line[rest] == ' ' || line[rest] == '\t' || line[rest] == '\r')) ++rest;
  if (rest != line.size()) {
    *err = "invalid JSON at byte " + std::to_string(rest + 1) + ": more after the object";
    return false;
  }
  if (h.depth != 0 || line.empty() || line.find('{') != line.find_first_not_of(" \t")) {
    *err = "not an event: not a JSON object";
    return false;
  }
  if (h.instance_end) out->instance_json = line.substr(h.instance_start - 1, h.instance_end - h.instance_start + 1);
  if (!h.saw_event) {
    *err = "not an event: no \"event\" object";
    return false;
  }
  if (out->get(Field::kType).empty()) {
    *err = "not an event: no event.type";
    return false;
  }
  if (!out->timestamp.empty()) {
    int64_t ms;
    if (!parse_iso8601(out->timestamp, &ms)) {
      *err = "not an event: timestamp '" + std::string(out->timestamp.substr(0, 40)) + "' is not RFC 3339";
      return false;
    }
    out->time_ms = ms;
  }
  return true;
}

}  // namespace pgtail
