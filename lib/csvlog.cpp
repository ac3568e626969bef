#include "csvlog.hpp"

#include <charconv>
#include <cstring>
#include <optional>

#include "severity.hpp"
#include "utf8.hpp"

namespace pgtail {

namespace {

/// csvlog's columns in the order the server writes them (elog.c write_csvlog,
/// csvlog.c from 15), with the field each fills.
struct Column {
  const char* name_;
  LogField field_;
};
constexpr Column kColumns[] = {
    {"log_time", LogField::kTime},
    {"user_name", LogField::kUser},
    {"database_name", LogField::kDatabase},
    {"process_id", LogField::kPid},
    {"connection_from", LogField::kConnectionFrom},
    {"session_id", LogField::kSessionId},
    {"session_line_num", LogField::kLineNum},
    {"command_tag", LogField::kCommandTag},
    {"session_start_time", LogField::kSessionStart},
    {"virtual_transaction_id", LogField::kVxid},
    {"transaction_id", LogField::kXid},
    {"error_severity", LogField::kLevel},
    {"sql_state_code", LogField::kSqlstate},
    {"message", LogField::kMessage},
    {"detail", LogField::kDetail},
    {"hint", LogField::kHint},
    {"internal_query", LogField::kQuery},
    {"internal_query_pos", LogField::kInternalPos},
    {"context", LogField::kContext},
    {"query", LogField::kStatement},
    {"query_pos", LogField::kCursorPos},
    {"location", LogField::kLocation},
    {"application_name", LogField::kApplication},  // 9.0
    {"backend_type", LogField::kBackendType},      // 13
    {"leader_pid", LogField::kLeaderPid},          // 14
    {"query_id", LogField::kQueryId},              // 14
};
constexpr size_t kMaxColumns = sizeof(kColumns) / sizeof(kColumns[0]);
constexpr size_t kMinColumns = 22;  // 8.4, before application_name

/// The event's name of a numeric field, for warnings.
const char* number_name(LogField f) {
  switch (f) {
    case LogField::kPid: return "pid";
    case LogField::kRemotePort: return "remote_port";
    case LogField::kLineNum: return "line_num";
    case LogField::kXid: return "xid";
    case LogField::kLeaderPid: return "leader_pid";
    case LogField::kQueryId: return "query_id";
    case LogField::kCursorPos: return "query_pos";
    case LogField::kInternalPos: return "internal_query_pos";
    default: return "number";
  }
}

std::optional<int64_t>* number_slot(LogField f, Event* ev) {
  switch (f) {
    case LogField::kPid: return &ev->pid;
    case LogField::kRemotePort: return &ev->remote_port;
    case LogField::kLineNum: return &ev->line_num;
    case LogField::kXid: return &ev->xid;
    case LogField::kLeaderPid: return &ev->leader_pid;
    case LogField::kQueryId: return &ev->query_id;
    case LogField::kCursorPos: return &ev->cursor_pos;
    case LogField::kInternalPos: return &ev->internal_pos;
    default: return nullptr;
  }
}

bool parse_int64(std::string_view s, int64_t* out) {
  const char* end = s.data() + s.size();
  std::from_chars_result r = std::from_chars(s.data(), end, *out);
  return r.ec == std::errc() && r.ptr == end;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

/// "10.0.0.5:51234", "::1:5432", "db.example.com:5432" or "[local]". The port
/// follows the last colon; an address ending in "::" before it is IPv6 without
/// a port (the server always writes one for TCP, so this is only caution).
void set_connection_from(std::string_view v, Event* ev) {
  size_t colon = v.rfind(':');
  int64_t port;
  if (colon != std::string_view::npos && colon > 0 && v[colon - 1] != ':' &&
      all_digits(v.substr(colon + 1)) && parse_int64(v.substr(colon + 1), &port)) {
    ev->remote_port = port;
    v = v.substr(0, colon);
  }
  set_text(ev->remote_host, v.data(), v.size());
}

void set_level(std::string_view v, Event* ev) {
  Level level = parse_severity_word(v);
  if (level == Level::kNone) {
    // An unknown word (a translation we lack) is kept as written, not lost.
    set_text(ev->level, v.data(), v.size());
    return;
  }
  std::string_view name = level_name(level);
  ev->level.assign(name.data(), name.size());
}

size_t count_quotes(std::string_view s) {
  if (s.empty()) return 0;
  size_t n = 0;
  const char* p = s.data();
  const char* end = p + s.size();
  while ((p = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p))))) {
    ++n;
    ++p;
  }
  return n;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// "dddd-dd-dd dd:dd:dd" at the start of `s`.
bool is_datetime(std::string_view s) {
  static const char kShape[] = "dddd-dd-dd dd:dd:dd";
  if (s.size() < sizeof(kShape) - 1) return false;
  for (size_t i = 0; i < sizeof(kShape) - 1; ++i) {
    if (kShape[i] == 'd' ? !is_digit(s[i]) : s[i] != kShape[i]) return false;
  }
  return true;
}

bool is_zone_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
         c == '-' || c == ':' || c == '/' || c == '_';
}

}  // namespace

LogField csvlog_column_field(std::string_view column) {
  for (const Column& c : kColumns)
    if (column == c.name_) return c.field_;
  return LogField::kNone;
}

bool set_log_field(LogField field, std::string_view v, ZoneResolver& zones, Event* ev,
                   std::string* warning) {
  if (v.empty()) return true;
  switch (field) {
    case LogField::kNone: return true;
    case LogField::kTime:
    case LogField::kSessionStart: {
      int64_t ms;
      if (!parse_pg_timestamp(v, zones, &ms, warning)) return false;
      (field == LogField::kTime ? ev->time_ms : ev->session_start_ms) = ms;
      return true;
    }
    case LogField::kUser: set_text(ev->user, v.data(), v.size()); return true;
    case LogField::kDatabase: set_text(ev->database, v.data(), v.size()); return true;
    case LogField::kApplication: set_text(ev->application, v.data(), v.size()); return true;
    case LogField::kBackendType: set_text(ev->backend_type, v.data(), v.size()); return true;
    case LogField::kCommandTag: set_text(ev->command_tag, v.data(), v.size()); return true;
    case LogField::kRemoteHost: set_text(ev->remote_host, v.data(), v.size()); return true;
    case LogField::kConnectionFrom: set_connection_from(v, ev); return true;
    case LogField::kSessionId: ev->session_id.assign(v.data(), v.size()); return true;
    case LogField::kVxid: ev->vxid.assign(v.data(), v.size()); return true;
    case LogField::kSqlstate: ev->sqlstate.assign(v.data(), v.size()); return true;
    case LogField::kLevel: set_level(v, ev); return true;
    case LogField::kMessage: ev->message.assign(v.data(), v.size()); return true;
    case LogField::kDetail: ev->detail.assign(v.data(), v.size()); return true;
    case LogField::kHint: ev->hint.assign(v.data(), v.size()); return true;
    case LogField::kQuery: ev->query.assign(v.data(), v.size()); return true;
    case LogField::kContext: ev->context.assign(v.data(), v.size()); return true;
    case LogField::kStatement: ev->statement.assign(v.data(), v.size()); return true;
    case LogField::kLocation: ev->location.assign(v.data(), v.size()); return true;
    case LogField::kPid:
    case LogField::kRemotePort:
    case LogField::kLineNum:
    case LogField::kXid:
    case LogField::kLeaderPid:
    case LogField::kQueryId:
    case LogField::kCursorPos:
    case LogField::kInternalPos: {
      int64_t n;
      if (parse_int64(v, &n)) {
        *number_slot(field, ev) = n;
        return true;
      }
      if (v == "[unknown]") return true;
      warning->assign("invalid ");
      warning->append(number_name(field));
      warning->append(" '");
      warning->append(v.data(), utf8_cut(v, 40));
      warning->append("'");
      return false;
    }
  }
  return true;
}

void append_position(Event* ev) {
  // elog.c: the cursor position wins over the internal query's.
  const std::optional<int64_t>& pos = ev->cursor_pos.value_or(0) > 0 ? ev->cursor_pos : ev->internal_pos;
  if (pos.value_or(0) > 0 && !ev->message.empty()) ev->message += " at character " + std::to_string(*pos);
}

void set_log_field(LogField field, int64_t value, Event* ev) {
  if (std::optional<int64_t>* slot = number_slot(field, ev)) *slot = value;
}

bool cut_event_to(size_t max_bytes, Event* ev) {
  std::string* texts[] = {&ev->message, &ev->detail,    &ev->hint,
                          &ev->context, &ev->statement, &ev->query};
  size_t other = 0;
  for (const std::string* s :
       {&ev->level, &ev->sqlstate, &ev->location, &ev->user, &ev->database, &ev->application,
        &ev->remote_host, &ev->local_address, &ev->session_id, &ev->command_tag, &ev->vxid,
        &ev->backend_type, &ev->instance_name})
    other += s->size();
  size_t text = 0;
  for (const std::string* s : texts) text += s->size();
  if (other + text <= max_bytes) return false;
  size_t budget = max_bytes > other ? max_bytes - other : 0;
  for (std::string* s : texts) {
    size_t keep = utf8_cut(*s, budget);
    if (keep < s->size()) s->resize(keep);
    budget -= keep;
  }
  ev->truncated = true;
  return true;
}

bool looks_like_csvlog(std::string_view line) {
  size_t i = 0;
  bool quoted = !line.empty() && line[0] == '"';
  if (quoted) ++i;
  if (!is_datetime(line.substr(i))) return false;
  i += 19;
  if (i < line.size() && line[i] == '.') {
    size_t digits = ++i;
    while (i < line.size() && is_digit(line[i])) ++i;
    if (i == digits) return false;
  }
  if (i < line.size() && line[i] == ' ') {
    size_t zone = ++i;
    while (i < line.size() && is_zone_char(line[i])) ++i;
    if (i == zone) return false;
  }
  if (quoted) {
    if (i >= line.size() || line[i] != '"') return false;
    ++i;
  }
  if (i >= line.size() || line[i] != ',') return false;
  // The columns up to the message (user ... sql_state_code) are on the same
  // physical line: twelve more commas at least.
  const char* p = line.data() + i + 1;
  const char* end = line.data() + line.size();
  for (int commas = 0; commas < 12; ++commas) {
    p = static_cast<const char*>(std::memchr(p, ',', static_cast<size_t>(end - p)));
    if (!p) return false;
    ++p;
  }
  return true;
}

CsvlogReader::CsvlogReader(ZoneResolver& zones, size_t max_entry_bytes)
    : zones_(zones), max_bytes_(max_entry_bytes) {
  fields_.reserve(32);
}

namespace {

/// Takes the field that starts at *i, up to the next unquoted comma or the
/// end, into *field, and moves *i there. Fast paths for "text" and text, the
/// server's two forms; the general RFC 4180 form (a '"' opens or closes
/// quoting, "" inside quotes is one quote) unescapes into *out. Returns false
/// when a quote is left open.
bool take_field(const char* p, size_t n, size_t* i, char** out, std::string_view* field) {
  size_t k = *i;
  if (k < n && p[k] == '"') {
    const void* q = std::memchr(p + k + 1, '"', n - k - 1);
    if (!q) return false;
    size_t j = static_cast<size_t>(static_cast<const char*>(q) - p);
    if (j + 1 == n || p[j + 1] == ',') {
      *field = std::string_view(p + k + 1, j - k - 1);
      *i = j + 1;
      return true;
    }
  } else {
    const void* c = std::memchr(p + k, ',', n - k);
    size_t j = c ? static_cast<size_t>(static_cast<const char*>(c) - p) : n;
    if (!std::memchr(p + k, '"', j - k)) {
      *field = std::string_view(p + k, j - k);
      *i = j;
      return true;
    }
  }
  // Escaped quotes, or quotes where the server never writes them. Every quote
  // toggles quoting but an escaped pair, so "a quote is open at the end"
  // agrees with counting the quotes of each line.
  char* start = *out;
  char* o = start;
  bool in_quote = false;
  while (k < n) {
    if (in_quote) {
      const void* q = std::memchr(p + k, '"', n - k);
      if (!q) return false;
      size_t j = static_cast<size_t>(static_cast<const char*>(q) - p);
      std::memcpy(o, p + k, j - k);
      o += j - k;
      if (j + 1 < n && p[j + 1] == '"') {
        *o++ = '"';
        k = j + 2;
      } else {
        in_quote = false;
        k = j + 1;
      }
    } else if (p[k] == ',') {
      break;
    } else if (p[k] == '"') {
      in_quote = true;
      ++k;
    } else {
      *o++ = p[k++];
    }
  }
  if (in_quote) return false;
  *field = std::string_view(start, static_cast<size_t>(o - start));
  *out = o;
  *i = k;
  return true;
}

}  // namespace

/// Splits a complete record into fields_; false when a quote is left open.
bool CsvlogReader::split(std::string_view text) {
  fields_.clear();
  // Unescaped fields are never longer than the record: size scratch_ once so
  // the views into it stay valid.
  if (scratch_.size() < text.size()) scratch_.resize(text.size());
  char* out = &scratch_[0];
  size_t i = 0;
  std::string_view field;
  for (;;) {
    if (!take_field(text.data(), text.size(), &i, &out, &field)) return false;
    fields_.push_back(field);
    if (i >= text.size()) return true;
    ++i;  // the comma; a trailing one gives a last empty field
  }
}

CsvlogReader::Result CsvlogReader::emit(std::string_view text, Event* ev, std::string* err) {
  size_t n = fields_.size();
  if (n < kMinColumns) {
    ev->clear();
    ev->type = Event::Type::kRaw;
    ev->message.assign(text.data(), text.size());
    *err = "csvlog record has " + std::to_string(n) + (n == 1 ? " column" : " columns") +
           ", expected 22, 23, 24 or 26";
    return Result::kError;
  }
  // Later servers only ever append columns: read the ones we know. 25 is no
  // server's layout (seen in a hand-made test log): its last column is unknown.
  size_t used = n >= kMaxColumns ? kMaxColumns : n == 25 ? 24 : n;
  ev->clear();
  err->clear();
  for (size_t i = 0; i < used; ++i) {
    if (fields_[i].empty()) continue;
    if (!set_log_field(kColumns[i].field_, fields_[i], zones_, ev, &warning_) && err->empty())
      *err = warning_;
  }
  append_position(ev);
  cut_event_to(max_bytes_, ev);
  return Result::kEvent;
}

CsvlogReader::Result CsvlogReader::give_up(const std::string& why, Event* ev, std::string* err) {
  record_line_ = record_start_;
  ev->clear();
  ev->type = Event::Type::kRaw;
  ev->message.swap(record_);
  record_.clear();
  pending_ = false;
  *err = why;
  return Result::kError;
}

void CsvlogReader::hold(std::string_view line) {
  if (line.empty()) return;
  record_.assign(line.data(), line.size());
  record_start_ = line_no_;
  if (count_quotes(line) % 2)
    pending_ = true;
  else
    ready_ = true;
}

CsvlogReader::Result CsvlogReader::start(std::string_view line, Event* ev, std::string* err) {
  record_start_ = line_no_;
  if (line.empty()) return Result::kNeedMore;
  if (split(line)) {
    record_line_ = line_no_;
    return emit(line, ev, err);
  }
  record_.assign(line.data(), line.size());
  pending_ = true;
  return Result::kNeedMore;
}

CsvlogReader::Result CsvlogReader::feed(std::string_view line, Event* ev, std::string* err) {
  ++line_no_;
  if (ready_) {
    // The caller did not drain next(): hand out the held record now and hold
    // this line in its place.
    Result r = next(ev, err);
    hold(line);
    return r;
  }
  if (!pending_) return start(line, ev, err);
  if (looks_like_csvlog(line)) {
    Result r = give_up("unterminated quoted field in csvlog record; kept as raw", ev, err);
    hold(line);
    return r;
  }
  record_ += '\n';
  record_.append(line.data(), line.size());
  if (count_quotes(line) % 2) {
    // The open quote closes on this line.
    pending_ = false;
    ready_ = true;
    return next(ev, err);
  }
  if (record_.size() > max_bytes_)
    return give_up("csvlog record longer than " + std::to_string(max_bytes_) +
                       " bytes with a quoted field still open; kept as raw",
                   ev, err);
  return Result::kNeedMore;
}

CsvlogReader::Result CsvlogReader::next(Event* ev, std::string* err) {
  if (!ready_) return Result::kNeedMore;
  ready_ = false;
  record_line_ = record_start_;
  Result r;
  if (split(record_))
    r = emit(record_, ev, err);
  else  // cannot happen: quotes were counted; kept as raw all the same
    return give_up("unterminated quoted field in csvlog record; kept as raw", ev, err);
  record_.clear();
  return r;
}

CsvlogReader::Result CsvlogReader::finish(Event* ev, std::string* err) {
  if (ready_) return next(ev, err);
  if (pending_)
    return give_up("unterminated quoted field at the end of the csvlog input; kept as raw", ev, err);
  return Result::kNeedMore;
}

}  // namespace pgtail
