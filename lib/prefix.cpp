#include "prefix.hpp"

#include <cstdio>
#include <cstdlib>
#include <strings.h>
#include <cstring>
#include <fstream>

namespace pgtail {

namespace {

constexpr size_t kUnset = static_cast<size_t>(-1);
/// How far a free-text field (user, application, ...) may reach for the text
/// that follows it; a longer value means the line is not ours.
constexpr size_t kMaxFreeField = 1024;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

size_t skip_digits(std::string_view s, size_t pos) {
  while (pos < s.size() && is_digit(s[pos])) ++pos;
  return pos;
}

/// "YYYY-MM-DD HH:MM:SS" at pos.
bool date_time_at(std::string_view s, size_t pos) {
  if (s.size() - pos < 19) return false;
  const char* p = s.data() + pos;
  if (p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (!is_digit(p[i])) return false;
  return true;
}

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/// A zone after a time: " CEST", " UTC", " +03", " -0330", " +05:30".
/// Returns the end (pos itself when there is none).
size_t skip_zone(std::string_view s, size_t pos) {
  if (pos + 1 >= s.size() || s[pos] != ' ') return pos;
  size_t e = pos + 1;
  if (is_alpha(s[e])) {
    while (e < s.size() && (is_alpha(s[e]) || is_digit(s[e]) || s[e] == '+' || s[e] == '-')) ++e;
    return e;
  }
  if (s[e] != '+' && s[e] != '-') return pos;
  size_t d = skip_digits(s, e + 1);
  if (d == e + 1) return pos;
  if (d < s.size() && s[d] == ':' && skip_digits(s, d + 1) == d + 3) d += 3;
  return d;
}

bool is_free_text(char escape) {
  switch (escape) {
    case 'a': case 'u': case 'd': case 'r': case 'h': case 'L': case 'b': case 'i': return true;
    default: return false;
  }
}

bool parse_int(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  bool neg = s[0] == '-';
  size_t i = neg ? 1 : 0;
  if (i == s.size()) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!is_digit(s[i])) return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  *out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

bool Prefix::compile(std::string_view spec, Prefix* out, std::string* err) {
  Prefix p;
  p.spec_ = std::string(spec);
  auto add_literal = [&p](std::string_view text) {
    if (!p.tokens_.empty() && p.tokens_.back().escape == 0)
      p.tokens_.back().text.append(text);
    else
      p.tokens_.push_back(PrefixToken{0, 0, std::string(text)});
  };
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] != '%') {
      add_literal(spec.substr(i, 1));
      continue;
    }
    size_t j = i + 1;
    bool left = j < spec.size() && spec[j] == '-';
    if (left) ++j;
    size_t digits_end = skip_digits(spec, j);
    int width = 0;
    for (size_t k = j; k < digits_end; ++k) width = width * 10 + (spec[k] - '0');
    if (digits_end >= spec.size()) {
      *err = "log_line_prefix ends in an incomplete escape: '" + std::string(spec.substr(i)) + "'";
      return false;
    }
    char c = spec[digits_end];
    i = digits_end;
    if (c == '%') {
      add_literal("%");
    } else if (std::strchr("audrhLbpPtmnieclsvxqQ", c)) {
      p.tokens_.push_back(PrefixToken{c, left ? -width : width, {}});
    } else {
      // The server prints nothing for an escape it does not know; so do we.
    }
  }
  *out = std::move(p);
  return true;
}

PrefixMatcher::PrefixMatcher(const Prefix& prefix, ZoneResolver& zones)
    : prefix_(prefix), zones_(zones), captures_(prefix.tokens().size()) {}

bool PrefixMatcher::match(std::string_view line, Event* ev, PrefixMatch* m, std::string* warning) {
  for (Capture& c : captures_) c.begin = kUnset;
  stop_ = captures_.size();
  if (!match_from(line, 0, 0, m)) return false;
  store(line, ev, warning);
  return true;
}

size_t PrefixMatcher::literal_bytes() const {
  size_t n = 0;
  const std::vector<PrefixToken>& tokens = prefix_.tokens();
  for (size_t i = 0; i < stop_ && i < tokens.size(); ++i)
    if (tokens[i].escape == 0) n += tokens[i].text.size();
  return n;
}

bool PrefixMatcher::finish_at(std::string_view line, size_t pos, PrefixMatch* m) {
  size_t consumed = 0;
  m->word = parse_line_word(line.substr(pos), &m->level, &consumed);
  if (m->word == Word::kNone) return false;
  m->text_start = pos + consumed;
  return true;
}

bool PrefixMatcher::match_field(const PrefixToken& t, std::string_view s, size_t pos,
                                size_t* end) const {
  size_t start = pos;
  if (t.padding > 0)  // right-justified: spaces first
    while (pos < s.size() && s[pos] == ' ' && pos - start < static_cast<size_t>(t.padding)) ++pos;
  size_t e = pos;
  switch (t.escape) {
    case 'p':
    case 'l':
    case 'x':
      e = skip_digits(s, pos);
      if (e == pos) return false;
      break;
    case 'P':
      e = skip_digits(s, pos);
      break;
    case 'Q':
      if (e < s.size() && s[e] == '-') ++e;
      e = skip_digits(s, e);
      break;
    case 'e':
      for (; e < s.size() && e - pos < 5 && (is_digit(s[e]) || (s[e] >= 'A' && s[e] <= 'Z')); ++e) {
      }
      if (e - pos != 5) return false;
      break;
    case 'c':
      while (e < s.size() && is_hex(s[e])) ++e;
      if (e == pos || e >= s.size() || s[e] != '.') return false;
      ++e;
      while (e < s.size() && is_hex(s[e])) ++e;
      break;
    case 'v':
      while (e < s.size() && (is_digit(s[e]) || s[e] == '/' || s[e] == '-')) ++e;
      break;
    case 'n':
      e = skip_digits(s, pos);
      if (e == pos) return false;
      if (e < s.size() && s[e] == '.') e = skip_digits(s, e + 1);
      break;
    case 't':
    case 's':
    case 'm':
      if (!date_time_at(s, pos)) return false;
      e = pos + 19;
      if (t.escape == 'm') {
        if (e >= s.size() || s[e] != '.') return false;
        e = skip_digits(s, e + 1);
      } else if (e < s.size() && s[e] == '.') {
        e = skip_digits(s, e + 1);  // tolerate fractions where %t was expected
      }
      e = skip_zone(s, e);
      break;
    default:
      return false;
  }
  if (t.padding < 0)  // left-justified: spaces after, up to the width
    while (e < s.size() && s[e] == ' ' && e - start < static_cast<size_t>(-t.padding)) ++e;
  *end = e;
  return true;
}

bool PrefixMatcher::match_from(std::string_view line, size_t tok, size_t pos, PrefixMatch* m) {
  const std::vector<PrefixToken>& tokens = prefix_.tokens();
  if (tok == tokens.size()) return finish_at(line, pos, m);
  const PrefixToken& t = tokens[tok];
  if (t.escape == 0) {
    if (line.compare(pos, t.text.size(), t.text) != 0) return false;
    return match_from(line, tok + 1, pos + t.text.size(), m);
  }
  if (t.escape == 'q') {
    // Processes without a session (checkpointer, ...) stop the prefix here.
    if (finish_at(line, pos, m)) {
      for (size_t k = tok; k < captures_.size(); ++k) captures_[k].begin = kUnset;
      stop_ = tok;
      return true;
    }
    return match_from(line, tok + 1, pos, m);
  }
  if (!is_free_text(t.escape)) {
    size_t end;
    if (!match_field(t, line, pos, &end)) return false;
    captures_[tok] = {pos, end};
    return match_from(line, tok + 1, end, m);
  }
  // Free text ends where what follows it matches: try the nearest first. A
  // padded field is at least as wide as its padding, spaces included.
  size_t next = tok + 1;
  while (next < tokens.size() && tokens[next].escape == 'q') ++next;
  size_t limit = std::min(line.size(), pos + kMaxFreeField);
  size_t first = std::min(limit, pos + static_cast<size_t>(std::abs(t.padding)));
  if (next < tokens.size() && tokens[next].escape == 0) {
    const std::string& lit = tokens[next].text;
    // %r is "host(port)" for a TCP client, and an IPv6 host has colons of its
    // own: an end right after "(port)" is tried before the others.
    for (int pass = t.escape == 'r' ? 0 : 1; pass < 2; ++pass) {
      for (size_t q = line.find(lit, first); q != std::string_view::npos && q <= limit;
           q = line.find(lit, q + 1)) {
        if (pass == 0 && (q == pos || line[q - 1] != ')')) continue;
        captures_[tok] = {pos, q};
        if (match_from(line, tok + 1, q, m)) return true;
      }
    }
    return false;
  }
  for (size_t q = first; q <= limit; ++q) {
    captures_[tok] = {pos, q};
    if (match_from(line, tok + 1, q, m)) return true;
  }
  return false;
}

bool PrefixMatcher::parse_time(std::string_view text, int64_t* ms, std::string* warning) {
  if (last_time_ok_ && text == last_time_text_) {
    *ms = last_time_ms_;
    return true;
  }
  std::string err;
  if (!parse_pg_timestamp(text, zones_, ms, &err)) {
    if (warning) *warning = err;
    return false;
  }
  last_time_text_.assign(text.data(), text.size());
  last_time_ms_ = *ms;
  last_time_ok_ = true;
  return true;
}

void PrefixMatcher::store(std::string_view line, Event* ev, std::string* warning) {
  const std::vector<PrefixToken>& tokens = prefix_.tokens();
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Capture& c = captures_[i];
    if (c.begin == kUnset || tokens[i].escape == 0) continue;
    std::string_view v = line.substr(c.begin, c.end - c.begin);
    if (tokens[i].padding != 0) v = trim_spaces(v);
    if (v.empty()) continue;
    int64_t n, ms;
    switch (tokens[i].escape) {
      case 'a': set_text(ev->application, v.data(), v.size()); break;
      case 'u': set_text(ev->user, v.data(), v.size()); break;
      case 'd': set_text(ev->database, v.data(), v.size()); break;
      case 'h': set_text(ev->remote_host, v.data(), v.size()); break;
      case 'L': set_text(ev->local_address, v.data(), v.size()); break;
      case 'b': set_text(ev->backend_type, v.data(), v.size()); break;
      case 'i': set_text(ev->command_tag, v.data(), v.size()); break;
      case 'e': ev->sqlstate.assign(v.data(), v.size()); break;
      case 'c': ev->session_id.assign(v.data(), v.size()); break;
      case 'v': ev->vxid.assign(v.data(), v.size()); break;
      case 'r': {
        // "host(port)" for TCP, "[local]" for a Unix socket.
        size_t open = v.rfind('(');
        if (v.back() == ')' && open != std::string_view::npos &&
            parse_int(v.substr(open + 1, v.size() - open - 2), &n)) {
          ev->remote_port = n;
          v = v.substr(0, open);
        }
        set_text(ev->remote_host, v.data(), v.size());
        break;
      }
      case 'p': if (parse_int(v, &n)) ev->pid = n; break;
      case 'P': if (parse_int(v, &n)) ev->leader_pid = n; break;
      case 'l': if (parse_int(v, &n)) ev->line_num = n; break;
      case 'x': if (parse_int(v, &n)) ev->xid = n; break;
      case 'Q': if (parse_int(v, &n)) ev->query_id = n; break;
      case 't':
      case 'm':
        if (parse_time(v, &ms, warning)) ev->time_ms = ms;
        break;
      case 'n':
        if (parse_epoch_timestamp(v, &ms)) ev->time_ms = ms;
        break;
      case 's': {
        std::string err;
        if (parse_pg_timestamp(v, zones_, &ms, &err))
          ev->session_start_ms = ms;
        else if (warning)
          *warning = err;
        break;
      }
    }
  }
}

bool prefix_from_config(const std::string& path, std::string* prefix, std::string* err) {
  std::ifstream in(path);
  if (!in) {
    *err = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  std::string line;
  bool found = false;
  while (std::getline(in, line)) {
    size_t i = line.find_first_not_of(" \t");
    // Parameter names are case-insensitive in postgresql.conf.
    if (i == std::string::npos || strncasecmp(line.c_str() + i, "log_line_prefix", 15) != 0) continue;
    i += 15;
    i = line.find_first_not_of(" \t", i);
    if (i != std::string::npos && line[i] == '=') i = line.find_first_not_of(" \t", i + 1);
    if (i == std::string::npos) continue;
    std::string value;
    if (line[i] == '\'') {
      // A quoted value: '' and \' are quotes, other backslash escapes as in
      // the server's config lexer.
      bool closed = false;
      for (size_t k = i + 1; k < line.size(); ++k) {
        char c = line[k];
        if (c == '\'' && k + 1 < line.size() && line[k + 1] == '\'') {
          value += '\'';
          ++k;
        } else if (c == '\'') {
          closed = true;
          break;
        } else if (c == '\\' && k + 1 < line.size()) {
          char n = line[++k];
          value += n == 'n' ? '\n' : n == 't' ? '\t' : n;
        } else {
          value += c;
        }
      }
      if (!closed) continue;
    } else {
      size_t end = line.find_first_of(" \t#", i);
      value = line.substr(i, end == std::string::npos ? std::string::npos : end - i);
    }
    *prefix = value;
    found = true;
  }
  if (!found) {
    *err = path + ": no log_line_prefix setting (the server default is '%m [%p] ')";
    return false;
  }
  return true;
}

}  // namespace pgtail
