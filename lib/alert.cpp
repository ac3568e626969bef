#include "alert.hpp"

#include <algorithm>
#include <initializer_list>

#include "fingerprint.hpp"
#include "timestamp.hpp"
#include "utf8.hpp"

namespace pgtail {

namespace {

std::string_view str(const rapidjson::Value* obj, const char* name) {
  if (!obj) return {};
  auto it = obj->FindMember(name);
  if (it == obj->MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::string text_of(const rapidjson::Value* obj, const char* name) {
  if (!obj) return {};
  auto it = obj->FindMember(name);
  if (it == obj->MemberEnd()) return {};
  return value_text(it->value);
}

/// out[i]: the first member of `obj` named names[i], or null; one pass.
void find_members(const rapidjson::Value* obj, std::initializer_list<std::string_view> names,
                  const rapidjson::Value** out) {
  std::fill(out, out + names.size(), nullptr);
  if (!obj) return;
  size_t left = names.size();
  for (auto it = obj->MemberBegin(); it != obj->MemberEnd() && left > 0; ++it) {
    std::string_view key(it->name.GetString(), it->name.GetStringLength());
    const rapidjson::Value** slot = out;
    for (std::string_view name : names) {
      if (!*slot && key.size() == name.size() && key == name) {
        *slot = &it->value;
        --left;
        break;
      }
      ++slot;
    }
  }
}

std::string_view as_str(const rapidjson::Value* v) {
  return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength()) : std::string_view();
}

const rapidjson::Value* as_object(const rapidjson::Value* v) { return v && v->IsObject() ? v : nullptr; }

std::string_view first_line_view(std::string_view s) { return s.substr(0, s.find('\n')); }

/// The pieces one after the other, in one allocation.
std::string concat(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  std::string out;
  out.reserve(n);
  for (std::string_view p : parts) out.append(p);
  return out;
}

}  // namespace

std::string value_text(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsDouble()) return std::to_string(v.GetDouble());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  return {};
}

std::string Alert::field(const char* name) const { return text_of(event, name); }
std::string Alert::instance_field(const char* name) const { return text_of(instance, name); }

const std::string& Alert::fingerprint() const {
  if (!fingerprint_known_) {
    fingerprint_ = std::string(str(event, "fingerprint"));
    if (fingerprint_.empty()) fingerprint_ = pgtail::fingerprint(level, sqlstate, message);
    fingerprint_known_ = true;
  }
  return fingerprint_;
}

bool read_alert(const rapidjson::Document& doc, const AlertOptions& options, Alert* out, std::string* err) {
  *out = Alert();
  if (!doc.IsObject()) {
    *err = "not an event: not a JSON object";
    return false;
  }
  // Each object read in one pass, as FindMember() would for each name.
  const rapidjson::Value* root[4];
  find_members(&doc, {"event", "instance", "trigger", "timestamp"}, root);
  out->root = &doc;
  out->event = as_object(root[0]);
  if (!out->event) {
    *err = "not an event: no \"event\" object";
    return false;
  }
  out->instance = as_object(root[1]);
  out->trigger = as_object(root[2]);
  const rapidjson::Value* event[4];
  find_members(out->event, {"type", "level", "message", "sqlstate"}, event);
  out->type = as_str(event[0]);
  if (out->type.empty()) {
    *err = "not an event: no event.type";
    return false;
  }
  out->level = as_str(event[1]);
  out->message = as_str(event[2]);
  out->sqlstate = as_str(event[3]);
  out->timestamp = as_str(root[3]);
  const rapidjson::Value* trigger[2];
  find_members(out->trigger, {"webhook", "rule"}, trigger);
  out->webhook = as_str(trigger[0]);
  out->rule = as_str(trigger[1]);
  if (!out->timestamp.empty() && !parse_iso8601(out->timestamp, &out->time_ms)) {
    *err = "not an event: timestamp '" + std::string(out->timestamp.substr(0, 40)) + "' is not RFC 3339";
    return false;
  }

  const rapidjson::Value* instance[3];
  find_members(out->instance, {"name", "host", "version"}, instance);
  std::string name = std::string(as_str(instance[0]));
  std::string host = std::string(as_str(instance[1]));
  std::string version = instance[2] ? value_text(*instance[2]) : std::string();
  if (!options.instance_name.empty())
    out->instance_display = options.instance_name;
  else if (name.empty() && !version.empty())
    name = "pg" + version;
  if (out->instance_display.empty()) {
    if (!name.empty())
      out->instance_display = host.empty() || name == host ? name : name + " (" + host + ")";
    else
      out->instance_display = host.empty() ? "PostgreSQL" : host;
  }
  return true;
}

std::string headline(const Alert& a) {
  std::string_view msg = first_line_view(a.message);
  if (msg.empty() && (a.type == "log_entry" || a.type == "raw"))
    return a.type == "raw" ? "log line" : std::string(a.level.empty() ? "LOG" : a.level);
  if (a.type == "rate_threshold" || a.type == "suppressed") return concat({msg, " on ", a.instance_display});
  if (a.type == "rate_resolved") return concat({"Resolved: ", msg, " on ", a.instance_display});
  if (a.type == "raw") return concat({"log line: ", msg});
  return concat({a.level.empty() ? "LOG" : a.level, ": ", msg});
}

std::string summary_line(const Alert& a) {
  std::string_view msg = first_line_view(a.message);
  if (a.type == "log_entry" || a.type == "raw")
    return concat({"PostgreSQL ", a.level.empty() ? "log line" : a.level, " on ", a.instance_display,
                   msg.empty() ? "" : ": ", msg});
  return concat({"PostgreSQL on ", a.instance_display, ": ", a.type == "rate_resolved" ? "resolved: " : "", msg});
}

size_t count_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string truncate_chars(std::string_view s, size_t max_chars) {
  if (count_chars(s) <= max_chars) return std::string(s);
  if (max_chars == 0) return {};
  size_t keep = max_chars - 1, i = 0, n = 0;
  while (i < s.size() && n < keep) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++n;
  }
  return std::string(s.substr(0, i)) + "\xE2\x80\xA6";  // …
}

int urgency(const Alert& a) {
  if (a.type == "rate_resolved" || a.type == "suppressed") return 1;
  if (a.level == "PANIC" || a.level == "FATAL") return 4;
  if (a.level == "ERROR") return 3;
  if (a.level == "WARNING") return 2;
  return 1;
}

}  // namespace pgtail
