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
/// Always understood: UTC, GMT, UT, Z and numeric offsets (+03, -0330, +05:30).
/// Named abbreviations (CET, CEST, MSK, EST, PDT, JST, ...) come from the
/// system's tz database (/usr/share/zoneinfo): with a zone given (--timezone
/// Europe/Paris) the abbreviation is looked up among that zone's rules at that
/// date; without one, it is accepted where every zone of the tz database that
/// uses the abbreviation at that date gives it the same offset, and refused as
/// ambiguous (IST, CST, ...) otherwise. Results are cached, so the per-line cost
/// after the first lookup is a map probe.
class ZoneResolver {
 public:
  /// `tz_name`: a tz database name (--timezone), or empty for none. When the
  /// name is not in the tz database, valid() is false and error() says why.
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
  /// when given, else UTC. On failure returns false and sets *err, e.g.
  /// "ambiguous time zone abbreviation 'IST': pass --timezone".
  bool offset(std::string_view zone, int64_t local_secs, int* offset_secs, std::string* err);

 private:
  struct Impl;
  Impl* impl_;
  std::string tz_name_, error_;
};

/// "YYYY-MM-DD HH:MM:SS[.fff][ ZONE]" (%t, %m, %s, csvlog and jsonlog columns)
/// to UTC milliseconds since the epoch. Fractions of any length are accepted;
/// milliseconds are kept. Returns false with *err set on a malformed time or an
/// unresolvable zone.
bool parse_pg_timestamp(std::string_view s, ZoneResolver& zones, int64_t* ms, std::string* err);

/// "%n": seconds since the epoch with optional fraction, "1705314225.123".
bool parse_epoch_timestamp(std::string_view s, int64_t* ms);

/// ISO 8601 / RFC 3339 as wrappers write it: "2019-03-14T00:22:56+00:00",
/// "2024-01-15T10:23:45.123456789Z" (Docker), "2024-01-15T10:23:45.123Z".
bool parse_iso8601(std::string_view s, int64_t* ms);

/// Syslog's "Mon DD HH:MM:SS" (day may be space padded), which has no year and
/// no zone: `year` and the resolver's --timezone (else UTC) supply them.
bool parse_syslog_timestamp(std::string_view s, int year, ZoneResolver& zones, int64_t* ms, std::string* err);

/// Appends "2024-01-15T10:23:45.123Z".
void append_rfc3339_ms(int64_t ms, std::string* out);
/// Appends "2024-01-15T10:23:45Z" (for second-precision times: session_start).
void append_rfc3339_s(int64_t ms, std::string* out);

}  // namespace pgtail
