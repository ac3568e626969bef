#include "output.hpp"

#include <errno.h>
#include <unistd.h>

#include <cstring>

namespace pgtail {

bool Output::flush() {
  size_t done = 0;
  const char* data = buf_.GetString();
  size_t size = buf_.GetSize();
  while (done < size && error_.empty()) {
    ssize_t n = ::write(fd_, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error_ = std::string("write error on standard output: ") + std::strerror(errno);
    else done += static_cast<size_t>(n);
  }
  buf_.Clear();
  return error_.empty();
}

}  // namespace pgtail
