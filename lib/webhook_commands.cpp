#include "webhook_commands.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <rapidjson/document.h>

#include "config_edit.hpp"
#include "diag.hpp"
#include "exit_status.hpp"
#include "formats.hpp"
#include "rule.hpp"
#include "suggest.hpp"
#include "pipeline_run.hpp"
#include "platform_rules.hpp"
#include "url_format.hpp"
#include "webhook_test.hpp"

namespace pgtail {

namespace {

const std::vector<std::string_view> kCommands = {"add", "remove", "rm", "list", "ls", "test", "run", "help"};
const std::vector<std::string_view> kVerbs = {"off", "on", "rules", "set", "unset"};
/// What `NAME set KEY VALUE` may change; on and header have commands of their own.
const std::vector<std::string_view> kSettable = {
    "url",      "url_file", "header_file", "format",   "routing_key", "enabled",       "throttle",
    "dedup",    "rate",     "instance_name", "continuous", "interval", "template_file", "template_json",
    "teams_legacy", "timeout", "template"};

/// Drops the loader's "FILE:LINE: " from a message about a line that is
/// not in the file yet.
std::string without_place(const std::string& path, const std::string& err) {
  if (err.compare(0, path.size() + 1, path + ":") != 0) return err;
  size_t colon = err.find(": ", path.size() + 1);
  return colon == std::string::npos ? err : err.substr(colon + 2);
}

/// Tells a running `pg-webhook run` that the file changed (its stages read
/// it again on SIGHUP). Only a process that is pg-webhook is signalled.
void notify_pipeline(const CommandContext& ctx, const Config& config) {
  std::ifstream f(run_pidfile(spool_dir(ctx.spool_flag, config)));
  long pid = 0;
  if (!(f >> pid) || pid <= 1) return;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  if (!std::getline(comm, name) || name != "pg-webhook") return;
  if (kill(static_cast<pid_t>(pid), SIGHUP) == 0)
    message("told the running pipeline (pid " + std::to_string(pid) + ") to read the file again");
}

/// An edit: the text it starts from and the secrets it writes.
struct Edit {
  std::string path, before;
  ConfigText text;
  std::vector<SecretFile> secrets;
};

bool begin_edit(const CommandContext& ctx, Edit* e, int* status) {
  e->path = ctx.config_path;
  bool missing = false;
  std::string err;
  if (!read_config_text(e->path, &e->before, &err, &missing) && !missing) {
    message(err);
    *status = kExitNoInput;
    return false;
  }
  Config c;
  if (!missing && !parse_config(e->before, e->path, &c, &err)) {
    message(err);
    *status = kExitConfig;
    return false;
  }
  e->text = ConfigText(e->before);
  if (missing) {
    e->text.add_comment(e->path + " - pgtail webhooks, written by pg-webhook, fine to edit by hand;");
    e->text.add_comment("see pgtail-webhooks(5). It holds secrets: keep it mode 0600.");
  }
  return true;
}

/// Checks the new text with the loader (a refusal is the user's mistake:
/// 64, nothing written), then writes it. Returns an exit status.
int finish_edit(const CommandContext& ctx, Edit& e, const std::string& webhook, Config* out = nullptr) {
  std::string text = e.text.str(), err;
  Config checked;
  // The loader reads *_file values from the disk: the new secret files are
  // not there yet, so only a text without new ones is checked here.
  if (e.secrets.empty() && !parse_config(text, e.path, &checked, &err)) {
    message("webhook '" + webhook + "': " + without_place(e.path, err) + " (" + e.path + " unchanged)");
    return kExitUsage;
  }
  std::string warning = permission_warning(e.path);
  bool refused = false;
  if (!write_config(e.path, e.before, text, e.secrets, &checked, &err, &refused)) {
    if (refused) {
      message("webhook '" + webhook + "': " + without_place(e.path, err) + " (" + e.path + " unchanged)");
      return kExitUsage;
    }
    message(err + " (" + e.path + " unchanged)");
    return kExitCantCreat;
  }
  if (!warning.empty()) message("warning: " + warning + "; it is 0600 now");
  notify_pipeline(ctx, checked);
  if (out) *out = std::move(checked);
  return kExitOk;
}

/// Parses a command's flags with CLI11. Returns -1 to go on, else a status.
int parse_command(const CommandContext& ctx, CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::string name = app.get_name(), what = e.what();
    if (what.size() > 1 && std::isupper(static_cast<unsigned char>(what[0])) &&
        !std::isupper(static_cast<unsigned char>(what[1])))
      what[0] = static_cast<char>(what[0] - 'A' + 'a');
    return command_usage(ctx, name.substr(name.find(' ') + 1) + ": " + what);
  }
  return -1;
}

std::string trigger_line(const WebhookConfig& w) {
  std::string list = trigger_list(w);
  if (list.empty()) return "Webhook '" + w.name + "' has no rules: it triggers on nothing";
  return "Webhook '" + w.name + "' will trigger on: " + list + (w.continuous ? " (continuous)" : "");
}

void print_line(const std::string& s) {
  std::fputs((s + "\n").c_str(), stdout);
  std::fflush(stdout);
}

const WebhookConfig* find_webhook(const CommandContext& ctx, const Config& c, const std::string& name) {
  const WebhookConfig* w = c.find(name);
  if (w) return w;
  std::vector<std::string_view> names;
  for (const WebhookConfig& x : c.webhooks) names.push_back(x.name);
  message("no webhook '" + name + "' in " + ctx.config_path + did_you_mean(name, names));
  return nullptr;
}

/// The webhooks file and the webhook `name` in it, for a command about one
/// webhook; nullptr with *status (the file's, or 64 for no such webhook).
const WebhookConfig* load_webhook(const CommandContext& ctx, const std::string& name, Config* c, int* status) {
  if (!load_for_command(ctx.config_path, false, c, status)) return nullptr;
  const WebhookConfig* w = find_webhook(ctx, *c, name);
  if (!w) *status = kExitUsage;
  return w;
}

// ---- add ------------------------------------------------------------------

int cmd_add(const CommandContext& ctx, const std::vector<std::string>& args) {
  CLI::App app{"Adds a webhook: where to POST, and how to shape its alerts.", "pg-webhook add"};
  std::string name, url, format, routing_key;
  std::vector<std::string> headers;
  app.add_option("NAME", name, "the webhook's name: a-z, 0-9, _ and -")->required();
  app.add_option("URL", url, "where to POST (${VAR} is read when the tools start)")->required();
  app.add_option("--header", headers, "'Name: value' or Name=value, sent with each delivery (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--format", format, "the body's shape (default: from the URL's host, else json)");
  app.add_option("--routing-key", routing_key, "pagerduty: the integration key, as '${PD_ROUTING_KEY}'");
  int rc = parse_command(ctx, app, args);
  if (rc >= 0) return rc;

  std::string err;
  if (!valid_webhook_name(name, &err)) return command_usage(ctx, err);
  std::string expanded;
  bool unset = false;
  if (!expand_env(url, &expanded, &err, &unset) && !unset) return command_usage(ctx, "url: " + err);
  if (unset) expanded = url;  // the variable is set where the pipeline runs
  if (!check_url(expanded, &err)) return command_usage(ctx, err);
  UrlFormat inferred = format_from_url(expanded);
  if (format.empty()) {
    format = inferred.format;
  } else if (!find_format(format)) {
    std::string hint = did_you_mean(format, format_names());
    return command_usage(ctx, "unknown --format '" + format + "'" + hint);
  }
  std::vector<std::string> norm;
  for (const std::string& h : headers) {
    std::string n;
    if (!header_flag(h, &n, &err)) return command_usage(ctx, err);
    norm.push_back(n);
  }
  if (!routing_key.empty() && !fits_on_line("routing_key", routing_key, &err))
    return command_usage(ctx, "--routing-key: " + err);

  Edit e;
  int status;
  if (!begin_edit(ctx, &e, &status)) return status;
  if (e.text.has_section(name))
    return command_usage(ctx, "webhook '" + name + "' is in " + ctx.config_path +
                                  " already: remove it first, or change it with 'set'");
  std::vector<std::pair<std::string, std::string>> keys;
  if (fits_on_line("url", url, &err)) {
    keys.emplace_back("url", url);
  } else {
    std::string file = secret_file_name(ctx.config_path, name, "url");
    e.secrets.push_back({file, url + "\n"});
    keys.emplace_back("url_file", file);
  }
  std::string long_headers;
  for (const std::string& h : norm) {
    if (fits_on_line("header", h, &err))
      keys.emplace_back("header", h);
    else
      long_headers += h + "\n";
  }
  if (!long_headers.empty()) {
    std::string file = secret_file_name(ctx.config_path, name, "headers");
    e.secrets.push_back({file, long_headers});
    keys.emplace_back("header_file", file);
  }
  keys.emplace_back("format", format);
  if (!routing_key.empty()) keys.emplace_back("routing_key", routing_key);
  if (format == "teams" && inferred.teams_legacy) keys.emplace_back("teams_legacy", "yes");
  e.text.add_section(name, keys);
  rc = finish_edit(ctx, e, name);
  if (rc != kExitOk) return rc;
  if (format == "pagerduty" && routing_key.empty())
    message("warning: webhook '" + name + "' has no routing key: PagerDuty's Events API v2 takes it in the body, " +
            "not in an Authorization header; add it with --routing-key '${PD_ROUTING_KEY}', as in: pg-webhook " +
            name + " set routing_key '${PD_ROUTING_KEY}'");
  return kExitOk;
}

// ---- remove ---------------------------------------------------------------

int cmd_remove(const CommandContext& ctx, const std::vector<std::string>& args) {
  CLI::App app{"Removes a webhook; its spool is kept unless --purge.", "pg-webhook remove"};
  std::string name;
  bool purge = false;
  app.add_option("NAME", name, "the webhook")->required();
  app.add_flag("--purge", purge, "also delete its spool folder (deliveries not sent yet)");
  int rc = parse_command(ctx, app, args);
  if (rc >= 0) return rc;
  Config before;
  int status;
  if (!load_for_command(ctx.config_path, false, &before, &status)) return status;
  if (!find_webhook(ctx, before, name)) return kExitUsage;
  Edit e;
  if (!begin_edit(ctx, &e, &status)) return status;
  std::vector<std::string> ours;  // secret files that add wrote for it
  for (const char* what : {"url", "headers"}) {
    std::string file = secret_file_name(ctx.config_path, name, what);
    for (const char* key : {"url_file", "header_file"})
      for (const std::string& v : e.text.values(name, key))
        if (v == file) ours.push_back(file);
  }
  e.text.remove_section(name);
  Config after;
  rc = finish_edit(ctx, e, name, &after);
  if (rc != kExitOk) return rc;
  std::string dir = ctx.config_path.substr(0, ctx.config_path.rfind('/') + 1);
  for (const std::string& f : ours) unlink((dir + f).c_str());
  std::string spool = spool_dir(ctx.spool_flag, before) + "/" + name;
  std::error_code ec;
  if (purge) {
    std::filesystem::remove_all(spool, ec);
    if (ec) {
      message("cannot delete " + spool + ": " + ec.message());
      return kExitCantCreat;
    }
  } else if (std::filesystem::is_directory(spool, ec)) {
    message("its spool " + spool + " is kept (pg-webhook remove " + name + " --purge deletes it)");
  }
  return kExitOk;
}

// ---- list -----------------------------------------------------------------

bool all_digits(const char* s) {
  if (!*s) return false;
  for (; *s; ++s)
    if (*s < '0' || *s > '9') return false;
  return true;
}

/// Files in `dir` whose names are sequence numbers: deliveries (a dead
/// one's NNN.reason beside it is not counted).
int count_deliveries(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return 0;
  int n = 0;
  while (dirent* ent = readdir(d))
    if (all_digits(ent->d_name)) ++n;
  closedir(d);
  return n;
}


/// Characters on a terminal: UTF-8 continuation bytes take no column.
size_t columns(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

/// The last delivery result in SPOOL/NAME/state, for a table cell.
std::string last_result(const std::string& path) {
  std::ifstream f(path);
  if (!f) return "-";
  std::string text(4096, '\0');
  f.read(&text[0], static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(f.gcount()));
  std::string out;
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  if (!d.HasParseError() && d.IsObject()) {
    for (const char* key : {"time", "timestamp", "at", "result", "outcome", "status", "reason", "error"}) {
      if (!d.HasMember(key)) continue;
      const rapidjson::Value& v = d[key];
      std::string s = v.IsString() ? v.GetString() : v.IsInt64() && v.GetInt64() ? std::to_string(v.GetInt64()) : "";
      if (!s.empty()) out += (out.empty() ? "" : " ") + s;
    }
  } else {
    out = text.substr(0, text.find('\n'));
  }
  out = redact_text(out);
  if (columns(out) > 72) {  // cut on a character boundary
    size_t cut = 70;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "…";
  }
  return out.empty() ? "-" : out;
}

int cmd_list(const CommandContext& ctx, const std::vector<std::string>& args) {
  CLI::App app{"Lists the webhooks: format, on/off, spool, last result, url (redacted), rules.", "pg-webhook list"};
  int rc = parse_command(ctx, app, args);
  if (rc >= 0) return rc;
  Config c;
  int status;
  if (!load_for_command(ctx.config_path, true, &c, &status)) return status;
  std::string warning = permission_warning(ctx.config_path);
  if (!warning.empty()) message("warning: " + warning);
  if (c.webhooks.empty()) {
    message("no webhooks in " + ctx.config_path + " (add one: pg-webhook add NAME URL)");
    return kExitOk;
  }
  std::string spool = spool_dir(ctx.spool_flag, c);
  std::vector<std::vector<std::string>> rows = {{"NAME", "FORMAT", "STATE", "QUEUED", "DEAD", "LAST", "URL", "RULES"}};
  for (const WebhookConfig& w : c.webhooks) {
    std::string dir = spool + "/" + w.name;
    std::string url = w.url.empty() ? "-" : redact_url(w.url);
    if (w.url.empty() && w.problems.count("url")) url = "(unresolved)";
    std::string rules = trigger_list(w);
    if (w.continuous) rules += " (continuous)";
    rows.push_back({w.name, w.format + (w.teams_legacy ? " (legacy)" : ""), w.enabled ? "on" : "off",
                    std::to_string(count_deliveries(dir)), std::to_string(count_deliveries(dir + "/dead")), last_result(dir + "/state"), url,
                    rules.empty() ? "-" : rules});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], columns(r[i]));
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - columns(r[i]) + 2, ' ');
    }
    print_line(line);
  }
  return kExitOk;
}

// ---- NAME on / off / rules / set / unset ----------------------------------

int cmd_on(const CommandContext& ctx, const std::string& name, const std::vector<std::string>& args) {
  CLI::App app{"Adds a rule (the words are one rule, in pg-match's language); no rule: enables the webhook.",
               "pg-webhook on"};
  std::vector<std::string> words;
  bool continuous = false, clear = false;
  app.add_option("RULE", words, "as in FATAL PANIC, /connection limit/i, errors > 50/min");
  app.add_flag("--continuous", continuous, "prometheus: push the counters every interval");
  app.add_flag("--clear", clear, "remove every rule first");
  int rc = parse_command(ctx, app, args);
  if (rc >= 0) return rc;
  Config c;
  int status;
  const WebhookConfig* w = load_webhook(ctx, name, &c, &status);
  if (!w) return status;
  std::string text, err;
  for (const std::string& word : words) text += (text.empty() ? "" : " ") + word;
  Rule rule;
  if (!text.empty() && !parse_rule(text, &rule, &err)) return command_usage(ctx, "bad rule '" + text + "': " + err);
  if (!text.empty() && !fits_on_line("on", text, &err)) return command_usage(ctx, "rule '" + text + "': " + err);
  if (continuous && w->format != "prometheus")
    return command_usage(ctx, "--continuous goes with format prometheus, and webhook '" + name + "' is " + w->format);
  Edit e;
  if (!begin_edit(ctx, &e, &status)) return status;
  if (clear) e.text.remove(name, "on");
  bool known = false;
  for (const ConfigValue& v : w->on) {
    Rule r;
    known = known || (!clear && parse_rule(v.value, &r, &err) && r.canonical() == rule.canonical());
  }
  if (!text.empty() && !known) e.text.add(name, "on", text);
  if (continuous && !w->continuous) e.text.set(name, "continuous", "yes");
  if (text.empty() && !clear && !continuous && !w->enabled) e.text.set(name, "enabled", "yes");
  Config after;
  rc = finish_edit(ctx, e, name, &after);
  if (rc != kExitOk) return rc;
  const WebhookConfig* now = after.find(name);
  print_line(trigger_line(*now));
  if (!now->enabled) message("webhook '" + name + "' is off: 'pg-webhook " + name + " on' turns it on");
  return kExitOk;
}

int cmd_off(const CommandContext& ctx, const std::string& name, const std::vector<std::string>& args) {
  CLI::App app{"Disables the webhook, keeping its rules; with a rule: removes that rule.", "pg-webhook off"};
  std::vector<std::string> words;
  app.add_option("RULE", words, "the rule to remove, as 'rules' shows it or as written");
  int rc = parse_command(ctx, app, args);
  if (rc >= 0) return rc;
  Config c;
  int status;
  const WebhookConfig* w = load_webhook(ctx, name, &c, &status);
  if (!w) return status;
  Edit e;
  if (!begin_edit(ctx, &e, &status)) return status;
  std::string text, err;
  for (const std::string& word : words) text += (text.empty() ? "" : " ") + word;
  if (text.empty()) {
    e.text.set(name, "enabled", "no");
  } else {
    Rule rule;
    if (!parse_rule(text, &rule, &err)) return command_usage(ctx, "bad rule '" + text + "': " + err);
    int removed = 0;
    for (const std::string& v : e.text.values(name, "on")) {
      Rule r;
      if (parse_rule(v, &r, &err) && r.canonical() == rule.canonical()) removed += e.text.remove(name, "on", &v);
    }
    if (removed == 0)
      return command_usage(ctx, "webhook '" + name + "' has no rule '" + rule.text() + "' (its rules: " +
                                    (trigger_list(*w).empty() ? "none" : trigger_list(*w)) + ")");
  }
  Config after;
  rc = finish_edit(ctx, e, name, &after);
  if (rc != kExitOk) return rc;
  const WebhookConfig* now = after.find(name);
  if (text.empty())
    print_line("Webhook '" + name + "' is off" +
               (trigger_list(*now).empty() ? "" : " (its rules are kept: " + trigger_list(*now) + ")"));
  else
    print_line(trigger_line(*now));
  return kExitOk;
}

int cmd_rules(const CommandContext& ctx, const std::string& name, const std::vector<std::string>& args) {
  CLI::App app{"Shows the webhook's rules.", "pg-webhook rules"};
  int rc = parse_command(ctx, app, args);
  if (rc >= 0) return rc;
  Config c;
  int status;
  const WebhookConfig* w = load_webhook(ctx, name, &c, &status);
  if (!w) return status;
  print_line(trigger_line(*w) + (w->enabled ? "" : " (off)"));
  return kExitOk;
}

int cmd_set(const CommandContext& ctx, const std::string& name, const std::vector<std::string>& args, bool unset) {
  CLI::App app{unset ? "Removes a key from the webhook's section." : "Sets one key of the webhook's section.",
               unset ? "pg-webhook unset" : "pg-webhook set"};
  std::string key, value;
  app.add_option("KEY", key, "a key of pgtail-webhooks(5)")->required();
  if (!unset) app.add_option("VALUE", value, "its value, as the file holds it")->required();
  int rc = parse_command(ctx, app, args);
  if (rc >= 0) return rc;
  if (std::find(kSettable.begin(), kSettable.end(), key) == kSettable.end()) {
    std::string hint = did_you_mean(key, kSettable);
    if (key == "on" || key == "header")
      return command_usage(ctx, "'" + key + "' is changed with 'pg-webhook " + name +
                                    (key == "on" ? " on RULE'" : " set header_file FILE' or add"));
    return command_usage(ctx, "unknown key '" + key + "'" + (hint.empty() ? " (see pgtail-webhooks(5))" : hint));
  }
  Config c;
  int status;
  if (!load_webhook(ctx, name, &c, &status)) return status;
  Edit e;
  if (!begin_edit(ctx, &e, &status)) return status;
  std::string err;
  if (unset) {
    if (e.text.remove(name, key) == 0) return command_usage(ctx, "webhook '" + name + "' has no " + key);
  } else if (fits_on_line(key, value, &err)) {
    if (key == "url" || key == "url_file") e.text.remove(name, key == "url" ? "url_file" : "url");
    if (key == "template" || key == "template_file") e.text.remove(name, key == "template" ? "template_file" : "template");
    e.text.set(name, key, value);
  } else if (key == "url" && value.find('\n') == std::string::npos) {
    std::string file = secret_file_name(ctx.config_path, name, "url");
    e.secrets.push_back({file, value + "\n"});
    e.text.remove(name, "url");
    e.text.set(name, "url_file", file);
  } else {
    return command_usage(ctx, err);
  }
  return finish_edit(ctx, e, name);
}

// ---- test -----------------------------------------------------------------

int cmd_test(const CommandContext& ctx, const std::vector<std::string>& args) {
  CLI::App app{"Sends a sample FATAL alert to the webhook now, shaped by its format, and shows the answer.",
               "pg-webhook test"};
  std::string name;
  TestOptions o;
  double timeout_s = 10;
  app.add_option("NAME", name, "the webhook")->required();
  app.add_flag("-v,--verbose", o.verbose, "also the request, the answer and the time it took");
  app.add_flag("-n,--dry-run", o.dry_run, "print the body instead of sending it");
  app.add_option("--timeout", timeout_s, "seconds to wait for the answer (default 10; the config's timeout wins)")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--cacert", o.cacert, "trust the certificates in FILE (a self-signed endpoint)");
  app.add_flag("--insecure", o.insecure, "do not check the endpoint's certificate");
  int rc = parse_command(ctx, app, args);
  if (rc >= 0) return rc;
  o.timeout_ms = static_cast<int64_t>(timeout_s * 1000);
  Config c;
  int status;
  const WebhookConfig* w = load_webhook(ctx, name, &c, &status);
  if (!w) return status;
  if (o.insecure) message("warning: --insecure: the endpoint's certificate is not checked");
  return test_webhook(*w, o);
}

// ---- run ------------------------------------------------------------------

int cmd_run(const CommandContext& ctx, const std::vector<std::string>& args) {
  CLI::App app{"Runs pg-parse | pg-match | pg-format | pg-send on the logs, following them as tail -F does.",
               "pg-webhook run"};
  RunOptions o;
  double drain_s = 10;
  app.add_option("LOGFILE", o.logs, "log files, or data directories (their current_logfiles); default: $PGDATA, pg_lsclusters, the usual places");
  app.add_option("--drain-timeout", drain_s, "seconds pg-send goes on sending at the end (default 10)")
      ->check(CLI::Range(0.0, 3600.0));
  int rc = parse_command(ctx, app, args);
  if (rc >= 0) return rc;
  Config c;
  int status;
  if (!load_for_command(ctx.config_path, false, &c, &status)) return status;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string exe = n > 0 ? std::string(self, static_cast<size_t>(n)) : "";
  o.tools_dir = exe.empty() ? "." : exe.substr(0, exe.rfind('/'));
  o.config_path = ctx.config_path;
  o.spool = spool_dir(ctx.spool_flag, c);
  o.drain_ms = static_cast<int64_t>(drain_s * 1000);
  std::error_code ec;
  std::filesystem::create_directories(o.spool, ec);
  if (ec) {
    message("cannot create " + o.spool + ": " + ec.message());
    return kExitCantCreat;
  }
  return run_pipeline(o);
}

int dispatch_webhook(const CommandContext& ctx, const std::vector<std::string>& words) {
  const std::string& name = words[0];
  std::vector<std::string> rest(words.begin() + 2, words.end());
  const std::string& verb = words[1];
  if (verb == "on") return cmd_on(ctx, name, rest);
  if (verb == "off") return cmd_off(ctx, name, rest);
  if (verb == "rules") return cmd_rules(ctx, name, rest);
  if (verb == "set") return cmd_set(ctx, name, rest, false);
  return cmd_set(ctx, name, rest, true);
}

}  // namespace

int command_usage(const CommandContext& ctx, const std::string& what) {
  if (ctx.at_prompt) {
    message(what + " (type 'help' for the commands)");
  } else {
    message(what);
    std::fputs("Try 'pg-webhook --help' for more information.\n", stderr);
  }
  return kExitUsage;
}

std::string spool_dir(const std::string& flag, const Config& config) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("PGTAIL_SPOOL");
  if (env && *env) return env;
  if (!config.spool.empty()) return config.spool;
  const char* xdg = std::getenv("XDG_STATE_HOME");
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/pgtail/spool";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.local/state/pgtail/spool";
}

std::string trigger_list(const WebhookConfig& w) {
  std::string out, err;
  for (const ConfigValue& v : w.on) {
    Rule r;
    out += (out.empty() ? "" : "; ") + (parse_rule(v.value, &r, &err) ? r.text() : v.value);
  }
  return out;
}

bool load_for_command(const std::string& path, bool missing_ok, Config* out, int* status) {
  std::string err;
  bool missing = false;
  if (load_config(path, out, &err, &missing)) return true;
  if (missing && missing_ok) {
    *out = Config();
    out->path = path;
    return true;
  }
  if (missing) err += " (add a webhook first: pg-webhook add NAME URL)";
  message(err);
  *status = missing ? kExitNoInput : kExitConfig;
  return false;
}

std::string commands_help() {
  return "Commands (the same at the pgtail> prompt, with or without a leading 'webhook'):\n"
         "  add NAME URL [--header 'K: V']... [--format F] [--routing-key K]\n"
         "                          add an endpoint (format from the URL's host, else json)\n"
         "  remove NAME [--purge]   remove it (its spool is kept unless --purge)\n"
         "  list                    name, format, on/off, spool, last result, url, rules\n"
         "  NAME on RULE...         add a rule: FATAL PANIC, /pattern/, errors > 50/min, ...\n"
         "  NAME on [--clear] [--continuous]\n"
         "                          enable; --clear removes every rule; --continuous: prometheus\n"
         "  NAME off [RULE...]      disable (rules kept), or remove one rule\n"
         "  NAME rules              show its rules\n"
         "  NAME set KEY VALUE      set a key (routing_key, throttle, dedup, format, url, ...)\n"
         "  NAME unset KEY          remove a key\n"
         "  test NAME [--verbose] [--dry-run]\n"
         "                          send a sample FATAL alert now and show the answer\n"
         "  run [LOGFILE...]        run pg-parse | pg-match | pg-format | pg-send on the logs\n"
         "  help                    this list\n"
         "  quit                    leave the prompt (also end of input)\n"
         "A line ending in '\\' goes on on the next line. Words are split as sh does, without\n"
         "expansion: '>' is an ordinary character at the prompt (quote it in a shell).\n";
}

int run_command(const CommandContext& ctx, std::vector<std::string> words) {
  if (!words.empty() && words[0] == "webhook") words.erase(words.begin());
  if (words.empty()) return kExitOk;
  const std::string& cmd = words[0];
  std::vector<std::string> rest(words.begin() + 1, words.end());
  bool verb = words.size() >= 2 && std::find(kVerbs.begin(), kVerbs.end(), words[1]) != kVerbs.end();
  if (!verb || cmd == "help" || cmd == "list" || cmd == "ls") {
    if (cmd == "add") return cmd_add(ctx, rest);
    if (cmd == "remove" || cmd == "rm") return cmd_remove(ctx, rest);
    if (cmd == "list" || cmd == "ls") return cmd_list(ctx, rest);
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
      std::fputs(commands_help().c_str(), stdout);
      return kExitOk;
    }
    if (cmd == "test") return cmd_test(ctx, rest);
    if (cmd == "run") return cmd_run(ctx, rest);
  }
  if (verb) return dispatch_webhook(ctx, words);
  std::string err;
  Config c;
  bool webhook = valid_webhook_name(cmd, &err) && load_config(ctx.config_path, &c, &err) && c.find(cmd);
  if (words.size() == 1 && webhook) return cmd_rules(ctx, cmd, {});
  if (words.size() >= 2 && webhook) {
    std::string hint = did_you_mean(words[1], kVerbs);
    return command_usage(ctx, "unknown command '" + cmd + " " + words[1] + "'" +
                                  (hint.empty() ? " (after a webhook's name: on, off, rules, set or unset)" : hint));
  }
  std::vector<std::string_view> known = kCommands;
  for (const WebhookConfig& w : c.webhooks) known.push_back(w.name);
  return command_usage(ctx, "unknown command '" + cmd + "'" + did_you_mean(cmd, known));
}

}  // namespace pgtail
