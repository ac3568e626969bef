#include "timestamp.hpp"

#include <catch2/catch.hpp>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace pgtail;

namespace {

/// parse_pg_timestamp, then RFC 3339; "error: ..." when it fails.
std::string pg(std::string_view s, ZoneResolver& zones) {
  int64_t ms = 0;
  std::string err;
  if (!parse_pg_timestamp(s, zones, &ms, &err)) return "error: " + err;
  std::string out;
  append_rfc3339_ms(ms, &out);
  return out;
}

std::string pg(std::string_view s) {
  ZoneResolver zones;
  return pg(s, zones);
}

std::string rfc_ms(int64_t ms) {
  std::string out;
  append_rfc3339_ms(ms, &out);
  return out;
}

std::string rfc_s(int64_t ms) {
  std::string out;
  append_rfc3339_s(ms, &out);
  return out;
}

std::string iso(std::string_view s) {
  int64_t ms;
  return parse_iso8601(s, &ms) ? rfc_ms(ms) : "false";
}

std::string epoch(std::string_view s) {
  int64_t ms;
  return parse_epoch_timestamp(s, &ms) ? rfc_ms(ms) : "false";
}

std::string syslog(std::string_view s, int year, ZoneResolver& zones) {
  int64_t ms;
  std::string err;
  return parse_syslog_timestamp(s, year, zones, &ms, &err) ? rfc_ms(ms) : "error: " + err;
}

/// A slim TZif file as `zic -b slim` writes it for "Zone Test/Slim 1 EU
/// CE%sT" with the EU rules since 1981: one transition, one time type (CEST),
/// everything else only in the footer "CET-1CEST,M3.5.0,M10.5.0/3".
const unsigned char kSlimTzif[] = {
    0x54, 0x5a, 0x69, 0x66, 0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54, 0x5a, 0x69,
    0x66, 0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x15, 0x23, 0xeb, 0x90, 0x00, 0x00, 0x00, 0x1c, 0x20,
    0x01, 0x00, 0x43, 0x45, 0x53, 0x54, 0x00, 0x0a, 0x43, 0x45, 0x54, 0x2d, 0x31, 0x43, 0x45, 0x53, 0x54, 0x2c,
    0x4d, 0x33, 0x2e, 0x35, 0x2e, 0x30, 0x2c, 0x4d, 0x31, 0x30, 0x2e, 0x35, 0x2e, 0x30, 0x2f, 0x33, 0x0a};

/// A throwaway zoneinfo directory holding only Test/Slim.
struct SlimZoneinfo {
  std::string dir_;
  SlimZoneinfo() {
    char tmpl[] = "/tmp/pgtail-tz-XXXXXX";
    dir_ = mkdtemp(tmpl);
    mkdir((dir_ + "/Test").c_str(), 0700);
    FILE* f = std::fopen((dir_ + "/Test/Slim").c_str(), "wb");
    std::fwrite(kSlimTzif, 1, sizeof kSlimTzif, f);
    std::fclose(f);
    f = std::fopen((dir_ + "/tzdata.zi").c_str(), "w");
    std::fputs("# version test\nR E 1981 ma - Mar lastSu 1u 1 S\nR E 1996 ma - O lastSu 1u 0 -\nZ Test/Slim 1 E CE%sT\n", f);
    std::fclose(f);
  }
  ~SlimZoneinfo() {
    std::remove((dir_ + "/Test/Slim").c_str());
    std::remove((dir_ + "/tzdata.zi").c_str());
    rmdir((dir_ + "/Test").c_str());
    rmdir(dir_.c_str());
  }
};

}  // namespace

TEST_CASE("days_from_civil counts days from 1970-01-01", "[timestamp]") {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(1969, 12, 31) == -1);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  CHECK(days_from_civil(2024, 1, 15) == 19737);
  CHECK(days_from_civil(1, 1, 1) == -719162);
  CHECK(days_from_civil(9999, 12, 31) == 2932896);
  CHECK(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28) == 2);  // leap year
  CHECK(days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28) == 1);  // not one
}

TEST_CASE("append_rfc3339_ms and _s", "[timestamp]") {
  CHECK(rfc_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(rfc_ms(1705314225123) == "2024-01-15T10:23:45.123Z");
  CHECK(rfc_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(rfc_ms(-86400000) == "1969-12-31T00:00:00.000Z");
  CHECK(rfc_ms(int64_t{2147483648} * 1000) == "2038-01-19T03:14:08.000Z");
  CHECK(rfc_ms(4102444800000) == "2100-01-01T00:00:00.000Z");
  CHECK(rfc_ms(951782400000) == "2000-02-29T00:00:00.000Z");
  CHECK(rfc_ms(-2208988800000) == "1900-01-01T00:00:00.000Z");
  CHECK(rfc_ms(-62135596800000) == "0001-01-01T00:00:00.000Z");
  CHECK(rfc_ms(253402300799999) == "9999-12-31T23:59:59.999Z");
  CHECK(rfc_ms(253402300800000) == "10000-01-01T00:00:00.000Z");
  CHECK(rfc_ms(-62167219200001) == "-0001-12-31T23:59:59.999Z");
  CHECK(rfc_ms(INT64_MAX) == "292278994-08-17T07:12:55.807Z");
  CHECK(rfc_ms(INT64_MIN) == "-292275055-05-16T16:47:04.192Z");
  CHECK(rfc_s(1705314001999) == "2024-01-15T10:20:01Z");
  CHECK(rfc_s(-1500) == "1969-12-31T23:59:58Z");
  std::string out = "x";
  append_rfc3339_s(0, &out);
  CHECK(out == "x1970-01-01T00:00:00Z");
}

TEST_CASE("append_rfc3339_ms and parse_iso8601 round-trip", "[timestamp]") {
  uint64_t x = 88172645463325252u;
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    int64_t ms = static_cast<int64_t>(x % 253402300800000u) - 62135596800000;  // years 1..9999
    int64_t back = 0;
    std::string s = rfc_ms(ms);
    REQUIRE(parse_iso8601(s, &back));
    REQUIRE(back == ms);
  }
}

TEST_CASE("parse_pg_timestamp with UTC and numeric zones", "[timestamp]") {
  CHECK(pg("2024-01-15 10:23:45.123 UTC") == "2024-01-15T10:23:45.123Z");
  CHECK(pg("2024-01-15 10:23:45 UTC") == "2024-01-15T10:23:45.000Z");
  CHECK(pg("2024-01-15 10:23:45 GMT") == "2024-01-15T10:23:45.000Z");
  CHECK(pg("2024-01-15 10:23:45 UT") == "2024-01-15T10:23:45.000Z");
  CHECK(pg("2024-01-15 10:23:45 Z") == "2024-01-15T10:23:45.000Z");
  CHECK(pg("2024-01-15 10:23:45.1 UTC") == "2024-01-15T10:23:45.100Z");
  CHECK(pg("2024-01-15 10:23:45.123456789 UTC") == "2024-01-15T10:23:45.123Z");
  CHECK(pg("2024-01-15 10:23:45.999999 UTC") == "2024-01-15T10:23:45.999Z");  // truncated, not rounded
  CHECK(pg("2024-01-15 10:23:45.123") == "2024-01-15T10:23:45.123Z");  // no zone, no --timezone: UTC
  CHECK(pg("2024-01-15 10:23:45.123 +03") == "2024-01-15T07:23:45.123Z");
  CHECK(pg("2024-01-15 10:23:45.123 -03") == "2024-01-15T13:23:45.123Z");
  CHECK(pg("2024-01-15 10:23:45.123 +0330") == "2024-01-15T06:53:45.123Z");
  CHECK(pg("2024-01-15 10:23:45.123 +05:30") == "2024-01-15T04:53:45.123Z");
  CHECK(pg("2024-01-15 10:23:45.123 -0930") == "2024-01-15T19:53:45.123Z");
  CHECK(pg("2024-01-15 10:23:45.123 +0545") == "2024-01-15T04:38:45.123Z");
  CHECK(pg("2024-01-15 10:23:45 -00") == "2024-01-15T10:23:45.000Z");
  CHECK(pg("2024-01-01 01:00:00 +03") == "2023-12-31T22:00:00.000Z");  // across a year
  CHECK(pg("2024-02-29 12:00:00 UTC") == "2024-02-29T12:00:00.000Z");
}

TEST_CASE("parse_pg_timestamp with named abbreviations from the tz database", "[timestamp]") {
  ZoneResolver zones;
  CHECK(pg("2024-06-27 00:00:07.369 CEST", zones) == "2024-06-26T22:00:07.369Z");
  CHECK(pg("2024-01-15 10:23:45.123 CET", zones) == "2024-01-15T09:23:45.123Z");
  CHECK(pg("2024-01-15 10:00:00 EST", zones) == "2024-01-15T15:00:00.000Z");
  CHECK(pg("2024-07-04 10:00:00 EDT", zones) == "2024-07-04T14:00:00.000Z");
  CHECK(pg("2024-07-04 10:00:00 PDT", zones) == "2024-07-04T17:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 JST", zones) == "2024-01-15T01:00:00.000Z");
  CHECK(pg("2024-07-04 10:00:00 BST", zones) == "2024-07-04T09:00:00.000Z");
  CHECK(pg("2024-07-04 10:00:00 AEST", zones) == "2024-07-04T00:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 AEDT", zones) == "2024-01-14T23:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 KST", zones) == "2024-01-15T01:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 HST", zones) == "2024-01-15T20:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 NZDT", zones) == "2024-01-14T21:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 EET", zones) == "2024-01-15T08:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 MSK", zones) == "2024-01-15T07:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 NST", zones) == "2024-01-15T13:30:00.000Z");  // Newfoundland, -03:30
}

TEST_CASE("MSK follows Moscow's history", "[timestamp]") {
  // tz database: MSK +03 until 2011-03-27 02:00, then +04 (no summer time)
  // until 2014-10-26 02:00, then +03 again.
  ZoneResolver zones;
  CHECK(pg("2010-01-15 12:00:00 MSK", zones) == "2010-01-15T09:00:00.000Z");
  CHECK(pg("2010-07-15 12:00:00 MSD", zones) == "2010-07-15T08:00:00.000Z");
  CHECK(pg("2012-06-27 00:00:07.369 MSK", zones) == "2012-06-26T20:00:07.369Z");
  CHECK(pg("2012-01-15 12:00:00 MSK", zones) == "2012-01-15T08:00:00.000Z");
  CHECK(pg("2019-06-27 00:00:07.369 MSK", zones) == "2019-06-26T21:00:07.369Z");
  CHECK(pg("2011-03-27 01:59:59 MSK", zones) == "2011-03-26T22:59:59.000Z");
  CHECK(pg("2011-03-27 03:00:00 MSK", zones) == "2011-03-26T23:00:00.000Z");
  CHECK(pg("2014-10-26 00:59:59 MSK", zones) == "2014-10-25T20:59:59.000Z");
  CHECK(pg("2014-10-26 02:00:00 MSK", zones) == "2014-10-25T23:00:00.000Z");
  ZoneResolver moscow("Europe/Moscow");
  REQUIRE(moscow.valid());
  CHECK(pg("2012-06-27 00:00:07.369 MSK", moscow) == "2012-06-26T20:00:07.369Z");
  CHECK(pg("2019-06-27 00:00:07.369 MSK", moscow) == "2019-06-26T21:00:07.369Z");
  CHECK(pg("2019-06-27 00:00:07.369", moscow) == "2019-06-26T21:00:07.369Z");
  // 01:00-02:00 on 2014-10-26 came twice, both times as MSK: the first one.
  CHECK(pg("2014-10-26 01:30:00 MSK", moscow) == "2014-10-25T21:30:00.000Z");
}

TEST_CASE("ambiguous and unknown abbreviations", "[timestamp]") {
  ZoneResolver zones;
  const std::string ist =
      "error: ambiguous time zone abbreviation 'IST' (several offsets in the tz database): pass --timezone ZONE";
  // IST: India +05:30, Ireland +01 (summer), Israel +02 (winter).
  CHECK(pg("2024-01-15 10:00:00 IST", zones) == ist);
  CHECK(pg("2024-07-15 10:00:00 IST", zones) == ist);
  // CST: US Central -06, China +08, Cuba -05; CDT: US Central -05, Cuba -04;
  // PST: US Pacific -08, Philippines +08.
  CHECK(pg("2024-01-15 10:00:00 CST", zones) ==
        "error: ambiguous time zone abbreviation 'CST' (several offsets in the tz database): pass --timezone ZONE");
  CHECK(pg("2024-07-15 10:00:00 CDT", zones) ==
        "error: ambiguous time zone abbreviation 'CDT' (several offsets in the tz database): pass --timezone ZONE");
  CHECK(pg("2024-01-15 10:00:00 PST", zones) ==
        "error: ambiguous time zone abbreviation 'PST' (several offsets in the tz database): pass --timezone ZONE");
  // AMT: Amsterdam, Athens and Asuncion mean times before 1940; unused since.
  CHECK(pg("1912-06-01 12:00:00 AMT", zones) ==
        "error: ambiguous time zone abbreviation 'AMT' (several offsets in the tz database): pass --timezone ZONE");
  CHECK(pg("2024-01-15 10:00:00 AMT", zones) == "error: unknown time zone 'AMT': pass --timezone ZONE");
  CHECK(pg("2024-01-15 10:00:00 MSD", zones) == "error: unknown time zone 'MSD': pass --timezone ZONE");
  CHECK(pg("2024-01-15 10:00:00 XYZ", zones) == "error: unknown time zone 'XYZ': pass --timezone ZONE");
  CHECK(pg("2024-01-15 10:00:00 LMT", zones) == "error: unknown time zone 'LMT': pass --timezone ZONE");
  CHECK(pg("2024-01-15 10:00:00 +99", zones) == "error: invalid time zone offset '+99'");
  CHECK(pg("2024-01-15 10:00:00 +05:3", zones) == "error: invalid time zone offset '+05:3'");

  ZoneResolver kolkata("Asia/Kolkata");
  CHECK(pg("2024-01-15 10:00:00 IST", kolkata) == "2024-01-15T04:30:00.000Z");
  ZoneResolver dublin("Europe/Dublin");
  CHECK(pg("2024-07-15 10:00:00 IST", dublin) == "2024-07-15T09:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 GMT", dublin) == "2024-01-15T10:00:00.000Z");
  ZoneResolver jerusalem("Asia/Jerusalem");
  CHECK(pg("2024-01-15 10:00:00 IST", jerusalem) == "2024-01-15T08:00:00.000Z");
  ZoneResolver chicago("America/Chicago"), shanghai("Asia/Shanghai"), manila("Asia/Manila");
  CHECK(pg("2024-01-15 10:00:00 CST", chicago) == "2024-01-15T16:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 CST", shanghai) == "2024-01-15T02:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 PST", manila) == "2024-01-15T02:00:00.000Z");
  // A name the zone never used: the zone's own offset at that time.
  ZoneResolver paris("Europe/Paris");
  CHECK(pg("2024-01-15 10:00:00 XYZ", paris) == "2024-01-15T09:00:00.000Z");
  CHECK(pg("2024-07-15 10:00:00 IST", paris) == "2024-07-15T08:00:00.000Z");
}

TEST_CASE("--timezone names", "[timestamp]") {
  ZoneResolver none;
  CHECK(none.valid());
  CHECK(none.tz_name().empty());
  ZoneResolver paris("Europe/Paris");
  CHECK(paris.valid());
  CHECK(paris.tz_name() == "Europe/Paris");
  ZoneResolver utc("UTC");
  CHECK(utc.valid());
  ZoneResolver bad("Foo/Bar");
  CHECK_FALSE(bad.valid());
  CHECK(bad.error() == "unknown time zone 'Foo/Bar' (not in /usr/share/zoneinfo)");
  for (const char* name : {"../../etc/passwd", "/etc/localtime", "Europe/../Europe/Paris", "Europe", "zone.tab",
                           "Europe/Paris\n"}) {
    ZoneResolver r(name);
    CHECK_FALSE(r.valid());
  }
  ZoneResolver elsewhere("Europe/Paris", "/nonexistent");
  CHECK(elsewhere.error() == "unknown time zone 'Europe/Paris' (not in /nonexistent)");
  ZoneResolver no_db("", "/nonexistent");
  CHECK(pg("2024-01-15 10:00:00 CET", no_db) ==
        "error: unknown time zone 'CET' (cannot read /nonexistent/tzdata.zi): pass --timezone ZONE");
  CHECK(pg("2024-01-15 10:00:00 +01", no_db) == "2024-01-15T09:00:00.000Z");
}

TEST_CASE("the repeated hour at the end of summer time", "[timestamp]") {
  // Paris, 2024-10-27: 03:00 CEST became 02:00 CET, so 02:30 came twice.
  ZoneResolver paris("Europe/Paris"), any;
  for (ZoneResolver* z : {&paris, &any}) {
    CHECK(pg("2024-10-27 02:30:00 CEST", *z) == "2024-10-27T00:30:00.000Z");
    CHECK(pg("2024-10-27 02:30:00 CET", *z) == "2024-10-27T01:30:00.000Z");
    CHECK(pg("2024-10-27 02:30:00.5 CEST", *z) == "2024-10-27T00:30:00.500Z");
  }
  // Without a zone the first 02:30 is taken; the skipped 02:30 of spring is
  // read with the offset before the change.
  CHECK(pg("2024-10-27 02:30:00", paris) == "2024-10-27T00:30:00.000Z");
  CHECK(pg("2024-03-31 02:30:00", paris) == "2024-03-31T01:30:00.000Z");
  CHECK(pg("2024-06-27 00:00:07.369", paris) == "2024-06-26T22:00:07.369Z");
  CHECK(pg("2024-01-15 10:23:45.123", paris) == "2024-01-15T09:23:45.123Z");
}

TEST_CASE("summer time starting and ending within one run of lines", "[timestamp]") {
  ZoneResolver zones;
  const char* const kLines[][2] = {
      {"2024-03-31 01:59:58.000 CET", "2024-03-31T00:59:58.000Z"},
      {"2024-03-31 01:59:59.999 CET", "2024-03-31T00:59:59.999Z"},
      {"2024-03-31 03:00:00.000 CEST", "2024-03-31T01:00:00.000Z"},
      {"2024-03-31 03:00:01.000 CEST", "2024-03-31T01:00:01.000Z"},
      {"2024-06-27 00:00:07.369 CEST", "2024-06-26T22:00:07.369Z"},
      {"2024-10-27 02:59:59.000 CEST", "2024-10-27T00:59:59.000Z"},
      {"2024-10-27 02:00:00.000 CET", "2024-10-27T01:00:00.000Z"},
      {"2024-10-27 02:00:01.000 CET", "2024-10-27T01:00:01.000Z"},
      {"2024-10-27 03:00:00.000 CET", "2024-10-27T02:00:00.000Z"},
  };
  for (const auto& l : kLines) CHECK(pg(l[0], zones) == l[1]);
  ZoneResolver paris("Europe/Paris");
  for (const auto& l : kLines) CHECK(pg(l[0], paris) == l[1]);
}

TEST_CASE("cached answers match fresh ones around every change", "[timestamp]") {
  // One resolver serves lines minute by minute across both 2024 changes of
  // Paris; each answer must equal that of a resolver with nothing cached.
  ZoneResolver paris("Europe/Paris");
  for (int64_t day : {days_from_civil(2024, 3, 30), days_from_civil(2024, 10, 26)}) {
    for (int64_t local = day * 86400; local < (day + 3) * 86400; local += 60) {
      int cached_off, fresh_off;
      std::string err;
      REQUIRE(paris.offset("", local, &cached_off, &err));
      ZoneResolver fresh("Europe/Paris");
      REQUIRE(fresh.offset("", local, &fresh_off, &err));
      REQUIRE(cached_off == fresh_off);
      const char* abbr = cached_off == 7200 ? "CEST" : "CET";
      REQUIRE(paris.offset(abbr, local, &cached_off, &err));
      REQUIRE(cached_off == fresh_off);
    }
  }
  int off;
  std::string err;
  REQUIRE(paris.offset("", days_from_civil(2024, 3, 31) * 86400 + 3600, &off, &err));
  CHECK(off == 3600);
  REQUIRE(paris.offset("", days_from_civil(2024, 3, 31) * 86400 + 3 * 3600, &off, &err));
  CHECK(off == 7200);
}

TEST_CASE("cached answers without --timezone follow a change of offset", "[timestamp]") {
  // MSK went from +04 to +03 at 02:00 on 2014-10-26 (01:00-02:00 came twice).
  ZoneResolver zones;
  const int64_t change = days_from_civil(2014, 10, 26) * 86400 + 2 * 3600;
  for (int64_t local = change - 86400; local < change + 86400; local += 60) {
    int off = 0;
    std::string err;
    REQUIRE(zones.offset("MSK", local, &off, &err));
    REQUIRE(off == (local < change ? 4 * 3600 : 3 * 3600));
  }
}

TEST_CASE("dates past the last transition use the footer rule", "[timestamp]") {
  ZoneResolver any, paris("Europe/Paris"), dublin("Europe/Dublin"), sydney("Australia/Sydney");
  CHECK(pg("2100-07-01 12:00:00 CEST", any) == "2100-07-01T10:00:00.000Z");
  CHECK(pg("2100-01-01 12:00:00 CET", any) == "2100-01-01T11:00:00.000Z");
  CHECK(pg("2100-07-01 12:00:00", paris) == "2100-07-01T10:00:00.000Z");
  CHECK(pg("2100-01-01 12:00:00", paris) == "2100-01-01T11:00:00.000Z");
  // 2100-03-28 is the last Sunday of March.
  CHECK(pg("2100-03-28 01:59:59", paris) == "2100-03-28T00:59:59.000Z");
  CHECK(pg("2100-03-28 03:00:00", paris) == "2100-03-28T01:00:00.000Z");
  // Ireland: "IST-1GMT0,M10.5.0,M3.5.0/1", winter as the negative change.
  CHECK(pg("2100-01-15 12:00:00", dublin) == "2100-01-15T12:00:00.000Z");
  CHECK(pg("2100-07-15 12:00:00", dublin) == "2100-07-15T11:00:00.000Z");
  // Southern hemisphere: summer time over the new year.
  CHECK(pg("2100-01-15 12:00:00", sydney) == "2100-01-15T01:00:00.000Z");
  CHECK(pg("2100-07-15 12:00:00", sydney) == "2100-07-15T02:00:00.000Z");
}

TEST_CASE("a slim TZif file: all in the footer", "[timestamp]") {
  SlimZoneinfo db;
  ZoneResolver slim("Test/Slim", db.dir_);
  REQUIRE(slim.valid());
  CHECK(pg("2024-06-27 00:00:07.369 CEST", slim) == "2024-06-26T22:00:07.369Z");
  CHECK(pg("2024-06-27 00:00:07.369", slim) == "2024-06-26T22:00:07.369Z");
  CHECK(pg("2024-01-15 10:00:00", slim) == "2024-01-15T09:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 CET", slim) == "2024-01-15T09:00:00.000Z");
  CHECK(pg("2024-10-27 02:30:00 CEST", slim) == "2024-10-27T00:30:00.000Z");
  CHECK(pg("2024-10-27 02:30:00 CET", slim) == "2024-10-27T01:30:00.000Z");
  ZoneResolver any("", db.dir_);
  CHECK(pg("2024-06-27 00:00:07.369 CEST", any) == "2024-06-26T22:00:07.369Z");
  CHECK(pg("2024-01-15 10:00:00 CET", any) == "2024-01-15T09:00:00.000Z");
  CHECK(pg("2024-01-15 10:00:00 EST", any) == "error: unknown time zone 'EST': pass --timezone ZONE");
}

TEST_CASE("parse_pg_timestamp refuses malformed times", "[timestamp]") {
  const std::string expect = " (expected YYYY-MM-DD HH:MM:SS[.fff][ ZONE])";
  CHECK(pg("garbage") == "error: invalid timestamp 'garbage'" + expect);
  CHECK(pg("") == "error: invalid timestamp ''" + expect);
  CHECK(pg("2024-01-15 10:23") == "error: invalid timestamp '2024-01-15 10:23'" + expect);
  CHECK(pg("2024-01-15 10:23:4") == "error: invalid timestamp '2024-01-15 10:23:4'" + expect);
  CHECK(pg("2024-01-15 10:23:45.") == "error: invalid timestamp '2024-01-15 10:23:45.'" + expect);
  CHECK(pg("2024-01-15 10:23:45 ") == "error: invalid timestamp '2024-01-15 10:23:45 '" + expect);
  CHECK(pg("2024-01-15 10:23:45  UTC") == "error: invalid timestamp '2024-01-15 10:23:45  UTC'" + expect);
  CHECK(pg("2024-01-15 10:23:45UTC") == "error: invalid timestamp '2024-01-15 10:23:45UTC'" + expect);
  CHECK(pg("2024-01-15 10:23:45 UTC x") == "error: invalid timestamp '2024-01-15 10:23:45 UTC x'" + expect);
  CHECK(pg("24-01-15 10:23:45 UTC") == "error: invalid timestamp '24-01-15 10:23:45 UTC'" + expect);
  CHECK(pg("2024/01/15 10:23:45 UTC") == "error: invalid timestamp '2024/01/15 10:23:45 UTC'" + expect);
  CHECK(pg("2024-13-01 00:00:00 UTC") == "error: invalid timestamp '2024-13-01 00:00:00 UTC': month out of range");
  CHECK(pg("2024-00-01 00:00:00 UTC") == "error: invalid timestamp '2024-00-01 00:00:00 UTC': month out of range");
  CHECK(pg("2023-02-29 00:00:00 UTC") == "error: invalid timestamp '2023-02-29 00:00:00 UTC': day out of range");
  CHECK(pg("2024-04-31 00:00:00 UTC") == "error: invalid timestamp '2024-04-31 00:00:00 UTC': day out of range");
  CHECK(pg("2024-01-15 24:00:00 UTC") ==
        "error: invalid timestamp '2024-01-15 24:00:00 UTC': time of day out of range");
  CHECK(pg("2024-01-15 10:60:00 UTC") ==
        "error: invalid timestamp '2024-01-15 10:60:00 UTC': time of day out of range");
  CHECK(pg("2024-01-15\x01" "10:00:00") == "error: invalid timestamp '2024-01-15?10:00:00'" + expect);
  std::string long_line(200, '9');
  CHECK(pg(long_line) == "error: invalid timestamp '" + std::string(48, '9') + "...'" + expect);
  int64_t ms = 42;
  ZoneResolver zones;
  CHECK_FALSE(parse_pg_timestamp("nope", zones, &ms, nullptr));  // err may be null
  CHECK(ms == 42);
}

TEST_CASE("parse_epoch_timestamp", "[timestamp]") {
  CHECK(epoch("1705314225.123") == "2024-01-15T10:23:45.123Z");
  CHECK(epoch("1705314225") == "2024-01-15T10:23:45.000Z");
  CHECK(epoch("1705314225.1") == "2024-01-15T10:23:45.100Z");
  CHECK(epoch("1705314225.123999") == "2024-01-15T10:23:45.123Z");
  CHECK(epoch("0") == "1970-01-01T00:00:00.000Z");
  CHECK(epoch("-1.5") == "1969-12-31T23:59:58.500Z");
  CHECK(epoch("") == "false");
  CHECK(epoch("abc") == "false");
  CHECK(epoch("1705314225.") == "false");
  CHECK(epoch("1705314225.12x") == "false");
  CHECK(epoch("1705314225 ") == "false");
  CHECK(epoch("12345678901234567890") == "false");
}

TEST_CASE("parse_iso8601", "[timestamp]") {
  CHECK(iso("2019-03-14T00:22:56+00:00") == "2019-03-14T00:22:56.000Z");
  CHECK(iso("2024-01-15T10:23:45.123456789Z") == "2024-01-15T10:23:45.123Z");
  CHECK(iso("2024-01-15T10:23:45.123Z") == "2024-01-15T10:23:45.123Z");
  CHECK(iso("2024-01-15T16:08:45.123+0530") == "2024-01-15T10:38:45.123Z");
  CHECK(iso("2024-01-15T16:08:45.123+05:30") == "2024-01-15T10:38:45.123Z");
  CHECK(iso("2024-01-15T05:23:45-05:00") == "2024-01-15T10:23:45.000Z");
  CHECK(iso("2024-01-15T13:23:45+03") == "2024-01-15T10:23:45.000Z");
  CHECK(iso("2024-01-15t10:23:45z") == "2024-01-15T10:23:45.000Z");
  CHECK(iso("2024-01-15 10:23:45Z") == "2024-01-15T10:23:45.000Z");
  CHECK(iso("2024-01-15T10:23:45") == "2024-01-15T10:23:45.000Z");
  CHECK(iso("2024-01-01T00:30:00+01:00") == "2023-12-31T23:30:00.000Z");
  CHECK(iso("2024-01-15X10:23:45Z") == "false");
  CHECK(iso("2024-01-15T10:23:45+5:3") == "false");
  CHECK(iso("2024-01-15T10:23:45 Z") == "false");
  CHECK(iso("2024-01-15T10:23:45.Z") == "false");
  CHECK(iso("2024-02-30T10:23:45Z") == "false");
  CHECK(iso("2024-01-15T10:23") == "false");
  CHECK(iso("") == "false");
}

TEST_CASE("parse_syslog_timestamp", "[timestamp]") {
  ZoneResolver utc, paris("Europe/Paris"), kolkata("Asia/Kolkata");
  CHECK(syslog("Feb 11 13:15:39", 2024, utc) == "2024-02-11T13:15:39.000Z");
  CHECK(syslog("Feb  1 03:04:05", 2024, utc) == "2024-02-01T03:04:05.000Z");
  CHECK(syslog("Feb 1 03:04:05", 2024, utc) == "2024-02-01T03:04:05.000Z");
  CHECK(syslog("Dec 31 23:59:59", 1999, utc) == "1999-12-31T23:59:59.000Z");
  CHECK(syslog("Jul  4 12:00:00", 2024, paris) == "2024-07-04T10:00:00.000Z");
  CHECK(syslog("Jan  4 12:00:00", 2024, paris) == "2024-01-04T11:00:00.000Z");
  CHECK(syslog("Jan  4 12:00:00", 2024, kolkata) == "2024-01-04T06:30:00.000Z");
  CHECK(syslog("Feb 29 00:00:00", 2024, utc) == "2024-02-29T00:00:00.000Z");
  CHECK(syslog("Feb 29 00:00:00", 2023, utc) ==
        "error: invalid syslog timestamp 'Feb 29 00:00:00': out of range in 2023");
  CHECK(syslog("Foo 11 13:15:39", 2024, utc) ==
        "error: invalid syslog timestamp 'Foo 11 13:15:39' (expected Mon DD HH:MM:SS)");
  CHECK(syslog("Feb 11 13:15", 2024, utc) ==
        "error: invalid syslog timestamp 'Feb 11 13:15' (expected Mon DD HH:MM:SS)");
  CHECK(syslog("Feb 11 13:15:39 x", 2024, utc) ==
        "error: invalid syslog timestamp 'Feb 11 13:15:39 x' (expected Mon DD HH:MM:SS)");
  CHECK(syslog("Feb 11 25:15:39", 2024, utc) ==
        "error: invalid syslog timestamp 'Feb 11 25:15:39': out of range in 2024");
}

TEST_CASE("ZoneResolver::offset directly", "[timestamp]") {
  ZoneResolver zones;
  int off = 1;
  std::string err;
  const int64_t jan = days_from_civil(2024, 1, 15) * 86400;
  REQUIRE(zones.offset("", jan, &off, &err));
  CHECK(off == 0);
  REQUIRE(zones.offset("+05:30", jan, &off, &err));
  CHECK(off == 19800);
  REQUIRE(zones.offset("-0930", jan, &off, &err));
  CHECK(off == -34200);
  REQUIRE(zones.offset("CET", jan, &off, &err));
  CHECK(off == 3600);
  REQUIRE(zones.offset("CET", jan, &off, &err));  // cached
  CHECK(off == 3600);
  REQUIRE(zones.offset("EST", jan, &off, &err));
  CHECK(off == -18000);
  CHECK_FALSE(zones.offset("IST", jan, &off, &err));
  CHECK_FALSE(zones.offset("IST", jan, &off, nullptr));  // err may be null
  CHECK_FALSE(zones.offset("C\"T", jan, &off, &err));
  CHECK(err == "unknown time zone 'C\"T': pass --timezone ZONE");
  // Absurd dates neither overflow nor hang; today's rule goes on forever.
  REQUIRE(zones.offset("CET", INT64_MAX, &off, &err));
  CHECK(off == 3600);
  zones.offset("CET", INT64_MIN, &off, &err);
  zones.offset("", INT64_MIN, &off, &err);
  ZoneResolver paris("Europe/Paris");
  REQUIRE(paris.offset("", INT64_MAX, &off, &err));
  REQUIRE(paris.offset("", INT64_MIN, &off, &err));
  CHECK(off == 561);  // Paris mean time, before 1891
}
