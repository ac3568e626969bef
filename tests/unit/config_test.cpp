#include "config.hpp"
#include "test_env.hpp"

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <optional>
#include <string>

#include "rule.hpp"
#include "suggest.hpp"

using namespace pgtail;

namespace {

/// Parses `text` as "w.ini", which must load.
Config load(const std::string& text) {
  Config c;
  std::string err;
  INFO(text);
  bool ok = parse_config(text, "w.ini", &c, &err);
  INFO(err);
  REQUIRE(ok);
  return c;
}

/// The message refusing `text` as "w.ini".
std::string refusal(const std::string& text) {
  Config c;
  std::string err;
  INFO(text);
  CHECK_FALSE(parse_config(text, "w.ini", &c, &err));
  return err;
}

const char kHead[] = "[webhook \"x\"]\n";  // line 1; the line under test is line 2

}  // namespace

TEST_CASE("the config of DESIGN.md", "[config]") {
  EnvVar hook("SLACK_HOOK", "T000/B000/XXXX");
  EnvVar key("PD_ROUTING_KEY", "R0UT1NG");
  Config c = load(
      "# ~/.config/pgtail/webhooks.ini — written by pg-webhook, fine to edit by hand\n"
      "[global]\n"
      "instance_name = shop-primary\n"
      "\n"
      "[webhook \"slack\"]\n"
      "url = https://hooks.slack.com/services/${SLACK_HOOK}\n"
      "format = slack\n"
      "on = FATAL PANIC\n"
      "on = /connection limit/\n"
      "throttle = 10/min\n"
      "enabled = yes\n"
      "\n"
      "[webhook \"pagerduty\"]\n"
      "url = https://events.pagerduty.com/v2/enqueue\n"
      "format = pagerduty\n"
      "routing_key = ${PD_ROUTING_KEY}\n"
      "on = FATAL\n"
      "on = errors > 50/min\n");
  CHECK(c.path == "w.ini");
  CHECK(c.defaults.line == 2);
  CHECK(c.defaults.instance_name == "shop-primary");
  REQUIRE(c.webhooks.size() == 2);
  const WebhookConfig& s = c.webhooks[0];
  CHECK(s.name == "slack");
  CHECK(s.line == 5);
  CHECK(s.url == "https://hooks.slack.com/services/T000/B000/XXXX");
  CHECK(s.format == "slack");
  REQUIRE(s.on.size() == 2);
  CHECK(s.on[0].value == "FATAL PANIC");
  CHECK(s.on[0].line == 8);
  CHECK(s.on[1].value == "/connection limit/");
  CHECK(s.on[1].line == 9);
  REQUIRE(s.throttle);
  CHECK(s.throttle->count == 10);
  CHECK(s.throttle->period_ms == 60000);
  CHECK(s.enabled);
  CHECK(s.instance_name == "shop-primary");  // from [global]
  CHECK(s.lines.at("instance_name") == 3);
  CHECK(s.lines.at("url") == 6);
  CHECK(s.problems.empty());
  const WebhookConfig* pd = c.find("pagerduty");
  REQUIRE(pd == &c.webhooks[1]);
  CHECK(pd->routing_key == "R0UT1NG");
  CHECK(pd->on[1].value == "errors > 50/min");
  CHECK(pd->on[1].line == 18);
  CHECK_FALSE(pd->throttle);
  CHECK(c.find("teams") == nullptr);
}

TEST_CASE("defaults of a webhook that sets nothing", "[config]") {
  Config c = load("[webhook \"x\"]\n");
  REQUIRE(c.webhooks.size() == 1);
  const WebhookConfig& w = c.webhooks[0];
  CHECK(w.format == "json");
  CHECK(w.enabled);
  CHECK_FALSE(w.continuous);
  CHECK_FALSE(w.teams_legacy);
  CHECK_FALSE(w.throttle);
  CHECK_FALSE(w.dedup_ms);
  CHECK_FALSE(w.rate);
  CHECK_FALSE(w.interval_ms);
  CHECK_FALSE(w.timeout_ms);
  CHECK(w.url.empty());
  CHECK(w.on.empty());
  CHECK(w.lines.empty());
  CHECK(c.spool.empty());
  CHECK(c.defaults.line == 0);
  CHECK(load("").webhooks.empty());
  CHECK(load("# nothing yet\n").webhooks.empty());
}

TEST_CASE("[global] values are defaults, a webhook's own win", "[config]") {
  Config c = load(
      "[global]\n"
      "format = slack\n"
      "throttle = 5/min\n"
      "dedup = 5m\n"
      "rate = 1/s\n"
      "timeout = 10s\n"
      "enabled = no\n"
      "continuous = yes\n"
      "interval = 1min\n"
      "teams_legacy = on\n"
      "template = {{message}}\n"
      "spool = /var/spool/pgtail\n"
      "[webhook \"a\"]\n"
      "[webhook \"b\"]\n"
      "format = discord\n"
      "throttle = 1/h\n"
      "dedup = 10s\n"
      "rate = 2/s\n"
      "timeout = 3s\n"
      "enabled = yes\n"
      "continuous = no\n"
      "interval = 30s\n"
      "teams_legacy = off\n"
      "template_file = /nonexistent/pgtail-template\n");
  CHECK(c.spool == "/var/spool/pgtail");
  const WebhookConfig& a = c.webhooks[0];
  CHECK(a.format == "slack");
  CHECK(a.throttle->count == 5);
  CHECK(*a.dedup_ms == 300000);
  CHECK(a.rate->period_ms == 1000);
  CHECK(*a.timeout_ms == 10000);
  CHECK_FALSE(a.enabled);
  CHECK(a.continuous);
  CHECK(*a.interval_ms == 60000);
  CHECK(a.teams_legacy);
  CHECK(a.template_text == "{{message}}");
  CHECK(a.lines.at("format") == 2);
  CHECK(a.lines.count("spool") == 0);
  const WebhookConfig& b = c.webhooks[1];
  CHECK(b.format == "discord");
  CHECK(b.throttle->period_ms == 3600000);
  CHECK(*b.dedup_ms == 10000);
  CHECK(b.rate->count == 2);
  CHECK(*b.timeout_ms == 3000);
  CHECK(b.enabled);
  CHECK_FALSE(b.continuous);
  CHECK(*b.interval_ms == 30000);
  CHECK_FALSE(b.teams_legacy);
  // Its own template_file, unreadable, hides [global]'s template.
  CHECK(b.template_text.empty());
  CHECK(b.lines.count("template") == 0);
  CHECK(b.problems.at("template") ==
        "w.ini:24: template_file: cannot open /nonexistent/pgtail-template: No such file or directory");
  CHECK(c.defaults.format == "slack");
}

TEST_CASE("sections: only [global] and [webhook \"NAME\"]", "[config]") {
  CHECK(refusal("[globl]\n") == "w.ini:1: unknown section [globl] (did you mean '[global]'?)");
  CHECK(refusal("[webhooks \"x\"]\n") == "w.ini:1: unknown section [webhooks \"x\"] (did you mean '[webhook \"x\"]'?)");
  CHECK(refusal("# top\n[alerts]\n") ==
        "w.ini:2: unknown section [alerts] (sections are [global] and [webhook \"NAME\"])");
  CHECK(refusal("[webhook slack]\n") == "w.ini:1: write the webhook's name in double quotes: [webhook \"slack\"]");
  CHECK(refusal("[webhook 'slack']\n") == "w.ini:1: write the webhook's name in double quotes: [webhook \"slack\"]");
  CHECK(refusal("[webhook]\n") == "w.ini:1: write the webhook's name in double quotes: [webhook \"NAME\"]");
  CHECK(refusal("[webhook \"\"]\n") == "w.ini:1: empty webhook name");
  CHECK(refusal("[webhook \"Slack\"]\n") == "w.ini:1: webhook name 'Slack' may only have a-z, 0-9, '_' and '-'");
  CHECK(refusal("[webhook \"list\"]\n") == "w.ini:1: webhook name 'list' is a pg-webhook command word");
  CHECK(refusal("[webhook \"a\"]\n[webhook \"b\"]\n[webhook \"a\"]\n") ==
        "w.ini:3: webhook \"a\" is defined twice (first at line 1)");
  CHECK(refusal("[global]\n[webhook \"a\"]\n[global]\n") == "w.ini:3: [global] appears twice (first at line 1)");
  CHECK(refusal("[global\n") == "w.ini:1: section header without ']'");
  CHECK(refusal("[webhook \"a ;b\"]\n") == "w.ini:1: section header without ']' (' ;' starts a comment)");
  CHECK(refusal("[global] format = slack\n") == "w.ini:1: text after the section header's ']'");
  // Spacing inside the brackets is forgiven; comments after them are comments.
  Config c = load("[ global ]  ; defaults\n[webhook  \"a\"] # the first\n  [webhook \"b\"]\n");
  CHECK(c.defaults.line == 1);
  REQUIRE(c.webhooks.size() == 2);
  CHECK(c.webhooks[1].name == "b");
  CHECK(c.webhooks[1].line == 3);
}

TEST_CASE("a long webhook name, past inih's 49-byte section buffer", "[config]") {
  std::string name(64, 'a');
  Config c = load("[webhook \"" + name + "\"]\nformat = slack\n");
  CHECK(c.webhooks[0].name == name);
  CHECK(c.webhooks[0].format == "slack");
  CHECK(refusal("[webhook \"" + name + "a\"]\n") == "w.ini:1: webhook name '" + name + "a' is longer than 64 characters");
}

TEST_CASE("keys outside a section, unknown, misplaced or repeated", "[config]") {
  CHECK(refusal("url = https://x.example\n") ==
        "w.ini:1: 'url' is outside any section; put it under [global] or [webhook \"NAME\"]");
  CHECK(refusal(std::string(kHead) + "urll = https://x.example\n") == "w.ini:2: unknown key 'urll' (did you mean 'url'?)");
  CHECK(refusal(std::string(kHead) + "fromat = slack\n") == "w.ini:2: unknown key 'fromat' (did you mean 'format'?)");
  CHECK(refusal(std::string(kHead) + "URL = https://x.example\n") == "w.ini:2: unknown key 'URL' (did you mean 'url'?)");
  CHECK(refusal(std::string(kHead) + "colour = red\n") == "w.ini:2: unknown key 'colour'");
  CHECK(refusal(std::string(kHead) + "= value\n") == "w.ini:2: a value without a key");
  // Not a key at all: a stray value, perhaps a secret, is not repeated.
  CHECK(refusal(std::string(kHead) + "Bearer SECRET=x\n") == "w.ini:2: expected 'key = value', a [section] or a comment");
  CHECK(refusal(std::string(kHead) + "https://hooks.slack.com/services/SECRET\n") == "w.ini:2: unknown key 'https'");
  CHECK(refusal("[global]\nurl = https://x.example\n") ==
        "w.ini:2: 'url' belongs in a [webhook \"NAME\"] section, not in [global]");
  CHECK(refusal("[global]\non = FATAL\n") == "w.ini:2: 'on' belongs in a [webhook \"NAME\"] section, not in [global]");
  CHECK(refusal("[global]\nrouting_key = k\n") ==
        "w.ini:2: 'routing_key' belongs in a [webhook \"NAME\"] section, not in [global]");
  CHECK(refusal(std::string(kHead) + "spool = /tmp/s\n") == "w.ini:2: 'spool' belongs in [global]");
  CHECK(refusal(std::string(kHead) + "format = slack\non = FATAL\nformat = discord\n") ==
        "w.ini:4: 'format' is set twice in [webhook \"x\"] (first at line 2)");
  CHECK(refusal("[global]\ndedup = 1m\ndedup = 2m\n") == "w.ini:3: 'dedup' is set twice in [global] (first at line 2)");
  CHECK(refusal(std::string(kHead) + "url = https://a.example\nurl_file = /x\n") ==
        "w.ini:3: 'url_file' and 'url' are both set (url at line 2); keep one");
  CHECK(refusal(std::string(kHead) + "template_file = /x\ntemplate = t\n") ==
        "w.ini:3: 'template' and 'template_file' are both set (template_file at line 2); keep one");
  CHECK(refusal(std::string(kHead) + "format =\n") == "w.ini:2: 'format' has no value");
  CHECK(refusal(std::string(kHead) + "on =\n") == "w.ini:2: 'on' has no value");
  // on and header repeat; so may the same key in two sections.
  Config c = load(std::string(kHead) +
                  "on = FATAL\nheader = X-A: 1\non = PANIC\nheader = X-B: 2\n[webhook \"y\"]\non = ERROR\n");
  CHECK(c.webhooks[0].on.size() == 2);
  CHECK(c.webhooks[0].lines.at("on") == 2);
  CHECK(c.webhooks[0].headers == std::vector<std::string>{"X-A: 1", "X-B: 2"});
  CHECK(c.webhooks[1].on.size() == 1);
  // inih also takes ':' between key and value.
  CHECK(load(std::string(kHead) + "format: slack\n").webhooks[0].format == "slack");
}

TEST_CASE("booleans", "[config]") {
  for (const char* yes : {"yes", "true", "on", "1", "Yes", "TRUE"})
    CHECK(load(std::string(kHead) + "continuous = " + yes + "\n").webhooks[0].continuous);
  for (const char* no : {"no", "false", "off", "0", "No"})
    CHECK_FALSE(load(std::string(kHead) + "enabled = " + no + "\n").webhooks[0].enabled);
  CHECK(refusal(std::string(kHead) + "enabled = maybe\n") == "w.ini:2: enabled must be yes or no, not 'maybe'");
  CHECK(refusal(std::string(kHead) + "teams_legacy = y\n") == "w.ini:2: teams_legacy must be yes or no, not 'y'");
}

TEST_CASE("durations and N/PERIOD values", "[config]") {
  Config c = load(std::string(kHead) + "throttle = 5/10s\ndedup = 90\nrate = 1/s\ninterval = 15s\ntimeout = 500ms\n");
  const WebhookConfig& w = c.webhooks[0];
  CHECK(w.throttle->count == 5);
  CHECK(w.throttle->period_ms == 10000);
  CHECK(*w.dedup_ms == 90000);
  CHECK(w.rate->count == 1);
  CHECK(*w.interval_ms == 15000);
  CHECK(*w.timeout_ms == 500);
  CHECK(refusal(std::string(kHead) + "throttle = 10\n") == "w.ini:2: throttle: '10' is not N/PERIOD (like 10/min or 5/10s)");
  CHECK(refusal(std::string(kHead) + "rate = 0/s\n") == "w.ini:2: rate: '0/s' must allow at least 1 per period");
  CHECK(refusal(std::string(kHead) + "dedup = 5 parsecs\n") ==
        "w.ini:2: dedup: unknown time unit 'parsecs' in '5 parsecs' (ms, s, min, h or d)");
  CHECK(refusal(std::string(kHead) + "timeout = 0s\n") == "w.ini:2: timeout: duration '0s' must be positive");
  CHECK(refusal(std::string(kHead) + "interval = soon\n") ==
        "w.ini:2: interval: unknown time unit 'soon' (ms, s, min, h or d)");
}

TEST_CASE("formats", "[config]") {
  for (const char* f : {"json", "slack", "discord", "pagerduty", "opsgenie", "teams", "prometheus", "splunk-hec", "ecs"})
    CHECK(load(std::string(kHead) + "format = " + f + "\n").webhooks[0].format == f);
  CHECK(load(std::string(kHead) + "format = template\ntemplate = {{message}}\n").webhooks[0].template_text ==
        "{{message}}");
  CHECK(refusal(std::string(kHead) + "format = slak\n") == "w.ini:2: unknown format 'slak' (did you mean 'slack'?)");
  CHECK(refusal(std::string(kHead) + "format = splunk\n") == "w.ini:2: unknown format 'splunk' (did you mean 'splunk-hec'?)");
  CHECK(refusal(std::string(kHead) + "format = xml\n") ==
        "w.ini:2: unknown format 'xml' (json, slack, discord, pagerduty, opsgenie, teams, prometheus, splunk-hec, "
        "ecs or template)");
  CHECK(refusal(std::string(kHead) + "on = FATAL\nformat = template\n") ==
        "w.ini:3: webhook \"x\" has format template but no template or template_file");
  CHECK(refusal("[global]\nformat = template\n[webhook \"x\"]\n") ==
        "w.ini:2: webhook \"x\" has format template but no template or template_file");
}

TEST_CASE("url: http or https, and never shown past its host", "[config]") {
  CHECK(load(std::string(kHead) + "url = HTTPS://example.com\n").webhooks[0].url == "HTTPS://example.com");
  CHECK(load(std::string(kHead) + "url = http://127.0.0.1:8080/hook?x=1\n").webhooks[0].url ==
        "http://127.0.0.1:8080/hook?x=1");
  CHECK(refusal(std::string(kHead) + "url = hooks.slack.com/services/T000/B000/SECRET\n") ==
        "w.ini:2: url must start with http:// or https://");
  CHECK(refusal(std::string(kHead) + "url = \"https://hooks.slack.com/services/SECRET\"\n") ==
        "w.ini:2: url must start with http:// or https:// (values are not quoted)");
  CHECK(refusal(std::string(kHead) + "url = ftp://files.example.com/SECRET\n") ==
        "w.ini:2: url 'ftp://files.example.com/SE…' must start with http:// or https://");
  CHECK(refusal(std::string(kHead) + "url = https://hooks.slack.com/services/SEC RET\n") ==
        "w.ini:2: url 'https://hooks.slack.com/services/SE…' contains a space or control character");
  CHECK(refusal(std::string(kHead) + "url = https:///SECRET\n") == "w.ini:2: url 'https:///SE…' has no host");
  CHECK(refusal(std::string(kHead) + "url = https://user:SECRET@/x\n") == "w.ini:2: url 'https:///x' has no host");
  EnvVar v("PGTAIL_TEST_URL", "https://hooks.slack.com/services/SECRET\r\nX-Evil: 1");
  CHECK(refusal(std::string(kHead) + "url = ${PGTAIL_TEST_URL}\n") ==
        "w.ini:2: url 'https://hooks.slack.com/services/SE…' contains a space or control character");
}

TEST_CASE("redact_url", "[config]") {
  CHECK(redact_url("https://hooks.slack.com/services/T0/B0/XX") == "https://hooks.slack.com/services/T0…/****");
  CHECK(redact_url("https://user:pass@example.com:8443/x") == "https://example.com:8443/x");
  CHECK(redact_url("https://example.com") == "https://example.com");
  CHECK(redact_url("https://example.com?token=x") == "https://example.com?****");
  CHECK(redact_url("https://u:p@example.com") == "https://example.com");
  CHECK(redact_url("https://") == "https://");
  CHECK(redact_url("https://discord.com/api/webhooks/123456/AbCd-token?wait=true") ==
        "https://discord.com/api/webhooks/12…/****");
  CHECK(redact_url("https://events.pagerduty.com/v2/enqueue") == "https://events.pagerduty.com/v2/enqueue");
  CHECK(redact_url("https://x.example/ingest/#frag") == "https://x.example/ingest/");
  CHECK(redact_url("https://x.example/hook/Zq9") == "https://x.example/hook/Zq…");
  CHECK(redact_url("https://x.example/a/%0a%0d/x") == "https://x.example/a/…/****");
  CHECK(redact_url("hooks.slack.com/services/x") == "…");
  CHECK(redact_url("SECRET") == "…");
  CHECK(redact_url("") == "…");
  CHECK(redact_url("a b://x/y") == "…");
}

TEST_CASE("headers: 'Name: value', the value never shown", "[config]") {
  Config c = load(std::string(kHead) + "header = Authorization: Bearer abc\nheader = X-Empty-Spacing:v\n");
  CHECK(c.webhooks[0].headers == std::vector<std::string>{"Authorization: Bearer abc", "X-Empty-Spacing: v"});
  CHECK(refusal(std::string(kHead) + "header = Bearer SECRET\n") ==
        "w.ini:2: header must be 'Name: value', like 'Authorization: Bearer …'");
  CHECK(refusal(std::string(kHead) + "header = Bad Name: SECRET\n") ==
        "w.ini:2: header must be 'Name: value', like 'Authorization: Bearer …'");
  CHECK(refusal(std::string(kHead) + "header = : SECRET\n") ==
        "w.ini:2: header must be 'Name: value', like 'Authorization: Bearer …'");
  CHECK(refusal(std::string(kHead) + "header = X-Token:\n") == "w.ini:2: header 'X-Token' has no value");
  EnvVar crlf("PGTAIL_TEST_TOKEN", "SECRET\r\nX-Evil: 1");
  CHECK(refusal(std::string(kHead) + "header = Authorization: Bearer ${PGTAIL_TEST_TOKEN}\n") ==
        "w.ini:2: header 'Authorization' contains a line break");
  EnvVar bell("PGTAIL_TEST_BELL", "SECRET\a");
  CHECK(refusal(std::string(kHead) + "header = X-T: ${PGTAIL_TEST_BELL}\n") ==
        "w.ini:2: header 'X-T' contains a control character");
}

TEST_CASE("expand_env", "[config]") {
  EnvVar a("PGTAIL_TEST_A", "alpha");
  EnvVar empty("PGTAIL_TEST_EMPTY", "");
  EnvVar none("PGTAIL_TEST_NONE", nullptr);
  struct Case {
    const char* in;
    const char* out;
  };
  const Case good[] = {
      {"", ""},
      {"plain", "plain"},
      {"${PGTAIL_TEST_A}", "alpha"},
      {"x-${PGTAIL_TEST_A}-${PGTAIL_TEST_A}", "x-alpha-alpha"},
      {"${PGTAIL_TEST_NONE:-fallback}", "fallback"},
      {"${PGTAIL_TEST_EMPTY:-fallback}", "fallback"},
      {"${PGTAIL_TEST_A:-fallback}", "alpha"},
      {"${PGTAIL_TEST_NONE:-}", ""},
      {"$$", "$"},
      {"$${PGTAIL_TEST_A}", "${PGTAIL_TEST_A}"},
      {"cost $5", "cost $5"},
      {"end$", "end$"},
      {"a$b", "a$b"},
  };
  for (const Case& c : good) {
    INFO(c.in);
    std::string out, err;
    CHECK(expand_env(c.in, &out, &err));
    CHECK(out == c.out);
  }
  std::string out, err;
  bool unset = false;
  CHECK_FALSE(expand_env("https://h/${PGTAIL_TEST_NONE}/x", &out, &err, &unset));
  CHECK(unset);
  CHECK(err == "environment variable PGTAIL_TEST_NONE is not set");
  CHECK(out == "https://h//x");
  CHECK_FALSE(expand_env("${PGTAIL_TEST_EMPTY}", &out, &err, &unset));
  CHECK(err == "environment variable PGTAIL_TEST_EMPTY is empty");
  for (const char* bad : {"${", "${PGTAIL_TEST_A", "${}", "${1X}", "${A-B}", "${ A}", "${PGTAIL_TEST_NONE}${"}) {
    INFO(bad);
    unset = true;
    CHECK_FALSE(expand_env(bad, &out, &err, &unset));
    CHECK_FALSE(unset);
    CHECK(err == "'${' must be followed by a variable name and '}', as in ${SLACK_HOOK} (write '$$' for a '$')");
  }
}

TEST_CASE("an unset variable is a problem of its key, not a refusal", "[config]") {
  EnvVar none("PGTAIL_TEST_NONE", nullptr);
  Config c = load(
      "[global]\n"
      "throttle = ${PGTAIL_TEST_NONE}\n"
      "[webhook \"x\"]\n"
      "url = https://hooks.slack.com/services/${PGTAIL_TEST_NONE}\n"
      "routing_key = ${PGTAIL_TEST_NONE}\n"
      "header = Authorization: Bearer ${PGTAIL_TEST_NONE}\n"
      "on = FATAL\n"
      "[webhook \"y\"]\n"
      "throttle = 1/min\n");
  const WebhookConfig& x = c.webhooks[0];
  CHECK(x.url.empty());
  CHECK(x.headers.empty());
  CHECK(x.problems.at("url") == "w.ini:4: url: environment variable PGTAIL_TEST_NONE is not set");
  CHECK(x.problems.at("routing_key") == "w.ini:5: routing_key: environment variable PGTAIL_TEST_NONE is not set");
  CHECK(x.problems.at("header") == "w.ini:6: header: environment variable PGTAIL_TEST_NONE is not set");
  CHECK(x.problems.at("throttle") == "w.ini:2: throttle: environment variable PGTAIL_TEST_NONE is not set");
  CHECK_FALSE(x.throttle);
  std::string err;
  CHECK(x.resolved({"on", "enabled", "dedup"}, &err));  // what pg-match needs besides throttle
  CHECK_FALSE(x.resolved({"on", "throttle", "url"}, &err));
  CHECK(err == "w.ini:2: throttle: environment variable PGTAIL_TEST_NONE is not set");
  CHECK_FALSE(x.resolved({"url", "header"}, &err));
  CHECK(err == "w.ini:4: url: environment variable PGTAIL_TEST_NONE is not set");
  const WebhookConfig& y = c.webhooks[1];
  CHECK(y.problems.empty());
  CHECK(y.throttle->count == 1);
  // A malformed ${ is a refusal; so is a value that expands to nothing.
  CHECK(refusal(std::string(kHead) + "url = https://x.example/${OOPS\n") ==
        "w.ini:2: url: '${' must be followed by a variable name and '}', as in ${SLACK_HOOK} (write '$$' for a '$')");
  CHECK(refusal(std::string(kHead) + "instance_name = ${PGTAIL_TEST_NONE:-}\n") ==
        "w.ini:2: 'instance_name' is empty once ${...} is expanded");
  // Rules and templates are taken as written.
  Config t = load(std::string(kHead) + "on = /\\$${PGTAIL_TEST_NONE}$/\ntemplate = ${event.message}\n");
  CHECK(t.webhooks[0].on[0].value == "/\\$${PGTAIL_TEST_NONE}$/");
  CHECK(t.webhooks[0].template_text == "${event.message}");
  CHECK(t.webhooks[0].problems.empty());
}

TEST_CASE("url_file, header_file, template_file and spool", "[config]") {
  TempDir d;
  d.write("slack-url", "https://hooks.slack.com/services/T0/B0/XX\n");
  d.write("headers", "# for the proxy\nAuthorization: Bearer abc\r\n\nX-Tenant:  shop\n");
  d.write("t.json", "{\"text\": \"${event.message}\"}\n");
  d.write("bad-url", "hooks.slack.com/services/SECRET\n");
  d.write("bad-headers", "X-Ok: 1\nBearer SECRET\n");
  EnvVar dir("PGTAIL_TEST_DIR", d.dir_.c_str());
  EnvVar home("HOME", d.dir_.c_str());
  std::string path = d.write("webhooks.ini",
                             "[global]\n"
                             "spool = spool\n"
                             "[webhook \"a\"]\n"
                             "url_file = slack-url\n"
                             "header = X-First: 0\n"
                             "header_file = ${PGTAIL_TEST_DIR}/headers\n"
                             "format = template\n"
                             "template_file = ~/t.json\n"
                             "[webhook \"b\"]\n"
                             "url_file = missing-url\n"
                             "header_file = missing-headers\n");
  Config c;
  std::string err;
  bool missing = true;
  REQUIRE(load_config(path, &c, &err, &missing));
  CHECK_FALSE(missing);
  CHECK(c.path == path);
  CHECK(c.spool == d.dir_ + "/spool");
  const WebhookConfig& a = c.webhooks[0];
  CHECK(a.url == "https://hooks.slack.com/services/T0/B0/XX");
  CHECK(a.headers == std::vector<std::string>{"X-First: 0", "Authorization: Bearer abc", "X-Tenant: shop"});
  CHECK(a.template_text == "{\"text\": \"${event.message}\"}\n");
  CHECK(a.lines.at("url_file") == 4);
  CHECK(a.problems.empty());
  const WebhookConfig& b = c.webhooks[1];
  CHECK(b.problems.at("url") == path + ":10: url_file: cannot open " + d.dir_ +
                                    "/missing-url: No such file or directory");
  CHECK(b.problems.at("header") == path + ":11: header_file: cannot open " + d.dir_ +
                                       "/missing-headers: No such file or directory");
  // A file that is there but wrong is a refusal, its value still unshown.
  CHECK_FALSE(parse_config(std::string(kHead) + "url_file = " + d.dir_ + "/bad-url\n", "w.ini", &c, &err));
  CHECK(err == "w.ini:2: url_file " + d.dir_ + "/bad-url: url must start with http:// or https://");
  CHECK_FALSE(parse_config(std::string(kHead) + "header_file = " + d.dir_ + "/bad-headers\n", "w.ini", &c, &err));
  CHECK(err == "w.ini:2: header_file " + d.dir_ +
                   "/bad-headers:2: header must be 'Name: value', like 'Authorization: Bearer …'");
  d.write("empty", "\n");
  CHECK_FALSE(parse_config(std::string(kHead) + "url_file = " + d.dir_ + "/empty\n", "w.ini", &c, &err));
  CHECK(err == "w.ini:2: url_file " + d.dir_ + "/empty is empty");
}

TEST_CASE("load_config: a missing file is told apart", "[config]") {
  TempDir d;
  Config c;
  std::string err;
  bool missing = false;
  CHECK_FALSE(load_config(d.dir_ + "/none.ini", &c, &err, &missing));
  CHECK(missing);
  CHECK(err == "cannot open " + d.dir_ + "/none.ini: No such file or directory");
  CHECK_FALSE(load_config(d.dir_, &c, &err, &missing));
  CHECK_FALSE(missing);
  CHECK(err == "cannot read " + d.dir_ + ": Is a directory");
  CHECK_FALSE(load_config(d.dir_ + "/none.ini", &c, &err));  // missing is optional
  if (geteuid() != 0) {  // root reads everything
    std::string path = d.write("locked.ini", "[global]\n");
    chmod(path.c_str(), 0);
    CHECK_FALSE(load_config(path, &c, &err, &missing));
    CHECK_FALSE(missing);
    CHECK(err == "cannot open " + path + ": Permission denied");
  }
  std::string bad = d.write("bad.ini", "[webhook \"x\"]\nurll = https://x.example\n");
  CHECK_FALSE(load_config(bad, &c, &err, &missing));
  CHECK_FALSE(missing);
  CHECK(err == bad + ":2: unknown key 'urll' (did you mean 'url'?)");
}

TEST_CASE("lines: inih's limit, comments, BOM, CRLF", "[config]") {
  // 199 bytes is the longest line; one more is refused, never cut.
  std::string url = "https://example.com/";
  std::string ok = "url = " + url + std::string(199 - 6 - url.size(), 'a');
  REQUIRE(ok.size() == 199);
  CHECK(load(std::string(kHead) + ok + "\n").webhooks[0].url.size() == 193);
  CHECK(load(std::string(kHead) + ok + "\r\n").webhooks[0].url.size() == 193);
  CHECK(load(std::string(kHead) + ok).webhooks[0].url.size() == 193);  // no final newline
  CHECK(refusal(std::string(kHead) + ok + "a\n") ==
        "w.ini:2: line is 200 bytes, longer than the 199 that can be read; put a long value in a file (url_file, "
        "header_file, template_file)");
  CHECK(refusal(std::string(kHead) + "# " + std::string(300, '#') + "\n") ==
        "w.ini:2: line is 302 bytes, longer than the 199 that can be read; put a long value in a file (url_file, "
        "header_file, template_file)");
  // Comments with # and ; at the start of a line, and after " ;" in a value.
  Config c = load(
      "\xEF\xBB\xBF# a BOM, then a comment\r\n"
      "; another\r\n"
      "[webhook \"x\"]\r\n"
      "   # indented comment\r\n"
      "throttle = 10/min ; at most\r\n"
      "url = https://example.com/a;b\r\n"
      "\r\n"
      "on = /x/ ;comment\r\n");
  const WebhookConfig& w = c.webhooks[0];
  CHECK(w.line == 3);
  CHECK(w.throttle->count == 10);
  CHECK(w.url == "https://example.com/a;b");
  CHECK(w.on[0].value == "/x/");
  CHECK(w.on[0].line == 8);
  CHECK(refusal(std::string(kHead) + "on = FATAL\nno equals sign here\n") ==
        "w.ini:3: expected 'key = value', a [section] or a comment");
  CHECK(refusal(std::string(kHead) + std::string("on = FATAL\0x\n", 13)) == "w.ini:2: NUL byte in line");
}

TEST_CASE("an indented line is refused: inih reads it as more of the key above", "[config]") {
  CHECK(refusal(std::string(kHead) + "url = https://example.com/a\n  format = slack\n") ==
        "w.ini:3: indented line: inih reads it as more of 'url' above; start each key at the beginning of its line");
  CHECK(refusal(std::string(kHead) + "on = FATAL\n\tPANIC\n") ==
        "w.ini:3: indented line: inih reads it as more of 'on' above; start each key at the beginning of its line");
  // The first key of a section may be indented: nothing is above it.
  Config c = load(std::string(kHead) + "  format = slack\n[webhook \"y\"]\n\ton = FATAL\n");
  CHECK(c.webhooks[0].format == "slack");
  CHECK(c.webhooks[1].on[0].value == "FATAL");
}

TEST_CASE("the first error in file order is the one reported", "[config]") {
  CHECK(refusal("[webhook \"x\"]\nnot a key\nurll = 1\n") == "w.ini:2: expected 'key = value', a [section] or a comment");
  CHECK(refusal("[webhook \"x\"]\nurll = 1\nnot a key\n") == "w.ini:2: unknown key 'urll' (did you mean 'url'?)");
}

TEST_CASE("config_path: flag, $PGTAIL_CONFIG, XDG, home", "[config]") {
  EnvVar home("HOME", "/home/u");
  EnvVar pg("PGTAIL_CONFIG", nullptr);
  EnvVar xdg("XDG_CONFIG_HOME", nullptr);
  CHECK(config_path("") == "/home/u/.config/pgtail/webhooks.ini");
  {
    EnvVar rel("XDG_CONFIG_HOME", "relative/dir");  // ignored, as the XDG spec says
    CHECK(config_path("") == "/home/u/.config/pgtail/webhooks.ini");
  }
  EnvVar xdg2("XDG_CONFIG_HOME", "/cfg");
  CHECK(config_path("") == "/cfg/pgtail/webhooks.ini");
  EnvVar pg2("PGTAIL_CONFIG", "/etc/pgtail/webhooks.ini");
  CHECK(config_path("") == "/etc/pgtail/webhooks.ini");
  CHECK(config_path("my.ini") == "my.ini");
}

TEST_CASE("valid_webhook_name", "[config]") {
  std::string err;
  for (const char* good : {"slack", "a", "pd-prod_2", "0", "default", "x-"}) {
    INFO(good);
    CHECK(valid_webhook_name(good, &err));
  }
  CHECK(valid_webhook_name(std::string(64, 'z'), &err));
  struct Bad {
    std::string name;
    const char* err;
  };
  const Bad bad[] = {
      {"", "empty webhook name"},
      {std::string(65, 'z'), "webhook name 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' is longer than 64 characters"},
      {"Slack", "webhook name 'Slack' may only have a-z, 0-9, '_' and '-'"},
      {"a.b", "webhook name 'a.b' may only have a-z, 0-9, '_' and '-'"},
      {"a/b", "webhook name 'a/b' may only have a-z, 0-9, '_' and '-'"},
      {"a b", "webhook name 'a b' may only have a-z, 0-9, '_' and '-'"},
      {"-x", "webhook name '-x' must not start with '-'"},
      {"add", "webhook name 'add' is a pg-webhook command word"},
      {"global", "webhook name 'global' is a pg-webhook command word"},
  };
  for (const Bad& b : bad) {
    INFO(b.name);
    CHECK_FALSE(valid_webhook_name(b.name, &err));
    CHECK(err == b.err);
  }
  for (const char* word : {"remove", "list", "on", "off", "test", "run", "help"}) CHECK_FALSE(valid_webhook_name(word, &err));
}

TEST_CASE("edit_distance and did_you_mean", "[suggest]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("url", "") == 3);
  CHECK(edit_distance("url", "urll") == 1);
  CHECK(edit_distance("fromat", "format") == 1);  // a swap is one slip
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("abc", "ABC") == 3);
  const std::vector<std::string_view> keys = {"url", "url_file", "header", "format", "on", "throttle"};
  CHECK(closest_word("urll", keys) == "url");
  CHECK(closest_word("URL", keys) == "url");
  CHECK(closest_word("url", keys).empty());  // exact: nothing to suggest
  CHECK(closest_word("throtle", keys) == "throttle");
  CHECK(closest_word("hedaer", keys) == "header");
  CHECK(closest_word("of", keys) == "on");
  CHECK(closest_word("xyz", keys).empty());
  CHECK(closest_word("colour", keys).empty());
  CHECK(closest_word("", keys).empty());
  CHECK(did_you_mean("urll", keys) == " (did you mean 'url'?)");
  CHECK(did_you_mean("zzz", keys).empty());
  CHECK(did_you_mean("x", {}).empty());
}

TEST_CASE("closest_word: a beginning typed in full", "[suggest]") {
  const std::vector<std::string_view> formats = {"json", "slack", "pagerduty", "splunk-hec"};
  CHECK(closest_word("splunk", formats) == "splunk-hec");
  CHECK(closest_word("pager", formats) == "pagerduty");
  CHECK(closest_word("PAGER", formats) == "pagerduty");
  CHECK(closest_word("pa", formats).empty());  // too short to tell
}

namespace {

/// The config files shown in man/pgtail-webhooks.5 (literal blocks with a
/// section header), as a reader sees them.
std::vector<std::string> man_page_configs() {
  std::ifstream in("man/pgtail-webhooks.5");
  INFO("cannot open man/pgtail-webhooks.5 (run the tests from the repository root)");
  REQUIRE(in);
  std::vector<std::string> configs;
  std::string line, block;
  bool literal = false;
  while (std::getline(in, line)) {
    if (line.rfind(".Bd -literal", 0) == 0) {
      literal = true;
      block.clear();
    } else if (literal && line == ".Ed") {
      literal = false;
      if (block.find("\n[") != std::string::npos || block[0] == '[') configs.push_back(block);
    } else if (literal) {
      for (auto [from, to] : {std::pair<std::string, std::string>{"\\(em", "\u2014"}, {"\\(dq", "\""},
                              {"\\&", ""}, {"\\e", "\\"}})
        for (size_t at; (at = line.find(from)) != std::string::npos;) line.replace(at, from.size(), to);
      block += line + "\n";
    }
  }
  return configs;
}

}  // namespace

TEST_CASE("every config file of pgtail-webhooks(5) loads, its rules parse", "[config]") {
  TempDir d;
  d.write("teams-url", "https://example.webhook.office.com/webhookb2/x\n");
  d.write("splunk-headers", "Authorization: Splunk 00000000-0000-0000-0000-000000000000\n");
  d.write("ops-template.json", "{\"text\": \"{{message}}\"}\n");
  EnvVar creds("CREDENTIALS_DIRECTORY", d.dir_.c_str());
  EnvVar hook("SLACK_HOOK", "T000/B000/XXXX");
  EnvVar key("PD_ROUTING_KEY", "R0UT1NG");
  std::vector<std::string> configs = man_page_configs();
  REQUIRE(configs.size() == 3);  // DESCRIPTION's, and the two EXAMPLES
  size_t webhooks = 0;
  for (const std::string& text : configs) {
    INFO(text);
    Config c;
    std::string err;
    bool ok = load_config(d.write("webhooks.ini", text), &c, &err);
    INFO(err);
    REQUIRE(ok);
    for (const WebhookConfig& w : c.webhooks) {
      ++webhooks;
      CHECK(w.problems.empty());
      CHECK(!w.url.empty());
      CHECK(!w.on.empty());
      for (const ConfigValue& on : w.on) {
        Rule r;
        INFO(on.value);
        CHECK(parse_rule(on.value, &r, &err));
      }
    }
  }
  CHECK(webhooks == 6);
  Config c;
  std::string err;
  REQUIRE(load_config(d.write("webhooks.ini", configs[2]), &c, &err));
  CHECK(c.spool == "/var/spool/pgtail");
  CHECK(*c.find("teams")->dedup_ms == 300000);
  CHECK(*c.find("siem")->dedup_ms == 1000);  // the inline comment is no part of it
  CHECK(c.find("siem")->headers.size() == 1);
  CHECK_FALSE(c.find("ops")->enabled);
  CHECK(c.find("ops")->template_text == "{\"text\": \"{{message}}\"}\n");
}
