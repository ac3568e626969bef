#include "syslog.hpp"

#include <cstring>

namespace pgtail {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Length of a BSD syslog time "Mmm dd hh:mm:ss" (day space-padded), or 0.
size_t bsd_time_length(std::string_view s) {
  static const char kShape[] = "Aaa dd dd:dd:dd";
  if (s.size() < sizeof kShape - 1) return 0;
  for (size_t i = 0; i < sizeof kShape - 1; ++i) {
    char c = s[i], k = kShape[i];
    bool ok = k == 'A'   ? (c >= 'A' && c <= 'Z')
              : k == 'a' ? (c >= 'a' && c <= 'z')
              : k == 'd' ? (is_digit(c) || (i == 4 && c == ' '))
                         : c == k;
    if (!ok) return 0;
  }
  return sizeof kShape - 1;
}

/// Length of an RFC 3339 time "2024-01-15T10:23:45[.frac](Z|+hh:mm)", or 0.
size_t iso_time_length(std::string_view s) {
  if (s.size() < 20 || !is_digit(s[0]) || s[4] != '-' || s[10] != 'T' || s[13] != ':') return 0;
  size_t sp = s.find(' ');
  return sp == std::string_view::npos ? 0 : sp;
}

bool parse_number(std::string_view s, size_t* pos, int64_t* out) {
  size_t i = *pos;
  int64_t v = 0;
  while (i < s.size() && is_digit(s[i])) v = v * 10 + (s[i++] - '0');
  if (i == *pos) return false;
  *pos = i;
  *out = v;
  return true;
}

}  // namespace

bool parse_syslog_line(std::string_view line, SyslogLine* out) {
  *out = SyslogLine();
  size_t n = bsd_time_length(line);
  if (n == 0) {
    n = iso_time_length(line);
    if (n == 0) return false;
    out->iso_time = true;
  }
  out->time = line.substr(0, n);
  if (n >= line.size() || line[n] != ' ') return false;
  size_t host_start = n + 1;
  size_t host_end = line.find(' ', host_start);
  if (host_end == std::string_view::npos || host_end == host_start) return false;
  out->host = line.substr(host_start, host_end - host_start);
  // The tag: "postgres[123]:" (any program name), or "postgres:" without a pid.
  size_t tag_start = host_end + 1;
  size_t colon = line.find(": ", tag_start);
  if (colon == std::string_view::npos) {
    if (line.size() > tag_start && line.back() == ':') colon = line.size() - 1;
    else return false;
  }
  std::string_view tag = line.substr(tag_start, colon - tag_start);
  if (tag.empty() || tag.find(' ') != std::string_view::npos) return false;
  if (tag.back() == ']') {
    size_t open = tag.rfind('[');
    if (open == std::string_view::npos) return false;
    size_t p = open + 1;
    if (!parse_number(tag, &p, &out->pid) || p != tag.size() - 1) return false;
    tag = tag.substr(0, open);
  }
  out->tag = tag;
  size_t pos = colon + 2;
  std::string_view rest = pos <= line.size() ? line.substr(pos) : std::string_view();
  // "[N-M] " (syslog_sequence_numbers on) or "[M] " (off).
  if (!rest.empty() && rest[0] == '[') {
    size_t p = 1;
    int64_t a, b;
    if (parse_number(rest, &p, &a)) {
      if (p < rest.size() && rest[p] == '-' && (++p, parse_number(rest, &p, &b)) &&
          p < rest.size() && rest[p] == ']') {
        out->seq = a;
        out->chunk = b;
        rest.remove_prefix(p + 1);
      } else if (p < rest.size() && rest[p] == ']') {
        out->chunk = a;
        rest.remove_prefix(p + 1);
      }
      if (out->chunk >= 0 && !rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    }
  }
  out->text = rest;
  return true;
}

bool is_postgres_tag(std::string_view tag) {
  return tag.compare(0, 8, "postgres") == 0 || tag.compare(0, 10, "postmaster") == 0;
}

std::string_view syslog_unescape(std::string_view text, std::string* buf) {
  size_t at = text.find("#011");
  if (at == std::string_view::npos) return text;
  buf->clear();
  size_t from = 0;
  for (; at != std::string_view::npos; at = text.find("#011", from)) {
    buf->append(text.data() + from, at - from);
    buf->push_back('\t');
    from = at + 4;
  }
  buf->append(text.data() + from, text.size() - from);
  return *buf;
}

}  // namespace pgtail
