#include "line_reader.hpp"

#include <catch2/catch.hpp>

#include <bzlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

using namespace pgtail;

namespace {

/// A temporary file name, removed when the test ends.
struct TempPath {
  std::string path;
  TempPath() {
    char tmpl[] = "/tmp/pgtail-line-reader-test-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    path = tmpl;
  }
  ~TempPath() { std::remove(path.c_str()); }
};

void write_plain(const std::string& path, const std::string& data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(data.data(), 1, data.size(), f) == data.size());
  REQUIRE(std::fclose(f) == 0);
}

/// Writes `data` gzip-compressed; `mode` "wb" or "ab" (a second member).
void write_gzip(const std::string& path, const std::string& data, const char* mode = "wb") {
  gzFile gz = gzopen(path.c_str(), mode);
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, data.data(), static_cast<unsigned>(data.size())) == static_cast<int>(data.size()));
  REQUIRE(gzclose(gz) == Z_OK);
}

/// Writes `data` bzip2-compressed; `mode` "wb" or "ab" (a second stream).
void write_bzip2(const std::string& path, const std::string& data, const char* mode = "wb") {
  FILE* f = std::fopen(path.c_str(), mode);
  REQUIRE(f != nullptr);
  int e = BZ_OK;
  BZFILE* bz = BZ2_bzWriteOpen(&e, f, 9, 0, 0);
  REQUIRE(e == BZ_OK);
  BZ2_bzWrite(&e, bz, const_cast<char*>(data.data()), static_cast<int>(data.size()));
  REQUIRE(e == BZ_OK);
  BZ2_bzWriteClose(&e, bz, 0, nullptr, nullptr);
  REQUIRE(e == BZ_OK);
  REQUIRE(std::fclose(f) == 0);
}

using Line = std::pair<std::string, bool>;  // text, cut

/// Every line of `path` until kEof.
std::vector<Line> read_all(const std::string& path, size_t max_line = 1 << 20,
                           std::string* compression = nullptr) {
  std::string err;
  std::unique_ptr<LineReader> r = LineReader::open(path, max_line, &err);
  INFO("open: " << err);
  REQUIRE(r);
  CHECK_FALSE(r->live());
  if (compression) *compression = r->compression() ? r->compression() : "";
  std::vector<Line> lines;
  for (;;) {
    std::string_view line;
    bool cut = false;
    LineReader::Status s = r->next(&line, &cut, -1, &err);
    if (s == LineReader::Status::kEof) break;
    INFO("error: " << err);
    REQUIRE(s == LineReader::Status::kLine);
    lines.emplace_back(std::string(line), cut);
  }
  return lines;
}

/// Numbered lines of varied lengths, `total` bytes or more in all.
std::vector<std::string> many_lines(size_t total) {
  std::vector<std::string> lines;
  size_t bytes = 0;
  for (size_t i = 0; bytes < total; ++i) {
    std::string l = std::to_string(i) + ":" + std::string(i * 37 % 301, static_cast<char>('a' + i % 26));
    bytes += l.size() + 1;
    lines.push_back(l);
  }
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

std::vector<Line> uncut(const std::vector<std::string>& lines) {
  std::vector<Line> r;
  for (const std::string& l : lines) r.emplace_back(l, false);
  return r;
}

}  // namespace

TEST_CASE("line_reader: a plain file, empty lines, a last line without newline", "[line_reader]") {
  TempPath t;
  write_plain(t.path, "first\n\nthird\nlast without newline");
  std::string compression = "?";
  std::vector<Line> lines = read_all(t.path, 1 << 20, &compression);
  CHECK(lines == std::vector<Line>{{"first", false}, {"", false}, {"third", false}, {"last without newline", false}});
  CHECK(compression.empty());
}

TEST_CASE("line_reader: an empty file", "[line_reader]") {
  TempPath t;
  write_plain(t.path, "");
  CHECK(read_all(t.path).empty());
  write_plain(t.path, "\n");
  CHECK(read_all(t.path) == std::vector<Line>{{"", false}});
}

TEST_CASE("line_reader: CR is kept (the parser removes it)", "[line_reader]") {
  TempPath t;
  write_plain(t.path, "a\r\nb\r\n\r\nc\r");
  CHECK(read_all(t.path) == std::vector<Line>{{"a\r", false}, {"b\r", false}, {"\r", false}, {"c\r", false}});
}

TEST_CASE("line_reader: lines across the 64 KiB read buffer", "[line_reader]") {
  TempPath t;
  std::vector<std::string> lines = many_lines(300 * 1024);
  write_plain(t.path, joined(lines));
  CHECK(read_all(t.path) == uncut(lines));

  // One line bigger than the buffer, within max_line.
  std::string big(200 * 1024, 'x');
  big[100000] = 'y';
  write_plain(t.path, "before\n" + big + "\nafter\n");
  CHECK(read_all(t.path) == std::vector<Line>{{"before", false}, {big, false}, {"after", false}});
}

TEST_CASE("line_reader: a line longer than max_line is cut, the rest skipped", "[line_reader]") {
  TempPath t;
  SECTION("within one read") {
    write_plain(t.path, "0123456789\n0123456789A\nshort\n0123456789ABCDEF");
    CHECK(read_all(t.path, 10) == std::vector<Line>{{"0123456789", false},
                                                   {"0123456789", true},
                                                   {"short", false},
                                                   {"0123456789", true}});
  }
  SECTION("across reads") {
    std::string huge(300 * 1024, 'z');
    huge.replace(0, 5, "start");
    write_plain(t.path, "a\n" + huge + "\nb\n" + huge);
    std::vector<Line> lines = read_all(t.path, 100);
    CHECK(lines == std::vector<Line>{{"a", false}, {huge.substr(0, 100), true}, {"b", false},
                                     {huge.substr(0, 100), true}});
  }
  SECTION("a partial line exactly max_line long at the end of a read") {
    // The first read ends with the 65536 - 2 bytes of the long line; max_line is that.
    std::string l(65534, 'q');
    write_plain(t.path, "a\n" + l + "\nnext\n");
    CHECK(read_all(t.path, 65534) == std::vector<Line>{{"a", false}, {l, false}, {"next", false}});
    write_plain(t.path, "a\n" + l + "Q\nnext\n");
    CHECK(read_all(t.path, 65534) == std::vector<Line>{{"a", false}, {l, true}, {"next", false}});
  }
}

TEST_CASE("line_reader: gzip, recognised by its magic bytes", "[line_reader]") {
  TempPath t;
  std::vector<std::string> lines = many_lines(200 * 1024);
  write_gzip(t.path, joined(lines));
  std::string compression;
  CHECK(read_all(t.path, 1 << 20, &compression) == uncut(lines));
  CHECK(compression == "gzip");

  // Two members one after the other (cat a.gz b.gz), the last line without newline.
  write_gzip(t.path, "one\ntw");
  write_gzip(t.path, "o\nthree", "ab");
  CHECK(read_all(t.path) == std::vector<Line>{{"one", false}, {"two", false}, {"three", false}});

  // Cutting works on decompressed lines too.
  write_gzip(t.path, std::string(100000, 'g') + "\nend\n");
  CHECK(read_all(t.path, 10) == std::vector<Line>{{std::string(10, 'g'), true}, {"end", false}});
}

TEST_CASE("line_reader: bzip2, recognised by its magic bytes", "[line_reader]") {
  TempPath t;
  std::vector<std::string> lines = many_lines(200 * 1024);
  write_bzip2(t.path, joined(lines));
  std::string compression;
  CHECK(read_all(t.path, 1 << 20, &compression) == uncut(lines));
  CHECK(compression == "bzip2");

  // Several streams (pbzip2, cat a.bz2 b.bz2).
  write_bzip2(t.path, "one\ntw");
  write_bzip2(t.path, "o\nthree\n", "ab");
  write_bzip2(t.path, "four", "ab");
  CHECK(read_all(t.path) == std::vector<Line>{{"one", false}, {"two", false}, {"three", false}, {"four", false}});
}

namespace {

/// The whole of `path`.
std::string slurp(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::string all;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) all.append(buf, n);
  std::fclose(f);
  return all;
}

/// Reads `path` to its end: the lines, and the final status and error.
std::vector<std::string> read_until_end(const std::string& path, LineReader::Status* end, std::string* err) {
  std::unique_ptr<LineReader> r = LineReader::open(path, 1 << 20, err);
  REQUIRE(r);
  std::vector<std::string> lines;
  std::string_view line;
  bool cut = false;
  while ((*end = r->next(&line, &cut, -1, err)) == LineReader::Status::kLine) lines.emplace_back(line);
  return lines;
}

}  // namespace

TEST_CASE("line_reader: a truncated gzip file is reported, not taken for a whole one",
          "[line_reader][bug]") {
  TempPath t;
  std::vector<std::string> lines = many_lines(200 * 1024);
  write_gzip(t.path, joined(lines));
  std::string gz = slurp(t.path);
  write_plain(t.path, gz.substr(0, gz.size() / 2));
  LineReader::Status end;
  std::string err;
  std::vector<std::string> got = read_until_end(t.path, &end, &err);
  CHECK_FALSE(got.empty());  // what could be decoded
  CHECK(got.size() < lines.size());
  CHECK(end == LineReader::Status::kError);  // as for bzip2: the file is damaged
  CHECK_FALSE(err.empty());
}

TEST_CASE("line_reader: a truncated bzip2 file keeps every line of its whole blocks",
          "[line_reader][bug]") {
  TempPath t;
  // Lines without runs of repeated bytes, so that a 900k block holds at least
  // 899981 bytes of them.
  std::vector<std::string> lines;
  std::string data;
  for (int i = 0; data.size() < 1200 * 1000; ++i) {
    lines.push_back("line " + std::to_string(i) + " of a log, " + std::to_string(i * 7919 % 10007));
    data += lines.back() + "\n";
  }
  write_bzip2(t.path, data);
  std::string bz = slurp(t.path);
  write_plain(t.path, bz.substr(0, bz.size() * 9 / 10));  // into the second block
  size_t whole = 0;  // lines that end within the first 880000 bytes
  for (size_t bytes = 0; whole < lines.size() && (bytes += lines[whole].size() + 1) <= 880000;) ++whole;
  LineReader::Status end;
  std::string err;
  std::vector<std::string> got = read_until_end(t.path, &end, &err);
  CHECK(end == LineReader::Status::kError);
  CHECK(err == "bzip2 data error");
  CHECK(got.size() >= whole);
  for (size_t i = 0; i < got.size() && i < lines.size(); ++i)
    if (got[i] != lines[i]) FAIL("line " << i << " differs");
}

TEST_CASE("line_reader: a file named .gz that is plain text is read as is", "[line_reader]") {
  TempPath t;
  std::string gz = t.path + ".gz";
  write_plain(gz, "BZ not bzip2\n\x1f not gzip\n");
  std::vector<Line> lines = read_all(gz);
  std::remove(gz.c_str());
  CHECK(lines == std::vector<Line>{{"BZ not bzip2", false}, {"\x1f not gzip", false}});
}

TEST_CASE("line_reader: open errors", "[line_reader]") {
  std::string err;
  CHECK_FALSE(LineReader::open("/nonexistent/file.log", 100, &err));
  CHECK(err == "No such file or directory");
  err.clear();
  CHECK_FALSE(LineReader::open("/tmp", 100, &err));
  CHECK(err == "Is a directory");
}

TEST_CASE("line_reader: a pipe waits at most the timeout", "[line_reader]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::string err;
  std::unique_ptr<LineReader> r = LineReader::open("/dev/fd/" + std::to_string(fds[0]), 100, &err);
  INFO("open: " << err);
  REQUIRE(r);
  CHECK(r->live());
  std::string_view line;
  bool cut = false;
  CHECK(r->next(&line, &cut, 10, &err) == LineReader::Status::kTimeout);

  REQUIRE(write(fds[1], "hello\npart", 10) == 10);
  REQUIRE(r->next(&line, &cut, 10, &err) == LineReader::Status::kLine);
  CHECK(line == "hello");
  CHECK_FALSE(cut);
  // Half a line: wait for the rest, keeping what came.
  CHECK(r->next(&line, &cut, 10, &err) == LineReader::Status::kTimeout);
  REQUIRE(write(fds[1], "ial\n", 4) == 4);
  REQUIRE(r->next(&line, &cut, 10, &err) == LineReader::Status::kLine);
  CHECK(line == "partial");

  REQUIRE(write(fds[1], "no newline", 10) == 10);
  CHECK(r->next(&line, &cut, 10, &err) == LineReader::Status::kTimeout);
  close(fds[1]);
  REQUIRE(r->next(&line, &cut, 10, &err) == LineReader::Status::kLine);
  CHECK(line == "no newline");
  CHECK(r->next(&line, &cut, 10, &err) == LineReader::Status::kEof);
  CHECK(r->next(&line, &cut, 10, &err) == LineReader::Status::kEof);
  close(fds[0]);
}
