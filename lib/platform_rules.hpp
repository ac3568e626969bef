#pragma once
/// What pg-send knows of each platform (PLATFORMS.md, "at a glance"): which
/// answer proves a delivery, which failures are worth a retry and how long
/// the server asked us to wait, the pacing it tolerates, the URL form it
/// wants, and how to show its secrets without giving them away. Pure
/// functions of their arguments, so the rules are tested without a network.
#include <cstdint>
#include <string>
#include <string_view>

#include "duration.hpp"

namespace pgtail {

enum class Platform {
  kGeneric,      ///< any other URL: 2xx is success
  kSlack,        ///< 200 with the body "ok"
  kDiscord,      ///< 200 with ?wait=true (204 without)
  kPagerDuty,    ///< 202
  kOpsgenie,     ///< 202
  kTeams,        ///< Workflows: 202
  kTeamsLegacy,  ///< Office 365 connector: 200 with the body "1"
  kPushgateway,  ///< 2xx, PUT to the grouping key's URL
  kSplunkHec,    ///< 200 with {"code":0}
};

/// The name in a delivery's "platform" and in --platform.
const char* platform_name(Platform p);
/// "slack", "discord", "pagerduty", "opsgenie", "teams", "teams-legacy",
/// "pushgateway", "splunk-hec", and "json" or "generic" for kGeneric.
bool parse_platform(std::string_view name, Platform* out);
/// Every name parse_platform() takes, for messages.
std::string platform_names();

/// The platform a URL's host says (hooks.slack.com, discord.com,
/// events.pagerduty.com, api.opsgenie.com, *.webhook.office.com, …);
/// kGeneric when it says nothing.
Platform platform_from_url(std::string_view url);

/// The platform used for a delivery: its own "platform" (else --platform,
/// else the URL's), refined by the URL: "teams" to an Office 365 connector
/// host is kTeamsLegacy. Unknown names count as absent.
Platform resolve_platform(std::string_view delivery_platform, std::string_view flag_platform,
                          std::string_view url);

/// The URL to POST to: a Discord webhook URL moved to the versioned API
/// (/api/v10/webhooks/…) with wait=true, so that a 200 proves the message
/// was stored and waits come in seconds; other URLs unchanged.
std::string request_url(Platform p, std::string_view url);

/// How one attempt ended.
enum class Outcome { kDelivered, kRetry, kReject };

/// What an answer (or a network error) means.
struct Verdict {
  Outcome outcome = Outcome::kRetry;
  /// The wait the server asked for (Retry-After, Discord's retry_after, an
  /// exhausted X-RateLimit bucket), in ms; -1 when it asked for none.
  int64_t wait_ms = -1;
  /// Why it was not delivered, for people: "HTTP 429", "HTTP 200 without
  /// Slack's 'ok'", ….
  std::string reason;
  /// A wait that holds the whole webhook (429, or an empty rate bucket), not
  /// only this delivery.
  bool pause_webhook = false;
};

/// An HTTP answer as the rules need it.
struct Answer {
  long status = 0;               ///< 0: no answer (network error, timeout)
  std::string_view body;         ///< the first bytes of the body
  std::string_view retry_after;  ///< the Retry-After header, or empty
  std::string_view rate_remaining, rate_reset_after;  ///< X-RateLimit-Remaining / -Reset-After
  std::string_view error;        ///< the network error, when status is 0
};

/// Judges one answer. `now_s` is the wall clock (for an HTTP-date
/// Retry-After).
Verdict judge(Platform p, const Answer& a, int64_t now_s);

/// Network errors, timeouts, 408, 425, 429 and every 5xx but 501 and 505.
bool retryable_status(long status);

/// Retry-After in both forms of RFC 9110: delay-seconds or an HTTP-date (a
/// past date is 0), capped at kMaxServerWait; -1 when missing or bad.
int64_t parse_retry_after(std::string_view value, int64_t now_s);
/// The longest wait a server can impose; beyond is a mistake or a ban.
constexpr int64_t kMaxServerWait = 3600 * 1000;

/// The default pacing of a webhook of this platform (count 0: none).
PerPeriod default_pacing(Platform p);

/// Exponential backoff with full jitter (AWS, "Exponential Backoff And
/// Jitter"): a uniform draw in [0, min(cap, base * 2^attempt)], `draw` in
/// [0, 1). attempt counts from 0.
int64_t backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, double draw);

/// Text as it may be printed: every URL cut to its host (Slack and Discord
/// tokens are in the path), Authorization-like credentials (Bearer, Basic,
/// GenieKey, Splunk) and JSON routing_key values replaced by "…".
std::string redact_text(std::string_view text);
/// A "Name: value" header as it may be printed: the value of Authorization,
/// Proxy-Authorization, Cookie and any header named like a key, token or
/// secret is "…".
std::string redact_header(std::string_view header);

}  // namespace pgtail
