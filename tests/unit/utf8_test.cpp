#include "utf8.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace pgtail;

namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

struct Case {
  std::string in;
  std::string out;      ///< after repair
  size_t replaced;
};

/// Checks utf8_clean, utf8_repair and the repaired text's cleanliness.
void check(const Case& c) {
  INFO("input bytes: " << c.in.size());
  std::string out;
  CHECK(utf8_clean(c.in) == (c.replaced == 0));
  CHECK(utf8_repair(c.in, &out) == c.replaced);
  CHECK(out == c.out);
  CHECK(utf8_clean(out));
}

}  // namespace

TEST_CASE("utf8: valid text is kept as is", "[utf8]") {
  for (const std::string& s : std::vector<std::string>{
           "",
           "plain ASCII, longer than eight bytes to use the fast path",
           "Z\xC3\xBCrich",                         // 2 bytes: ü
           "\xE2\x82\xAC 5",                        // 3 bytes: €
           "\xE3\x82\xA8\xE3\x83\xA9\xE3\x83\xBC",  // エラー
           "\xF0\x9F\x98\x80",                      // 4 bytes: U+1F600
           "\xF4\x8F\xBF\xBF",                      // U+10FFFF, the last code point
           "\xED\x9F\xBF",                          // U+D7FF, just below the surrogates
           "\xEE\x80\x80",                          // U+E000, just above them
           "\x7F\x01\t\r",
       })
    check({s, s, 0});
}

TEST_CASE("utf8: invalid sequences and NUL become U+FFFD", "[utf8]") {
  check({"a\xC0\xAF" "b", "a" + kFFFD + "b", 1});                 // overlong '/'
  check({"\xC1\xBF", kFFFD, 1});                                  // overlong, C1 lead
  check({"\xE0\x80\xAF", kFFFD, 1});                              // overlong in 3 bytes
  check({"\xF0\x80\x80\xAF", kFFFD, 1});                          // overlong in 4 bytes
  check({"\xED\xA0\x80", kFFFD, 1});                              // surrogate U+D800
  check({"\xED\xBF\xBF", kFFFD, 1});                              // surrogate U+DFFF
  check({"\xF4\x90\x80\x80", kFFFD, 1});                          // U+110000
  check({"\xF5\x80\x80\x80", kFFFD, 1});                          // F5 lead
  check({"\xFF" "x", kFFFD + "x", 1});
  check({"\x80" "x", kFFFD + "x", 1});                            // lone continuation
  check({"x\xE2\x82", "x" + kFFFD, 1});                           // truncated at the end
  check({"\xE2\x82" "x", kFFFD + "x", 1});                        // truncated before ASCII
  check({"\xF0\x9F\x98", kFFFD, 1});                              // truncated 4-byte
  check({"\xC3", kFFFD, 1});
  check({std::string("a\0b", 3), "a" + kFFFD + "b", 1});          // NUL
  check({std::string("\0\0", 2), kFFFD + kFFFD, 2});
  check({"\xC3" "\xC3\xA9", kFFFD + "\xC3\xA9", 1});              // a bad lead, then a good é
  check({"\xFF\xFE" "ok\xC0\xAF", kFFFD + kFFFD + "ok" + kFFFD, 3});
}

TEST_CASE("utf8: a bad byte past the first 64 bytes is found", "[utf8]") {
  std::string s(100, 'a');
  CHECK(utf8_clean(s));
  s[70] = '\xFF';
  CHECK_FALSE(utf8_clean(s));
  s[70] = 'a';
  s[99] = '\0';
  CHECK_FALSE(utf8_clean(s));
  std::string out;
  CHECK(utf8_repair(s, &out) == 1);
  CHECK(out == std::string(99, 'a') + kFFFD);
}

TEST_CASE("utf8: utf8_repair replaces what *out held", "[utf8]") {
  std::string out = "old";
  CHECK(utf8_repair("new", &out) == 0);
  CHECK(out == "new");
}

TEST_CASE("utf8: utf8_cut", "[utf8]") {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € U+1F600: 1+2+3+4 bytes
  CHECK(utf8_cut(s, 100) == s.size());
  CHECK(utf8_cut(s, s.size()) == s.size());
  CHECK(utf8_cut(s, 0) == 0);
  CHECK(utf8_cut(s, 1) == 1);
  CHECK(utf8_cut(s, 2) == 1);   // inside é
  CHECK(utf8_cut(s, 3) == 3);
  CHECK(utf8_cut(s, 4) == 3);   // inside €
  CHECK(utf8_cut(s, 5) == 3);
  CHECK(utf8_cut(s, 6) == 6);
  CHECK(utf8_cut(s, 7) == 6);   // inside U+1F600
  CHECK(utf8_cut(s, 9) == 6);
  CHECK(utf8_cut("", 0) == 0);
  CHECK(utf8_cut("abc", 2) == 2);
  // Every cut leaves valid UTF-8.
  for (size_t n = 0; n <= s.size(); ++n) CHECK(utf8_clean(s.substr(0, utf8_cut(s, n))));
}

TEST_CASE("utf8: utf8_whole drops a sequence left incomplete at the end", "[utf8]") {
  CHECK(utf8_whole("") == 0);
  CHECK(utf8_whole("abc") == 3);
  CHECK(utf8_whole("ab\xC3") == 2);
  CHECK(utf8_whole("ab\xC3\xA9") == 4);
  CHECK(utf8_whole("a\xE2\x82") == 1);
  CHECK(utf8_whole("a\xE2") == 1);
  CHECK(utf8_whole("a\xE2\x82\xAC") == 4);
  CHECK(utf8_whole("a\xF0\x9F\x98") == 1);
  CHECK(utf8_whole("a\xF0\x9F\x98\x80") == 5);
  CHECK(utf8_whole("\xC3") == 0);
  // A stray continuation byte is left for utf8_repair.
  CHECK(utf8_whole("a\x80") == 2);
}
