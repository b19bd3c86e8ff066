// Bad config gets file:line:col errors (DESIGN.md invariant 6) from `cutover check` and at
// start-up, and a reload is atomic and safe (invariant 3): a broken file changes nothing, a good
// one switches routing for new requests while requests in flight finish on the old one.
#include <algorithm>
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <future>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// Asserts exit 1 and that stdout has `<config>:<where>: error: <message...>` as one line prefix.
void expect_error(const CheckResult& r, const std::string& where, const std::string& message) {
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string line = r.config_path.string() + (where.empty() ? "" : ":" + where) + ": error: " + message;
  const bool at_line_start = r.out.starts_with(line) || r.out.find("\n" + line) != std::string::npos;
  EXPECT_TRUE(at_line_start) << "expected a line starting with\n  " << line << "\nin\n" << r.out;
}

TEST(ConfigCheck, ParseErrorsAreAllReportedWithFileLineColumn) {
  const auto r = Gateway::check(
      "listen: 127.0.0.1:0\n"                     // 1
      "workers: many\n"                           // 2
      "limits: { header_timeout: 10 }\n"          // 3
      "backends:\n"                               // 4
      "  old: { endpoints: [127.0.0.1:1] }\n"     // 5
      "  new: { endpoints: [127.0.0.1:2] }\n"     // 6
      "routes:\n"                                 // 7
      "  - id: notes\n"                           // 8
      "    match: { prefix: /api/notes }\n"       // 9
      "    split: { new: 12.345 }\n"              // 10
      "    rollbak_to: old\n"                     // 11
      "    sticky: sometimes\n");                 // 12
  expect_error(r, "2:1", "'workers' must be auto or a number from 1 to 256, not 'many'");
  expect_error(r, "3:27", "'limits.header_timeout' must be a duration");
  expect_error(r, "10:19", "'routes.notes.split.new' must be a percentage from 0 to 100 in steps of 0.01, not '12.345'");
  expect_error(r, "11:5", "unknown key 'rollbak_to' in 'routes.notes' (did you mean 'rollback_to'?)");
  expect_error(r, "12:13", "'routes.notes.sticky' must be one of user, cookie, none, not 'sometimes'");
  EXPECT_THAT(r.out, HasSubstr(r.config_path.string() + ": 5 errors"));
}

TEST(ConfigCheck, UnknownTopLevelKeySuggestsTheRightOne) {
  const auto r = Gateway::check(
      "listen: 127.0.0.1:0\n"
      "backend:\n"
      "  old: { endpoints: [127.0.0.1:1] }\n"
      "routes:\n"
      "  - { id: a, match: { prefix: / }, backend: old }\n");
  expect_error(r, "2:1", "unknown key 'backend' (did you mean 'backends'?)");
}

TEST(ConfigCheck, UnknownBackendInSplit) {
  const auto r = Gateway::check(
      "listen: 127.0.0.1:0\n"
      "backends:\n"
      "  old: { endpoints: [127.0.0.1:1] }\n"
      "  new: { endpoints: [127.0.0.1:2] }\n"
      "routes:\n"
      "  - id: notes\n"
      "    match: { prefix: /api/notes }\n"
      "    split: { newer: 10 }\n"
      "    rollback_to: old\n");
  expect_error(r, "8:14", "route 'notes': 'split' names unknown backend 'newer'");
}

TEST(ConfigCheck, MissingRoutes) {
  const auto r = Gateway::check("listen: 127.0.0.1:0\nbackends:\n  old: { endpoints: [127.0.0.1:1] }\n");
  expect_error(r, "", "the config needs 'routes'");
  const auto empty = Gateway::check("listen: 127.0.0.1:0\nbackends:\n  old: { endpoints: [127.0.0.1:1] }\nroutes:\n");
  expect_error(empty, "4:1", "'routes' is empty");
}

TEST(ConfigCheck, YamlSyntaxError) {
  const auto r = Gateway::check(
      "listen: 127.0.0.1:0\n"
      "backends:\n"
      "  old: { endpoints: [127.0.0.1:1 }\n"
      "routes: []\n");
  expect_error(r, "3:34", "YAML syntax");
}

TEST(ConfigCheck, DuplicateRouteId) {
  const auto r = Gateway::check(
      "listen: 127.0.0.1:0\n"
      "backends:\n"
      "  old: { endpoints: [127.0.0.1:1] }\n"
      "routes:\n"
      "  - id: notes\n"
      "    match: { prefix: /api/notes }\n"
      "    backend: old\n"
      "  - id: notes\n"
      "    match: { prefix: /x }\n"
      "    backend: old\n");
  expect_error(r, "8:5", "duplicate route id 'notes' (first defined at line 5)");
}

TEST(ConfigCheck, AmbiguousRoutes) {
  const auto r = Gateway::check(
      "listen: 127.0.0.1:0\n"
      "backends:\n"
      "  old: { endpoints: [127.0.0.1:1] }\n"
      "routes:\n"
      "  - id: a\n"
      "    match: { prefix: /api, methods: [GET, POST] }\n"
      "    backend: old\n"
      "  - id: b\n"
      "    match: { prefix: /api, methods: [POST, PUT] }\n"
      "    backend: old\n");
  expect_error(r, "8:5", "ambiguous: route 'a' and route 'b' match the same requests");
}

TEST(ConfigCheck, SplitOver100Percent) {
  const auto r = Gateway::check(
      "listen: 127.0.0.1:0\n"
      "backends:\n"
      "  old: { endpoints: [127.0.0.1:1] }\n"
      "  a: { endpoints: [127.0.0.1:2] }\n"
      "  b: { endpoints: [127.0.0.1:3] }\n"
      "routes:\n"
      "  - id: over\n"
      "    match: { prefix: /y }\n"
      "    split:\n"
      "      a: 60.5\n"
      "      b: 40\n"
      "    rollback_to: old\n");
  expect_error(r, "7:5", "route 'over': split shares add up to 100.50%, over 100%");
}

TEST(ConfigCheck, SecretFileMissingOrTooShort) {
  const std::string yaml =
      "listen: 127.0.0.1:0\n"
      "identity:\n"
      "  jwt:\n"
      "    hs256_secret_file: hs256.key\n"
      "backends:\n"
      "  old: { endpoints: [127.0.0.1:1] }\n"
      "routes:\n"
      "  - { id: a, match: { prefix: / }, backend: old }\n";
  expect_error(Gateway::check(yaml), "4:5", "cannot read 'identity.jwt.hs256_secret_file' file");
  Gateway gw(yaml);
  gw.write_file("hs256.key", "too-short\n");
  expect_error(gw.check(), "4:5", "'identity.jwt.hs256_secret_file' holds 9 bytes; an HS256 secret needs at least 32");
  gw.write_file("hs256.key", std::string(32, 'k') + "\n");
  const auto ok = gw.check();
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
}

TEST(ConfigCheck, ValidConfigPrintsASummary) {
  const auto r = Gateway::check(
      "listen: 127.0.0.1:0\n"
      "backends:\n"
      "  legacy: { endpoints: [127.0.0.1:1] }\n"
      "  notes-svc: { endpoints: [127.0.0.1:2, 127.0.0.1:3] }\n"
      "routes:\n"
      "  - id: notes\n"
      "    match: { path: /api/notes/*, methods: [GET, HEAD] }\n"
      "    split: { notes-svc: 25 }\n"
      "    rollback_to: legacy\n"
      "  - id: default\n"
      "    match: { prefix: / }\n"
      "    backend: legacy\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(r.config_path.string() + ": OK (2 backends, 2 routes, config "));
  EXPECT_THAT(r.out, HasSubstr("backend notes-svc: 127.0.0.1:2 127.0.0.1:3"));
  EXPECT_THAT(r.out, HasSubstr("route notes: GET,HEAD /api/notes/* -> notes-svc 25%, legacy 75% (rollback_to)"));
  EXPECT_THAT(r.out, HasSubstr("route default: * / (prefix) -> legacy"));
  EXPECT_THAT(r.out, Not(HasSubstr("error")));
  EXPECT_THAT(r.out, Not(HasSubstr("warning")));
}

TEST(ConfigCheck, RouteThatCanNeverMatchIsAWarning) {
  const auto r = Gateway::check(
      "listen: 127.0.0.1:0\n"                                  // 1
      "backends:\n"                                            // 2
      "  old: { endpoints: [127.0.0.1:1] }\n"                  // 3
      "routes:\n"                                              // 4
      "  - id: c\n"                                            // 5
      "    match: { path: /x, methods: [GET] }\n"              // 6
      "    backend: old\n"                                     // 7
      "  - id: d\n"                                            // 8
      "    match: { path: /x, methods: [GET, POST] }\n"        // 9
      "    backend: old\n"                                     // 10
      "  - id: e\n"                                            // 11
      "    match: { path: /x, methods: [POST] }\n"             // 12
      "    backend: old\n");                                   // 13
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(r.config_path.string() + ":9:12: warning: route 'd' can never match"));
  EXPECT_THAT(r.out, HasSubstr(": OK (1 backend"));
}

TEST(ConfigStart, BrokenConfigExits1WithTheErrorOnStderr) {
  Gateway gw(
      "listen: 127.0.0.1:0\n"
      "backends:\n"
      "  old: { endpoints: [127.0.0.1:1] }\n"
      "routes:\n"
      "  - id: a\n"
      "    match: { prefix: / }\n"
      "    backend: olde\n");
  EXPECT_THROW(gw.start({}, 5s), std::runtime_error);
  EXPECT_EQ(gw.process().wait_exit(5s), 1);
  EXPECT_THAT(gw.process().output(Process::Stream::kStderr),
              HasSubstr(gw.config_path().string() + ":5:5: error: route 'a': 'backend' names unknown backend 'olde'"));
}

// Reloads: one route split between `old` and `new`, the percentage given per config.
class Reload : public ::testing::Test {
 protected:
  void SetUp() override {
    old_ = Upstream::start("old");
    new_ = Upstream::start("new");
    gateway_ = std::make_unique<Gateway>(config(0));
    gateway_->start();
  }

  std::string config(int percent, const std::string& extra_route_key = "") const {
    return yaml_prologue() +
           "backends:\n"
           "  old: { endpoints: [" + old_->address() + "] }\n"
           "  new: { endpoints: [" + new_->address() + "] }\n"
           "routes:\n"
           "  - id: all\n"
           "    match: { prefix: / }\n"
           "    split: { new: " + std::to_string(percent) + " }\n"
           "    rollback_to: old\n" + extra_route_key;
  }

  // Writes `yaml`, sends SIGHUP and waits for the gateway's verdict line on stderr.
  std::optional<std::vector<std::string>> reload(const std::string& yaml, const std::string& verdict) {
    auto& p = gateway_->process();
    const auto mark = p.output_size(Process::Stream::kStderr);
    gateway_->write_config(yaml);
    EXPECT_TRUE(p.send_signal(SIGHUP));
    return p.wait_for_line(std::regex(verdict), 10s, Process::Stream::kStderr, mark);
  }

  std::string backend_of(HttpConnection& c, const std::string& target = "/x") {
    const auto r = c.get(target);
    EXPECT_EQ(r.status, 200) << r.error.message();
    return served_by(r);
  }

  std::unique_ptr<Upstream> old_;
  std::unique_ptr<Upstream> new_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(Reload, BrokenConfigKeepsServingTheOldRoutes) {
  HttpConnection before(gateway_->port());
  EXPECT_EQ(backend_of(before), "old");
  // Valid YAML, invalid config: split 100 to new but with a typo in a key; the error must name
  // the line the typo is on (counted here, so the shared prologue can change).
  const std::string broken = config(100, "    rollbak: old\n");
  const auto typo_line = 1 + std::count(broken.begin(), broken.begin() + static_cast<std::ptrdiff_t>(broken.find("rollbak")), '\n');
  const auto failed = reload(broken, "reload failed");
  ASSERT_TRUE(failed) << gateway_->process().output();
  EXPECT_TRUE(gateway_->process().wait_for_line(
      std::regex(std::regex_replace(gateway_->config_path().string(), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                 ":" + std::to_string(typo_line) + R"(:5: error: unknown key 'rollbak')"),
      5s, Process::Stream::kStderr))
      << gateway_->process().output();
  EXPECT_TRUE(gateway_->process().running());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(backend_of(before), "old") << "the broken config took effect";
  HttpConnection after(gateway_->port());
  EXPECT_EQ(backend_of(after), "old");
  // A YAML syntax error is no different.
  ASSERT_TRUE(reload("routes: [\n", "reload failed")) << gateway_->process().output();
  EXPECT_EQ(backend_of(before), "old");
  EXPECT_EQ(new_->total_requests(), 0u);
}

TEST_F(Reload, ValidConfigSwitchesRoutingForNewRequests) {
  HttpConnection kept(gateway_->port());
  EXPECT_EQ(backend_of(kept), "old");
  ASSERT_TRUE(reload(config(100), "reloaded")) << gateway_->process().output();
  // The connection opened before the reload survives it and follows the new table.
  EXPECT_EQ(backend_of(kept), "new");
  HttpConnection fresh(gateway_->port());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(backend_of(fresh), "new");
  ASSERT_TRUE(reload(config(0), "reloaded")) << gateway_->process().output();
  EXPECT_EQ(backend_of(kept), "old");
}

TEST_F(Reload, RequestsInFlightFinishOnTheConfigTheyStartedWith) {
  // Requests already waiting on `old` finish there and get their 200.
  std::vector<std::future<Response>> in_flight;
  for (int i = 0; i < 3; ++i) {
    in_flight.push_back(std::async(std::launch::async, [port = gateway_->port()] {
      return http_get(port, "/delay?ms=1000");
    }));
  }
  ASSERT_TRUE(wait_until([&] { return old_->hits("/delay") == 3; }, 5s)) << old_->stats_json();
  ASSERT_TRUE(reload(config(100), "reloaded")) << gateway_->process().output();
  HttpConnection c(gateway_->port());
  EXPECT_EQ(backend_of(c), "new");
  for (auto& f : in_flight) {
    const auto r = f.get();
    EXPECT_EQ(r.status, 200) << r.error.message();
    EXPECT_EQ(served_by(r), "old");
  }
}

}  // namespace
}  // namespace cutover::test
