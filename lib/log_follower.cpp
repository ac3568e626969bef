#include "log_follower.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pgtail {

namespace {

/// A line with no end yet is handed on anyway past this size.
constexpr size_t kMaxPartial = 1 << 20;

struct Saved {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t offset = 0;
  bool found = false;
};

/// The saved offset of `source`: lines "DEV INO OFFSET SOURCE".
Saved saved_offset(const std::string& state, const std::string& source) {
  Saved s;
  std::ifstream f(state);
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    unsigned long long dev, ino;
    long long off;
    std::string rest;
    if (!(in >> dev >> ino >> off)) continue;
    std::getline(in >> std::ws, rest);
    if (rest != source) continue;
    s.dev = static_cast<dev_t>(dev);
    s.ino = static_cast<ino_t>(ino);
    s.offset = static_cast<off_t>(off);
    s.found = true;
  }
  return s;
}

}  // namespace

LogFollower::LogFollower(std::vector<std::string> sources, std::string state_path)
    : state_path_(std::move(state_path)), inotify_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
  for (std::string& s : sources) {
    File f;
    f.source = std::move(s);
    files_.push_back(std::move(f));
  }
}

LogFollower::~LogFollower() {
  for (File& f : files_)
    if (f.fd >= 0) close(f.fd);
  if (inotify_ >= 0) close(inotify_);
}

std::string LogFollower::resolve(const std::string& source) const {
  struct stat st;
  if (stat(source.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return source;
  // A data directory: the stderr (else csvlog, else jsonlog) file of current_logfiles.
  std::ifstream f(source + "/current_logfiles");
  std::string line, found;
  int rank = 99;
  while (std::getline(f, line)) {
    size_t sp = line.find(' ');
    if (sp == std::string::npos) continue;
    std::string kind = line.substr(0, sp), path = line.substr(sp + 1);
    int r = kind == "stderr" ? 0 : kind == "csvlog" ? 1 : kind == "jsonlog" ? 2 : 99;
    if (r < rank) {
      rank = r;
      found = path[0] == '/' ? path : source + "/" + path;
    }
  }
  return found;
}

bool LogFollower::open_at(File& f, const std::string& path, bool at_end, off_t offset) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  fstat(fd, &st);
  if (f.fd >= 0) close(f.fd);
  if (f.watch >= 0) inotify_rm_watch(inotify_, f.watch);
  f.watch = inotify_ >= 0 ? inotify_add_watch(inotify_, path.c_str(), IN_MODIFY) : -1;
  f.fd = fd;
  f.path = path;
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.offset = at_end ? st.st_size : offset;
  f.partial.clear();
  return true;
}

void LogFollower::start(std::vector<std::string>* notes) {
  for (File& f : files_) {
    std::string path = resolve(f.source);
    struct stat st;
    if (path.empty() || stat(path.c_str(), &st) != 0) {
      notes->push_back("waiting for " + (path.empty() ? f.source + "/current_logfiles" : path) + " to appear");
      continue;
    }
    Saved s = saved_offset(state_path_, f.source);
    bool same = s.found && s.dev == st.st_dev && s.ino == st.st_ino && s.offset <= st.st_size;
    if (!open_at(f, path, !s.found, same ? s.offset : 0)) {
      notes->push_back("cannot open " + path + ": " + std::strerror(errno));
      continue;
    }
    if (s.found && !same) notes->push_back(path + " was replaced while stopped: reading it from its start");
  }
}

void LogFollower::read_new(File& f, std::string* out, size_t max) {
  char buf[65536];
  while (out->size() < max) {
    ssize_t n = pread(f.fd, buf, sizeof buf, f.offset + static_cast<off_t>(f.partial.size()));
    if (n <= 0) break;
    f.partial.append(buf, static_cast<size_t>(n));
    size_t end = f.partial.rfind('\n');
    if (end == std::string::npos && f.partial.size() < kMaxPartial) continue;
    size_t take = end == std::string::npos ? f.partial.size() : end + 1;
    out->append(f.partial, 0, take);
    if (end == std::string::npos) out->push_back('\n');
    f.partial.erase(0, take);
    f.offset += static_cast<off_t>(take);
  }
}

void LogFollower::poll(std::string* out, size_t max, std::vector<std::string>* notes) {
  for (File& f : files_) {
    std::string path = resolve(f.source);
    struct stat named;
    bool exists = !path.empty() && stat(path.c_str(), &named) == 0;
    if (f.fd < 0) {
      if (exists && open_at(f, path, false, 0)) notes->push_back("following " + path);
      if (f.fd < 0) continue;
    }
    struct stat st;
    fstat(f.fd, &st);
    if (st.st_size < f.offset) {  // truncated: from the start again
      notes->push_back(f.path + " was truncated: reading it from its start");
      f.offset = 0;
      f.partial.clear();
    }
    read_new(f, out, max);
    bool replaced = exists && (path != f.path || named.st_dev != f.dev || named.st_ino != f.ino);
    char probe;
    if (replaced && pread(f.fd, &probe, 1, f.offset + static_cast<off_t>(f.partial.size())) <= 0) {
      // The old file is read to its end; what it held of a last line goes too.
      if (!f.partial.empty()) out->append(f.partial + "\n");
      if (open_at(f, path, false, 0)) notes->push_back("following " + path);
      read_new(f, out, max);
    }
  }
}

void LogFollower::wait(int64_t timeout_ms) {
  if (inotify_ < 0) {
    usleep(static_cast<useconds_t>(timeout_ms * 1000));
    return;
  }
  pollfd p = {inotify_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout_ms)) <= 0) return;
  alignas(inotify_event) char buf[4096];
  while (read(inotify_, buf, sizeof buf) > 0) {
  }
}

bool LogFollower::save(std::string* err) const {
  if (state_path_.empty()) return true;
  std::string text;
  for (const File& f : files_)
    if (f.fd >= 0)
      text += std::to_string(static_cast<unsigned long long>(f.dev)) + " " +
              std::to_string(static_cast<unsigned long long>(f.ino)) + " " +
              std::to_string(static_cast<long long>(f.offset)) + " " + f.source + "\n";
  std::string tmp = state_path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.flush()) {
      *err = "cannot write " + tmp + ": " + std::strerror(errno);
      return false;
    }
  }
  if (rename(tmp.c_str(), state_path_.c_str()) != 0) {
    *err = "cannot rename " + tmp + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace pgtail
