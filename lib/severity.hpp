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

/// English name of a level: "DEBUG1".."DEBUG5" for the debug levels (the
/// server writes plain "DEBUG" for all of them, which parse_line_word reads as
/// DEBUG1), "" for kNone.
std::string_view level_name(Level level);

/// Parses an English level name, including DEBUG1..DEBUG5 ("DEBUG" is DEBUG1),
/// in any letter case (config files and flags). kNone when not one.
Level parse_level_name(std::string_view s);

/// Looks at the start of `s` for "WORD:" followed by spaces ("ERROR:  ",
/// French "ASTUCE :  ", Japanese "詳細:  ", Korean "쿼리:"), English or as
/// translated by the server's catalogs (German, French, Spanish, Italian,
/// Brazilian Portuguese, Russian, Ukrainian, Japanese, Simplified Chinese,
/// Korean, Polish, Swedish, Turkish, Georgian). Spaces may precede the colon,
/// which may also be the full-width "：". A bare "DEBUG" is DEBUG1.
/// On success returns the word kind, sets *level for kLevel, and sets *consumed
/// to the bytes up to the message text: the colon and up to two spaces after
/// it (three for Georgian's LOCATION), so a statement keeps its own indentation.
/// Out-params may be null. Runs once per log line: one table probe by first byte.
Word parse_line_word(std::string_view s, Level* level, size_t* consumed);

/// A severity as it appears in a csvlog or jsonlog column: an English or
/// translated word, without the colon (also DEBUG1..DEBUG5, any case).
/// kNone when not recognised.
Level parse_severity_word(std::string_view s);

}  // namespace pgtail
