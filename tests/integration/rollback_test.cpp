// Rollback is instant (DESIGN.md invariant 4): under continuous load on a 50/50 route, once
// POST /admin/routes/{id}/rollback has returned, the rolled-back backend receives only requests
// that were already in flight (at most one per client connection) and then nothing, while
// rollback_to takes all the traffic and no request fails. POST /admin/rollback does the same for
// every route that has a rollback_to.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

constexpr int kConnections = 8;

class Rollback : public ::testing::Test {
 protected:
  void SetUp() override {
    legacy_ = Upstream::start("legacy", 2);
    new_ = Upstream::start("new", 2);
    gateway_ = Gateway::launch(yaml_prologue() +
                               "backends:\n"
                               "  legacy: { endpoints: [" + legacy_->address() + "] }\n"
                               "  new: { endpoints: [" + new_->address() + "] }\n"
                               "routes:\n"
                               "  - { id: notes, match: { prefix: /api/notes }, split: { new: 50 },"
                               " rollback_to: legacy, sticky: none }\n"
                               "  - { id: search, match: { prefix: /api/search }, split: { new: 30 },"
                               " rollback_to: legacy, sticky: none }\n"
                               "  - { id: assets, match: { prefix: /static }, backend: new }\n"
                               "  - { id: default, match: { prefix: / }, backend: legacy }\n");
    admin_ = gateway_->admin_port();
  }

  // How many of `n` GETs of `target` each backend served.
  std::map<std::string, int> spread(const std::string& target, int n) {
    std::map<std::string, int> out;
    HttpConnection c(gateway_->port());
    for (int i = 0; i < n; ++i) {
      const auto r = c.get(target);
      EXPECT_EQ(r.status, 200) << target << " " << r.error.message();
      ++out[served_by(r)];
    }
    return out;
  }

  std::unique_ptr<Upstream> legacy_;
  std::unique_ptr<Upstream> new_;
  std::unique_ptr<Gateway> gateway_;
  std::uint16_t admin_ = 0;
};

TEST_F(Rollback, AfterTheCallReturnsNoNewRequestReachesTheRolledBackBackend) {
  const std::string path = "/api/notes/1";
  BackgroundLoad load(gateway_->port(), path, kConnections);
  ASSERT_TRUE(wait_until([&] { return new_->hits(path) > 100 && legacy_->hits(path) > 100; }, 10s))
      << "the 50/50 route did not reach both backends: new " << new_->hits(path) << ", legacy "
      << legacy_->hits(path) << "\n" << load.failures();

  const auto r = admin_call(admin_, "POST", "/admin/routes/notes/rollback", R"({"reason": "p99 regression", "who": "oncall"})");
  const auto new_at_return = new_->hits(path);
  const auto legacy_at_return = legacy_->hits(path);
  ASSERT_EQ(r.status, 200) << r.body;

  auto body = json_body(r);
  ASSERT_TRUE(body.is_object() && body["route"].is_object()) << r.body;
  auto& o = body["route"]["override"];
  ASSERT_TRUE(o.is_object()) << r.body;
  EXPECT_EQ(o.value("kind", ""), "rollback");
  EXPECT_EQ(o.value("rollback_to", ""), "legacy");
  EXPECT_EQ(o.value("reason", ""), "p99 regression");
  EXPECT_EQ(o.value("who", ""), "oncall");
  EXPECT_EQ(o.value("applied", false), true);
  EXPECT_EQ(split_percents(body["route"]["effective_split"]),
            (std::map<std::string, double>{{"legacy", 100.0}, {"new", 0.0}}))
      << r.body;

  // Requests in flight when the call returned may still land (one per connection at most)...
  ASSERT_TRUE(load.wait_for_progress(4 * kConnections, 5s)) << load.failures();
  const auto new_settled = new_->hits(path);
  EXPECT_LE(new_settled, new_at_return + kConnections)
      << "requests routed to the rolled-back backend after the rollback returned";
  // ...and after that nothing at all, while legacy takes every request.
  for (int i = 0; i < 15; ++i) {
    std::this_thread::sleep_for(100ms);  // the observation window, not synchronization
    ASSERT_EQ(new_->hits(path), new_settled) << "the rolled-back backend still gets traffic after " << (i + 1) * 100
                                             << " ms";
  }
  const auto legacy_after = legacy_->hits(path);
  EXPECT_GT(legacy_after, legacy_at_return + 100) << "load did not keep flowing to legacy";
  load.stop();
  EXPECT_EQ(load.failed(), 0u) << load.failures();
  EXPECT_GT(load.ok(), 200u);

  // Only notes was rolled back: search still splits, the others are untouched.
  const auto search = spread("/api/search/x", 60);
  EXPECT_GT(search.count("new") ? search.at("new") : 0, 0) << "search was rolled back too";
  auto list = json_body(admin_call(admin_, "GET", "/admin/routes"));
  auto search_route = find_by_id(list.value("routes", nlohmann::json::array()), "search");
  ASSERT_TRUE(search_route.is_object()) << list.dump(2);
  EXPECT_TRUE(search_route.contains("override") && search_route["override"].is_null()) << search_route.dump(2);
}

TEST_F(Rollback, RollbackAllRollsBackEveryRouteWithARollbackTo) {
  BackgroundLoad load(gateway_->port(), "/api/search/2", 4);
  ASSERT_TRUE(wait_until([&] { return new_->hits("/api/search/2") > 20; }, 10s)) << load.failures();

  const auto r = admin_call(admin_, "POST", "/admin/rollback", R"({"reason": "incident 42", "who": "oncall"})");
  const auto new_at_return = new_->hits("/api/search/2");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json_body(r);
  ASSERT_TRUE(body.is_object()) << r.body;
  EXPECT_EQ(body["rolled_back"], nlohmann::json::array({"notes", "search"})) << r.body;
  ASSERT_TRUE(body["routes"].is_array()) << r.body;
  EXPECT_EQ(find_by_id(body["routes"], "notes")["override"].value("kind", ""), "rollback") << r.body;

  ASSERT_TRUE(load.wait_for_progress(50, 5s)) << load.failures();
  const auto new_settled = new_->hits("/api/search/2");
  EXPECT_LE(new_settled, new_at_return + 4);
  ASSERT_TRUE(load.wait_for_progress(200, 5s)) << load.failures();
  EXPECT_EQ(new_->hits("/api/search/2"), new_settled) << "search still reaches new after POST /admin/rollback";
  load.stop();
  EXPECT_EQ(load.failed(), 0u) << load.failures();

  auto list = json_body(admin_call(admin_, "GET", "/admin/routes"));
  ASSERT_TRUE(list.is_object());
  for (const auto* id : {"notes", "search"}) {
    auto route = find_by_id(list["routes"], id);
    ASSERT_TRUE(route.is_object() && route["override"].is_object()) << id << ": " << list.dump(2);
    EXPECT_EQ(route["override"].value("kind", ""), "rollback") << id;
    EXPECT_EQ(route["override"].value("rollback_to", ""), "legacy") << id;
    EXPECT_EQ(route["override"].value("reason", ""), "incident 42") << id;
    EXPECT_EQ(split_percents(route["effective_split"]), (std::map<std::string, double>{{"legacy", 100.0}, {"new", 0.0}}))
        << id;
  }
  for (const auto* id : {"assets", "default"}) {
    auto route = find_by_id(list["routes"], id);
    ASSERT_TRUE(route.is_object()) << id << ": " << list.dump(2);
    EXPECT_TRUE(route.contains("override") && route["override"].is_null()) << id << " has no rollback_to: " << route.dump(2);
  }

  // Traffic agrees: split routes all on legacy, the single-backend route still on new.
  EXPECT_EQ(spread("/api/notes/5", 40), (std::map<std::string, int>{{"legacy", 40}}));
  EXPECT_EQ(spread("/api/search/5", 40), (std::map<std::string, int>{{"legacy", 40}}));
  EXPECT_EQ(spread("/static/app.js", 10), (std::map<std::string, int>{{"new", 10}}));
  auto status = json_body(admin_call(admin_, "GET", "/admin/status"));
  EXPECT_EQ(status.value("active_overrides", -1), 2) << status.dump();
}

}  // namespace
}  // namespace cutover::test
