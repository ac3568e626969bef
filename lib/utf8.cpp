#include "utf8.hpp"

#include <cstdint>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace pgtail {

namespace {

/// Length of the valid UTF-8 sequence at p (end exclusive), or 0 if invalid.
size_t sequence_length(const unsigned char* p, const unsigned char* end) {
  unsigned char c = p[0];
  if (c >= 0x01 && c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;  // NUL, continuation byte, C0/C1 overlong leads, F5..FF
  }
  if (static_cast<size_t>(end - p) < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

bool all_ascii_no_nul(const unsigned char* p, size_t n) {
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  size_t i = 0;
#ifdef __SSE2__
  // Sixteen bytes at a time where the processor has SSE2 (every x86-64).
  const __m128i zero = _mm_setzero_si128();
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    if (_mm_movemask_epi8(_mm_or_si128(v, _mm_cmpeq_epi8(v, zero)))) return false;
  }
#endif
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    // A high bit set, or a zero byte (the classic haszero() trick).
    if ((v & kHigh) || ((v - kOnes) & ~v & kHigh)) return false;
  }
  for (; i < n; ++i)
    if (p[i] == 0 || p[i] >= 0x80) return false;
  return true;
}

}  // namespace

bool utf8_clean(std::string_view s) {
  auto p = reinterpret_cast<const unsigned char*>(s.data());
  auto end = p + s.size();
  while (p < end) {
    size_t run = static_cast<size_t>(end - p);
    if (run > 64) run = 64;
    if (all_ascii_no_nul(p, run)) {
      p += run;
      continue;
    }
    size_t n = sequence_length(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

size_t utf8_repair(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  auto p = reinterpret_cast<const unsigned char*>(s.data());
  auto end = p + s.size();
  size_t replaced = 0;
  while (p < end) {
    size_t n = sequence_length(p, end);
    if (n == 0) {
      out->append("\xEF\xBF\xBD");
      ++replaced;
      ++p;
      // Skip the continuation bytes of the broken sequence: one U+FFFD each
      // would turn one bad character into several.
      while (p < end && (*p & 0xC0) == 0x80) ++p;
      continue;
    }
    out->append(reinterpret_cast<const char*>(p), n);
    p += n;
  }
  return replaced;
}

size_t utf8_cut(std::string_view s, size_t max) {
  if (s.size() <= max) return s.size();
  size_t n = max;
  // Back up over continuation bytes to the start of the cut sequence.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

size_t utf8_whole(std::string_view s) {
  size_t n = s.size();
  // Find the start of the last sequence (at most 3 continuation bytes back).
  size_t start = n;
  for (size_t back = 0; back < 4 && start > 0; ++back) {
    unsigned char c = static_cast<unsigned char>(s[--start]);
    if ((c & 0xC0) != 0x80) {
      size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      return n - start < want ? start : n;
    }
  }
  return n;
}

}  // namespace pgtail
