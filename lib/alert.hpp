#pragma once
/// A triggered event (DESIGN.md contract 2) as pg-format reads it, and the
/// texts every format shows people, built the same way in each: the instance
/// name, the headline, the PagerDuty-style summary, truncation.
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

namespace pgtail {

struct AlertOptions {
  /// --instance-name, else the config's instance_name: wins over the event's.
  std::string instance_name;
};

struct Alert {
  const rapidjson::Value* root = nullptr;      ///< the whole line (an object)
  const rapidjson::Value* event = nullptr;     ///< root["event"] (an object)
  const rapidjson::Value* instance = nullptr;  ///< root["instance"], or null
  const rapidjson::Value* trigger = nullptr;   ///< root["trigger"], or null
  std::string_view type;       ///< log_entry, raw, rate_threshold, rate_resolved, suppressed
  std::string_view level;      ///< "" when the event has none
  std::string_view message, sqlstate, timestamp, webhook, rule;
  int64_t time_ms = 0;         ///< timestamp, or 0 when absent
  std::string instance_display;  ///< "pg16 (db1)", "shop-primary": see read_alert()

  /// An event field as text: strings as they are, numbers written out, ""
  /// when absent (or not a string or number).
  std::string field(const char* name) const;
  /// An instance field as text, the same way.
  std::string instance_field(const char* name) const;
  bool is_rate() const { return type == "rate_threshold" || type == "rate_resolved"; }
  /// event.fingerprint, or computed as pg-match does: on first use, as most
  /// formats never show it.
  const std::string& fingerprint() const;

 private:
  mutable std::string fingerprint_;
  mutable bool fingerprint_known_ = false;
};

/// Reads `doc` (a parsed line) into *out. The instance shown to people is
/// options.instance_name when set, else instance.name with the host in
/// parentheses ("pg16 (db1)"), else "pg<version> (<host>)", else the host,
/// else "PostgreSQL". False with *err when the line is not a triggered event.
bool read_alert(const rapidjson::Document& doc, const AlertOptions& options, Alert* out, std::string* err);

/// An event value as text, as Alert::field() gives it: strings as they are,
/// numbers written out, "" for anything else.
std::string value_text(const rapidjson::Value& v);

/// One line for people: "FATAL: sorry, too many clients already",
/// "57 errors in the last 60 s (threshold 50/min) on pg16 (db1)",
/// "Resolved: errors back to 3 …", "37 similar events suppressed in 5 min on …".
/// The message's first line only.
std::string headline(const Alert& a);

/// "PostgreSQL FATAL on pg16 (db1): sorry, too many clients already" (the
/// PagerDuty summary and the Opsgenie message, before truncation).
std::string summary_line(const Alert& a);

/// Cuts `s` to at most `max_chars` characters (code points), ending with "…"
/// when cut; UTF-8 stays valid.
std::string truncate_chars(std::string_view s, size_t max_chars);

/// Characters (code points) in valid UTF-8 `s`.
size_t count_chars(std::string_view s);

/// How urgent, for formats that map it: 4 PANIC/FATAL, 3 ERROR, 2 WARNING,
/// 1 anything else. rate_threshold counts as its level; rate_resolved and
/// suppressed as 1.
int urgency(const Alert& a);

}  // namespace pgtail
