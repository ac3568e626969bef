#pragma once
/// log_line_prefix: compiled once from the postgresql.conf string, then matched
/// against each stderr line to find the prefix fields and where the text starts.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "event.hpp"
#include "severity.hpp"
#include "timestamp.hpp"

namespace pgtail {

/// One piece of a compiled prefix: literal text, or an escape with its padding.
struct PrefixToken {
  char escape = 0;   ///< 0 for a literal; else the letter after '%'
  int padding = 0;   ///< %-10u gives -10, %10p gives 10
  std::string text;  ///< the literal text
};

/// A compiled log_line_prefix.
class Prefix {
 public:
  /// Compiles `spec` exactly as written in postgresql.conf (quotes removed).
  /// Every escape PostgreSQL documents is understood; others print nothing
  /// in the server, so they match nothing here. Only a '%' left incomplete
  /// at the end is an error.
  static bool compile(std::string_view spec, Prefix* out, std::string* err);

  const std::string& spec() const { return spec_; }
  const std::vector<PrefixToken>& tokens() const { return tokens_; }

 private:
  std::string spec_;
  std::vector<PrefixToken> tokens_;
};

/// What the start of a line says once the prefix is matched.
struct PrefixMatch {
  Word word = Word::kNone;
  Level level = Level::kNone;
  size_t text_start = 0;  ///< where the message text begins in the line
};

/// Matches lines against one Prefix. Keeps small caches (the last timestamp
/// text and its value) so a stream of lines costs little per line.
class PrefixMatcher {
 public:
  PrefixMatcher(const Prefix& prefix, ZoneResolver& zones);

  /// Matches the prefix at the start of `line` and the severity or field word
  /// after it. On success stores the prefix fields in *ev (which the caller has
  /// cleared) and returns true. A timestamp whose zone cannot be resolved
  /// leaves ev->time_ms unset and puts the reason in *warning.
  bool match(std::string_view line, Event* ev, PrefixMatch* m, std::string* warning);
  /// How many bytes of literal prefix text the last successful match read
  /// (a %q stop ends it): what tells a specific prefix from a looser one.
  size_t literal_bytes() const;

 private:
  struct Capture {
    size_t begin, end;
  };
  bool match_from(std::string_view line, size_t tok, size_t pos, PrefixMatch* m);
  bool match_field(const PrefixToken& t, std::string_view line, size_t pos, size_t* end) const;
  bool finish_at(std::string_view line, size_t pos, PrefixMatch* m);
  void store(std::string_view line, Event* ev, std::string* warning);
  bool parse_time(std::string_view text, int64_t* ms, std::string* warning);

  const Prefix& prefix_;
  ZoneResolver& zones_;
  std::vector<Capture> captures_;
  std::string last_time_text_;
  int64_t last_time_ms_ = 0;
  bool last_time_ok_ = false;
  size_t stop_ = 0;  ///< the token a %q stop ended the last match at
};

/// Reads log_line_prefix from a postgresql.conf (the last setting wins, as in
/// the server; include directives are not followed).
bool prefix_from_config(const std::string& path, std::string* prefix, std::string* err);

}  // namespace pgtail
