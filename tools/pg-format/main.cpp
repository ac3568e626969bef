// pg-format: triggered events (from pg-match) in, deliveries out: what to
// POST, for which webhook, shaped for Slack, Discord, PagerDuty, Opsgenie,
// Teams, a Pushgateway, a SIEM or a template (DESIGN.md contract 3). Flags,
// the read loop, reloads and continuous pushes; the shaping of a line lives
// in lib/shaper.hpp, the formats in lib/formats.hpp and lib/metrics.hpp.
#include <time.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "cli.hpp"
#include "config.hpp"
#include "diag.hpp"
#include "exit_status.hpp"
#include "line_reader.hpp"
#include "metrics.hpp"
#include "output.hpp"
#include "shaper.hpp"
#include "suggest.hpp"
#include "template.hpp"

using namespace pgtail;

namespace {

constexpr size_t kMaxLine = 64 << 20;


struct Options {
  std::string format = "json", config, webhook, instance_name, routing_key, template_text, template_file;
  std::vector<std::string> severity, priority, files;
  bool use_config = false, template_json = false, teams_legacy = false, continuous = false;
  double interval_s = 60;
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


}  // namespace

namespace {

struct Run {
  const Options* o;
  Shapers shapers;
  Output out;
  uint64_t events = 0, bad = 0;
};


volatile sig_atomic_t g_reload = 0;
void on_sighup(int) { g_reload = 1; }

/// On SIGHUP (with --config), before the next event is shaped: the config
/// file read again, each webhook's format and options replaced; a webhook
/// that stays prometheus keeps its counters. A bad file is reported and the
/// one in use kept.
void maybe_reload(Run& r) {
  if (!g_reload) return;
  g_reload = 0;
  Shapers fresh;
  if (shapers_from_config(config_path(r.o->config), r.o->webhook, r.o->instance_name, &fresh) >= 0) {
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



int read_input(const std::string& path, Run& r) {
  std::string err;
  auto reader = LineReader::open(path, kMaxLine, &err);
  std::string name = path == "-" ? "<stdin>" : path;
  if (!reader) {
    message("cannot open " + path + ": " + err);
    return kExitNoInput;
  }
  LineShaper shaper(r.o->use_config, r.o->webhook);
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
    if (!cut && shaper.shape(r.shapers, line, r.out, &err)) {
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
    rc = shapers_from_config(config_path(o.config), o.webhook, o.instance_name, &r.shapers);
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
