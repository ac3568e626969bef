#pragma once
/// Following PostgreSQL's logs the way `tail -F` does, for `pg-webhook run`:
/// a file renamed away (rotation) is read to its end and the new file under
/// the name is read from its start; a file cut shorter (truncation, as
/// log_truncate_on_rotation does) is read again from its start. A data
/// directory is followed through its current_logfiles (logging_collector),
/// switching to the file it names when it changes. Only whole lines are
/// handed on, so lines of several files never mix within a line.
///
/// Offsets survive restarts: the first start begins at the end of each
/// log; a later start resumes from the offset saved last (pg-webhook run
/// saves every second and at a stop) when
/// the file is the same one (device and inode), and reads a file that
/// replaced it meanwhile from its start.
#include <sys/types.h>

#include <cstdint>

#include <string>
#include <vector>

namespace pgtail {

class LogFollower {
 public:
  /// `sources`: log files, or data directories holding current_logfiles.
  /// `state_path`: the offsets file ("" for none: every log from its end).
  LogFollower(std::vector<std::string> sources, std::string state_path);
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  /// Opens the logs at their saved offsets (or their ends). Messages for
  /// people (a log not there yet) are added to *notes.
  void start(std::vector<std::string>* notes);
  /// Appends the complete lines written since the last call to *out (at
  /// most about `max` bytes). Messages for people go to *notes.
  void poll(std::string* out, size_t max, std::vector<std::string>* notes);
  /// Writes the offsets of what poll() handed on (temp file and rename).
  bool save(std::string* err) const;
  /// Sleeps until a followed file is written to (inotify) or `timeout_ms`
  /// pass, whichever is first; a signal ends it too. Rotation and logs not
  /// there yet are seen by the next poll() after the timeout.
  void wait(int64_t timeout_ms);

 private:
  struct File {
    std::string source;  ///< as given
    std::string path;    ///< the file followed now
    int fd = -1;
    int watch = -1;       ///< its inotify watch
    dev_t dev = 0;
    ino_t ino = 0;
    off_t offset = 0;     ///< of the bytes handed on or held in `partial`
    std::string partial;  ///< a line not finished yet
  };
  std::string resolve(const std::string& source) const;
  bool open_at(File& f, const std::string& path, bool at_end, off_t offset);
  void read_new(File& f, std::string* out, size_t max);
  std::vector<File> files_;
  std::string state_path_;
  int inotify_ = -1;
};

}  // namespace pgtail
