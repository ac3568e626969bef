#include "spool.hpp"
#include "test_env.hpp"

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace pgtail;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<uint64_t> put(WebhookSpool& s, std::initializer_list<const char*> lines) {
  std::string err;
  for (const char* l : lines) REQUIRE(s.stage(l, &err));
  std::vector<uint64_t> seqs;
  REQUIRE(s.commit(&seqs, &err));
  return seqs;
}

}  // namespace

TEST_CASE("deliveries are numbered files, 0600, in order", "[spool]") {
  TempDir d;
  WebhookSpool s(d.dir_, "slack");
  std::string err;
  REQUIRE(s.open(&err));
  std::vector<uint64_t> seqs = put(s, {R"({"body":1})", R"({"body":2})"});
  CHECK(seqs == std::vector<uint64_t>{1, 2});
  CHECK(s.path(1) == d.dir_ + "/slack/0000000000000001");
  CHECK(slurp(s.path(2)) == "{\"body\":2}\n");
  struct stat st;
  REQUIRE(stat(s.path(1).c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(s.scan() == seqs);
  std::string data;
  int64_t mtime = 0;
  CHECK(s.read(2, &data, &mtime, &err) == WebhookSpool::Read::kOk);
  CHECK(data == "{\"body\":2}\n");
  CHECK(mtime > 0);
  s.remove(1);
  CHECK(s.read(1, &data, &mtime, &err) == WebhookSpool::Read::kMissing);
  WebhookSpool again(d.dir_, "slack");  // numbers go on after a restart
  REQUIRE(again.open(&err));
  CHECK(put(again, {"{}"}) == std::vector<uint64_t>{3});
}

TEST_CASE("one holder of the lock; two writers never take the same number", "[spool]") {
  TempDir d;
  WebhookSpool a(d.dir_, "pd"), b(d.dir_, "pd");
  std::string err;
  REQUIRE(a.open(&err));
  REQUIRE(b.open(&err));
  pid_t holder = 0;
  CHECK(a.lock(&holder));
  CHECK_FALSE(b.lock(&holder));
  CHECK(holder == getpid());
  CHECK(summarize_spool(d.dir_, "pd").holder == getpid());
  std::vector<uint64_t> first = put(a, {"{}"}), second = put(b, {"{}"});
  CHECK(first == std::vector<uint64_t>{1});
  CHECK(second == std::vector<uint64_t>{2});  // b also thought 1 was next
  CHECK(a.scan().size() == 2);
}

TEST_CASE("dead deliveries keep their reason and can be queued again", "[spool]") {
  TempDir d;
  WebhookSpool s(d.dir_, "default");
  std::string err;
  REQUIRE(s.open(&err));
  put(s, {"{\"body\":1}", "{\"body\":2}"});
  REQUIRE(s.bury(1, "HTTP 404: no_service", &err));
  CHECK(slurp(d.dir_ + "/default/dead/0000000000000001") == "{\"body\":1}\n");
  CHECK(slurp(d.dir_ + "/default/dead/0000000000000001.reason") == "HTTP 404: no_service\n");
  SpoolSummary sum = summarize_spool(d.dir_, "default");
  CHECK(sum.queued == 1);
  CHECK(sum.dead == 1);
  CHECK(sum.oldest_s > 0);
  CHECK(s.requeue_dead(&err) == 1);
  CHECK(s.scan() == std::vector<uint64_t>{2, 3});  // at the end of the queue
  CHECK(slurp(s.path(3)) == "{\"body\":1}\n");
  CHECK_FALSE(std::filesystem::exists(d.dir_ + "/default/dead/0000000000000001.reason"));
}

TEST_CASE("a killed writer's complete temp files are recovered, torn ones dropped", "[spool]") {
  TempDir d;
  WebhookSpool s(d.dir_, "w");
  std::string err;
  REQUIRE(s.open(&err));
  // pid 999999999 is not a running process
  std::ofstream(d.dir_ + "/w/.0000000000000007.999999999.tmp") << "{\"body\":7}\n";
  std::ofstream(d.dir_ + "/w/.0000000000000008.999999999.tmp") << "{\"body\":";
  pid_t holder;
  REQUIRE(s.lock(&holder));
  CHECK(s.recover() == 1);
  CHECK(s.scan() == std::vector<uint64_t>{7});
  CHECK_FALSE(std::filesystem::exists(d.dir_ + "/w/.0000000000000008.999999999.tmp"));
}

TEST_CASE("the state file and the spool's place", "[spool]") {
  TempDir d;
  WebhookSpool s(d.dir_, "x");
  std::string err;
  REQUIRE(s.open(&err));
  s.write_state(SpoolState{1700000000, "retrying", 503, "HTTP 503: busy", 12});
  CHECK(slurp(d.dir_ + "/x/state") ==
        "{\"time\":\"2023-11-14T22:13:20Z\",\"result\":\"retrying\",\"status\":503,\"error\":\"HTTP 503: busy\","
        "\"latency_ms\":12}\n");
  SpoolState st;
  REQUIRE(read_state(d.dir_ + "/x/state", &st));
  CHECK(st.time_s == 1700000000);
  CHECK(st.status == 503);
  CHECK(st.error == "HTTP 503: busy");
  CHECK(spool_webhooks(d.dir_) == std::vector<std::string>{"x"});
  CHECK(spool_root("/flag", "/cfg") == "/flag");
  setenv("PGTAIL_SPOOL", "/env", 1);
  CHECK(spool_root("", "/cfg") == "/env");
  unsetenv("PGTAIL_SPOOL");
  CHECK(spool_root("", "/cfg") == "/cfg");
  WebhookSpool bad("/proc/no-such-dir", "x");
  CHECK_FALSE(bad.open(&err));
  CHECK(err.rfind("cannot create spool /proc/no-such-dir", 0) == 0);
}
