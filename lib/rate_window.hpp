#pragma once
/// A rate rule's counting ("errors > 50/min by database"): a sliding window
/// (t-W, t] of event time per key. It fires on the (N+1)th event in the
/// window, once, and re-arms when the count has stayed at N or below for a
/// whole window, so a rate hovering at the threshold does not flap.
///
/// Exact with bounded memory: only the newest N+1 event times of a key are
/// kept (the window holds more than N events exactly when the (N+1)th newest
/// is inside it), and a key with an empty window and nothing fired is dropped.
#include <cstdint>
#include <algorithm>
#include <climits>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

namespace pgtail {

class RateWindow {
 public:
  RateWindow(int64_t threshold, int64_t window_ms);

  /// What a key's window looked like when it fired or resolved.
  struct Crossing {
    std::string key;
    int64_t count = 0;
    int64_t first_ms = 0, last_ms = 0;  ///< oldest and newest event in the window
  };

  /// Counts an event of time t_ms for `key`, with the clock at now_ms (the
  /// newest event time seen; an event older than now_ms - W is not counted).
  /// True when this event makes the key fire; *out says how.
  bool add(const std::string& key, int64_t t_ms, int64_t now_ms, Crossing* out);
  /// Moves the clock to now_ms: every key that re-arms is appended to *resolved.
  /// Cheap when nothing is due, so it can run on every event.
  void tick(int64_t now_ms, std::vector<Crossing>* resolved);
  /// The clock time before which tick() has nothing to do.
  int64_t next_tick() const { return due_ < 0 ? swept_ + window_ms_ : std::min(due_, swept_ + window_ms_); }
  /// When the next tick() can re-arm a key (-1: none has fired).
  int64_t next_due() const;

  /// Keys not counted because the key limit was reached.
  uint64_t dropped_keys() const { return dropped_keys_; }
  size_t keys() const { return keys_.size(); }

 private:
  struct Key {
    std::deque<int64_t> times;  ///< ascending, at most threshold+1
    bool fired = false;
    int64_t over_until = 0;  ///< the count was above N until this time
  };
  void expire(Key& k, int64_t now_ms) const;

  int64_t threshold_, window_ms_;
  size_t max_keys_;
  std::unordered_map<std::string, Key> keys_;
  uint64_t dropped_keys_ = 0;
  int64_t due_ = -1;
  int64_t swept_ = INT64_MIN / 2;  ///< clock of the last full pass  ///< no key changes before this clock time (-1: none can)
};

}  // namespace pgtail
