#include "platform_rules.hpp"
#include "config.hpp"

#include <curl/curl.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <memory>

#include <rapidjson/document.h>

namespace pgtail {

namespace {

struct PlatformInfo {
  Platform platform;
  const char* name;
  PerPeriod pacing;  ///< PLATFORMS.md's "default pacing per webhook"
};

constexpr PlatformInfo kPlatforms[] = {
    {Platform::kGeneric, "generic", {0, 0}},      {Platform::kSlack, "slack", {1, 1000}},
    {Platform::kDiscord, "discord", {5, 2000}},   {Platform::kPagerDuty, "pagerduty", {2, 1000}},
    {Platform::kOpsgenie, "opsgenie", {0, 0}},    {Platform::kTeams, "teams", {4, 1000}},
    {Platform::kTeamsLegacy, "teams-legacy", {4, 1000}}, {Platform::kPushgateway, "pushgateway", {0, 0}},
    {Platform::kSplunkHec, "splunk-hec", {0, 0}},
};

const PlatformInfo& info(Platform p) {
  for (const PlatformInfo& i : kPlatforms)
    if (i.platform == p) return i;
  return kPlatforms[0];
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

using CurlUrl = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;

/// A URL parsed by libcurl, or null.
CurlUrl parse_url(std::string_view url) {
  CurlUrl u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) u.reset();
  return u;
}

std::string url_part(CURLU* u, CURLUPart part) {
  char* p = nullptr;
  if (curl_url_get(u, part, &p, 0) != CURLUE_OK || !p) return "";
  std::string out(p);
  curl_free(p);
  return out;
}

/// An unversioned or pre-v8 (milliseconds) Discord webhook path moved to v10.
std::string discord_path(const std::string& path) {
  static const RE2 kPath(R"(^/api(?:/v[0-7])?/webhooks/(.*)$)");
  std::string rest;
  if (!RE2::FullMatch(path, kPath, &rest)) return path;
  return "/api/v10/webhooks/" + rest;
}

/// The query with wait=true, and any other wait= removed.
std::string with_wait(const std::string& query) {
  std::string out;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t amp = query.find('&', start);
    std::string item = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!item.empty() && item.rfind("wait=", 0) != 0) out += item + "&";
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return out + "wait=true";
}

/// Discord's 429 body: {"retry_after": 1.5, "global": false, …} in seconds (v8+).
int64_t discord_retry_after(std::string_view body) {
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) return -1;
  auto it = d.FindMember("retry_after");
  if (it == d.MemberEnd() || !it->value.IsNumber()) return -1;
  double s = it->value.GetDouble();
  if (!(s >= 0)) return -1;
  return std::min<int64_t>(static_cast<int64_t>(std::ceil(s * 1000)), kMaxServerWait);
}

/// Seconds from a header like X-RateLimit-Reset-After ("1.25"), or -1.
int64_t seconds_ms(std::string_view v) {
  std::string s(trim(v));
  if (s.empty()) return -1;
  char* end;
  double d = std::strtod(s.c_str(), &end);
  if (*end != '\0' || !(d >= 0)) return -1;
  return std::min<int64_t>(static_cast<int64_t>(std::ceil(d * 1000)), kMaxServerWait);
}

/// Splunk HEC's {"text":"Success","code":0}: delivered unless code is not 0.
bool hec_ok(std::string_view body) {
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) return true;
  auto it = d.FindMember("code");
  return it == d.MemberEnd() || !it->value.IsInt() || it->value.GetInt() == 0;
}

Verdict reject(std::string reason) { return {Outcome::kReject, -1, std::move(reason), false}; }

/// A 2xx answer: the platform's own success answer, or a rejection saying
/// which answer was expected.
Verdict judge_2xx(Platform p, const Answer& a) {
  std::string status = "HTTP " + std::to_string(a.status);
  switch (p) {
    case Platform::kSlack:
      if (a.status == 200 && trim(a.body) == "ok") return {Outcome::kDelivered, -1, "", false};
      return reject(status + " without Slack's 'ok' answer");
    case Platform::kPagerDuty:
    case Platform::kOpsgenie:
    case Platform::kTeams:
      if (a.status == 202) return {Outcome::kDelivered, -1, "", false};
      return reject(status + ", not the 202 " + platform_name(p) + " answers");
    case Platform::kTeamsLegacy:
      if (a.status == 200 && trim(a.body) == "1") return {Outcome::kDelivered, -1, "", false};
      if (a.body.find("429") != std::string_view::npos)  // the connector's throttling, inside a 200
        return {Outcome::kRetry, -1, status + " with a throttling message", true};
      return reject(status + " without the connector's '1' answer");
    case Platform::kSplunkHec:
      if (hec_ok(a.body)) return {Outcome::kDelivered, -1, "", false};
      return reject(status + " with a non-zero HEC code");
    case Platform::kDiscord:
      if (a.status != 200 && a.status != 204) return reject(status + ", not Discord's 200");
      break;
    default:
      break;
  }
  Verdict v{Outcome::kDelivered, -1, "", false};
  if (trim(a.rate_remaining) == "0") {  // the bucket is empty: wait for its reset
    v.wait_ms = seconds_ms(a.rate_reset_after);
    v.pause_webhook = v.wait_ms > 0;
  }
  return v;
}

}  // namespace

const char* platform_name(Platform p) { return info(p).name; }

bool parse_platform(std::string_view name, Platform* out) {
  if (name == "json") name = "generic";
  for (const PlatformInfo& i : kPlatforms)
    if (name == i.name) {
      *out = i.platform;
      return true;
    }
  return false;
}

std::string platform_names() {
  std::string out;
  for (const PlatformInfo& i : kPlatforms) out += (out.empty() ? "" : ", ") + std::string(i.name);
  return out;
}

Platform platform_from_url(std::string_view url) {
  CurlUrl u = parse_url(url);
  if (!u) return Platform::kGeneric;
  std::string host = lower(url_part(u.get(), CURLUPART_HOST)), path = url_part(u.get(), CURLUPART_PATH);
  if (host == "hooks.slack.com") return Platform::kSlack;
  if ((host == "discord.com" || host == "discordapp.com" || ends_with(host, ".discord.com")) &&
      path.rfind("/api/", 0) == 0)
    return Platform::kDiscord;
  if (host == "events.pagerduty.com" || host == "events.eu.pagerduty.com") return Platform::kPagerDuty;
  if (host == "api.opsgenie.com" || host == "api.eu.opsgenie.com") return Platform::kOpsgenie;
  if (ends_with(host, ".webhook.office.com") || host == "outlook.office.com" || host == "outlook.office365.com")
    return Platform::kTeamsLegacy;
  if (ends_with(host, ".logic.azure.com") || ends_with(host, ".powerplatform.com")) return Platform::kTeams;
  if (path.rfind("/services/collector", 0) == 0) return Platform::kSplunkHec;
  if (path.rfind("/metrics/job/", 0) == 0) return Platform::kPushgateway;
  return Platform::kGeneric;
}

Platform resolve_platform(std::string_view delivery_platform, std::string_view flag_platform, std::string_view url) {
  Platform from_url = platform_from_url(url), p = from_url;
  if (!parse_platform(delivery_platform, &p) && !parse_platform(flag_platform, &p)) p = from_url;
  if (p == Platform::kTeams && from_url == Platform::kTeamsLegacy) p = Platform::kTeamsLegacy;
  return p;
}

std::string request_url(Platform p, std::string_view url) {
  if (p != Platform::kDiscord) return std::string(url);
  CurlUrl u = parse_url(url);
  if (!u) return std::string(url);
  std::string path = discord_path(url_part(u.get(), CURLUPART_PATH));
  std::string query = with_wait(url_part(u.get(), CURLUPART_QUERY));
  if (curl_url_set(u.get(), CURLUPART_PATH, path.c_str(), 0) != CURLUE_OK ||
      curl_url_set(u.get(), CURLUPART_QUERY, query.c_str(), 0) != CURLUE_OK)
    return std::string(url);
  std::string out = url_part(u.get(), CURLUPART_URL);
  return out.empty() ? std::string(url) : out;
}

bool retryable_status(long status) {
  if (status == 0 || status == 408 || status == 425 || status == 429) return true;
  return status >= 500 && status <= 599 && status != 501 && status != 505;
}

int64_t parse_retry_after(std::string_view value, int64_t now_s) {
  std::string v(trim(value));
  if (v.empty()) return -1;
  if (std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (v.size() > 9) return kMaxServerWait;
    return std::min<int64_t>(std::stoll(v) * 1000, kMaxServerWait);
  }
  time_t when = curl_getdate(v.c_str(), nullptr);  // RFC 9110's HTTP-date, and its obsolete forms
  if (when < 0) return -1;
  int64_t s = static_cast<int64_t>(when) - now_s;
  return s <= 0 ? 0 : std::min<int64_t>(s * 1000, kMaxServerWait);
}

Verdict judge(Platform p, const Answer& a, int64_t now_s) {
  if (a.status >= 200 && a.status <= 299) return judge_2xx(p, a);
  std::string reason = a.status == 0 ? std::string(a.error) : "HTTP " + std::to_string(a.status);
  if (!retryable_status(a.status)) return reject(reason);
  Verdict v{Outcome::kRetry, -1, reason, false};
  if (p == Platform::kDiscord && a.status == 429) v.wait_ms = discord_retry_after(a.body);
  if (v.wait_ms < 0) v.wait_ms = parse_retry_after(a.retry_after, now_s);
  v.pause_webhook = a.status == 429 || v.wait_ms >= 0;
  return v;
}

PerPeriod default_pacing(Platform p) { return info(p).pacing; }

int64_t backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms, double draw) {
  double ceiling = static_cast<double>(base_ms) * std::ldexp(1.0, std::min(attempt, 40));
  ceiling = std::min(ceiling, static_cast<double>(cap_ms));
  return static_cast<int64_t>(draw * ceiling);
}

std::string redact_text(std::string_view text) {
  std::string out;
  std::string low = lower(text);
  size_t i = 0;
  while (i < text.size()) {
    size_t at = std::min(low.find("http://", i), low.find("https://", i));
    if (at == std::string::npos) break;
    size_t end = text.find_first_of(" \t\r\n\"'<>`", at);
    if (end == std::string_view::npos) end = text.size();
    out.append(text.substr(i, at - i));
    out.append(redact_url(text.substr(at, end - at)));
    i = end;
  }
  out.append(text.substr(std::min(i, text.size())));
  static const RE2 kCredential(R"((?i)\b(bearer|basic|genie ?key|splunk|token)([ =:]+)[A-Za-z0-9._~+/=:-]{4,})");
  static const RE2 kRoutingKey(R"((?i)("?routing_key"?\s*[:=]\s*"?)[^"&,}\s]+)");
  static const RE2 kSlackToken(R"(\bxox[a-z]-[A-Za-z0-9-]+)");
  RE2::GlobalReplace(&out, kCredential, R"(\1\2…)");
  RE2::GlobalReplace(&out, kRoutingKey, R"(\1…)");
  RE2::GlobalReplace(&out, kSlackToken, "xox…");
  return out;
}

std::string redact_header(std::string_view header) {
  size_t colon = header.find(':');
  if (colon == std::string_view::npos) return "…";
  std::string name = lower(trim(header.substr(0, colon)));
  static const RE2 kSecret(R"(authorization|cookie|key|token|secret|signature|password|auth)");
  if (RE2::PartialMatch(name, kSecret)) return std::string(trim(header.substr(0, colon))) + ": …";
  return redact_text(header);
}

}  // namespace pgtail
