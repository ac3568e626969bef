#pragma once
/// Recognising a log's format, and for stderr and syslog its log_line_prefix,
/// from its first lines.
#include <string>
#include <string_view>
#include <vector>

#include "timestamp.hpp"

namespace pgtail {

/// The server's own formats, and the wrappers around stderr lines that clouds
/// and containers add (wrappers.hpp).
enum class Format { kAuto, kStderr, kCsvlog, kJsonlog, kSyslog, kCnpg, kCloudsql, kLogplex, kJournald, kDocker };

/// "stderr", "csvlog", ...; parse_format() is its inverse (false if unknown).
const char* format_name(Format f);
bool parse_format(std::string_view name, Format* f);

/// A log_line_prefix that --format auto knows by sight.
struct KnownPrefix {
  const char* spec;
  const char* name;
};
/// The known prefixes, most specific first.
const std::vector<KnownPrefix>& known_prefixes();

struct Detection {
  Format format = Format::kAuto;  ///< kAuto: undecided (see advice)
  std::string prefix;             ///< for stderr, syslog and the wrappers
  std::string description;        ///< "stderr, log_line_prefix '%m [%p] ' (PostgreSQL's default)"
  std::string advice;             ///< when undecided: what to pass instead
  /// syslog: no line carries one of the usual tags (is_postgres_tag()), so
  /// syslog_ident was set by the server's admin and every tag is the server's.
  bool any_tag = false;
};

/// Looks at `lines` (the first lines of one input, UTF-8 repaired). `format`
/// is what the user gave (kAuto to sniff it); a given `prefix` (non-null) is
/// used as is rather than guessed.
Detection detect(const std::vector<std::string>& lines, Format format, const std::string* prefix,
                 ZoneResolver& zones);

}  // namespace pgtail
