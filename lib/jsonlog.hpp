#pragma once
/// jsonlog (PostgreSQL 15+, log_destination=jsonlog): one JSON object a line,
/// mapped to the same Event fields as csvlog and the stderr prefix escapes.
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/reader.h>

#include "event.hpp"
#include "timestamp.hpp"

namespace pgtail {

/// Parses jsonlog lines. Holds the buffers reused from line to line: a line is
/// copied once and parsed in place by RapidJSON's SAX reader, so a line costs
/// no allocation once the buffers have grown.
///
/// Keys and what they fill: timestamp, user, dbname (database), pid,
/// remote_host, remote_port, session_id, line_num, ps (command_tag),
/// session_start, vxid, txid (xid), error_severity (level, in English),
/// state_code (sqlstate), message, detail, hint, internal_query (query),
/// context, statement, func_name + file_name + file_line_num (location,
/// "func, file:line" as on a stderr LOCATION line; "file:line" without a
/// function), application_name, backend_type, leader_pid, query_id. Numbers
/// may come as JSON numbers or strings. Unknown keys, nested values and nulls
/// are ignored; a missing key leaves its field unset.
class JsonlogReader {
 public:
  /// Entries with more than `max_entry_bytes` of text are cut (Event::truncated).
  explicit JsonlogReader(ZoneResolver& zones, size_t max_entry_bytes = 1 << 20);

  /// Parses one line (without its line end, valid UTF-8).
  ///
  /// true: *ev holds the entry; *err is empty, or a warning about a part of it
  /// (a time that did not parse, left unset; a line that ends inside its
  /// object, whose fields before the cut are kept and ev->truncated set).
  ///
  /// false: the line is not a jsonlog entry (not JSON, not an object, no
  /// "error_severity"): *err says why, e.g. "invalid JSON at byte 17: Missing
  /// a colon after a name of object member.", and *ev holds the line as a raw
  /// event.
  bool parse(std::string_view line, Event* ev, std::string* err);

 private:
  friend struct JsonlogHandler;
  ZoneResolver& zones_;
  size_t max_bytes_;
  std::string buf_;  ///< the line, parsed in place (strings unescaped into it)
  std::string warning_, number_;
  rapidjson::Reader reader_;  ///< keeps its stack between lines
};

/// True when `line` looks like a jsonlog entry: a JSON object with the keys
/// "timestamp" and "error_severity". For format detection; cheap, no parsing.
bool looks_like_jsonlog(std::string_view line);

}  // namespace pgtail
