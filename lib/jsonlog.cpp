#include "jsonlog.hpp"

#include <charconv>
#include <cstring>

#include <rapidjson/error/en.h>

#include "csvlog.hpp"

namespace pgtail {

namespace {

/// What a top-level key says: a field shared with csvlog, or one of the three
/// parts of location, which only make sense together.
enum class Part : unsigned char { kIgnored, kField, kFuncName, kFileName, kFileLine };

struct KeySpec {
  const char* name_;
  unsigned char size_;
  Part part_;
  LogField field_;
};

#define PGTAIL_KEY(name, part, field) {name, sizeof(name) - 1, Part::part, LogField::field}
/// The keys of elog.c/jsonlog.c (15 to 17), in the order the server writes them.
constexpr KeySpec kKeys[] = {
    PGTAIL_KEY("timestamp", kField, kTime),
    PGTAIL_KEY("user", kField, kUser),
    PGTAIL_KEY("dbname", kField, kDatabase),
    PGTAIL_KEY("pid", kField, kPid),
    PGTAIL_KEY("remote_host", kField, kRemoteHost),
    PGTAIL_KEY("remote_port", kField, kRemotePort),
    PGTAIL_KEY("session_id", kField, kSessionId),
    PGTAIL_KEY("line_num", kField, kLineNum),
    PGTAIL_KEY("ps", kField, kCommandTag),
    PGTAIL_KEY("session_start", kField, kSessionStart),
    PGTAIL_KEY("vxid", kField, kVxid),
    PGTAIL_KEY("txid", kField, kXid),
    PGTAIL_KEY("error_severity", kField, kLevel),
    PGTAIL_KEY("state_code", kField, kSqlstate),
    PGTAIL_KEY("message", kField, kMessage),
    PGTAIL_KEY("detail", kField, kDetail),
    PGTAIL_KEY("hint", kField, kHint),
    PGTAIL_KEY("internal_query", kField, kQuery),
    PGTAIL_KEY("context", kField, kContext),
    PGTAIL_KEY("statement", kField, kStatement),
    PGTAIL_KEY("cursor_position", kField, kCursorPos),
    PGTAIL_KEY("internal_position", kField, kInternalPos),
    PGTAIL_KEY("func_name", kFuncName, kNone),
    PGTAIL_KEY("file_name", kFileName, kNone),
    PGTAIL_KEY("file_line_num", kFileLine, kNone),
    PGTAIL_KEY("application_name", kField, kApplication),
    PGTAIL_KEY("backend_type", kField, kBackendType),
    PGTAIL_KEY("leader_pid", kField, kLeaderPid),
    PGTAIL_KEY("query_id", kField, kQueryId),
};
#undef PGTAIL_KEY

const KeySpec* find_key(const char* s, size_t n) {
  for (const KeySpec& k : kKeys)
    if (k.size_ == n && k.name_[0] == s[0] && std::memcmp(k.name_, s, n) == 0) return &k;
  return nullptr;
}

}  // namespace

/// RapidJSON SAX handler: top-level members go to the event, anything nested
/// is skipped. Strings point into JsonlogReader::buf_ (parsed in place).
struct JsonlogHandler {
  JsonlogReader& r_;
  Event* ev_;
  std::string* err_;
  int depth_ = 0;
  bool object_ = false;    ///< the line is a JSON object
  bool severity_ = false;  ///< with "error_severity"
  const KeySpec* key_ = nullptr;
  std::string_view func_, file_, file_line_;

  JsonlogHandler(JsonlogReader& reader, Event* e, std::string* warning)
      : r_(reader), ev_(e), err_(warning) {}

  /// The value of the current member, if it is a top-level one.
  const KeySpec* take() {
    const KeySpec* k = depth_ == 1 ? key_ : nullptr;
    key_ = nullptr;
    return k;
  }
  bool text(std::string_view v) {
    const KeySpec* k = take();
    if (!k) return true;
    switch (k->part_) {
      case Part::kField:
        if (k->field_ == LogField::kLevel) severity_ = true;
        if (!set_log_field(k->field_, v, r_.zones_, ev_, &r_.warning_) && err_->empty())
          *err_ = r_.warning_;
        break;
      case Part::kFuncName: func_ = v; break;
      case Part::kFileName: file_ = v; break;
      case Part::kFileLine: file_line_ = v; break;
      case Part::kIgnored: break;
    }
    return true;
  }
  bool number(int64_t n) {
    const KeySpec* k = take();
    if (!k) return true;
    if (k->part_ == Part::kField) {
      set_log_field(k->field_, n, ev_);
    } else if (k->part_ == Part::kFileLine) {
      // Kept as text in the reader's buffer, for location.
      char digits[24];
      std::to_chars_result tc = std::to_chars(digits, digits + sizeof(digits), n);
      r_.number_.assign(digits, tc.ptr);
      file_line_ = r_.number_;
    }
    return true;
  }

  bool Null() { take(); return true; }
  bool Bool(bool) { take(); return true; }
  bool Int(int i) { return number(i); }
  bool Uint(unsigned u) { return number(u); }
  bool Int64(int64_t i) { return number(i); }
  bool Uint64(uint64_t u) {
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      take();
      return true;
    }
    return number(static_cast<int64_t>(u));
  }
  bool Double(double d) {
    // An integer written with a fraction or exponent still counts.
    if (d >= -9.2e18 && d <= 9.2e18 && d == static_cast<double>(static_cast<int64_t>(d)))
      return number(static_cast<int64_t>(d));
    take();
    return true;
  }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { take(); return true; }
  bool String(const char* s, rapidjson::SizeType n, bool) { return text(std::string_view(s, n)); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    key_ = depth_ == 1 ? find_key(s, n) : nullptr;
    return true;
  }
  bool StartObject() {
    if (depth_ == 0) object_ = true;
    take();
    ++depth_;
    return true;
  }
  bool EndObject(rapidjson::SizeType) { --depth_; return true; }
  bool StartArray() { take(); ++depth_; return true; }
  bool EndArray(rapidjson::SizeType) { --depth_; return true; }

  /// "func, file:line" as on a stderr LOCATION line; "file:line" without a
  /// function name.
  void set_location() {
    std::string& loc = ev_->location;
    if (!file_.empty()) {
      if (!func_.empty()) {
        loc.assign(func_.data(), func_.size());
        loc += ", ";
      }
      loc.append(file_.data(), file_.size());
      if (!file_line_.empty()) {
        loc += ':';
        loc.append(file_line_.data(), file_line_.size());
      }
    } else if (!func_.empty()) {
      loc.assign(func_.data(), func_.size());
    }
  }
};

JsonlogReader::JsonlogReader(ZoneResolver& zones, size_t max_entry_bytes)
    : zones_(zones), max_bytes_(max_entry_bytes) {}

bool JsonlogReader::parse(std::string_view line, Event* ev, std::string* err) {
  ev->clear();
  err->clear();
  buf_.assign(line.data(), line.size());
  // With RAPIDJSON_SSE2 the reader loads aligned 16-byte blocks, which may
  // reach past the terminating NUL: keep those bytes inside the buffer.
  buf_.append(16, '\0');
  JsonlogHandler h(*this, ev, err);
  rapidjson::InsituStringStream in(&buf_[0]);
  rapidjson::ParseResult ok = reader_.Parse<rapidjson::kParseInsituFlag>(in, h);
  if (!ok && h.object_ && h.severity_ && ok.Offset() >= line.size()) {
    // The line stops inside the object (cut by a line length limit): what
    // came before the cut is good, and the alert matters more than the tail.
    ev->truncated = true;
    if (err->empty()) *err = "jsonlog line ends inside its JSON object; kept the fields before the cut";
  } else if (!ok || !h.object_ || !h.severity_) {
    ev->clear();
    ev->type = Event::Type::kRaw;
    ev->message.assign(line.data(), line.size());
    if (!ok)
      *err = "invalid JSON at byte " + std::to_string(ok.Offset()) + ": " +
             rapidjson::GetParseError_En(ok.Code());
    else if (!h.object_)
      *err = "not a JSON object";
    else
      *err = "JSON object without \"error_severity\": not a jsonlog entry";
    return false;
  }
  // The server writes state_code only when it is not 00000 (jsonlog.c);
  // csvlog and %e write 00000, and the same entry must give the same event.
  if (ev->sqlstate.empty()) ev->sqlstate = "00000";
  h.set_location();
  append_position(ev);
  cut_event_to(max_bytes_, ev);
  return true;
}

bool looks_like_jsonlog(std::string_view line) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos || line[i] != '{') return false;
  return line.find("\"timestamp\"", i) != std::string_view::npos &&
         line.find("\"error_severity\"", i) != std::string_view::npos;
}

}  // namespace pgtail
