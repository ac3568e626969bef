#pragma once
/// What the chat formats (slack, discord, teams) show people about one alert:
/// the same headline, title, text and name/value facts on every platform,
/// each platform then escaping and cutting them by its own rules. Also the
/// one way they fit texts into a platform's limits.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "alert.hpp"

namespace pgtail {

/// Slack's three attachment colours; the other platforms map them to theirs.
enum class ChatColor { kGood, kWarning, kDanger };

/// One name/value line: "SQLSTATE 53300", "DETAIL …", "Database shop".
struct ChatFact {
  std::string name;   ///< ours ("Instance", "DETAIL"), or a rate key's field name
  std::string value;  ///< never blank; not escaped; cut at 256 characters when not wide
  bool wide = false;  ///< a long text (DETAIL, HINT, STATEMENT…): a line of its own
  bool code = false;  ///< SQL (STATEMENT, QUERY): shown in monospace
};

/// Every text of a chat message, cleaned for display (see display_text()) but
/// neither escaped nor cut: each format does that for its platform.
struct ChatMessage {
  std::string headline;  ///< headline(): "FATAL: sorry, too many clients already"
  std::string summary;   ///< summary_line(): for notifications and fallbacks
  std::string title;     ///< "FATAL 53300 on pg16 (db1)", "Rate above threshold on pg16 (db1)"
  std::string text;      ///< the whole message (every line); for suppressed, with the top messages
  std::string more;      ///< what `text` adds to the headline (later lines, the top messages), or ""
  std::vector<ChatFact> facts;
  std::string footer;  ///< "pgtail · level:FATAL"
  ChatColor color = ChatColor::kGood;
};

/// What a format shows of a chat message, so that chat_message() need not
/// make the rest.
struct ChatParts {
  bool title = true;  ///< ChatMessage::title
  bool text = true;   ///< ChatMessage::text (`more` is always made)
};

/// The chat message for `a`. Facts: Instance, Time, Level, SQLSTATE,
/// Database, User, PID, then DETAIL, HINT, CONTEXT, STATEMENT, QUERY where
/// present; rate events: Count, Threshold, Window, the rate's key fields,
/// Sample message (rate_threshold) or Since (rate_resolved); suppressed:
/// Count, Period, Levels.
ChatMessage chat_message(const Alert& a, ChatParts parts = {});

/// Log text made safe to show: bytes that are not UTF-8 (and NUL) become
/// U+FFFD, other control characters than newline and tab their visible Unicode
/// pictures (ESC as U+241B "␛"), a CR before a newline or at the end is dropped.
std::string display_text(std::string_view s);

/// Breaks every run of backticks in `s` (code for a ``` fence) with U+200B
/// ZERO WIDTH SPACE, also at either end, so that the text cannot close the
/// fence it is shown in.
std::string break_fences(std::string_view s);

/// A text that fit_texts() may cut: `fixed` characters around it (a code
/// fence) count toward its `max` and the total but are never cut.
struct FitText {
  std::string text;
  size_t max = static_cast<size_t>(-1);
  size_t fixed = 0;
};

/// Cuts `text` to at most `max_chars` characters (with its "…").
using CutFn = std::string (*)(std::string_view text, size_t max_chars);

/// Cuts each text to its own max, then, while all together count more than
/// `total` characters, cuts the longest ones to one common length: short
/// texts (a level, a SQLSTATE) stay whole and a cut text keeps its start.
void fit_texts(const std::vector<FitText*>& texts, size_t total, CutFn cut);

}  // namespace pgtail
