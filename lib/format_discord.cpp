// The discord format: an Execute Webhook body (PLATFORMS.md §2) with the
// headline as `content` and one embed coloured by severity, every limit kept
// (characters counted as code points). `allowed_mentions` parses nothing, so
// no log line can ping anyone; on top of that @everyone and @here are broken
// with a zero-width space and Markdown in log text is escaped, so what people
// read is what the server logged.
#include <cctype>

#include <rapidjson/stringbuffer.h>

#include "chat_message.hpp"
#include "event.hpp"
#include "formats.hpp"
#include "timestamp.hpp"

namespace pgtail {

namespace {

// Limits, PLATFORMS.md §2 ("Embed Limits").
constexpr size_t kContent = 200;  ///< a short headline (Discord takes 2000)
constexpr size_t kTitle = 256;
constexpr size_t kDescription = 4096;
constexpr size_t kFields = 25;
constexpr size_t kFieldName = 256;
constexpr size_t kFieldValue = 1024;
constexpr size_t kFooter = 2048;
constexpr size_t kTotal = 6000;  ///< title + description + field names and values + footer
constexpr std::string_view kFenceOpen = "```sql\n", kFenceClose = "\n```";

/// Slack's good, warning and danger, as 0xRRGGBB.
const int kColors[] = {0x2EB886, 0xDAA038, 0xA30200};

bool starts_with_word(std::string_view s, size_t at, std::string_view word) {
  if (s.size() - at < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if ((s[at + i] | 0x20) != word[i]) return false;
  return true;
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Whether Discord could read s[i] as Markdown: \ * ` and < (mentions,
/// <t:…> times) anywhere; _ where a word starts or ends (inside one it is
/// no markup); ~~ and || pairs; the ( of a masked link's ](; # > - + where a
/// line starts (headings, quotes, lists).
bool markup(std::string_view s, size_t i, bool line_start) {
  char c = s[i], prev = i > 0 ? s[i - 1] : ' ', next = i + 1 < s.size() ? s[i + 1] : ' ';
  switch (c) {
    case '\\':
    case '*':
    case '`':
    case '<':
      return true;
    case '_':
      return !word_char(prev) || !word_char(next);
    case '~':
    case '|':
      return prev == c || next == c;
    case '(':
      return prev == ']';
    case '#':
    case '>':
    case '-':
    case '+':
      return line_start;
    default:
      return false;
  }
}

/// Copies `s`, with U+200B after each '@' of @everyone or @here (any case),
/// and with `escape_markdown` a backslash before each markup character.
std::string break_mentions(std::string_view s, bool escape_markdown) {
  std::string out;
  out.reserve(s.size() + 16);
  bool line_start = true;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (escape_markdown) {
      if (markup(s, i, line_start)) out += '\\';
      if (c == '\n')
        line_start = true;
      else if (c != ' ' && c != '\t')
        line_start = false;
    }
    out += c;
    if (c == '@' && (starts_with_word(s, i + 1, "everyone") || starts_with_word(s, i + 1, "here")))
      out += "\xE2\x80\x8B";
  }
  return out;
}

std::string markdown(std::string_view s) { return break_mentions(s, true); }

struct Field {
  FitText name, value;
  bool inline_ = true, code = false;
};

template <size_t N>
void put(JsonLineWriter& w, const char (&key)[N], const std::string& s) {
  w.Member(key, s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\n") == std::string::npos; }

void write_fields(JsonLineWriter& w, const std::vector<Field>& fields) {
  w.LiteralKey("fields");
  w.StartArray();
  for (const Field& f : fields) {
    if (blank(f.value.text)) continue;  // cut to nothing: Discord refuses an empty value
    w.StartObject();
    put(w, "name", f.name.text);
    put(w, "value", f.code ? std::string(kFenceOpen) + f.value.text + std::string(kFenceClose) : f.value.text);
    w.LiteralKey("inline");
    w.Bool(f.inline_);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

bool build_discord(const Alert& a, const FormatOptions&, Payload* out, std::string*) {
  ChatMessage m = chat_message(a);
  std::string content = truncate_chars(markdown(m.headline), kContent);
  FitText title{markdown(m.title), kTitle}, description{markdown(m.text), kDescription},
      footer{break_mentions(m.footer, false), kFooter};
  std::vector<Field> fields(std::min(m.facts.size(), kFields));
  std::vector<FitText*> texts = {&title, &description, &footer};
  for (size_t i = 0; i < fields.size(); ++i) {
    const ChatFact& f = m.facts[i];
    Field& d = fields[i];
    d.name = {markdown(f.name), kFieldName};
    d.value = f.code ? FitText{break_fences(break_mentions(f.value, false)), kFieldValue,
                               count_chars(kFenceOpen) + count_chars(kFenceClose)}
                     : FitText{markdown(f.value), kFieldValue};
    d.inline_ = !f.wide;
    d.code = f.code;
    texts.push_back(&d.name);
    texts.push_back(&d.value);
  }
  fit_texts(texts, kTotal, truncate_chars);

  rapidjson::StringBuffer b;
  JsonLineWriter w;
  w.Reset(b);
  w.StartObject();
  put(w, "content", content);
  w.LiteralKey("embeds");
  w.StartArray();
  w.StartObject();
  put(w, "title", title.text);
  if (!blank(description.text)) put(w, "description", description.text);
  w.LiteralKey("color");
  w.Int(kColors[static_cast<int>(m.color)]);
  if (!a.timestamp.empty()) {
    std::string ts;
    append_rfc3339_ms(a.time_ms, &ts);
    put(w, "timestamp", ts);
  }
  write_fields(w, fields);
  w.LiteralKey("footer");
  w.StartObject();
  put(w, "text", footer.text);
  w.EndObject();
  w.EndObject();
  w.EndArray();
  w.LiteralKey("allowed_mentions");
  w.StartObject();
  w.LiteralKey("parse");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  w.EndObject();
  out->body.assign(b.GetString(), b.GetSize());
  return true;
}

}  // namespace pgtail
