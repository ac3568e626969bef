#include "rate_window.hpp"

#include <algorithm>

namespace pgtail {

namespace {
// Keys x (N+1) times stay under ~4 M stored times (32 MB) per rule.
constexpr size_t kMaxStoredTimes = 4u << 20;
}

RateWindow::RateWindow(int64_t threshold, int64_t window_ms)
    : threshold_(threshold),
      window_ms_(window_ms),
      max_keys_(std::min<size_t>(10000, std::max<size_t>(16, kMaxStoredTimes / static_cast<size_t>(threshold + 1)))) {}

void RateWindow::expire(Key& k, int64_t now_ms) const {
  while (!k.times.empty() && k.times.front() <= now_ms - window_ms_) k.times.pop_front();
}

bool RateWindow::add(const std::string& key, int64_t t_ms, int64_t now_ms, Crossing* out) {
  if (t_ms <= now_ms - window_ms_) return false;  // already outside the window
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    if (keys_.size() >= max_keys_) {
      ++dropped_keys_;
      return false;
    }
    it = keys_.emplace(key, Key()).first;
  }
  Key& k = it->second;
  expire(k, now_ms);
  // Usually the newest; an event a little late (another backend's) goes in order.
  k.times.insert(std::upper_bound(k.times.begin(), k.times.end(), t_ms), t_ms);
  if (k.times.size() > static_cast<size_t>(threshold_ + 1)) k.times.pop_front();
  if (k.times.size() <= static_cast<size_t>(threshold_)) return false;
  // More than N in the window: it stays so until the oldest kept time leaves.
  k.over_until = std::max(k.over_until, k.times.front() + window_ms_);
  if (k.fired) return false;
  k.fired = true;
  if (due_ < 0 || k.over_until + window_ms_ < due_) due_ = k.over_until + window_ms_;
  *out = Crossing{key, static_cast<int64_t>(k.times.size()), k.times.front(), k.times.back()};
  return true;
}

void RateWindow::tick(int64_t now_ms, std::vector<Crossing>* resolved) {
  // Fired keys are checked when due; the others are swept once a window.
  if ((due_ < 0 || now_ms < due_) && now_ms < swept_ + window_ms_) return;
  swept_ = now_ms;
  for (auto it = keys_.begin(); it != keys_.end();) {
    Key& k = it->second;
    expire(k, now_ms);
    if (k.fired && now_ms >= k.over_until + window_ms_) {
      k.fired = false;
      Crossing c{it->first, static_cast<int64_t>(k.times.size()), 0, 0};
      if (!k.times.empty()) {
        c.first_ms = k.times.front();
        c.last_ms = k.times.back();
      }
      resolved->push_back(std::move(c));
    }
    if (!k.fired && k.times.empty())
      it = keys_.erase(it);
    else
      ++it;
  }
  due_ = next_due();
}

int64_t RateWindow::next_due() const {
  int64_t due = -1;
  for (const auto& [name, k] : keys_)
    if (k.fired && (due < 0 || k.over_until + window_ms_ < due)) due = k.over_until + window_ms_;
  return due;
}

}  // namespace pgtail
