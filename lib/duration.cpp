#include "duration.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace pgtail {

namespace {

struct Unit {
  const char* name;
  int64_t ms;
};
constexpr Unit kUnits[] = {
    {"ms", 1},          {"s", 1000},        {"sec", 1000},       {"secs", 1000},
    {"second", 1000},   {"seconds", 1000},  {"m", 60000},        {"min", 60000},
    {"mins", 60000},    {"minute", 60000},  {"minutes", 60000},  {"h", 3600000},
    {"hr", 3600000},    {"hour", 3600000},  {"hours", 3600000},  {"d", 86400000},
    {"day", 86400000},  {"days", 86400000},
};
constexpr int64_t kMaxMs = int64_t(366) * 86400000;  // a year: beyond is a typo

bool unit_ms(std::string_view u, int64_t* ms) {
  for (const Unit& unit : kUnits)
    if (u == unit.name) {
      *ms = unit.ms;
      return true;
    }
  return false;
}

}  // namespace

bool parse_duration(std::string_view text, int64_t* ms, std::string* err) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  std::string number(text.substr(0, i));
  std::string_view unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  int64_t per = 1000;
  if (!unit.empty() && !unit_ms(unit, &per)) {
    *err = "unknown time unit '" + std::string(unit) + "'" +
           (unit.size() == text.size() ? std::string() : " in '" + std::string(text) + "'") + " (ms, s, min, h or d)";
    return false;
  }
  double n = 1;
  if (!number.empty()) {
    char* end;
    n = std::strtod(number.c_str(), &end);
    if (*end != '\0') {
      *err = "'" + std::string(text) + "' is not a duration (like 30s, 5min, 1h)";
      return false;
    }
  } else if (unit.empty()) {
    *err = "empty duration (like 30s, 5min, 1h)";
    return false;
  }
  double total = n * static_cast<double>(per);
  if (!(total >= 1)) {
    *err = "duration '" + std::string(text) + "' must be positive";
    return false;
  }
  if (total > static_cast<double>(kMaxMs)) {
    *err = "duration '" + std::string(text) + "' is longer than a year";
    return false;
  }
  *ms = static_cast<int64_t>(std::llround(total));
  return true;
}

bool parse_per_period(std::string_view text, PerPeriod* out, std::string* err, bool positive) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    *err = "'" + std::string(text) + "' is not N/PERIOD (like 10/min or 5/10s)";
    return false;
  }
  std::string_view n = text.substr(0, slash);
  if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string_view::npos) {
    *err = "'" + std::string(n) + "' in '" + std::string(text) + "' is not a whole number";
    return false;
  }
  out->count = std::strtoll(std::string(n).c_str(), nullptr, 10);
  if (positive && out->count < 1) {
    *err = "'" + std::string(text) + "' must allow at least 1 per period";
    return false;
  }
  return parse_duration(text.substr(slash + 1), &out->period_ms, err);
}

std::string format_duration(int64_t ms) {
  auto whole = [](int64_t v, int64_t unit, const char* name) {
    return std::to_string(v / unit) + " " + name;
  };
  if (ms % 86400000 == 0) return whole(ms, 86400000, "d");
  if (ms % 3600000 == 0) return whole(ms, 3600000, "h");
  if (ms % 60000 == 0) return whole(ms, 60000, "min");
  if (ms % 1000 == 0) return whole(ms, 1000, "s");
  if (ms < 1000) return std::to_string(ms) + " ms";
  char buf[32];
  snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(ms) / 1000);
  return buf;
}

std::string format_duration_short(int64_t ms) {
  struct {
    int64_t unit;
    const char* name;
  } const units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}, {1, "ms"}};
  for (const auto& u : units)
    if (ms % u.unit == 0) return std::to_string(ms / u.unit) + u.name;
  return std::to_string(ms) + "ms";
}

std::string format_per_period(const PerPeriod& p) {
  std::string per = format_duration_short(p.period_ms);
  if (per.size() > 1 && per[0] == '1' && std::isalpha(static_cast<unsigned char>(per[1]))) per.erase(0, 1);  // "10/min"
  return std::to_string(p.count) + "/" + per;
}

}  // namespace pgtail
