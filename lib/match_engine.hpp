#pragma once
/// pg-match's work: events in, triggered events out (DESIGN.md contract 2).
/// Every webhook's rules are matched together (one Matcher), then each
/// webhook's rate windows, throttle and de-duplication decide what is written.
///
/// Time is event time: the clock is the newest event timestamp seen, moved on
/// by wall time while live input is idle, so replaying a log gives the same
/// answers as watching it.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>

#include "event.hpp"
#include "event_view.hpp"
#include "matcher.hpp"
#include "rate_window.hpp"
#include "rule.hpp"
#include "suppressor.hpp"

namespace pgtail {

/// Who alerts are for: a webhook of the config file, or (webhook empty) the
/// rules given as flags.
struct Target {
  std::string webhook;
  std::vector<Rule> rules;  ///< OR-ed
  SuppressRules suppress;
  bool enabled = true;
};

/// One target per webhook of the webhooks file at `path` (only `only`,
/// when given): its rules, on/off, throttle and dedup. Returns an exit
/// status after saying what is wrong (78 a bad file, 64 no such webhook),
/// or -1.
int match_targets(const std::string& path, const std::string& only, std::vector<Target>* out);

struct EngineOptions {
  bool explain = false;  ///< add trigger.explain
  bool dry_run = false;  ///< count, write nothing
};

/// What a target did, for --summary.
struct TargetStats {
  std::string webhook;
  bool enabled = true;
  uint64_t alerts = 0;      ///< events written (after throttle and dedup)
  uint64_t suppressed = 0;  ///< events held back by throttle or dedup
  uint64_t summaries = 0;   ///< `suppressed` events written
  uint64_t rate_fired = 0, rate_resolved = 0;
  /// Per rule, in order: its text and how many events it matched (a rate
  /// rule: how many times it fired).
  std::vector<std::pair<std::string, uint64_t>> by_rule;
};

class MatchEngine {
 public:
  MatchEngine(std::vector<Target> targets, EngineOptions options, rapidjson::StringBuffer* out);
  ~MatchEngine();
  /// Compiles the rules. False with *err when RE2 cannot.
  bool init(std::string* err);
  /// Replaces the rules (the config file was read again, on SIGHUP), keeping
  /// the state of what did not change. False with *err, the old rules kept.
  bool reload(std::vector<Target> targets, std::string* err);
  /// One input line at wall time wall_ms. False with *err when it is not an
  /// event (the caller reports it with its line number and goes on).
  bool line(std::string_view line, int64_t wall_ms, std::string* err);
  /// Live input is idle: the clock moves on with wall time; writes what falls due.
  void idle(int64_t wall_ms);
  /// Milliseconds of wall time until something can fall due (-1: nothing pending).
  int64_t wait_ms(int64_t wall_ms) const;
  /// End of input: writes every pending summary.
  void finish();
  /// Lines written (or, with dry_run, that would have been).
  uint64_t written() const { return written_; }
  std::vector<TargetStats> stats() const;

 private:
  struct State;
  struct Fired {
    std::string instance_json, level, key_json = "{}";
    std::string key_text;  ///< " for database shop"
    int64_t since_ms = 0;
  };
  /// A fired rate window's identity, also its events' fingerprint: the
  /// webhook, the rule and the key.
  std::string rate_id(size_t target, size_t rule, const std::string& key) const;
  void advance(int64_t clock_ms);
  void update_due();
  void fire_rate(size_t target, size_t rule, const EventView& ev, const RateWindow::Crossing& c);
  void resolve_rate(size_t target, size_t rule, const RateWindow::Crossing& c, int64_t clock_ms);
  /// The lines pg-match makes itself: their start and end, and the fields
  /// rate_threshold and rate_resolved share.
  void begin_own_event(JsonLineWriter& w, const std::string& timestamp, std::string_view instance_json,
                       const char* type);
  void end_own_event(JsonLineWriter& w, size_t target, const std::string& rule, const std::string& explain);
  void write_rate(JsonLineWriter& w, size_t target, size_t rule, const Fired& f, int64_t count, const char* type,
                  const std::string& timestamp);
  /// "webhook slack, rule 2 'errors > 50/min'", for trigger.explain.
  std::string rule_explain(size_t target, size_t rule) const;
  void write_summary(size_t target, const Summary& s);
  void write_event(std::string_view line, const EventView& ev, const std::string& fp, size_t index);
  void write_trigger(JsonLineWriter& w, size_t target, const std::string& rule, const std::string* explain);

  std::vector<Target> targets_;
  EngineOptions options_;
  rapidjson::StringBuffer* out_;
  Matcher matcher_;
  std::vector<std::pair<size_t, size_t>> owner_;  ///< matcher index -> (target, rule)
  std::vector<std::vector<std::unique_ptr<RateWindow>>> windows_;  ///< [target][rule], null if no rate
  std::vector<Suppressor> suppressors_;
  std::vector<TargetStats> stats_;
  std::map<std::string, Fired> fired_;  ///< by rate_id(): what resolving it repeats
  EventReader reader_;
  EventView view_;
  std::vector<size_t> matched_;
  std::string scratch_;
  int64_t clock_ms_ = INT64_MIN;      ///< newest event time seen
  int64_t clock_wall_ms_ = 0;         ///< wall time when the clock was last set by an event
  uint64_t written_ = 0;
  int64_t next_due_ = INT64_MIN;  ///< before this clock time nothing can fall due
};

}  // namespace pgtail

namespace pgtail {
/// The --summary table: per webhook, alerts written, suppressed and by which
/// rule. Plain text for people, or one JSON object (`json`).
std::string format_summary(const std::vector<TargetStats>& stats, bool json);
}  // namespace pgtail
