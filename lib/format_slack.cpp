// The slack format: an incoming-webhook message (PLATFORMS.md §1), the
// headline as `text` and one attachment coloured by severity with the facts
// as fields. Every text, log-derived or not, has Slack's three characters
// escaped, so nothing in a log line can become <!channel>, <@U…> or a link;
// `link_names` and `parse` are never sent.
#include <cstring>
#include <utility>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <rapidjson/stringbuffer.h>

#include "chat_message.hpp"
#include "event.hpp"
#include "formats.hpp"

namespace pgtail {

namespace {

// Limits, PLATFORMS.md §1.
constexpr size_t kText = 4000;            ///< `text`: the old guidance (truncated past 40,000)
constexpr size_t kFallback = 300;         ///< a notification line: ours, no documented limit
constexpr size_t kAttachmentText = 3000;  ///< as a section block's text
constexpr size_t kFieldValue = 2000;      ///< as a section block's field
constexpr size_t kFooter = 300;           ///< attachment footer
constexpr size_t kTotal = 12000;          ///< all texts: msg_blocks_too_long was seen at ~13.2k (UNCONFIRMED)
constexpr size_t kFence = 6;              ///< the ``` on both sides of a statement

const char* const kColors[] = {"good", "warning", "danger"};

/// Where the first & < or > of `s` is, or s.size().
size_t first_special(std::string_view s) {
  size_t i = 0;
#ifdef __SSE2__
  // Sixteen bytes at a time: nearly every text has none.
  const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>');
  auto any = [&](size_t at) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, lt)), _mm_cmpeq_epi8(v, gt));
    return _mm_movemask_epi8(hit) != 0;
  };
  if (s.size() < 16) {  // most texts: one padded load
    char pad[16] = {};
    std::memcpy(pad, s.data(), s.size());
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pad));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, lt)), _mm_cmpeq_epi8(v, gt));
    if (!_mm_movemask_epi8(hit)) return s.size();
  }
  while (i + 16 <= s.size() && !any(i)) i += 16;
  // The last bytes as the last sixteen, overlapping those seen.
  if (i < s.size() && s.size() >= 16 && i + 16 > s.size() && !any(s.size() - 16)) return s.size();
#endif
  while (i < s.size() && s[i] != '&' && s[i] != '<' && s[i] != '>') ++i;
  return i;
}

/// Slack's escaping: & < > and nothing else.
std::string escape(std::string&& s) {
  size_t i = first_special(s);
  if (i == s.size()) return std::move(s);
  std::string out(s, 0, i);
  out.reserve(s.size() + 16);
  for (char c : std::string_view(s).substr(i)) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

/// truncate_chars() that does not leave half an entity ("&am…") before the "…".
std::string cut(std::string_view s, size_t max_chars) {
  std::string out = truncate_chars(s, max_chars);
  if (out.size() == s.size()) return out;
  size_t amp = out.rfind('&');
  if (amp != std::string::npos && out.find(';', amp) == std::string::npos)
    out.replace(amp, out.size() - amp, "\xE2\x80\xA6");
  return out;
}

struct Field {
  FitText title, value;
  bool short_ = true, code = false;
};

template <size_t N>
void put(JsonLineWriter& w, const char (&key)[N], const std::string& s) {
  w.Member(key, s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

bool build_slack(const Alert& a, const FormatOptions&, Payload* out, std::string*) {
  ChatParts parts;
  parts.title = parts.text = false;  // the headline and `more` say it
  ChatMessage m = chat_message(a, parts);
  FitText text{escape(std::move(m.headline)), kText}, fallback{escape(std::move(m.summary)), kFallback},
      more{escape(std::move(m.more)), kAttachmentText}, footer{escape(std::move(m.footer)), kFooter};
  // Kept from message to message, as the buffer below: no allocation for them.
  thread_local std::vector<Field> fields;
  thread_local std::vector<FitText*> texts;
  fields.resize(m.facts.size());
  texts.assign({&text, &fallback, &more, &footer});
  for (size_t i = 0; i < m.facts.size(); ++i) {
    ChatFact& f = m.facts[i];
    Field& d = fields[i];
    d.title = {escape(std::move(f.name)), kFieldValue};
    d.value = {f.code ? break_fences(escape(std::move(f.value))) : escape(std::move(f.value)), kFieldValue,
               f.code ? kFence : 0};
    d.short_ = !f.wide;
    d.code = f.code;
    texts.push_back(&d.title);
    texts.push_back(&d.value);
  }
  fit_texts(texts, kTotal, cut);

  thread_local rapidjson::StringBuffer b;
  thread_local JsonLineWriter w;
  b.Clear();
  w.Reset(b);
  w.StartObject();
  put(w, "text", text.text);
  w.LiteralKey("attachments");
  w.StartArray();
  w.StartObject();
  put(w, "fallback", fallback.text);
  put(w, "color", kColors[static_cast<int>(m.color)]);
  if (!more.text.empty()) put(w, "text", more.text);
  w.LiteralKey("fields");
  w.StartArray();
  for (const Field& f : fields) {
    w.StartObject();
    put(w, "title", f.title.text);
    if (f.code)
      put(w, "value", "```" + f.value.text + "```");
    else
      put(w, "value", f.value.text);
    w.LiteralKey("short");
    w.Bool(f.short_);
    w.EndObject();
  }
  w.EndArray();
  put(w, "footer", footer.text);
  if (!a.timestamp.empty()) {
    w.LiteralKey("ts");
    w.Int64(a.time_ms >= 0 ? a.time_ms / 1000 : -((999 - a.time_ms) / 1000));
  }
  // Fields carry the statement's code block; the attachment text stays plain.
  w.LiteralKey("mrkdwn_in");
  w.StartArray();
  w.String("fields", 6);
  w.EndArray();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  out->body.assign(b.GetString(), b.GetSize());
  return true;
}

}  // namespace pgtail
