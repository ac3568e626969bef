#include "chat_message.hpp"

#include <algorithm>
#include <cstring>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "duration.hpp"
#include "timestamp.hpp"
#include "utf8.hpp"

namespace pgtail {

namespace {

constexpr size_t kMaxKeyFields = 5;     ///< a rate's key fields shown; pg-match's `by` names a few at most
constexpr size_t kMaxTopMessages = 10;  ///< suppressed: top messages listed
constexpr size_t kTopMessageChars = 300;
constexpr size_t kNameChars = 64;  ///< a key field's name, as shown
/// A short fact (an instance, a database, a user: PostgreSQL's names have at
/// most 63 bytes) is cut here, so that a hostile one leaves room for the message.
constexpr size_t kShortChars = 256;

bool blank(std::string_view s) {
  for (char c : s)  // nearly always decided by the first character
    if (c != ' ' && c != '\t' && c != '\n') return false;
  return true;
}

/// True when `s` is printable ASCII only: display_text() leaves it as it is.
/// Nearly every log text is; checking that first spares the full check.
bool printable_ascii(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
#ifdef __SSE2__
  const __m128i low = _mm_set1_epi8(0x1F), del = _mm_set1_epi8(0x7F);
  // Signed: bytes from 0x80 are negative, so not above 0x1F either.
  auto printable = [&](const char* at) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    return _mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(v, low), _mm_cmplt_epi8(v, del))) == 0xFFFF;
  };
  if (s.size() < 16) {  // short texts: one load, padded with a printable byte
    char pad[16];
    std::memset(pad, 'a', sizeof pad);
    std::memcpy(pad, s.data(), s.size());
    return printable(pad);
  }
  for (; end - p >= 16; p += 16)
    if (!printable(p)) return false;
  // The last bytes as the last sixteen, overlapping those seen.
  return p == end || printable(end - 16);
#endif
  for (; p < end; ++p)
    if (static_cast<unsigned char>(*p) < 0x20 || static_cast<unsigned char>(*p) >= 0x7F) return false;
  return true;
}

/// display_text() in place.
void clean(std::string* s) {
  if (!printable_ascii(*s)) *s = display_text(*s);
}

void add(std::vector<ChatFact>* facts, std::string_view name, std::string&& value, bool wide = false,
         bool code = false) {
  if (value.empty()) return;  // an absent field, most often
  std::string v = std::move(value);
  clean(&v);
  if (blank(v)) return;
  // Bytes are never fewer than characters: only a longer text may need cutting.
  if (!wide && v.size() > kShortChars) v = truncate_chars(v, kShortChars);
  facts->push_back({std::string(name), std::move(v), wide, code});
}

void add(std::vector<ChatFact>* facts, std::string_view name, std::string_view value, bool wide = false,
         bool code = false) {
  if (!value.empty()) add(facts, name, std::string(value), wide, code);
}

const rapidjson::Value* member(const Alert& a, const char* name) {
  auto it = a.event->FindMember(name);
  return it == a.event->MemberEnd() ? nullptr : &it->value;
}

/// "2024-01-15 10:23:45.123 UTC": the event's time as people read it.
std::string time_text_of(int64_t ms) {
  std::string s;
  s.reserve(32);
  append_rfc3339_ms(ms, &s);
  size_t t = s.find('T');
  if (t != std::string::npos) s[t] = ' ';
  if (!s.empty() && s.back() == 'Z') s.replace(s.size() - 1, 1, " UTC");
  return s;
}

/// time_text_of(), the date and time of day kept from the last call: events
/// come many to a second.
std::string time_text(int64_t ms) {
  thread_local int64_t second = -1;
  thread_local std::string text;
  if (ms < 0) return time_text_of(ms);
  if (ms / 1000 != second) {
    second = ms / 1000;
    text = time_text_of(second * 1000);
  }
  std::string out = text;
  int frac = static_cast<int>(ms % 1000);
  if (out.size() < 27 || out[out.size() - 8] != '.') return time_text_of(ms);
  char* p = &out[out.size() - 7];  // the milliseconds before " UTC"
  p[0] = static_cast<char>('0' + frac / 100);
  p[1] = static_cast<char>('0' + frac / 10 % 10);
  p[2] = static_cast<char>('0' + frac % 10);
  return out;
}

/// An event time field ("first_timestamp") as time_text(), or as written when it is not RFC 3339.
std::string time_field(const Alert& a, const char* name) {
  std::string v = a.field(name);
  int64_t ms;
  return !v.empty() && parse_iso8601(v, &ms) ? time_text(ms) : v;
}

int64_t whole_ms(const Alert& a, const char* seconds_field) {
  const rapidjson::Value* v = member(a, seconds_field);
  if (!v || !v->IsNumber()) return 0;
  double s = v->GetDouble();
  return s > 0 && s < 1e12 ? static_cast<int64_t>(s * 1000 + 0.5) : 0;
}

/// "database" -> "Database", "sqlstate" -> "SQLSTATE", "remote_host" -> "Remote host".
std::string field_title(std::string_view name) {
  if (name == "sqlstate") return "SQLSTATE";
  if (name == "pid") return "PID";
  std::string t = display_text(name.substr(0, kNameChars));
  std::replace(t.begin(), t.end(), '_', ' ');
  if (!t.empty() && t[0] >= 'a' && t[0] <= 'z') t[0] = static_cast<char>(t[0] - 'a' + 'A');
  return t;
}

std::string scalar_text(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsDouble()) return std::to_string(v.GetDouble());
  return {};
}

/// The event fields a log entry shows, in their order.
enum LogField { kDatabase, kUser, kPid, kDetail, kHint, kContext, kStatement, kQuery, kLogFields };

/// Which LogField a member name is, or kLogFields.
int log_field(std::string_view n) {
  switch (n.size()) {
    case 3: return n == "pid" ? kPid : kLogFields;
    case 4: return n == "user" ? kUser : n == "hint" ? kHint : kLogFields;
    case 5: return n == "query" ? kQuery : kLogFields;
    case 6: return n == "detail" ? kDetail : kLogFields;
    case 7: return n == "context" ? kContext : kLogFields;
    case 8: return n == "database" ? kDatabase : kLogFields;
    case 9: return n == "statement" ? kStatement : kLogFields;
    default: return kLogFields;
  }
}

void add_log_facts(const Alert& a, std::vector<ChatFact>* f) {
  add(f, "Level", a.level);
  add(f, "SQLSTATE", a.sqlstate);
  // One pass over the event's members, not a search for each field; the
  // first of two members of one name counts, as with Alert::field().
  const rapidjson::Value* v[kLogFields] = {};
  for (auto it = a.event->MemberBegin(); it != a.event->MemberEnd(); ++it) {
    int i = log_field({it->name.GetString(), it->name.GetStringLength()});
    if (i != kLogFields && !v[i]) v[i] = &it->value;
  }
  auto text = [&](int i) { return v[i] ? value_text(*v[i]) : std::string(); };
  add(f, "Database", text(kDatabase));
  add(f, "User", text(kUser));
  add(f, "PID", text(kPid));
  add(f, "DETAIL", text(kDetail), true);
  add(f, "HINT", text(kHint), true);
  add(f, "CONTEXT", text(kContext), true);
  add(f, "STATEMENT", text(kStatement), true, true);
  add(f, "QUERY", text(kQuery), true, true);
}

void add_rate_facts(const Alert& a, std::vector<ChatFact>* f) {
  add(f, "Level", a.level);
  add(f, "Count", a.field("count"));
  int64_t window = whole_ms(a, "window_seconds");
  const rapidjson::Value* threshold = member(a, "threshold");
  if (threshold && threshold->IsInt64() && window > 0)
    add(f, "Threshold", format_per_period({threshold->GetInt64(), window}));
  if (window > 0) add(f, "Window", format_duration(window));
  const rapidjson::Value* key = member(a, "key");
  if (key && key->IsObject()) {
    size_t n = 0;
    for (auto it = key->MemberBegin(); it != key->MemberEnd() && n < kMaxKeyFields; ++it, ++n)
      add(f, field_title({it->name.GetString(), it->name.GetStringLength()}), scalar_text(it->value));
  }
  if (a.type == "rate_resolved")
    add(f, "Since", time_field(a, "first_timestamp"));
  else
    add(f, "Sample message", a.field("sample_message"), true);
}

/// "ERROR 30, FATAL 7".
std::string levels_text(const Alert& a) {
  const rapidjson::Value* levels = member(a, "levels");
  std::string out;
  if (!levels || !levels->IsObject()) return out;
  for (auto it = levels->MemberBegin(); it != levels->MemberEnd(); ++it)
    out += (out.empty() ? "" : ", ") + std::string(it->name.GetString(), it->name.GetStringLength()) + " " +
           scalar_text(it->value);
  return out;
}

/// One line per top message: "20× division by zero".
std::string top_messages(const Alert& a) {
  const rapidjson::Value* top = member(a, "top_messages");
  std::string out;
  if (!top || !top->IsArray()) return out;
  size_t n = 0;
  for (const rapidjson::Value& m : top->GetArray()) {
    if (!m.IsObject() || !m.HasMember("message") || !m["message"].IsString() || n++ == kMaxTopMessages) continue;
    std::string_view msg(m["message"].GetString(), m["message"].GetStringLength());
    std::string count = m.HasMember("count") ? scalar_text(m["count"]) : "";
    std::string line = (count.empty() ? "" : count + "\xC3\x97 ") + std::string(msg.substr(0, msg.find('\n')));
    out += (out.empty() ? "" : "\n") + truncate_chars(line, kTopMessageChars);
  }
  return display_text(out);
}

std::string title_of(const Alert& a) {
  std::string_view what = a.type == "rate_threshold"  ? "Rate above threshold"
                          : a.type == "rate_resolved" ? "Rate back below threshold"
                          : a.type == "suppressed"    ? "Events suppressed"
                          : a.type == "log_entry"     ? (a.level.empty() ? "LOG" : a.level)
                                                      : "Log line";
  bool code = a.type == "log_entry" && !a.sqlstate.empty();
  std::string out;
  out.reserve(what.size() + 5 + (code ? 1 + a.sqlstate.size() : 0) + a.instance_display.size());
  out.append(what);
  if (code) out.append(" ").append(a.sqlstate);
  return out.append(" on ").append(a.instance_display);
}

ChatColor color_of(const Alert& a) {
  int u = urgency(a);
  return u >= 3 ? ChatColor::kDanger : u == 2 ? ChatColor::kWarning : ChatColor::kGood;
}

}  // namespace

ChatMessage chat_message(const Alert& a, ChatParts parts) {
  ChatMessage m;
  m.headline = headline(a);
  clean(&m.headline);
  m.summary = summary_line(a);
  clean(&m.summary);
  if (parts.title) {
    m.title = title_of(a);
    clean(&m.title);
  }
  if (parts.text) m.text = display_text(a.message);
  m.footer = a.rule.empty() ? std::string("pgtail") : "pgtail \xC2\xB7 " + std::string(a.rule);
  clean(&m.footer);
  m.color = color_of(a);
  std::vector<ChatFact>& f = m.facts;
  f.reserve(12);  // a log entry's facts, at most
  add(&f, "Instance", a.instance_display);
  if (!a.timestamp.empty()) add(&f, "Time", time_text(a.time_ms));
  if (a.is_rate()) {
    add_rate_facts(a, &f);
  } else if (a.type == "suppressed") {
    add(&f, "Count", a.field("count"));
    int64_t period = whole_ms(a, "period_seconds");
    if (period > 0) add(&f, "Period", format_duration(period));
    add(&f, "Levels", levels_text(a));
    m.more = top_messages(a);
    if (!m.more.empty() && parts.text) m.text += "\n" + m.more;
  } else {
    add_log_facts(a, &f);
    // The lines after the first, cleaned as in the whole text: cleaning
    // keeps every newline and cleans what follows one as it would alone.
    size_t nl = a.message.find('\n');
    if (nl != std::string_view::npos) {
      std::string rest = display_text(a.message.substr(nl + 1));
      if (!blank(rest)) m.more = std::move(rest);
    }
  }
  return m;
}

std::string display_text(std::string_view s) {
  if (printable_ascii(s)) return std::string(s);
  std::string repaired;
  if (!utf8_clean(s)) {
    // RapidJSON decodes a lone low surrogate escape (\udc00) into bytes that
    // are not UTF-8: U+FFFD in their place (and in a NUL's).
    utf8_repair(s, &repaired);
    s = repaired;
  }
  auto is_control = [](unsigned char c) { return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7F; };
  if (std::none_of(s.begin(), s.end(), [&](char c) { return is_control(static_cast<unsigned char>(c)); }))
    return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!is_control(c)) {
      out += static_cast<char>(c);
    } else if (c == '\r' && (i + 1 == s.size() || s[i + 1] == '\n')) {
      continue;  // a CRLF line end
    } else {
      // U+2400 + c (U+2421 for DEL): the control picture, E2 90 80+c in UTF-8.
      out += "\xE2\x90";
      out += static_cast<char>(c == 0x7F ? 0xA1 : 0x80 + c);
    }
  }
  return out;
}

std::string break_fences(std::string_view s) {
  static constexpr std::string_view kZwsp = "\xE2\x80\x8B";
  if (s.find('`') == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size() + 16);
  if (s.front() == '`') out += kZwsp;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '`' && i > 0 && s[i - 1] == '`') out += kZwsp;
    out += s[i];
  }
  if (s.back() == '`') out += kZwsp;
  return out;
}

void fit_texts(const std::vector<FitText*>& texts, size_t total, CutFn cut) {
  thread_local std::vector<size_t> len;  // kept: no allocation per message
  len.assign(texts.size(), 0);
  size_t sum = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    FitText& t = *texts[i];
    // Bytes are never fewer than characters: count those only when they might be too many.
    len[i] = t.text.size() + t.fixed;
    if (len[i] > t.max || len[i] > total) len[i] = count_chars(t.text) + t.fixed;
    if (len[i] > t.max) {
      t.text = cut(t.text, t.max > t.fixed ? t.max - t.fixed : 0);
      len[i] = count_chars(t.text) + t.fixed;
    }
    sum += len[i];
  }
  if (sum <= total) return;
  sum = 0;
  for (size_t i = 0; i < texts.size(); ++i) sum += len[i] = count_chars(texts[i]->text) + texts[i]->fixed;
  if (sum <= total) return;
  // The common length: the shortest texts keep theirs while what is left,
  // shared by the longer ones, still covers them.
  std::vector<size_t> sorted = len;
  std::sort(sorted.begin(), sorted.end());
  size_t budget = total, left = sorted.size(), cap = 0;
  for (size_t l : sorted) {
    if (l * left > budget) {
      cap = budget / left;
      break;
    }
    budget -= l;
    --left;
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    FitText& t = *texts[i];
    if (len[i] > cap) t.text = cut(t.text, cap > t.fixed ? cap - t.fixed : 0);
  }
}

}  // namespace pgtail
