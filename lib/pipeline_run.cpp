#include "pipeline_run.hpp"

#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "config.hpp"
#include "diag.hpp"
#include "exit_status.hpp"
#include "log_follower.hpp"

namespace pgtail {

namespace {

volatile sig_atomic_t g_stop = 0, g_reload = 0;
void on_stop(int) { g_stop = g_stop + 1; }
void on_reload(int) { g_reload = 1; }

constexpr int64_t kSaveEveryMs = 1000;

int64_t monotonic_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

struct Stage {
  std::string name;
  std::vector<std::string> args;
  pid_t pid = 0;
  int status = -1;  ///< exit status once it ended
};

/// Starts `s` reading `in` and writing `out` (closed in the child otherwise),
/// in a process group of its own: a Ctrl-C at the terminal reaches only
/// pg-webhook, which stops the run in order.
bool spawn(Stage& s, int in, int out, const std::vector<int>& close_fds) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    // A reload passed on before the stage has its handler must not end it
    // (SIGHUP's default): ignored until then, and each stage installs its
    // handler before it reads the file, so no change is missed.
    signal(SIGHUP, SIG_IGN);
    dup2(in, 0);
    dup2(out, 1);
    for (int fd : close_fds) close(fd);
    std::vector<char*> argv;
    for (std::string& a : s.args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "pg-webhook: cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(kExitSoftware);
  }
  s.pid = pid;
  return true;
}

bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

/// Another run using this spool, or 0.
pid_t running(const std::string& pidfile) {
  std::ifstream f(pidfile);
  long pid = 0;
  if (!(f >> pid) || pid <= 1 || pid == getpid()) return 0;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  return std::getline(comm, name) && name == "pg-webhook" ? static_cast<pid_t>(pid) : 0;
}

/// Reaps the stages that ended; the first unexpected end is reported.
bool reap(std::vector<Stage>& stages, bool stopping) {
  bool died = false;
  for (Stage& s : stages) {
    int st;
    if (s.status >= 0 || waitpid(s.pid, &st, WNOHANG) != s.pid) continue;
    s.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (!stopping) {
      message(s.name + " ended (status " + std::to_string(s.status) + "): stopping the pipeline");
      died = true;
    }
  }
  return died;
}

}  // namespace

std::string run_pidfile(const std::string& spool) { return spool + "/run.pid"; }

std::vector<std::string> lsclusters_logs(const std::string& text) {
  std::vector<std::string> online, all;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream cols(line);
    std::string ver, name, port, status, owner, data, log;
    if (!(cols >> ver >> name >> port >> status >> owner >> data)) continue;
    cols >> log;
    struct stat st;
    std::string path = !log.empty() && log[0] == '/' && stat(log.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? log : data;
    all.push_back(path);
    if (status.compare(0, 6, "online") == 0) online.push_back(path);
  }
  return online.empty() ? all : online;
}

std::vector<std::string> find_server_logs(const std::string& root, std::string* how) {
  const char* pgdata = std::getenv("PGDATA");
  if (pgdata && *pgdata) {
    *how = "$PGDATA";
    return {pgdata};
  }
  if (root.empty()) {
    std::string text;
    if (FILE* p = popen("pg_lsclusters --no-header 2>/dev/null", "r")) {
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
      pclose(p);
    }
    std::vector<std::string> logs = lsclusters_logs(text);
    if (!logs.empty()) {
      *how = "pg_lsclusters";
      return logs;
    }
  }
  static const char* const kUsual[] = {"/var/log/postgresql/postgresql-*.log", "/var/lib/pgsql/*/data",
                                       "/var/lib/pgsql/data"};
  *how = "no $PGDATA, no cluster in pg_lsclusters, nothing in";
  for (const char* pattern : kUsual) {
    glob_t g;
    std::vector<std::string> logs;
    if (glob((root + pattern).c_str(), 0, nullptr, &g) == 0)
      for (size_t i = 0; i < g.gl_pathc; ++i) logs.push_back(g.gl_pathv[i]);
    globfree(&g);
    if (!logs.empty()) {
      *how = std::string("the usual place ") + pattern;
      return logs;
    }
    *how += std::string(pattern == kUsual[0] ? " " : ", ") + root + pattern;
  }
  return {};
}

int run_pipeline(const RunOptions& o) {
  Config config;
  std::string err;
  if (!load_config(o.config_path, &config, &err)) {
    message(err);
    return kExitConfig;
  }
  std::vector<std::string> logs = o.logs;
  if (logs.empty()) {
    std::string how;
    logs = find_server_logs("", &how);
    if (logs.empty()) {
      message("no log to follow (" + how + "): give LOGFILE (or a data directory), or set $PGDATA");
      return kExitUsage;
    }
    message("the server's log (from " + how + "):");
  }
  mkdir(o.spool.c_str(), 0700);
  std::string pidfile = run_pidfile(o.spool);
  if (pid_t other = running(pidfile)) {
    message("another pg-webhook run (pid " + std::to_string(other) + ") uses " + o.spool);
    return kExitCantCreat;
  }
  // The handlers are there before the pidfile says the run is up: a
  // command that changes the file may signal it at once.
  struct sigaction sa = {};
  sa.sa_handler = on_stop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = on_reload;
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // The logs' ends are taken before the pidfile too, so a line written once
  // the pidfile is there is never skipped.
  LogFollower follower(logs, o.spool + "/run.offsets");
  std::vector<std::string> notes;
  follower.start(&notes);
  {
    std::ofstream pf(pidfile, std::ios::trunc);
    if (!(pf << getpid() << "\n")) {
      message("cannot write " + pidfile + ": " + std::strerror(errno));
      return kExitCantCreat;
    }
  }
  for (const std::string& l : logs) message("following " + l);
  for (const std::string& n : notes) message(n);

  std::string cfg = "--config=" + o.config_path;
  std::vector<Stage> stages = {
      // PostgreSQL writes an entry with its DETAIL, HINT and STATEMENT lines
      // in one write, and the follower wakes on it: 20 ms of quiet is enough
      // to know the entry is whole (pg-parse's 50 ms default was half the
      // latency of an alert).
      {"pg-parse", {o.tools_dir + "/pg-parse", "-q", "--idle-flush", "20"}},
      {"pg-match", {o.tools_dir + "/pg-match", cfg}},
      {"pg-format", {o.tools_dir + "/pg-format", cfg}},
      {"pg-send", {o.tools_dir + "/pg-send", cfg, "--spool", o.spool,
                   "--drain-timeout", std::to_string(o.drain_ms) + "ms"}}};
  // pipes[i] feeds stage i; the last stage writes to our stdout.
  std::vector<int> fds;
  int pipes[4][2];
  for (auto& p : pipes) {
    if (pipe2(p, O_CLOEXEC) != 0) {
      message(std::string("cannot create a pipe: ") + std::strerror(errno));
      unlink(pidfile.c_str());
      return kExitSoftware;
    }
    fds.push_back(p[0]);
    fds.push_back(p[1]);
  }
  for (size_t i = 0; i < stages.size(); ++i) {
    int out = i + 1 < stages.size() ? pipes[i + 1][1] : 1;
    if (!spawn(stages[i], pipes[i][0], out, fds)) {
      message(std::string("cannot start ") + stages[i].name + ": " + std::strerror(errno));
      for (int fd : fds) close(fd);
      for (size_t k = 0; k < i; ++k) {
        kill(stages[k].pid, SIGTERM);
        waitpid(stages[k].pid, nullptr, 0);
      }
      unlink(pidfile.c_str());
      return kExitSoftware;
    }
  }
  for (size_t i = 0; i < stages.size(); ++i) {
    close(pipes[i][0]);
    if (i > 0) close(pipes[i][1]);
  }
  int feed = pipes[0][1];

  bool died = false;
  std::string chunk;
  // The offsets of what was handed on are saved every second too, so that a
  // run that is killed resumes there, not at its last clean stop (a flood of
  // old alerts); the stages finish what they hold when their input closes.
  int64_t next_save = monotonic_ms() + kSaveEveryMs;
  bool unsaved = false, save_failed = false;
  while (!g_stop && !died) {
    if (g_reload) {
      g_reload = 0;
      for (Stage& s : stages)
        if (s.name != "pg-parse" && s.status < 0) kill(s.pid, SIGHUP);
    }
    chunk.clear();
    notes.clear();
    follower.poll(&chunk, 1 << 20, &notes);
    for (const std::string& n : notes) message(n);
    if (!chunk.empty() && !write_all(feed, chunk)) died = true;
    unsaved = unsaved || !chunk.empty();
    if (unsaved && monotonic_ms() >= next_save) {
      bool ok = follower.save(&err);
      if (!ok && !save_failed) message(err);
      save_failed = !ok;
      unsaved = false;
      next_save = monotonic_ms() + kSaveEveryMs;
    }
    died = reap(stages, false) || died;
    if (chunk.empty() && !died) follower.wait(o.poll_ms);
  }
  // The stop: the input ends, each stage finishes its work in turn.
  close(feed);
  if (!follower.save(&err)) message(err);
  int64_t deadline = monotonic_ms() + o.drain_ms + 5000;
  bool signalled = false;
  for (;;) {
    reap(stages, true);
    bool all = true;
    for (Stage& s : stages) all = all && s.status >= 0;
    if (all) break;
    if (!signalled && (g_stop > 1 || died || monotonic_ms() > deadline)) {
      for (Stage& s : stages)
        if (s.status < 0) kill(s.pid, SIGTERM);
      signalled = true;
    }
    usleep(20000);
  }
  unlink(pidfile.c_str());
  if (died) return kExitSoftware;
  return stages.back().status;
}

}  // namespace pgtail
