#include "match_engine.hpp"

#include <climits>
#include <cstdio>
#include <cstring>

#include <rapidjson/document.h>

#include "config.hpp"
#include "diag.hpp"
#include "exit_status.hpp"
#include "fingerprint.hpp"
#include "severity.hpp"
#include "timestamp.hpp"
#include "utf8.hpp"

namespace pgtail {

namespace {

constexpr size_t kSampleBytes = 300;

/// "60 s" up to ten minutes (as people say a rate window), then "1 h".
std::string window_text(int64_t ms) {
  return ms <= 600000 && ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : format_duration(ms);
}

void append(rapidjson::StringBuffer* out, std::string_view s) {
  if (!s.empty()) std::memcpy(out->Push(s.size()), s.data(), s.size());
}

std::string rfc3339(int64_t ms) {
  std::string s;
  append_rfc3339_ms(ms, &s);
  return s;
}

void put(JsonLineWriter& w, const char* key, std::string_view value) {
  if (value.empty()) return;
  w.Key(key, static_cast<rapidjson::SizeType>(std::strlen(key)));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void put_seconds(JsonLineWriter& w, const char* key, int64_t ms) {
  w.Key(key, static_cast<rapidjson::SizeType>(std::strlen(key)));
  if (ms % 1000 == 0)
    w.Int64(ms / 1000);
  else
    w.Double(static_cast<double>(ms) / 1000);
}

/// trigger.rule of a non-rate rule: its canonical form, with a set of levels
/// narrowed to the one the event has ("FATAL PANIC" on a FATAL -> level:FATAL).
std::string rule_label(const Rule& rule, std::string_view level) {
  std::string out;
  for (const Condition& c : rule.conditions) {
    if (!out.empty()) out += " and ";
    bool set = c.kind == Condition::Kind::kLevels && !c.negate && !level.empty() &&
               c.level_words.front().compare(0, 2, ">=") != 0;
    out += set ? "level:" + std::string(level) : c.canonical();
  }
  return out;
}

/// "errors", "FATAL events", "events matching /deadlock/" (singular for n == 1).
std::string rate_noun(const Rule& rule, int64_t n) {
  Rule selector = rule;
  selector.has_rate = false;
  std::string text = selector.text(), s = n == 1 ? "" : "s";
  if (text == "errors") return "error" + s;
  if (rule.conditions.size() == 1 && rule.conditions[0].kind == Condition::Kind::kLevels && !rule.conditions[0].negate)
    return text + " event" + s;
  return "event" + s + " matching " + text;
}

}  // namespace

std::string MatchEngine::rate_id(size_t target, size_t rule, const std::string& key) const {
  return hash_hex("rate\x1f" + targets_[target].webhook + "\x1f" + targets_[target].rules[rule].canonical() + "\x1f" +
                  key);
}

MatchEngine::MatchEngine(std::vector<Target> targets, EngineOptions options, rapidjson::StringBuffer* out)
    : targets_(std::move(targets)), options_(options), out_(out) {}

MatchEngine::~MatchEngine() = default;

bool MatchEngine::init(std::string* err) {
  matcher_ = Matcher();
  owner_.clear();
  windows_.clear();
  suppressors_.clear();
  stats_.clear();
  windows_.resize(targets_.size());
  for (size_t t = 0; t < targets_.size(); ++t) {
    const Target& target = targets_[t];
    suppressors_.emplace_back(target.suppress);
    TargetStats st;
    st.webhook = target.webhook;
    st.enabled = target.enabled;
    for (size_t r = 0; r < target.rules.size(); ++r) {
      const Rule& rule = target.rules[r];
      st.by_rule.emplace_back(rule.text(), 0);
      windows_[t].push_back(rule.has_rate ? std::make_unique<RateWindow>(rule.rate.threshold, rule.rate.window_ms)
                                          : nullptr);
      if (!target.enabled) continue;  // a disabled webhook fires nothing
      matcher_.add(rule);
      owner_.emplace_back(t, r);
    }
    stats_.push_back(std::move(st));
  }
  return matcher_.compile(err);
}

void MatchEngine::advance(int64_t clock_ms) {
  if (clock_ms < next_due_) return;  // the common case: nothing can fall due yet
  std::vector<RateWindow::Crossing> resolved;
  Summary s;
  for (size_t t = 0; t < targets_.size(); ++t) {
    for (size_t r = 0; r < windows_[t].size(); ++r) {
      if (!windows_[t][r]) continue;
      resolved.clear();
      windows_[t][r]->tick(clock_ms, &resolved);
      for (const auto& c : resolved) resolve_rate(t, r, c, clock_ms);
    }
    if (suppressors_[t].due(clock_ms, &s)) write_summary(t, s);
  }
  update_due();
}

void MatchEngine::update_due() {
  next_due_ = INT64_MAX;
  for (size_t t = 0; t < targets_.size(); ++t) {
    for (const auto& w : windows_[t])
      if (w) next_due_ = std::min(next_due_, w->next_tick());
    int64_t d = suppressors_[t].next_due();
    if (d >= 0) next_due_ = std::min(next_due_, d);
  }
}

bool MatchEngine::line(std::string_view line, int64_t wall_ms, std::string* err) {
  if (!reader_.read(line, &view_, err)) return false;
  int64_t t = view_.time_ms ? *view_.time_ms : (clock_ms_ == INT64_MIN ? wall_ms : clock_ms_);
  if (t > clock_ms_ || clock_ms_ == INT64_MIN) {
    clock_ms_ = t;
    clock_wall_ms_ = wall_ms;
  }
  advance(clock_ms_);
  matcher_.match(view_, &matched_);
  if (matched_.empty()) return true;
  std::string fp(view_.get(Field::kFingerprint));
  if (fp.empty()) fp = fingerprint(view_.get(Field::kLevel), view_.get(Field::kSqlstate), view_.get(Field::kMessage));
  size_t done_target = SIZE_MAX;  // one line per (event, webhook): the first rule that matched
  for (size_t m : matched_) {
    auto [t_idx, r_idx] = owner_[m];
    const Rule& rule = targets_[t_idx].rules[r_idx];
    if (rule.has_rate) {
      std::string key;
      for (Field f : rule.rate.by) key.append(view_.get(f)).append(1, '\x1f');
      RateWindow::Crossing c;
      RateWindow& w = *windows_[t_idx][r_idx];
      uint64_t dropped = w.dropped_keys();
      if (w.add(key, t, clock_ms_, &c)) fire_rate(t_idx, r_idx, view_, c);
      if (dropped == 0 && w.dropped_keys() == 1)  // said once per rule
        message((targets_[t_idx].webhook.empty() ? "" : "webhook '" + targets_[t_idx].webhook + "': ") + "rule '" +
                rule.text() + "': more than " + std::to_string(w.keys()) +
                " keys at once; events of further keys are not counted");
      continue;
    }
    ++stats_[t_idx].by_rule[r_idx].second;
    if (done_target == t_idx) continue;
    done_target = t_idx;
    Suppressor& sup = suppressors_[t_idx];
    if (sup.rules().any() &&
        !sup.admit(t, fp, view_.get(Field::kLevel), view_.get(Field::kMessage), view_.instance_json)) {
      ++stats_[t_idx].suppressed;
      continue;
    }
    ++stats_[t_idx].alerts;
    write_event(line, view_, fp, m);
  }
  update_due();
  return true;
}

void MatchEngine::write_trigger(JsonLineWriter& w, size_t target, const std::string& rule, const std::string* explain) {
  w.LiteralKey("trigger");
  w.StartObject();
  put(w, "rule", rule);
  put(w, "webhook", targets_[target].webhook);
  if (explain) put(w, "explain", *explain);
  w.EndObject();
}

void MatchEngine::write_event(std::string_view line, const EventView& ev, const std::string& fp, size_t index) {
  ++written_;
  if (options_.dry_run) return;
  auto [target, rule] = owner_[index];
  const Rule& r = targets_[target].rules[rule];
  std::string label = rule_label(r, ev.get(Field::kLevel));
  std::string explain;
  if (options_.explain) {
    utf8_repair(rule_explain(target, rule) + ": " + matcher_.explain(index, ev), &explain);  // field text may not be UTF-8 (\udc00)
  }
  rapidjson::StringBuffer trig;
  {
    JsonLineWriter w;
    w.Reset(trig);
    w.StartObject();
    write_trigger(w, target, label, options_.explain ? &explain : nullptr);
    w.EndObject();
  }
  // The trigger object without the braces around it: `"trigger":{…}`.
  std::string_view member(trig.GetString() + 1, trig.GetSize() - 2);
  if (!ev.has_trigger) {
    append(out_, line.substr(0, ev.event_close));
    if (ev.get(Field::kFingerprint).empty()) {
      append(out_, ",\"fingerprint\":\"");
      append(out_, fp);
      append(out_, "\"");
    }
    append(out_, line.substr(ev.event_close, ev.line_close - ev.event_close));
    append(out_, ",");
    append(out_, member);
    append(out_, line.substr(ev.line_close));
    out_->Put('\n');
    return;
  }
  // Already triggered (pg-match after pg-match): the old trigger is replaced.
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  auto& a = doc.GetAllocator();
  doc.RemoveMember("trigger");
  rapidjson::Value& event = doc["event"];
  if (!event.HasMember("fingerprint")) event.AddMember("fingerprint", rapidjson::Value(fp.c_str(), a), a);
  rapidjson::Document t;
  t.Parse(trig.GetString());
  doc.AddMember("trigger", rapidjson::Value(t["trigger"], a), a);
  rapidjson::Writer<rapidjson::StringBuffer> w(*out_);
  doc.Accept(w);
  out_->Put('\n');
}

void MatchEngine::begin_own_event(JsonLineWriter& w, const std::string& timestamp, std::string_view instance_json,
                                  const char* type) {
  w.Reset(*out_);
  w.StartObject();
  put(w, "timestamp", timestamp);
  if (!instance_json.empty()) {
    w.LiteralKey("instance");
    w.RawJson(instance_json.data(), instance_json.size(), rapidjson::kObjectType);
  }
  w.LiteralKey("event");
  w.StartObject();
  put(w, "type", type);
}

void MatchEngine::end_own_event(JsonLineWriter& w, size_t target, const std::string& rule, const std::string& explain) {
  w.EndObject();
  write_trigger(w, target, rule, options_.explain ? &explain : nullptr);
  w.EndObject();
  out_->Put('\n');
}

void MatchEngine::write_rate(JsonLineWriter& w, size_t target, size_t rule, const Fired& f, int64_t count,
                             const char* type, const std::string& timestamp) {
  const Rule& r = targets_[target].rules[rule];
  begin_own_event(w, timestamp, f.instance_json, type);
  put(w, "level", f.level);
  w.LiteralKey("count");
  w.Int64(count);
  w.LiteralKey("threshold");
  w.Int64(r.rate.threshold);
  put_seconds(w, "window_seconds", r.rate.window_ms);
  if (f.key_json != "{}") {
    w.LiteralKey("key");
    w.RawJson(f.key_json.data(), f.key_json.size(), rapidjson::kObjectType);
  }
}

void MatchEngine::fire_rate(size_t target, size_t rule, const EventView& ev, const RateWindow::Crossing& c) {
  const Rule& r = targets_[target].rules[rule];
  ++stats_[target].rate_fired;
  ++stats_[target].by_rule[rule].second;
  ++written_;
  Fired f;
  f.instance_json = std::string(ev.instance_json);
  f.level = std::string(ev.get(Field::kLevel));
  f.since_ms = c.last_ms;
  rapidjson::StringBuffer kb;
  JsonLineWriter kw;
  kw.Reset(kb);
  kw.StartObject();
  for (Field fld : r.rate.by) {
    put(kw, std::string(field_name(fld)).c_str(), ev.get(fld));
    if (!ev.get(fld).empty())
      f.key_text += (f.key_text.empty() ? " for " : ", ") + std::string(field_name(fld)) + " " + std::string(ev.get(fld));
  }
  kw.EndObject();
  f.key_json = kb.GetString();
  std::string fp = rate_id(target, rule, c.key);
  if (!options_.dry_run) {
    JsonLineWriter w;
    write_rate(w, target, rule, f, c.count, "rate_threshold",
               ev.timestamp.empty() ? rfc3339(c.last_ms) : std::string(ev.timestamp));
    put(w, "first_timestamp", rfc3339(c.first_ms));
    put(w, "last_timestamp", rfc3339(c.last_ms));
    std::string_view msg = ev.get(Field::kMessage);
    put(w, "sample_message", msg.substr(0, utf8_cut(msg, kSampleBytes)));
    std::string threshold = " (threshold " + std::to_string(r.rate.threshold) + "/" + r.rate.per + ")";
    put(w, "message", std::to_string(c.count) + " " + rate_noun(r, c.count) + f.key_text + " in the last " +
                          window_text(r.rate.window_ms) + threshold);
    put(w, "fingerprint", fp);
    end_own_event(w, target, r.canonical(),
                  rule_explain(target, rule) + ": " + std::to_string(c.count) + " in " +
                      window_text(r.rate.window_ms) + ", more than " + std::to_string(r.rate.threshold));
  }
  fired_[fp] = std::move(f);
}

void MatchEngine::resolve_rate(size_t target, size_t rule, const RateWindow::Crossing& c, int64_t clock_ms) {
  const Rule& r = targets_[target].rules[rule];
  std::string fp = rate_id(target, rule, c.key);
  auto it = fired_.find(fp);
  Fired f = it == fired_.end() ? Fired() : std::move(it->second);
  if (it != fired_.end()) fired_.erase(it);
  ++stats_[target].rate_resolved;
  ++written_;
  if (options_.dry_run) return;
  JsonLineWriter w;
  write_rate(w, target, rule, f, c.count, "rate_resolved", rfc3339(clock_ms));
  if (f.since_ms) put(w, "first_timestamp", rfc3339(f.since_ms));
  std::string threshold = " (threshold " + std::to_string(r.rate.threshold) + "/" + r.rate.per + ")";
  put(w, "message", rate_noun(r, 2) + f.key_text + " back to " + std::to_string(c.count) + " in the last " +
                        window_text(r.rate.window_ms) + threshold);
  put(w, "fingerprint", fp);
  end_own_event(w, target, r.canonical(),
                rule_explain(target, rule) + ": at most " + std::to_string(r.rate.threshold) + " in every " +
                    window_text(r.rate.window_ms) + " since " + rfc3339(f.since_ms));
}

void MatchEngine::write_summary(size_t target, const Summary& s) {
  ++stats_[target].summaries;
  ++written_;
  if (options_.dry_run) return;
  const SuppressRules& rules = targets_[target].suppress;
  bool throttle = s.throttled && rules.throttle;
  std::string rule = throttle ? "throttle:" + rules.throttle_text : "dedup:" + rules.dedup_text;
  JsonLineWriter w;
  begin_own_event(w, rfc3339(s.end_ms), s.instance_json, "suppressed");
  w.LiteralKey("count");
  w.Int64(s.count);
  put_seconds(w, "period_seconds", s.period_ms);
  w.LiteralKey("levels");
  w.StartObject();
  for (const auto& [level, n] : s.levels) {
    w.Key(level.data(), static_cast<rapidjson::SizeType>(level.size()));
    w.Int64(n);
  }
  w.EndObject();
  w.LiteralKey("top_messages");
  w.StartArray();
  for (const Summary::Top& t : s.top_messages) {
    w.StartObject();
    put(w, "message", t.message);
    w.LiteralKey("count");
    w.Int64(t.count);
    w.EndObject();
  }
  w.EndArray();
  put(w, "first_timestamp", rfc3339(s.first_ms));
  put(w, "last_timestamp", rfc3339(s.last_ms));
  std::string what = std::string(throttle ? " event" : " similar event") + (s.count == 1 ? "" : "s");
  put(w, "message", std::to_string(s.count) + what + " suppressed in " + format_duration(s.period_ms) +
                        (throttle ? " (throttle " + rules.throttle_text + ")" : ""));
  put(w, "fingerprint", hash_hex("suppressed\x1f" + targets_[target].webhook));
  std::string why = throttle ? "more than " + rules.throttle_text + " held back" : "";
  if (rules.dedup_ms) why += std::string(why.empty() ? "" : ", or ") + "repeats within " + rules.dedup_text + " folded";
  end_own_event(w, target, rule, why);
}

std::string MatchEngine::rule_explain(size_t target, size_t rule) const {
  const std::string& webhook = targets_[target].webhook;
  return (webhook.empty() ? "" : "webhook " + webhook + ", ") + "rule " + std::to_string(rule + 1) + " '" +
         targets_[target].rules[rule].text() + "'";
}

void MatchEngine::idle(int64_t wall_ms) {
  if (clock_ms_ == INT64_MIN) return;
  advance(clock_ms_ + std::max<int64_t>(0, wall_ms - clock_wall_ms_));
}

int64_t MatchEngine::wait_ms(int64_t wall_ms) const {
  if (clock_ms_ == INT64_MIN) return -1;
  int64_t due = -1;
  auto consider = [&](int64_t d) {
    if (d >= 0 && (due < 0 || d < due)) due = d;
  };
  for (size_t t = 0; t < targets_.size(); ++t) {
    for (const auto& w : windows_[t])
      if (w) consider(w->next_due());
    consider(suppressors_[t].next_due());
  }
  if (due < 0) return -1;
  int64_t now = clock_ms_ + std::max<int64_t>(0, wall_ms - clock_wall_ms_);
  return std::max<int64_t>(0, due - now);
}

void MatchEngine::finish() {
  Summary s;
  int64_t now = clock_ms_ == INT64_MIN ? 0 : clock_ms_;
  for (size_t t = 0; t < targets_.size(); ++t)
    if (suppressors_[t].flush(now, &s)) write_summary(t, s);
}

std::vector<TargetStats> MatchEngine::stats() const { return stats_; }

bool MatchEngine::reload(std::vector<Target> targets, std::string* err) {
  MatchEngine next(std::move(targets), options_, out_);
  if (!next.init(err)) return false;
  // What did not change keeps its state: a webhook's throttle and dedup when
  // they are the same, a rate rule's windows when the webhook still has it.
  std::vector<bool> kept(targets_.size(), false);
  for (size_t t = 0; t < next.targets_.size(); ++t) {
    const Target& nt = next.targets_[t];
    for (size_t o = 0; o < targets_.size(); ++o) {
      const Target& ot = targets_[o];
      if (ot.webhook != nt.webhook) continue;
      if (ot.suppress.throttle_text == nt.suppress.throttle_text && ot.suppress.dedup_text == nt.suppress.dedup_text) {
        next.suppressors_[t] = std::move(suppressors_[o]);
        kept[o] = true;
      }
      for (size_t r = 0; r < nt.rules.size(); ++r)
        for (size_t q = 0; q < ot.rules.size(); ++q)
          if (nt.rules[r].has_rate && ot.rules[q].canonical() == nt.rules[r].canonical() && windows_[o][q])
            next.windows_[t][r] = std::move(windows_[o][q]);
      next.stats_[t].alerts = stats_[o].alerts;
      next.stats_[t].suppressed = stats_[o].suppressed;
      next.stats_[t].summaries = stats_[o].summaries;
      next.stats_[t].rate_fired = stats_[o].rate_fired;
      next.stats_[t].rate_resolved = stats_[o].rate_resolved;
    }
  }
  // A throttle or dedup that changed or went away hands out what it held.
  Summary sum;
  for (size_t o = 0; o < targets_.size(); ++o)
    if (!kept[o] && suppressors_[o].flush(clock_ms_ == INT64_MIN ? 0 : clock_ms_, &sum)) write_summary(o, sum);
  targets_ = std::move(next.targets_);
  matcher_ = std::move(next.matcher_);
  owner_ = std::move(next.owner_);
  windows_ = std::move(next.windows_);
  suppressors_ = std::move(next.suppressors_);
  stats_ = std::move(next.stats_);
  update_due();
  return true;
}

std::string format_summary(const std::vector<TargetStats>& stats, bool json) {
  if (json) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("webhooks");
    w.StartArray();
    for (const TargetStats& t : stats) {
      w.StartObject();
      if (!t.webhook.empty()) {
        w.Key("webhook");
        w.String(t.webhook.c_str());
      }
      w.Key("enabled");
      w.Bool(t.enabled);
      const std::pair<const char*, uint64_t> counts[] = {
          {"sent", t.alerts + t.rate_fired + t.rate_resolved + t.summaries},
          {"events", t.alerts}, {"rate_threshold", t.rate_fired}, {"rate_resolved", t.rate_resolved},
          {"summaries", t.summaries}, {"suppressed", t.suppressed}};
      for (const auto& [k, v] : counts) {
        w.Key(k);
        w.Uint64(v);
      }
      w.Key("rules");
      w.StartArray();
      for (const auto& [rule, n] : t.by_rule) {
        w.StartObject();
        w.Key("rule");
        w.String(rule.c_str());
        w.Key("matched");
        w.Uint64(n);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(b.GetString()) + "\n";
  }
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-20s %-5s %8s %8s %8s %10s %10s\n", "WEBHOOK", "STATE", "SENT", "EVENTS", "RATE",
                "SUMMARIES", "SUPPRESSED");
  out += line;
  for (const TargetStats& t : stats) {
    std::snprintf(line, sizeof line, "%-20s %-5s %8llu %8llu %8llu %10llu %10llu\n",
                  t.webhook.empty() ? "-" : t.webhook.c_str(), t.enabled ? "on" : "off",
                  static_cast<unsigned long long>(t.alerts + t.rate_fired + t.rate_resolved + t.summaries),
                  static_cast<unsigned long long>(t.alerts),
                  static_cast<unsigned long long>(t.rate_fired + t.rate_resolved),
                  static_cast<unsigned long long>(t.summaries), static_cast<unsigned long long>(t.suppressed));
    out += line;
    for (const auto& [rule, n] : t.by_rule) {
      std::snprintf(line, sizeof line, "  %8llu matched  ", static_cast<unsigned long long>(n));
      out += line + rule + "\n";
    }
  }
  return out;
}

int match_targets(const std::string& path, const std::string& only, std::vector<Target>* out) {
  Config config;
  std::string err;
  if (!load_config(path, &config, &err)) {
    message(err);
    return kExitConfig;
  }
  if (!only.empty() && !config.find(only)) {
    std::string names;
    for (const WebhookConfig& w : config.webhooks) names += (names.empty() ? "" : ", ") + w.name;
    return usage_error("no webhook '" + only + "' in " + path + (names.empty() ? "" : " (" + names + ")"));
  }
  for (const WebhookConfig& w : config.webhooks) {
    if (!only.empty() && w.name != only) continue;
    if (!w.resolved({"on", "enabled", "throttle", "dedup"}, &err)) {
      message(err);
      return kExitConfig;
    }
    Target t;
    t.webhook = w.name;
    t.enabled = w.enabled;
    for (const ConfigValue& on : w.on) {
      Rule r;
      if (!parse_rule(on.value, &r, &err)) {
        message(path + ":" + std::to_string(on.line) + ": bad rule '" + on.value + "': " + err);
        return kExitConfig;
      }
      t.rules.push_back(std::move(r));
    }
    t.suppress = suppress_rules(w.throttle, w.dedup_ms);
    out->push_back(std::move(t));
  }
  if (out->empty()) message("warning: no webhook in " + path + ": nothing can fire");
  return -1;
}

}  // namespace pgtail
