// A reload while requests are under way, on a real session: each request runs on the config that
// was current when its first bytes arrived, from its header's limits to its route, and the next
// request on the same connection takes the new one.
#include <gtest/gtest.h>

#include "session/session_tier.hpp"

namespace cutover::session_test {
namespace {

TierOptions answered_by_the_gateway() {
  TierOptions options;
  options.route = "{ id: api, match: { prefix: / }, return: { status: 410, body: gone, content_type: text/plain } }";
  return options;
}

TEST(RequestSnapshot, AReloadWhileAHeaderArrivesAppliesFromTheNextRequest) {
  SessionTier tier;
  Peer client = tier.connect_client();
  const std::string request = get_request();
  ASSERT_TRUE(client.send(request.substr(0, request.size() - 2)));  // all but the header's last line end
  tier.settle();
  tier.reload(answered_by_the_gateway());
  ASSERT_TRUE(client.send("\r\n"));
  Peer backend = tier.accept_backend();  // the old route: proxied
  ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u) << client.received();

  ASSERT_TRUE(client.send(get_request()));  // the next request: the new route
  tier.settle();
  EXPECT_EQ(responses_in(client.received()), 2u) << client.received();
  EXPECT_NE(client.received().find("HTTP/1.1 410"), std::string::npos) << client.received();
  EXPECT_EQ(requests_in(backend.received()), 1u);
  client.close();
  tier.expect_nothing_leaked();
}

// The header's own limits come from the same config: one that arrives under the old, larger
// max_header_bytes is read whole, though the new config would refuse it.
TEST(RequestSnapshot, AHeaderStartedBeforeAReloadKeepsTheLimitsItStartedWith) {
  TierOptions roomy;
  roomy.extra_yaml = "limits: { max_header_bytes: 16KiB }\n";
  SessionTier tier(roomy);
  Peer client = tier.connect_client();
  const std::string request = get_request("/x", "X-Padding: " + std::string(6000, 'p') + "\r\n");
  ASSERT_TRUE(client.send(request.substr(0, 100)));
  tier.settle();
  TierOptions tight;
  tight.extra_yaml = "limits: { max_header_bytes: 4KiB }\n";
  tier.reload(tight);
  ASSERT_TRUE(client.send(request.substr(100)));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u) << client.received();

  ASSERT_TRUE(client.send(request));  // the next request: the new limit
  tier.settle();
  EXPECT_NE(client.received().find("HTTP/1.1 431"), std::string::npos) << client.received();
  client.close();
  backend.close();
  tier.expect_nothing_leaked();
}

}  // namespace
}  // namespace cutover::session_test
