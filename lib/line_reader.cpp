#include "line_reader.hpp"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>

namespace pgtail {

namespace {
constexpr size_t kBufSize = 64 * 1024;
}

/// A decompressor reading from the file descriptor.
struct LineReader::Decoder {
  enum Kind { kGzip, kBzip2 } kind;
  gzFile gz = nullptr;
  FILE* file = nullptr;
  BZFILE* bz = nullptr;

  ~Decoder() {
    if (gz) gzclose(gz);
    if (bz) {
      int e;
      BZ2_bzReadClose(&e, bz);
    }
    if (file) fclose(file);
  }

  /// Reads up to n bytes: >0, 0 at the end, -1 on error (with *err).
  long read(char* p, size_t n, std::string* err) {
    if (kind == kGzip) {
      int r = gzread(gz, p, static_cast<unsigned>(n));
      int e = Z_OK;
      const char* what = gzerror(gz, &e);
      if (r < 0 || (r == 0 && e != Z_OK)) {
        // Z_BUF_ERROR at the end: the file stops inside the compressed data.
        *err = e == Z_BUF_ERROR ? std::string("unexpected end of gzip data (truncated file)")
                                : std::string("gzip data error: ") + what;
        return -1;
      }
      return r;
    }
    for (;;) {
      if (!bz) return 0;
      int e;
      int r = BZ2_bzRead(&e, bz, p, static_cast<int>(n));
      if (e == BZ_OK) return r;
      if (e == BZ_STREAM_END) {
        // Several bzip2 streams may follow each other (pbzip2, cat a b).
        void* unused;
        int nunused;
        char rest[BZ_MAX_UNUSED];
        BZ2_bzReadGetUnused(&e, bz, &unused, &nunused);
        std::memcpy(rest, unused, static_cast<size_t>(nunused));
        BZ2_bzReadClose(&e, bz);
        bz = nullptr;
        if (nunused > 0 || !feof(file)) {
          bz = BZ2_bzReadOpen(&e, file, 0, 0, rest, nunused);
          if (e != BZ_OK) bz = nullptr;
        }
        if (r > 0) return r;
        continue;
      }
      *err = "bzip2 data error";
      return -1;
    }
  }
};

std::unique_ptr<LineReader> LineReader::open(const std::string& path, size_t max_line, std::string* err) {
  std::unique_ptr<LineReader> r(new LineReader());
  r->max_line_ = max_line;
  if (path == "-") {
    r->fd_ = 0;
  } else {
    r->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (r->fd_ < 0) {
      *err = std::strerror(errno);
      return nullptr;
    }
    r->own_fd_ = true;
  }
  struct stat st;
  if (fstat(r->fd_, &st) != 0) {
    *err = std::strerror(errno);
    return nullptr;
  }
  if (S_ISDIR(st.st_mode)) {
    *err = "Is a directory";
    return nullptr;
  }
  r->mtime_ = S_ISREG(st.st_mode) ? st.st_mtime : time(nullptr);
  r->pollable_ = !S_ISREG(st.st_mode);
  if (S_ISREG(st.st_mode)) {
    unsigned char magic[3] = {0, 0, 0};
    ssize_t n = pread(r->fd_, magic, 3, 0);
    if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      r->decoder_.reset(new Decoder{Decoder::kGzip});
      r->decoder_->gz = gzdopen(dup(r->fd_), "rb");
    } else if (n == 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
      r->decoder_.reset(new Decoder{Decoder::kBzip2});
      r->decoder_->file = fdopen(dup(r->fd_), "rb");
      int e = BZ_OK;
      if (r->decoder_->file) r->decoder_->bz = BZ2_bzReadOpen(&e, r->decoder_->file, 0, 0, nullptr, 0);
      if (e != BZ_OK) r->decoder_->bz = nullptr;
    }
    if (r->decoder_ && !r->decoder_->gz && !r->decoder_->bz) {
      *err = "cannot start decompression";
      return nullptr;
    }
  }
  r->buf_.reset(new char[kBufSize]);
  return r;
}

LineReader::~LineReader() {
  decoder_.reset();
  if (own_fd_ && fd_ >= 0) ::close(fd_);
}

const char* LineReader::compression() const {
  if (!decoder_) return nullptr;
  return decoder_->kind == Decoder::kGzip ? "gzip" : "bzip2";
}

long LineReader::fill(int timeout_ms, std::string* err) {
  if (decoder_) return decoder_->read(buf_.get(), kBufSize, err);
  if (pollable_ && timeout_ms >= 0) {
    struct pollfd p = {fd_, POLLIN, 0};
    int n;
    do n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n == 0) return -2;
  }
  ssize_t n;
  do n = ::read(fd_, buf_.get(), kBufSize);
  while (n < 0 && errno == EINTR);
  if (n < 0) *err = std::strerror(errno);
  return n;
}

LineReader::Status LineReader::next(std::string_view* line, bool* cut, int timeout_ms, std::string* err) {
  if (line_used_) {
    line_.clear();
    line_used_ = false;
  }
  for (;;) {
    const char* start = buf_.get() + begin_;
    const char* nl = static_cast<const char*>(memchr(start, '\n', end_ - begin_));
    if (nl) {
      size_t n = static_cast<size_t>(nl - start);
      begin_ += n + 1;
      if (skipping_) {
        skipping_ = false;
        *line = line_;
        *cut = true;
        line_used_ = true;
        return Status::kLine;
      }
      if (line_.empty() && n <= max_line_) {
        *line = std::string_view(start, n);  // the fast path: no copy
        *cut = false;
        return Status::kLine;
      }
      size_t room = max_line_ - line_.size();
      line_.append(start, n < room ? n : room);
      *cut = n > room;
      *line = line_;
      line_used_ = true;  // line_ is cleared on the next call
      return Status::kLine;
    }
    // No newline in the buffer: keep the partial line and read more.
    size_t n = end_ - begin_;
    if (!skipping_) {
      size_t room = max_line_ - line_.size();
      line_.append(start, n < room ? n : room);
      if (n > room) skipping_ = true;
    }
    begin_ = end_ = 0;
    if (eof_) {
      if (line_.empty() && !skipping_) return Status::kEof;
      *cut = skipping_;
      skipping_ = false;
      *line = line_;
      line_used_ = true;
      return Status::kLine;  // a last line without '\n'
    }
    long got = fill(timeout_ms, err);
    if (got == -2) return Status::kTimeout;
    if (got < 0) return Status::kError;
    if (got == 0) eof_ = true;
    end_ = static_cast<size_t>(got);
  }
}

}  // namespace pgtail
