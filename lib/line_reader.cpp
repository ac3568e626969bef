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
}  // namespace

/// A decompressor reading from the file descriptor.
struct LineReader::Decoder {
  enum Kind { kGzip, kBzip2 } kind;
  gzFile gz = nullptr;
  // bzip2 through its stream API, so that the whole blocks before damage or
  // a cut are still delivered (BZ2_bzRead gives nothing of the failing call).
  int fd = -1;
  bz_stream bz{};
  bool bz_open = false, bz_input_end = false, bz_failed = false;
  std::unique_ptr<char[]> in;

  ~Decoder() {
    if (gz) gzclose(gz);
    if (bz_open) BZ2_bzDecompressEnd(&bz);
  }

  explicit Decoder(Kind k) : kind(k) {}

  /// Starts (another) bzip2 stream, keeping the stream's buffer pointers.
  bool start_bzip2() {
    bz_stream keep = bz;
    bz_open = BZ2_bzDecompressInit(&bz, 0, 0) == BZ_OK;
    bz.next_in = keep.next_in;
    bz.avail_in = keep.avail_in;
    bz.next_out = keep.next_out;
    bz.avail_out = keep.avail_out;
    return bz_open;
  }

  /// Reads up to n bytes: >0, 0 at the end, -1 on error (with *err).
  long read(char* p, size_t n, std::string* err) {
    if (kind == kBzip2) return read_bzip2(p, n, err);
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

  long read_bzip2(char* p, size_t n, std::string* err) {
    bz.next_out = p;
    bz.avail_out = static_cast<unsigned>(n);
    for (;;) {
      size_t produced = n - bz.avail_out;
      if (produced == n || bz_failed) {
        if (produced > 0) return static_cast<long>(produced);
        *err = "bzip2 data error";
        return -1;
      }
      if (bz.avail_in == 0 && !bz_input_end) {
        if (!in) in.reset(new char[kBufSize]);
        ssize_t got;
        do got = ::read(fd, in.get(), kBufSize);
        while (got < 0 && errno == EINTR);
        if (got < 0) {
          *err = std::strerror(errno);
          return -1;
        }
        bz_input_end = got == 0;
        bz.next_in = in.get();
        bz.avail_in = static_cast<unsigned>(got);
        continue;
      }
      if (bz.avail_in == 0) {  // the end of the file
        if (produced > 0 || !bz_open) return static_cast<long>(produced);
        bz_failed = true;  // it stops inside a stream: cut short
        continue;
      }
      // Several streams may follow each other (pbzip2, cat a.bz2 b.bz2).
      if (!bz_open && !start_bzip2()) bz_failed = true;
      int r = bz_failed ? BZ_DATA_ERROR : BZ2_bzDecompress(&bz);
      if (r == BZ_STREAM_END) {
        bz_stream keep = bz;
        BZ2_bzDecompressEnd(&bz);
        bz = keep;
        bz_open = false;
      } else if (r != BZ_OK) {
        bz_failed = true;
      }
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
      r->decoder_.reset(new Decoder(Decoder::kGzip));
      r->decoder_->gz = gzdopen(dup(r->fd_), "rb");
    } else if (n == 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
      r->decoder_.reset(new Decoder(Decoder::kBzip2));
      r->decoder_->fd = r->fd_;
      r->decoder_->start_bzip2();
    }
    if (r->decoder_ && !r->decoder_->gz && !r->decoder_->bz_open) {
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
