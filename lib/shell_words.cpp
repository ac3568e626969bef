#include "shell_words.hpp"

namespace pgtail {

namespace {
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
}  // namespace

bool split_words(std::string_view line, std::vector<std::string>* out, std::string* err) {
  out->clear();
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (is_blank(c)) {
      if (in_word) out->push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (++i == line.size()) {
        *err = "a backslash at the end of the line";
        return false;
      }
      word.push_back(line[i]);
    } else if (c == '\'') {
      size_t close = line.find('\'', i + 1);
      if (close == std::string_view::npos) {
        *err = "unclosed quote (')";
        return false;
      }
      word.append(line.substr(i + 1, close - i - 1));
      i = close;
    } else if (c == '"') {
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) ++i;
        word.push_back(line[i]);
      }
      if (i == line.size()) {
        *err = "unclosed quote (\")";
        return false;
      }
    } else {
      word.push_back(c);
    }
  }
  if (in_word) out->push_back(word);
  return true;
}

bool continues(std::string_view line, std::string* head) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  if (line.empty() || line.back() != '\\') return false;
  // Count the backslashes: an even number is escaped backslashes. Quotes
  // are checked on the way: a backslash inside single quotes is literal.
  bool single = false, dbl = false;
  size_t i = 0;
  for (; i + 1 < line.size(); ++i) {
    char c = line[i];
    if (single) {
      single = c != '\'';
    } else if (c == '\\') {
      ++i;
    } else if (c == '\'' && !dbl) {
      single = true;
    } else if (c == '"') {
      dbl = !dbl;
    }
  }
  if (single || i != line.size() - 1) return false;
  *head = std::string(line.substr(0, line.size() - 1));
  return true;
}

}  // namespace pgtail
