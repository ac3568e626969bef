// The template format: the user's own text (or JSON document) with
// {{placeholders}} filled in from the triggered event, for any endpoint that
// none of the other formats fits (template.hpp has the language).
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <vector>

#include "event_view.hpp"
#include "formats.hpp"
#include "severity.hpp"
#include "suggest.hpp"
#include "template.hpp"
#include "utf8.hpp"

namespace pgtail {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr const char* kTextType = "text/plain; charset=utf-8";

/// Paths of one word: the event's time, the texts every format shows, and the
/// three objects whole (as compact JSON).
constexpr const char* kTopLevel[] = {"timestamp", "instance_display", "headline", "summary",
                                     "event",     "instance",         "trigger"};
constexpr const char* kInstanceFields[] = {"id", "name", "host", "port", "cluster", "version", "data_dir"};
constexpr const char* kTriggerFields[] = {"rule", "webhook", "explain"};
/// Event fields beyond contract 1's: pg-match's own events (contract 2).
constexpr const char* kEventExtra[] = {"truncated",       "count",          "threshold",      "window_seconds",
                                       "key",             "first_timestamp", "last_timestamp", "sample_message",
                                       "period_seconds",  "levels",         "top_messages"};

/// One piece of a template: literal text, or a placeholder's name.
struct Piece {
  std::string_view text;
  bool placeholder = false;
  size_t offset = 0;  ///< where it starts in the template
};

template <size_t N>
bool one_of(std::string_view s, const char* const (&list)[N]) {
  for (const char* w : list)
    if (s == w) return true;
  return false;
}

bool is_event_field(std::string_view s) {
  Field f;
  return parse_field_name(s, &f) || one_of(s, kEventExtra);
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

std::vector<std::string_view> split_path(std::string_view name) {
  std::vector<std::string_view> segs;
  size_t start = 0;
  for (;;) {
    size_t dot = name.find('.', start);
    segs.push_back(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return segs;
    start = dot + 1;
  }
}

/// Whether `name` is a placeholder the language knows: below event.key a
/// field name, below event.levels a level, below event.top_messages an index
/// and then message or count.
bool known(std::string_view name) {
  std::vector<std::string_view> s = split_path(name);
  if (s.size() == 1) return one_of(s[0], kTopLevel);
  if (s[0] == "instance") return s.size() == 2 && one_of(s[1], kInstanceFields);
  if (s[0] == "trigger") return s.size() == 2 && one_of(s[1], kTriggerFields);
  if (s[0] != "event" || !is_event_field(s[1])) return false;
  if (s.size() == 2) return true;
  Field f;
  if (s[1] == "key") return s.size() == 3 && parse_field_name(s[2], &f);
  if (s[1] == "levels") return s.size() == 3 && parse_level_name(s[2]) != Level::kNone;
  if (s[1] == "top_messages")
    return all_digits(s[2]) && (s.size() == 3 || (s.size() == 4 && (s[3] == "message" || s[3] == "count")));
  return false;
}

/// Every fixed placeholder, for "did you mean".
const std::vector<std::string>& known_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n(std::begin(kTopLevel), std::end(kTopLevel));
    for (const char* const* f = field_names(); *f; ++f) n.push_back(std::string("event.") + *f);
    for (const char* f : kEventExtra) n.push_back(std::string("event.") + f);
    for (const char* f : kInstanceFields) n.push_back(std::string("instance.") + f);
    for (const char* f : kTriggerFields) n.push_back(std::string("trigger.") + f);
    return n;
  }();
  return names;
}

/// "template line 2, column 9" for a byte offset (columns count characters).
std::string where(std::string_view text, size_t offset) {
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  size_t column = count_chars(text.substr(line_start, offset - line_start)) + 1;
  return "template line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

/// Splits `text` into literals and placeholders, checking each name.
bool split(std::string_view text, std::vector<Piece>* out, std::string* err) {
  if (!utf8_clean(text)) {
    *err = "the template is not valid UTF-8 (or holds a NUL byte)";
    return false;
  }
  size_t pos = 0;
  for (;;) {
    size_t open = text.find("{{", pos);
    if (open != pos) out->push_back({text.substr(pos, open == std::string_view::npos ? open : open - pos), false, pos});
    if (open == std::string_view::npos) return true;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      *err = where(text, open) + ": \"{{\" without its \"}}\"";
      return false;
    }
    std::string_view name = trim(text.substr(open + 2, close - open - 2));
    if (!known(name)) {
      std::vector<std::string_view> candidates(known_names().begin(), known_names().end());
      *err = where(text, open) + ": unknown placeholder {{" + std::string(name) + "}}" +
             (name.empty() ? "" : did_you_mean(name, candidates));
      return false;
    }
    out->push_back({name, true, open});
    pos = close + 2;
  }
}

/// A JSON value as text: strings as they are, anything else compact JSON.
std::string text_of(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsNull()) return {};
  rapidjson::StringBuffer b;
  Writer w(b);
  v.Accept(w);
  return std::string(b.GetString(), b.GetSize());
}

/// The value a placeholder stands for in `a`; "" when the event lacks it.
std::string value_of(const Alert& a, std::string_view name) {
  if (name == "instance_display") return a.instance_display;
  if (name == "headline") return headline(a);
  if (name == "summary") return summary_line(a);
  if (name == "event.fingerprint") return a.fingerprint();  // computed when the line has none
  const rapidjson::Value* v = a.root;
  for (std::string_view seg : split_path(name)) {
    if (v->IsArray() && all_digits(seg)) {
      size_t i = std::stoul(std::string(seg));
      if (i >= v->Size()) return {};
      v = &(*v)[static_cast<rapidjson::SizeType>(i)];
      continue;
    }
    if (!v->IsObject()) return {};
    auto it = v->MemberBegin();
    for (; it != v->MemberEnd(); ++it)
      if (seg == std::string_view(it->name.GetString(), it->name.GetStringLength())) break;
    if (it == v->MemberEnd()) return {};
    v = &it->value;
  }
  return text_of(*v);
}

/// `s` escaped as the contents of a JSON string (without the quotes).
void append_escaped(std::string_view s, std::string* out) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  out->append(b.GetString() + 1, b.GetSize() - 2);
}

/// RapidJSON's words for a parse error, without their period (our messages
/// end without one).
std::string parse_error(const rapidjson::Document& doc) {
  std::string what = rapidjson::GetParseError_En(doc.GetParseError());
  if (!what.empty() && what.back() == '.') what.pop_back();
  return what;
}

/// The template with every placeholder replaced by `fill`; *starts gets, per
/// piece, where it begins in the result.
std::string fill_with(const std::vector<Piece>& pieces, std::string_view fill, std::vector<size_t>* starts) {
  std::string out;
  for (const Piece& p : pieces) {
    starts->push_back(out.size());
    out += p.placeholder ? fill : p.text;
  }
  return out;
}

/// The offset in the template of byte `at` of a filled-in copy.
size_t template_offset(const std::vector<Piece>& pieces, const std::vector<size_t>& starts, size_t at) {
  size_t i = 0;
  while (i + 1 < pieces.size() && starts[i + 1] <= at) ++i;
  if (pieces.empty()) return 0;
  return pieces[i].placeholder ? pieces[i].offset : pieces[i].offset + (at - starts[i]);
}

/// The JSON check of check_template(): filled with "x" (never valid outside
/// a string, fine inside one), the template must parse.
bool check_json(std::string_view text, const std::vector<Piece>& pieces, std::string* err) {
  std::vector<size_t> starts;
  std::string filled = fill_with(pieces, "x", &starts);
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(filled.data(), filled.size());
  if (!doc.HasParseError()) return true;
  size_t at = template_offset(pieces, starts, doc.GetErrorOffset());
  *err = where(text, at) + ": not JSON once its placeholders are filled in: " + parse_error(doc);
  std::vector<size_t> unused;
  std::string as_values = fill_with(pieces, "\"x\"", &unused);
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(as_values.data(), as_values.size());
  if (!doc.HasParseError())
    *err += " (with --template-json a placeholder inserts the contents of a string: write \"{{event.count}}\", "
            "in quotes)";
  return false;
}

}  // namespace

bool check_template(const std::string& text, std::string* err, bool json) {
  std::vector<Piece> pieces;
  if (!split(text, &pieces, err)) return false;
  return !json || check_json(text, pieces, err);
}

bool build_template(const Alert& a, const FormatOptions& o, Payload* out, std::string* err) {
  std::vector<Piece> pieces;
  if (!split(o.template_text, &pieces, err)) return false;
  std::string text;
  for (const Piece& p : pieces) {
    if (!p.placeholder)
      text += p.text;
    else if (o.template_json)
      append_escaped(value_of(a, p.text), &text);
    else
      text += value_of(a, p.text);
  }
  if (!o.template_json) {
    out->body = std::move(text);
    out->content_type = kTextType;
    return true;
  }
  // Parsed and written again: the body must be JSON, and on one line (a
  // template file's own line breaks would split the delivery stream).
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    *err = "the filled-in template is not JSON (at byte " + std::to_string(doc.GetErrorOffset() + 1) +
           "): " + parse_error(doc);
    return false;
  }
  rapidjson::StringBuffer b;
  Writer w(b);
  doc.Accept(w);
  out->body.assign(b.GetString(), b.GetSize());
  out->content_type.clear();
  return true;
}

}  // namespace pgtail
