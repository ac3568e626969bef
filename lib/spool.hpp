#pragma once
/// pg-send's write-ahead spool (DESIGN.md contract 5): SPOOL/NAME/ per
/// webhook, one delivery per file named by a zero-padded sequence number
/// (0000000000000042), mode 0600, readable with cat and jq. A delivery is
/// written here before its first attempt and removed after its success;
/// rejected and expired ones go to SPOOL/NAME/dead/ beside a NNN.reason
/// file; SPOOL/NAME/state holds the last result; one process sends for a
/// webhook at a time, holding flock(2) on SPOOL/NAME/.lock.
///
/// Writes are crash-safe and batched: stage() writes a temp file
/// (.NNN.PID.tmp), commit() makes the batch durable (one syncfs), renames
/// each file into place without replacing any (so two writers never take
/// the same number) and syncs the folder. A kill between the two loses
/// nothing: recover() puts a dead process's complete temp files in place.
/// URLs and headers are never written here.
///
/// A delivered file is kept as .free.NNN and overwritten by a later
/// delivery (up to kFreeFiles of them) rather than removed: a spool of
/// thousands of files a second would otherwise allocate and free as many
/// inodes and blocks, which ext4 without a journal makes slower with every
/// recently freed inode, and a file system mounted with discard with every
/// freed block.
#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace pgtail {

/// Width of the sequence numbers in file names.
constexpr int kSeqDigits = 16;
/// Delivered files kept for reuse, per webhook.
constexpr size_t kFreeFiles = 65536;

/// The spool root: `flag` when not empty, else $PGTAIL_SPOOL, else
/// `config_spool` (the config's [global] spool), else
/// $XDG_STATE_HOME/pgtail/spool (an absolute one), else
/// ~/.local/state/pgtail/spool.
std::string spool_root(const std::string& flag, const std::string& config_spool);

/// Creates `dir` and its missing parents, mode 0700. *err on failure.
bool make_dirs(const std::string& dir, std::string* err);

/// SPOOL/NAME/state: the last result, for `pg-send --status` and
/// `pg-webhook list`. One JSON line: {"time":"2024-01-15T10:23:45Z",
/// "result":"delivered","status":200,"error":"…","latency_ms":12}.
struct SpoolState {
  int64_t time_s = 0;  ///< when, in seconds since the epoch
  /// delivered, retrying, rejected, expired or corrupt.
  std::string result;
  long status = 0;       ///< HTTP status; 0 for none (a network error)
  std::string error;     ///< why it was not delivered, secrets redacted
  int64_t latency_ms = -1;
};

/// What `--status` shows of one webhook's spool.
struct SpoolSummary {
  std::string name;
  size_t queued = 0, dead = 0;
  int64_t oldest_s = 0;  ///< the oldest queued delivery's time; 0 when none
  bool has_state = false;
  SpoolState state;
  pid_t holder = 0;      ///< the process sending for it now; 0 when none
};

/// The webhooks with a folder under `root`, sorted.
std::vector<std::string> spool_webhooks(const std::string& root);

/// Reads SPOOL/NAME's counts, oldest delivery, state and holder.
SpoolSummary summarize_spool(const std::string& root, const std::string& name);

/// Reads the state file `path`; false when it is missing or unreadable.
bool read_state(const std::string& path, SpoolState* out);

/// One webhook's folder.
class WebhookSpool {
 public:
  WebhookSpool(std::string root, std::string name);
  ~WebhookSpool();
  WebhookSpool(const WebhookSpool&) = delete;
  WebhookSpool& operator=(const WebhookSpool&) = delete;

  /// Creates SPOOL/NAME/ and dead/ (0700) and finds the next sequence
  /// number. False with *err ("cannot create spool /x: Permission denied").
  bool open(std::string* err);
  bool is_open() const { return dir_fd_ >= 0; }
  /// Takes the flock without waiting. False when another process holds
  /// it: then *holder is its pid (0 when unknown).
  bool lock(pid_t* holder);
  bool locked() const { return lock_fd_ >= 0; }
  /// Puts complete temp files of processes that are gone into place (in
  /// their order) and removes incomplete ones; returns how many were kept.
  size_t recover();

  /// Writes `line` (a '\n' is added) to a temp file of the next batch.
  bool stage(std::string_view line, std::string* err);
  /// Makes the staged files durable and visible; appends their sequence
  /// numbers, in order, to *seqs.
  bool commit(std::vector<uint64_t>* seqs, std::string* err);
  /// Drops what is staged (the caller keeps it elsewhere).
  void unstage();

  /// The sequence numbers of the queued deliveries, ascending.
  std::vector<uint64_t> scan() const;
  enum class Read { kOk, kMissing, kError };
  /// A delivery's bytes and its spooling time (the file's mtime, in ms).
  Read read(uint64_t seq, std::string* data, int64_t* mtime_ms, std::string* err) const;
  /// Removes a delivered one (kept as a .free file for reuse).
  void remove(uint64_t seq);
  /// Moves one to dead/ with `reason` in dead/NNN.reason.
  bool bury(uint64_t seq, const std::string& reason, std::string* err);
  /// Puts every dead delivery back at the end of the queue, timed now.
  /// Returns how many; *err set on the first failure.
  size_t requeue_dead(std::string* err);
  /// Replaces the state file (no fsync: it is informative).
  void write_state(const SpoolState& s);

  std::string path(uint64_t seq) const;
  const std::string& dir() const { return dir_; }
  const std::string& name() const { return name_; }

 private:
  struct Staged {
    uint64_t seq;
    std::string temp;
  };
  bool place(const std::string& from, uint64_t* seq, std::string* err);
  /// Writes `data` to the new temp file `temp`, reusing a free file.
  bool write_temp(const std::string& temp, std::string_view data);

  std::string root_, name_, dir_;
  int dir_fd_ = -1, lock_fd_ = -1;
  uint64_t next_seq_ = 1;
  std::vector<Staged> staged_;
  std::mutex free_mu_;  ///< stage() and remove() run in different threads
  std::vector<std::string> free_;  ///< names of emptied files to reuse
};

}  // namespace pgtail
