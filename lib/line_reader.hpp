#pragma once
/// Reading input line by line from stdin, a file, a pipe or a gzip/bzip2
/// compressed file (recognised by its first bytes, whatever its name), with a
/// cap on line length so that one huge line cannot exhaust memory.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace pgtail {

class LineReader {
 public:
  enum class Status { kLine, kTimeout, kEof, kError };

  /// Opens `path` ("-" is stdin). max_line: longer lines are cut to this many
  /// bytes and the rest of the line is skipped.
  static std::unique_ptr<LineReader> open(const std::string& path, size_t max_line, std::string* err);
  ~LineReader();

  /// The next line, without its '\n'; valid until the next call. *cut is set
  /// when the line was longer than max_line. Waits at most `timeout_ms` for
  /// input on a pipe or terminal (-1: no limit) and returns kTimeout when none
  /// came; files never wait. kError sets *err.
  Status next(std::string_view* line, bool* cut, int timeout_ms, std::string* err);

  /// The file's modification time (seconds since the epoch; now for pipes).
  int64_t mtime() const { return mtime_; }
  const char* compression() const;
  /// A pipe or terminal, where input arrives over time (not a file).
  bool live() const { return pollable_; }

 private:
  LineReader() = default;
  /// Reads more bytes into buf_: >0 bytes, 0 at EOF, -1 error, -2 timeout.
  long fill(int timeout_ms, std::string* err);

  struct Decoder;
  int fd_ = -1;
  bool own_fd_ = false;
  bool pollable_ = false;
  bool eof_ = false;
  int64_t mtime_ = 0;
  size_t max_line_ = 0;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<char[]> buf_;
  size_t begin_ = 0, end_ = 0;
  std::string line_;      ///< a line that spans reads
  bool skipping_ = false; ///< inside the dropped tail of a cut line
  bool line_used_ = false;  ///< line_ was returned: clear it first
};

}  // namespace pgtail
