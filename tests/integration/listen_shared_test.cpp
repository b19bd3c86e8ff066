// A second gateway on a port another gateway already serves refuses to start (README "listen_shared"),
// unless it is asked to share it for a side-by-side upgrade.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

std::string config_on(const std::string& listen, const Upstream& app, bool shared) {
  return "listen: " + listen + "\nadmin: { listen: 127.0.0.1:0 }\nworkers: 1\naccess_log: { path: 'off' }\n" +
         (shared ? "listen_shared: true\n" : "") + "backends:\n  app: { endpoints: [" + app.address() +
         "] }\nroutes:\n  - { id: all, match: { prefix: / }, backend: app }\n";
}

TEST(ListenShared, ASecondGatewayOnTheSamePortRefusesToStartUnlessAskedToShare) {
  auto app = Upstream::start("app");
  auto first = Gateway::launch(config_on("127.0.0.1:0", *app, false));
  const std::string taken = "127.0.0.1:" + std::to_string(first->port());

  Gateway second;
  second.write_config(config_on(taken, *app, false));
  EXPECT_THROW(second.start({}, 5s), std::runtime_error);
  EXPECT_EQ(second.process().wait_exit(5s), 1);
  EXPECT_THAT(second.process().output(), ::testing::HasSubstr("another process already listens there"));
  EXPECT_THAT(second.process().output(), ::testing::HasSubstr("listen_shared"));
  EXPECT_EQ(http_get(first->port(), "/still-first").status, 200);

  Gateway sharing;
  sharing.write_config(config_on(taken, *app, true));
  sharing.start();
  EXPECT_TRUE(sharing.process().running());
  EXPECT_EQ(http_get(first->port(), "/either").status, 200);
}

}  // namespace
}  // namespace cutover::test
