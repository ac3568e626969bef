#include "timestamp.hpp"

#include <cstring>
#include <algorithm>
#include <climits>
#include <cstdio>
#include <memory>
#include <unordered_map>
#include <utility>

namespace pgtail {

namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kYear = 366 * kDay;
constexpr int64_t kMin = INT64_MIN;
constexpr int64_t kMax = INT64_MAX;
/// Past this, a timestamp is nonsense; keeps every sum below from overflowing.
constexpr int64_t kFar = int64_t{1} << 50;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

unsigned days_in_month(int64_t y, unsigned m) {
  static const unsigned char kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

struct Civil {
  int64_t y_;
  unsigned m_, d_;
};

/// The inverse of days_from_civil (Hinnant's civil_from_days).
Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

int64_t year_of(int64_t secs) {
  return civil_from_days(floor_div(std::clamp(secs, -kFar, kFar), kDay)).y_;
}

/// Saturating add, so the open ends of the tz periods (INT64_MIN/MAX) stay open.
int64_t add_sat(int64_t t, int64_t d) {
  if (t == kMin || t == kMax) return t;
  return t + d;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Reads exactly `n` digits of `s` at `pos`.
bool digits(std::string_view s, size_t pos, size_t n, int* v) {
  if (pos + n > s.size()) return false;
  int r = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!is_digit(s[i])) return false;
    r = r * 10 + (s[i] - '0');
  }
  *v = r;
  return true;
}

/// Milliseconds of a fraction's digits (any number of them), truncated.
int fraction_ms(std::string_view f) {
  int ms = 0;
  for (size_t i = 0; i < 3; ++i) ms = ms * 10 + (i < f.size() ? f[i] - '0' : 0);
  return ms;
}

/// Length of the run of digits at `pos`.
size_t digit_run(std::string_view s, size_t pos) {
  size_t e = pos;
  while (e < s.size() && is_digit(s[e])) ++e;
  return e - pos;
}

/// A piece of input for an error message: bounded, and printable whatever
/// bytes a log line held.
std::string quote(std::string_view s) {
  constexpr size_t kMaxShown = 48;
  std::string q = "'";
  for (size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    q += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  }
  if (s.size() > kMaxShown) q += "...";
  q += "'";
  return q;
}

const char kSyntax[] = "syntax";

/// "YYYY-MM-DD?HH:MM:SS" at the start of `s`, `seps` being the accepted
/// separators, to wall-clock seconds; *end is where the seconds stop.
/// Returns nullptr on success, else kSyntax or what is out of range.
const char* parse_civil(std::string_view s, std::string_view seps, int64_t* secs, size_t* end) {
  // Log entries come many to a second: the last date and time read is kept,
  // and the same 19 bytes again cost one comparison.
  thread_local char last[19];
  thread_local int64_t last_secs = -1;
  if (s.size() >= 19 && last_secs >= 0 && std::memcmp(s.data(), last, 19) == 0 &&
      seps.find(s[10]) != std::string_view::npos) {
    *secs = last_secs;
    *end = 19;
    return nullptr;
  }
  int y, mo, d, h, mi, sec;
  if (s.size() < 19 || !digits(s, 0, 4, &y) || s[4] != '-' || !digits(s, 5, 2, &mo) || s[7] != '-' ||
      !digits(s, 8, 2, &d) || seps.find(s[10]) == std::string_view::npos || !digits(s, 11, 2, &h) ||
      s[13] != ':' || !digits(s, 14, 2, &mi) || s[16] != ':' || !digits(s, 17, 2, &sec))
    return kSyntax;
  if (mo < 1 || mo > 12) return "month out of range";
  if (d < 1 || static_cast<unsigned>(d) > days_in_month(y, mo)) return "day out of range";
  if (h > 23 || mi > 59 || sec > 60) return "time of day out of range";  // 60: a leap second
  *secs = days_from_civil(y, mo, d) * kDay + h * 3600 + mi * 60 + sec;
  *end = 19;
  if (*secs >= 0) {
    std::memcpy(last, s.data(), 19);
    last_secs = *secs;
  }
  return nullptr;
}

/// A numeric offset "+03", "-0330", "+05:30", "+053000", "+05:30:00" (east
/// positive, as written in logs, unlike POSIX TZ strings).
bool parse_numeric_offset(std::string_view z, int* off) {
  if (z.size() < 2 || (z[0] != '+' && z[0] != '-')) return false;
  int h = 0, m = 0, s = 0;
  std::string_view r = z.substr(1);
  size_t n = digit_run(r, 0);
  if (n == r.size()) {  // digits only: H, HH, HMM, HHMM, HMMSS, HHMMSS
    if (n == 0 || n > 6) return false;
    size_t hl = 2 - n % 2;
    digits(r, 0, hl, &h);
    if (n > 2) digits(r, hl, 2, &m);
    if (n > 4) digits(r, hl + 2, 2, &s);
  } else {  // H[H]:MM[:SS]
    if (n < 1 || n > 2 || r[n] != ':' || !digits(r, 0, n, &h) || !digits(r, n + 1, 2, &m)) return false;
    size_t p = n + 3;
    if (p < r.size() && (r[p] != ':' || !digits(r, p + 1, 2, &s) || p + 3 != r.size())) return false;
    if (p > r.size()) return false;
  }
  if (h > 23 || m > 59 || s > 59) return false;
  int v = h * 3600 + m * 60 + s;
  *off = z[0] == '-' ? -v : v;
  return true;
}

bool is_utc_name(std::string_view z) {
  return z == "UTC" || z == "GMT" || z == "UT" || z == "Z" || z == "z" || z == "UCT" || z == "utc" ||
         z == "gmt";
}

// ---------------------------------------------------------------------------
// The tz database: TZif files (RFC 8536) and their footer POSIX TZ rule.

struct TimeType {
  int32_t utoff_;
  bool isdst_;
  std::string abbr_;
};

/// One stretch of time with one time type: [start_, end_) in UTC seconds.
struct Period {
  int64_t start_, end_;
  int type_;
};

/// A date rule of a POSIX TZ string: Jn, n or Mm.w.d, then a time of day.
struct DateRule {
  char kind_ = 'M';  // 'J', 'D' (zero-based day of year) or 'M'
  int a_ = 0, b_ = 0, c_ = 0;
  int32_t time_ = 7200;

  /// Local seconds (of the time in effect before the change) in `year`.
  int64_t local_secs(int64_t year) const {
    int64_t days;
    if (kind_ == 'J') {
      days = days_from_civil(year, 1, 1) + a_ - 1 + (is_leap(year) && a_ >= 60);
    } else if (kind_ == 'D') {
      days = days_from_civil(year, 1, 1) + a_;
    } else {
      int64_t first = days_from_civil(year, a_, 1);
      int wday_first = static_cast<int>(((first + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
      int day = 1 + (c_ - wday_first + 7) % 7 + (b_ - 1) * 7;
      if (day > static_cast<int>(days_in_month(year, a_))) day -= 7;
      days = first + day - 1;
    }
    return days * kDay + time_;
  }
};

/// The footer of a TZif v2+ file, e.g. "CET-1CEST,M3.5.0,M10.5.0/3": the
/// rule for times after the last transition. Slim TZif files (zic -b slim)
/// stop their transitions at the last rule change and rely on it entirely.
struct PosixTz {
  std::string std_abbr_, dst_abbr_;
  int32_t std_off_ = 0, dst_off_ = 0;  // east of UTC
  bool has_dst_ = false;
  DateRule start_, end_;

  bool parse(std::string_view s) {
    size_t p = 0;
    if (!name(s, &p, &std_abbr_) || !offset(s, &p, &std_off_)) return false;
    std_off_ = -std_off_;  // POSIX counts west
    if (p == s.size()) return true;
    if (!name(s, &p, &dst_abbr_)) return false;
    has_dst_ = true;
    dst_off_ = std_off_ + 3600;
    if (p < s.size() && s[p] != ',') {
      if (!offset(s, &p, &dst_off_)) return false;
      dst_off_ = -dst_off_;
    }
    if (p == s.size()) {  // no rule: the US one, as glibc assumes
      start_ = {'M', 3, 2, 0, 7200};
      end_ = {'M', 11, 1, 0, 7200};
      return true;
    }
    return s[p] == ',' && rule(s, &++p, &start_) && p < s.size() && s[p] == ',' && rule(s, &++p, &end_) &&
           p == s.size();
  }

  static bool name(std::string_view s, size_t* p, std::string* out) {
    size_t b = *p, e;
    if (b < s.size() && s[b] == '<') {
      e = s.find('>', b);
      if (e == std::string_view::npos) return false;
      *out = std::string(s.substr(b + 1, e - b - 1));
      *p = e + 1;
    } else {
      for (e = b; e < s.size() && ((s[e] >= 'A' && s[e] <= 'Z') || (s[e] >= 'a' && s[e] <= 'z')); ++e) {
      }
      *out = std::string(s.substr(b, e - b));
      *p = e;
    }
    return !out->empty();
  }

  /// [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 allows that for rule times).
  static bool offset(std::string_view s, size_t* p, int32_t* out) {
    size_t i = *p;
    int sign = 1;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
    size_t n = digit_run(s, i);
    int h, m = 0, sec = 0;
    if (n < 1 || n > 3 || !digits(s, i, n, &h) || h > 167) return false;
    i += n;
    if (i < s.size() && s[i] == ':') {
      if (!digits(s, i + 1, 2, &m)) return false;
      i += 3;
      if (i < s.size() && s[i] == ':') {
        if (!digits(s, i + 1, 2, &sec)) return false;
        i += 3;
      }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    *p = i;
    return true;
  }

  static bool number(std::string_view s, size_t* p, int lo, int hi, int* out) {
    size_t n = digit_run(s, *p);
    if (n < 1 || n > 3 || !digits(s, *p, n, out) || *out < lo || *out > hi) return false;
    *p += n;
    return true;
  }

  static bool rule(std::string_view s, size_t* p, DateRule* r) {
    if (*p < s.size() && s[*p] == 'J') {
      ++*p;
      r->kind_ = 'J';
      if (!number(s, p, 1, 365, &r->a_)) return false;
    } else if (*p < s.size() && s[*p] == 'M') {
      ++*p;
      r->kind_ = 'M';
      if (!number(s, p, 1, 12, &r->a_) || *p >= s.size() || s[(*p)++] != '.' || !number(s, p, 1, 5, &r->b_) ||
          *p >= s.size() || s[(*p)++] != '.' || !number(s, p, 0, 6, &r->c_))
        return false;
    } else {
      r->kind_ = 'D';
      if (!number(s, p, 0, 365, &r->a_)) return false;
    }
    r->time_ = 7200;
    if (*p < s.size() && s[*p] == '/') {
      ++*p;
      if (!offset(s, p, &r->time_)) return false;
    }
    return true;
  }
};

uint32_t be32(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

int64_t be64(const unsigned char* p) {
  return static_cast<int64_t>(uint64_t{be32(p)} << 32 | be32(p + 4));
}

bool read_file(const std::string& path, std::string* out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char buf[8192];
  size_t n;
  out->clear();
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && out->size() < (4u << 20)) out->append(buf, n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

/// One zone of the tz database, as read from its TZif file.
class TzZone {
 public:
  /// Reads a TZif file; false when it is missing or not TZif.
  bool load(const std::string& path) {
    std::string data;
    return read_file(path, &data) && parse(data);
  }

  const TimeType& type(int i) const { return types_[i]; }

  bool uses(std::string_view abbr) const {
    for (const TimeType& t : types_)
      if (t.abbr_ == abbr) return true;
    return false;
  }

  /// The abbreviations of the zone, each once.
  std::vector<std::string> abbreviations() const {
    std::vector<std::string> v;
    for (const TimeType& t : types_)
      if (std::find(v.begin(), v.end(), t.abbr_) == v.end()) v.push_back(t.abbr_);
    return v;
  }

  /// The periods that overlap [lo, hi] (UTC seconds), in order, with their
  /// true ends; the rule of the footer supplies those past the last transition.
  void periods(int64_t lo, int64_t hi, std::vector<Period>* out) const {
    std::vector<std::pair<int64_t, int>> b;  // (start, type) of each period
    const size_t n = trans_.size();
    if (n > 0) {
      size_t i = std::upper_bound(trans_.begin(), trans_.end(), lo) - trans_.begin();
      if (i == 0)
        b.emplace_back(kMin, 0);  // RFC 8536: type 0 before the first transition
      else
        --i;
      for (; i < n; ++i) {
        b.emplace_back(trans_[i], idx_[i]);
        if (trans_[i] > hi) break;  // one past hi: it ends the period before
      }
    } else {
      b.emplace_back(kMin, tz_std_ >= 0 ? tz_std_ : 0);
    }
    if (tz_dst_ >= 0 && (n == 0 || hi >= trans_.back())) {
      int64_t from = n ? std::max(lo, trans_.back()) : std::max(lo, hi - 2 * kYear);
      std::vector<std::pair<int64_t, int>> f;
      footer_transitions(year_of(from) - 1, year_of(hi) + 1, &f);
      for (const auto& t : f)
        if (n == 0 || t.first > trans_.back()) b.push_back(t);
    }
    size_t first = 0;
    for (size_t k = 0; k < b.size(); ++k)
      if (b[k].first <= lo) first = k;
    out->clear();
    for (size_t k = first; k < b.size() && b[k].first <= hi; ++k)
      out->push_back({b[k].first, k + 1 < b.size() ? b[k + 1].first : kMax, b[k].second});
  }

  int64_t last_transition() const { return trans_.empty() ? kMin : trans_.back(); }

 private:
  bool parse(const std::string& s) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t size = s.size();
    if (size < 44 || s.compare(0, 4, "TZif") != 0) return false;
    size_t off = 0;
    bool v2 = p[4] >= '2';
    if (v2) {  // skip the 32-bit block: the 64-bit one follows it
      size_t len;
      if (!block_size(p, size, 0, 4, &len)) return false;
      off = 44 + len;
    }
    if (off + 44 > size || s.compare(off, 4, "TZif") != 0) return false;
    const size_t tsize = v2 ? 8 : 4;
    size_t len;
    if (!block_size(p, size, off, tsize, &len)) return false;
    const uint32_t timecnt = be32(p + off + 32), typecnt = be32(p + off + 36), charcnt = be32(p + off + 40);
    if (typecnt == 0 || typecnt > 256) return false;
    const unsigned char* q = p + off + 44;
    trans_.resize(timecnt);
    idx_.resize(timecnt);
    for (uint32_t i = 0; i < timecnt; ++i)
      trans_[i] = v2 ? be64(q + i * 8) : static_cast<int32_t>(be32(q + i * 4));
    q += timecnt * tsize;
    for (uint32_t i = 0; i < timecnt; ++i) {
      idx_[i] = q[i];
      if (idx_[i] >= typecnt) return false;
    }
    q += timecnt;
    const char* chars = reinterpret_cast<const char*>(q + typecnt * 6);
    for (uint32_t i = 0; i < typecnt; ++i, q += 6) {
      unsigned ai = q[5];
      if (ai >= charcnt) return false;
      std::string_view rest(chars + ai, charcnt - ai);
      size_t nul = rest.find('\0');
      if (nul == std::string_view::npos) return false;
      types_.push_back({static_cast<int32_t>(be32(q)), q[4] != 0, std::string(rest.substr(0, nul))});
    }
    if (!std::is_sorted(trans_.begin(), trans_.end())) return false;
    size_t foot = off + 44 + len;
    if (v2 && foot < size && s[foot] == '\n') {
      size_t e = s.find('\n', foot + 1);
      if (e != std::string::npos) set_footer(std::string_view(s).substr(foot + 1, e - foot - 1));
    }
    return true;
  }

  /// Size of the data block whose header starts at `off`.
  static bool block_size(const unsigned char* p, size_t size, size_t off, size_t tsize, size_t* len) {
    if (off + 44 > size) return false;
    const uint64_t isutcnt = be32(p + off + 20), isstdcnt = be32(p + off + 24), leapcnt = be32(p + off + 28),
                   timecnt = be32(p + off + 32), typecnt = be32(p + off + 36), charcnt = be32(p + off + 40);
    uint64_t n = timecnt * tsize + timecnt + typecnt * 6 + charcnt + leapcnt * (tsize + 4) + isstdcnt + isutcnt;
    if (n > size - off - 44) return false;
    *len = static_cast<size_t>(n);
    return true;
  }

  void set_footer(std::string_view tz) {
    PosixTz r;
    if (tz.empty() || !r.parse(tz)) return;
    rule_ = r;
    tz_std_ = type_index(r.std_off_, false, r.std_abbr_);
    if (r.has_dst_) tz_dst_ = type_index(r.dst_off_, true, r.dst_abbr_);
  }

  int type_index(int32_t utoff, bool isdst, const std::string& abbr) {
    for (size_t i = 0; i < types_.size(); ++i)
      if (types_[i].utoff_ == utoff && types_[i].isdst_ == isdst && types_[i].abbr_ == abbr)
        return static_cast<int>(i);
    types_.push_back({utoff, isdst, abbr});
    return static_cast<int>(types_.size() - 1);
  }

  /// The footer rule's changes in years [y0, y1], in order; on a tie (summer
  /// time all year) summer time wins.
  void footer_transitions(int64_t y0, int64_t y1, std::vector<std::pair<int64_t, int>>* out) const {
    std::vector<std::pair<int64_t, int>> v;
    for (int64_t y = y0; y <= y1; ++y) {
      v.emplace_back(rule_.end_.local_secs(y) - rule_.dst_off_, tz_std_);
      v.emplace_back(rule_.start_.local_secs(y) - rule_.std_off_, tz_dst_);
    }
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    *out = std::move(v);
  }

  std::vector<int64_t> trans_;
  std::vector<uint8_t> idx_;
  std::vector<TimeType> types_;
  PosixTz rule_;
  int tz_std_ = -1, tz_dst_ = -1;
};

/// Local-time distance from `local` to period `p` of zone `z` (0 inside).
int64_t local_distance(const TzZone& z, const Period& p, int64_t local) {
  int32_t off = z.type(p.type_).utoff_;
  int64_t b = add_sat(p.start_, off), e = add_sat(p.end_, off);
  if (local < b) return b - local;
  if (local >= e) return local - e + 1;
  return 0;
}

struct Nearest {
  int64_t distance_ = kMax;
  int32_t utoff_ = 0;
};

/// The period of `z` named `abbr` nearest to the wall-clock time `local`; on
/// a tie (the repeated hour when an offset changes under one name) the earlier.
Nearest nearest_use(const TzZone& z, std::string_view abbr, int64_t local) {
  Nearest best;
  std::vector<Period> ps;
  auto consider = [&]() {
    for (const Period& p : ps) {
      if (z.type(p.type_).abbr_ != abbr) continue;
      int64_t d = local_distance(z, p, local);
      if (d < best.distance_) best = {d, z.type(p.type_).utoff_};
    }
  };
  if (z.last_transition() != kMin) {
    z.periods(kMin, z.last_transition(), &ps);
    consider();
  }
  z.periods(local - 2 * kYear, local + 2 * kYear, &ps);
  consider();
  return best;
}

/// Narrows [*lo, *hi) around `local` to where no period of `z` begins or
/// ends in wall-clock time, so an answer found for `local` holds throughout.
void narrow_to_calm(const TzZone& z, int64_t local, int64_t* lo, int64_t* hi) {
  std::vector<Period> ps;
  z.periods(local - 3 * kDay, local + 3 * kDay, &ps);
  for (size_t k = 1; k < ps.size(); ++k) {
    int64_t t = ps[k].start_;
    for (int64_t p : {t + z.type(ps[k - 1].type_).utoff_, t + z.type(ps[k].type_).utoff_}) {
      if (p <= local)
        *lo = std::max(*lo, p);
      else
        *hi = std::min(*hi, p);
    }
  }
}

/// The offset of `z` at wall-clock time `local`: in the repeated hour after
/// summer time the first (summer) one, in the skipped hour the one before it.
int32_t local_offset(const TzZone& z, int64_t local) {
  std::vector<Period> ps;
  z.periods(local - 2 * kDay, local + 2 * kDay, &ps);
  const Period* before = nullptr;
  for (const Period& p : ps) {
    if (local_distance(z, p, local) == 0) return z.type(p.type_).utoff_;
    if (add_sat(p.start_, z.type(p.type_).utoff_) <= local) before = &p;
  }
  if (!before) before = &ps.front();
  return z.type(before->type_).utoff_;
}

bool valid_tz_name(const std::string& n) {
  if (n.empty() || n[0] == '/' || n.find("..") != std::string::npos) return false;
  for (char c : n)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '/' || c == '_' || c == '-' ||
          c == '+'))
      return false;
  return true;
}

bool valid_abbreviation(std::string_view a) {
  if (a.empty() || a.size() > 16) return false;
  for (char c : a)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '-')) return false;
  return true;
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// ---------------------------------------------------------------------------

/// What one zone as written resolves to over a stretch of wall-clock time.
struct Answer {
  bool ok_ = false;
  int offset_ = 0;
  std::string error_;
  int64_t lo_ = kMin, hi_ = kMax;  // wall-clock seconds where it holds
};

struct ZoneResolver::Impl {
  std::string dir_;
  std::unique_ptr<TzZone> tz_;  // --timezone, or null

  /// Every zone of the tz database and, per abbreviation, the zones using it;
  /// built on the first named abbreviation without --timezone.
  bool index_built_ = false;
  std::string index_error_;
  std::vector<TzZone> zones_;
  std::unordered_map<std::string, std::vector<uint32_t>> by_abbr_;

  struct CacheEntry {
    std::string zone_;
    Answer answer_;
  };
  /// Lines come in time order with one or two zones, so the last answer
  /// nearly always holds: the per-line cost is a compare and two bounds.
  std::vector<CacheEntry> cache_;
  size_t last_ = 0;
  static constexpr size_t kMaxCache = 64;

  const Answer* cached(std::string_view zone, int64_t local) {
    if (last_ < cache_.size()) {
      const CacheEntry& e = cache_[last_];
      if (e.zone_ == zone && e.answer_.lo_ <= local && local < e.answer_.hi_) return &e.answer_;
    }
    for (size_t i = 0; i < cache_.size(); ++i) {
      const CacheEntry& e = cache_[i];
      if (e.zone_ == zone && e.answer_.lo_ <= local && local < e.answer_.hi_) {
        last_ = i;
        return &e.answer_;
      }
    }
    return nullptr;
  }

  const Answer* remember(std::string_view zone, Answer a) {
    size_t i = 0;
    while (i < cache_.size() && cache_[i].zone_ != zone) ++i;
    if (i == cache_.size()) {
      if (cache_.size() >= kMaxCache) {
        i = last_ == 0 ? 1 : 0;  // evict one that was not just used
      } else {
        cache_.emplace_back();
      }
      cache_[i].zone_.assign(zone.data(), zone.size());
    }
    cache_[i].answer_ = std::move(a);
    last_ = i;
    return &cache_[i].answer_;
  }

  Answer resolve(std::string_view zone, int64_t local) {
    if (tz_) return zone.empty() ? in_zone_local(local) : in_zone(zone, local);
    return in_database(zone, local);
  }

  /// No zone written: the --timezone zone's rules at that wall-clock time.
  Answer in_zone_local(int64_t local) {
    Answer a;
    a.ok_ = true;
    a.offset_ = local_offset(*tz_, local);
    a.lo_ = local - kDay;
    a.hi_ = local + kDay;
    narrow_to_calm(*tz_, local, &a.lo_, &a.hi_);
    return a;
  }

  /// With --timezone: the zone's own period of that name nearest to the
  /// date; a name the zone never used falls back to its offset at that time
  /// (the server's tz data may name things differently from ours).
  Answer in_zone(std::string_view abbr, int64_t local) {
    Nearest n;
    if (tz_->uses(abbr)) n = nearest_use(*tz_, abbr, local);
    if (n.distance_ == kMax) return in_zone_local(local);
    Answer a;
    a.ok_ = true;
    a.offset_ = n.utoff_;
    if (n.distance_ == 0) {
      a.lo_ = local - kDay;
      a.hi_ = local + kDay;
      narrow_to_calm(*tz_, local, &a.lo_, &a.hi_);
    } else {
      a.lo_ = local;
      a.hi_ = local + 1;
    }
    return a;
  }

  /// Without --timezone: every zone whose period of that name covers the
  /// date must agree on the offset. A name in use near but not at the date
  /// (CEST in January) is read by the uses within a year of the nearest one;
  /// a name out of use for over a year is unknown.
  Answer in_database(std::string_view abbr, int64_t local) {
    Answer a;
    if (!build_index()) {
      a.error_ = "unknown time zone " + quote(abbr) + " (" + index_error_ + "): pass --timezone ZONE";
      return a;
    }
    auto it = valid_abbreviation(abbr) ? by_abbr_.find(std::string(abbr)) : by_abbr_.end();
    if (it == by_abbr_.end()) {
      a.error_ = "unknown time zone " + quote(abbr) + ": pass --timezone ZONE";
      return a;
    }
    std::vector<Nearest> uses;
    int64_t closest = kMax;
    for (uint32_t zi : it->second) {
      uses.push_back(nearest_use(zones_[zi], abbr, local));
      closest = std::min(closest, uses.back().distance_);
    }
    if (closest > kYear) {  // not in use around that date (MSD in 2024, AMT since 1937)
      a.error_ = "unknown time zone " + quote(abbr) + ": pass --timezone ZONE";
      const int64_t slack = std::min(closest - kYear, 4 * kFar);  // still over a year away
      a.lo_ = local - slack + 1;
      a.hi_ = local + slack;
      return a;
    }
    // In use at that date, or else (a summer-time name in winter, a name
    // gone since) the uses within a year of the nearest one.
    const int64_t reach = closest == 0 ? 0 : closest + kYear;
    bool found = false, agree = true;
    for (const Nearest& n : uses) {
      if (n.distance_ > reach) continue;
      if (found && n.utoff_ != a.offset_) agree = false;
      a.offset_ = n.utoff_;
      found = true;
    }
    if (closest == 0) {
      a.lo_ = local - kDay;
      a.hi_ = local + kDay;
      for (uint32_t zi : it->second) narrow_to_calm(zones_[zi], local, &a.lo_, &a.hi_);
    } else {
      a.lo_ = local;
      a.hi_ = local + 1;
    }
    if (!agree) {
      a.error_ = "ambiguous time zone abbreviation " + quote(abbr) +
                 " (several offsets in the tz database): pass --timezone ZONE";
      return a;
    }
    a.ok_ = true;
    return a;
  }

  /// Reads the zone names from tzdata.zi ("Z name ..." lines), else from
  /// zone1970.tab, and every zone's TZif file.
  bool build_index() {
    if (index_built_) return index_error_.empty();
    index_built_ = true;
    std::vector<std::string> names;
    std::string text;
    if (read_file(dir_ + "/tzdata.zi", &text)) {
      for (size_t p = 0; p < text.size();) {
        size_t e = text.find('\n', p);
        if (e == std::string::npos) e = text.size();
        if (text.compare(p, 2, "Z ") == 0) {
          size_t ne = text.find_first_of(" \t", p + 2);
          if (ne == std::string::npos || ne > e) ne = e;
          names.push_back(text.substr(p + 2, ne - p - 2));
        }
        p = e + 1;
      }
    } else if (read_file(dir_ + "/zone1970.tab", &text)) {
      for (size_t p = 0; p < text.size();) {
        size_t e = text.find('\n', p);
        if (e == std::string::npos) e = text.size();
        std::string_view line(text.data() + p, e - p);
        size_t t1 = line.find('\t'), t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
        if (!line.empty() && line[0] != '#' && t2 != std::string_view::npos) {
          size_t t3 = line.find('\t', t2 + 1);
          names.emplace_back(line.substr(t2 + 1, t3 == std::string_view::npos ? t3 : t3 - t2 - 1));
        }
        p = e + 1;
      }
      names.push_back("Etc/UTC");
    } else {
      index_error_ = "cannot read " + dir_ + "/tzdata.zi";
      return false;
    }
    for (const std::string& n : names) {
      if (n == "Factory" || !valid_tz_name(n)) continue;
      TzZone z;
      if (!z.load(dir_ + "/" + n)) continue;
      uint32_t zi = static_cast<uint32_t>(zones_.size());
      for (const std::string& a : z.abbreviations()) by_abbr_[a].push_back(zi);
      zones_.push_back(std::move(z));
    }
    if (zones_.empty()) {
      index_error_ = "no zones in " + dir_;
      return false;
    }
    return true;
  }
};

ZoneResolver::ZoneResolver(std::string tz_name, std::string zoneinfo_dir)
    : impl_(new Impl), tz_name_(std::move(tz_name)) {
  impl_->dir_ = std::move(zoneinfo_dir);
  if (tz_name_.empty()) return;
  auto z = std::make_unique<TzZone>();
  if (!valid_tz_name(tz_name_) || !z->load(impl_->dir_ + "/" + tz_name_)) {
    error_ = "unknown time zone " + quote(tz_name_) + " (not in " + impl_->dir_ + ")";
    return;
  }
  impl_->tz_ = std::move(z);
}

ZoneResolver::~ZoneResolver() { delete impl_; }

bool ZoneResolver::offset(std::string_view zone, int64_t local_secs, int* offset_secs, std::string* err) {
  if (zone.empty()) {
    if (!impl_->tz_) {
      *offset_secs = 0;
      return true;
    }
  } else if (zone[0] == '+' || zone[0] == '-') {
    if (parse_numeric_offset(zone, offset_secs)) return true;
    if (err) *err = "invalid time zone offset " + quote(zone);
    return false;
  } else if (is_utc_name(zone)) {
    *offset_secs = 0;
    return true;
  }
  local_secs = std::clamp(local_secs, -kFar, kFar);
  const Answer* a = impl_->cached(zone, local_secs);
  if (!a) a = impl_->remember(zone, impl_->resolve(zone, local_secs));
  if (!a->ok_) {
    if (err) *err = a->error_;
    return false;
  }
  *offset_secs = a->offset_;
  return true;
}

// ---------------------------------------------------------------------------

bool parse_pg_timestamp(std::string_view s, ZoneResolver& zones, int64_t* ms, std::string* err) {
  int64_t local;
  size_t p;
  const char* why = parse_civil(s, " T", &local, &p);
  int frac = 0;
  if (!why && p < s.size() && s[p] == '.') {
    size_t n = digit_run(s, p + 1);
    if (n == 0) why = kSyntax;
    frac = fraction_ms(s.substr(p + 1, n));
    p += 1 + n;
  }
  std::string_view zone;
  if (!why && p < s.size()) {
    if (s[p] != ' ' || p + 1 == s.size() || s.find(' ', p + 1) != std::string_view::npos)
      why = kSyntax;
    else
      zone = s.substr(p + 1);
  }
  if (why) {
    if (err) {
      *err = "invalid timestamp " + quote(s);
      *err += why == kSyntax ? " (expected YYYY-MM-DD HH:MM:SS[.fff][ ZONE])" : std::string(": ") + why;
    }
    return false;
  }
  int off;
  if (!zones.offset(zone, local, &off, err)) return false;
  *ms = (local - off) * 1000 + frac;
  return true;
}

bool parse_epoch_timestamp(std::string_view s, int64_t* ms) {
  size_t p = 0;
  bool neg = !s.empty() && s[0] == '-';
  if (neg) ++p;
  size_t n = digit_run(s, p);
  if (n == 0 || n > 15) return false;
  int64_t secs = 0;
  for (size_t i = p; i < p + n; ++i) secs = secs * 10 + (s[i] - '0');
  p += n;
  int frac = 0;
  if (p < s.size()) {
    if (s[p] != '.') return false;
    size_t f = digit_run(s, p + 1);
    if (f == 0 || p + 1 + f != s.size()) return false;
    frac = fraction_ms(s.substr(p + 1, f));
  }
  int64_t v = secs * 1000 + frac;
  *ms = neg ? -v : v;
  return true;
}

bool parse_iso8601(std::string_view s, int64_t* ms) {
  int64_t local;
  size_t p;
  if (parse_civil(s, "Tt ", &local, &p)) return false;
  int frac = 0;
  if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
    size_t n = digit_run(s, p + 1);
    if (n == 0) return false;
    frac = fraction_ms(s.substr(p + 1, n));
    p += 1 + n;
  }
  int off = 0;
  std::string_view zone = s.substr(p);
  if (zone == "Z" || zone == "z" || zone.empty())
    off = 0;  // without an offset: UTC, as the wrappers that omit it mean
  else if (!parse_numeric_offset(zone, &off))
    return false;
  *ms = (local - off) * 1000 + frac;
  return true;
}

bool parse_syslog_timestamp(std::string_view s, int year, ZoneResolver& zones, int64_t* ms, std::string* err) {
  static const char kMonths[] = "janfebmaraprmayjunjulaugsepoctnovdec";
  auto fail = [&]() {
    if (err) *err = "invalid syslog timestamp " + quote(s) + " (expected Mon DD HH:MM:SS)";
    return false;
  };
  if (s.size() < 14 || s[3] != ' ') return fail();
  char mon[3];
  for (int i = 0; i < 3; ++i) mon[i] = static_cast<char>(s[i] | 0x20);
  int m = 0;
  while (m < 12 && std::string_view(kMonths + m * 3, 3) != std::string_view(mon, 3)) ++m;
  if (m == 12) return fail();
  size_t p = 4;
  if (s[p] == ' ') ++p;  // "Feb  1"
  size_t n = digit_run(s, p);
  int d;
  if (n < 1 || n > 2 || !digits(s, p, n, &d)) return fail();
  p += n;
  int h, mi, sec;
  if (p >= s.size() || s[p] != ' ' || !digits(s, p + 1, 2, &h) || p + 3 >= s.size() || s[p + 3] != ':' ||
      !digits(s, p + 4, 2, &mi) || p + 6 >= s.size() || s[p + 6] != ':' || !digits(s, p + 7, 2, &sec))
    return fail();
  p += 9;
  int frac = 0;
  if (p < s.size() && s[p] == '.') {
    size_t f = digit_run(s, p + 1);
    if (f == 0) return fail();
    frac = fraction_ms(s.substr(p + 1, f));
    p += 1 + f;
  }
  if (p != s.size()) return fail();
  if (d < 1 || static_cast<unsigned>(d) > days_in_month(year, m + 1) || h > 23 || mi > 59 || sec > 60) {
    if (err) *err = "invalid syslog timestamp " + quote(s) + ": out of range in " + std::to_string(year);
    return false;
  }
  int64_t local = days_from_civil(year, m + 1, d) * kDay + h * 3600 + mi * 60 + sec;
  int off;
  if (!zones.offset("", local, &off, err)) return false;
  *ms = (local - off) * 1000 + frac;
  return true;
}

namespace {

char* put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

/// "YYYY-MM-DDTHH:MM:SS" into p; returns the end. Years beyond 0..9999 get a
/// sign or more digits (RFC 3339 has no form for them, ISO 8601 does).
char* put_datetime(char* p, int64_t secs) {
  int64_t days = floor_div(secs, kDay);
  unsigned sod = static_cast<unsigned>(secs - days * kDay);
  Civil c = civil_from_days(days);
  int64_t y = c.y_;
  if (y < 0) {
    *p++ = '-';
    y = -y;
  }
  char digits_buf[24];
  int n = 0;
  do {
    digits_buf[n++] = static_cast<char>('0' + y % 10);
    y /= 10;
  } while (y > 0);
  while (n < 4) digits_buf[n++] = '0';
  while (n > 0) *p++ = digits_buf[--n];
  *p++ = '-';
  p = put2(p, c.m_);
  *p++ = '-';
  p = put2(p, c.d_);
  *p++ = 'T';
  p = put2(p, sod / 3600);
  *p++ = ':';
  p = put2(p, sod / 60 % 60);
  *p++ = ':';
  return put2(p, sod % 60);
}

}  // namespace

void append_rfc3339_ms(int64_t ms, std::string* out) {
  char buf[48];
  int64_t secs = floor_div(ms, 1000);
  unsigned frac = static_cast<unsigned>(ms - secs * 1000);
  char* p = put_datetime(buf, secs);
  *p++ = '.';
  *p++ = static_cast<char>('0' + frac / 100);
  p = put2(p, frac % 100);
  *p++ = 'Z';
  out->append(buf, p - buf);
}

void append_rfc3339_s(int64_t ms, std::string* out) {
  char buf[48];
  char* p = put_datetime(buf, floor_div(ms, 1000));
  *p++ = 'Z';
  out->append(buf, p - buf);
}

}  // namespace pgtail
