#include "wrappers.hpp"

#include <cstdint>
#include <cstring>

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

}  // namespace

WrapperReader::WrapperReader(ZoneResolver& zones, size_t max_entry_bytes)
    : zones_(zones), max_bytes_(max_entry_bytes) {}

LogField WrapperReader::column_field(std::string_view name) {
  if (name.empty()) return LogField::kNone;
  // A small open-addressed table of the names seen, by length and the first
  // and last letters ("log_time" and "user_name" differ there already).
  size_t h = (name.size() * 31 + static_cast<unsigned char>(name[0]) * 7 +
              static_cast<unsigned char>(name.back())) % kColumnSlots;
  for (size_t probe = 0; probe < kColumnSlots; ++probe, h = (h + 1) % kColumnSlots) {
    ColumnSlot& slot = columns_[h];
    if (!slot.used) {
      slot.used = true;
      slot.name.assign(name.data(), name.size());
      slot.field = csvlog_column_field(name);
      return slot.field;
    }
    if (slot.name == name) return slot.field;
  }
  return csvlog_column_field(name);  // full: names beyond the table are looked up each time
}

void WrapperReader::fill_record(Event* record, std::string* err) {
  for (const WrapperJson::Column& c : json_.record) {
    LogField f = column_field(c.name);
    if (c.number)
      set_log_field(f, *c.number, record);
    else if (!set_log_field(f, c.text, zones_, record, &warning_) && err->empty())
      *err = warning_;
  }
}

bool WrapperReader::parse(Format format, std::string_view line, Wrapped* out, Event* record,
                          std::string* err) {
  *out = Wrapped();
  err->clear();
  record->clear();
  if (!read_wrapper_json(format, line, &json_, err)) return false;
  const WrapperJson& h = json_;
  int64_t n;
  switch (format) {
    case Format::kCnpg:
      out->instance = h.pod;
      if (h.ts && *h.ts >= 0 && *h.ts < 1e13) out->time_ms = static_cast<int64_t>(*h.ts * 1000);
      // CloudNativePG's own messages (instance manager, wal-archive, ...)
      // carry another logger, or none.
      if (h.logger != "postgres") break;
      if (h.record_seen) {
        out->kind = Wrapped::Kind::kRecord;
        fill_record(record, err);
        if (record->sqlstate.empty()) record->sqlstate = "00000";
        append_position(record);
        cut_event_to(max_bytes_, record);
      } else if (h.text_seen) {
        out->kind = Wrapped::Kind::kText;
        out->text = h.msg;
      }
      break;
    case Format::kCloudsql:
      if (!h.text_seen) break;  // an audit or other entry without textPayload
      out->kind = Wrapped::Kind::kText;
      out->text = h.text;
      out->instance = h.db_id;
      if (!h.time.empty() && parse_iso8601(h.time, &n)) out->time_ms = n;
      break;
    case Format::kJournald:
      if (!h.text_seen) break;
      // Another unit's or program's message (journalctl without -u).
      if (!h.ident.empty() && !is_postgres_tag(h.ident) && !is_postgres_tag(h.comm)) break;
      out->kind = Wrapped::Kind::kText;
      out->text = h.text;
      if (parse_digits(h.pid, &n)) out->pid = n;
      else if (h.pid_number) out->pid = h.pid_number;
      if (parse_digits(h.realtime, &n)) out->time_ms = n / 1000;
      break;
    case Format::kDocker:
      if (!h.text_seen) break;
      out->kind = Wrapped::Kind::kText;
      out->text = h.text;
      if (!out->text.empty() && out->text.back() == '\n')
        out->text.remove_suffix(1);
      else
        out->partial = true;  // json-file splits lines longer than 16 KiB
      if (!h.time.empty() && parse_iso8601(h.time, &n)) out->time_ms = n;
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
