#include "send_commands.hpp"

#include <time.h>

#include <cstdio>
#include <map>

#include "config.hpp"
#include "diag.hpp"
#include "duration.hpp"
#include "exit_status.hpp"
#include "spool.hpp"

namespace pgtail {

int targets_from_config(const std::string& path, const std::string& only, const std::string& platform,
                        std::optional<PerPeriod> pacing, std::vector<WebhookTarget>* out, std::string* spool) {
  Config config;
  std::string err;
  if (!load_config(path, &config, &err)) {
    message(err);
    return kExitConfig;
  }
  if (!only.empty() && !config.find(only)) return usage_error("no webhook '" + only + "' in " + path);
  if (!config.defaults.resolved({"spool"}, &err)) {
    message(err);
    return kExitConfig;
  }
  *spool = config.spool;
  for (const WebhookConfig& w : config.webhooks) {
    if ((!only.empty() && w.name != only) || !w.enabled) continue;
    if (!w.resolved({"url", "header", "rate", "timeout"}, &err)) {
      message(err);
      return kExitConfig;
    }
    if (w.url.empty()) {
      message(path + ":" + std::to_string(w.line) + ": webhook '" + w.name + "' has no url");
      return kExitConfig;
    }
    WebhookTarget t{w.name, {w.url, w.headers, platform}, pacing ? pacing : w.rate, w.timeout_ms};
    out->push_back(t);
  }
  return -1;
}

int flush_targets(const std::string& root, const std::string& only, bool use_config,
                  std::vector<WebhookTarget>* targets) {
  std::map<std::string, WebhookTarget> known;
  for (WebhookTarget& t : *targets) known[t.name] = t;
  targets->clear();
  std::string missing;
  for (const std::string& n : spool_webhooks(root)) {
    if (!only.empty() && n != only) continue;
    SpoolSummary s = summarize_spool(root, n);
    if (!s.queued) continue;
    if (known.count(n))
      targets->push_back(known[n]);
    else
      missing += (missing.empty() ? "'" : ", '") + n + "'";
  }
  if (!missing.empty())
    return usage_error("no URL for spooled webhook " + missing +
                       (use_config ? " (not in the config)" : " (pass --config, or --url with --webhook NAME)"));
  return -1;
}

int show_status(const std::string& root) {
  std::vector<std::string> names = spool_webhooks(root);
  if (names.empty()) {
    std::printf("nothing spooled in %s\n", root.c_str());
    return kExitOk;
  }
  int64_t now = time(nullptr);
  std::printf("%-20s %8s %6s %8s  %s\n", "WEBHOOK", "QUEUED", "DEAD", "OLDEST", "LAST RESULT");
  for (const std::string& n : names) {
    SpoolSummary s = summarize_spool(root, n);
    std::string oldest = s.queued ? format_duration_short((now - s.oldest_s) * 1000 + 1) : "-";
    std::string last = "-";
    if (s.has_state) {
      last = s.state.result + (s.state.status ? " " + std::to_string(s.state.status) : "") + ", " +
             format_duration_short((now - s.state.time_s) * 1000 + 1) + " ago";
      if (!s.state.error.empty()) last += ": " + s.state.error;
    }
    if (s.holder) last += " (sending: pid " + std::to_string(s.holder) + ")";
    std::printf("%-20s %8zu %6zu %8s  %s\n", n.c_str(), s.queued, s.dead, oldest.c_str(), last.c_str());
  }
  return std::fflush(stdout) == 0 ? kExitOk : kExitIoErr;
}

int requeue_dead(const std::string& root, const std::string& only) {
  for (const std::string& n : spool_webhooks(root)) {
    if (!only.empty() && n != only) continue;
    WebhookSpool s(root, n);
    std::string err;
    size_t count = s.open(&err) ? s.requeue_dead(&err) : 0;
    if (!err.empty()) {
      message(err);
      return kExitCantCreat;
    }
    if (count) message("webhook '" + n + "': " + std::to_string(count) + " dead deliveries queued again");
  }
  return kExitOk;
}

}  // namespace pgtail
