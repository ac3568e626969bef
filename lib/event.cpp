#include "event.hpp"

#include <climits>
#include <cstring>
#include <string_view>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "timestamp.hpp"

namespace pgtail {

void set_text(std::string& field, const char* p, size_t n) {
  // From the server's message catalogs (msgid "[unknown]"), PostgreSQL 15.
  static const char* const kPlaceholders[] = {
      "[unknown]", "[none]",   "[unbekannt]", "[inconnu]",     "[desconocido]", "[sconosciuto]",
      "[desconhecido]", "[н/д]", "[不明]",    "[未知]",        "[알수없음]",    "[okänd]",
      "[უცნობი]"};
  if (n > 2 && p[0] == '[' && p[n - 1] == ']') {
    std::string_view v(p, n);
    for (const char* ph : kPlaceholders)
      if (v == ph) {
        field.clear();
        return;
      }
  }
  field.assign(p, n);
}

void Event::clear() {
  // Field by field (not a loop over pointers): this runs for every line.
  type = Type::kLogEntry;
  time_ms.reset();
  level.clear();
  sqlstate.clear();
  message.clear();
  detail.clear();
  hint.clear();
  context.clear();
  statement.clear();
  query.clear();
  location.clear();
  user.clear();
  database.clear();
  application.clear();
  remote_host.clear();
  local_address.clear();
  session_id.clear();
  command_tag.clear();
  vxid.clear();
  backend_type.clear();
  instance_name.clear();
  session_start_ms.reset();
  pid.reset();
  remote_port.reset();
  line_num.reset();
  xid.reset();
  query_id.reset();
  leader_pid.reset();
  truncated = false;
  cursor_pos.reset();
  internal_pos.reset();
}

namespace {

using JsonWriter = JsonLineWriter;

/// True when one of the eight bytes of `v` is one JSON must escape: '"',
/// '\\' or one below 0x20 (the classic has-less/has-byte tricks).
bool has_escapable(uint64_t v) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  uint64_t quote = v ^ (kOnes * '"'), backslash = v ^ (kOnes * '\\');
  uint64_t found = ((v - kOnes * 0x20) & ~v) | ((quote - kOnes) & ~quote) |
                   ((backslash - kOnes) & ~backslash);
  return (found & kHigh) != 0;
}

/// True when `s` has no byte that JSON must escape, so it can be copied as is.
bool json_clean(const char* s, size_t n) {
  uint64_t v;
  if (n < 8) {  // most values are short: one padded word
    v = 0x4141414141414141ULL;  // "AAAAAAAA", nothing to escape
    std::memcpy(&v, s, n);
    return !has_escapable(v);
  }
  size_t i = 0;
#ifdef __SSE2__
  // Sixteen bytes at a time where the processor has SSE2 (every x86-64):
  // '"', '\\', or a byte below 0x20 (max(b, 0x1F) == 0x1F).
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1F);
  for (; i + 16 <= n; i += 16) {
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, quote), _mm_cmpeq_epi8(b, backslash)),
                               _mm_cmpeq_epi8(_mm_max_epu8(b, ctl), ctl));
    if (_mm_movemask_epi8(hit)) return false;
  }
#endif
  for (; i + 8 <= n; i += 8) {
    std::memcpy(&v, s + i, 8);
    if (has_escapable(v)) return false;
  }
  std::memcpy(&v, s + n - 8, 8);  // the tail, overlapping the last word
  return !has_escapable(v);
}

// Keys are string literals: their length is known at compile time, which
// spares the writer a strlen per key per line.
template <size_t N>
void put(JsonWriter& w, const char (&key)[N], const std::string& value) {
  if (value.empty()) return;
  w.Member(key, value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

template <size_t N>
void put(JsonWriter& w, const char (&key)[N], const std::optional<int64_t>& value) {
  if (!value) return;
  w.LiteralKey(key);
  w.Int64(*value);
}

/// Times are written as raw JSON: their text never needs escaping, and this
/// spares the writer's character-by-character scan on every line.
/// Consecutive lines often share a time: the text of the last one is kept.
struct TimeText {
  int64_t ms = INT64_MIN;
  bool with_ms = false;
  std::string text;
};

template <size_t N>
void put_time(JsonWriter& w, const char (&key)[N], const std::optional<int64_t>& ms, bool with_ms,
              TimeText* cache) {
  if (!ms) return;
  if (cache->ms != *ms || cache->with_ms != with_ms) {
    cache->ms = *ms;
    cache->with_ms = with_ms;
    cache->text.assign(1, '"');
    if (with_ms)
      append_rfc3339_ms(*ms, &cache->text);
    else
      append_rfc3339_s(*ms, &cache->text);
    cache->text.push_back('"');
  }
  w.LiteralKey(key);
  w.RawJson(cache->text.data(), cache->text.size(), rapidjson::kStringType);
}

void write_instance(JsonWriter& w, const Instance& in) {
  w.StartObject();
  put(w, "id", in.id);
  put(w, "name", in.name);
  put(w, "host", in.host);
  put(w, "port", in.port);
  put(w, "cluster", in.cluster);
  put(w, "version", in.version);
  put(w, "data_dir", in.data_dir);
  w.EndObject();
}

}  // namespace

bool JsonLineWriter::String(const char* s, rapidjson::SizeType n) {
  if (!json_clean(s, n)) return Base::String(s, n);
  return Raw(s, n);
}

bool JsonLineWriter::Member(const char* key, size_t key_size, const char* s, rapidjson::SizeType n) {
  if (!json_clean(s, n)) {
    Raw(key, static_cast<rapidjson::SizeType>(key_size));
    return Base::String(s, n);
  }
  // What Key() then String() would write, "key":"value", in one push; the
  // value is counted in the object as Prefix() would count it.
  Prefix(rapidjson::kStringType);
  char* p = os_->Push(key_size + n + 5);
  *p++ = '"';
  std::memcpy(p, key, key_size);
  p += key_size;
  *p++ = '"';
  *p++ = ':';
  *p++ = '"';
  std::memcpy(p, s, n);
  p[n] = '"';
  level_stack_.Top<Level>()->valueCount++;
  return true;
}

bool JsonLineWriter::RawJson(const char* json, size_t n, rapidjson::Type type) {
  Prefix(type);
  std::memcpy(os_->Push(n), json, n);
  return EndValue(true);
}

bool JsonLineWriter::Raw(const char* s, rapidjson::SizeType n) {
  Prefix(rapidjson::kStringType);
  char* p = os_->Push(n + 2);
  p[0] = '"';
  std::memcpy(p + 1, s, n);
  p[n + 1] = '"';
  return EndValue(true);
}

std::string instance_json(const Instance& instance) {
  rapidjson::StringBuffer buf;
  JsonWriter w;
  w.Reset(buf);
  write_instance(w, instance);
  return std::string(buf.GetString(), buf.GetSize());
}

EventWriter::EventWriter(Instance instance)
    : instance_(std::move(instance)), json_(instance_json(instance_)) {}

const std::string& EventWriter::instance_for(const Event& ev) {
  if (ev.instance_name.empty() || ev.instance_name == instance_.name) return json_;
  if (ev.instance_name != named_) {
    // A wrapper named the instance (a pod, a Cloud SQL database): cache the
    // object for that name, since a stream rarely changes it.
    Instance named = instance_;
    named.name = named_ = ev.instance_name;
    named_json_ = instance_json(named);
  }
  return named_json_;
}

void EventWriter::write(const Event& ev, rapidjson::StringBuffer* out) {
  static thread_local TimeText time_cache, start_cache;
  JsonWriter& w = writer_;
  w.Reset(*out);
  w.StartObject();
  put_time(w, "timestamp", ev.time_ms, true, &time_cache);
  w.LiteralKey("instance");
  const std::string& instance = instance_for(ev);
  w.RawJson(instance.data(), instance.size(), rapidjson::kObjectType);
  w.LiteralKey("event");
  w.StartObject();
  w.LiteralKey("type");
  if (ev.type == Event::Type::kRaw)
    w.String("raw", 3);
  else
    w.String("log_entry", 9);
  put(w, "level", ev.level);
  put(w, "sqlstate", ev.sqlstate);
  put(w, "pid", ev.pid);
  put(w, "message", ev.message);
  put(w, "detail", ev.detail);
  put(w, "hint", ev.hint);
  put(w, "context", ev.context);
  put(w, "statement", ev.statement);
  put(w, "query", ev.query);
  put(w, "location", ev.location);
  put(w, "user", ev.user);
  put(w, "database", ev.database);
  put(w, "application", ev.application);
  put(w, "remote_host", ev.remote_host);
  put(w, "remote_port", ev.remote_port);
  put(w, "local_address", ev.local_address);
  put(w, "session_id", ev.session_id);
  put(w, "line_num", ev.line_num);
  put_time(w, "session_start", ev.session_start_ms, false, &start_cache);
  put(w, "command_tag", ev.command_tag);
  put(w, "vxid", ev.vxid);
  put(w, "xid", ev.xid);
  put(w, "backend_type", ev.backend_type);
  put(w, "query_id", ev.query_id);
  put(w, "leader_pid", ev.leader_pid);
  if (ev.truncated) {
    w.LiteralKey("truncated");
    w.Bool(true);
  }
  w.EndObject();
  w.EndObject();
  out->Put('\n');
}

}  // namespace pgtail
