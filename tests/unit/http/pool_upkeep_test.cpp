// What the worker tells its pool (pool_upkeep.hpp): each config's endpoints with their backend's
// idle_timeout, and whether an idle socket heard from its peer, asked of the reactor first so a
// quiet socket costs no system call.
#include "http/pool_upkeep.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "http/read_readiness.hpp"
#include "unit/http/socket_pair.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(PoolPolicies, EveryEndpointOfEveryBackendWithItsBackendsIdleTimeout) {
  const auto snapshot = runtime::build_snapshot(
      "backends:\n"
      "  legacy: { endpoints: [127.0.0.1:8000, 127.0.0.1:8001], idle_timeout: 4s }\n"
      "  notes: { endpoints: [127.0.0.1:9000] }\n"
      "routes:\n"
      "  - { id: r, match: { prefix: / }, split: { notes: 10 }, rollback_to: legacy }\n",
      "/etc/cutover/gw.yaml");
  const auto policies = pool_policies(*snapshot);
  ASSERT_EQ(policies.size(), 3u);
  EXPECT_EQ(policies[0].endpoint.port(), 8000);
  EXPECT_EQ(policies[0].idle_timeout, 4000ms);
  EXPECT_EQ(policies[1].endpoint.port(), 8001);
  EXPECT_EQ(policies[1].idle_timeout, 4000ms);
  EXPECT_EQ(policies[2].endpoint.port(), 9000);
  EXPECT_EQ(policies[2].idle_timeout, 30000ms) << "the documented default";
}

// Runs the io_context for `time`, handling the readable events that arrive meanwhile.
void handle_events_for(asio::io_context& io, std::chrono::milliseconds time) {
  asio::steady_timer tick(io, time);
  bool done = false;
  tick.async_wait([&](auto) { done = true; });
  while (!done) io.run_one_for(100ms);
  io.restart();
}

TEST(IdlePeerGone, AQuietSocketIsKeptAndNeedsNoLookUntilAnEvent) {
  asio::io_context io;
  SocketPair pair(io);
  EXPECT_FALSE(idle_peer_gone(pair.near));  // looked at once: nothing there
  if (!read_readiness_supported()) GTEST_SKIP() << "the reactor's readiness is not visible in this build";
  EXPECT_FALSE(next_read_is_tried_at_once(pair.near)) << "until an event, the next sweep only asks the reactor";
  handle_events_for(io, 20ms);
  EXPECT_FALSE(idle_peer_gone(pair.near));
}

TEST(IdlePeerGone, APeerThatClosedIsSeenOnceTheReactorHasTheEvent) {
  asio::io_context io;
  SocketPair pair(io);
  EXPECT_FALSE(idle_peer_gone(pair.near));
  pair.far.close();
  handle_events_for(io, 20ms);
  EXPECT_TRUE(idle_peer_gone(pair.near));
}

TEST(IdlePeerGone, BytesNobodyAskedForMeanTheConnectionIsDone) {
  asio::io_context io;
  SocketPair pair(io);
  EXPECT_FALSE(idle_peer_gone(pair.near));
  constexpr std::string_view kTimeout = "HTTP/1.1 408 Request Timeout\r\n\r\n";
  ASSERT_EQ(::send(pair.far.native_handle(), kTimeout.data(), kTimeout.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(kTimeout.size()));
  handle_events_for(io, 20ms);
  EXPECT_TRUE(idle_peer_gone(pair.near));
}

}  // namespace
}  // namespace cutover::http
