#pragma once
/// The one JSON pass over a line of the JSON wrappers (cnpg, cloudsql,
/// journald, docker): RapidJSON's SAX reader, in place, with the 16-byte
/// string scan of json_reader.hpp (a journald line is a kilobyte of strings
/// around a 100-byte message). It hands back views of the members the
/// wrappers use, not events: that build of RapidJSON lives in a namespace of
/// its own and must not meet the plain one that event.hpp includes, so
/// wrappers.cpp, which makes the events, does not include it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect.hpp"

namespace pgtail {

/// The members of one wrapper line that pg-parse reads. Views point into the
/// struct's own buffers and stay valid until the next read_wrapper_json().
struct WrapperJson {
  /// One member of CloudNativePG's "record" (a csvlog column by name): a
  /// string, or a number.
  struct Column {
    std::string_view name, text;
    std::optional<int64_t> number;
  };

  // cnpg: "logger", "msg", "ts", "logging_pod", "record".
  std::string_view logger, msg, pod;
  std::optional<double> ts;
  bool record_seen = false;
  std::vector<Column> record;
  // cloudsql "textPayload", journald "MESSAGE", docker "log"; cnpg "msg" too.
  std::string_view text;
  bool text_seen = false;
  // cloudsql "timestamp", docker "time"; cloudsql resource.labels.database_id.
  std::string_view time, db_id;
  // journald "_PID" (digits, or a number), "__REALTIME_TIMESTAMP",
  // "SYSLOG_IDENTIFIER", "_COMM".
  std::string_view pid, realtime, ident, comm;
  std::optional<int64_t> pid_number;

  std::string buf;    ///< the line, parsed in place
  std::string bytes;  ///< journald's MESSAGE given as an array of byte values
};

/// Reads one line of `format` into *out. False when the line is not JSON
/// ("invalid JSON at byte 12: Missing a comma or '}' after an object
/// member.", exactly as RapidJSON's plain reader says) or not an object.
bool read_wrapper_json(Format format, std::string_view line, WrapperJson* out, std::string* err);

}  // namespace pgtail
