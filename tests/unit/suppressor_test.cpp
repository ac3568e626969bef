#include "suppressor.hpp"

#include <catch2/catch.hpp>

#include "fingerprint.hpp"

using namespace pgtail;

namespace {
SuppressRules throttle(int64_t n, int64_t period_ms) { return suppress_rules(PerPeriod{n, period_ms}, std::nullopt); }
bool admit(Suppressor& s, int64_t t, const std::string& msg = "m", const std::string& level = "ERROR") {
  Summary ignored;
  s.due(t, &ignored);
  return s.admit(t, fingerprint(level, "", msg), level, msg, "{}");
}
}  // namespace

TEST_CASE("throttle: N per tumbling period from the first event, the rest summarised at its end", "[suppress]") {
  Suppressor s(throttle(2, 60000));
  CHECK(admit(s, 1000));
  CHECK(admit(s, 2000, "other"));
  CHECK_FALSE(admit(s, 3000));
  CHECK_FALSE(admit(s, 4000, "other", "FATAL"));
  CHECK_FALSE(admit(s, 5000));
  CHECK(s.next_due() == 61000);
  Summary sum;
  CHECK_FALSE(s.due(60999, &sum));
  REQUIRE(s.due(61000, &sum));
  CHECK(sum.count == 3);
  CHECK(sum.period_ms == 60000);
  CHECK(sum.end_ms == 61000);
  CHECK(sum.first_ms == 3000);
  CHECK(sum.last_ms == 5000);
  CHECK(sum.levels["ERROR"] == 2);
  CHECK(sum.levels["FATAL"] == 1);
  REQUIRE(sum.top_messages.size() == 2);
  CHECK(sum.top_messages[0].message == "m");
  CHECK(sum.top_messages[0].count == 2);
  CHECK(sum.throttled);
  // The next period starts where the last ended: two more may pass.
  CHECK(admit(s, 61000));
  CHECK(admit(s, 62000));
  CHECK_FALSE(admit(s, 120999));
  CHECK(admit(s, 121000));
}

TEST_CASE("throttle: quiet periods are skipped, nothing pending means no summary", "[suppress]") {
  Suppressor s(throttle(1, 1000));
  CHECK(admit(s, 0));
  Summary sum;
  CHECK_FALSE(s.due(5500, &sum));
  CHECK(s.next_due() == -1);
  CHECK(admit(s, 5500));
  CHECK_FALSE(admit(s, 5999));
  CHECK(s.next_due() == 6000);
}

TEST_CASE("dedup: repeats within the window from the first sent one are folded", "[suppress]") {
  Suppressor s(suppress_rules(std::nullopt, 300000));
  CHECK(admit(s, 0, "duplicate key value violates unique constraint \"x\""));
  CHECK_FALSE(admit(s, 1000, "duplicate key value violates unique constraint \"y\""));
  CHECK(admit(s, 2000, "division by zero"));
  CHECK_FALSE(admit(s, 299999, "duplicate key value violates unique constraint \"z\""));
  Summary sum;
  REQUIRE(s.due(300000, &sum));  // dedup alone: its window is the summary period
  CHECK(sum.count == 2);
  CHECK(admit(s, 300000, "duplicate key value violates unique constraint \"x\""));  // the window is over
  CHECK_FALSE(sum.throttled);
  CHECK(sum.top_messages.size() == 1);
}

TEST_CASE("flush hands out what is pending at end of input", "[suppress]") {
  Suppressor s(throttle(1, 60000));
  admit(s, 0);
  admit(s, 10);
  Summary sum;
  REQUIRE(s.flush(20, &sum));
  CHECK(sum.count == 1);
  CHECK(sum.end_ms == 20);
  CHECK_FALSE(s.flush(30, &sum));
}

TEST_CASE("fingerprint: numbers, literals and quoted identifiers do not count", "[suppress]") {
  CHECK(normalize_message("duplicate key value violates unique constraint \"orders_pkey\"") ==
        "duplicate key value violates unique constraint \"?\"");
  CHECK(normalize_message("Key (id)=(42) already exists.") == "Key (id)=(?) already exists.");
  CHECK(normalize_message("invalid input syntax for type integer: 'ab''c'") ==
        "invalid input syntax for type integer: '?'");
  CHECK(normalize_message("process 12345 waits for ShareLock on transaction 678; blocked by process 9") ==
        "process 0 waits for ShareLock on transaction 0; blocked by process 0");
  CHECK(normalize_message("redo starts at 0/16B3748, took 1.5 s on table1") == "redo starts at 0/0, took 0 s on table1");
  CHECK(fingerprint("ERROR", "23505", "Key (id)=(42)") == fingerprint("ERROR", "23505", "Key (id)=(43)"));
  CHECK(fingerprint("ERROR", "23505", "x") != fingerprint("FATAL", "23505", "x"));
  CHECK(fingerprint("ERROR", "23505", "x") != fingerprint("ERROR", "23502", "x"));
  CHECK(fingerprint("ERROR", "", "x").size() == 16);
  CHECK(hash_hex("") == "cbf29ce484222325");  // FNV-1a 64 offset basis: the hash is stable
}
