#pragma once
/// pg-format's formats: what one triggered event becomes for each platform
/// (DESIGN.md contract 3; PLATFORMS.md for each platform's fields and limits).
/// Building a payload is pure: no I/O, no clock; the same event and options
/// always give the same bytes.
#include <map>

#include <rapidjson/stringbuffer.h>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alert.hpp"

namespace pgtail {

struct FormatOptions {
  std::string routing_key;                      ///< pagerduty: --routing-key / routing_key
  std::map<std::string, std::string> severity;  ///< pagerduty: level -> critical|error|warning|info overrides
  std::map<std::string, std::string> priority;  ///< opsgenie: level -> P1..P5 overrides
  std::string template_text;                    ///< template: --template / --template-file
  bool template_json = false;                   ///< template: the template is a JSON document
  bool teams_legacy = false;                    ///< teams: MessageCard for old connectors
};

/// One delivery's body and how to send it.
struct Payload {
  std::string body;          ///< JSON text, or, with content_type, text sent as is
  std::string content_type;  ///< empty: body is JSON
  /// Pushgateway grouping key (label, value), in URL order: job first.
  std::vector<std::pair<std::string, std::string>> grouping;
};

/// Builds the body for one alert. False with *err when the event cannot be
/// shaped for the platform (the caller reports it with the line number).
using BuildFn = bool (*)(const Alert& alert, const FormatOptions& options, Payload* out, std::string* err);

struct FormatSpec {
  const char* name;      ///< --format NAME and the config's format
  const char* platform;  ///< the delivery's platform, for pg-send's rules
  BuildFn build;         ///< null for prometheus, which keeps counters (metrics.hpp)
};

/// The format called `name`, or null.
const FormatSpec* find_format(std::string_view name);
/// Every format name, in the order of --help.
std::vector<std::string_view> format_names();

// One function per format, each in its own source file.
bool build_json(const Alert&, const FormatOptions&, Payload*, std::string*);       // formats.cpp
bool build_slack(const Alert&, const FormatOptions&, Payload*, std::string*);      // format_slack.cpp
bool build_discord(const Alert&, const FormatOptions&, Payload*, std::string*);    // format_discord.cpp
bool build_teams(const Alert&, const FormatOptions&, Payload*, std::string*);      // format_teams.cpp
bool build_pagerduty(const Alert&, const FormatOptions&, Payload*, std::string*);  // format_pagerduty.cpp
bool build_opsgenie(const Alert&, const FormatOptions&, Payload*, std::string*);   // format_opsgenie.cpp
bool build_splunk_hec(const Alert&, const FormatOptions&, Payload*, std::string*); // format_siem.cpp
bool build_ecs(const Alert&, const FormatOptions&, Payload*, std::string*);        // format_siem.cpp
bool build_template(const Alert&, const FormatOptions&, Payload*, std::string*);   // format_template.cpp

/// Appends the delivery line (contract 3, with its '\n') to *out:
/// {"webhook":…,"platform":…,"content_type":…,"grouping":{…},"body":…}.
void append_delivery(std::string_view webhook, std::string_view platform, const Payload& p,
                     rapidjson::StringBuffer* out);

}  // namespace pgtail
