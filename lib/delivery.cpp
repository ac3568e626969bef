#include "delivery.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <vector>

#include "utf8.hpp"

namespace pgtail {

namespace {

constexpr int kMaxDepth = 64;  ///< writing a body back recurses: bound it

/// Whether `root` nests arrays and objects deeper than kMaxDepth (checked
/// without recursing).
bool too_deep(const rapidjson::Value& root) {
  std::vector<std::pair<const rapidjson::Value*, int>> todo{{&root, 1}};
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    if (depth > kMaxDepth) return true;
    if (v->IsObject())
      for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it) todo.emplace_back(&it->value, depth + 1);
    else if (v->IsArray())
      for (auto it = v->Begin(); it != v->End(); ++it) todo.emplace_back(&*it, depth + 1);
  }
  return false;
}

/// RapidJSON's message without its period, as our messages end.
std::string parse_error(const rapidjson::Document& d) {
  std::string what = rapidjson::GetParseError_En(d.GetParseError());
  if (!what.empty() && what.back() == '.') what.pop_back();
  return "invalid JSON at byte " + std::to_string(d.GetErrorOffset() + 1) + ": " + what;
}

bool parse_json(std::string_view line, rapidjson::Document* d, std::string* err) {
  if (!utf8_clean(line)) {
    *err = "invalid JSON: not valid UTF-8";
    return false;
  }
  d->Parse<rapidjson::kParseIterativeFlag>(line.data(), line.size());
  if (d->HasParseError()) {
    *err = parse_error(*d);
    return false;
  }
  if (too_deep(*d)) {
    *err = "nested more than " + std::to_string(kMaxDepth) + " deep";
    return false;
  }
  return true;
}

/// An optional string member; false with *err when it is not a string.
bool string_member(const rapidjson::Value& v, const char* key, std::string* out, std::string* err) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd()) return true;
  if (!it->value.IsString()) {
    *err = std::string("\"") + key + "\" is not a string";
    return false;
  }
  out->assign(it->value.GetString(), it->value.GetStringLength());
  return true;
}

}  // namespace

bool parse_delivery(std::string_view line, Delivery* out, std::string* err) {
  *out = Delivery();
  rapidjson::Document d;
  if (!parse_json(line, &d, err)) return false;
  if (!d.IsObject()) {
    *err = "not a delivery: not a JSON object (pass --raw for bodies made by other tools)";
    return false;
  }
  if (!string_member(d, "webhook", &out->webhook, err) || !string_member(d, "platform", &out->platform, err) ||
      !string_member(d, "content_type", &out->payload.content_type, err))
    return false;
  auto body = d.FindMember("body");
  if (body == d.MemberEnd()) {
    *err = "not a delivery: no \"body\" (pass --raw for bodies made by other tools)";
    return false;
  }
  if (body->value.IsString() && !out->payload.content_type.empty()) {
    out->payload.body.assign(body->value.GetString(), body->value.GetStringLength());
  } else {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    body->value.Accept(w);
    out->payload.body.assign(b.GetString(), b.GetSize());
  }
  auto grouping = d.FindMember("grouping");
  if (grouping != d.MemberEnd()) {
    if (!grouping->value.IsObject()) {
      *err = "\"grouping\" is not an object";
      return false;
    }
    for (auto it = grouping->value.MemberBegin(); it != grouping->value.MemberEnd(); ++it) {
      if (!it->value.IsString()) {
        *err = "\"grouping\" values must be strings";
        return false;
      }
      out->payload.grouping.emplace_back(it->name.GetString(), it->value.GetString());
    }
  }
  return true;
}

bool wrap_raw(std::string_view line, std::string_view webhook, std::string* out, std::string* err) {
  rapidjson::Document d;
  if (!parse_json(line, &d, err)) return false;
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("webhook");
  w.String(webhook.data(), static_cast<rapidjson::SizeType>(webhook.size()));
  w.Key("body");
  w.RawValue(line.data(), line.size(), d.GetType());
  w.EndObject();
  out->assign(b.GetString(), b.GetSize());
  return true;
}

}  // namespace pgtail
