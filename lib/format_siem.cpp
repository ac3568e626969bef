// The SIEM formats (PLATFORMS.md §7): splunk-hec, a Splunk HTTP Event
// Collector envelope around the triggered event, and ecs, one Elastic Common
// Schema document (nested objects, not dotted keys).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cinttypes>
#include <cstdio>

#include "formats.hpp"

namespace pgtail {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

/// The HEC sourcetype: Splunk's vendor:kind naming, and not "postgresql",
/// which apps use for the server's own log lines.
constexpr const char* kSourcetype = "postgresql:alert";
/// The ECS release whose field definitions the ecs format follows (every
/// field used here is defined there unchanged).
constexpr const char* kEcsVersion = "8.11.0";

void put(Writer& w, const char* key, std::string_view v) {
  w.Key(key);
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

/// Puts a string member only when it has a value (contract: absent, not empty).
void put_some(Writer& w, const char* key, std::string_view v) {
  if (!v.empty()) put(w, key, v);
}

const rapidjson::Value* member(const rapidjson::Value* obj, const char* name) {
  if (!obj) return nullptr;
  auto it = obj->FindMember(name);
  return it == obj->MemberEnd() ? nullptr : &it->value;
}

std::string_view member_str(const rapidjson::Value* obj, const char* name) {
  const rapidjson::Value* v = member(obj, name);
  return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength()) : std::string_view();
}

/// Copies a member's value when it is there.
void copy_member(Writer& w, const char* key, const rapidjson::Value* v) {
  if (!v) return;
  w.Key(key);
  v->Accept(w);
}

/// The event object, with its fingerprint always there.
void write_event(Writer& w, const Alert& a) {
  w.StartObject();
  for (auto m = a.event->MemberBegin(); m != a.event->MemberEnd(); ++m) {
    m->name.Accept(w);
    m->value.Accept(w);
  }
  if (!a.event->HasMember("fingerprint")) put(w, "fingerprint", a.fingerprint());
  w.EndObject();
}

/// Epoch seconds with milliseconds, as HEC wants ("1705314225.123"): never
/// milliseconds, the classic mistake, which Splunk reads as a far-future time.
std::string epoch_seconds(int64_t ms) {
  uint64_t abs = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%03" PRIu64, ms < 0 ? "-" : "", abs / 1000, abs % 1000);
  return buf;
}

/// PostgreSQL's own mapping of its levels to syslog severities (the manual's
/// "Message Severity Levels" table): lower is more severe. -1 for none.
int syslog_severity(std::string_view level) {
  if (level == "PANIC") return 2;                      // CRIT
  if (level == "FATAL") return 3;                      // ERR
  if (level == "ERROR") return 4;                      // WARNING
  if (level == "WARNING" || level == "NOTICE") return 5;  // NOTICE
  if (level == "LOG" || level == "INFO") return 6;     // INFO
  if (level.substr(0, 5) == "DEBUG") return 7;         // DEBUG
  return -1;
}

bool is_error(const Alert& a) {
  return a.type == "log_entry" && (a.level == "ERROR" || a.level == "FATAL" || a.level == "PANIC");
}

void write_labels(Writer& w, const Alert& a) {
  w.Key("labels");
  w.StartObject();
  put_some(w, "database", member_str(a.event, "database"));
  put_some(w, "webhook", a.webhook);
  put_some(w, "rule", a.rule);
  put(w, "fingerprint", a.fingerprint());
  w.EndObject();
}

void write_ecs_event(Writer& w, const Alert& a) {
  w.Key("event");
  w.StartObject();
  put(w, "kind", "alert");
  w.Key("category");
  w.StartArray();
  w.String("database");
  w.EndArray();
  w.Key("type");
  w.StartArray();
  w.String(is_error(a) ? "error" : "info");
  w.EndArray();
  put(w, "action", a.type);
  put_some(w, "code", a.sqlstate);
  bool quiet = a.type == "rate_resolved" || a.type == "suppressed";
  int sev = quiet ? 6 : syslog_severity(a.level);
  if (sev >= 0) {
    w.Key("severity");
    w.Int(sev);
  }
  put(w, "module", "postgresql");
  put(w, "dataset", "postgresql.log");
  put_some(w, "reason", a.rule);
  put_some(w, "start", member_str(a.event, "first_timestamp"));
  put_some(w, "end", member_str(a.event, "last_timestamp"));
  w.EndObject();
}

}  // namespace

bool build_splunk_hec(const Alert& a, const FormatOptions& o, Payload* out, std::string* err) {
  Payload event;
  if (!build_json(a, o, &event, err)) return false;
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  if (!a.timestamp.empty()) {
    std::string t = epoch_seconds(a.time_ms);
    w.Key("time");
    w.RawValue(t.data(), t.size(), rapidjson::kNumberType);
  }
  std::string_view host = member_str(a.instance, "host");
  put(w, "host", host.empty() ? std::string_view(a.instance_display) : host);
  put(w, "source", "pgtail");
  put(w, "sourcetype", kSourcetype);
  w.Key("event");
  w.RawValue(event.body.data(), event.body.size(), rapidjson::kObjectType);
  // Indexed fields: strings only (HEC takes no nested values here).
  w.Key("fields");
  w.StartObject();
  put(w, "instance", a.instance_display);
  put(w, "type", a.type);
  put_some(w, "level", a.level);
  put_some(w, "sqlstate", a.sqlstate);
  put_some(w, "database", member_str(a.event, "database"));
  put_some(w, "webhook", a.webhook);
  w.EndObject();
  w.EndObject();
  out->body.assign(b.GetString(), b.GetSize());
  return true;
}

bool build_ecs(const Alert& a, const FormatOptions&, Payload* out, std::string*) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  put_some(w, "@timestamp", a.timestamp);
  put_some(w, "message", a.message);
  if (!a.level.empty()) {
    w.Key("log");
    w.StartObject();
    put(w, "level", a.level);
    w.EndObject();
  }
  write_ecs_event(w, a);
  if (const rapidjson::Value* pid = member(a.event, "pid"); pid && pid->IsNumber()) {
    w.Key("process");
    w.StartObject();
    copy_member(w, "pid", pid);
    w.EndObject();
  }
  if (std::string_view host = member_str(a.instance, "host"); !host.empty()) {
    w.Key("host");
    w.StartObject();
    put(w, "name", host);
    w.EndObject();
  }
  w.Key("service");
  w.StartObject();
  put(w, "type", "postgresql");
  put(w, "name", a.instance_display);
  put_some(w, "version", a.instance_field("version"));
  w.EndObject();
  if (std::string_view user = member_str(a.event, "user"); !user.empty()) {
    w.Key("user");
    w.StartObject();
    put(w, "name", user);
    w.EndObject();
  }
  // "[local]" is a Unix-domain socket, no address.
  if (std::string_view client = member_str(a.event, "remote_host"); !client.empty() && client != "[local]") {
    w.Key("client");
    w.StartObject();
    put(w, "address", client);
    if (const rapidjson::Value* port = member(a.event, "remote_port"); port && port->IsNumber())
      copy_member(w, "port", port);
    w.EndObject();
  }
  if (is_error(a)) {
    w.Key("error");
    w.StartObject();
    put_some(w, "code", a.sqlstate);
    put(w, "message", a.message);
    w.EndObject();
  }
  write_labels(w, a);
  w.Key("ecs");
  w.StartObject();
  put(w, "version", kEcsVersion);
  w.EndObject();
  // Everything pg-match sent, under a namespace of our own, as ECS asks of
  // fields it does not define (detail, hint, statement, rate counts, ...).
  w.Key("pgtail");
  w.StartObject();
  w.Key("event");
  write_event(w, a);
  copy_member(w, "instance", a.instance);
  copy_member(w, "trigger", a.trigger);
  w.EndObject();
  w.EndObject();
  out->body.assign(b.GetString(), b.GetSize());
  return true;
}

}  // namespace pgtail
