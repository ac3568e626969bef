#include "webhook_test.hpp"

#include <time.h>
#include <unistd.h>

#include <cstdio>

#include <curl/curl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "alert.hpp"
#include "diag.hpp"
#include "exit_status.hpp"
#include "formats.hpp"
#include "metrics.hpp"
#include "platform_rules.hpp"
#include "sender.hpp"

namespace pgtail {

namespace {

std::string rfc3339_ms(int64_t ms) {
  time_t s = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&s, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

int64_t wall_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

/// `body` with the routing key replaced by "…": everything that prints a
/// body redacts it (DESIGN.md contract 3).
std::string without_key(std::string body, const std::string& key) {
  if (key.empty()) return body;
  for (size_t at; (at = body.find(key)) != std::string::npos;) body.replace(at, key.size(), "…");
  return body;
}

void say(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

void show_request(const WebhookConfig& w, const Delivery& d, const std::string& routing_key) {
  Platform p = resolve_platform(d.platform, "", w.url);
  say(std::string("> ") + (p == Platform::kPushgateway ? "PUT " : "POST ") + redact_url(request_url(p, w.url)));
  bool type_set = false;
  for (const std::string& h : w.headers) type_set = type_set || h.compare(0, 13, "Content-Type:") == 0;
  if (!type_set)
    say("> Content-Type: " + (d.payload.content_type.empty() ? std::string("application/json") : d.payload.content_type));
  for (const std::string& h : w.headers) say("> " + redact_header(h));
  std::string body = without_key(d.payload.body, routing_key);
  if (!body.empty() && body.back() == '\n') body.pop_back();
  say(">");
  say(body);
}

std::string received(long status) {
  std::string text = status_text(status);
  return std::to_string(status) + (text.empty() ? "" : " " + text);
}

/// What people can do about a failed test, where we know.
std::string advice(const WebhookConfig& w, const SendResult& r) {
  if (w.format == "pagerduty" && r.status == 400)
    return "PagerDuty's Events API v2 takes its routing key in the body, not in an Authorization header: "
           "check routing_key (pg-webhook " + w.name + " set routing_key '${PD_ROUTING_KEY}')";
  if (r.status == 401 || r.status == 403) return "the endpoint refused the credentials: check the url and headers";
  if (r.status == 404 || r.status == 410) return "the endpoint does not know this url: it may have been revoked";
  return "";
}

}  // namespace

const char* status_text(long status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
  }
  return "";
}

std::string sample_event(const std::string& name, const std::string& host, int64_t now_ms) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  auto str = [&w](const char* k, const std::string& v) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  };
  w.StartObject();
  str("timestamp", rfc3339_ms(now_ms));
  w.Key("instance");
  w.StartObject();
  w.Key("id");
  w.Int(0);
  str("name", "pg16-main");
  str("host", host);
  w.Key("port");
  w.Int(5432);
  str("cluster", "main");
  str("version", "16");
  str("data_dir", "/var/lib/postgresql/16/main");
  w.EndObject();
  w.Key("event");
  w.StartObject();
  str("type", "log_entry");
  str("level", "FATAL");
  str("sqlstate", "53300");
  w.Key("pid");
  w.Int(12345);
  str("message", "sorry, too many clients already");
  str("user", "app");
  str("database", "shop");
  str("application", "pg-webhook test");
  str("remote_host", "10.0.0.5");
  w.Key("remote_port");
  w.Int(51234);
  str("session_id", "65a4f1c2.3039");
  w.Key("line_num");
  w.Int(1);
  str("backend_type", "client backend");
  w.EndObject();
  w.Key("trigger");
  w.StartObject();
  str("rule", "level:FATAL");
  str("webhook", name);
  w.EndObject();
  w.EndObject();
  return b.GetString();
}

bool sample_delivery(const WebhookConfig& w, const std::string& event, Delivery* out, std::string* err) {
  const FormatSpec* spec = find_format(w.format.empty() ? "json" : w.format);
  if (!spec) {
    *err = "unknown format '" + w.format + "'";
    return false;
  }
  rapidjson::Document doc;
  doc.Parse(event.data(), event.size());
  AlertOptions ao;
  ao.instance_name = w.instance_name;
  Alert a;
  if (!read_alert(doc, ao, &a, err)) return false;
  out->webhook = w.name;
  out->platform = spec->platform;
  if (!spec->build) {  // prometheus: the counters after this one event
    Metrics m;
    m.add(a, w.name);
    out->payload = m.render(a.instance_display);
    return true;
  }
  FormatOptions fo;
  fo.routing_key = w.routing_key;
  fo.template_text = w.template_text;
  fo.template_json = w.template_json;
  fo.teams_legacy = w.teams_legacy;
  return spec->build(a, fo, &out->payload, err);
}

int test_webhook(const WebhookConfig& w, const TestOptions& o) {
  std::string err;
  if (!w.resolved({"url", "header", "format", "routing_key", "instance_name", "template"}, &err)) {
    message(err);
    return kExitConfig;
  }
  if (w.url.empty() && !o.dry_run) {
    message("webhook '" + w.name + "' has no url (set it: pg-webhook " + w.name + " set url URL)");
    return kExitConfig;
  }
  Delivery d;
  if (!sample_delivery(w, sample_event(w.name, host_name(), wall_ms()), &d, &err)) {
    if (w.format == "pagerduty" && w.routing_key.empty())
      err = "webhook '" + w.name + "' has no routing key: PagerDuty's Events API v2 takes it in the body, not in "
            "an Authorization header; set it with pg-webhook " + w.name + " set routing_key '${PD_ROUTING_KEY}'";
    message(err);
    return kExitConfig;
  }
  if (o.dry_run) {
    std::string body = without_key(d.payload.body, w.routing_key);
    say(body.empty() || body.back() != '\n' ? body : body.substr(0, body.size() - 1));
    return kExitOk;
  }
  say("Sending test payload to " + w.name + "...");
  if (o.verbose) show_request(w, d, w.routing_key);
  Endpoint ep;
  ep.url = w.url;
  ep.headers = w.headers;
  HttpOptions http;
  http.timeout_ms = w.timeout_ms ? *w.timeout_ms : o.timeout_ms;
  http.cacert = o.cacert;
  http.insecure = o.insecure;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  SendResult r = send_once(ep, d, http);
  if (o.verbose) {
    say("< " + (r.status ? received(r.status) : "no answer") + " in " + std::to_string(r.latency_ms) + " ms");
    if (!r.response_head.empty()) say("< " + r.response_head);
  }
  if (r.outcome == Outcome::kDelivered) {
    say("✓ Received " + received(r.status));
    return kExitOk;
  }
  std::string what = r.status ? "Received " + received(r.status) : "No answer";
  bool reject = r.outcome == Outcome::kReject;
  // "HTTP 404" says nothing more than the status; "HTTP 200 without Slack's 'ok'" does.
  bool plain = r.status && r.reason == "HTTP " + std::to_string(r.status);
  say("✗ " + what + (plain || r.reason.empty() ? "" : ": " + r.reason) +
      (reject ? " (rejected: pg-send would not retry it)" : " (pg-send would retry it later)"));
  if (!r.response_head.empty() && !o.verbose) say("  Response: " + r.response_head);
  std::string hint = advice(w, r);
  if (!hint.empty()) say("  " + hint);
  return reject ? kExitUnavailable : kExitTempFail;
}

}  // namespace pgtail
