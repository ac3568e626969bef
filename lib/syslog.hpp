#pragma once
/// The syslog wrapper around PostgreSQL's lines:
///   Feb 11 13:15:39 host postgres[10808]: [3-2] text
///   2024-01-15T10:23:45.123456+01:00 host postgres[10808]: [3-2] text
/// [N-M] is the server's message number N and line (or 900-byte chunk) M.
#include <cstdint>
#include <string>
#include <string_view>

namespace pgtail {

struct SyslogLine {
  std::string_view time;  ///< as written
  bool iso_time = false;  ///< RFC 3339 (rsyslog's high-precision format)
  std::string_view host, tag;
  int64_t pid = -1;       ///< -1 when the tag has no [pid]
  int64_t seq = -1;       ///< N of [N-M], -1 when absent
  int64_t chunk = -1;     ///< M of [N-M] (or of [M]), -1 when absent
  std::string_view text;  ///< what follows "[N-M] "
};

/// Splits a syslog line; false when it is not one.
bool parse_syslog_line(std::string_view line, SyslogLine* out);

/// True for the tags the server logs under (syslog_ident "postgres", Debian's
/// "postgresql-16-main", "postmaster"); a shared syslog file holds the lines of
/// every other program too.
bool is_postgres_tag(std::string_view tag);

/// rsyslog writes control characters as '#' and three octal digits; the
/// server's continuation tab arrives as "#011". Returns `text` unchanged, or a
/// view of *buf holding it with "#011" turned back into tabs.
std::string_view syslog_unescape(std::string_view text, std::string* buf);

}  // namespace pgtail
