// Reloads keep upstream pools warm (issue 3): connections to a backend whose endpoints did not
// change are reused after a reload, and an admin override (which publishes a new snapshot too)
// does not drop them either. A backend that moved gets new connections, to its new address.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gtest/gtest.h>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

std::string config(const Upstream& app, const Upstream& other, std::string_view idle_timeout) {
  // One worker: one pool, so "reused" is not a matter of which worker a connection landed on.
  return yaml_prologue(1) + "limits: { idle_timeout: " + std::string(idle_timeout) + " }\n" +
         "backends:\n"
         "  app: { endpoints: [" + app.address() + "] }\n"
         "  other: { endpoints: [" + other.address() + "] }\n"
         "routes:\n"
         "  - { id: all, match: { prefix: / }, split: { other: 0 }, rollback_to: app, sticky: none }\n";
}

int send_sequentially(std::uint16_t port, int count) {
  HttpConnection client(port);
  int ok = 0;
  for (int i = 0; i < count; ++i) ok += client.get("/warm").status == 200 ? 1 : 0;
  return ok;
}

TEST(PoolAcrossReload, ConnectionsToUnchangedBackendsSurviveReloadsAndOverrides) {
  auto app = Upstream::start("app");
  auto other = Upstream::start("other");
  auto gateway = Gateway::launch(config(*app, *other, "60s"));
  ASSERT_EQ(send_sequentially(gateway->port(), 20), 20);
  const auto warm = app->connections_accepted();
  ASSERT_GE(warm, 1u);
  ASSERT_LE(warm, 2u) << "sequential requests should share one pooled connection";

  // A reload that changes the config (a client-side limit) but not the backend.
  gateway->write_config(config(*app, *other, "30s"));
  auto reloaded = http_request(gateway->admin_port(), Request{"POST", "/admin/reload", {}, "", false, true});
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;
  ASSERT_EQ(send_sequentially(gateway->port(), 20), 20);
  EXPECT_EQ(app->connections_accepted(), warm) << "the reload dropped the pooled connection to app";

  // An admin override publishes a new snapshot as well; 0% for `other` keeps all traffic on app.
  auto split = http_request(gateway->admin_port(),
                            Request{"PUT", "/admin/routes/all/split", {}, R"({"other": 0})", false, true});
  ASSERT_EQ(split.status, 200) << split.body;
  ASSERT_EQ(send_sequentially(gateway->port(), 20), 20);
  EXPECT_EQ(app->connections_accepted(), warm) << "the override dropped the pooled connection to app";
  EXPECT_EQ(other->total_requests(), 0u);
}

TEST(PoolAcrossReload, AMovedBackendIsReachedAtItsNewAddress) {
  auto app = Upstream::start("app");
  auto moved = Upstream::start("moved");
  auto other = Upstream::start("other");
  auto gateway = Gateway::launch(config(*app, *other, "60s"));
  ASSERT_EQ(send_sequentially(gateway->port(), 5), 5);
  gateway->write_config(config(*moved, *other, "60s"));
  auto reloaded = http_request(gateway->admin_port(), Request{"POST", "/admin/reload", {}, "", false, true});
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;
  const auto app_before = app->total_requests();
  ASSERT_EQ(send_sequentially(gateway->port(), 5), 5);
  EXPECT_EQ(moved->total_requests(), 5u);
  EXPECT_EQ(app->total_requests(), app_before) << "a pooled connection to the old address was used";
}

}  // namespace
}  // namespace cutover::test
