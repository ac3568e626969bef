#pragma once
/// Reading one event line (DESIGN.md contracts 1 and 2) without building a
/// document: the fields rules look at, as views into the parsed line, and the
/// byte offsets that let a tool write the line back out with members added
/// (pg-match appends event.fingerprint and trigger) instead of re-rendering it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgtail {

/// The event fields a rule can name (`field~/re/`), as in contract 1.
enum class Field : unsigned char {
  kType, kLevel, kSqlstate, kMessage, kDetail, kHint, kContext, kStatement, kQuery,
  kLocation, kUser, kDatabase, kApplication, kRemoteHost, kRemotePort, kLocalAddress,
  kSessionId, kLineNum, kSessionStart, kCommandTag, kVxid, kXid, kBackendType,
  kQueryId, kLeaderPid, kPid, kFingerprint, kCount
};
constexpr size_t kFieldCount = static_cast<size_t>(Field::kCount);

/// The JSON name of a field ("remote_host").
std::string_view field_name(Field f);
/// The field called `name`, or false.
bool parse_field_name(std::string_view name, Field* f);
/// Every field name, for "did you mean" and the manual.
const char* const* field_names();

struct EventView {
  std::string_view fields[kFieldCount];  ///< empty when absent; numbers as written
  std::optional<int64_t> time_ms;        ///< top-level "timestamp"
  std::string_view timestamp;            ///< its text
  std::string_view instance_json;        ///< the "instance" object, a view into the line itself
  /// Offsets in the original line: just before the '}' that closes "event",
  /// and just before the '}' that closes the line's object.
  size_t event_close = 0, line_close = 0;
  bool has_trigger = false;  ///< already carries a top-level "trigger"
  bool truncated = false;

  std::string_view get(Field f) const { return fields[static_cast<size_t>(f)]; }
};

/// Parses event lines. Keeps its buffer from line to line.
class EventReader {
 public:
  /// Parses `line`. Views in *out point into the reader's copy (valid until
  /// the next call) except the offsets, which refer to `line` itself.
  /// False with *err ("invalid JSON: ..." or "not an event: ...").
  bool read(std::string_view line, EventView* out, std::string* err);

 private:
  std::string buf_;
};

}  // namespace pgtail
