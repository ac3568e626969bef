#include "detect.hpp"

#include <utility>

#include "csvlog.hpp"
#include "jsonlog.hpp"
#include "prefix.hpp"
#include "syslog.hpp"
#include "wrappers.hpp"

namespace pgtail {

const char* format_name(Format f) {
  switch (f) {
    case Format::kAuto: return "auto";
    case Format::kStderr: return "stderr";
    case Format::kCsvlog: return "csvlog";
    case Format::kJsonlog: return "jsonlog";
    case Format::kSyslog: return "syslog";
    case Format::kCnpg: return "cnpg";
    case Format::kCloudsql: return "cloudsql";
    case Format::kLogplex: return "logplex";
    case Format::kJournald: return "journald";
    case Format::kDocker: return "docker";
  }
  return "?";
}

bool parse_format(std::string_view name, Format* f) {
  for (Format c : {Format::kAuto, Format::kStderr, Format::kCsvlog, Format::kJsonlog, Format::kSyslog,
                   Format::kCnpg, Format::kCloudsql, Format::kLogplex, Format::kJournald, Format::kDocker})
    if (name == format_name(c)) {
      *f = c;
      return true;
    }
  return false;
}

const std::vector<KnownPrefix>& known_prefixes() {
  static const std::vector<KnownPrefix> kKnown = {
      {"%m [%p] %q%u@%d ", "Debian's default"},
      {"%m [%p] ", "PostgreSQL's default"},
      {"%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ", "pgBadger's recommended"},
      {"%t:%r:%u@%d:[%p]:", "Amazon RDS"},
      {"%t [%p-%l] %q%u@%d ", "older Debian and Ubuntu default"},
      {"%m [%p-%l] %q%u@%d ", "Ubuntu with milliseconds"},
      {"< %m >", "Red Hat's older default"},
      {"%t [%p]: [%l-1] user=%u,db=%d,host=%h,app=%a ", "pgBadger-style with host"},
      {"%t [%p]: db=%d,user=%u,app=%a,client=%h ", "pgBadger-style without line numbers"},
      {"%t [%p]: [%l-1] [%x] usr=%u,db=%d,appli=%a ", "pgBadger-style with xid"},
      {"%m [%p] [queryid=%Q] %q%u@%d ", "Debian's with query id"},
      {"%m [%p] user=%u,db=%d ", "user and database"},
      {"%m [%p] %q[%l-1] user=%u,db=%d,app=%a,client=%h ", "pgBadger-style with milliseconds"},
      {"%t [%p]: [%l-1] user=%u,db=%d ", "pgBadger-style, user and database"},
      {"%t:%h:%u@%d:[%p]:", "Amazon RDS without port"},
      {"[%p]: [%l-1] db=%d,user=%u ", "Google Cloud SQL"},
      {"sql_error_code = %e ", "Heroku"},
      {"db=%d,user=%u,app=%a,client=%h ", "syslog, pgBadger-style"},
      {"user=%u,db=%d,app=%a,client=%h ", "syslog, pgBadger-style"},
      {"%m %p ", "time and pid"},
      {"%m ", "time with milliseconds only"},
      {"%t ", "time only"},
      {"", "empty"},
  };
  return kKnown;
}

namespace {

/// How well a prefix reads `texts`: the lines it matches (a prefix and a
/// severity word), then how much literal text of it they contain — a loose
/// prefix whose free field swallowed "host=,app=" scores lower than the one
/// that spells those out.
std::pair<size_t, size_t> score(const Prefix& prefix, const std::vector<std::string_view>& texts,
                                ZoneResolver& zones) {
  PrefixMatcher matcher(prefix, zones);
  Event ev;
  PrefixMatch m;
  std::pair<size_t, size_t> s{0, 0};
  for (std::string_view t : texts) {
    ev.clear();
    if (!matcher.match(t, &ev, &m, nullptr)) continue;
    ++s.first;
    s.second += matcher.literal_bytes();
  }
  return s;
}

/// Picks the known prefix that reads most lines, most specifically; on a tie the
/// one listed first (the list puts the common ones first).
bool pick_prefix(const std::vector<std::string_view>& texts, ZoneResolver& zones, std::string* spec,
                 std::string* name) {
  std::pair<size_t, size_t> best{0, 0};
  for (const KnownPrefix& k : known_prefixes()) {
    Prefix p;
    std::string err;
    if (!Prefix::compile(k.spec, &p, &err)) continue;
    std::pair<size_t, size_t> s = score(p, texts, zones);
    if (s > best) {
      best = s;
      *spec = k.spec;
      *name = k.name;
    }
  }
  // Most primary lines must fit: a wrong prefix would turn entries into raw lines.
  return best.first > 0 && best.first * 2 >= texts.size();
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

bool is_json_object(std::string_view line) {
  size_t i = line.find_first_not_of(" \t");
  return i != std::string_view::npos && line[i] == '{';
}

/// Lines of an input that detection could not place, by what they look like.
struct Unplaced {
  size_t any = 0, json = 0, logplex = 0;
};

/// What to pass when no prefix reads an input taken for stderr: the wrappers
/// when it looks like one (JSON, or logplex without its numbering), else
/// the prefix and the other formats.
std::string stderr_advice(const Unplaced& u) {
  if (u.json * 2 >= u.any && u.json > 0)
    return "cannot recognise these JSON lines (neither jsonlog nor a known wrapper): pass --format "
           "cnpg, cloudsql, journald, docker or jsonlog, with --prefix for the log_line_prefix inside a "
           "wrapper";
  if (u.logplex * 2 >= u.any && u.logplex > 0)
    return "these lines look like Heroku logplex but none is the server's (no [N-M] numbering): pass "
           "--format logplex if they are, with --prefix for the log_line_prefix after the numbering";
  return "cannot recognise the log_line_prefix: pass --prefix with the server's log_line_prefix, or "
         "--prefix-from postgresql.conf (or --format csvlog, syslog or logplex if it is one of those)";
}

/// The prefix of the stderr lines inside a wrapper, from their inner texts.
Detection detect_wrapped(const std::vector<std::string>& lines, Format format, const std::string* prefix,
                         ZoneResolver& zones, Detection d) {
  d.description += std::string(" (") + wrapper_description(format) + ")";
  std::vector<std::string> inner;
  WrapperReader reader(zones);
  Event record;
  Wrapped w;
  SyslogLine sl;
  std::string err;
  for (const std::string& l : lines) {
    std::string_view t;
    if (format == Format::kLogplex) {
      if (!parse_logplex_line(l, &sl) || sl.chunk > 1 || !is_postgres_tag(sl.tag)) continue;
      t = sl.text;
    } else {
      if (!reader.parse(format, l, &w, &record, &err) || w.kind != Wrapped::Kind::kText) continue;
      t = w.text.substr(0, w.text.find('\n'));
    }
    if (t.empty() || t[0] == '\t' || t[0] == ' ') continue;
    inner.emplace_back(t);
  }
  if (prefix) {
    d.prefix = *prefix;
    d.description += ", log_line_prefix " + quoted(*prefix);
    return d;
  }
  std::vector<std::string_view> texts(inner.begin(), inner.end());
  std::string name;
  bool found = !texts.empty() && pick_prefix(texts, zones, &d.prefix, &name);
  if (format == Format::kCnpg) {
    // Its entries are csvlog records; the few stderr lines (before the
    // logging collector starts) have PostgreSQL's default prefix.
    if (!found) d.prefix = "%m [%p] ";
    return d;
  }
  if (!found) {
    d.format = Format::kAuto;
    d.advice = std::string("cannot recognise the log_line_prefix inside the ") + format_name(format) +
               " lines: pass --prefix with the server's log_line_prefix, or --prefix-from postgresql.conf";
    return d;
  }
  d.description += ", log_line_prefix " + quoted(d.prefix) + " (" + name + ")";
  return d;
}

}  // namespace

Detection detect(const std::vector<std::string>& lines, Format format, const std::string* prefix,
                 ZoneResolver& zones) {
  Detection d;
  SyslogLine sl;
  Unplaced unplaced;
  if (format == Format::kAuto) {
    // A vote of the lines, not the first one alone: `tail -F` may start in
    // the middle of a multi-line record.
    size_t json = 0, csv = 0, syslog = 0, any = 0, wrapped = 0;
    size_t wrappers[static_cast<int>(Format::kDocker) + 1] = {};
    for (const std::string& l : lines) {
      if (l.empty()) continue;
      ++any;
      Format w = sniff_wrapper(l);
      if (w != Format::kAuto) ++wrappers[static_cast<int>(w)];
      else if (looks_like_jsonlog(l)) ++json;
      else if (looks_like_csvlog(l)) ++csv;
      else if (parse_syslog_line(l, &sl)) ++syslog;
      else if (is_json_object(l)) ++unplaced.json;
      else if (parse_logplex_line(l, &sl)) ++unplaced.logplex;
    }
    unplaced.any = any;
    if (any == 0) {
      d.advice = "no input to recognise: pass --format";
      return d;
    }
    Format best_wrapper = Format::kAuto;
    for (Format w : {Format::kCnpg, Format::kCloudsql, Format::kLogplex, Format::kJournald, Format::kDocker})
      if (wrappers[static_cast<int>(w)] > wrapped) {
        wrapped = wrappers[static_cast<int>(w)];
        best_wrapper = w;
      }
    if (wrapped > 0 && wrapped >= json && wrapped >= csv && wrapped >= syslog) format = best_wrapper;
    else if (json > 0 && json >= csv && json >= syslog) format = Format::kJsonlog;
    else if (csv > 0 && csv >= syslog) format = Format::kCsvlog;
    else if (syslog > 0) format = Format::kSyslog;
    else format = Format::kStderr;
  }
  d.format = format;
  d.description = format_name(format);
  if (format == Format::kCsvlog || format == Format::kJsonlog) return d;
  if (is_wrapper(format)) return detect_wrapped(lines, format, prefix, zones, std::move(d));

  // The texts that start with a prefix: primary lines, not continuations;
  // in a shared syslog file, those of the server's tags.
  d.any_tag = format == Format::kSyslog;
  if (format == Format::kSyslog)
    for (const std::string& l : lines)
      if (parse_syslog_line(l, &sl) && is_postgres_tag(sl.tag)) d.any_tag = false;
  std::vector<std::string_view> texts;
  for (const std::string& l : lines) {
    std::string_view t = l;
    if (format == Format::kSyslog) {
      if (!parse_syslog_line(l, &sl) || sl.chunk > 1 || (!d.any_tag && !is_postgres_tag(sl.tag))) continue;
      t = sl.text;
    }
    if (t.empty() || t[0] == '\t' || t[0] == ' ') continue;
    texts.push_back(t);
  }
  if (prefix) {
    d.prefix = *prefix;
    d.description += ", log_line_prefix " + quoted(*prefix);
    return d;
  }
  std::string name;
  if (texts.empty() || !pick_prefix(texts, zones, &d.prefix, &name)) {
    d.format = Format::kAuto;
    if (format == Format::kStderr)
      d.advice = stderr_advice(unplaced);
    else
      d.advice = "cannot recognise the log_line_prefix inside the syslog lines: pass --prefix with the "
                 "server's log_line_prefix, or --prefix-from postgresql.conf";
    return d;
  }
  d.description += ", log_line_prefix " + quoted(d.prefix) + " (" + name + ")";
  return d;
}

}  // namespace pgtail
