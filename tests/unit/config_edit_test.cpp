// config_edit: edits that keep the user's file as written, the atomic 0600
// write checked by the loader, long values moved to files; url_format and
// shell_words, pg-webhook's other small pieces.
#include "config_edit.hpp"

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "shell_words.hpp"
#include "test_env.hpp"
#include "url_format.hpp"

using namespace pgtail;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

mode_t mode_of(const std::string& path) {
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

const char kUserFile[] =
    "# my webhooks\n"
    "[global]\n"
    "instance_name = shop-primary ; the name on-call knows\n"
    "\n"
    "; Slack: #ops\n"
    "[webhook \"slack\"]\n"
    "url = https://hooks.slack.com/services/${SLACK_HOOK}\n"
    "format = slack\n"
    "on = FATAL PANIC\n"
    "# keep this quiet\n"
    "throttle = 10/min\n"
    "\n"
    "# PagerDuty, for the night\n"
    "[webhook \"pd\"]\n"
    "url = https://events.pagerduty.com/v2/enqueue\n"
    "format = pagerduty\n"
    "routing_key = ${PD_ROUTING_KEY}\n";

}  // namespace

TEST_CASE("an untouched file is written back byte for byte", "[config_edit]") {
  CHECK(ConfigText(kUserFile).str() == kUserFile);
  std::string crlf = "[webhook \"a\"]\r\nurl = http://x/\r\n";
  CHECK(ConfigText(crlf).str() == crlf);
  std::string bom = "\xEF\xBB\xBF[webhook \"a\"]\nurl = http://x/\n";
  CHECK(ConfigText(bom).str() == bom);
  CHECK(ConfigText("").str() == "");
  CHECK(ConfigText("a = b").str() == "a = b\n");  // a last line gets its line end
}

TEST_CASE("a rule is added after the section's last 'on', comments kept", "[config_edit]") {
  ConfigText t(kUserFile);
  t.add("slack", "on", "/connection limit/");
  t.add("pd", "on", "FATAL");
  t.add("pd", "on", "errors > 50/min");
  std::string want = kUserFile;
  want.replace(want.find("on = FATAL PANIC\n") + 17, 0, "on = /connection limit/\n");
  want += "on = FATAL\non = errors > 50/min\n";
  CHECK(t.str() == want);
  CHECK(t.values("pd", "on") == std::vector<std::string>{"FATAL", "errors > 50/min"});
  CHECK(t.values("", "instance_name") == std::vector<std::string>{"shop-primary"});
}

TEST_CASE("set replaces a value in place, keeping its inline comment", "[config_edit]") {
  ConfigText t(kUserFile);
  t.set("", "instance_name", "shop-2");
  t.set("slack", "throttle", "5/min");
  t.set("slack", "enabled", "no");  // a new key goes after the section's last key
  std::string s = t.str();
  CHECK(s.find("instance_name = shop-2 ; the name on-call knows\n") != std::string::npos);
  CHECK(s.find("# keep this quiet\nthrottle = 5/min\nenabled = no\n\n# PagerDuty") != std::string::npos);
}

TEST_CASE("a key is inserted after the last key, not after the next section's comment", "[config_edit]") {
  ConfigText t("[webhook \"a\"]\nurl = http://x/\n\n# about b\n[webhook \"b\"]\nurl = http://y/\n");
  t.set("a", "format", "json");
  CHECK(t.str() == "[webhook \"a\"]\nurl = http://x/\nformat = json\n\n# about b\n[webhook \"b\"]\nurl = http://y/\n");
  ConfigText empty("[webhook \"a\"]\n");
  empty.add("a", "on", "FATAL");
  CHECK(empty.str() == "[webhook \"a\"]\non = FATAL\n");
}

TEST_CASE("remove takes out the lines of one value, or all of a key", "[config_edit]") {
  ConfigText t("[webhook \"a\"]\non = FATAL\non = errors\non = FATAL\nurl = http://x/\n");
  std::string fatal = "FATAL";
  CHECK(t.remove("a", "on", &fatal) == 2);
  CHECK(t.str() == "[webhook \"a\"]\non = errors\nurl = http://x/\n");
  CHECK(t.remove("a", "on") == 1);
  CHECK(t.remove("a", "on") == 0);
  CHECK(t.remove("nope", "on") == 0);
  CHECK(t.str() == "[webhook \"a\"]\nurl = http://x/\n");
}

TEST_CASE("sections are added at the end and removed with their keys", "[config_edit]") {
  ConfigText t(kUserFile);
  t.add_section("teams", {{"url", "https://x.logic.azure.com/w"}, {"format", "teams"}});
  CHECK(t.str() == std::string(kUserFile) + "\n[webhook \"teams\"]\nurl = https://x.logic.azure.com/w\nformat = teams\n");
  CHECK(t.has_section("teams"));
  CHECK(t.remove_section("slack"));
  CHECK_FALSE(t.has_section("slack"));
  CHECK_FALSE(t.remove_section("slack"));
  // The comment above the removed header and the one about the next section stay.
  std::string s = t.str();
  CHECK(s.find("; Slack: #ops\n\n# PagerDuty, for the night\n[webhook \"pd\"]") != std::string::npos);
  CHECK(t.remove_section("teams"));
  ConfigText u(kUserFile);
  CHECK(u.remove_section("pd"));
  CHECK(u.str() == std::string(kUserFile).substr(0, std::string(kUserFile).find("[webhook \"pd\"]")));
}

TEST_CASE("fits_on_line refuses what inih would read differently", "[config_edit]") {
  std::string err;
  CHECK(fits_on_line("url", "https://hooks.slack.com/services/T/B/x", &err));
  CHECK_FALSE(fits_on_line("url", std::string(194, 'a'), &err));  // "url = " + 194 = 200
  CHECK(err == "url is too long for one line of the file (200 bytes, at most 199)");
  CHECK(fits_on_line("url", std::string(193, 'a'), &err));
  CHECK_FALSE(fits_on_line("header", "X-A: b ;c", &err));
  CHECK(err == "header contains ' ;', which starts a comment in the file");
  CHECK(fits_on_line("header", "X-A: b;c", &err));
  CHECK_FALSE(fits_on_line("on", " FATAL", &err));
  CHECK_FALSE(fits_on_line("on", "", &err));
  CHECK_FALSE(fits_on_line("on", "a\nb", &err));
}

TEST_CASE("write_config: atomic, 0600, checked by the loader", "[config_edit]") {
  TempDir d;
  std::string path = d.write("webhooks.ini", kUserFile, 0644);
  ConfigText t(kUserFile);
  t.add("slack", "on", "/deadlock/");
  Config c;
  std::string err;
  REQUIRE(permission_warning(path) == path + " can be read by others (mode 0644) though it holds secrets: chmod 600 " + path);
  REQUIRE(write_config(path, kUserFile, t.str(), {}, &c, &err));
  CHECK(slurp(path) == t.str());
  CHECK(mode_of(path) == 0600);
  CHECK(permission_warning(path).empty());
  REQUIRE(c.find("slack"));
  CHECK(c.find("slack")->on.size() == 2);
  // No temp file is left beside it.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(d.dir_)) files += e.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("write_config refuses a text the loader refuses, and leaves the file", "[config_edit]") {
  TempDir d;
  std::string path = d.write("webhooks.ini", kUserFile);
  ConfigText t(kUserFile);
  t.set("slack", "throttle", "often");
  Config c;
  std::string err;
  bool refused = false;
  CHECK_FALSE(write_config(path, kUserFile, t.str(), {{"webhooks.slack.url", "https://x/\n"}}, &c, &err, &refused));
  CHECK(refused);
  CHECK(err.find(path + ":11: throttle: ") == 0);
  CHECK(slurp(path) == kUserFile);
  CHECK_FALSE(std::filesystem::exists(d.path("webhooks.slack.url")));  // the new secret file is gone again
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(d.dir_)) files += e.is_regular_file();
  CHECK(files == 1);
}

TEST_CASE("write_config refuses when the file changed meanwhile", "[config_edit]") {
  TempDir d;
  std::string path = d.write("webhooks.ini", kUserFile);
  Config c;
  std::string err;
  CHECK_FALSE(write_config(path, "something else", kUserFile, {}, &c, &err));
  CHECK(err == path + " changed while pg-webhook was editing it: nothing written, try again");
}

TEST_CASE("write_config creates the folder and the file, and writes secret files 0600", "[config_edit]") {
  TempDir d;
  std::string path = d.path("a/b/webhooks.ini");
  std::string url = "https://prod.westeurope.logic.azure.com:443/workflows/" + std::string(150, 'f') +
                    "/triggers/manual/paths/invoke?api-version=2016-06-01&sig=" + std::string(43, 's');
  std::string file = secret_file_name(path, "teams", "url");
  CHECK(file == "webhooks.teams.url");
  ConfigText t;
  t.add_section("teams", {{"url_file", file}, {"format", "teams"}});
  Config c;
  std::string err;
  REQUIRE(write_config(path, "", t.str(), {{file, url + "\n"}}, &c, &err));
  CHECK(mode_of(d.path("a/b")) == 0700);
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(d.path("a/b/webhooks.teams.url")) == 0600);
  REQUIRE(c.find("teams"));
  CHECK(c.find("teams")->url == url);
}

TEST_CASE("write_config follows a symbolic link and keeps it", "[config_edit]") {
  TempDir d;
  std::string real = d.write("real.ini", "[webhook \"a\"]\nurl = http://x/\n");
  std::string link = d.path("webhooks.ini");
  REQUIRE(symlink(real.c_str(), link.c_str()) == 0);
  ConfigText t(slurp(real));
  t.add("a", "on", "FATAL");
  Config c;
  std::string err;
  REQUIRE(write_config(link, slurp(real), t.str(), {}, &c, &err));
  struct stat st;
  REQUIRE(lstat(link.c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  CHECK(slurp(real) == "[webhook \"a\"]\nurl = http://x/\non = FATAL\n");
}

TEST_CASE("the format a URL asks for", "[config_edit]") {
  auto f = [](const char* url) { return format_from_url(url).format; };
  CHECK(f("https://hooks.slack.com/services/T0/B0/x") == "slack");
  CHECK(f("https://HOOKS.SLACK.COM:443/services/x") == "slack");
  CHECK(f("https://discord.com/api/webhooks/1/abc") == "discord");
  CHECK(f("https://discordapp.com/api/webhooks/1/abc") == "discord");
  CHECK(f("https://discord.com/api/v10/webhooks/1/abc?wait=true") == "discord");
  CHECK(f("https://discord.com/channels/1") == "json");
  CHECK(f("https://events.pagerduty.com/v2/enqueue") == "pagerduty");
  CHECK(f("https://events.eu.pagerduty.com/v2/enqueue") == "pagerduty");
  CHECK(f("https://api.opsgenie.com/v2/alerts") == "opsgenie");
  CHECK(f("https://api.eu.opsgenie.com/v2/alerts") == "opsgenie");
  CHECK(f("https://prod-12.westeurope.logic.azure.com:443/workflows/x") == "teams");
  CHECK_FALSE(format_from_url("https://prod-12.westeurope.logic.azure.com/workflows/x").teams_legacy);
  CHECK(f("https://default123.environment.api.powerplatform.com/x") == "teams");
  CHECK(f("https://contoso.webhook.office.com/webhookb2/x") == "teams");
  CHECK(format_from_url("https://contoso.webhook.office.com/webhookb2/x").teams_legacy);
  CHECK(format_from_url("https://outlook.office.com/webhook/x").teams_legacy);
  CHECK(f("https://user:pw@hooks.slack.com/x") == "slack");
  CHECK(f("https://hooks.slack.com.evil.example/x") == "json");
  CHECK(f("https://evil.example/hooks.slack.com/") == "json");
  CHECK(f("http://127.0.0.1:8080/x") == "json");
  CHECK(url_host("http://[::1]:8080/x") == "::1");
  CHECK(url_host("nonsense").empty());
}

TEST_CASE("command lines are split as sh does, without expansion", "[config_edit]") {
  std::vector<std::string> w;
  std::string err;
  REQUIRE(split_words("webhook pagerduty on errors > 50/min", &w, &err));
  CHECK(w == std::vector<std::string>{"webhook", "pagerduty", "on", "errors", ">", "50/min"});
  REQUIRE(split_words("add pd URL --header \"Authorization: Token token=XXX\" --routing-key '${PD_KEY}'", &w, &err));
  CHECK(w == std::vector<std::string>{"add", "pd", "URL", "--header", "Authorization: Token token=XXX",
                                      "--routing-key", "${PD_KEY}"});
  REQUIRE(split_words("a\\ b \"x\\\"y\" ''  ", &w, &err));
  CHECK(w == std::vector<std::string>{"a b", "x\"y", ""});
  CHECK_FALSE(split_words("on 'x", &w, &err));
  CHECK(err == "unclosed quote (')");
  std::string head;
  CHECK(continues("add x \\", &head));
  CHECK(head == "add x ");
  CHECK_FALSE(continues("add x \\\\", &head));
  CHECK_FALSE(continues("add 'x \\", &head));
  CHECK_FALSE(continues("add x", &head));
}
