// What a client connection costs the worker's heap, idle and with its request waiting on the
// backend, counted block by block (heap_bytes.hpp). The integration tests measure the same
// through RSS across processes, with a margin for pages; here the number is exact for a build,
// so a coroutine frame that grows past its allocator size class shows at once.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "session/heap_bytes.hpp"
#include "session/session_tier.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;

// Enough that the few blocks recycled from free lists (Asio's frame cache, the reactor's
// descriptor states, the worker's spare strings) do not hide what each connection takes.
constexpr std::size_t kConnections = 200;
// Measured 2,591 bytes per idle connection (GCC 12, Boost 1.81, mimalloc 2.0): the session's
// coroutine frame (under 1,280 bytes, the size class below 1,536), the connection's state and
// the reactor's. A frame grown into the next size class adds 256 and fails here.
constexpr double kMaxIdleBytes = 2700;
// Measured 7,760 bytes per waiting request: the above, the exchange's and the upstream call's
// frames, the request's fields, and a backend connection with its reactor state.
constexpr double kMaxBusyBytes = 8100;

TierOptions without_access_log() {
  TierOptions options;
  options.access_log = false;
  return options;
}

TEST(ConnectionMemory, AnIdleKeepAliveConnectionHoldsLittleMoreThanItsSessionFrame) {
  SessionTier tier(without_access_log());
  std::vector<Peer> clients;
  clients.reserve(kConnections + 1);
  clients.push_back(tier.connect_client());
  ASSERT_TRUE(clients.back().send(get_request()));
  Peer backend = tier.accept_backend();
  ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();

  const auto before = heap_bytes_in_use();
  if (!before) std::printf("[ not measured ] the heap is not mimalloc's: budgets do not apply\n");
  for (std::size_t i = 0; i < kConnections; ++i) {
    clients.push_back(tier.connect_client());
    ASSERT_TRUE(clients.back().send(get_request()));
    tier.settle();
    ASSERT_TRUE(backend.send(ok_response()));
    tier.settle();
  }
  tier.advance(1500ms);  // longer than a read buffer is kept
  EXPECT_EQ(tier.worker().idle_sessions(), kConnections + 1);
  if (before) {
    const double per_connection = static_cast<double>(*heap_bytes_in_use() - *before) / kConnections;
    std::printf("[ measured ] %.0f heap bytes per idle connection\n", per_connection);
    EXPECT_LE(per_connection, kMaxIdleBytes);
  }
  for (auto& client : clients) client.close();
  tier.expect_nothing_leaked();
}

// The gateway's side of a request waiting on its backend: the client connection, the exchange's
// frames and state, and the backend connection.
TEST(ConnectionMemory, ARequestWaitingOnItsBackendHoldsItsFramesAndTwoConnections) {
  SessionTier tier(without_access_log());
  std::vector<Peer> clients;
  std::vector<Peer> backends;
  clients.reserve(kConnections + 1);
  backends.reserve(kConnections + 1);
  clients.push_back(tier.connect_client());  // warms the worker: heads, blocks, the pool's endpoint
  ASSERT_TRUE(clients.back().send(get_request()));
  backends.push_back(tier.accept_backend());
  ASSERT_TRUE(backends.back().send(ok_response()));
  tier.settle();

  const auto before = heap_bytes_in_use();
  if (!before) std::printf("[ not measured ] the heap is not mimalloc's: budgets do not apply\n");
  for (std::size_t i = 0; i < kConnections; ++i) {
    clients.push_back(tier.connect_client());
    ASSERT_TRUE(clients.back().send(get_request()));
    tier.settle();
    if (i > 0) backends.push_back(tier.accept_backend());  // the first takes the pooled one
  }
  tier.advance(1500ms);
  EXPECT_EQ(tier.worker().active_sessions(), kConnections + 1);
  if (before) {
    const double per_request = static_cast<double>(*heap_bytes_in_use() - *before) / kConnections;
    std::printf("[ measured ] %.0f heap bytes per request waiting on its backend\n", per_request);
    EXPECT_LE(per_request, kMaxBusyBytes);
  }
  for (auto& backend : backends) ASSERT_TRUE(backend.send(ok_response()));
  tier.settle();
  for (std::size_t i = 1; i < clients.size(); ++i) EXPECT_EQ(status_of(clients[i].received()), 200u) << i;
  for (auto& client : clients) client.close();
  for (auto& backend : backends) backend.close();
  tier.expect_nothing_leaked();
}

}  // namespace
}  // namespace cutover::session_test
