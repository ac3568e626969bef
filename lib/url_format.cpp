#include "url_format.hpp"

#include <cctype>

namespace pgtail {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// The path after the host, lowercased ("/api/webhooks/1/x"), "" when none.
std::string url_path(std::string_view url) {
  size_t start = url.find("://");
  if (start == std::string_view::npos) return "";
  size_t slash = url.find('/', start + 3);
  if (slash == std::string_view::npos) return "";
  std::string path(url.substr(slash));
  for (char& c : path) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return path;
}

}  // namespace

std::string url_host(std::string_view url) {
  size_t start = url.find("://");
  if (start == std::string_view::npos) return "";
  start += 3;
  size_t stop = url.find_first_of("/?#", start);
  std::string_view authority = url.substr(start, stop == std::string_view::npos ? stop : stop - start);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  if (!host.empty() && host[0] == '[') {
    host = host.substr(1, host.find(']') - 1);
  } else {
    size_t colon = host.find(':');
    if (colon != std::string_view::npos) host = host.substr(0, colon);
  }
  std::string out(host);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!out.empty() && out.back() == '.') out.pop_back();  // "hooks.slack.com." is the same host
  return out;
}

UrlFormat format_from_url(std::string_view url) {
  std::string host = url_host(url);
  UrlFormat f;
  if (host == "hooks.slack.com") {
    f.format = "slack";
  } else if ((host == "discord.com" || host == "discordapp.com" || ends_with(host, ".discord.com") ||
              ends_with(host, ".discordapp.com")) &&
             url_path(url).find("/webhooks/") != std::string::npos) {
    f.format = "discord";  // /api/webhooks/… and /api/v10/webhooks/…
  } else if (host == "events.pagerduty.com" || host == "events.eu.pagerduty.com") {
    f.format = "pagerduty";
  } else if (host == "api.opsgenie.com" || host == "api.eu.opsgenie.com") {
    f.format = "opsgenie";
  } else if (ends_with(host, ".webhook.office.com") || host == "outlook.office.com" ||
             host == "outlook.office365.com") {
    f.format = "teams";
    f.teams_legacy = true;
  } else if (ends_with(host, ".logic.azure.com") || ends_with(host, ".powerplatform.com") ||
             ends_with(host, ".powerautomate.com")) {
    f.format = "teams";
  }
  return f;
}

}  // namespace pgtail
