#pragma once
/// The event of DESIGN.md contract 1: one log entry (or one raw line) and the
/// instance it came from. Parsers fill an Event; write_event() renders it.
#include <cstdint>
#include <optional>
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pgtail {

/// Where the events come from; rendered once, since it is the same on every line.
struct Instance {
  std::optional<int64_t> id;
  std::string name, host, cluster, version, data_dir;
  std::optional<int64_t> port;
};

/// One entry. Strings left empty and unset numbers are omitted from the JSON,
/// as are PostgreSQL's "[unknown]" placeholders (see set_text()).
struct Event {
  enum class Type { kLogEntry, kRaw };
  Type type = Type::kLogEntry;
  std::optional<int64_t> time_ms;  ///< UTC milliseconds since the epoch
  std::string level;               ///< English severity: LOG, ERROR, ...
  std::string sqlstate, message, detail, hint, context, statement, query,
      location, user, database, application, remote_host, local_address,
      session_id, command_tag, vxid, backend_type;
  std::optional<int64_t> session_start_ms;
  std::optional<int64_t> pid, remote_port, line_num, xid, query_id, leader_pid;
  bool truncated = false;
  /// Not written out: csvlog's and jsonlog's cursor positions, which stderr
  /// writes as " at character N" after the message (see append_position()).
  std::optional<int64_t> cursor_pos, internal_pos;
  /// Instance name given by a wrapper (CloudNativePG pod, Cloud SQL database id);
  /// overrides Instance::name when set.
  std::string instance_name;

  /// Empties every field, keeping the strings' capacity (events are reused).
  void clear();
};

/// Sets a text field, dropping the server's placeholders for a value it does
/// not know: "[unknown]" in English and in its translations ("[unbekannt]",
/// "[inconnu]", ...), and "[none]" (%L of a background process).
void set_text(std::string& field, const char* p, size_t n);

/// Renders `instance` as the JSON object that every event line carries.
std::string instance_json(const Instance& instance);

/// RapidJSON's writer with a fast path for the common string: one that needs
/// no escaping (no '"', '\\' or control character) is copied whole instead of
/// scanned character by character; any other goes through RapidJSON's own
/// escaping. Commas, colons and nesting stay RapidJSON's.
class JsonLineWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  using Base = rapidjson::Writer<rapidjson::StringBuffer>;
  bool String(const char* s, rapidjson::SizeType n);
  bool Key(const char* s, rapidjson::SizeType n) { return String(s, n); }
  /// A key known to need no escaping (a string literal of ours).
  template <size_t N>
  bool LiteralKey(const char (&key)[N]) {
    return Raw(key, N - 1);
  }
  /// An object member: a literal key and a string value, escaped by
  /// RapidJSON when it must be, else copied with the key in one step.
  template <size_t N>
  bool Member(const char (&key)[N], const char* s, rapidjson::SizeType n) {
    return Member(key, N - 1, s, n);
  }
  /// RawValue() copied in one step rather than character by character: for
  /// JSON made once and written on every line (the instance, a time).
  bool RawJson(const char* json, size_t n, rapidjson::Type type);

 private:
  bool Raw(const char* s, rapidjson::SizeType n);
  bool Member(const char* key, size_t key_size, const char* s, rapidjson::SizeType n);
};

/// Renders events as NDJSON lines. The instance object is the same on every
/// line, so it is rendered once, not per event.
class EventWriter {
 public:
  explicit EventWriter(Instance instance);
  /// Appends one line (with its '\n') for `ev` to `out`. All strings in `ev`
  /// must already be valid UTF-8 (see utf8.hpp).
  void write(const Event& ev, rapidjson::StringBuffer* out);

 private:
  const std::string& instance_for(const Event& ev);
  Instance instance_;
  std::string json_, named_, named_json_;
  /// Kept from line to line: a Writer allocates its nesting stack on first use.
  JsonLineWriter writer_;
};

}  // namespace pgtail
