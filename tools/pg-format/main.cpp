// pg-format: triggered events (from pg-match) in, deliveries out: what to
// POST, for which webhook, shaped for Slack, Discord, PagerDuty, Opsgenie,
// Teams, a Pushgateway, a SIEM or a template (DESIGN.md contract 3). Flags and
// the read loop only; the formats live in lib/ (formats.hpp, metrics.hpp).
#include <time.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "cli.hpp"
#include "config.hpp"
#include "diag.hpp"
#include "exit_status.hpp"
#include "line_reader.hpp"
#include "metrics.hpp"
#include "output.hpp"
#include "suggest.hpp"
#include "template.hpp"
#include "utf8.hpp"

using namespace pgtail;

namespace {

constexpr size_t kMaxLine = 64 << 20;
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

struct Options {
  std::string format = "json", config, webhook, instance_name, routing_key, template_text, template_file;
  std::vector<std::string> severity, priority, files;
  bool use_config = false, template_json = false, teams_legacy = false, continuous = false;
  double interval_s = 60;
};

/// How one webhook's events are shaped.
struct Shaper {
  std::string webhook;
  const FormatSpec* spec = nullptr;
  FormatOptions format;
  AlertOptions alert;
  bool continuous = false;
  int64_t interval_ms = 60000;
  Metrics metrics;
  int64_t next_push_ms = 0;  ///< continuous: when the totals go out next
  bool dirty = false;        ///< continuous: counted since the last push
};

int64_t monotonic_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

/// "FATAL=critical" pairs into a map; false with *err naming the bad one.
bool level_map(const std::vector<std::string>& pairs, const char* flag,
               const std::vector<std::string_view>& allowed, std::map<std::string, std::string>* out,
               std::string* err) {
  for (const std::string& p : pairs) {
    size_t eq = p.find('=');
    std::string level = p.substr(0, eq), value = eq == std::string::npos ? "" : p.substr(eq + 1);
    bool ok = eq != std::string::npos && !level.empty();
    bool known = false;
    for (std::string_view a : allowed) known = known || value == a;
    if (!ok || !known) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      *err = std::string("bad ") + flag + " '" + p + "': expected LEVEL=VALUE with VALUE one of " + list;
      return false;
    }
    (*out)[level] = value;
  }
  return true;
}

int parse_flags(int argc, char** argv, Options* o) {
  CLI::App app{"Turns triggered events (from pg-match) into deliveries: the payload for each webhook's platform.",
               "pg-format"};
  app.set_version_flag("--version", "pg-format (pgtail webhooks) 0.1");
  std::string names;
  for (std::string_view n : format_names()) names += (names.empty() ? "" : ", ") + std::string(n);
  app.add_option("-f,--format", o->format, "json (default), " + names.substr(6))->type_name("FORMAT");
  auto* cfg = app.add_flag("--config{__default__}", o->config,
                           "each webhook's format and options from the config file (--config=FILE for another)");
  app.add_option("-w,--webhook", o->webhook, "the delivery's webhook (default: the event's trigger.webhook, else "
                                            "default); with --config: only this webhook's events")
      ->type_name("NAME");
  app.add_option("--instance-name", o->instance_name, "the instance name people read (default: the event's)")
      ->type_name("NAME");
  app.add_option("--routing-key", o->routing_key, "pagerduty: the integration key (${ENV} is expanded)")
      ->type_name("KEY");
  app.add_option("--severity", o->severity, "pagerduty: map a level, as in WARNING=error (repeatable)")
      ->allow_extra_args(false)
      ->type_name("LEVEL=SEV");
  app.add_option("--priority", o->priority, "opsgenie: map a level, as in ERROR=P2 (repeatable)")
      ->allow_extra_args(false)
      ->type_name("LEVEL=P");
  app.add_option("--template", o->template_text, "template: the text, with {{event.level}}-style placeholders")
      ->type_name("TEXT");
  app.add_option("--template-file", o->template_file, "template: read the text from FILE")->type_name("FILE");
  app.add_flag("--template-json", o->template_json, "template: it is a JSON document (placeholders insert "
                                                     "JSON-escaped strings)");
  app.add_flag("--teams-legacy", o->teams_legacy, "teams: a MessageCard for old Office 365 connectors");
  app.add_flag("--continuous", o->continuous, "prometheus: one delivery every --interval with the totals");
  app.add_option("--interval", o->interval_s, "prometheus --continuous: seconds between deliveries (default 60)")
      ->check(CLI::Range(0.1, 86400.0))
      ->type_name("SECONDS");
  app.add_option("FILE", o->files, "files of triggered events (default or -: stdin)")->type_name("");
  app.footer(
      "Exit status: 0 ok, 64 usage, 65 no valid event in the input, 66 a file missing, 74 I/O error, 78 bad config.\n"
      "See pg-format(1), pgtail-webhooks(5) and pgtail(7).");
  if (int rc = parse_cli(app, argc, argv); rc >= 0) return rc;
  o->use_config = config_given(cfg, &o->config);
  if (!find_format(o->format)) return usage_error("unknown --format '" + o->format + "'" + did_you_mean(o->format, format_names()) + " (" + names + ")");
  if (!o->template_text.empty() && !o->template_file.empty())
    return usage_error("--template and --template-file exclude each other");
  if (o->files.empty()) o->files.push_back("-");
  return -1;
}

/// Flags into a Shaper's options (stand-alone, and the defaults of --config).
int shaper_from_flags(const Options& o, Shaper* s) {
  std::string err;
  s->spec = find_format(o.format);
  s->webhook = o.webhook.empty() ? "default" : o.webhook;  // --continuous deliveries go out under it
  s->alert.instance_name = o.instance_name;
  if (!expand_env(o.routing_key, &s->format.routing_key, &err)) return usage_error("--routing-key: " + err);
  if (!level_map(o.severity, "--severity", {"critical", "error", "warning", "info"}, &s->format.severity, &err) ||
      !level_map(o.priority, "--priority", {"P1", "P2", "P3", "P4", "P5"}, &s->format.priority, &err))
    return usage_error(err);
  s->format.template_text = o.template_text;
  if (!o.template_file.empty()) {
    std::ifstream f(o.template_file, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    if (!f) {
      message("cannot read " + o.template_file + ": " + std::strerror(errno));
      return kExitNoInput;
    }
    s->format.template_text = ss.str();
  }
  s->format.template_json = o.template_json;
  s->format.teams_legacy = o.teams_legacy;
  s->continuous = o.continuous;
  s->interval_ms = static_cast<int64_t>(o.interval_s * 1000);
  if (std::string(s->spec->name) == "template" && s->format.template_text.empty())
    return usage_error("--format template needs --template or --template-file");
  if (std::string(s->spec->name) == "template" && !check_template(s->format.template_text, &err, o.template_json))
    return usage_error((o.template_file.empty() ? "--template: " : o.template_file + ": ") + err);
  if (std::string(s->spec->name) == "pagerduty" && s->format.routing_key.empty())
    return usage_error("--format pagerduty needs --routing-key (the Events API v2 integration key), as in "
                       "--routing-key '${PD_ROUTING_KEY}'");
  if (s->continuous && s->spec->build) return usage_error("--continuous goes with --format prometheus");
  return -1;
}

/// One Shaper per webhook of the config file. Returns an exit status, or -1.
int shapers_from_config(const Options& o, std::map<std::string, std::unique_ptr<Shaper>>* out) {
  Config config;
  std::string err, path = config_path(o.config);
  if (!load_config(path, &config, &err)) {
    message(err);
    return kExitConfig;
  }
  if (!o.webhook.empty() && !config.find(o.webhook))
    return usage_error("no webhook '" + o.webhook + "' in " + path);
  for (const WebhookConfig& w : config.webhooks) {
    if (!o.webhook.empty() && w.name != o.webhook) continue;
    auto s = std::make_unique<Shaper>();
    s->webhook = w.name;
    s->spec = find_format(w.format.empty() ? "json" : w.format);
    if (!s->spec || !w.resolved({"format", "routing_key", "instance_name", "template", "continuous", "interval"}, &err)) {
      message(err.empty() ? path + ": webhook '" + w.name + "': unknown format '" + w.format + "'" : err);
      return kExitConfig;
    }
    s->alert.instance_name = o.instance_name.empty() ? w.instance_name : o.instance_name;
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

}  // namespace

namespace {

struct Run {
  const Options* o;
  std::map<std::string, std::unique_ptr<Shaper>> shapers;  ///< by webhook; "" is the stand-alone one
  Output out;
  uint64_t events = 0, bad = 0, skipped = 0;
  std::string line;  ///< the line being shaped, parsed in place (its strings are the document's)
  Payload payload;   ///< reused: its body keeps its capacity from line to line
  std::string valid_webhook;  ///< the last webhook name found valid
};

void push_totals(Shaper& s, Output& out) {
  for (const std::string& instance : s.metrics.instances()) {
    append_delivery(s.webhook, s.spec->platform, s.metrics.render(instance), out.buffer());
    out.maybe_flush();
  }
  s.dirty = false;
}

volatile sig_atomic_t g_reload = 0;
void on_sighup(int) { g_reload = 1; }

/// On SIGHUP (with --config), before the next event is shaped: the config
/// file read again, each webhook's format and options replaced; a webhook
/// that stays prometheus keeps its counters. A bad file is reported and the
/// one in use kept.
void maybe_reload(Run& r) {
  if (!g_reload) return;
  g_reload = 0;
  std::map<std::string, std::unique_ptr<Shaper>> fresh;
  if (shapers_from_config(*r.o, &fresh) >= 0) {
    message("config not reloaded: keeping the webhooks in use");
    return;
  }
  for (auto& [name, old] : r.shapers) {
    auto it = fresh.find(name);
    Shaper* now = it == fresh.end() ? nullptr : it->second.get();
    if (now && !now->spec->build && !old->spec->build) {
      now->metrics = std::move(old->metrics);
      now->dirty = old->dirty;
      now->next_push_ms = now->continuous && old->continuous ? old->next_push_ms : monotonic_ms() + now->interval_ms;
    } else if (old->continuous && old->dirty) {
      push_totals(*old, r.out);  // what it counted before it changed
    }
  }
  r.shapers = std::move(fresh);
  message("config reloaded from " + config_path(r.o->config));
}

/// Continuous prometheus shapers whose interval is over push their totals.
/// Returns the milliseconds until the next one is due (-1: none).
int64_t push_due(Run& r, int64_t now) {
  int64_t wait = -1;
  for (auto& [name, s] : r.shapers) {
    if (!s->continuous) continue;
    if (now >= s->next_push_ms) {
      if (!s->metrics.instances().empty()) push_totals(*s, r.out);
      s->next_push_ms += ((now - s->next_push_ms) / s->interval_ms + 1) * s->interval_ms;
    }
    int64_t w = s->next_push_ms - now;
    if (wait < 0 || w < wait) wait = w;
  }
  return wait;
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

/// Shapes one line; false with *err (the caller reports it).
bool shape(Run& r, rapidjson::Document& doc, std::string_view line, std::string* err) {
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
    r.line.assign(line.data(), line.size());
    doc.ParseInsitu<rapidjson::kParseDefaultFlags>(&r.line[0]);
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
  if (!r.o->use_config) {
    s = r.shapers[""].get();
    webhook = !r.o->webhook.empty() ? r.o->webhook : !trigger_webhook.empty() ? std::string(trigger_webhook) : "default";
    if (webhook != r.valid_webhook) {  // nearly every line names the last one again
      if (!valid_webhook_name(webhook, err)) {  // it names a spool folder further on
        *err = "trigger.webhook: " + *err;
        return false;
      }
      r.valid_webhook = webhook;
    }
  } else {
    webhook = trigger_webhook.empty() ? r.o->webhook : std::string(trigger_webhook);
    if (webhook.empty()) {
      *err = "no trigger.webhook to take the format from (pass --webhook NAME)";
      return false;
    }
    auto it = r.shapers.find(webhook);
    if (it == r.shapers.end()) {
      if (!r.o->webhook.empty()) {
        ++r.skipped;  // another webhook's event
        return true;
      }
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
    if (!s->continuous) append_delivery(webhook, s->spec->platform, s->metrics.render(a.instance_display), r.out.buffer());
    return true;
  }
  Payload& p = r.payload;
  p.body.clear();
  p.content_type.clear();
  p.grouping.clear();
  if (!s->spec->build(a, s->format, &p, err)) return false;
  size_t before = r.out.buffer()->GetSize();
  append_delivery(webhook, s->spec->platform, p, r.out.buffer());
  // RapidJSON decodes a lone surrogate escape (\udc00) into the bytes of a
  // surrogate and writes them out: they become U+FFFD, like any invalid UTF-8.
  std::string_view written(r.out.buffer()->GetString() + before, r.out.buffer()->GetSize() - before);
  if (!utf8_clean(written)) {
    std::string repaired;
    utf8_repair(written, &repaired);
    r.out.buffer()->Pop(written.size());
    std::memcpy(r.out.buffer()->Push(repaired.size()), repaired.data(), repaired.size());
  }
  return true;
}

int read_input(const std::string& path, Run& r) {
  std::string err;
  auto reader = LineReader::open(path, kMaxLine, &err);
  std::string name = path == "-" ? "<stdin>" : path;
  if (!reader) {
    message("cannot open " + path + ": " + err);
    return kExitNoInput;
  }
  // The document's pool starts in a buffer of ours, which clearing it
  // keeps: no allocation per line for a line of ordinary size.
  std::vector<char> pool_buffer(64 << 10);
  rapidjson::MemoryPoolAllocator<> pool(pool_buffer.data(), pool_buffer.size());
  rapidjson::Document doc(&pool);
  std::string_view line;
  bool cut;
  uint64_t lineno = 0;
  for (;;) {
    LineReader::Status st = reader->next(&line, &cut, 0, &err);
    if (st == LineReader::Status::kTimeout) {
      if (!r.out.flush()) return kExitIoErr;
      int64_t wait = push_due(r, monotonic_ms());
      st = reader->next(&line, &cut, wait < 0 ? -1 : static_cast<int>(wait), &err);
      if (st == LineReader::Status::kTimeout) continue;
    }
    if (st == LineReader::Status::kEof) return kExitOk;
    if (st == LineReader::Status::kError) {
      message("read error on " + name + ": " + err);
      return kExitIoErr;
    }
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (cut)
      err = "line longer than " + std::to_string(kMaxLine) + " bytes";
    maybe_reload(r);
    if (!cut && shape(r, doc, line, &err)) {
      ++r.events;
    } else {
      ++r.bad;
      message(name + ":" + std::to_string(lineno) + ": " + err + ", skipped");
    }
    r.out.maybe_flush();
    if (r.out.failed()) return kExitIoErr;
  }
}

}  // namespace

int main(int argc, char** argv) {
  set_program("pg-format");
  Options o;
  int rc = parse_flags(argc, argv, &o);
  if (rc >= 0) return rc;
  Run r;
  r.o = &o;
  if (o.use_config) {
    struct sigaction sa = {};
    sa.sa_handler = on_sighup;
    sigaction(SIGHUP, &sa, nullptr);  // before the file is read: a reload asked for meanwhile is not lost
    rc = shapers_from_config(o, &r.shapers);
  } else {
    auto s = std::make_unique<Shaper>();
    rc = shaper_from_flags(o, s.get());
    r.shapers[""] = std::move(s);
  }
  if (rc >= 0) return rc;
  int64_t start = monotonic_ms();
  for (auto& [name, s] : r.shapers) s->next_push_ms = start + s->interval_ms;

  int status = kExitOk;
  for (const std::string& f : o.files) {
    int st = read_input(f, r);
    if (st != kExitOk && status == kExitOk) status = st;
    if (r.out.failed()) break;
  }
  for (auto& [name, s] : r.shapers)
    if (s->continuous && s->dirty) push_totals(*s, r.out);  // what the last interval counted
  r.out.flush();
  if (r.out.failed()) {
    message(r.out.error());
    return kExitIoErr;
  }
  if (status != kExitOk) return status;
  return r.events == 0 && r.bad > 0 ? kExitDataErr : kExitOk;
}
