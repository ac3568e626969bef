#pragma once
/// "Did you mean ...?": the closest known word to a misspelled one, for the
/// config loader's keys, sections and formats and for the tools' commands.
#include <string>
#include <string_view>
#include <vector>

namespace pgtail {

/// Edit distance between `a` and `b`: insertions, deletions, substitutions and
/// swaps of two neighbouring bytes each count one (the swap because "fromat"
/// is one slip of the fingers, not two). Letters are compared as they are.
size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word`, or "" when none is close enough to be a
/// likely typo: at most 1 edit for words of up to 3 letters, 2 up to 6, 3
/// beyond; failing that, the first candidate that `word` begins, when it has
/// 3 letters or more ("splunk" suggests "splunk-hec"). Case is ignored ("URL"
/// suggests "url"); an exact match gives "". Ties go to the earlier
/// candidate, so list the common words first.
std::string closest_word(std::string_view word, const std::vector<std::string_view>& candidates);

/// " (did you mean 'url'?)" to append to a message, or "" when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace pgtail
