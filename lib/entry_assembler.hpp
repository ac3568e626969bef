#pragma once
/// Joins the lines of one log entry — its primary line, the DETAIL, HINT,
/// CONTEXT, STATEMENT, QUERY and LOCATION lines, and tab continuation lines —
/// into one Event, keyed by process id so that backends whose lines interleave
/// are kept apart.
///
/// An entry is complete when its process writes its next primary line, when
/// no line has joined it for the idle delay, or at the end of the input. Live
/// input hands entries on in the order they complete, so that nothing waits
/// behind a quiet process; ordered mode (files) in the order they began, as
/// the log has them. At most kMaxPending are held at once: past that the
/// oldest is completed early.
#include <climits>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "event.hpp"
#include "severity.hpp"

namespace pgtail {

class EntryAssembler {
 public:
  static constexpr size_t kMaxPending = 256;
  using Sink = std::function<void(const Event&)>;

  EntryAssembler(size_t max_entry_bytes, int64_t idle_ms, Sink sink);
  /// Hand entries on in the order they began (set before the first line).
  void set_ordered(bool ordered) { ordered_ = ordered; }

  /// A primary line: `*ev` holds its prefix fields, level and message. Any
  /// entry pending for the same process is completed first. The event is
  /// taken over; the caller gets back a stale one to clear and reuse (a
  /// pointer swap: events keep their strings' capacity from line to line).
  void start(std::unique_ptr<Event>* ev, int64_t now_ms);

  /// A DETAIL/HINT/... line of process `pid` (unset: no %p in the prefix).
  /// Returns false when no entry of that process is pending: the caller keeps
  /// the line as a raw event.
  bool add_field(const std::optional<int64_t>& pid, Word word, std::string_view text, int64_t now_ms);

  /// A continuation line, joined to the field that the newest line went to
  /// (`pid` unset) or to the given process's entry; with `newline` false the
  /// text is appended as is (syslog's split of one long line). Returns false
  /// when there is no such entry.
  bool add_continuation(const std::optional<int64_t>& pid, std::string_view text, bool newline,
                        int64_t now_ms);

  /// An event that needs no assembly (a raw line): handed on at once, or in
  /// ordered mode after the entries that began before it.
  void pass(const Event& ev);

  /// Completes the entries idle since before now_ms - idle_ms.
  void flush_idle(int64_t now_ms);
  /// Completes every pending entry, oldest first.
  void flush_all();
  /// When flush_idle() next has work (monotonic ms), or -1 when nothing waits.
  int64_t next_deadline() const;
  size_t pending() const { return pending_.size(); }

 private:
  enum class State : unsigned char { kFree, kPending, kDone };
  struct Slot {
    std::unique_ptr<Event> ev = std::make_unique<Event>();
    int64_t key = 0;
    int64_t last_ms = 0;
    size_t bytes = 0;
    std::string* last_field = nullptr;
    State state = State::kFree;
  };
  Slot* find(int64_t key);
  Slot* take_slot();
  void complete(Slot* s);
  void release(Slot* s);
  void drain();
  void append(Slot* s, std::string* field, std::string_view text, bool newline);

  size_t max_bytes_;
  int64_t idle_ms_;
  Sink sink_;
  bool ordered_ = false;
  std::vector<Slot> slots_;
  std::vector<Slot*> free_;
  /// Pending entries, searched by pid: a few in practice (the processes
  /// between two of their own lines), at most kMaxPending; no allocation.
  std::vector<Slot*> pending_;
  std::deque<Slot*> order_;                    ///< slots in use, oldest first
  Slot* newest_ = nullptr;
  int64_t due_ = INT64_MAX;  ///< no entry is due before this (a lower bound)
};

/// The pid key used when a prefix has no %p: one stream of entries.
constexpr int64_t kNoPid = -1;

}  // namespace pgtail
