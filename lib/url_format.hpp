#pragma once
/// The format a webhook URL asks for, from its host (PLATFORMS.md): what
/// `pg-webhook add NAME URL` writes as `format =` when no --format is given.
#include <string>
#include <string_view>

namespace pgtail {

struct UrlFormat {
  std::string format = "json";  ///< a pg-format format name
  bool teams_legacy = false;    ///< an Office 365 connector: MessageCard, not Adaptive Card
};

/// hooks.slack.com → slack; discord.com and discordapp.com /api/webhooks/ →
/// discord; events.pagerduty.com and events.eu.pagerduty.com → pagerduty;
/// api.opsgenie.com and api.eu.opsgenie.com → opsgenie; *.webhook.office.com
/// and outlook.office.com → teams (legacy); *.logic.azure.com and Power
/// Automate's *.powerplatform.com hosts → teams; anything else → json. Hosts
/// are compared without case and without a port.
UrlFormat format_from_url(std::string_view url);

/// The host of a "scheme://[user@]host[:port]/…" URL, lowercased, without
/// the port or IPv6 brackets; "" when there is none.
std::string url_host(std::string_view url);

}  // namespace pgtail
