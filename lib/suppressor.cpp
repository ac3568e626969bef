#include "suppressor.hpp"

#include <algorithm>

#include "utf8.hpp"

namespace pgtail {

namespace {
constexpr size_t kMaxFingerprints = 100000;  // dedup memory bound
constexpr size_t kMaxHeld = 1000;            // distinct messages tracked for top_messages
constexpr size_t kTopMessages = 5;
constexpr size_t kMaxMessageBytes = 300;
}  // namespace

SuppressRules suppress_rules(std::optional<PerPeriod> throttle, std::optional<int64_t> dedup_ms) {
  SuppressRules r;
  r.throttle = throttle;
  r.dedup_ms = dedup_ms;
  if (throttle) r.throttle_text = format_per_period(*throttle);
  if (dedup_ms) r.dedup_text = format_duration_short(*dedup_ms);
  return r;
}

Suppressor::Suppressor(const SuppressRules& rules)
    : rules_(rules), period_ms_(rules.throttle ? rules.throttle->period_ms : rules.dedup_ms.value_or(60000)) {}

bool Suppressor::admit(int64_t t_ms, const std::string& fp, std::string_view level, std::string_view message,
                       std::string_view instance_json) {
  if (!started_) {
    started_ = true;
    period_start_ = t_ms;
  } else if (t_ms >= period_start_ + period_ms_ && pending_.count == 0) {
    // Quiet periods went by with nothing held back (due() had nothing to
    // write, so nobody rolled them over): this event starts a later one.
    period_start_ += (t_ms - period_start_) / period_ms_ * period_ms_;
    sent_in_period_ = 0;
  }
  bool throttled = false;
  auto seen = first_sent_.end();
  if (rules_.dedup_ms) {
    seen = first_sent_.find(fp);
    bool fresh = seen == first_sent_.end() || t_ms - seen->second >= *rules_.dedup_ms;
    if (fresh) seen = first_sent_.end();
  }
  if (seen == first_sent_.end() && rules_.throttle && sent_in_period_ >= rules_.throttle->count) throttled = true;
  if (seen == first_sent_.end() && !throttled) {
    ++sent_in_period_;
    if (rules_.dedup_ms) {
      if (first_sent_.size() >= kMaxFingerprints) {
        for (auto it = first_sent_.begin(); it != first_sent_.end();)
          it = t_ms - it->second >= *rules_.dedup_ms ? first_sent_.erase(it) : std::next(it);
        if (first_sent_.size() >= kMaxFingerprints) first_sent_.clear();
      }
      first_sent_[fp] = t_ms;
    }
    return true;
  }
  Summary& p = pending_;
  if (p.count == 0) p.first_ms = t_ms;
  ++p.count;
  p.first_ms = std::min(p.first_ms, t_ms);
  p.last_ms = std::max(p.last_ms, t_ms);
  ++p.levels[level.empty() ? std::string("NONE") : std::string(level)];
  p.instance_json.assign(instance_json.data(), instance_json.size());
  p.throttled = p.throttled || throttled;
  auto h = held_.find(fp);
  if (h != held_.end()) {
    ++h->second.count;
  } else if (held_.size() < kMaxHeld) {
    std::string m(message.substr(0, utf8_cut(message, kMaxMessageBytes)));
    held_.emplace(fp, Held{std::move(m), 1});
  }
  return false;
}

void Suppressor::take(int64_t end_ms, Summary* out) {
  *out = std::move(pending_);
  out->period_ms = period_ms_;
  out->end_ms = end_ms;
  std::vector<Summary::Top> top;
  for (auto& [fp, h] : held_) top.push_back({std::move(h.message), h.count});
  std::sort(top.begin(), top.end(), [](const Summary::Top& a, const Summary::Top& b) {
    return a.count != b.count ? a.count > b.count : a.message < b.message;
  });
  if (top.size() > kTopMessages) top.resize(kTopMessages);
  out->top_messages = std::move(top);
  held_.clear();
  pending_ = Summary();
}

bool Suppressor::due(int64_t now_ms, Summary* out) {
  if (!started_ || now_ms < period_start_ + period_ms_) return false;
  int64_t end = period_start_ + period_ms_;
  period_start_ += (now_ms - period_start_) / period_ms_ * period_ms_;
  sent_in_period_ = 0;
  if (pending_.count == 0) return false;
  take(end, out);
  return true;
}

bool Suppressor::flush(int64_t now_ms, Summary* out) {
  if (pending_.count == 0) return false;
  take(std::min(now_ms, period_start_ + period_ms_), out);
  return true;
}

int64_t Suppressor::next_due() const { return pending_.count ? period_start_ + period_ms_ : -1; }

}  // namespace pgtail
