#pragma once
/// csvlog: reassembles records (quoted fields span lines) and maps the columns
/// of PostgreSQL 9.0 to 17 (23 columns; 24 with backend_type from 13; 26 with
/// leader_pid and query_id from 14) to Event fields, with the same names and
/// values as the stderr prefix escapes give.
#include <string>
#include <string_view>

#include "event.hpp"
#include "timestamp.hpp"

namespace pgtail {

class CsvlogReader {
 public:
  enum class Result {
    kNeedMore,  ///< the line was taken; the record goes on
    kEvent,     ///< *ev holds a complete record
    kError      ///< the record is unusable: *err says why and *ev holds it as a
                ///< raw event (nothing read is dropped); the line just fed may
                ///< have started a new record, which is kept
  };
  explicit CsvlogReader(ZoneResolver& zones, size_t max_entry_bytes = 1 << 20);
  /// Feeds one physical line, without its line end, already valid UTF-8.
  Result feed(std::string_view line, Event* ev, std::string* err);
  /// End of input: returns the record left unterminated, if any, as kError.
  Result finish(Event* ev, std::string* err);
  /// True while a record is incomplete (a quoted field is open).
  bool pending() const;
 ...
};

/// True when `line` looks like the start of a csvlog record (a timestamp
/// column, quoted or not, then a comma), for format detection.
bool looks_like_csvlog(std::string_view line);

}  // namespace pgtail
