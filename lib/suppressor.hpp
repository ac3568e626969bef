#pragma once
/// Keeping people from being spammed, per webhook: a throttle (at most N
/// alerts per period; periods are tumbling, the first starting at the
/// webhook's first event) and de-duplication (an event whose fingerprint was
/// sent within the window, counted from that fingerprint's first sent event).
/// What is held back is summarised in one `suppressed` event at the end of
/// the period (the dedup window when there is no throttle).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "duration.hpp"

namespace pgtail {

struct SuppressRules {
  std::optional<PerPeriod> throttle;
  std::optional<int64_t> dedup_ms;
  std::string throttle_text, dedup_text;  ///< as written ("10/min", "5m"), for trigger.rule
  bool any() const { return throttle || dedup_ms; }
};

SuppressRules suppress_rules(std::optional<PerPeriod> throttle, std::optional<int64_t> dedup_ms);

/// One `suppressed` event's content (DESIGN.md contract 2).
struct Summary {
  int64_t count = 0;
  int64_t period_ms = 0;
  int64_t first_ms = 0, last_ms = 0;
  int64_t end_ms = 0;                      ///< the end of the period it covers
  std::map<std::string, int64_t> levels;   ///< level -> count
  struct Top {
    std::string message;
    int64_t count;
  };
  std::vector<Top> top_messages;           ///< most frequent first, at most 5
  std::string instance_json;               ///< of the last suppressed event
  bool throttled = false;                  ///< the throttle held some back (else dedup only)
};

class Suppressor {
 public:
  explicit Suppressor(const SuppressRules& rules);

  /// True when the event at t_ms may be sent; otherwise it is counted into the
  /// pending summary. Call due() first so the right period is current.
  bool admit(int64_t t_ms, const std::string& fingerprint, std::string_view level,
             std::string_view message, std::string_view instance_json);
  /// When the clock reaches the end of the current period and something was
  /// held back, fills *out and starts the next period. Call with the clock on
  /// every event and tick.
  bool due(int64_t now_ms, Summary* out);
  /// At end of input: the pending summary, whatever the time.
  bool flush(int64_t now_ms, Summary* out);
  /// When due() can next produce a summary (-1: nothing pending).
  int64_t next_due() const;
  const SuppressRules& rules() const { return rules_; }

 private:
  void take(int64_t end_ms, Summary* out);

  SuppressRules rules_;
  int64_t period_ms_;
  bool started_ = false;
  int64_t period_start_ = 0;
  int64_t sent_in_period_ = 0;
  std::unordered_map<std::string, int64_t> first_sent_;  ///< fingerprint -> time
  struct Held {
    std::string message;
    int64_t count = 0;
  };
  std::unordered_map<std::string, Held> held_;  ///< by fingerprint, for top_messages
  Summary pending_;
};

}  // namespace pgtail
