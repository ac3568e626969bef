#include "entry_assembler.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "utf8.hpp"

using namespace pgtail;

namespace {

/// An assembler whose sink keeps a copy of every event it is handed.
struct Fixture {
  std::vector<Event> out;
  EntryAssembler a;
  explicit Fixture(size_t max_bytes = 1 << 20, int64_t idle_ms = 50)
      : a(max_bytes, idle_ms, [this](const Event& ev) { out.push_back(ev); }) {}

  /// Starts an entry of `pid` (unset with -1) with `message`.
  void start(int64_t pid, const std::string& message, int64_t now = 0, const std::string& level = "ERROR") {
    auto ev = std::make_unique<Event>();
    if (pid != -1) ev->pid = pid;
    ev->level = level;
    ev->message = message;
    a.start(&ev, now);
    REQUIRE(ev);  // a stale event to reuse comes back
  }
  std::vector<std::string> messages() const {
    std::vector<std::string> m;
    for (const Event& ev : out) m.push_back(ev.message);
    return m;
  }
};

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("entry_assembler: primary, DETAIL, HINT, CONTEXT, STATEMENT, QUERY, LOCATION merge", "[entry_assembler]") {
  Fixture f;
  f.start(42, "stock too low");
  CHECK(f.a.add_field(42, Word::kDetail, "Only 5 items are left.", 0));
  CHECK(f.a.add_field(42, Word::kHint, "Restock first.", 0));
  CHECK(f.a.add_field(42, Word::kContext, "PL/pgSQL function check_stock(integer) line 4 at RAISE", 0));
  CHECK(f.a.add_field(42, Word::kQuery, "SELECT 1", 0));
  CHECK(f.a.add_field(42, Word::kLocation, "exec_stmt_raise, pl_exec.c:3908", 0));
  CHECK(f.a.add_field(42, Word::kStatement, "select check_stock(9);", 0));
  CHECK(f.out.empty());  // nothing is complete yet
  CHECK(f.a.pending() == 1);
  f.a.flush_all();
  REQUIRE(f.out.size() == 1);
  const Event& ev = f.out[0];
  CHECK(ev.pid == 42);
  CHECK(ev.level == "ERROR");
  CHECK(ev.message == "stock too low");
  CHECK(ev.detail == "Only 5 items are left.");
  CHECK(ev.hint == "Restock first.");
  CHECK(ev.context == "PL/pgSQL function check_stock(integer) line 4 at RAISE");
  CHECK(ev.query == "SELECT 1");
  CHECK(ev.location == "exec_stmt_raise, pl_exec.c:3908");
  CHECK(ev.statement == "select check_stock(9);");
  CHECK_FALSE(ev.truncated);
  CHECK(f.a.pending() == 0);
}

TEST_CASE("entry_assembler: the next primary line of a process completes its entry", "[entry_assembler]") {
  Fixture f;
  f.start(1, "division by zero");
  f.a.add_field(1, Word::kStatement, "select 1/0;", 0);
  f.start(1, "syntax error");
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].message == "division by zero");
  CHECK(f.out[0].statement == "select 1/0;");
  f.a.flush_all();
  REQUIRE(f.out.size() == 2);
  CHECK(f.out[1].message == "syntax error");
  CHECK(f.out[1].statement.empty());  // not the previous entry's
}

TEST_CASE("entry_assembler: continuation lines join the last field", "[entry_assembler]") {
  Fixture f;
  f.start(7, "duration: 1 ms  statement: select a,", 0, "LOG");
  CHECK(f.a.add_continuation(std::nullopt, "       b", true, 0));
  CHECK(f.a.add_continuation(7, "  from t", true, 0));
  CHECK(f.a.add_field(7, Word::kDetail, "first", 0));
  CHECK(f.a.add_continuation(std::nullopt, "second", true, 0));
  CHECK(f.a.add_field(7, Word::kHint, "h", 0));
  CHECK(f.a.add_continuation(7, "h2", true, 0));
  // syslog's split of one long line: appended as is.
  CHECK(f.a.add_continuation(7, " and more", false, 0));
  f.a.flush_all();
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].message == "duration: 1 ms  statement: select a,\n       b\n  from t");
  CHECK(f.out[0].detail == "first\nsecond");
  CHECK(f.out[0].hint == "h\nh2 and more");
}

TEST_CASE("entry_assembler: a continuation of an empty field adds no leading newline", "[entry_assembler]") {
  Fixture f;
  f.start(7, "");
  CHECK(f.a.add_continuation(7, "text", true, 0));
  f.a.flush_all();
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].message == "text");
}

TEST_CASE("entry_assembler: interleaved processes are kept apart", "[entry_assembler]") {
  Fixture f;
  f.start(1, "A");
  f.start(2, "B");
  CHECK(f.a.add_field(1, Word::kDetail, "A detail", 0));
  CHECK(f.a.add_field(2, Word::kDetail, "B detail", 0));
  // Without a pid a continuation goes to the newest line's field: B's DETAIL.
  CHECK(f.a.add_continuation(std::nullopt, "B more", true, 0));
  CHECK(f.a.add_continuation(1, "A more", true, 0));
  CHECK(f.a.add_field(1, Word::kStatement, "A stmt", 0));
  CHECK(f.a.add_field(2, Word::kStatement, "B stmt", 0));
  CHECK(f.a.pending() == 2);
  f.a.flush_all();
  REQUIRE(f.out.size() == 2);
  std::map<int64_t, Event> by_pid;
  for (const Event& ev : f.out) by_pid[*ev.pid] = ev;
  CHECK(by_pid[1].message == "A");
  CHECK(by_pid[1].detail == "A detail\nA more");
  CHECK(by_pid[1].statement == "A stmt");
  CHECK(by_pid[2].message == "B");
  CHECK(by_pid[2].detail == "B detail\nB more");
  CHECK(by_pid[2].statement == "B stmt");
  // flush_all: oldest first.
  CHECK(f.messages() == Strings{"A", "B"});
}

TEST_CASE("entry_assembler: lines of a process with nothing pending are refused", "[entry_assembler]") {
  Fixture f;
  CHECK_FALSE(f.a.add_field(5, Word::kDetail, "orphan", 0));
  CHECK_FALSE(f.a.add_continuation(std::nullopt, "orphan", true, 0));
  CHECK_FALSE(f.a.add_continuation(5, "orphan", true, 0));
  f.start(1, "A");
  CHECK_FALSE(f.a.add_field(5, Word::kDetail, "another pid's", 0));
  CHECK_FALSE(f.a.add_field(std::nullopt, Word::kDetail, "no pid", 0));
  CHECK_FALSE(f.a.add_continuation(5, "another pid's", true, 0));
  f.a.flush_all();
  // Completed: its process's later DETAIL has nothing to join.
  CHECK_FALSE(f.a.add_field(1, Word::kDetail, "late", 0));
  CHECK_FALSE(f.a.add_continuation(std::nullopt, "late", true, 0));
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].detail.empty());
}

TEST_CASE("entry_assembler: a prefix without %p is one stream of entries", "[entry_assembler]") {
  Fixture f;
  f.start(-1, "A");
  CHECK(f.a.add_field(std::nullopt, Word::kDetail, "d", 0));
  f.start(-1, "B");
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].detail == "d");
  CHECK_FALSE(f.out[0].pid);
  f.a.flush_all();
  CHECK(f.messages() == Strings{"A", "B"});
}

TEST_CASE("entry_assembler: idle entries are completed by time", "[entry_assembler]") {
  Fixture f(1 << 20, 50);
  CHECK(f.a.next_deadline() == -1);
  f.start(1, "A", 1000);
  CHECK(f.a.next_deadline() == 1050);
  f.a.flush_idle(1049);
  CHECK(f.out.empty());
  // A line joining it at 1040 keeps it open until 1090.
  CHECK(f.a.add_field(1, Word::kDetail, "d", 1040));
  f.a.flush_idle(1050);
  CHECK(f.out.empty());
  CHECK(f.a.next_deadline() == 1090);
  f.start(2, "B", 1060);
  f.a.flush_idle(1090);
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].message == "A");
  CHECK(f.out[0].detail == "d");
  CHECK(f.a.pending() == 1);
  CHECK(f.a.next_deadline() == 1110);
  f.a.flush_idle(1110);
  CHECK(f.messages() == Strings{"A", "B"});
  CHECK(f.a.pending() == 0);
  CHECK(f.a.next_deadline() == -1);
}

TEST_CASE("entry_assembler: ordered mode hands entries on in the order they began", "[entry_assembler]") {
  Fixture f;
  f.a.set_ordered(true);
  f.start(1, "A1");
  f.start(2, "B1");
  f.start(2, "B2");  // B1 is complete, but waits behind A1
  CHECK(f.out.empty());
  f.start(1, "A2");
  CHECK(f.messages() == Strings{"A1", "B1"});
  f.a.flush_all();
  CHECK(f.messages() == Strings{"A1", "B1", "B2", "A2"});
  CHECK(f.a.pending() == 0);
}

TEST_CASE("entry_assembler: live mode hands entries on as they complete", "[entry_assembler]") {
  Fixture f;
  f.start(1, "A1");
  f.start(2, "B1");
  f.start(2, "B2");
  CHECK(f.messages() == Strings{"B1"});  // nothing waits behind the quiet A1
  f.start(1, "A2");
  CHECK(f.messages() == Strings{"B1", "A1"});
  f.a.flush_all();
  CHECK(f.messages() == Strings{"B1", "A1", "B2", "A2"});
}

TEST_CASE("entry_assembler: ordered mode with idle flush keeps the order", "[entry_assembler]") {
  Fixture f(1 << 20, 50);
  f.a.set_ordered(true);
  f.start(1, "A", 0);
  f.start(2, "B", 10);
  f.a.add_field(1, Word::kDetail, "d", 40);  // A stays open until 90
  f.a.flush_idle(60);                         // B is idle, but began after A
  CHECK(f.out.empty());
  f.a.flush_idle(90);
  CHECK(f.messages() == Strings{"A", "B"});
}

TEST_CASE("entry_assembler: more than kMaxPending processes stay bounded, nothing lost", "[entry_assembler]") {
  const int64_t n = EntryAssembler::kMaxPending + 100;
  for (bool ordered : {false, true}) {
    INFO("ordered: " << ordered);
    Fixture f;
    f.a.set_ordered(ordered);
    for (int64_t pid = 0; pid < n; ++pid) {
      f.start(pid, "m" + std::to_string(pid));
      CHECK(f.a.pending() <= EntryAssembler::kMaxPending);
    }
    // The oldest were completed early, in the order they began.
    REQUIRE(f.out.size() == 100);
    CHECK(f.out.front().message == "m0");
    CHECK(f.out.back().message == "m99");
    CHECK_FALSE(f.a.add_field(0, Word::kDetail, "too late", 0));
    CHECK(f.a.add_field(n - 1, Word::kDetail, "in time", 0));
    f.a.flush_all();
    REQUIRE(f.out.size() == static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) CHECK(f.out[static_cast<size_t>(i)].message == "m" + std::to_string(i));
    CHECK(f.out.back().detail == "in time");
  }
}

TEST_CASE("entry_assembler: ordered mode, a quiet process and a busy one", "[entry_assembler]") {
  // Completed entries of pid 2 pile up behind pid 1's open one: the bound
  // completes pid 1 early rather than holding more.
  Fixture f;
  f.a.set_ordered(true);
  f.start(1, "quiet");
  const int n = 1000;
  for (int i = 0; i < n; ++i) f.start(2, "busy" + std::to_string(i));
  CHECK(f.a.add_field(2, Word::kDetail, "d", 0));
  f.a.flush_all();
  REQUIRE(f.out.size() == static_cast<size_t>(n) + 1);
  CHECK(f.out[0].message == "quiet");
  for (int i = 0; i < n; ++i) CHECK(f.out[static_cast<size_t>(i) + 1].message == "busy" + std::to_string(i));
  CHECK(f.out.back().detail == "d");
}

TEST_CASE("entry_assembler: an entry over max bytes is cut at a character boundary", "[entry_assembler]") {
  SECTION("a field that does not fit") {
    Fixture f(8);
    f.start(1, "abc");
    // "ééé" is 6 bytes; 5 fit, which would end inside the third é.
    CHECK(f.a.add_field(1, Word::kDetail, "\xC3\xA9\xC3\xA9\xC3\xA9", 0));
    // Later lines still belong to the entry, but add nothing.
    CHECK(f.a.add_field(1, Word::kHint, "hint", 0));
    CHECK(f.a.add_continuation(1, "more", true, 0));
    f.a.flush_all();
    REQUIRE(f.out.size() == 1);
    const Event& ev = f.out[0];
    CHECK(ev.truncated);
    CHECK(ev.message == "abc");
    CHECK(ev.detail == "\xC3\xA9\xC3\xA9");
    CHECK(ev.hint.empty());
    CHECK(utf8_clean(ev.detail));
  }
  SECTION("a message over the limit") {
    Fixture f(4);
    f.start(1, "a\xE2\x82\xAC" "b");  // a, €, b: 5 bytes
    f.a.flush_all();
    REQUIRE(f.out.size() == 1);
    CHECK(f.out[0].truncated);
    CHECK(f.out[0].message == "a\xE2\x82\xAC");
    f.out.clear();
    f.start(1, "ab\xE2\x82\xAC");  // the € would be cut after its second byte
    f.a.flush_all();
    REQUIRE(f.out.size() == 1);
    CHECK(f.out[0].truncated);
    CHECK(f.out[0].message == "ab");
  }
  SECTION("the newline separator counts") {
    Fixture f(6);
    f.start(1, "abc");
    CHECK(f.a.add_continuation(1, "defg", true, 0));  // "abc\ndefg" is 8
    f.a.flush_all();
    REQUIRE(f.out.size() == 1);
    CHECK(f.out[0].truncated);
    CHECK(f.out[0].message == "abc\nde");
  }
  SECTION("exactly max bytes is not truncated") {
    Fixture f(7);
    f.start(1, "abc");
    CHECK(f.a.add_field(1, Word::kDetail, "defg", 0));
    f.a.flush_all();
    REQUIRE(f.out.size() == 1);
    CHECK_FALSE(f.out[0].truncated);
    CHECK(f.out[0].detail == "defg");
  }
  SECTION("the limit is per entry: the next one starts afresh") {
    Fixture f(5);
    f.start(1, "abcdefgh");
    f.start(1, "xy");
    CHECK(f.a.add_field(1, Word::kDetail, "zw", 0));
    f.a.flush_all();
    REQUIRE(f.out.size() == 2);
    CHECK(f.out[0].truncated);
    CHECK(f.out[0].message == "abcde");
    CHECK_FALSE(f.out[1].truncated);
    CHECK(f.out[1].detail == "zw");
  }
}

TEST_CASE("entry_assembler: pass() hands a raw event on in its place", "[entry_assembler]") {
  Event raw;
  raw.type = Event::Type::kRaw;
  raw.message = "R";
  SECTION("ordered: behind the entries begun before it") {
    Fixture f;
    f.a.set_ordered(true);
    f.a.pass(raw);  // nothing pending: at once
    CHECK(f.messages() == Strings{"R"});
    f.start(1, "A");
    f.a.pass(raw);
    f.start(2, "B");
    CHECK(f.messages() == Strings{"R"});
    CHECK(f.a.add_field(1, Word::kDetail, "d", 0));  // A is still open
    f.a.flush_all();
    CHECK(f.messages() == Strings{"R", "A", "R", "B"});
    CHECK(f.out[1].detail == "d");
    CHECK(f.out[2].type == Event::Type::kRaw);
  }
  SECTION("live: at once") {
    Fixture f;
    f.start(1, "A");
    f.a.pass(raw);
    CHECK(f.messages() == Strings{"R"});
    f.a.flush_all();
    CHECK(f.messages() == Strings{"R", "A"});
  }
  SECTION("ordered: many raw events behind an open entry stay bounded") {
    Fixture f;
    f.a.set_ordered(true);
    f.start(1, "A");
    const size_t n = EntryAssembler::kMaxPending * 3;
    for (size_t i = 0; i < n; ++i) {
      raw.message = "R" + std::to_string(i);
      f.a.pass(raw);
    }
    // A was completed early to make room, and everything behind it went.
    REQUIRE_FALSE(f.out.empty());
    CHECK(f.out[0].message == "A");
    f.a.flush_all();
    REQUIRE(f.out.size() == n + 1);
    for (size_t i = 0; i < n; ++i) CHECK(f.out[i + 1].message == "R" + std::to_string(i));
  }
}
