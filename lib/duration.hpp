#pragma once
/// Durations and "N per period" values as people write them in rules, flags
/// and the config file: "5m", "10s", "1h", "min", "50/min", "5/10s".
#include <cstdint>
#include <string>
#include <string_view>

namespace pgtail {

/// Parses a duration: a positive number with a unit (ms, s, sec, second(s),
/// m, min, minute(s), h, hour(s), d, day(s)) or a unit alone ("min" is one
/// minute). A bare number is seconds. Returns false with *err saying why.
bool parse_duration(std::string_view text, int64_t* ms, std::string* err);

/// "N/PERIOD", as in a throttle ("10/min") or a rate ("5/10s"): N a whole
/// number >= 0 (>= 1 when `positive`), PERIOD a duration.
struct PerPeriod {
  int64_t count = 0;
  int64_t period_ms = 0;
};
bool parse_per_period(std::string_view text, PerPeriod* out, std::string* err, bool positive = true);

/// A duration for people: "60 s", "5 min", "1 h", "1.5 s", "250 ms".
std::string format_duration(int64_t ms);

/// The same, compact: "1min", "10s", "5min", "1h", "250ms".
std::string format_duration_short(int64_t ms);

/// "10/min", "5/10s".
std::string format_per_period(const PerPeriod& p);

}  // namespace pgtail
