#pragma once
/// The rule language shared by `pg-match -r`, the config file's `on =` lines
/// and `pg-webhook NAME on …` (pg-match(1) documents it):
///
///   FATAL PANIC              any of these levels      (also "FATAL, PANIC")
///   >=WARNING                this level or a worse one
///   errors                   ERROR, FATAL or PANIC
///   /connection limit/i      RE2 pattern on the message (i: any case)
///   detail~/Key \(id\)/      pattern on another event field
///   !/pgbench/  user!~/^app$/   excluding
///   sqlstate:53300,08*,57P*  SQLSTATE codes or classes (prefixes)
///   FATAL and /limit/        conditions that must all hold
///   errors > 50/min by database    a rate over a sliding window of event time
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "event_view.hpp"

namespace pgtail {

struct Condition {
  enum class Kind { kLevels, kPattern, kSqlstate };
  Kind kind = Kind::kLevels;
  bool negate = false;
  /// kLevels: bit (1 << Level) for every level that matches.
  uint32_t level_mask = 0;
  /// kLevels: as written, for display: {"FATAL", "PANIC"}, {"errors"}, {">=WARNING"}.
  std::vector<std::string> level_words;
  /// kPattern: the field and the RE2 source (without slashes or flags).
  Field field = Field::kMessage;
  std::string pattern;
  bool icase = false;
  /// kSqlstate: 5-character codes, or a prefix followed by '*' (a class: 53*, 57P*).
  std::vector<std::string> sqlstates;

  /// Canonical text: "level:FATAL,PANIC", "pattern:/x/i", "detail~/y/",
  /// "!pattern:/z/", "sqlstate:53300,57P*".
  std::string canonical() const;
  /// As a person writes it: "FATAL, PANIC", "/x/i", "sqlstate:53300".
  std::string text() const;
};

struct Rate {
  int64_t threshold = 0;   ///< fires on the (threshold+1)th event in the window
  int64_t window_ms = 0;
  std::string per;         ///< as written after '/': "min", "10s"
  std::vector<Field> by;   ///< count per value of these fields
};

struct Rule {
  std::vector<Condition> conditions;  ///< all must hold
  bool has_rate = false;
  Rate rate;

  /// "level:FATAL,PANIC", "rate:errors > 50/min by database".
  std::string canonical() const;
  /// "FATAL, PANIC", "errors > 50/min by database".
  std::string text() const;
};

/// Parses one rule. On error *err says where (1-based column) and what was
/// expected: "at column 7: expected a level, /pattern/, field~/pattern/ or
/// sqlstate:CODE after 'and'".
bool parse_rule(std::string_view text, Rule* out, std::string* err);

}  // namespace pgtail
