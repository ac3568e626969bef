#pragma once
/// Helpers of the unit tests that touch the environment and the disk.
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace pgtail {

/// Sets (or unsets, with nullptr) an environment variable for one test and
/// puts the old value back after it.
struct EnvVar {
  std::string name_;
  std::optional<std::string> old_;
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* v = getenv(name)) old_ = v;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~EnvVar() {
    if (old_)
      setenv(name_.c_str(), old_->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }
};

/// A throwaway folder, removed with what it holds.
struct TempDir {
  std::string dir_;
  TempDir() {
    char tmpl[] = "/tmp/pgtail-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(dir_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  /// Writes `name` (mode 0600, as secrets and webhooks files are) and returns its path.
  std::string write(const std::string& name, const std::string& text, mode_t mode = 0600) const {
    std::string p = path(name);
    std::ofstream(p, std::ios::binary) << text;
    chmod(p.c_str(), mode);
    return p;
  }
};

}  // namespace pgtail
