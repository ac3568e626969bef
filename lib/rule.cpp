#include "rule.hpp"

#include <cctype>
#include <memory>

#include <re2/re2.h>

#include "duration.hpp"
#include "severity.hpp"
#include "suggest.hpp"

namespace pgtail {

namespace {

constexpr int64_t kMaxThreshold = 100000;  // the rate window keeps threshold+1 times per key
constexpr const char* kCondition = "a level, /pattern/, field~/pattern/ or sqlstate:CODE";

uint32_t bit(Level l) { return 1u << static_cast<unsigned>(l); }
constexpr uint32_t kErrors = (1u << static_cast<unsigned>(Level::kError)) |
                             (1u << static_cast<unsigned>(Level::kFatal)) |
                             (1u << static_cast<unsigned>(Level::kPanic));

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

/// Recursive descent over the rule text; every error names a 1-based column.
class Parser {
 public:
  Parser(std::string_view text, std::string* err) : s_(text), err_(err) {}

  bool rule(Rule* out) {
    skip_ws();
    if (s_.substr(i_, 5) == "rate:") i_ += 5;
    skip_ws();
    if (at_end()) return fail("empty rule: expected " + std::string(kCondition));
    if (peek() == '>' && peek(1) != '=') return fail("expected a condition before '>' (as in errors > 50/min)");
    for (;;) {
      Condition c;
      if (!condition(&c)) return false;
      out->conditions.push_back(std::move(c));
      skip_ws();
      if (at_end()) return true;
      size_t start = i_;
      std::string_view w = word();
      if (iequals(w, "and")) {
        skip_ws();
        if (at_end() || (peek() == '>' && peek(1) != '=')) return fail("expected " + std::string(kCondition) + " after 'and'");
        continue;
      }
      i_ = start;
      if (peek() == '>' && peek(1) != '=') return rate(out);
      if (iequals(w, "or"))
        return fail("'or' is not supported: give each alternative as a rule of its own (another -r, or another on = line)");
      return fail("expected 'and', '> N/PERIOD' or the end of the rule, found '" + std::string(w) + "'");
    }
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  char peek(size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  void skip_ws() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  std::string_view word() {
    size_t start = i_;
    while (!at_end() && !std::isspace(static_cast<unsigned char>(s_[i_])) && s_[i_] != ',') ++i_;
    return s_.substr(start, i_ - start);
  }
  std::string_view ident() {
    size_t start = i_;
    while (!at_end() && ident_char(s_[i_])) ++i_;
    return s_.substr(start, i_ - start);
  }
  bool fail(const std::string& what) { return fail_at(i_, what); }
  bool fail_at(size_t pos, const std::string& what) {
    *err_ = "at column " + std::to_string(pos + 1) + ": " + what;
    return false;
  }

  bool condition(Condition* c) {
    if (peek() == '!' && peek(1) != '~') {
      c->negate = true;
      ++i_;
    }
    if (peek() == '/') return pattern(c);
    if (peek() == '>' && peek(1) == '=') return threshold(c);
    size_t start = i_;
    std::string_view id = ident();
    if (peek() == ':' ) {
      ++i_;
      if (iequals(id, "sqlstate")) return sqlstate(c);
      if (iequals(id, "level")) return peek() == '>' ? threshold(c) : levels(c);
      if (iequals(id, "pattern")) {
        if (peek() == '/') return pattern(c);
        size_t fstart = i_;
        std::string_view f = ident();
        return field_pattern(c, f, fstart);
      }
      return fail_at(start, "unknown condition '" + std::string(id) + ":' (sqlstate:, level: or pattern:)");
    }
    if (peek() == '~' || (peek() == '!' && peek(1) == '~')) return field_pattern(c, id, start);
    i_ = start;
    return levels(c);
  }

  bool field_pattern(Condition* c, std::string_view name, size_t start) {
    if (!parse_field_name(name, &c->field)) {
      std::vector<std::string_view> names(field_names(), field_names() + kFieldCount);
      std::string hint = did_you_mean(name, names);
      if (!hint.empty()) return fail_at(start, "unknown event field '" + std::string(name) + "'" + hint);
      std::string known;
      for (const char* const* n = field_names(); *n; ++n) known += (known.empty() ? "" : ", ") + std::string(*n);
      return fail_at(start, "unknown event field '" + std::string(name) + "' (" + known + ")");
    }
    if (peek() == '!') {
      if (c->negate) return fail("'!' twice");
      c->negate = true;
      ++i_;
    }
    if (peek() != '~') return fail("expected '~' or '!~' after the field name");
    ++i_;
    if (peek() != '/') return fail("expected /pattern/ after '~'");
    return pattern(c);
  }

  bool pattern(Condition* c) {
    c->kind = Condition::Kind::kPattern;
    size_t open = i_++;
    std::string re;
    for (;;) {
      if (at_end()) return fail_at(open, "pattern not closed: expected '/' at the end");
      char ch = s_[i_++];
      if (ch == '/') break;
      if (ch == '\\' && peek() == '/') {
        re += '/';
        ++i_;
        continue;
      }
      re += ch;
      if (ch == '\\' && !at_end()) re += s_[i_++];
    }
    if (re.empty()) return fail_at(open, "empty pattern");
    while (std::isalpha(static_cast<unsigned char>(peek()))) {
      if (peek() != 'i') return fail("unknown pattern flag '" + std::string(1, peek()) + "' (only i: ignore case)");
      c->icase = true;
      ++i_;
    }
    RE2::Options opt;
    opt.set_log_errors(false);
    opt.set_case_sensitive(!c->icase);
    RE2 compiled(re, opt);
    if (!compiled.ok()) return fail_at(open + 1, "bad pattern /" + re + "/: " + compiled.error());
    c->pattern = std::move(re);
    return true;
  }

  bool threshold(Condition* c) {
    size_t start = i_;
    i_ += 2;
    skip_ws();
    std::string_view w = ident();
    Level l = parse_level_name(w);
    if (l == Level::kNone) return fail_at(start, "expected a level after '>=' (as in >=WARNING)");
    for (unsigned v = static_cast<unsigned>(l); v <= static_cast<unsigned>(Level::kPanic); ++v) c->level_mask |= 1u << v;
    c->level_words.push_back(">=" + std::string(level_name(l)));
    return true;
  }

  /// One or more level words, separated by spaces or commas: "FATAL PANIC".
  bool levels(Condition* c) {
    for (;;) {
      size_t start = i_;
      std::string_view w = ident();
      if (w.empty()) return fail("expected " + std::string(kCondition));
      Level l = parse_level_name(w);
      if (iequals(w, "errors")) {
        c->level_mask |= kErrors;
        c->level_words.push_back("errors");
      } else if (l != Level::kNone) {
        c->level_mask |= bit(l);
        c->level_words.emplace_back(level_name(l));
      } else if (c->level_words.empty()) {
        std::string hint = did_you_mean(w, {"FATAL", "PANIC", "ERROR", "errors", "WARNING", "NOTICE", "LOG", "INFO",
                                            "DEBUG1", "DEBUG2", "DEBUG3", "DEBUG4", "DEBUG5", "sqlstate", "level"});
        if (!hint.empty()) return fail_at(start, "unknown level '" + std::string(w) + "'" + hint);
        return fail_at(start, "unknown level '" + std::string(w) + "': expected " + kCondition +
                                  " (levels: DEBUG5..DEBUG1, INFO, LOG, NOTICE, WARNING, ERROR, FATAL, PANIC, errors)");
      } else {
        i_ = start;
        return true;
      }
      size_t after = i_;
      skip_ws();
      if (peek() == ',') {
        ++i_;
        skip_ws();
        continue;
      }
      if (!std::isalpha(static_cast<unsigned char>(peek()))) {
        i_ = after;
        return true;
      }
      size_t next = i_;
      std::string_view nw = ident();
      bool more = iequals(nw, "errors") || parse_level_name(nw) != Level::kNone;
      i_ = more ? next : after;
      if (!more) return true;
    }
  }

  bool sqlstate(Condition* c) {
    c->kind = Condition::Kind::kSqlstate;
    for (;;) {
      size_t start = i_;
      std::string code;
      while (!at_end() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '*'))
        code += static_cast<char>(std::toupper(static_cast<unsigned char>(s_[i_++])));
      size_t star = code.find('*');
      bool whole = code.size() == 5 && star == std::string::npos;
      bool prefix = star == code.size() - 1 && code.size() >= 3 && code.size() <= 5;
      if (!whole && !prefix)
        return fail_at(start, "expected a SQLSTATE (5 characters, as in 53300) or a class (as in 53* or 57P*)");
      c->sqlstates.push_back(code);
      size_t after = i_;
      skip_ws();
      if (peek() != ',') {
        i_ = after;
        return true;
      }
      ++i_;
      skip_ws();
    }
  }

  bool rate(Rule* out) {
    ++i_;  // '>'
    skip_ws();
    size_t start = i_;
    while (!at_end() && std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
    std::string n(s_.substr(start, i_ - start));
    skip_ws();
    if (n.empty() || peek() != '/') return fail_at(start, "expected N/PERIOD after '>' (as in 50/min or 5/10s)");
    ++i_;
    skip_ws();
    size_t pstart = i_;
    std::string_view per = word();
    PerPeriod pp;
    std::string e;
    if (!parse_per_period(n + "/" + std::string(per), &pp, &e, false)) return fail_at(pstart, e);
    if (pp.count > kMaxThreshold) return fail_at(start, "a rate threshold above " + std::to_string(kMaxThreshold) + " is not supported");
    out->has_rate = true;
    out->rate.threshold = pp.count;
    out->rate.window_ms = pp.period_ms;
    out->rate.per = std::string(per);
    skip_ws();
    if (at_end()) return true;
    size_t bstart = i_;
    if (!iequals(word(), "by")) return fail_at(bstart, "expected 'by FIELD' or the end of the rule after the rate");
    for (;;) {
      skip_ws();
      size_t fstart = i_;
      std::string_view f = ident();
      Field field;
      if (f.empty() || !parse_field_name(f, &field))
        return fail_at(fstart, "expected an event field after 'by' (database, user, sqlstate, application, …)");
      out->rate.by.push_back(field);
      skip_ws();
      if (peek() != ',') break;
      ++i_;
    }
    size_t rest = i_;
    if (!at_end()) return fail_at(rest, "expected the end of the rule, found '" + std::string(word()) + "'");
    return true;
  }

  std::string_view s_;
  std::string* err_;
  size_t i_ = 0;
};

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string slashed(const Condition& c) {
  std::string out = "/";
  for (char ch : c.pattern) out += ch == '/' ? std::string("\\/") : std::string(1, ch);
  return out + (c.icase ? "/i" : "/");
}

std::string field_prefix(const Condition& c) {
  return c.field == Field::kMessage ? std::string() : std::string(field_name(c.field)) + (c.negate ? "!~" : "~");
}

}  // namespace

std::string Condition::canonical() const {
  switch (kind) {
    case Kind::kLevels: return (negate ? "!" : "") + std::string("level:") + join(level_words, ",");
    case Kind::kSqlstate: return (negate ? "!" : "") + std::string("sqlstate:") + join(sqlstates, ",");
    case Kind::kPattern:
      if (field != Field::kMessage) return "pattern:" + field_prefix(*this) + slashed(*this);
      return (negate ? "!" : "") + std::string("pattern:") + slashed(*this);
  }
  return {};
}

std::string Condition::text() const {
  switch (kind) {
    case Kind::kLevels: return (negate ? "!" : "") + join(level_words, ", ");
    case Kind::kSqlstate: return (negate ? "!" : "") + std::string("sqlstate:") + join(sqlstates, ",");
    case Kind::kPattern:
      if (field != Field::kMessage) return field_prefix(*this) + slashed(*this);
      return (negate ? "!" : "") + slashed(*this);
  }
  return {};
}

std::string Rule::text() const {
  std::string out;
  for (const Condition& c : conditions) out += (out.empty() ? "" : " and ") + c.text();
  if (has_rate) {
    out += " > " + std::to_string(rate.threshold) + "/" + rate.per;
    for (size_t i = 0; i < rate.by.size(); ++i) out += (i ? "," : " by ") + std::string(field_name(rate.by[i]));
  }
  return out;
}

std::string Rule::canonical() const {
  if (has_rate) return "rate:" + text();
  std::string out;
  for (const Condition& c : conditions) out += (out.empty() ? "" : " and ") + c.canonical();
  return out;
}

bool parse_rule(std::string_view text, Rule* out, std::string* err) {
  *out = Rule();
  return Parser(text, err).rule(out);
}

}  // namespace pgtail
