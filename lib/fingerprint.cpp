#include "fingerprint.hpp"

#include <cctype>
#include <cstdint>

namespace pgtail {

namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Skips a quoted run starting at s[i] (the quote), where a doubled quote is
/// an escaped one; returns the index after the closing quote (or the end).
size_t skip_quoted(std::string_view s, size_t i) {
  char q = s[i++];
  while (i < s.size()) {
    if (s[i] == q) {
      if (i + 1 < s.size() && s[i + 1] == q) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    ++i;
  }
  return i;
}

}  // namespace

std::string normalize_message(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\'' || c == '"') {
      i = skip_quoted(s, i);
      out += c;
      out += '?';
      out += c;
    } else if (c == '=' && i + 1 < s.size() && s[i + 1] == '(' && !out.empty() && out.back() == ')') {
      // "Key (id, name)=(42, x)": the values may hold anything but a ")".
      size_t close = s.find(')', i + 2);
      out += "=(?)";
      i = close == std::string_view::npos ? s.size() : close + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c)) && (out.empty() || !word_char(out.back()))) {
      // A number, hex or LSN part: the whole alphanumeric run, and ".5" after it.
      while (i < s.size() && (word_char(s[i]) || (s[i] == '.' && i + 1 < s.size() &&
                                                   std::isdigit(static_cast<unsigned char>(s[i + 1])))))
        ++i;
      out += '0';
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

std::string hash_hex(std::string_view text) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) out[static_cast<size_t>(i)] = kHex[h & 15];
  return out;
}

std::string fingerprint(std::string_view level, std::string_view sqlstate, std::string_view message) {
  std::string key;
  key.reserve(level.size() + sqlstate.size() + message.size() + 2);
  key.append(level).append(1, '\x1f').append(sqlstate).append(1, '\x1f');
  key += normalize_message(message);
  return hash_hex(key);
}

}  // namespace pgtail
