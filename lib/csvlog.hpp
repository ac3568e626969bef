#pragma once
/// csvlog: reassembles records (quoted fields span lines) and maps the columns
/// of PostgreSQL 8.4 to 17 (22 columns; 23 with application_name from 9.0; 24
/// with backend_type from 13; 26 with leader_pid and query_id from 14) to
/// Event fields, with the same names and values as the stderr prefix escapes
/// give. The column-to-field mapping is shared with jsonlog and with wrappers
/// that carry the csvlog columns as JSON keys (CloudNativePG's "record").
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "event.hpp"
#include "timestamp.hpp"

namespace pgtail {

/// The Event field a csvlog column or a jsonlog key fills. One value per
/// meaning, so every format sets a field through the same code.
enum class LogField : unsigned char {
  kNone,            ///< no event field (query positions) or an unknown name
  kTime,            ///< log_time, jsonlog timestamp
  kUser,
  kDatabase,
  kPid,
  kConnectionFrom,  ///< "host:port" or "[local]": remote_host + remote_port
  kRemoteHost,      ///< jsonlog's remote_host alone
  kRemotePort,
  kSessionId,
  kLineNum,
  kCommandTag,
  kSessionStart,
  kVxid,
  kXid,
  kLevel,           ///< the severity word, English or translated
  kSqlstate,
  kMessage,
  kDetail,
  kHint,
  kQuery,           ///< internal_query
  kContext,
  kStatement,       ///< csvlog's `query` column, jsonlog's statement
  kLocation,        ///< "func, file:line" as csvlog writes it
  kApplication,
  kBackendType,
  kLeaderPid,
  kQueryId,
  kCursorPos,       ///< query_pos, jsonlog's cursor_position
  kInternalPos,     ///< internal_query_pos, jsonlog's internal_position
};

/// The field of a csvlog column, named as in PostgreSQL's documentation and in
/// CloudNativePG's records ("log_time", "user_name", "query", ...); kNone for
/// the position columns and for unknown names.
LogField csvlog_column_field(std::string_view column);

/// Sets `field` of *ev from its text as csvlog writes it (numbers in digits,
/// times as "2024-01-15 10:23:45.123 CET"). An empty value or PostgreSQL's
/// "[unknown]" leaves the field unset. A time or number that does not parse
/// leaves the field unset too and returns false with the reason in *warning:
/// the rest of the event is still good, so callers keep it and warn.
bool set_log_field(LogField field, std::string_view value, ZoneResolver& zones, Event* ev,
                   std::string* warning);

/// Sets a numeric field from a value given as a JSON number (jsonlog's pid,
/// remote_port, txid, ...). Ignored for fields that are not numbers.
void set_log_field(LogField field, int64_t value, Event* ev);

/// Keeps an entry within `max_bytes` of text: when its strings add up to more,
/// cuts message, detail, hint, context, statement and query, in that order of
/// precedence, at UTF-8 boundaries, and sets ev->truncated. Returns true when
/// it cut something.
/// Appends " at character N" to the message as the stderr destination writes
/// it (the statement's cursor position, else the internal query's), so that
/// an entry's message is the same whichever destination it was read from.
void append_position(Event* ev);

bool cut_event_to(size_t max_bytes, Event* ev);

/// Turns csvlog's physical lines into events.
///
/// Feed it every line in order. A record whose quoted field is still open at
/// the end of a line (a message or query with newlines) takes the next lines,
/// joined with '\n', until the quote closes. A quote left open by a broken
/// record must not swallow the rest of the log, so the record is given up and
/// returned as a raw event (kError) when
///  - a line arrives that looks like the start of a new record
///    (looks_like_csvlog()): that line is not part of the broken record but
///    starts the next one, and is kept in the reader; or
///  - the record grows beyond max_entry_bytes with the quote still open.
/// Nothing fed is ever dropped: every line ends up in an event or a raw event
/// (empty lines between records, which carry nothing, are skipped).
///
/// Column counts: 22, 23, 24 and 26 are the servers' layouts. More than 26
/// reads the 26 known columns (a later server may append some); 25, which no
/// server writes but a hand-made log has, reads the 24 of PostgreSQL 13. Fewer
/// than 22 is not a record: kError "csvlog record has 12 columns, expected
/// 22, 23, 24 or 26", with the text as a raw event.
///
/// Usage, draining after every line so no complete record waits in the reader:
///   for (auto r = reader.feed(line, &ev, &err); r != Result::kNeedMore;
///        r = reader.next(&ev, &err)) { ...use ev, err... }
/// and at the end of input the same loop with finish() in place of feed().
class CsvlogReader {
 public:
  enum class Result {
    kNeedMore,  ///< nothing to hand out: the line was taken, its record goes on
    kEvent,     ///< *ev holds a complete record; *err is empty, or a warning
                ///< about one field (a time that did not parse: left unset)
    kError      ///< the record is unusable (wrong column count, unterminated
                ///< quote): *err says why and *ev holds its text as a raw event
  };

  /// `max_entry_bytes` bounds an entry's text: a complete record with more is
  /// cut (Event::truncated), an incomplete one that grows beyond it is given up.
  explicit CsvlogReader(ZoneResolver& zones, size_t max_entry_bytes = 1 << 20);

  /// Feeds one physical line, without its line end, already valid UTF-8.
  /// When it returns kError for a record broken by this line, this line may
  /// itself be a complete record: next() returns it.
  Result feed(std::string_view line, Event* ev, std::string* err);

  /// A complete record held back by the last feed() (see above), or kNeedMore.
  /// Calling it is how a caller gets that record at once; if it does not, the
  /// next feed() or finish() returns it first (never lost, only late).
  Result next(Event* ev, std::string* err);

  /// End of input: returns a complete record still held (as next() does),
  /// else the record left unterminated as kError, else kNeedMore. Call until
  /// kNeedMore; the reader is then empty and may be reused.
  Result finish(Event* ev, std::string* err);

  /// True while the reader holds lines of an incomplete record.
  bool pending() const { return pending_; }

  /// The physical line (counting feed() calls since construction, from 1)
  /// where the record last handed out began, for "file:line:" in messages
  /// about multi-line records.
  uint64_t record_line() const { return record_line_; }

 private:
  Result start(std::string_view line, Event* ev, std::string* err);
  Result emit(std::string_view text, Event* ev, std::string* err);
  Result give_up(const std::string& why, Event* ev, std::string* err);
  void hold(std::string_view line);
  bool split(std::string_view text);

  ZoneResolver& zones_;
  size_t max_bytes_;
  std::string record_;   ///< the lines of the record in progress, or held back
  bool pending_ = false; ///< record_ is incomplete: a quote is open
  bool ready_ = false;   ///< record_ is complete and waits for next()
  uint64_t line_no_ = 0, record_start_ = 0, record_line_ = 0;
  std::vector<std::string_view> fields_;  ///< into the record or scratch_
  std::string scratch_;                   ///< fields with "" escapes, unescaped
  std::string warning_;
};

/// True when `line` looks like the start of a csvlog record: a timestamp
/// column "YYYY-MM-DD HH:MM:SS[.fff][ ZONE]", quoted or not, then a comma and
/// the commas of the columns before the message. For format detection, and to
/// tell a new record from the continuation of an unterminated one.
bool looks_like_csvlog(std::string_view line);

}  // namespace pgtail
