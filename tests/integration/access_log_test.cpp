// The access log (README "Access log"): one JSON line per request, proxied or answered locally,
// with the request id, route, backend, user, status and byte counts; never a credential.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// Every line of the log as JSON; a line that does not parse fails the test.
std::vector<json> log_lines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto parsed = parse_json(line);
    EXPECT_TRUE(parsed && parsed->is_object()) << "not a JSON object: " << line;
    if (parsed) lines.push_back(*parsed);
  }
  return lines;
}

// One backend behind a catch-all route, with the access log on.
std::string logged_catch_all(const Upstream& app, int workers) {
  return yaml_prologue(workers, true) + "backends:\n  app: { endpoints: [" + app.address() + "] }\n" +
         "routes:\n  - { id: api, match: { prefix: / }, backend: app }\n";
}

const json* line_with_id(const std::vector<json>& lines, const std::string& id) {
  for (const auto& line : lines) {
    if (line.value("request_id", "") == id) return &line;
  }
  return nullptr;
}

TEST(AccessLog, OneJsonLinePerRequestWithWhatHappened) {
  auto app = Upstream::start("app");
  auto gone = Upstream::start("gone");
  const auto dead_port = gone->port;
  gone->stop();
  Gateway gw;
  const auto secret = gw.write_file("hs256.key", kJwtSecret);
  gw.write_config(yaml_prologue(2, true) +
                  "identity:\n  jwt: { hs256_secret_file: " + secret.string() + " }\n"
                  "backends:\n"
                  "  app: { endpoints: [" + app->address() + "] }\n"
                  "  dead: { endpoints: [127.0.0.1:" + std::to_string(dead_port) + "] }\n"
                  "routes:\n"
                  "  - { id: api, match: { prefix: /api }, backend: app }\n"
                  "  - { id: dead, match: { prefix: /dead }, backend: dead }\n");
  gw.start();
  const auto token = hs256_user_token("log-user");
  HttpConnection c(gw.port());
  const auto ok = c.get("/api/items?secret_query=1",
                        {{"X-Request-Id", "log-get"}, {"Authorization", "Bearer " + token}});
  ASSERT_EQ(ok.status, 200);
  ASSERT_EQ(c.request({.method = "POST", .target = "/api/sink", .headers = {{"X-Request-Id", "log-post"}},
                       .body = std::string(1234, 'x')})
                .status,
            200);
  ASSERT_EQ(c.get("/nowhere", {{"X-Request-Id", "log-404"}}).status, 404);
  ASSERT_EQ(c.get("/dead/x", {{"X-Request-Id", "log-502"}}).status, 502);
  constexpr std::size_t kRequests = 4;

  ASSERT_TRUE(wait_until([&] { return log_lines(gw.access_log()).size() >= kRequests; }, 5s))
      << "access log after 5 s:\n" << gw.access_log();
  const auto text = gw.access_log();
  const auto lines = log_lines(text);
  EXPECT_EQ(lines.size(), kRequests) << text;
  EXPECT_THAT(text, Not(HasSubstr(token))) << "a credential in the access log";
  EXPECT_THAT(text, Not(HasSubstr("secret_query"))) << "the query string is not part of the logged path";

  const auto* get = line_with_id(lines, "log-get");
  ASSERT_NE(get, nullptr) << text;
  EXPECT_EQ((*get)["route"], "api");
  EXPECT_EQ((*get)["backend"], "app");
  EXPECT_EQ((*get)["user"], "log-user");
  EXPECT_EQ((*get)["method"], "GET");
  EXPECT_EQ((*get)["path"], "/api/items");
  EXPECT_EQ((*get)["client"], "127.0.0.1");
  EXPECT_EQ((*get)["status"], 200);
  EXPECT_EQ((*get)["bytes_out"], ok.body.size());
  EXPECT_TRUE((*get)["duration_ms"].is_number());
  EXPECT_TRUE((*get)["upstream_ms"].is_number());
  EXPECT_TRUE(!get->contains("error") || (*get)["error"].is_null()) << get->dump();
  EXPECT_THAT((*get)["time"].get<std::string>(), ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z"));

  const auto* post = line_with_id(lines, "log-post");
  ASSERT_NE(post, nullptr) << text;
  EXPECT_EQ((*post)["bytes_in"], 1234);
  EXPECT_TRUE((*post)["user"].is_null()) << post->dump();

  const auto* not_found = line_with_id(lines, "log-404");
  ASSERT_NE(not_found, nullptr) << text;
  EXPECT_EQ((*not_found)["status"], 404);
  EXPECT_EQ((*not_found)["error"], "no_route");
  EXPECT_TRUE((*not_found)["route"].is_null());

  const auto* failed = line_with_id(lines, "log-502");
  ASSERT_NE(failed, nullptr) << text;
  EXPECT_EQ((*failed)["status"], 502);
  EXPECT_EQ((*failed)["route"], "dead");
  EXPECT_EQ((*failed)["error"], "upstream_unavailable");
}

// duration_ms runs from the request's first bytes to its response written (nginx's
// $request_time): a slow header counts, the idle time before a keep-alive request does not.
// upstream_ms runs from the send to the backend's response header.
TEST(AccessLog, DurationsCountFromTheRequestsFirstBytesAndTheSend) {
  auto app = Upstream::start("app");
  Gateway gw;
  gw.write_config(logged_catch_all(*app, 1));
  gw.start();
  HttpConnection c(gw.port());
  ASSERT_FALSE(c.send_raw("GET /delay?ms=150 HTTP/1.1\r\nHost: x\r\nX-Request-Id: log-slow\r\n"));
  std::this_thread::sleep_for(250ms);  // the rest of the header comes late
  ASSERT_FALSE(c.send_raw("\r\n"));
  ASSERT_EQ(c.read_response().status, 200);
  std::this_thread::sleep_for(400ms);  // idle on the kept-alive connection
  ASSERT_EQ(c.get("/fast", {{"X-Request-Id", "log-fast"}}).status, 200);

  ASSERT_TRUE(wait_until([&] { return log_lines(gw.access_log()).size() >= 2; }, 5s)) << gw.access_log();
  const auto lines = log_lines(gw.access_log());
  const auto* slow = line_with_id(lines, "log-slow");
  const auto* fast = line_with_id(lines, "log-fast");
  ASSERT_TRUE(slow && fast) << gw.access_log();
  EXPECT_GE((*slow)["upstream_ms"].get<double>(), 150.0) << slow->dump();
  EXPECT_LT((*slow)["upstream_ms"].get<double>(), 250.0) << "the slow header is not the backend's time: " << slow->dump();
  // Header 250 ms + backend 150 ms, less however long the gateway took to see the first bytes.
  EXPECT_GE((*slow)["duration_ms"].get<double>(), 380.0) << "header 250 ms + backend 150 ms: " << slow->dump();
  EXPECT_LT((*fast)["duration_ms"].get<double>(), 300.0) << "the idle time before it counted: " << fast->dump();
}

// What `top -H` shows an operator looking for the busy thread (docs/runbook.md).
TEST(AccessLog, TheWorkersAndTheWriterAreNamedThreads) {
  auto app = Upstream::start("app");
  Gateway gw;
  gw.write_config(logged_catch_all(*app, 2));
  gw.start();
  std::vector<std::string> names;
  const auto tasks = std::filesystem::path("/proc") / std::to_string(gw.process().pid()) / "task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.push_back(name);
  }
  EXPECT_THAT(names, ::testing::IsSupersetOf({"worker-0", "worker-1", "access-log"}));
}

TEST(AccessLog, AFileThatCannotBeOpenedStopsStartUpAndSaysWhy) {
  auto app = Upstream::start("app");
  Gateway gw;
  gw.write_config("listen: 127.0.0.1:0\nadmin: { listen: 127.0.0.1:0 }\nworkers: 1\n"
                  "access_log: { path: /nonexistent-dir/access.log }\n"
                  "backends:\n  app: { endpoints: [" + app->address() + "] }\n"
                  "routes:\n  - { id: api, match: { prefix: / }, backend: app }\n");
  EXPECT_THROW(gw.start({}, 5s), std::runtime_error);
  EXPECT_EQ(gw.process().wait_exit(5s), 1) << "a clean exit 1, not an abort";
  const auto err = gw.process().output(Process::Stream::kStderr);
  EXPECT_THAT(err, HasSubstr("cannot start"));
  EXPECT_THAT(err, HasSubstr("/nonexistent-dir/access.log"));
  EXPECT_THAT(err, HasSubstr("No such file or directory"));
}

// logrotate's way: rename the file, then SIGUSR1. Lines from before the signal stay in the renamed
// file, later ones go to a new file at the configured path, and none is lost or doubled.
TEST(AccessLog, SigusrOneReopensTheFileAfterARotation) {
  auto app = Upstream::start("app");
  Gateway gw;
  gw.write_config(logged_catch_all(*app, 2));
  gw.start();
  HttpConnection c(gw.port());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.get("/x", {{"X-Request-Id", "before-" + std::to_string(i)}}).status, 200);
  ASSERT_TRUE(wait_until([&] { return log_lines(gw.access_log()).size() >= 20; }, 5s));
  const auto rotated = gw.access_log_path().string() + ".1";
  std::filesystem::rename(gw.access_log_path(), rotated);
  // Still written to the renamed file until the signal: the process holds it open. The line is
  // written after the reply, so wait for it rather than racing the signal against the writer.
  ASSERT_EQ(c.get("/x", {{"X-Request-Id", "between"}}).status, 200);
  ASSERT_TRUE(wait_until([&] {
    std::ifstream old_file(rotated);
    return line_with_id(log_lines(std::string(std::istreambuf_iterator<char>(old_file), {})), "between") != nullptr;
  }, 5s)) << "the renamed file stopped receiving lines before the signal";

  ASSERT_EQ(::kill(gw.process().pid(), SIGUSR1), 0);
  ASSERT_TRUE(wait_until([&] { return gw.process().output(Process::Stream::kStderr).find("reopened") != std::string::npos; }, 5s))
      << gw.process().output();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.get("/x", {{"X-Request-Id", "after-" + std::to_string(i)}}).status, 200);
  ASSERT_TRUE(wait_until([&] { return log_lines(gw.access_log()).size() >= 20; }, 5s)) << "nothing in the new file";

  std::ifstream old_file(rotated);
  const auto old_lines = log_lines(std::string(std::istreambuf_iterator<char>(old_file), {}));
  const auto new_lines = log_lines(gw.access_log());
  EXPECT_EQ(old_lines.size(), 21u);
  EXPECT_EQ(new_lines.size(), 20u);
  EXPECT_NE(line_with_id(old_lines, "before-0"), nullptr);
  EXPECT_NE(line_with_id(old_lines, "between"), nullptr);
  EXPECT_NE(line_with_id(new_lines, "after-19"), nullptr);
  EXPECT_EQ(line_with_id(new_lines, "before-0"), nullptr);
  EXPECT_TRUE(gw.process().running());
}

// A path that cannot be opened any more (here: a directory took its name) keeps the old file:
// lines are not lost, the error names the path, and a later SIGUSR1 recovers.
TEST(AccessLog, AReopenThatFailsKeepsWritingToTheOldFile) {
  auto app = Upstream::start("app");
  Gateway gw;
  gw.write_config(logged_catch_all(*app, 1));
  gw.start();
  HttpConnection c(gw.port());
  const auto rotated = gw.access_log_path().string() + ".1";
  std::filesystem::rename(gw.access_log_path(), rotated);
  std::filesystem::create_directory(gw.access_log_path());
  ASSERT_EQ(::kill(gw.process().pid(), SIGUSR1), 0);
  ASSERT_TRUE(wait_until([&] { return gw.process().output(Process::Stream::kStderr).find("cannot reopen") != std::string::npos; }, 5s))
      << gw.process().output();
  EXPECT_THAT(gw.process().output(Process::Stream::kStderr), HasSubstr(gw.access_log_path().string()));
  ASSERT_EQ(c.get("/x", {{"X-Request-Id", "kept"}}).status, 200);
  ASSERT_TRUE(wait_until([&] {
    std::ifstream old_file(rotated);
    return line_with_id(log_lines(std::string(std::istreambuf_iterator<char>(old_file), {})), "kept") != nullptr;
  }, 5s));

  std::filesystem::remove(gw.access_log_path());
  ASSERT_EQ(::kill(gw.process().pid(), SIGUSR1), 0);
  ASSERT_TRUE(wait_until([&] { return gw.process().output(Process::Stream::kStderr).find("reopened") != std::string::npos; }, 5s));
  ASSERT_EQ(c.get("/x", {{"X-Request-Id", "recovered"}}).status, 200);
  ASSERT_TRUE(wait_until([&] { return line_with_id(log_lines(gw.access_log()), "recovered") != nullptr; }, 5s));
}

}  // namespace
}  // namespace cutover::test
