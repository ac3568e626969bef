#pragma once
/// RapidJSON's reader for lines read in place (events in pg-match and
/// pg-format, the JSON wrappers in pg-parse), in a namespace of its own:
/// the rest of the project uses RapidJSON without RAPIDJSON_SSE2 (its SSE2
/// writer lets bytes 0x1A-0x1F through unescaped), and one namespace per
/// configuration keeps the two from mixing at link time. Include it first,
/// in a .cpp file only, and read through PaddedLineStream.
#define RAPIDJSON_NAMESPACE pgtail_rapidjson_sse2
#define RAPIDJSON_NAMESPACE_BEGIN namespace pgtail_rapidjson_sse2 {
#define RAPIDJSON_NAMESPACE_END }
#define RAPIDJSON_SSE2
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace pgtail {

/// A line parsed in place, which must be followed by 16 NUL bytes of
/// padding. A type of its own so that the string scan below replaces
/// RapidJSON's, which goes byte by byte up to a 16-byte boundary (most keys
/// and values of an event are shorter than that: an eighth of pg-match's
/// time) and then lets bytes 0x1A-0x1F through.
struct PaddedLineStream : pgtail_rapidjson_sse2::InsituStringStream {
  explicit PaddedLineStream(char* s) : pgtail_rapidjson_sse2::InsituStringStream(s) {}
};

}  // namespace pgtail

namespace pgtail_rapidjson_sse2 {

template <>
struct StreamTraits<pgtail::PaddedLineStream> {
  enum { copyOptimization = 1 };
};

/// The lines come from programs, without whitespace between tokens: one
/// look, not a loop through StreamLocalCopy, Peek and Take.
template <>
inline void SkipWhitespace(pgtail::PaddedLineStream& is) {
  char* p = is.src_;
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') ++p;
  is.src_ = p;
}

#ifdef __SSE2__
/// Moves the stream past the string's bytes up to the first '"', '\\' or
/// control character (copying them back over an escape already taken),
/// 16 bytes a step from wherever it starts: the line carries 16 bytes of
/// padding after its end, and its NUL stops the scan.
template <>
template <>
inline void GenericReader<UTF8<>, UTF8<>, CrtAllocator>::ScanCopyUnescapedString<pgtail::PaddedLineStream, pgtail::PaddedLineStream>(
    pgtail::PaddedLineStream& is, pgtail::PaddedLineStream&) {
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), control = _mm_set1_epi8(0x1F);
  char* p = is.src_;
  char* q = is.dst_;
  for (;;) {
    const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(s, quote), _mm_cmpeq_epi8(s, backslash)),
                                      _mm_cmpeq_epi8(_mm_max_epu8(s, control), control));  // s <= 0x1F
    unsigned r = static_cast<unsigned>(_mm_movemask_epi8(stop));
    if (r) {
      size_t n = static_cast<size_t>(__builtin_ctz(r));
      if (p != q) std::memmove(q, p, n);
      is.src_ = p + n;
      is.dst_ = q + n;
      return;
    }
    // All 16 are taken, so writing them behind the read position is safe.
    if (p != q) _mm_storeu_si128(reinterpret_cast<__m128i*>(q), s);
    p += 16;
    q += 16;
  }
}
#endif

}  // namespace pgtail_rapidjson_sse2
