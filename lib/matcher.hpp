#pragma once
/// Rules compiled for matching many events: the patterns on each field go into
/// one RE2::Set, run once per event (and only when some rule still needs it
/// after the cheap level and SQLSTATE checks), so 10 patterns cost about what
/// one does. RE2 runs in linear time: no log line can stall matching.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "event_view.hpp"
#include "rule.hpp"

namespace re2 {
class RE2;
}

namespace pgtail {

class Matcher {
 public:
  Matcher();
  ~Matcher();
  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) noexcept;

  /// Adds a rule (already parsed, so its patterns compile); returns its index.
  size_t add(const Rule& rule);
  /// Builds the pattern sets. False with *err when RE2 cannot (out of memory).
  bool compile(std::string* err);
  /// The indices of the rules whose conditions all hold for `ev`, ascending.
  void match(const EventView& ev, std::vector<size_t>* matched);
  /// Why rule `index` matched `ev`, condition by condition, for --explain:
  /// "level FATAL is one of FATAL, PANIC; message matches /limit/".
  std::string explain(size_t index, const EventView& ev) const;
  size_t size() const { return rules_.size(); }
  const Rule& rule(size_t index) const { return rules_[index].rule; }

 private:
  struct Cond {
    const Condition* source;
    size_t set = 0;   ///< kPattern: index into sets_
    int pattern = 0;  ///< kPattern: index within that set
  };
  struct Compiled {
    Rule rule;
    std::vector<Cond> conds;
    uint32_t levels = ~0u;  ///< levels that can match at all (AND of positive level conditions)
  };
  struct FieldSet;

  bool holds(const Cond& c, const EventView& ev, uint32_t level_bit);
  bool set_hit(size_t set, int pattern, const EventView& ev);

  std::vector<Compiled> rules_;
  std::vector<std::unique_ptr<FieldSet>> sets_;
  bool compiled_ = false;
};

/// The bit of an event's level in Condition::level_mask (0 for none).
uint32_t level_bit(std::string_view level);

}  // namespace pgtail
