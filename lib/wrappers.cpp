#include "wrappers.hpp"

#include <cstdint>
#include <cstring>

#include <rapidjson/error/en.h>

#include "csvlog.hpp"

namespace pgtail {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Digits only, as journald writes _PID and __REALTIME_TIMESTAMP.
bool parse_digits(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

/// The top-level keys the wrappers carry, and "record" / "resource" / "labels"
/// on the way to the nested ones.
enum class WKey : unsigned char {
  kNone, kLogger, kMsg, kTs, kPod, kRecord,            // cnpg
  kTextPayload, kTimestamp, kResource, kLabels, kDbId,  // cloudsql
  kMessage, kPid, kRealtime, kIdent, kComm,            // journald
  kLog, kTime,                                         // docker
};

struct KeyName {
  const char* name;
  WKey key;
};

WKey top_key(Format f, std::string_view k) {
  static const KeyName kCnpg[] = {{"logger", WKey::kLogger}, {"msg", WKey::kMsg}, {"ts", WKey::kTs},
                                  {"logging_pod", WKey::kPod}, {"record", WKey::kRecord}};
  static const KeyName kCloud[] = {{"textPayload", WKey::kTextPayload}, {"timestamp", WKey::kTimestamp},
                                   {"resource", WKey::kResource}};
  static const KeyName kJournal[] = {{"MESSAGE", WKey::kMessage}, {"_PID", WKey::kPid},
                                     {"__REALTIME_TIMESTAMP", WKey::kRealtime},
                                     {"SYSLOG_IDENTIFIER", WKey::kIdent}, {"_COMM", WKey::kComm}};
  static const KeyName kDocker[] = {{"log", WKey::kLog}, {"time", WKey::kTime}};
  auto find = [k](const auto& table) {
    for (const KeyName& n : table)
      if (k == n.name) return n.key;
    return WKey::kNone;
  };
  switch (f) {
    case Format::kCnpg: return find(kCnpg);
    case Format::kCloudsql: return find(kCloud);
    case Format::kJournald: return find(kJournal);
    case Format::kDocker: return find(kDocker);
    default: return WKey::kNone;
  }
}

}  // namespace

/// RapidJSON SAX handler: the wrapper's keys at the top level, CloudNativePG's
/// record and Cloud Logging's resource.labels one and two levels down.
/// Strings point into WrapperReader::buf_ (parsed in place).
struct WrapperHandler {
  WrapperReader& r_;
  Format format_;
  Event* record_;
  std::string* err_;
  int depth_ = 0;
  bool object_ = false, in_record_ = false, in_resource_ = false, in_labels_ = false;
  bool message_bytes_ = false;  ///< inside journald's MESSAGE array
  WKey key_ = WKey::kNone;
  LogField field_ = LogField::kNone;  ///< the record column being read
  bool record_seen_ = false, msg_seen_ = false;
  std::string_view logger_, msg_, text_, time_, pod_, db_id_, ident_, comm_, pid_, realtime_;
  std::optional<int64_t> pid_num_;
  double ts_ = 0;
  bool has_ts_ = false;

  WrapperHandler(WrapperReader& r, Format f, Event* record, std::string* err)
      : r_(r), format_(f), record_(record), err_(err) {}

  WKey take() {
    WKey k = key_;
    key_ = WKey::kNone;
    return k;
  }
  bool text(std::string_view v) {
    if (in_record_ && depth_ == 2) {
      if (!set_log_field(field_, v, r_.zones_, record_, &r_.warning_) && err_->empty())
        *err_ = r_.warning_;
      field_ = LogField::kNone;
      return true;
    }
    WKey k = take();
    if (in_labels_ && depth_ == 3) {
      if (k == WKey::kDbId) db_id_ = v;
      return true;
    }
    if (depth_ != 1) return true;
    switch (k) {
      case WKey::kLogger: logger_ = v; break;
      case WKey::kMsg: msg_ = v; msg_seen_ = true; break;
      case WKey::kPod: pod_ = v; break;
      case WKey::kTextPayload: case WKey::kMessage: case WKey::kLog: text_ = v; msg_seen_ = true; break;
      case WKey::kTimestamp: case WKey::kTime: time_ = v; break;
      case WKey::kPid: pid_ = v; break;
      case WKey::kRealtime: realtime_ = v; break;
      case WKey::kIdent: ident_ = v; break;
      case WKey::kComm: comm_ = v; break;
      default: break;
    }
    return true;
  }
  bool number(int64_t n, double d) {
    if (message_bytes_) {
      r_.bytes_.push_back(static_cast<char>(n & 0xff));
      return true;
    }
    if (in_record_ && depth_ == 2) {
      set_log_field(field_, n, record_);
      field_ = LogField::kNone;
      return true;
    }
    WKey k = take();
    if (depth_ != 1) return true;
    if (k == WKey::kTs) {
      ts_ = d;
      has_ts_ = true;
    } else if (k == WKey::kPid) {
      pid_num_ = n;  // journald writes it as a string; a number will do
    }
    return true;
  }

  bool Null() { take(); field_ = LogField::kNone; return true; }
  bool Bool(bool) { return Null(); }
  bool Int(int i) { return number(i, i); }
  bool Uint(unsigned u) { return number(u, u); }
  bool Int64(int64_t i) { return number(i, static_cast<double>(i)); }
  bool Uint64(uint64_t u) { return number(static_cast<int64_t>(u & INT64_MAX), static_cast<double>(u)); }
  bool Double(double d) {
    if (!(d >= -9.2e18 && d <= 9.2e18)) return Null();  // the conversion would be undefined
    return number(static_cast<int64_t>(d), d);
  }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return Null(); }
  bool String(const char* s, rapidjson::SizeType n, bool) { return text(std::string_view(s, n)); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    std::string_view k(s, n);
    if (in_record_ && depth_ == 2) {
      field_ = csvlog_column_field(k);
    } else if (in_labels_ && depth_ == 3) {
      key_ = k == "database_id" ? WKey::kDbId : WKey::kNone;
    } else if (in_resource_ && depth_ == 2) {
      key_ = k == "labels" ? WKey::kLabels : WKey::kNone;
    } else if (depth_ == 1) {
      key_ = top_key(format_, k);
    }
    return true;
  }
  bool StartObject() {
    if (depth_ == 0) object_ = true;
    WKey k = take();
    ++depth_;
    if (depth_ == 2 && k == WKey::kRecord) in_record_ = record_seen_ = true;
    if (depth_ == 2 && k == WKey::kResource) in_resource_ = true;
    if (depth_ == 3 && in_resource_ && k == WKey::kLabels) in_labels_ = true;
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    if (depth_ == 2) in_record_ = in_resource_ = false;
    if (depth_ == 3) in_labels_ = false;
    --depth_;
    return true;
  }
  bool StartArray() {
    WKey k = take();
    ++depth_;
    if (depth_ == 2 && k == WKey::kMessage) {
      message_bytes_ = true;
      r_.bytes_.clear();
    }
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    if (message_bytes_) {
      message_bytes_ = false;
      text_ = r_.bytes_;
      msg_seen_ = true;
    }
    --depth_;
    return true;
  }
};

WrapperReader::WrapperReader(ZoneResolver& zones, size_t max_entry_bytes)
    : zones_(zones), max_bytes_(max_entry_bytes) {}

bool WrapperReader::parse(Format format, std::string_view line, Wrapped* out, Event* record,
                          std::string* err) {
  *out = Wrapped();
  err->clear();
  record->clear();
  buf_.assign(line.data(), line.size());
  buf_.append(16, '\0');  // RapidJSON's SSE2 loads may read past the NUL
  WrapperHandler h(*this, format, record, err);
  rapidjson::InsituStringStream in(&buf_[0]);
  rapidjson::ParseResult ok = reader_.Parse<rapidjson::kParseInsituFlag>(in, h);
  if (!ok) {
    *err = "invalid JSON at byte " + std::to_string(ok.Offset()) + ": " +
           rapidjson::GetParseError_En(ok.Code());
    return false;
  }
  if (!h.object_) {
    *err = "not a JSON object";
    return false;
  }
  int64_t n;
  switch (format) {
    case Format::kCnpg:
      out->instance = h.pod_;
      if (h.has_ts_ && h.ts_ >= 0 && h.ts_ < 1e13) out->time_ms = static_cast<int64_t>(h.ts_ * 1000);
      // CloudNativePG's own messages (instance manager, wal-archive, ...)
      // carry another logger, or none.
      if (h.logger_ != "postgres") break;
      if (h.record_seen_) {
        out->kind = Wrapped::Kind::kRecord;
        if (record->sqlstate.empty()) record->sqlstate = "00000";
        append_position(record);
        cut_event_to(max_bytes_, record);
      } else if (h.msg_seen_) {
        out->kind = Wrapped::Kind::kText;
        out->text = h.msg_;
      }
      break;
    case Format::kCloudsql:
      if (!h.msg_seen_) break;  // an audit or other entry without textPayload
      out->kind = Wrapped::Kind::kText;
      out->text = h.text_;
      out->instance = h.db_id_;
      if (!h.time_.empty() && parse_iso8601(h.time_, &n)) out->time_ms = n;
      break;
    case Format::kJournald:
      if (!h.msg_seen_) break;
      // Another unit's or program's message (journalctl without -u).
      if (!h.ident_.empty() && !is_postgres_tag(h.ident_) && !is_postgres_tag(h.comm_)) break;
      out->kind = Wrapped::Kind::kText;
      out->text = h.text_;
      if (parse_digits(h.pid_, &n)) out->pid = n;
      else if (h.pid_num_) out->pid = h.pid_num_;
      if (parse_digits(h.realtime_, &n)) out->time_ms = n / 1000;
      break;
    case Format::kDocker:
      if (!h.msg_seen_) break;
      out->kind = Wrapped::Kind::kText;
      out->text = h.text_;
      if (!out->text.empty() && out->text.back() == '\n')
        out->text.remove_suffix(1);
      else
        out->partial = true;  // json-file splits lines longer than 16 KiB
      if (!h.time_.empty() && parse_iso8601(h.time_, &n)) out->time_ms = n;
      break;
    default:
      break;
  }
  return true;
}

bool parse_logplex_line(std::string_view line, SyslogLine* out) {
  *out = SyslogLine();
  // "2019-03-14T00:22:56+00:00 app[postgres.4882]: "
  if (line.size() < 22 || !is_digit(line[0]) || line[4] != '-' || line[10] != 'T') return false;
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  out->time = line.substr(0, sp);
  out->iso_time = true;
  // "app[postgres.4882]: " (heroku logs), or "HOST app[postgres.4882] " (a
  // log drain, the host being the drain's token).
  size_t src = sp + 1;
  size_t end = line.find(' ', src);
  if (end == std::string_view::npos) return false;
  if (line.substr(src, end - src).find('[') == std::string_view::npos) {
    src = end + 1;
    end = line.find(' ', src);
    if (end == std::string_view::npos) return false;
  }
  std::string_view word = line.substr(src, end - src);  // "app[postgres.4882]:"
  if (!word.empty() && word.back() == ':') word.remove_suffix(1);
  size_t open = word.find('[');
  if (open == 0 || open == std::string_view::npos || word.back() != ']') return false;
  std::string_view source = word.substr(open + 1, word.size() - open - 2);
  size_t dot = source.find('.');
  out->tag = source;
  if (dot != std::string_view::npos) {
    size_t p = dot + 1;
    int64_t pid = 0;
    if (p < source.size() && parse_digits(source.substr(p), &pid)) {
      out->tag = source.substr(0, dot);
      out->pid = pid;
    }
  }
  std::string_view rest = line.substr(end + 1);
  // "[GREEN] " (the database's color name), then "[15-1] ".
  if (rest.size() > 2 && rest[0] == '[' && !is_digit(rest[1])) {
    size_t e = rest.find("] ");
    if (e == std::string_view::npos) return false;
    rest.remove_prefix(e + 2);
  }
  if (rest.size() > 3 && rest[0] == '[' && is_digit(rest[1])) {
    size_t e = rest.find(']');
    size_t dash = rest.find('-');
    int64_t seq = 0, chunk = 0;
    if (e != std::string_view::npos && dash < e && parse_digits(rest.substr(1, dash - 1), &seq) &&
        parse_digits(rest.substr(dash + 1, e - dash - 1), &chunk)) {
      out->seq = seq;
      out->chunk = chunk;
      rest.remove_prefix(e + 1);
      if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    }
  }
  // Heroku's log_line_prefix begins with a space: "[15-1]  sql_error_code = ".
  if (rest.size() > 1 && rest[0] == ' ' && rest.compare(1, 15, "sql_error_code ") == 0)
    rest.remove_prefix(1);
  out->text = rest;
  return true;
}

Format sniff_wrapper(std::string_view line) {
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos) return Format::kAuto;
  auto has = [&](const char* key) { return line.find(key, i) != std::string_view::npos; };
  if (line[i] == '{') {
    if (has("\"logging_pod\"")) return Format::kCnpg;
    if (has("\"textPayload\"")) return Format::kCloudsql;
    if (has("\"__REALTIME_TIMESTAMP\"") || (has("\"MESSAGE\"") && has("\"_PID\""))) return Format::kJournald;
    if (has("\"log\"") && has("\"stream\"")) return Format::kDocker;
    return Format::kAuto;
  }
  SyslogLine sl;
  if (parse_logplex_line(line, &sl) && sl.seq >= 0) return Format::kLogplex;
  return Format::kAuto;
}

const char* wrapper_description(Format f) {
  switch (f) {
    case Format::kCnpg: return "CloudNativePG JSON";
    case Format::kCloudsql: return "Google Cloud Logging JSON";
    case Format::kLogplex: return "Heroku logplex";
    case Format::kJournald: return "journalctl -o json";
    case Format::kDocker: return "Docker json-file";
    default: return "";
  }
}

bool is_wrapper(Format f) {
  return f == Format::kCnpg || f == Format::kCloudsql || f == Format::kLogplex ||
         f == Format::kJournald || f == Format::kDocker;
}

}  // namespace pgtail
