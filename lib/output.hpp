#pragma once
/// Buffered writing to standard output that never fails silently: a failed
/// write (a full disk, a closed pipe with SIGPIPE ignored) is remembered and
/// reported, and the tool exits 74.
#include <string>

namespace pgtail {

class Output {
 public:
  explicit Output(int fd = 1) : fd_(fd) { buf_.reserve(kFlushAt + 4096); }
  /// The buffer to append lines to; call maybe_flush() after each line.
  std::string* buffer() { return &buf_; }
  void maybe_flush() {
    if (buf_.size() >= kFlushAt) flush();
  }
  /// Writes out what is buffered. False (once failed, always) on error.
  bool flush();
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  static constexpr size_t kFlushAt = 64 * 1024;
  int fd_;
  std::string buf_, error_;
};

}  // namespace pgtail
