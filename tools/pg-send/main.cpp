// pg-send: deliveries (from pg-format) in, HTTP requests out, through a
// write-ahead spool that loses nothing to a crash, a restart or an outage
// (DESIGN.md contracts 3 and 5). Flags and the read loop only; sending lives
// in lib/sender, the spool in lib/spool, the spool commands and the webhooks
// of a config file in lib/send_commands.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <map>

#include <curl/curl.h>

#include "cli.hpp"
#include "config.hpp"
#include "diag.hpp"
#include "exit_status.hpp"
#include "line_reader.hpp"
#include "send_commands.hpp"
#include "sender.hpp"

using namespace pgtail;

namespace {

constexpr size_t kMaxLine = 16 << 20;
constexpr size_t kBatch = 256;  ///< deliveries per spool commit (one syncfs)
constexpr int kPollMs = 200;    ///< how often a quiet input checks for signals

struct Options {
  std::string url, webhook, config, platform, spool, rate, stats_file;
  std::vector<std::string> headers, files;
  std::string connect_timeout = "10s", timeout = "30s", retry_base = "1s", retry_max_delay = "5min",
              max_age = "24h", drain_timeout = "10s";
  bool use_config = false, raw = false, flush = false, status = false, requeue = false;
  size_t memory_queue = 10000;
  int parallel = 1;
  SenderOptions send;
  int64_t drain_ms = 0;
  std::optional<PerPeriod> pacing;
};

volatile sig_atomic_t g_stop = 0, g_usr1 = 0, g_reload = 0;
void on_stop(int) { g_stop = g_stop + 1; }
void on_usr1(int) { g_usr1 = 1; }
void on_hup(int) { g_reload = 1; }

int parse_flags(int argc, char** argv, Options* o) {
  CLI::App app{"Sends deliveries (from pg-format) over HTTP, through a crash-safe spool, with retries.", "pg-send"};
  app.set_version_flag("--version", "pg-send (pgtail webhooks) 0.1");
  app.add_option("-u,--url", o->url, "send every delivery to URL (${ENV} is expanded)")->type_name("URL");
  app.add_option("-H,--header", o->headers, "add a header, 'Name: value' or Name=value (repeatable)")
      ->allow_extra_args(false)->type_name("HEADER");
  app.add_option("-w,--webhook", o->webhook, "the webhook (spool folder) of --url (default: default); "
                                            "with --config, --flush or --requeue-dead: only this one")->type_name("NAME");
  auto* cfg = app.add_flag("--config{__default__}", o->config, "each webhook's url and headers from the config "
                                                                "file (--config=FILE for another)");
  app.add_flag("--raw", o->raw, "each input line is a JSON body, not a delivery envelope");
  app.add_option("--platform", o->platform, "the platform rules when a delivery names none: " + platform_names())
      ->type_name("NAME");
  app.add_option("--cacert", o->send.http.cacert, "trust the certificates in FILE")->type_name("FILE");
  app.add_flag("--insecure", o->send.http.insecure, "do not check the server's certificate (never do this)");
  app.add_option("--connect-timeout", o->connect_timeout, "per connection (default 10s)")->type_name("DURATION");
  app.add_option("--timeout", o->timeout, "per request (default 30s)")->type_name("DURATION");
  app.add_option("--retry-base", o->retry_base, "the first retry's longest wait (default 1s)")->type_name("DURATION");
  app.add_option("--retry-max-delay", o->retry_max_delay, "the longest wait between retries (default 5min)")
      ->type_name("DURATION");
  app.add_option("--max-age", o->max_age, "then a delivery goes to dead/ as expired (default 24h)")->type_name("DURATION");
  app.add_option("--spool", o->spool, "the spool folder (default $PGTAIL_SPOOL, else "
                                      "$XDG_STATE_HOME/pgtail/spool)")->type_name("DIR");
  app.add_option("--drain-timeout", o->drain_timeout, "at the end of input, go on sending this long after "
                                                      "the last success; on a signal, after it (default 10s)")->type_name("DURATION");
  app.add_option("--memory-queue", o->memory_queue, "deliveries held in memory when the spool cannot be written "
                                                    "(default 10000)")->check(CLI::Range(1, 10000000))->type_name("N");
  app.add_option("--parallel", o->parallel, "requests in flight per webhook (default 1: strict order)")
      ->check(CLI::Range(1, 256))->type_name("N");
  app.add_option("--rate", o->rate, "pace each webhook to N per PERIOD (default: the platform's)")->type_name("N/PERIOD");
  app.add_flag("--flush", o->flush, "send what the spool holds, then exit (for cron)");
  app.add_flag("--status,--list-spool", o->status, "per webhook: queued, dead, oldest, last result");
  app.add_flag("--requeue-dead", o->requeue, "put the dead deliveries back in the queue");
  app.add_option("--stats-file", o->stats_file, "write statistics to FILE in Prometheus text format")->type_name("FILE");
  app.add_option("FILE", o->files, "files of deliveries (default or -: stdin)")->type_name("");
  app.footer("Exit status: 0 all delivered, 64 usage, 65 no valid delivery, 69 a delivery rejected, 73 cannot "
             "create the spool, 75 deliveries wait in the spool, 78 bad config.\nSee pg-send(1) and pgtail(7).");
  if (int rc = parse_cli(app, argc, argv); rc >= 0) return rc;
  o->use_config = config_given(cfg, &o->config);
  if (o->flush + o->status + o->requeue > 1) return usage_error("--flush, --status and --requeue-dead exclude each other");
  if (o->use_config && !o->url.empty()) return usage_error("--url and --config exclude each other");
  if (o->raw && o->use_config && o->webhook.empty()) return usage_error("--raw with --config needs --webhook NAME");
  std::string err;
  if (!o->webhook.empty() && !valid_webhook_name(o->webhook, &err)) return usage_error("--webhook: " + err);
  Platform p;
  if (!o->platform.empty() && !parse_platform(o->platform, &p))
    return usage_error("unknown --platform '" + o->platform + "' (" + platform_names() + ")");
  if (o->files.empty()) o->files.push_back("-");
  return -1;
}

/// The durations and numbers of the flags, checked.
int check_values(Options* o) {
  std::string err;
  int64_t connect, total;
  std::pair<const char*, std::pair<const std::string*, int64_t*>> durations[] = {
      {"--connect-timeout", {&o->connect_timeout, &connect}},
      {"--timeout", {&o->timeout, &total}},
      {"--retry-base", {&o->retry_base, &o->send.retry_base_ms}},
      {"--retry-max-delay", {&o->retry_max_delay, &o->send.retry_max_ms}},
      {"--max-age", {&o->max_age, &o->send.max_age_ms}},
      {"--drain-timeout", {&o->drain_timeout, &o->drain_ms}},
  };
  for (auto& [flag, v] : durations)
    if (!parse_duration(*v.first, v.second, &err)) return usage_error(std::string(flag) + ": " + err);
  o->send.http.connect_timeout_ms = connect;
  o->send.http.timeout_ms = total;
  if (!o->rate.empty()) {
    PerPeriod r;
    if (!parse_per_period(o->rate, &r, &err)) return usage_error("--rate: " + err);
    o->pacing = r;
  }
  o->send.parallel = o->parallel;
  o->send.memory_queue = o->memory_queue;
  o->send.stats_file = o->stats_file;
  o->send.flush = o->flush;
  return -1;
}

/// "Name: value" or Name=value, as "Name: value"; ${ENV} expanded.
bool parse_header(const std::string& h, std::string* out, std::string* err) {
  std::string norm, value;
  if (!header_flag(h, &norm, err)) return false;
  size_t colon = norm.find(':');
  std::string name = norm.substr(0, colon);
  if (!expand_env(norm.substr(colon + 2), &value, err)) {
    *err = "--header '" + name + "': " + *err;
    return false;
  }
  return header_flag(name + ": " + value, out, err);
}

/// The webhook of --url and --header.
int target_from_flags(const Options& o, WebhookTarget* t) {
  std::string err;
  t->name = o.webhook.empty() ? "default" : o.webhook;
  if (!expand_env(o.url, &t->endpoint.url, &err)) return usage_error("--url: " + err);
  std::string lower = t->endpoint.url.substr(0, 8);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CURLU* u = curl_url();
  bool ok = (lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0) &&
            curl_url_set(u, CURLUPART_URL, t->endpoint.url.c_str(), 0) == CURLUE_OK;
  curl_url_cleanup(u);
  if (!ok) return usage_error("--url '" + redact_url(t->endpoint.url) + "' is not an http:// or https:// URL");
  for (const std::string& h : o.headers) {
    std::string header;
    if (!parse_header(h, &header, &err)) return usage_error(err);
    t->endpoint.headers.push_back(header);
  }
  t->endpoint.platform = o.platform;
  t->rate = o.pacing;
  return -1;
}






/// What the signals ask for, between two lines: statistics (SIGUSR1), the
/// config read again (SIGHUP, with --config; a bad one is reported and the
/// one in use kept).
void on_signals(const Options& o, Sender& sender) {
  if (g_usr1) {
    g_usr1 = 0;
    message(sender.summary());
  }
  if (!g_reload) return;
  g_reload = 0;
  if (!o.use_config) return;
  std::vector<WebhookTarget> fresh;
  std::string spool;
  if (targets_from_config(config_path(o.config), o.webhook, o.platform, o.pacing, &fresh, &spool) >= 0) {
    message("config not reloaded: keeping the webhooks in use");
    return;
  }
  for (const WebhookTarget& t : fresh)
    if (!sender.update(t)) message("webhook '" + t.name + "' is new in the config: restart pg-send to send to it");
  message("config reloaded from " + config_path(o.config));
}

/// One input line: checked, wrapped with --raw, and spooled for its webhook.
bool take_line(const Options& o, Sender& sender, const std::map<std::string, bool>& targets, std::string_view line,
               std::string* err) {
  std::string wrapped;
  std::string webhook = o.webhook.empty() ? "default" : o.webhook;
  if (o.raw) {
    if (!wrap_raw(line, webhook, &wrapped, err)) return false;
    line = wrapped;
  } else {
    Delivery d;
    if (!parse_delivery(line, &d, err)) return false;
    if (o.use_config && !d.webhook.empty()) webhook = d.webhook;
    if (o.use_config && d.webhook.empty() && o.webhook.empty()) {
      *err = "no \"webhook\" in the delivery (pass --webhook NAME)";
      return false;
    }
  }
  if (!targets.count(webhook)) {
    if (!o.webhook.empty()) return true;  // another webhook's delivery: not ours to send
    *err = "no webhook '" + webhook + "' in the config";
    return false;
  }
  sender.put(webhook, line);
  return true;
}

/// Reads one input into the sender. Returns an exit status, or -1 to go on.
int read_input(const Options& o, const std::string& path, Sender& sender, const std::map<std::string, bool>& targets,
               uint64_t* good, uint64_t* bad) {
  std::string err, name = path == "-" ? "<stdin>" : path;
  auto reader = LineReader::open(path, kMaxLine, &err);
  if (!reader) {
    message("cannot open " + path + ": " + err);
    return kExitNoInput;
  }
  std::string_view line;
  bool cut;
  uint64_t lineno = 0;
  size_t batch = 0;
  for (;;) {
    on_signals(o, sender);
    if (g_stop) return -1;
    while (!sender.has_room() && !g_stop) sender.wait_for_room(kPollMs);
    LineReader::Status st = reader->next(&line, &cut, 0, &err);
    if (st == LineReader::Status::kTimeout) {
      sender.commit();  // the input is quiet: what was read goes out
      batch = 0;
      st = reader->next(&line, &cut, kPollMs, &err);
      if (st == LineReader::Status::kTimeout) continue;
    }
    if (st == LineReader::Status::kEof) return -1;
    if (st == LineReader::Status::kError) {
      message("read error on " + name + ": " + err);
      return kExitIoErr;
    }
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    if (cut) err = "line longer than " + std::to_string(kMaxLine) + " bytes";
    if (!cut && take_line(o, sender, targets, line, &err)) {
      ++*good;
    } else {
      ++*bad;
      message(name + ":" + std::to_string(lineno) + ": " + err + ", skipped");
    }
    if (++batch >= kBatch) {
      sender.commit();
      batch = 0;
    }
  }
}

void handle_signals() {
  struct sigaction sa = {};
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);  // a file size limit is a failed write, reported like a full disk
}

/// Runs the sender over the input (or, with --flush, over the spool alone).
int run(const Options& o, const std::vector<WebhookTarget>& targets) {
  Sender sender(o.send);
  std::map<std::string, bool> names;
  for (const WebhookTarget& t : targets) {
    std::string notice;
    sender.add(t, &notice);
    if (!notice.empty()) message(notice);
    names[t.name] = true;
  }
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);  // signals are the reading thread's
  sender.start();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  int status = -1;
  uint64_t good = 0, bad = 0;
  for (size_t i = 0; !o.flush && i < o.files.size() && status < 0 && !g_stop; ++i)
    status = read_input(o, o.files[i], sender, names, &good, &bad);
  sender.commit();
  sender.finish(o.drain_ms, g_stop > 0);
  while (!sender.wait(kPollMs)) {
    if (g_stop > 1) sender.abort();  // asked twice: now
    on_signals(o, sender);
  }
  message(sender.summary());
  if (status >= 0) return status;
  if (sender.lost()) return kExitCantCreat;
  if (sender.left()) return kExitTempFail;
  if (sender.rejected()) return kExitUnavailable;
  return good == 0 && bad > 0 ? kExitDataErr : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  set_program("pg-send");
  Options o;
  int rc = parse_flags(argc, argv, &o);
  if (rc < 0) rc = check_values(&o);
  if (rc >= 0) return rc;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::vector<WebhookTarget> targets;
  std::string config_spool;
  bool needs_url = !o.status && !o.requeue;
  if (o.use_config) {  // before the config is read, so that no SIGHUP is missed (or ends us)
    struct sigaction sa = {};
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, nullptr);
  }
  if (o.use_config)
    rc = targets_from_config(config_path(o.config), o.webhook, o.platform, o.pacing, &targets, &config_spool);
  else if (!o.url.empty()) {
    targets.emplace_back();
    rc = target_from_flags(o, &targets.back());
  } else if (needs_url && !o.flush)
    rc = usage_error("pass --url URL or --config");
  if (rc >= 0) return rc;
  o.send.spool_root = spool_root(o.spool, config_spool);
  if (o.status) return show_status(o.send.spool_root);
  if (o.requeue) return requeue_dead(o.send.spool_root, o.webhook);
  if (o.flush && (rc = flush_targets(o.send.spool_root, o.webhook, o.use_config, &targets)) >= 0) return rc;
  if (o.send.http.insecure) message("warning: --insecure: server certificates are NOT checked");
  o.send.progress = o.flush && isatty(2);
  handle_signals();
  return run(o, targets);
}
