#include "suggest.hpp"

#include <algorithm>

namespace pgtail {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

/// How far a word of this length may be from a candidate and still be a typo
/// of it rather than another word.
size_t max_distance(size_t length) { return length <= 3 ? 1 : length <= 6 ? 2 : 3; }

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus adjacent swaps, three rows.
  std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    before.swap(prev);
    prev.swap(cur);
  }
  return prev[b.size()];
}

std::string closest_word(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string w = lowered(word);
  size_t best = max_distance(w.size()) + 1;
  std::string_view found;
  for (std::string_view c : candidates) {
    if (c == word) return "";
    size_t d = edit_distance(w, lowered(c));
    if (d < best) {
      best = d;
      found = c;
    }
  }
  if (found.empty() && w.size() >= 3)
    for (std::string_view c : candidates)
      if (lowered(c).compare(0, w.size(), w) == 0) return std::string(c);
  return std::string(found);
}

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string c = closest_word(word, candidates);
  return c.empty() ? "" : " (did you mean '" + c + "'?)";
}

}  // namespace pgtail
