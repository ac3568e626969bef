#pragma once
/// The wrappers that clouds and containers put around PostgreSQL's lines:
/// CloudNativePG's JSON, Google Cloud Logging entries, Heroku's logplex,
/// journalctl -o json and Docker's json-file. A wrapper is a thin layer: it
/// yields the inner stderr line (and the time, pid and instance it knows),
/// which LogParser hands to the same entry parser as a plain stderr log.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "csvlog.hpp"
#include "detect.hpp"
#include "event.hpp"
#include "syslog.hpp"
#include "timestamp.hpp"
#include "wrappers_json.hpp"

namespace pgtail {

/// What one wrapper line holds.
struct Wrapped {
  enum class Kind {
    kText,    ///< a stderr-style line of the server in `text`
    kRecord,  ///< a whole entry (CloudNativePG's csvlog record), already in the Event
    kOther    ///< not the server's: another logger, program or unit
  };
  Kind kind = Kind::kOther;
  std::string_view text;  ///< kText: the inner line, valid until the next parse()
  std::optional<int64_t> time_ms, pid;
  std::string_view instance;  ///< logging_pod, database_id; empty if none
  bool partial = false;       ///< docker: a piece of a longer line (no '\n' at its end)
};

/// Parses the JSON wrappers (cnpg, cloudsql, journald, docker), one line at a
/// time, each line once: copied into a reused buffer and read in place by
/// RapidJSON's SAX reader (read_wrapper_json()).
///
/// Keys read: cnpg "logger", "msg", "ts", "logging_pod" and "record" (the
/// csvlog columns by name, see csvlog_column_field()); cloudsql "textPayload",
/// "timestamp" (RFC 3339), "resource"."labels"."database_id"; journald
/// "MESSAGE" (a string, or an array of byte values when it is not UTF-8),
/// "_PID", "__REALTIME_TIMESTAMP" (microseconds), "SYSLOG_IDENTIFIER",
/// "_COMM"; docker "log", "time".
class WrapperReader {
 public:
  explicit WrapperReader(ZoneResolver& zones, size_t max_entry_bytes = 1 << 20);

  /// Reads one line of `format`. false: the line is not JSON or not an
  /// object, *err says why. true: *out says what it holds (a cnpg record is
  /// written to *record, which is cleared first); *err may hold a warning
  /// about a field that did not parse (left unset).
  bool parse(Format format, std::string_view line, Wrapped* out, Event* record, std::string* err);

 private:
  /// The Event field of a record member: csvlog_column_field(), remembered
  /// (every record names the same two dozen columns).
  LogField column_field(std::string_view name);
  void fill_record(Event* record, std::string* err);

  static constexpr size_t kColumnSlots = 64;
  struct ColumnSlot {
    std::string name;
    LogField field = LogField::kNone;
    bool used = false;
  };

  ZoneResolver& zones_;
  size_t max_bytes_;
  WrapperJson json_;
  std::string warning_;
  ColumnSlot columns_[kColumnSlots];
};

/// Splits a Heroku logplex line:
///   2019-03-14T00:22:56+00:00 app[postgres.4882]: [GREEN] [15-1]  sql_error_code = 00000 LOG:  text
/// into a SyslogLine (ISO time; tag "postgres" for app[postgres.PID], else the
/// source as written; the pid; [N-M]; the text from "sql_error_code"). The
/// [COLOR] database name is dropped. False when it is not a logplex line.
bool parse_logplex_line(std::string_view line, SyslogLine* out);

/// The wrapper `line` looks like (kCnpg, ...), or kAuto: for detection, cheap,
/// no parsing of the JSON.
Format sniff_wrapper(std::string_view line);

/// "CloudNativePG JSON", ... for "detected cnpg (CloudNativePG JSON)".
const char* wrapper_description(Format f);

/// True for the JSON wrappers and logplex.
bool is_wrapper(Format f);

}  // namespace pgtail
