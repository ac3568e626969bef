#include "rate_window.hpp"

#include <catch2/catch.hpp>

using namespace pgtail;

namespace {
/// Adds an event at t (the clock at t too); true when it fires.
bool add(RateWindow& w, int64_t t, const std::string& key = "") {
  RateWindow::Crossing c;
  return w.add(key, t, t, &c);
}
std::vector<RateWindow::Crossing> tick(RateWindow& w, int64_t now) {
  std::vector<RateWindow::Crossing> out;
  w.tick(now, &out);
  return out;
}
}  // namespace

TEST_CASE("fires on the (N+1)th event in the window, once", "[rate]") {
  RateWindow w(3, 60000);
  CHECK_FALSE(add(w, 1000));
  CHECK_FALSE(add(w, 2000));
  CHECK_FALSE(add(w, 3000));
  RateWindow::Crossing c;
  REQUIRE(w.add("", 4000, 4000, &c));
  CHECK(c.count == 4);
  CHECK(c.first_ms == 1000);
  CHECK(c.last_ms == 4000);
  CHECK_FALSE(add(w, 5000));  // still above: no second alert
  CHECK_FALSE(add(w, 6000));
}

TEST_CASE("the window is (t-W, t]: an event exactly W old has left it", "[rate]") {
  RateWindow w(2, 10000);
  CHECK_FALSE(add(w, 0));
  CHECK_FALSE(add(w, 5000));
  CHECK_FALSE(add(w, 10000));  // the event at 0 is out: 2 in the window
  CHECK(add(w, 10001));  // 5000, 10000, 10001: 3 > 2
}

TEST_CASE("threshold 0 fires on the first event", "[rate]") {
  RateWindow w(0, 1000);
  CHECK(add(w, 5));
}

TEST_CASE("re-arms only after a whole window at or below N, then can fire again", "[rate]") {
  RateWindow w(2, 10000);
  add(w, 0);
  add(w, 1000);
  REQUIRE(add(w, 2000));  // over until 0 + 10000
  CHECK(tick(w, 10000).empty());
  CHECK(tick(w, 19999).empty());
  auto r = tick(w, 20000);
  REQUIRE(r.size() == 1);
  CHECK(r[0].count == 0);
  CHECK(tick(w, 30000).empty());
  add(w, 40000);
  add(w, 40001);
  CHECK(add(w, 40002));
}

TEST_CASE("a rate hovering at the threshold does not flap", "[rate]") {
  RateWindow w(2, 10000);
  add(w, 0);
  add(w, 1000);
  REQUIRE(add(w, 2000));
  // Events keep coming, the count going above 2 now and then: no resolve,
  // no second alert, for as long as it never stays at or below 2 a whole window.
  int fired = 0;
  size_t resolved = 0;
  for (int64_t t = 3000; t < 100000; t += 4000) {
    resolved += tick(w, t).size();
    fired += add(w, t);
  }
  CHECK(fired == 0);
  CHECK(resolved == 0);
  // The count was last above 2 until 99000 + ... ; a quiet window later it re-arms.
  CHECK(tick(w, 200000).size() == 1);
}

TEST_CASE("late events go in order; events older than the window are not counted", "[rate]") {
  RateWindow w(2, 10000);
  RateWindow::Crossing c;
  CHECK_FALSE(w.add("", 5000, 5000, &c));
  CHECK_FALSE(w.add("", 4000, 5000, &c));  // a little late
  CHECK_FALSE(w.add("", -6000, 5000, &c));  // outside (t-W, t]
  REQUIRE(w.add("", 5001, 5001, &c));
  CHECK(c.first_ms == 4000);
}

TEST_CASE("keys count apart and are dropped when idle", "[rate]") {
  RateWindow w(1, 1000);
  CHECK_FALSE(add(w, 0, "shop"));
  CHECK_FALSE(add(w, 1, "crm"));
  CHECK(add(w, 2, "shop"));
  CHECK(add(w, 3, "crm"));
  CHECK(w.keys() == 2);
  auto r = tick(w, 5000);
  CHECK(r.size() == 2);
  CHECK(w.keys() == 0);
}

TEST_CASE("memory stays bounded whatever the rate", "[rate]") {
  RateWindow w(10, 60000);
  for (int64_t t = 0; t < 1000000; ++t) add(w, t / 10, "k");
  CHECK(w.keys() == 1);
  RateWindow many(100000, 60000);  // 4 M stored times / 100001 -> at most 41 keys
  for (int i = 0; i < 100; ++i) add(many, 0, std::to_string(i));
  CHECK(many.keys() < 100);
  CHECK(many.dropped_keys() > 0);
}
