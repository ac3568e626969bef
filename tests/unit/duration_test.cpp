#include "duration.hpp"

#include <catch2/catch.hpp>

using namespace pgtail;

TEST_CASE("durations as people write them", "[duration]") {
  int64_t ms = 0;
  std::string err;
  CHECK((parse_duration("5m", &ms, &err) && ms == 300000));
  CHECK((parse_duration("10s", &ms, &err) && ms == 10000));
  CHECK((parse_duration("min", &ms, &err) && ms == 60000));
  CHECK((parse_duration("1.5s", &ms, &err) && ms == 1500));
  CHECK((parse_duration("90", &ms, &err) && ms == 90000));
  CHECK((parse_duration("2 hours", &ms, &err) && ms == 7200000));
  CHECK_FALSE(parse_duration("5x", &ms, &err));
  CHECK(err == "unknown time unit 'x' in '5x' (ms, s, min, h or d)");
  CHECK_FALSE(parse_duration("0s", &ms, &err));
  CHECK(err == "duration '0s' must be positive");
  CHECK_FALSE(parse_duration("400d", &ms, &err));
  CHECK(err == "duration '400d' is longer than a year");
  CHECK_FALSE(parse_duration("", &ms, &err));
  CHECK_FALSE(parse_duration("1.2.3s", &ms, &err));
}

TEST_CASE("N per period, and both written back compactly", "[duration]") {
  PerPeriod p;
  std::string err;
  REQUIRE(parse_per_period("10/min", &p, &err));
  CHECK(p.count == 10);
  CHECK(p.period_ms == 60000);
  CHECK(format_per_period(p) == "10/min");
  REQUIRE(parse_per_period("5/10s", &p, &err));
  CHECK(format_per_period(p) == "5/10s");
  CHECK_FALSE(parse_per_period("0/min", &p, &err));
  CHECK(err == "'0/min' must allow at least 1 per period");
  CHECK(parse_per_period("0/min", &p, &err, false));
  CHECK_FALSE(parse_per_period("ten/min", &p, &err));
  CHECK(err == "'ten' in 'ten/min' is not a whole number");
  CHECK_FALSE(parse_per_period("10", &p, &err));
  CHECK(err == "'10' is not N/PERIOD (like 10/min or 5/10s)");
  CHECK(format_duration_short(3600000) == "1h");
  CHECK(format_duration_short(300000) == "5min");
  CHECK(format_duration_short(1500) == "1500ms");
  CHECK(format_duration(300000) == "5 min");
  CHECK(format_duration(1500) == "1.5 s");
}
