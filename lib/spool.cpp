#include "spool.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "config.hpp"

namespace pgtail {

namespace {

constexpr size_t kMaxFile = 64 << 20;  ///< larger than any delivery pg-send reads

std::string errno_text() { return std::strerror(errno); }

/// "0000000000000042" -> 42; false for any other name.
bool parse_seq(std::string_view name, uint64_t* seq) {
  if (name.size() != kSeqDigits) return false;
  uint64_t v = 0;
  for (char c : name) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *seq = v;
  return true;
}

std::string seq_name(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", kSeqDigits, static_cast<unsigned long long>(seq));
  return buf;
}

/// Calls fn(name) for each name in directory `sub` of `dir_fd` ("." and
/// ".." left out), without keeping them: a spool may hold a million.
template <class F>
void each_name(int dir_fd, const char* sub, F fn) {
  int fd = openat(dir_fd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  DIR* d = fdopendir(fd);
  if (!d) {
    close(fd);
    return;
  }
  while (struct dirent* e = readdir(d))
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) fn(std::string_view(e->d_name));
  closedir(d);
}

std::vector<std::string> list_dir(int dir_fd, const char* sub) {
  std::vector<std::string> out;
  each_name(dir_fd, sub, [&](std::string_view n) { out.emplace_back(n); });
  return out;
}

/// The sequence numbers of the deliveries in `sub`, ascending.
std::vector<uint64_t> seqs_in(int dir_fd, const char* sub) {
  std::vector<uint64_t> out;
  uint64_t seq;
  each_name(dir_fd, sub, [&](std::string_view n) {
    if (parse_seq(n, &seq)) out.push_back(seq);
  });
  std::sort(out.begin(), out.end());
  return out;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

/// Writes `data` to `name` in `dir_fd` with mode 0600: a new file (O_EXCL:
/// never over another one), or with `reuse` an existing one, overwritten
/// and then cut to size (not emptied first: freeing its blocks would make
/// the file system discard them, and ext4 writes back a file truncated to
/// zero when it is closed). False with errno set.
bool write_file(int dir_fd, const std::string& name, std::string_view data, bool reuse = false) {
  int flags = reuse ? O_WRONLY | O_CLOEXEC : O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
  int fd = openat(dir_fd, name.c_str(), flags, 0600);
  if (fd < 0) return false;
  bool ok = write_all(fd, data) && (!reuse || ftruncate(fd, static_cast<off_t>(data.size())) == 0);
  int saved = errno;
  if (close(fd) != 0 && ok) return false;
  if (!ok) {
    unlinkat(dir_fd, name.c_str(), 0);
    errno = saved;
  }
  return ok;
}

bool read_fd(int fd, std::string* out) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > kMaxFile) {
      errno = EFBIG;
      return false;
    }
  }
}

/// Renames without replacing; where the file system cannot, link + unlink
/// does the same.
int rename_noreplace(int dir_fd, const char* from, int to_fd, const char* to) {
  if (renameat2(dir_fd, from, to_fd, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  if (linkat(dir_fd, from, to_fd, to, 0) != 0) return -1;
  unlinkat(dir_fd, from, 0);
  return 0;
}

std::string iso_time(int64_t s) {
  time_t t = static_cast<time_t>(s);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t parse_iso_time(const char* s) {
  struct tm tm = {};
  if (!strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

/// The pid written in a .lock file, or 0.
pid_t lock_owner(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  return n > 0 ? static_cast<pid_t>(std::atol(buf)) : 0;
}

}  // namespace

std::string spool_root(const std::string& flag, const std::string& config_spool) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("PGTAIL_SPOOL"); env && *env) return env;
  if (!config_spool.empty()) return config_spool;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/') return std::string(xdg) + "/pgtail/spool";
  const char* home = std::getenv("HOME");
  if (!home || !*home) {
    struct passwd* pw = getpwuid(getuid());
    home = pw ? pw->pw_dir : "/";
  }
  return std::string(home) + "/.local/state/pgtail/spool";
}

bool make_dirs(const std::string& dir, std::string* err) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    std::string part = dir.substr(0, i);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      *err = "cannot create spool " + part + ": " + errno_text();
      return false;
    }
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *err = "cannot create spool " + dir + ": " + (errno ? errno_text() : "not a directory");
    return false;
  }
  return true;
}

std::vector<std::string> spool_webhooks(const std::string& root) {
  std::vector<std::string> out;
  std::string err;
  for (const std::string& n : list_dir(AT_FDCWD, root.c_str())) {
    struct stat st;
    if (valid_webhook_name(n, &err) && stat((root + "/" + n).c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool read_state(const std::string& path, SpoolState* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string text;
  bool ok = read_fd(fd, &text);
  close(fd);
  rapidjson::Document d;
  if (!ok || d.Parse(text.c_str()).HasParseError() || !d.IsObject()) return false;
  auto str = [&](const char* k) { return d.HasMember(k) && d[k].IsString() ? std::string(d[k].GetString()) : ""; };
  out->time_s = parse_iso_time(str("time").c_str());
  out->result = str("result");
  out->error = str("error");
  out->status = d.HasMember("status") && d["status"].IsInt() ? d["status"].GetInt() : 0;
  out->latency_ms = d.HasMember("latency_ms") && d["latency_ms"].IsInt64() ? d["latency_ms"].GetInt64() : -1;
  return true;
}

SpoolSummary summarize_spool(const std::string& root, const std::string& name) {
  SpoolSummary s;
  s.name = name;
  std::string dir = root + "/" + name;
  std::vector<uint64_t> queued = seqs_in(AT_FDCWD, dir.c_str());
  s.queued = queued.size();
  s.dead = seqs_in(AT_FDCWD, (dir + "/dead").c_str()).size();
  struct stat st;
  if (!queued.empty() && stat((dir + "/" + seq_name(queued.front())).c_str(), &st) == 0)
    s.oldest_s = static_cast<int64_t>(st.st_mtime);
  s.has_state = read_state(dir + "/state", &s.state);
  int fd = open((dir + "/.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (flock(fd, LOCK_SH | LOCK_NB) != 0) s.holder = lock_owner(fd);
    close(fd);
  }
  return s;
}

WebhookSpool::WebhookSpool(std::string root, std::string name)
    : root_(std::move(root)), name_(std::move(name)), dir_(root_ + "/" + name_) {}

WebhookSpool::~WebhookSpool() {
  unstage();
  if (lock_fd_ >= 0) close(lock_fd_);
  if (dir_fd_ >= 0) close(dir_fd_);
}

bool WebhookSpool::open(std::string* err) {
  if (!make_dirs(dir_ + "/dead", err)) return false;
  dir_fd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) {
    *err = "cannot open spool " + dir_ + ": " + errno_text();
    return false;
  }
  auto take = [this](std::string_view n) {
    uint64_t seq;
    if (n.rfind(".free.", 0) == 0 && free_.size() < kFreeFiles) free_.emplace_back(n);
    // the numbers of temp files (.NNN.PID.tmp) and of dead ones (NNN.reason) are taken too
    if (parse_seq(n, &seq) || (n.size() > kSeqDigits && parse_seq(n.substr(n[0] == '.', kSeqDigits), &seq)))
      next_seq_ = std::max(next_seq_, seq + 1);
  };
  each_name(dir_fd_, ".", take);
  each_name(dir_fd_, "dead", take);
  return true;
}

bool WebhookSpool::lock(pid_t* holder) {
  if (lock_fd_ >= 0) return true;
  int fd = openat(dir_fd_, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    *holder = 0;
    return false;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    *holder = lock_owner(fd);
    close(fd);
    return false;
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) == 0) (void)!pwrite(fd, pid.data(), pid.size(), 0);
  lock_fd_ = fd;
  return true;
}

size_t WebhookSpool::recover() {
  std::vector<std::pair<uint64_t, std::string>> temps;
  each_name(dir_fd_, ".", [&](std::string_view name) {
    if (name.size() < 5 || name.substr(name.size() - 4) != ".tmp") return;
    std::string n(name);
    unsigned long long seq;
    long pid;
    int used = 0;
    if (std::sscanf(n.c_str(), ".%llu.%ld.tmp%n", &seq, &pid, &used) != 2 || static_cast<size_t>(used) != n.size())
      return;
    if (pid == getpid() || kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) return;  // still writing
    temps.emplace_back(seq, n);
  });
  std::sort(temps.begin(), temps.end());
  size_t kept = 0;
  for (auto& [seq, temp] : temps) {
    std::string data, err;
    int fd = openat(dir_fd_, temp.c_str(), O_RDONLY | O_CLOEXEC);
    bool complete = fd >= 0 && read_fd(fd, &data) && !data.empty() && data.back() == '\n';
    if (fd >= 0) close(fd);
    uint64_t placed = seq;
    if (complete && place(temp, &placed, &err))
      ++kept;
    else
      unlinkat(dir_fd_, temp.c_str(), 0);
  }
  if (kept) fsync(dir_fd_);
  return kept;
}

bool WebhookSpool::stage(std::string_view line, std::string* err) {
  if (dir_fd_ < 0) {
    *err = "spool " + dir_ + " is not open";
    return false;
  }
  uint64_t seq = next_seq_++;
  std::string temp = "." + seq_name(seq) + "." + std::to_string(getpid()) + ".tmp";
  std::string data(line);
  data += '\n';
  if (!write_temp(temp, data)) {
    *err = "cannot write spool " + dir_ + ": " + errno_text();
    return false;
  }
  staged_.push_back({seq, std::move(temp)});
  return true;
}

bool WebhookSpool::write_temp(const std::string& temp, std::string_view data) {
  std::string reuse;
  {
    std::lock_guard<std::mutex> g(free_mu_);
    if (!free_.empty()) {
      reuse = std::move(free_.back());
      free_.pop_back();
    }
  }
  if (!reuse.empty() && renameat(dir_fd_, reuse.c_str(), dir_fd_, temp.c_str()) == 0) {
    if (write_file(dir_fd_, temp, data, true)) return true;
    unlinkat(dir_fd_, temp.c_str(), 0);
  }
  return write_file(dir_fd_, temp, data);
}

bool WebhookSpool::place(const std::string& from, uint64_t* seq, std::string* err) {
  next_seq_ = std::max(next_seq_, *seq + 1);
  for (;;) {
    if (rename_noreplace(dir_fd_, from.c_str(), dir_fd_, seq_name(*seq).c_str()) == 0) return true;
    if (errno != EEXIST) {
      *err = "cannot write spool " + dir_ + ": " + errno_text();
      return false;
    }
    *seq = next_seq_++;  // another writer took the number
  }
}

bool WebhookSpool::commit(std::vector<uint64_t>* seqs, std::string* err) {
  if (staged_.empty()) return true;
  if (syncfs(dir_fd_) != 0) {
    *err = "cannot sync spool " + dir_ + ": " + errno_text();
    return false;
  }
  for (size_t i = 0; i < staged_.size(); ++i) {
    uint64_t seq = staged_[i].seq;
    if (!place(staged_[i].temp, &seq, err)) {
      staged_.erase(staged_.begin(), staged_.begin() + static_cast<long>(i));
      return false;
    }
    seqs->push_back(seq);
  }
  staged_.clear();
  if (fsync(dir_fd_) != 0) {
    *err = "cannot sync spool " + dir_ + ": " + errno_text();
    return false;
  }
  return true;
}

void WebhookSpool::unstage() {
  for (const Staged& s : staged_) unlinkat(dir_fd_, s.temp.c_str(), 0);
  staged_.clear();
}

std::vector<uint64_t> WebhookSpool::scan() const { return seqs_in(dir_fd_, "."); }

WebhookSpool::Read WebhookSpool::read(uint64_t seq, std::string* data, int64_t* mtime_ms, std::string* err) const {
  data->clear();
  int fd = openat(dir_fd_, seq_name(seq).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Read::kMissing;
  struct stat st;
  bool ok = fd >= 0 && fstat(fd, &st) == 0 && read_fd(fd, data);
  if (!ok) *err = "cannot read " + path(seq) + ": " + errno_text();
  if (fd >= 0) close(fd);
  if (!ok) return Read::kError;
  *mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  return Read::kOk;
}

void WebhookSpool::remove(uint64_t seq) {
  std::string name = seq_name(seq), spare = ".free." + name;
  bool keep;
  {
    std::lock_guard<std::mutex> g(free_mu_);
    keep = free_.size() < kFreeFiles;
  }
  if (keep && renameat(dir_fd_, name.c_str(), dir_fd_, spare.c_str()) == 0) {
    std::lock_guard<std::mutex> g(free_mu_);
    free_.push_back(std::move(spare));
    return;
  }
  unlinkat(dir_fd_, name.c_str(), 0);
}

bool WebhookSpool::bury(uint64_t seq, const std::string& reason, std::string* err) {
  std::string name = seq_name(seq), why = "dead/" + name + ".reason";
  unlinkat(dir_fd_, why.c_str(), 0);
  if (!write_file(dir_fd_, why, reason + "\n") ||
      renameat(dir_fd_, name.c_str(), dir_fd_, ("dead/" + name).c_str()) != 0) {
    *err = "cannot move " + path(seq) + " to dead/: " + errno_text();
    return false;
  }
  return true;
}

size_t WebhookSpool::requeue_dead(std::string* err) {
  size_t n = 0;
  for (uint64_t seq : seqs_in(dir_fd_, "dead")) {
    std::string from = "dead/" + seq_name(seq), temp = "." + seq_name(next_seq_) + "." + std::to_string(getpid()) + ".tmp";
    uint64_t placed = next_seq_++;
    // timed now, so that --max-age counts from the requeue
    if (renameat(dir_fd_, from.c_str(), dir_fd_, temp.c_str()) != 0 || utimensat(dir_fd_, temp.c_str(), nullptr, 0) != 0 ||
        !place(temp, &placed, err)) {
      if (err->empty()) *err = "cannot requeue " + dir_ + "/" + from + ": " + errno_text();
      return n;
    }
    unlinkat(dir_fd_, (from + ".reason").c_str(), 0);
    ++n;
  }
  if (n) fsync(dir_fd_);
  return n;
}

void WebhookSpool::write_state(const SpoolState& s) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  w.StartObject();
  w.Key("time");
  w.String(iso_time(s.time_s).c_str());
  w.Key("result");
  w.String(s.result.c_str());
  if (s.status) {
    w.Key("status");
    w.Int(static_cast<int>(s.status));
  }
  if (!s.error.empty()) {
    w.Key("error");
    w.String(s.error.c_str());
  }
  if (s.latency_ms >= 0) {
    w.Key("latency_ms");
    w.Int64(s.latency_ms);
  }
  w.EndObject();
  std::string temp = ".state." + std::to_string(getpid()) + ".tmp";
  unlinkat(dir_fd_, temp.c_str(), 0);
  if (write_file(dir_fd_, temp, std::string(b.GetString(), b.GetSize()) + "\n"))
    renameat(dir_fd_, temp.c_str(), dir_fd_, "state");
}

std::string WebhookSpool::path(uint64_t seq) const { return dir_ + "/" + seq_name(seq); }

}  // namespace pgtail
