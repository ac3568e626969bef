#include "shaper.hpp"

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <rapidjson/error/en.h>

#include "config.hpp"
#include "diag.hpp"
#include "exit_status.hpp"
#include "template.hpp"
#include "utf8.hpp"

namespace pgtail {

namespace {

constexpr int kMaxDepth = 64;  ///< events are 3 or 4 levels deep

/// How deeply `v` nests arrays and objects, without recursing.
int json_depth(const rapidjson::Value& root) {
  static std::vector<std::pair<const rapidjson::Value*, int>> todo;  // kept: no allocation per line
  todo.assign(1, {&root, 1});
  int deepest = 0;
  while (!todo.empty()) {
    auto [v, d] = todo.back();
    todo.pop_back();
    if (!v->IsObject() && !v->IsArray()) continue;
    deepest = std::max(deepest, d);
    if (deepest > kMaxDepth) break;
    if (v->IsObject())
      for (auto it = v->MemberBegin(); it != v->MemberEnd(); ++it) todo.emplace_back(&it->value, d + 1);
    else
      for (auto it = v->Begin(); it != v->End(); ++it) todo.emplace_back(&*it, d + 1);
  }
  return deepest;
}

/// How many '{' and '[' `s` has, strings included: no line nests deeper.
size_t opening_brackets(std::string_view s) {
  size_t n = 0, i = 0;
#ifdef __SSE2__
  const __m128i brace = _mm_set1_epi8('{'), bracket = _mm_set1_epi8('[');
  for (; i + 16 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, brace), _mm_cmpeq_epi8(v, bracket));
    n += static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(_mm_movemask_epi8(hit))));
  }
#endif
  for (; i < s.size(); ++i) n += s[i] == '{' || s[i] == '[';
  return n;
}

}  // namespace

int shapers_from_config(const std::string& path, const std::string& only, const std::string& instance_name,
                        Shapers* out) {
  Config config;
  std::string err;
  if (!load_config(path, &config, &err)) {
    message(err);
    return kExitConfig;
  }
  if (!only.empty() && !config.find(only))
    return usage_error("no webhook '" + only + "' in " + path);
  for (const WebhookConfig& w : config.webhooks) {
    if (!only.empty() && w.name != only) continue;
    auto s = std::make_unique<Shaper>();
    s->webhook = w.name;
    s->spec = find_format(w.format.empty() ? "json" : w.format);
    if (!s->spec || !w.resolved({"format", "routing_key", "instance_name", "template", "continuous", "interval"}, &err)) {
      message(err.empty() ? path + ": webhook '" + w.name + "': unknown format '" + w.format + "'" : err);
      return kExitConfig;
    }
    s->alert.instance_name = instance_name.empty() ? w.instance_name : instance_name;
    s->format.routing_key = w.routing_key;
    s->format.template_text = w.template_text;
    s->format.teams_legacy = w.teams_legacy;
    s->format.template_json = w.template_json;
    s->continuous = w.continuous;
    if (w.interval_ms) s->interval_ms = *w.interval_ms;
    std::string where = path + ":" + std::to_string(w.line) + ": webhook '" + w.name + "': ";
    if (std::string(s->spec->name) == "pagerduty" && s->format.routing_key.empty()) {
      message(where + "format pagerduty needs routing_key (as in routing_key = ${PD_ROUTING_KEY})");
      return kExitConfig;
    }
    if (std::string(s->spec->name) == "template" &&
        !check_template(s->format.template_text, &err, s->format.template_json)) {  // the loader saw it is there
      auto key = w.lines.find(w.lines.count("template") ? "template" : "template_file");
      message(path + ":" + std::to_string(key == w.lines.end() ? w.line : key->second) + ": webhook '" + w.name +
              "': " + err);
      return kExitConfig;
    }
    if (s->continuous && s->spec->build) {
      message(where + "continuous goes with format prometheus");
      return kExitConfig;
    }
    (*out)[w.name] = std::move(s);
  }
  return -1;
}

void push_totals(Shaper& s, Output& out) {
  for (const std::string& instance : s.metrics.instances()) {
    append_delivery(s.webhook, s.spec->platform, s.metrics.render(instance), out.buffer());
    out.maybe_flush();
  }
  s.dirty = false;
}

LineShaper::LineShaper(bool by_webhook, std::string webhook)
    : by_webhook_(by_webhook),
      webhook_(std::move(webhook)),
      pool_buffer_(64 << 10),
      pool_(pool_buffer_.data(), pool_buffer_.size()),
      doc_(&pool_) {}

bool LineShaper::shape(Shapers& shapers, std::string_view line, Output& out, std::string* err) {
  rapidjson::Document& doc = doc_;  // the name the rest of this function reads best with
  if (!utf8_clean(line)) {
    *err = "invalid JSON: not valid UTF-8";
    return false;
  }
  // A line with few brackets cannot nest deeply: it is parsed recursively,
  // in place (faster). Others, and lines in error (for the same message),
  // are parsed iteratively, so that a deeply nested line cannot overflow the
  // stack here; the depth check keeps the recursive writing of bodies safe.
  // The document is reused line after line: its pool would keep every
  // line's values, so it is emptied first (memory stays bounded).
  bool shallow = opening_brackets(line) <= kMaxDepth;
  if (shallow) {
    doc.SetNull();
    doc.GetAllocator().Clear();
    line_.assign(line.data(), line.size());
    doc.ParseInsitu<rapidjson::kParseDefaultFlags>(&line_[0]);
  }
  if (!shallow || doc.HasParseError()) {
    doc.SetNull();
    doc.GetAllocator().Clear();
    doc.Parse<rapidjson::kParseIterativeFlag>(line.data(), line.size());
  }
  if (doc.HasParseError()) {
    std::string what = rapidjson::GetParseError_En(doc.GetParseError());
    if (!what.empty() && what.back() == '.') what.pop_back();  // our messages end without one
    *err = "invalid JSON at byte " + std::to_string(doc.GetErrorOffset() + 1) + ": " + what;
    return false;
  }
  if (!shallow && json_depth(doc) > kMaxDepth) {
    *err = "not an event: nested more than " + std::to_string(kMaxDepth) + " deep";
    return false;
  }
  std::string_view trigger_webhook;
  if (doc.IsObject() && doc.HasMember("trigger") && doc["trigger"].IsObject() && doc["trigger"].HasMember("webhook") &&
      doc["trigger"]["webhook"].IsString())
    trigger_webhook = doc["trigger"]["webhook"].GetString();
  Shaper* s = nullptr;
  std::string webhook;
  if (!by_webhook_) {
    s = shapers[""].get();
    webhook = !webhook_.empty() ? webhook_ : !trigger_webhook.empty() ? std::string(trigger_webhook) : "default";
    if (webhook != valid_webhook_) {  // nearly every line names the last one again
      if (!valid_webhook_name(webhook, err)) {  // it names a spool folder further on
        *err = "trigger.webhook: " + *err;
        return false;
      }
      valid_webhook_ = webhook;
    }
  } else {
    webhook = trigger_webhook.empty() ? webhook_ : std::string(trigger_webhook);
    if (webhook.empty()) {
      *err = "no trigger.webhook to take the format from (pass --webhook NAME)";
      return false;
    }
    auto it = shapers.find(webhook);
    if (it == shapers.end()) {
      if (!webhook_.empty()) return true;  // another webhook's event: nothing to write
      *err = "no webhook '" + webhook + "' in the config";
      return false;
    }
    s = it->second.get();
  }
  Alert a;
  if (!read_alert(doc, s->alert, &a, err)) return false;
  if (!s->spec->build) {
    s->metrics.add(a, webhook);
    std::string notice = s->metrics.take_notice();
    if (!notice.empty()) message("warning: " + notice);
    s->dirty = true;
    if (!s->continuous) append_delivery(webhook, s->spec->platform, s->metrics.render(a.instance_display), out.buffer());
    return true;
  }
  Payload& p = payload_;
  p.body.clear();
  p.content_type.clear();
  p.grouping.clear();
  if (!s->spec->build(a, s->format, &p, err)) return false;
  size_t before = out.buffer()->GetSize();
  append_delivery(webhook, s->spec->platform, p, out.buffer());
  // RapidJSON decodes a lone surrogate escape (\udc00) into the bytes of a
  // surrogate and writes them out: they become U+FFFD, like any invalid UTF-8.
  std::string_view written(out.buffer()->GetString() + before, out.buffer()->GetSize() - before);
  if (!utf8_clean(written)) {
    std::string repaired;
    utf8_repair(written, &repaired);
    out.buffer()->Pop(written.size());
    std::memcpy(out.buffer()->Push(repaired.size()), repaired.data(), repaired.size());
  }
  return true;
}

}  // namespace pgtail
