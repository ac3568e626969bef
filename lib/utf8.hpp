#pragma once
/// Making arbitrary bytes safe for JSON: every event string must be valid UTF-8.
#include <cstddef>
#include <string>
#include <string_view>

namespace pgtail {

/// True when `s` is valid UTF-8 without NUL bytes (the common case, checked
/// eight bytes at a time for ASCII).
bool utf8_clean(std::string_view s);

/// Copies `s` into *out, replacing each invalid UTF-8 sequence (bad lead byte,
/// bad or missing continuation, overlong form, surrogate, code point above
/// U+10FFFF) and each NUL byte with U+FFFD. Returns how many were replaced.
size_t utf8_repair(std::string_view s, std::string* out);

/// The longest prefix of `s` of at most `max` bytes that does not end inside
/// a UTF-8 sequence (for cutting at a size limit).
size_t utf8_cut(std::string_view s, size_t max);

/// The length of `s` without a UTF-8 sequence left incomplete at its end
/// (a line cut at a byte limit).
size_t utf8_whole(std::string_view s);

}  // namespace pgtail
