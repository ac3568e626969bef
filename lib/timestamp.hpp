#pragma once
/// Log timestamps to UTC: PostgreSQL's %t/%m/%s/%n forms, csvlog/jsonlog
/// columns, syslog and ISO 8601 wrapper times, and RFC 3339 output.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pgtail {

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

/// Turns the zone written after a log time into an offset from UTC.
///
/// Always understood: UTC, GMT, UT, Z and numeric offsets (+03, -0330, +05:30),
/// which PostgreSQL writes for a log_timezone without an abbreviation.
/// Named abbreviations (CET, CEST, MSK, EST, PDT, JST, ...) come from the
/// system's tz database (/usr/share/zoneinfo, TZif files and their footer
/// rule for dates past the last transition):
/// - with a zone given (--timezone Europe/Paris), the zone's own period of that
///   name nearest to the date, so "02:30 CEST" and "02:30 CET" on the night
///   summer time ends are different instants; a name the zone never used
///   falls back to the zone's offset at that wall-clock time;
/// - without one, the name is accepted where every zone of the tz database
///   that uses it at that date gives it the same offset (MSK is +04 in 2012,
///   +03 in 2019), refused as ambiguous otherwise (IST, CST, CDT, PST in the
///   2025 tz data), and unknown when no zone used it within a year of the
///   date. The index of all zones is read once, on the first named zone.
/// Answers are cached with the stretch of wall-clock time they hold for, so
/// the per-line cost after the first lookup is a compare. Not thread-safe.
class ZoneResolver {
 public:
  /// `tz_name`: a tz database name (--timezone), or empty for none. When the
  /// name is not in the tz database (or climbs out of it: "..", a leading
  /// "/"), valid() is false and error() says why: "unknown time zone
  /// 'Foo/Bar' (not in /usr/share/zoneinfo)".
  explicit ZoneResolver(std::string tz_name = "", std::string zoneinfo_dir = "/usr/share/zoneinfo");
  ~ZoneResolver();
  ZoneResolver(const ZoneResolver&) = delete;
  ZoneResolver& operator=(const ZoneResolver&) = delete;

  bool valid() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& tz_name() const { return tz_name_; }

  /// Offset east of UTC, in seconds, of `zone` (as written in the log) for the
  /// wall-clock time `local_secs` (seconds since the epoch, read as if UTC).
  /// An empty `zone` (a timestamp written without one) uses the --timezone zone
  /// when given (in a repeated hour the first, in a skipped hour the offset
  /// before the change), else UTC. On failure returns false and sets *err
  /// (when not null), e.g. "ambiguous time zone abbreviation 'IST' (several
  /// offsets in the tz database): pass --timezone ZONE" or "unknown time zone
  /// 'XYZ': pass --timezone ZONE".
  bool offset(std::string_view zone, int64_t local_secs, int* offset_secs, std::string* err);

 private:
  struct Impl;
  Impl* impl_;
  std::string tz_name_, error_;
};

/// "YYYY-MM-DD HH:MM:SS[.fff][ ZONE]" (%t, %m, %s, csvlog and jsonlog columns)
/// to UTC milliseconds since the epoch. Fractions of any length are accepted;
/// milliseconds are kept (truncated). No allocation on success: it runs once
/// per log line. Returns false with *err set (when not null) on a malformed
/// time, "invalid timestamp '2024-13-01 00:00:00': month out of range", or an
/// unresolvable zone.
bool parse_pg_timestamp(std::string_view s, ZoneResolver& zones, int64_t* ms, std::string* err);

/// "%n": seconds since the epoch with optional fraction, "1705314225.123".
bool parse_epoch_timestamp(std::string_view s, int64_t* ms);

/// ISO 8601 / RFC 3339 as wrappers write it: "2019-03-14T00:22:56+00:00",
/// "2024-01-15T10:23:45.123456789Z" (Docker), "2024-01-15T10:23:45.123Z",
/// "+0530" offsets; 't', 'z' and a space for 'T' are tolerated, and a time
/// without an offset is read as UTC.
bool parse_iso8601(std::string_view s, int64_t* ms);

/// Syslog's "Mon DD HH:MM:SS" (day may be space padded), which has no year and
/// no zone: `year` and the resolver's --timezone (else UTC) supply them.
bool parse_syslog_timestamp(std::string_view s, int year, ZoneResolver& zones, int64_t* ms, std::string* err);

/// Appends "2024-01-15T10:23:45.123Z". Any int64 works: years past 9999 get
/// more digits, years before 1 a sign.
void append_rfc3339_ms(int64_t ms, std::string* out);
/// Appends "2024-01-15T10:23:45Z" (for second-precision times: session_start).
void append_rfc3339_s(int64_t ms, std::string* out);

}  // namespace pgtail
