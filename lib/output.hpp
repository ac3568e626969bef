#pragma once
/// Buffered writing to standard output that never fails silently: a failed
/// write (a full disk, a closed pipe with SIGPIPE ignored) is remembered and
/// reported, and the tool exits 74.
#include <string>

#include <rapidjson/stringbuffer.h>

namespace pgtail {

class Output {
 public:
  explicit Output(int fd = 1) : fd_(fd) { buf_.Reserve(kFlushAt + 4096); }
  /// The buffer that EventWriter appends lines to (JSON is written straight
  /// into it, not copied); call maybe_flush() after each line.
  rapidjson::StringBuffer* buffer() { return &buf_; }
  void maybe_flush() {
    if (buf_.GetSize() >= kFlushAt) flush();
  }
  /// Writes out what is buffered. False (once failed, always) on error.
  bool flush();
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  static constexpr size_t kFlushAt = 64 * 1024;
  int fd_;
  rapidjson::StringBuffer buf_;
  std::string error_;
};

}  // namespace pgtail
