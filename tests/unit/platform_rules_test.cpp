#include "platform_rules.hpp"

#include <catch2/catch.hpp>

using namespace pgtail;

namespace {

Verdict answer(Platform p, long status, std::string_view body = "", std::string_view retry_after = "") {
  Answer a;
  a.status = status;
  a.body = body;
  a.retry_after = retry_after;
  return judge(p, a, 1700000000);
}

}  // namespace

TEST_CASE("the platform from the delivery, the flag, then the URL's host", "[platform]") {
  CHECK(platform_from_url("https://hooks.slack.com/services/T0/B0/x") == Platform::kSlack);
  CHECK(platform_from_url("https://discord.com/api/webhooks/1/abc") == Platform::kDiscord);
  CHECK(platform_from_url("https://events.pagerduty.com/v2/enqueue") == Platform::kPagerDuty);
  CHECK(platform_from_url("https://api.eu.opsgenie.com/v2/alerts") == Platform::kOpsgenie);
  CHECK(platform_from_url("https://x.webhook.office.com/webhookb2/a/IncomingWebhook/b") == Platform::kTeamsLegacy);
  CHECK(platform_from_url("https://prod-1.westeurope.logic.azure.com:443/workflows/g/triggers/manual/paths/invoke") ==
        Platform::kTeams);
  CHECK(platform_from_url("https://splunk:8088/services/collector/event") == Platform::kSplunkHec);
  CHECK(platform_from_url("http://127.0.0.1:8080/hook") == Platform::kGeneric);
  CHECK(platform_from_url("not a url") == Platform::kGeneric);
  CHECK(resolve_platform("slack", "discord", "http://127.0.0.1/") == Platform::kSlack);
  CHECK(resolve_platform("", "discord", "http://127.0.0.1/") == Platform::kDiscord);
  CHECK(resolve_platform("", "", "https://hooks.slack.com/services/x") == Platform::kSlack);
  CHECK(resolve_platform("teams", "", "https://x.webhook.office.com/webhookb2/a") == Platform::kTeamsLegacy);
  CHECK(resolve_platform("json", "slack", "http://h/") == Platform::kGeneric);
  Platform p;
  CHECK(parse_platform("splunk-hec", &p));
  CHECK(p == Platform::kSplunkHec);
  CHECK_FALSE(parse_platform("slak", &p));
}

TEST_CASE("Discord URLs go to the v10 API with wait=true", "[platform]") {
  CHECK(request_url(Platform::kDiscord, "https://discord.com/api/webhooks/123/tok") ==
        "https://discord.com/api/v10/webhooks/123/tok?wait=true");
  CHECK(request_url(Platform::kDiscord, "https://discord.com/api/v6/webhooks/123/tok?thread_id=9&wait=false") ==
        "https://discord.com/api/v10/webhooks/123/tok?thread_id=9&wait=true");
  CHECK(request_url(Platform::kDiscord, "https://discord.com/api/v9/webhooks/1/t") ==
        "https://discord.com/api/v9/webhooks/1/t?wait=true");
  CHECK(request_url(Platform::kDiscord, "http://127.0.0.1:9/discord") == "http://127.0.0.1:9/discord?wait=true");
  CHECK(request_url(Platform::kSlack, "https://hooks.slack.com/services/x") == "https://hooks.slack.com/services/x");
}

TEST_CASE("each platform's own success answer", "[platform]") {
  CHECK(answer(Platform::kSlack, 200, "ok").outcome == Outcome::kDelivered);
  CHECK(answer(Platform::kSlack, 200, "<html>login</html>").outcome == Outcome::kReject);
  CHECK(answer(Platform::kSlack, 200, "<html>login</html>").reason == "HTTP 200 without Slack's 'ok' answer");
  CHECK(answer(Platform::kDiscord, 200, "{}").outcome == Outcome::kDelivered);
  CHECK(answer(Platform::kDiscord, 204).outcome == Outcome::kDelivered);
  CHECK(answer(Platform::kPagerDuty, 202).outcome == Outcome::kDelivered);
  CHECK(answer(Platform::kPagerDuty, 200).outcome == Outcome::kReject);
  CHECK(answer(Platform::kOpsgenie, 202).outcome == Outcome::kDelivered);
  CHECK(answer(Platform::kTeams, 202).outcome == Outcome::kDelivered);
  CHECK(answer(Platform::kTeamsLegacy, 200, "1").outcome == Outcome::kDelivered);
  CHECK(answer(Platform::kTeamsLegacy, 200, "Microsoft Teams endpoint returned HTTP error 429").outcome ==
        Outcome::kRetry);
  CHECK(answer(Platform::kSplunkHec, 200, R"({"text":"Success","code":0})").outcome == Outcome::kDelivered);
  CHECK(answer(Platform::kSplunkHec, 200, R"({"text":"Invalid token","code":4})").outcome == Outcome::kReject);
  CHECK(answer(Platform::kGeneric, 204).outcome == Outcome::kDelivered);
  CHECK(answer(Platform::kPushgateway, 200).outcome == Outcome::kDelivered);
}

TEST_CASE("what is retried: network errors, 408, 425, 429, 5xx but 501 and 505", "[platform]") {
  for (long s : {0L, 408L, 425L, 429L, 500L, 502L, 503L, 504L, 599L}) {
    INFO(s);
    CHECK(retryable_status(s));
  }
  for (long s : {301L, 400L, 401L, 403L, 404L, 410L, 413L, 422L, 501L, 505L}) {
    INFO(s);
    CHECK_FALSE(retryable_status(s));
    CHECK(answer(Platform::kGeneric, s).outcome == Outcome::kReject);
  }
  Answer a;
  a.error = "Connection refused";
  Verdict v = judge(Platform::kGeneric, a, 0);
  CHECK(v.outcome == Outcome::kRetry);
  CHECK(v.reason == "Connection refused");
  CHECK(v.wait_ms == -1);
}

TEST_CASE("Retry-After in seconds and as an HTTP-date; Discord's retry_after", "[platform]") {
  CHECK(parse_retry_after("120", 0) == 120000);
  CHECK(parse_retry_after(" 0 ", 0) == 0);
  CHECK(parse_retry_after("999999999999", 0) == kMaxServerWait);
  CHECK(parse_retry_after("Tue, 14 Nov 2023 22:13:50 GMT", 1700000000) == 30000);
  CHECK(parse_retry_after("Tue, 14 Nov 2023 22:13:00 GMT", 1700000000) == 0);  // past
  CHECK(parse_retry_after("soon", 0) == -1);
  CHECK(parse_retry_after("-5", 0) == -1);
  CHECK(parse_retry_after("", 0) == -1);
  Verdict v = answer(Platform::kGeneric, 429, "", "3");
  CHECK(v.outcome == Outcome::kRetry);
  CHECK(v.wait_ms == 3000);
  CHECK(v.pause_webhook);
  v = answer(Platform::kDiscord, 429, R"({"message":"You are being rate limited.","retry_after":0.25,"global":false})",
             "1");
  CHECK(v.wait_ms == 250);
  CHECK(v.pause_webhook);
  v = answer(Platform::kGeneric, 500);
  CHECK(v.wait_ms == -1);
  CHECK_FALSE(v.pause_webhook);
  Answer a;
  a.status = 200;
  a.rate_remaining = "0";
  a.rate_reset_after = "1.5";
  v = judge(Platform::kDiscord, a, 0);
  CHECK(v.outcome == Outcome::kDelivered);
  CHECK(v.wait_ms == 1500);
  CHECK(v.pause_webhook);
}

TEST_CASE("pacing and backoff", "[platform]") {
  CHECK(default_pacing(Platform::kSlack).count == 1);
  CHECK(default_pacing(Platform::kSlack).period_ms == 1000);
  CHECK(default_pacing(Platform::kDiscord).count == 5);
  CHECK(default_pacing(Platform::kDiscord).period_ms == 2000);
  CHECK(default_pacing(Platform::kGeneric).count == 0);
  CHECK(backoff_ms(0, 1000, 300000, 0.5) == 500);
  CHECK(backoff_ms(3, 1000, 300000, 0.5) == 4000);
  CHECK(backoff_ms(30, 1000, 300000, 0.999) == 299700);
  CHECK(backoff_ms(1000, 1000, 300000, 0) == 0);
}

TEST_CASE("secrets are never printed in full", "[platform]") {
  CHECK(redact_text("POST https://hooks.slack.com/services/T0/B0/secret failed") ==
        "POST https://hooks.slack.com/services/T0…/**** failed");
  CHECK(redact_text("see https://user:pw@discord.com/api/webhooks/1/tok?wait=true") == "see https://discord.com/api/webhooks/1…/****");
  CHECK(redact_text(R"({"routing_key":"R0123456789abcdef","event_action":"trigger"})") ==
        R"({"routing_key":"…","event_action":"trigger"})");
  CHECK(redact_text("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer …");
  CHECK(redact_text("GenieKey 1234-5678") == "GenieKey …");
  CHECK(redact_text("token xoxb-123-456-abc") == "token …");
  CHECK(redact_text("invalid_payload") == "invalid_payload");
  CHECK(redact_header("Authorization: GenieKey 1234") == "Authorization: …");
  CHECK(redact_header("X-Api-Key: 1234") == "X-Api-Key: …");
  CHECK(redact_header("X-Team: ops") == "X-Team: ops");
}
