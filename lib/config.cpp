#include "config.hpp"

#include <ini.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "suggest.hpp"

namespace pgtail {

namespace {

/// A config or secret file larger than this is a mistake (a log, a binary).
constexpr size_t kMaxFileBytes = 1 << 20;
constexpr size_t kMaxNameChars = 64;

/// Where a key may be written.
enum class Place { kBoth, kWebhook, kGlobal };

struct KeyInfo {
  const char* name;
  Place place;
  bool repeats;          ///< on and header: one rule or one header each
  const char* slot;      ///< what the value is for; problems are keyed by it
  const char* excludes;  ///< the other way of giving the same value, or null
};

constexpr KeyInfo kKeys[] = {
    {"url", Place::kWebhook, false, "url", "url_file"},
    {"url_file", Place::kWebhook, false, "url", "url"},
    {"header", Place::kWebhook, true, "header", nullptr},
    {"header_file", Place::kWebhook, false, "header", nullptr},
    {"format", Place::kBoth, false, "format", nullptr},
    {"on", Place::kWebhook, true, "on", nullptr},
    {"enabled", Place::kBoth, false, "enabled", nullptr},
    {"throttle", Place::kBoth, false, "throttle", nullptr},
    {"dedup", Place::kBoth, false, "dedup", nullptr},
    {"rate", Place::kBoth, false, "rate", nullptr},
    {"routing_key", Place::kWebhook, false, "routing_key", nullptr},
    {"instance_name", Place::kBoth, false, "instance_name", nullptr},
    {"continuous", Place::kBoth, false, "continuous", nullptr},
    {"interval", Place::kBoth, false, "interval", nullptr},
    {"template", Place::kBoth, false, "template", "template_file"},
    {"template_file", Place::kBoth, false, "template", "template"},
    {"template_json", Place::kBoth, false, "template_json", nullptr},
    {"teams_legacy", Place::kBoth, false, "teams_legacy", nullptr},
    {"timeout", Place::kBoth, false, "timeout", nullptr},
    {"spool", Place::kGlobal, false, "spool", nullptr},
};

const std::vector<std::string_view> kFormats = {"json",  "slack",      "discord",    "pagerduty", "opsgenie",
                                                "teams", "prometheus", "splunk-hec", "ecs",       "template"};

/// pg-webhook's command words, refused as webhook names so that
/// "pg-webhook test list" can never be read two ways.
const std::vector<std::string_view> kCommandWords = {"add",  "all", "disable", "edit",   "enable", "flush", "global",
                                                     "help", "list", "ls",     "off",    "on",     "remove", "rm",
                                                     "run",  "show", "status", "test",   "version"};

constexpr char kSyntaxError[] = "expected 'key = value', a [section] or a comment";

const KeyInfo* find_key(std::string_view name) {
  for (const KeyInfo& k : kKeys)
    if (name == k.name) return &k;
  return nullptr;
}

std::vector<std::string_view> key_names() {
  std::vector<std::string_view> names;
  for (const KeyInfo& k : kKeys) names.push_back(k.name);
  return names;
}

/// inih's idea of white space (isspace in the C locale).
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

/// RFC 9110's token, what a header name must be.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && !std::strchr("!#$%&'*+-.^_`|~", c)) return false;
  return true;
}

bool parse_bool(std::string_view s, bool* out) {
  std::string v(s);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "yes" || v == "true" || v == "on" || v == "1") return *out = true, true;
  if (v == "no" || v == "false" || v == "off" || v == "0") return *out = false, true;
  return false;
}

/// The host and port of a url that has a "scheme://", user and password left out.
std::string_view url_authority(std::string_view url, size_t* end = nullptr) {
  size_t start = url.find("://") + 3;
  size_t stop = url.find_first_of("/?#", start);
  std::string_view authority = url.substr(start, stop - start);  // to the end when stop is npos
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (end) *end = stop;
  return authority;
}

}  // namespace

bool check_url(std::string_view url, std::string* err) {
  if (!starts_with_nocase(url, "http://") && !starts_with_nocase(url, "https://")) {
    std::string shown = redact_url(url);
    if (url[0] == '"' || url[0] == '\'')
      *err = "url must start with http:// or https:// (values are not quoted)";
    else if (shown != "…")
      *err = "url '" + shown + "' must start with http:// or https://";
    else
      *err = "url must start with http:// or https://";
    return false;
  }
  for (char c : url)
    if (is_control(c) || c == ' ') {
      *err = "url '" + redact_url(url) + "' contains a space or control character";
      return false;
    }
  if (url_authority(url).empty()) {
    *err = "url '" + redact_url(url) + "' has no host";
    return false;
  }
  return true;
}

namespace {

/// Checks "Name: value" and writes it as "Name: value" with one space. The
/// value is never quoted in a message, and neither is a malformed name,
/// which may well be a token pasted in the wrong place.
bool check_header(std::string_view h, std::string* norm, std::string* err) {
  size_t colon = h.find(':');
  std::string_view name = colon == std::string_view::npos ? std::string_view() : h.substr(0, colon);
  if (!is_token(name)) {
    *err = "header must be 'Name: value', like 'Authorization: Bearer …'";
    return false;
  }
  std::string_view value = trim(h.substr(colon + 1));
  for (char c : value) {
    if (c == '\r' || c == '\n') {
      *err = "header '" + std::string(name) + "' contains a line break";
      return false;
    }
    if (is_control(c) && c != '\t') {
      *err = "header '" + std::string(name) + "' contains a control character";
      return false;
    }
  }
  if (value.empty()) {
    *err = "header '" + std::string(name) + "' has no value";
    return false;
  }
  *norm = std::string(name) + ": " + std::string(value);
  return true;
}

std::string home_dir() {
  const char* home = std::getenv("HOME");
  if (home && *home) return home;
  const passwd* pw = getpwuid(getuid());
  return pw && pw->pw_dir ? pw->pw_dir : "";
}

/// A path written in the config: "~/" is the home folder, and a relative
/// path is taken from the config file's folder, where pg-webhook writes its
/// secret files.
std::string resolve_path(std::string_view p, const std::string& dir) {
  if (p.size() >= 2 && p[0] == '~' && p[1] == '/') return home_dir() + std::string(p.substr(1));
  if (p[0] == '/' || dir.empty()) return std::string(p);
  return dir + (dir.back() == '/' ? "" : "/") + std::string(p);
}

bool read_file(const std::string& path, std::string* out, std::string* err, bool* missing) {
  if (missing) *missing = false;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    if (missing) *missing = errno == ENOENT;
    *err = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  out->clear();
  char buf[16384];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && out->size() <= kMaxFileBytes) out->append(buf, n);
  int error = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (error) {
    *err = "cannot read " + path + ": " + std::strerror(error);
    return false;
  }
  if (out->size() > kMaxFileBytes) {
    *err = "cannot read " + path + ": larger than 1 MiB";
    return false;
  }
  return true;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::string section_label(const WebhookConfig& w) {
  return w.name.empty() ? "[global]" : "[webhook \"" + w.name + "\"]";
}

/// The state shared by the line reader and the value handler that inih
/// calls in turn: inih reads line N, then calls the handler for line N.
struct Parser {
  Config* config = nullptr;
  std::string dir;  ///< the config's folder, for relative *_file paths
  std::vector<std::string_view> lines;
  size_t next = 0;
  int line = 0;               ///< the line inih is on
  std::string prev_key;       ///< inih's prev_name: what an indented line would continue
  std::string section_raw;    ///< the text between [ and ], as inih keeps it
  WebhookConfig* section = nullptr;  ///< nullptr before the first header
  int error_line = 0;
  std::string error;

  /// Keeps the first error in file order; returns false for `return fail(...)`.
  bool fail_at(int at, const std::string& what) {
    if (error.empty() || at < error_line) {
      error_line = at;
      error = config->path + ":" + std::to_string(at) + ": " + what;
    }
    return false;
  }
  bool fail(const std::string& what) { return fail_at(line, what); }
  std::string where() const { return config->path + ":" + std::to_string(line) + ": "; }
};

bool open_webhook(Parser* p, std::string_view rest) {
  std::string_view q = trim(rest);
  if (q.size() < 2 || q.front() != '"' || q.back() != '"') {
    while (!q.empty() && (q.front() == '"' || q.front() == '\'')) q.remove_prefix(1);
    while (!q.empty() && (q.back() == '"' || q.back() == '\'')) q.remove_suffix(1);
    return p->fail("write the webhook's name in double quotes: [webhook \"" +
                   std::string(q.empty() ? "NAME" : q) + "\"]");
  }
  std::string name(q.substr(1, q.size() - 2));
  std::string err;
  if (!valid_webhook_name(name, &err)) return p->fail(err);
  for (const WebhookConfig& w : p->config->webhooks)
    if (w.name == name)
      return p->fail("webhook \"" + name + "\" is defined twice (first at line " + std::to_string(w.line) + ")");
  p->config->webhooks.emplace_back();
  p->section = &p->config->webhooks.back();
  p->section->name = name;
  p->section->line = p->line;
  return true;
}

bool open_section(Parser* p, std::string_view text) {
  if (text == "global") {
    WebhookConfig& g = p->config->defaults;
    if (g.line) return p->fail("[global] appears twice (first at line " + std::to_string(g.line) + ")");
    g.line = p->line;
    p->section = &g;
    return true;
  }
  std::string_view word = text.substr(0, text.find_first_of(" \t\""));
  if (word == "webhook") return open_webhook(p, text.substr(word.size()));
  std::string close = closest_word(word, {"global", "webhook"});
  std::string what = "unknown section [" + std::string(text) + "]";
  if (close == "global") return p->fail(what + " (did you mean '[global]'?)");
  if (close == "webhook")
    return p->fail(what + " (did you mean '[webhook" + std::string(text.substr(word.size())) + "]'?)");
  return p->fail(what + " (sections are [global] and [webhook \"NAME\"])");
}

/// A "[...]" line as inih reads it: up to ']', unless " ;" starts a comment first.
bool section_line(Parser* p, std::string_view s) {
  size_t j = 1;
  bool was_space = false;
  while (j < s.size() && s[j] != ']' && !(was_space && s[j] == ';')) was_space = is_space(s[j++]);
  if (j == s.size()) return p->fail("section header without ']'");
  if (s[j] != ']') return p->fail("section header without ']' (' ;' starts a comment)");
  std::string_view after = trim(s.substr(j + 1));
  if (!after.empty() && after[0] != ';' && after[0] != '#') return p->fail("text after the section header's ']'");
  p->prev_key.clear();
  p->section_raw = std::string(s.substr(1, j - 1));
  return open_section(p, trim(p->section_raw));
}

/// Checks a line before inih sees it: what inih would cut or misread.
bool check_line(Parser* p, std::string_view text, size_t max) {
  if (text.size() > max)
    return p->fail("line is " + std::to_string(text.size()) + " bytes, longer than the " + std::to_string(max) +
                   " that can be read; put a long value in a file (url_file, header_file, template_file)");
  if (text.find('\0') != std::string_view::npos) return p->fail("NUL byte in line");
  size_t i = 0;
  while (i < text.size() && is_space(text[i])) ++i;
  if (i == text.size() || text[i] == ';' || text[i] == '#') return true;
  // inih would pass this line on as another value of the key above.
  if (i > 0 && !p->prev_key.empty())
    return p->fail("indented line: inih reads it as more of '" + p->prev_key +
                   "' above; start each key at the beginning of its line");
  if (text[i] == '[') return section_line(p, text.substr(i));
  return true;
}

/// inih's fgets-like reader: one line per call, counted, refused when inih
/// would cut it. Ends the reading at the first error.
char* read_line(char* buf, int size, void* stream) {
  Parser* p = static_cast<Parser*>(stream);
  if (!p->error.empty() || p->next >= p->lines.size()) return nullptr;
  std::string_view text = p->lines[p->next++];
  ++p->line;
  if (!check_line(p, text, static_cast<size_t>(size - 1))) return nullptr;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  return buf;
}

bool set_file_value(Parser* p, const KeyInfo& k, const std::string& path) {
  WebhookConfig& w = *p->section;
  std::string text, err;
  if (!read_file(path, &text, &err, nullptr)) {
    w.problems.emplace(k.slot, p->where() + k.name + ": " + err);
    return true;
  }
  std::string_view key = k.name;
  if (key == "template_file") {
    w.template_text = text;
  } else if (key == "url_file") {
    std::string_view url = trim(text);
    if (url.empty()) return p->fail("url_file " + path + " is empty");
    if (!check_url(url, &err)) return p->fail("url_file " + path + ": " + err);
    w.url = std::string(url);
  } else {  // header_file: one header a line; blank lines and # comments skipped
    int n = 0;
    for (std::string_view line : split_lines(text)) {
      ++n;
      line = trim(line);
      if (line.empty() || line[0] == '#') continue;
      std::string h;
      if (!check_header(line, &h, &err)) return p->fail("header_file " + path + ":" + std::to_string(n) + ": " + err);
      w.headers.push_back(h);
    }
  }
  return true;
}

bool set_duration(Parser* p, const char* key, const std::string& v, std::optional<int64_t>* out) {
  int64_t ms;
  std::string err;
  if (!parse_duration(v, &ms, &err)) return p->fail(std::string(key) + ": " + err);
  *out = ms;
  return true;
}

bool set_per_period(Parser* p, const char* key, const std::string& v, std::optional<PerPeriod>* out) {
  PerPeriod pp;
  std::string err;
  if (!parse_per_period(v, &pp, &err)) return p->fail(std::string(key) + ": " + err);
  *out = pp;
  return true;
}

bool set_bool(Parser* p, const char* key, const std::string& v, bool* out) {
  if (parse_bool(v, out)) return true;
  return p->fail(std::string(key) + " must be yes or no, not '" + v + "'");
}

/// Sets a value after its ${ENV} expansion.
bool set_expanded(Parser* p, const KeyInfo& k, const std::string& v) {
  WebhookConfig& w = *p->section;
  std::string_view key = k.name;
  std::string err;
  if (key == "url") {
    if (!check_url(v, &err)) return p->fail(err);
    w.url = v;
  } else if (key == "header") {
    std::string h;
    if (!check_header(v, &h, &err)) return p->fail(err);
    w.headers.push_back(h);
  } else if (key == "url_file" || key == "header_file" || key == "template_file") {
    return set_file_value(p, k, resolve_path(v, p->dir));
  } else if (key == "spool") {
    p->config->spool = resolve_path(v, p->dir);
  } else if (key == "format") {
    if (std::find(kFormats.begin(), kFormats.end(), v) == kFormats.end()) {
      std::string hint = did_you_mean(v, kFormats);
      return p->fail("unknown format '" + v + "'" +
                     (hint.empty() ? " (json, slack, discord, pagerduty, opsgenie, teams, prometheus, splunk-hec, "
                                     "ecs or template)"
                                   : hint));
    }
    w.format = v;
  } else if (key == "enabled") {
    return set_bool(p, k.name, v, &w.enabled);
  } else if (key == "continuous") {
    return set_bool(p, k.name, v, &w.continuous);
  } else if (key == "teams_legacy") {
    return set_bool(p, k.name, v, &w.teams_legacy);
  } else if (key == "template_json") {
    return set_bool(p, k.name, v, &w.template_json);
  } else if (key == "throttle") {
    return set_per_period(p, k.name, v, &w.throttle);
  } else if (key == "rate") {
    return set_per_period(p, k.name, v, &w.rate);
  } else if (key == "dedup") {
    return set_duration(p, k.name, v, &w.dedup_ms);
  } else if (key == "interval") {
    return set_duration(p, k.name, v, &w.interval_ms);
  } else if (key == "timeout") {
    return set_duration(p, k.name, v, &w.timeout_ms);
  } else if (key == "routing_key") {
    w.routing_key = v;
  } else if (key == "instance_name") {
    w.instance_name = v;
  }
  return true;
}

bool set_value(Parser* p, const KeyInfo& k, std::string_view value) {
  WebhookConfig& w = *p->section;
  std::string_view key = k.name;
  if (value.empty()) return p->fail("'" + std::string(key) + "' has no value");
  // Rules and templates are taken as written: their own syntax may use '$'.
  if (key == "on") {
    w.on.push_back({std::string(value), p->line});
    return true;
  }
  if (key == "template") {
    w.template_text = std::string(value);
    return true;
  }
  std::string v, err;
  bool unset = false;
  if (!expand_env(value, &v, &err, &unset)) {
    if (!unset) return p->fail(std::string(key) + ": " + err);
    w.problems.emplace(k.slot, p->where() + std::string(key) + ": " + err);
    return true;
  }
  if (v.empty()) return p->fail("'" + std::string(key) + "' is empty once ${...} is expanded");
  return set_expanded(p, k, v);
}

/// What a misspelt key may look like, as opposed to a stray value.
bool looks_like_key(std::string_view key) {
  if (key.size() > 32) return false;
  for (char c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

bool set_key(Parser* p, std::string_view key, std::string_view value) {
  if (key.empty()) return p->fail("a value without a key");
  if (!p->section)
    return p->fail("'" + std::string(key) + "' is outside any section; put it under [global] or [webhook \"NAME\"]");
  const KeyInfo* k = find_key(key);
  // Not shown when it is no key at all: it may be a secret on a line of its own.
  if (!k && !looks_like_key(key)) return p->fail(kSyntaxError);
  if (!k) return p->fail("unknown key '" + std::string(key) + "'" + did_you_mean(key, key_names()));
  WebhookConfig& w = *p->section;
  bool global = p->section == &p->config->defaults;
  if (global && k->place == Place::kWebhook)
    return p->fail("'" + std::string(key) + "' belongs in a [webhook \"NAME\"] section, not in [global]");
  if (!global && k->place == Place::kGlobal) return p->fail("'" + std::string(key) + "' belongs in [global]");
  auto seen = w.lines.find(k->name);
  if (seen != w.lines.end() && !k->repeats)
    return p->fail("'" + std::string(key) + "' is set twice in " + section_label(w) + " (first at line " +
                   std::to_string(seen->second) + ")");
  if (k->excludes && w.lines.count(k->excludes))
    return p->fail("'" + std::string(key) + "' and '" + k->excludes + "' are both set (" + k->excludes +
                   " at line " + std::to_string(w.lines[k->excludes]) + "); keep one");
  w.lines.emplace(k->name, p->line);
  return set_value(p, *k, value);
}

int on_value(void* user, const char* section, const char* name, const char* value) {
  Parser* p = static_cast<Parser*>(user);
  if (!p->error.empty()) return 1;
  p->prev_key = name;
  // inih keeps the first 49 bytes of the section; ours is the whole header.
  if (p->section_raw.compare(0, std::strlen(section), section) != 0) {
    p->fail("internal error: inih read section [" + std::string(section) + "]");
    return 1;
  }
  set_key(p, name, value);
  return 1;  // errors are ours to report, with their words
}

/// Copies one [global] value into a webhook that does not set it.
void copy_default(const WebhookConfig& g, const std::string& key, WebhookConfig* w) {
  if (key == "format") w->format = g.format;
  else if (key == "enabled") w->enabled = g.enabled;
  else if (key == "throttle") w->throttle = g.throttle;
  else if (key == "dedup") w->dedup_ms = g.dedup_ms;
  else if (key == "rate") w->rate = g.rate;
  else if (key == "instance_name") w->instance_name = g.instance_name;
  else if (key == "continuous") w->continuous = g.continuous;
  else if (key == "interval") w->interval_ms = g.interval_ms;
  else if (key == "template" || key == "template_file") w->template_text = g.template_text;
  else if (key == "teams_legacy") w->teams_legacy = g.teams_legacy;
  else if (key == "template_json") w->template_json = g.template_json;
  else if (key == "timeout") w->timeout_ms = g.timeout_ms;
}

void apply_defaults(const WebhookConfig& g, WebhookConfig* w) {
  for (const auto& [key, line] : g.lines) {
    const KeyInfo* k = find_key(key);
    if (k->place == Place::kGlobal || w->lines.count(key) || (k->excludes && w->lines.count(k->excludes))) continue;
    copy_default(g, key, w);
    w->lines.emplace(key, line);
    auto problem = g.problems.find(k->slot);
    if (problem != g.problems.end()) w->problems.insert(*problem);
  }
}

/// What needs the whole file: the defaults, and a template for format template.
bool finish(Parser* p) {
  Config& c = *p->config;
  if (c.defaults.format.empty() && !c.defaults.lines.count("format")) c.defaults.format = "json";
  for (WebhookConfig& w : c.webhooks) {
    apply_defaults(c.defaults, &w);
    if (w.format.empty() && !w.lines.count("format")) w.format = "json";
    if (w.format == "template" && w.template_text.empty() && !w.problems.count("template"))
      return p->fail_at(w.lines["format"],
                        "webhook \"" + w.name + "\" has format template but no template or template_file");
  }
  return true;
}

}  // namespace

bool WebhookConfig::resolved(std::initializer_list<std::string_view> keys, std::string* err) const {
  for (std::string_view key : keys) {
    auto it = problems.find(std::string(key));
    if (it != problems.end()) {
      *err = it->second;
      return false;
    }
  }
  return true;
}

const WebhookConfig* Config::find(std::string_view name) const {
  for (const WebhookConfig& w : webhooks)
    if (w.name == name) return &w;
  return nullptr;
}

bool parse_config(std::string_view text, const std::string& path, Config* out, std::string* err) {
  Config config;
  config.path = path;
  Parser p;
  p.config = &config;
  size_t slash = path.rfind('/');
  if (slash != std::string::npos) p.dir = slash == 0 ? "/" : path.substr(0, slash);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a BOM, as some editors write
  p.lines = split_lines(text);
  int bad = ini_parse_stream(read_line, &p, on_value, &p);
  // inih's own errors are lines that are neither a key, a section nor a comment.
  if (bad > 0) p.fail_at(bad, kSyntaxError);
  if (bad < 0) p.fail_at(1, "inih could not read the file");
  if (p.error.empty()) finish(&p);
  if (!p.error.empty()) {
    *err = p.error;
    return false;
  }
  *out = std::move(config);
  return true;
}

bool load_config(const std::string& path, Config* out, std::string* err, bool* missing) {
  std::string text;
  if (!read_file(path, &text, err, missing)) return false;
  return parse_config(text, path, out, err);
}

std::string config_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("PGTAIL_CONFIG");
  if (env && *env) return env;
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/pgtail/webhooks.ini";
  return home_dir() + "/.config/pgtail/webhooks.ini";
}

bool valid_webhook_name(std::string_view name, std::string* err) {
  std::string quoted = "webhook name '" + std::string(name) + "'";
  if (name.empty()) {
    *err = "empty webhook name";
    return false;
  }
  if (name.size() > kMaxNameChars) {
    *err = quoted + " is longer than 64 characters";
    return false;
  }
  for (char c : name)
    if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_' && c != '-') {
      *err = quoted + " may only have a-z, 0-9, '_' and '-'";
      return false;
    }
  if (name[0] == '-') {
    *err = quoted + " must not start with '-'";
    return false;
  }
  for (std::string_view word : kCommandWords)
    if (name == word) {
      *err = quoted + " is a pg-webhook command word";
      return false;
    }
  return true;
}

bool expand_env(std::string_view in, std::string* out, std::string* err, bool* unset) {
  out->clear();
  std::string missing;  // the first unset variable's message
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '$' || i + 1 == in.size() || (in[i + 1] != '$' && in[i + 1] != '{')) {
      out->push_back(in[i]);
      continue;
    }
    if (in[++i] == '$') {
      out->push_back('$');
      continue;
    }
    size_t close = in.find('}', i);
    std::string_view inner = in.substr(i + 1, close == std::string_view::npos ? 0 : close - i - 1);
    size_t dash = inner.find(":-");
    std::string name(inner.substr(0, dash));
    bool good = close != std::string_view::npos && !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
    for (char c : name) good = good && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!good) {
      *err = "'${' must be followed by a variable name and '}', as in ${SLACK_HOOK} (write '$$' for a '$')";
      if (unset) *unset = false;
      return false;
    }
    const char* value = std::getenv(name.c_str());
    if (value && *value)
      out->append(value);
    else if (dash != std::string_view::npos)
      out->append(inner.substr(dash + 2));
    else if (missing.empty())
      missing = "environment variable " + name + (value ? " is empty" : " is not set");
    i = close;
  }
  if (missing.empty()) return true;
  *err = missing;
  if (unset) *unset = true;
  return false;
}

namespace {

/// A path segment that names an API rather than holds a key: short, lower
/// case letters without digits, or a version ("services", "enqueue", "v2").
bool public_segment(std::string_view s) {
  if (s.size() > 16) return false;
  if (s.size() >= 2 && s[0] == 'v' && s.find_first_not_of("0123456789", 1) == std::string_view::npos) return true;
  for (char c : s)
    if (!std::islower(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

}  // namespace

std::string redact_url(std::string_view url) {
  size_t colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return "…";
  for (char c : url.substr(0, colon))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return "…";
  size_t end;
  std::string_view authority = url_authority(url, &end);
  std::string out = std::string(url.substr(0, colon + 3)) + std::string(authority);
  if (end == std::string_view::npos) return out;
  std::string_view rest = url.substr(end, url.find('#', end) - end);
  size_t query = rest.find('?');
  std::string_view path = rest.substr(0, query);
  for (size_t i = 0; i < path.size();) {  // path[i] == '/'
    size_t next = std::min(path.find('/', i + 1), path.size());
    std::string_view seg = path.substr(i + 1, next - i - 1);
    if (!public_segment(seg)) {
      out += '/';
      for (size_t k = 0; k < 2 && k < seg.size() && std::isalnum(static_cast<unsigned char>(seg[k])); ++k) out += seg[k];
      out += "…";
      return next < rest.size() ? out + "/****" : out;
    }
    out.append(path.substr(i, next - i));
    i = next;
  }
  return query == std::string_view::npos ? out : out + "?****";
}

bool header_flag(std::string_view h, std::string* norm, std::string* err) {
  for (char sep : {':', '='}) {
    size_t at = h.find(sep);
    if (at == std::string_view::npos || !is_token(h.substr(0, at))) continue;
    if (check_header(std::string(h.substr(0, at)) + ":" + std::string(h.substr(at + 1)), norm, err)) return true;
    *err = "--" + *err;
    return false;
  }
  *err = "--header must be 'Name: value' or Name=value, like 'Authorization: Bearer ${TOKEN}'";
  return false;
}

}  // namespace pgtail
