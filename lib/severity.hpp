#pragma once
/// PostgreSQL's severity words and the secondary-field words (DETAIL, HINT, ...)
/// that start a log line's text, in English and in the server's translations.
#include <cstddef>
#include <string_view>

namespace pgtail {

/// Severity order of DESIGN.md: DEBUG5 < ... < DEBUG1 < INFO < LOG < NOTICE <
/// WARNING < ERROR < FATAL < PANIC.
enum class Level : unsigned char {
  kNone = 0, kDebug5, kDebug4, kDebug3, kDebug2, kDebug1, kInfo, kLog, kNotice,
  kWarning, kError, kFatal, kPanic
};

/// What a line's leading word says: a new entry of some level, or one of the
/// secondary fields merged into the current entry.
enum class Word : unsigned char {
  kNone, kLevel, kDetail, kHint, kContext, kStatement, kQuery, kLocation, kBacktrace
};

/// English name of a level ("DEBUG" for every debug level, as the server writes it).
std::string_view level_name(Level level);

/// Parses an English level name, including DEBUG1..DEBUG5 ("DEBUG" is DEBUG1).
Level parse_level_name(std::string_view s);

/// Looks at the start of `s` for "WORD:" followed by spaces ("ERROR:  ",
/// French "DÉTAIL : ", Japanese "エラー:  "), English or translated (German,
/// French, Spanish, Italian, Portuguese, Russian, Japanese, Chinese).
/// On success returns the word kind, sets *level for kLevel, and sets *consumed
/// to the bytes up to the message text (the spaces after the colon included).
Word parse_line_word(std::string_view s, Level* level, size_t* consumed);

/// A severity as it appears in a csvlog or jsonlog column: an English or
/// translated word, without the colon. kNone when not recognised.
Level parse_severity_word(std::string_view s);

}  // namespace pgtail
