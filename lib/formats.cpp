#include "formats.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "event.hpp"

namespace pgtail {

namespace {

constexpr FormatSpec kFormats[] = {
    {"json", "json", build_json},
    {"slack", "slack", build_slack},
    {"discord", "discord", build_discord},
    {"pagerduty", "pagerduty", build_pagerduty},
    {"opsgenie", "opsgenie", build_opsgenie},
    {"teams", "teams", build_teams},
    {"prometheus", "pushgateway", nullptr},
    {"splunk-hec", "splunk-hec", build_splunk_hec},
    {"ecs", "json", build_ecs},
    {"template", "json", build_template},
};

}  // namespace

const FormatSpec* find_format(std::string_view name) {
  for (const FormatSpec& f : kFormats)
    if (name == f.name) return &f;
  return nullptr;
}

std::vector<std::string_view> format_names() {
  std::vector<std::string_view> out;
  for (const FormatSpec& f : kFormats) out.emplace_back(f.name);
  return out;
}

bool build_json(const Alert& a, const FormatOptions&, Payload* out, std::string*) {
  // Contract 2 as it is, with the fingerprint always there.
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  bool has_fp = a.event->HasMember("fingerprint");
  w.StartObject();
  for (auto it = a.root->MemberBegin(); it != a.root->MemberEnd(); ++it) {
    w.Key(it->name.GetString(), it->name.GetStringLength());
    if (&it->value != a.event || has_fp) {
      it->value.Accept(w);
      continue;
    }
    w.StartObject();
    for (auto e = a.event->MemberBegin(); e != a.event->MemberEnd(); ++e) {
      w.Key(e->name.GetString(), e->name.GetStringLength());
      e->value.Accept(w);
    }
    w.Key("fingerprint");
    w.String(a.fingerprint().c_str(), static_cast<rapidjson::SizeType>(a.fingerprint().size()));
    w.EndObject();
  }
  w.EndObject();
  out->body.assign(b.GetString(), b.GetSize());
  return true;
}

void append_delivery(std::string_view webhook, std::string_view platform, const Payload& p,
                     rapidjson::StringBuffer* out) {
  thread_local JsonLineWriter w;  // kept: its stack is allocated once
  w.Reset(*out);
  w.StartObject();
  w.Member("webhook", webhook.data(), static_cast<rapidjson::SizeType>(webhook.size()));
  w.Member("platform", platform.data(), static_cast<rapidjson::SizeType>(platform.size()));
  if (!p.content_type.empty())
    w.Member("content_type", p.content_type.data(), static_cast<rapidjson::SizeType>(p.content_type.size()));
  if (!p.grouping.empty()) {
    w.LiteralKey("grouping");
    w.StartObject();
    for (const auto& [k, v] : p.grouping) {
      w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
      w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    }
    w.EndObject();
  }
  w.LiteralKey("body");
  if (p.content_type.empty())
    w.RawJson(p.body.data(), p.body.size(), rapidjson::kObjectType);
  else
    w.String(p.body.data(), static_cast<rapidjson::SizeType>(p.body.size()));
  w.EndObject();
  out->Put('\n');
}

}  // namespace pgtail
