// The teams format: a Workflows webhook message carrying an Adaptive Card 1.2
// (PLATFORMS.md §5, the envelope Alertmanager's msteamsv2 sends), or with
// teams_legacy a MessageCard for the old Office 365 connectors. Teams refuses
// bodies of about 28 KB, some clients saw failures near 21 KB (a CONFLICT):
// the whole body is kept under 20,000 bytes by cutting the longest texts.
#include <rapidjson/stringbuffer.h>

#include "chat_message.hpp"
#include "event.hpp"
#include "formats.hpp"

namespace pgtail {

namespace {

constexpr size_t kMaxBody = 20000;  ///< bytes; the stricter ~21 KB seen in practice, with a margin

/// Adaptive Card TextBlock colours and MessageCard theme colours for good, warning, danger.
const char* const kCardColors[] = {"Good", "Warning", "Attention"};
const char* const kThemeColors[] = {"2EB886", "DAA038", "A30200"};

/// A text as a card shows it. Teams renders Markdown in cards: a log line's
/// [text](url) must not become a link, so "](" gets a zero-width space between
/// its two characters (mentions need <at> entities, which are never sent). An
/// Adaptive Card's TextBlock joins lines that one newline separates: there
/// each newline is doubled.
std::string card_text(std::string_view s, bool double_newlines) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    out += s[i];
    if (s[i] == ']' && i + 1 < s.size() && s[i + 1] == '(') out += "\xE2\x80\x8B";
    if (s[i] == '\n' && double_newlines) out += '\n';
  }
  return out;
}

/// Cuts a text to the common length render() was asked for.
struct Cutter {
  size_t cap;
  std::string operator()(const std::string& s) const { return truncate_chars(s, cap); }
};

template <size_t N>
void put(JsonLineWriter& w, const char (&key)[N], const std::string& s) {
  w.Member(key, s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

template <size_t N>
void put_literal(JsonLineWriter& w, const char (&key)[N], const char* s) {
  w.Member(key, s, static_cast<rapidjson::SizeType>(std::char_traits<char>::length(s)));
}

void text_block(JsonLineWriter& w, const std::string& text, const char* weight, const char* size, const char* color,
                const char* font) {
  w.StartObject();
  put_literal(w, "type", "TextBlock");
  put(w, "text", text);
  if (weight) put_literal(w, "weight", weight);
  if (size) put_literal(w, "size", size);
  if (color) put_literal(w, "color", color);
  if (font) put_literal(w, "fontType", font);
  if (size && std::string_view(size) == "Small") {
    w.LiteralKey("isSubtle");
    w.Bool(true);
  }
  w.LiteralKey("wrap");
  w.Bool(true);
  w.EndObject();
}

void adaptive_card(JsonLineWriter& w, const ChatMessage& m, const Cutter& cut) {
  w.StartObject();
  put_literal(w, "type", "message");
  w.LiteralKey("attachments");
  w.StartArray();
  w.StartObject();
  put_literal(w, "contentType", "application/vnd.microsoft.card.adaptive");
  w.LiteralKey("contentUrl");
  w.Null();
  w.LiteralKey("content");
  w.StartObject();
  put_literal(w, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
  put_literal(w, "type", "AdaptiveCard");
  put_literal(w, "version", "1.2");
  put(w, "fallbackText", cut(m.summary));
  w.LiteralKey("body");
  w.StartArray();
  text_block(w, cut(m.headline), "Bolder", "Medium", kCardColors[static_cast<int>(m.color)], nullptr);
  if (!m.more.empty()) text_block(w, cut(m.more), nullptr, nullptr, nullptr, nullptr);
  w.StartObject();
  put_literal(w, "type", "FactSet");
  w.LiteralKey("facts");
  w.StartArray();
  for (const ChatFact& f : m.facts) {
    if (f.code) continue;
    w.StartObject();
    put(w, "title", cut(f.name));
    put(w, "value", cut(f.value));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  for (const ChatFact& f : m.facts) {
    if (!f.code) continue;
    text_block(w, cut(f.name), "Bolder", nullptr, nullptr, nullptr);
    text_block(w, cut(f.value), nullptr, nullptr, nullptr, "Monospace");
  }
  text_block(w, cut(m.footer), nullptr, "Small", nullptr, nullptr);
  w.EndArray();
  w.LiteralKey("msteams");
  w.StartObject();
  put_literal(w, "width", "Full");
  w.EndObject();
  w.EndObject();
  w.EndObject();
  w.EndArray();
  w.EndObject();
}

void section_facts(JsonLineWriter& w, const ChatMessage& m, const Cutter& cut) {
  w.LiteralKey("facts");
  w.StartArray();
  for (const ChatFact& f : m.facts) {
    if (f.code) continue;
    w.StartObject();
    put(w, "name", cut(f.name));
    put(w, "value", cut(f.value));
    w.EndObject();
  }
  w.EndArray();
}

/// The legacy MessageCard: Markdown is turned off in every section, since all
/// of them show log text.
void message_card(JsonLineWriter& w, const ChatMessage& m, const Cutter& cut) {
  w.StartObject();
  put_literal(w, "@type", "MessageCard");
  put_literal(w, "@context", "https://schema.org/extensions");
  put(w, "summary", cut(m.summary));
  put_literal(w, "themeColor", kThemeColors[static_cast<int>(m.color)]);
  put(w, "title", cut(m.headline));
  w.LiteralKey("sections");
  w.StartArray();
  w.StartObject();
  put(w, "activityTitle", cut(m.title));
  put(w, "activitySubtitle", cut(m.footer));
  if (!m.more.empty()) put(w, "text", cut(m.more));
  section_facts(w, m, cut);
  w.LiteralKey("markdown");
  w.Bool(false);
  w.EndObject();
  for (const ChatFact& f : m.facts) {
    if (!f.code) continue;
    w.StartObject();
    put(w, "title", cut(f.name));
    put(w, "text", cut(f.value));
    w.LiteralKey("markdown");
    w.Bool(false);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

std::string render(const ChatMessage& m, bool legacy, size_t cap) {
  rapidjson::StringBuffer b;
  JsonLineWriter w;
  w.Reset(b);
  Cutter cut{cap};
  if (legacy)
    message_card(w, m, cut);
  else
    adaptive_card(w, m, cut);
  return std::string(b.GetString(), b.GetSize());
}

}  // namespace

bool build_teams(const Alert& a, const FormatOptions& options, Payload* out, std::string*) {
  ChatMessage m = chat_message(a);
  // No text can be longer than the whole body: cut them there first, so that
  // fitting a 100 KB message does not copy it at every try.
  Cutter first{kMaxBody};
  bool lines = !options.teams_legacy;
  for (std::string* s : {&m.headline, &m.summary, &m.title, &m.more, &m.footer}) *s = card_text(first(*s), lines);
  for (ChatFact& f : m.facts) {
    f.name = card_text(first(f.name), lines);
    f.value = card_text(first(f.value), lines);
  }
  out->body = render(m, options.teams_legacy, kMaxBody);
  if (out->body.size() <= kMaxBody) return true;
  // The longest common length of the texts that keeps the body within the limit.
  size_t lo = 0, hi = kMaxBody;
  while (lo < hi) {
    size_t mid = (lo + hi + 1) / 2;
    if (render(m, options.teams_legacy, mid).size() <= kMaxBody)
      lo = mid;
    else
      hi = mid - 1;
  }
  out->body = render(m, options.teams_legacy, lo);
  return true;
}

}  // namespace pgtail
