#include "sender.hpp"

#include <catch2/catch.hpp>

#include <curl/curl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <filesystem>

using namespace pgtail;

namespace {

/// A loopback port nothing listens on.
int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("send_once: a refused connection is worth a retry, and no secret is shown", "[sender]") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  Endpoint ep;
  ep.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/services/T0/B0/secret";
  Delivery d;
  std::string err;
  REQUIRE(parse_delivery(R"({"webhook":"x","platform":"slack","body":{"text":"hi"}})", &d, &err));
  HttpOptions http;
  http.timeout_ms = 2000;
  SendResult r = send_once(ep, d, http);
  CHECK(r.outcome == Outcome::kRetry);
  CHECK(r.status == 0);
  CHECK(r.platform == Platform::kSlack);
  CHECK(r.url_shown.find("secret") == std::string::npos);
  CHECK(r.reason.find("secret") == std::string::npos);
  CHECK_FALSE(r.reason.empty());
}

TEST_CASE("deliveries read as envelopes, or wrapped with --raw", "[sender]") {
  Delivery d;
  std::string err;
  REQUIRE(parse_delivery(R"({"webhook":"m","platform":"pushgateway","content_type":"text/plain; version=0.0.4",)"
                         R"("grouping":{"job":"pgtail","instance":"a/b"},"body":"x 1\n"})",
                         &d, &err));
  CHECK(d.payload.body == "x 1\n");
  CHECK(d.payload.grouping.size() == 2);
  REQUIRE(parse_delivery(R"({"body":{"text":"a"}})", &d, &err));
  CHECK(d.payload.body == R"({"text":"a"})");
  CHECK(d.webhook.empty());
  CHECK_FALSE(parse_delivery(R"({"text":"a"})", &d, &err));
  CHECK(err == "not a delivery: no \"body\" (pass --raw for bodies made by other tools)");
  CHECK_FALSE(parse_delivery("{\"body\":", &d, &err));
  CHECK(err.rfind("invalid JSON at byte", 0) == 0);
  CHECK_FALSE(parse_delivery(std::string(100, '[') + std::string(100, ']'), &d, &err));
  CHECK(err == "nested more than 64 deep");
  std::string line;
  REQUIRE(wrap_raw(R"({"text":"a"} )", "ops", &line, &err));
  CHECK(line == R"({"webhook":"ops","body":{"text":"a"} })");
  CHECK_FALSE(wrap_raw("nope", "ops", &line, &err));
}

TEST_CASE("Sender: an endpoint that is down leaves the deliveries spooled", "[sender]") {
  char tmpl[] = "/tmp/pgtail-sender-XXXXXX";
  std::string root = mkdtemp(tmpl);
  SenderOptions o;
  o.spool_root = root;
  o.retry_base_ms = 10;
  o.retry_max_ms = 20;
  {
    Sender s(o);
    std::string notice;
    s.add(WebhookTarget{"down", {"http://127.0.0.1:" + std::to_string(closed_port()) + "/", {}, ""}, {}, {}}, &notice);
    CHECK(notice.empty());
    s.start();
    s.put("down", R"({"body":{"n":1}})");
    s.put("down", R"({"body":{"n":2}})");
    s.commit();
    s.finish(300, false);
    while (!s.wait(100)) {
    }
    CHECK(s.left() == 2);
    CHECK(s.rejected() == 0);
    CHECK(s.summary().find("2 read, 0 sent") == 0);
  }
  CHECK(summarize_spool(root, "down").queued == 2);
  std::filesystem::remove_all(root);
}
