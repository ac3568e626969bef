#include "matcher.hpp"

#include <algorithm>

#include <re2/re2.h>
#include <re2/set.h>

#include "severity.hpp"
#include "utf8.hpp"

namespace pgtail {

struct Matcher::FieldSet {
  Field field;
  RE2::Set set{RE2::Options(), RE2::UNANCHORED};
  std::vector<int> hits;      ///< this event's matches
  std::vector<uint64_t> hit;  ///< bit per pattern index
  bool any = false;           ///< some pattern matched
  uint64_t generation = 0;    ///< the event the hits belong to
  FieldSet(Field f, const RE2::Options& o) : field(f), set(o, RE2::UNANCHORED) {}
};

namespace {
uint64_t g_generation = 0;  // bumped per event; one matcher runs per thread
}

Matcher::Matcher() = default;
Matcher::~Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;

uint32_t level_bit(std::string_view level) {
  Level l = parse_level_name(level);
  return l == Level::kNone ? 1u : 1u << static_cast<unsigned>(l);
}

size_t Matcher::add(const Rule& rule) {
  rules_.push_back(Compiled{rule, {}, ~0u});
  return rules_.size() - 1;
}

bool Matcher::compile(std::string* err) {
  sets_.clear();
  for (Compiled& r : rules_) {
    r.conds.clear();
    r.levels = ~0u;
    for (const Condition& c : r.rule.conditions) {
      Cond cc{&c};
      if (c.kind == Condition::Kind::kLevels && !c.negate) r.levels &= c.level_mask;
      if (c.kind == Condition::Kind::kPattern) {
        size_t s = 0;
        while (s < sets_.size() && sets_[s]->field != c.field) ++s;
        if (s == sets_.size()) {
          RE2::Options o;
          o.set_log_errors(false);
          sets_.push_back(std::make_unique<FieldSet>(c.field, o));
        }
        std::string e;
        cc.set = s;
        cc.pattern = sets_[s]->set.Add((c.icase ? "(?i)" : "") + c.pattern, &e);
        if (cc.pattern < 0) {
          *err = "bad pattern /" + c.pattern + "/: " + e;
          return false;
        }
        sets_[s]->hit.resize(static_cast<size_t>(cc.pattern) / 64 + 1);
      }
      r.conds.push_back(cc);
    }
  }
  for (auto& s : sets_) {
    if (!s->set.Compile()) {
      *err = "the patterns on " + std::string(field_name(s->field)) + " are too many or too large for RE2";
      return false;
    }
  }
  compiled_ = true;
  return true;
}

bool Matcher::set_hit(size_t set, int pattern, const EventView& ev) {
  FieldSet& fs = *sets_[set];
  if (fs.generation != g_generation) {
    fs.generation = g_generation;
    if (fs.any) std::fill(fs.hit.begin(), fs.hit.end(), 0);
    fs.any = false;
    std::string_view text = ev.get(fs.field);
    // Most events match no pattern: asking first whether any does is cheaper
    // than collecting which (that allocates).
    re2::StringPiece piece(text.data(), text.size());
    if (!text.empty() && fs.set.Match(piece, nullptr) && fs.set.Match(piece, &fs.hits)) {
      fs.any = true;
      for (int i : fs.hits) fs.hit[static_cast<size_t>(i) / 64] |= uint64_t(1) << (i % 64);
    }
  }
  return fs.any && (fs.hit[static_cast<size_t>(pattern) / 64] >> (pattern % 64) & 1);
}

bool Matcher::holds(const Cond& c, const EventView& ev, uint32_t level) {
  const Condition& src = *c.source;
  bool yes = false;
  switch (src.kind) {
    case Condition::Kind::kLevels: yes = (src.level_mask & level) != 0; break;
    case Condition::Kind::kPattern: yes = set_hit(c.set, c.pattern, ev); break;
    case Condition::Kind::kSqlstate: {
      std::string_view code = ev.get(Field::kSqlstate);
      for (const std::string& s : src.sqlstates)
        if (s.back() == '*' ? code.size() == 5 && code.compare(0, s.size() - 1, s, 0, s.size() - 1) == 0 : code == s)
          yes = true;
      break;
    }
  }
  return yes != src.negate;
}

void Matcher::match(const EventView& ev, std::vector<size_t>* matched) {
  matched->clear();
  ++g_generation;
  uint32_t level = level_bit(ev.get(Field::kLevel));
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Compiled& r = rules_[i];
    if (!(r.levels & level)) continue;
    bool all = true;
    for (const Cond& c : r.conds)
      if (!holds(c, ev, level)) {
        all = false;
        break;
      }
    if (all) matched->push_back(i);
  }
}

std::string Matcher::explain(size_t index, const EventView& ev) const {
  std::string out;
  for (const Condition& c : rules_[index].rule.conditions) {
    Condition positive = c;
    positive.negate = false;
    Field f = c.kind == Condition::Kind::kLevels ? Field::kLevel
              : c.kind == Condition::Kind::kSqlstate ? Field::kSqlstate : c.field;
    positive.field = Field::kMessage;  // the pattern alone, without "field~"
    std::string_view value = ev.get(f);
    if (!out.empty()) out += "; ";
    out += std::string(field_name(f)) + " " + (value.empty() ? "(none)" : std::string(value.substr(0, utf8_cut(value, 80)))) +
           (c.negate ? " does not match " : " matches ") + positive.text();
  }
  return out;
}

}  // namespace pgtail
