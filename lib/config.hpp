#pragma once
/// The config file of DESIGN.md contract 4 (pgtail-webhooks(5)): the one
/// loader that pg-match, pg-format, pg-send and pg-webhook share, so every
/// tool refuses the same mistakes with the same words ("FILE:LINE: what (did
/// you mean 'x'?)") and none of them ignores a key it does not know.
///
/// inih does the reading; this file adds what inih leaves out: line numbers,
/// a refusal of lines longer than inih's buffer (inih would cut them
/// silently), the sections and keys we know, their values checked, ${ENV}
/// and *_file resolved, and the [global] defaults applied to each webhook.
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duration.hpp"

namespace pgtail {

/// The longest line inih reads (Debian's INI_MAX_LINE 200, less the NUL),
/// not counting its "\n" or "\r\n".
constexpr int kConfigMaxLine = 199;

/// A value and the line it came from, so that a tool checking it later (the
/// rule parser, for `on`) can name FILE:LINE.
struct ConfigValue {
  std::string value;
  int line = 0;
};

/// One [webhook "NAME"] section, with the [global] defaults applied where the
/// section sets nothing. Also used for [global] itself (Config::defaults).
struct WebhookConfig {
  std::string name;                  ///< [webhook "NAME"]; "" for [global]
  int line = 0;                      ///< line of the section header
  std::string url;                   ///< from url or url_file, ${ENV} expanded
  std::vector<std::string> headers;  ///< "Name: value", from header lines then header_file
  /// json (the default), slack, discord, pagerduty, opsgenie, teams,
  /// prometheus, splunk-hec, ecs or template.
  std::string format;
  /// Rule texts in file order, not parsed here: the rule parser lives with
  /// pg-match, and tools report a bad one as "FILE:LINE:" with .line.
  std::vector<ConfigValue> on;
  bool enabled = true;
  std::optional<PerPeriod> throttle;  ///< throttle = 10/min
  std::optional<int64_t> dedup_ms;    ///< dedup = 5m
  std::optional<PerPeriod> rate;      ///< rate = 1/s: pg-send's pacing of this endpoint
  std::string routing_key, instance_name;
  std::string template_text;          ///< template, or the contents of template_file
  bool continuous = false;
  std::optional<int64_t> interval_ms;
  bool teams_legacy = false;
  bool template_json = false;  ///< template_json: the template is a JSON document
  std::optional<int64_t> timeout_ms;
  /// The line of each key set in this section (the first, for on and
  /// header); a default taken from [global] has its line there. For messages
  /// of the tools about a value that is valid alone but not with another
  /// ("format pagerduty needs routing_key").
  std::map<std::string, int> lines;
  /// Values that could not be resolved (an unset ${VAR}, an unreadable
  /// *_file): key -> "FILE:LINE: key: message". Not fatal at load: only the
  /// tool that uses the key refuses (pg-match does not need the url). Keys
  /// are the values' names: a url_file problem is under "url", header_file
  /// under "header", template_file under "template".
  std::map<std::string, std::string> problems;

  /// True when none of `keys` has a problem; else false with *err the first
  /// one's message, in the order of `keys`.
  bool resolved(std::initializer_list<std::string_view> keys, std::string* err) const;
};

struct Config {
  std::string path;
  /// [global]: the defaults of every webhook (every key but url, url_file,
  /// header, header_file, on and routing_key). A problem of spool is in
  /// defaults.problems.
  WebhookConfig defaults;
  std::string spool;                    ///< [global] spool; "" when not set
  std::vector<WebhookConfig> webhooks;  ///< in file order
  /// The webhook called `name`, or nullptr.
  const WebhookConfig* find(std::string_view name) const;
};

/// Loads and checks `path`. On error returns false with *err =
/// "FILE:LINE: what (did you mean 'x'?)", or "cannot open FILE: reason" when
/// the file cannot be read; then *missing (when given) says whether the file
/// does not exist (ENOENT), which callers may treat apart (pg-webhook add
/// creates it; the filters exit 66 or 78 as their pages say). *out is
/// complete only when true is returned. Nothing secret is ever in *err: a url
/// is shown up to its host, a header by its name.
bool load_config(const std::string& path, Config* out, std::string* err, bool* missing = nullptr);

/// load_config() on text already read, `path` naming it in messages and
/// anchoring relative *_file paths; for tests, and for pg-webhook to re-read
/// what it is about to write.
bool parse_config(std::string_view text, const std::string& path, Config* out, std::string* err);

/// The config path: `flag` when not empty, else $PGTAIL_CONFIG, else
/// $XDG_CONFIG_HOME/pgtail/webhooks.ini (an absolute $XDG_CONFIG_HOME only,
/// as the XDG spec says), else ~/.config/pgtail/webhooks.ini.
std::string config_path(const std::string& flag);

/// A webhook NAME: 1 to 64 of [a-z0-9_-], not starting with '-', and not one
/// of pg-webhook's words (add all disable edit enable flush global help list
/// ls off on remove rm run show status test version). NAME is also a spool
/// folder and a command-line operand, hence the strictness.
bool valid_webhook_name(std::string_view name, std::string* err);

/// Expands ${VAR} and ${VAR:-default} (the default when VAR is unset or
/// empty); "$$" is a literal "$", and so is a "$" before anything else. A
/// VAR unset or empty without a default gives false with *unset = true; a
/// malformed "${" gives false with *unset = false. *out is the expansion
/// either way, an unresolved variable left out.
bool expand_env(std::string_view in, std::string* out, std::string* err, bool* unset = nullptr);

/// A url as it may be shown: scheme, host (and port) and the path up to its
/// first segment that may be a key, of which two characters are kept, the
/// rest "****" ("https://hooks.slack.com/services/T0…/****"); a query is
/// "?****"; user and password dropped; "…" alone for text that is not a
/// url. Webhook URLs are secrets.
std::string redact_url(std::string_view url);
/// Whether `url` is one the tools can send to (http:// or https://, a host,
/// no spaces or control characters); *err says why not, the url redacted.
bool check_url(std::string_view url, std::string* err);
/// A --header flag, "Name: value" or Name=value, as "Name: value"; ${ENV}
/// is left as written. False with *err (a bad name, no value, a line break
/// or control character in the value).
bool header_flag(std::string_view h, std::string* norm, std::string* err);

}  // namespace pgtail
