#include "output.hpp"

#include <errno.h>
#include <unistd.h>

#include <cstring>

namespace pgtail {

bool Output::flush() {
  size_t done = 0;
  while (done < buf_.size() && error_.empty()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error_ = std::string("write error on standard output: ") + std::strerror(errno);
    else done += static_cast<size_t>(n);
  }
  buf_.clear();
  return error_.empty();
}

}  // namespace pgtail
