// pg-match: events in, the ones worth an alert out, each with its trigger
// (DESIGN.md contracts 1 and 2). Flags and the read loop only; the rules,
// windows and throttles live in lib/ (match_engine.hpp).
#include <signal.h>
#include <time.h>

#include <cstdio>


#include "cli.hpp"
#include "config.hpp"
#include "diag.hpp"
#include "exit_status.hpp"
#include "line_reader.hpp"
#include "match_engine.hpp"
#include "output.hpp"

using namespace pgtail;

namespace {

constexpr size_t kMaxLine = 64 << 20;

struct Options {
  std::vector<std::string> rules, levels, sqlstates, operands;
  std::string config, webhook, throttle, dedup;
  bool use_config = false, dry_run = false, summary = false, json = false, explain = false, exit_status = false;
};

volatile sig_atomic_t g_reload = 0;
void on_sighup(int) { g_reload = 1; }

int64_t wall_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int parse_flags(int argc, char** argv, Options* o) {
  CLI::App app{"Reads events (from pg-parse) and writes the ones that match the rules, each with its trigger.",
               "pg-match"};
  app.set_version_flag("--version", "pg-match (pgtail webhooks) 0.1");
  app.add_option("-r,--rule", o->rules, "a rule, as in 'errors > 50/min' (repeatable, OR-ed)")
      ->allow_extra_args(false)
      ->type_name("RULE");
  app.add_option("-l,--level", o->levels, "levels, as in FATAL,PANIC or >=WARNING")->delimiter(',')->allow_extra_args(false)->type_name("LEVELS");
  app.add_option("-s,--sqlstate", o->sqlstates, "SQLSTATE codes or classes, as in 53300,57P*")->delimiter(',')->allow_extra_args(false)->type_name("CODES");
  auto* cfg = app.add_flag("--config{__default__}", o->config,
                           "read every webhook's rules from the config file (--config=FILE for another file)");
  app.add_option("-w,--webhook", o->webhook, "with --config: only this webhook")->type_name("NAME");
  app.add_option("--throttle", o->throttle, "at most N alerts per period, as in 10/min")->type_name("N/PERIOD");
  app.add_option("--dedup", o->dedup, "fold repeats of one fingerprint within this window, as in 5m")->type_name("WINDOW");
  app.add_flag("-n,--dry-run", o->dry_run, "write no events: count what would have been sent");
  app.add_flag("--summary", o->summary, "print per webhook alerts, suppressed and by which rule at the end");
  app.add_flag("--json", o->json, "with --summary: as one JSON object");
  app.add_flag("--explain", o->explain, "add trigger.explain: which rule and condition matched");
  app.add_flag("-e,--exit-status", o->exit_status, "exit 1 when nothing fired, like grep");
  app.add_option("RULE FILE", o->operands, "without -r, --level, --sqlstate or --config: a rule, then files of events")
      ->type_name("");
  app.footer(
      "Exit status: 0 ok (also when nothing fired), 1 nothing fired (with -e), 64 usage or a bad rule,\n"
      "65 no valid event in the input, 66 a file missing, 74 I/O error, 78 bad config.\n"
      "See pg-match(1) for the rule language, pgtail-webhooks(5) and pgtail(7).");
  if (int rc = parse_cli(app, argc, argv); rc >= 0) return rc;
  o->use_config = config_given(cfg, &o->config);
  if (!o->webhook.empty() && !o->use_config) return usage_error("--webhook needs --config");
  if (o->json && !o->summary) return usage_error("--json goes with --summary");
  if (o->use_config && (!o->rules.empty() || !o->levels.empty() || !o->sqlstates.empty() || !o->throttle.empty() ||
                        !o->dedup.empty()))
    return usage_error("--config takes the rules, throttle and dedup from the file: drop -r, --level, --sqlstate, "
                       "--throttle and --dedup, or drop --config");
  if (!o->use_config && o->rules.empty() && o->levels.empty() && o->sqlstates.empty()) {
    if (o->operands.empty()) return usage_error("no rule: give one (as in 'errors' or '/deadlock/'), -r, --level, --sqlstate or --config");
    o->rules.push_back(o->operands.front());
    o->operands.erase(o->operands.begin());
  }
  for (const std::string& f : o->operands)
    if (o->use_config && o->config.empty() && (f.size() > 4 && f.compare(f.size() - 4, 4, ".ini") == 0))
      return usage_error("'" + f + "' is read as events: did you mean --config=" + f + "?");
  if (o->operands.empty()) o->operands.push_back("-");
  return -1;
}

bool parse_rules(const std::vector<std::string>& texts, std::vector<Rule>* out, std::string* err) {
  for (const std::string& text : texts) {
    Rule r;
    std::string e;
    if (!parse_rule(text, &r, &e)) {
      *err = "bad rule '" + text + "': " + e;
      return false;
    }
    out->push_back(std::move(r));
  }
  return true;
}

/// The stand-alone target: the rules given as flags. Returns an exit status, or -1.
int targets_from_flags(const Options& o, std::vector<Target>* out) {
  Target t;
  std::vector<std::string> texts = o.rules;
  std::string combined;
  for (const std::string& l : o.levels) combined += (combined.empty() ? "" : ",") + l;
  std::string codes;
  for (const std::string& s : o.sqlstates) codes += (codes.empty() ? "" : ",") + s;
  if (!codes.empty()) combined += (combined.empty() ? "" : " and ") + std::string("sqlstate:") + codes;
  if (!combined.empty()) texts.push_back(combined);
  std::string err;
  if (!parse_rules(texts, &t.rules, &err)) return usage_error(err);
  PerPeriod p;
  int64_t ms = 0;
  if (!o.throttle.empty() && !parse_per_period(o.throttle, &p, &err)) return usage_error("bad --throttle: " + err);
  if (!o.dedup.empty() && !parse_duration(o.dedup, &ms, &err)) return usage_error("bad --dedup: " + err);
  t.suppress = suppress_rules(o.throttle.empty() ? std::nullopt : std::optional<PerPeriod>(p),
                              o.dedup.empty() ? std::nullopt : std::optional<int64_t>(ms));
  out->push_back(std::move(t));
  return -1;
}


}  // namespace

namespace {

struct Counts {
  uint64_t lines = 0, events = 0, bad = 0;
};

/// On SIGHUP (with --config): the config file read again; a bad one is
/// reported and the rules in use are kept.
void maybe_reload(const Options& o, MatchEngine& engine) {
  if (!g_reload) return;
  g_reload = 0;
  std::vector<Target> targets;
  std::string err;
  if (match_targets(config_path(o.config), o.webhook, &targets) >= 0 || !engine.reload(std::move(targets), &err)) {
    if (!err.empty()) message(err);
    message("config not reloaded: keeping the rules in use");
    return;
  }
  message("config reloaded from " + config_path(o.config));
}

/// Reads one input to its end through the engine. Returns an exit status.
int read_input(const std::string& path, const Options& o, MatchEngine& engine, Output& out, Counts* n) {
  std::string err;
  auto reader = LineReader::open(path, kMaxLine, &err);
  std::string name = path == "-" ? "<stdin>" : path;
  if (!reader) {
    message("cannot open " + path + ": " + err);
    return kExitNoInput;
  }
  std::string_view line;
  bool cut;
  uint64_t lineno = 0;
  for (;;) {
    maybe_reload(o, engine);
    LineReader::Status st = reader->next(&line, &cut, 0, &err);
    if (st == LineReader::Status::kTimeout) {
      // Nothing to read now: hand out what is written, then wait no longer
      // than the next summary or rate window falls due.
      if (!out.flush()) return kExitIoErr;
      int64_t wait = engine.wait_ms(wall_ms());
      st = reader->next(&line, &cut, wait < 0 ? 1000 : static_cast<int>(std::min<int64_t>(wait + 1, 1000)), &err);
      if (st == LineReader::Status::kTimeout) {
        engine.idle(wall_ms());
        continue;
      }
    }
    if (st == LineReader::Status::kEof) return kExitOk;
    if (st == LineReader::Status::kError) {
      message("read error on " + name + ": " + err);
      return kExitIoErr;
    }
    ++lineno;
    ++n->lines;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (cut) {
      ++n->bad;
      message(name + ":" + std::to_string(lineno) + ": line longer than " + std::to_string(kMaxLine) + " bytes, skipped");
      continue;
    }
    maybe_reload(o, engine);  // a SIGHUP that came while waiting applies to this line already
    if (engine.line(line, wall_ms(), &err)) {
      ++n->events;
    } else {
      ++n->bad;
      message(name + ":" + std::to_string(lineno) + ": " + err + ", skipped");
    }
    out.maybe_flush();
    if (out.failed()) return kExitIoErr;
  }
}

}  // namespace

int main(int argc, char** argv) {
  set_program("pg-match");
  Options o;
  int rc = parse_flags(argc, argv, &o);
  if (rc >= 0) return rc;
  if (o.use_config) {  // before the config is read, so no SIGHUP is missed (or kills us)
    struct sigaction sa = {};
    sa.sa_handler = on_sighup;
    sigaction(SIGHUP, &sa, nullptr);
  }
  std::vector<Target> targets;
  rc = o.use_config ? match_targets(config_path(o.config), o.webhook, &targets) : targets_from_flags(o, &targets);
  if (rc >= 0) return rc;

  Output out;
  EngineOptions eo;
  eo.explain = o.explain;
  eo.dry_run = o.dry_run;
  MatchEngine engine(std::move(targets), eo, out.buffer());
  std::string err;
  if (!engine.init(&err)) {
    message(err);
    return o.use_config ? kExitConfig : kExitUsage;
  }
  int status = kExitOk;
  Counts n;
  for (const std::string& f : o.operands) {
    int r = read_input(f, o, engine, out, &n);
    if (r != kExitOk && status == kExitOk) status = r;
    if (out.failed()) break;
  }
  engine.finish();
  if (o.summary) {
    std::string table = format_summary(engine.stats(), o.json);
    if (o.dry_run) {
      rapidjson::StringBuffer* b = out.buffer();
      for (char c : table) b->Put(c);
    } else {
      std::fputs(table.c_str(), stderr);
    }
  }
  out.flush();
  if (out.failed()) {
    message(out.error());
    return kExitIoErr;
  }
  if (status != kExitOk) return status;
  if (n.events == 0 && n.bad > 0) return kExitDataErr;
  if (o.exit_status && engine.written() == 0) return kExitNoMatch;
  return kExitOk;
}
