// What a client connection costs the worker's heap, idle and with its request waiting on the
// backend, counted block by block (heap_bytes.hpp). The integration tests measure the same
// through RSS across processes, with a margin for pages; here the number is exact for a build,
// so a coroutine frame that grows past its allocator size class shows at once.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <functional>
#include <optional>
#include <vector>

#include "session/heap_bytes.hpp"
#include "session/session_tier.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

// Enough that the few blocks recycled from free lists (Asio's frame cache, the reactor's
// descriptor states, the worker's spare strings) do not hide what each connection takes.
constexpr std::size_t kConnections = 200;
// Measured 2,263 bytes per idle connection (GCC 12, Boost 1.81, mimalloc 2.0): the session's
// coroutine frame (under 1,280 bytes, the size class below 1,536), the connection's state and
// the reactor's. A frame grown into the next size class adds 256 and fails here.
constexpr double kMaxIdleBytes = 2400;
// Measured 7,535 bytes per waiting request: the above, the exchange's and the upstream call's
// frames, the request's fields, and a backend connection with its reactor state (8,077 while
// the backend connection was a beast::tcp_stream, with timers of its own).
constexpr double kMaxBusyBytes = 7600;

TierOptions without_access_log() {
  TierOptions options;
  options.access_log = false;
  return options;
}

// Heap bytes per idle keep-alive connection, each served one request first; none when the heap
// is not mimalloc's. `just_before_start` runs in the worker's handler that starts each session.
std::optional<double> idle_bytes_per_connection(const std::function<void()>& just_before_start = {}) {
  SessionTier tier(without_access_log());
  std::vector<Peer> clients;
  clients.reserve(kConnections + 1);
  clients.push_back(tier.connect_client());
  EXPECT_TRUE(clients.back().send(get_request()));
  Peer backend = tier.accept_backend();
  EXPECT_TRUE(backend.send(ok_response()));
  tier.settle();

  const auto before = heap_bytes_in_use();
  if (!before) std::printf("[ not measured ] the heap is not mimalloc's: budgets do not apply\n");
  for (std::size_t i = 0; i < kConnections; ++i) {
    clients.push_back(tier.connect_client(just_before_start));
    EXPECT_TRUE(clients.back().send(get_request()));
    tier.settle();
    EXPECT_TRUE(backend.send(ok_response()));
    tier.settle();
  }
  tier.advance(1500ms);  // longer than a read buffer is kept
  EXPECT_EQ(tier.worker().idle_sessions(), kConnections + 1);
  std::optional<double> per_connection;
  if (before) per_connection = static_cast<double>(*heap_bytes_in_use() - *before) / kConnections;
  for (auto& client : clients) client.close();
  tier.expect_nothing_leaked();
  return per_connection;
}

TEST(ConnectionMemory, AnIdleKeepAliveConnectionHoldsLittleMoreThanItsSessionFrame) {
  const auto per_connection = idle_bytes_per_connection();
  if (per_connection) {
    std::printf("[ measured ] %.0f heap bytes per idle connection\n", *per_connection);
    EXPECT_LE(*per_connection, kMaxIdleBytes);
  }
}

// A coroutine frame of ~0.7 KiB, the size of the exchange's: made and destroyed unstarted, it
// leaves its block in Asio's per-thread frame cache, as a request that just ended does.
asio::awaitable<void> large_frame() {
  std::array<char, 640> bytes{};
  co_await asio::post(asio::use_awaitable);
  std::printf("%c", bytes[0]);
}

void fill_frame_cache() {
  std::vector<asio::awaitable<void>> frames;
  for (int i = 0; i < 8; ++i) frames.push_back(large_frame());
}

// Each session's co_spawn entry frame (~128 bytes) is held as long as its connection is open.
// Asio's frame cache hands out the first cached block that is large enough, so an entry frame
// spawned right after a request ended would hold that request's ~1 KiB block for hours.
TEST(ConnectionMemory, AnIdleConnectionCostsTheSameWhateverAsiosFrameCacheHeldWhenItWasAccepted) {
  const auto plain = idle_bytes_per_connection();
  const auto after_requests = idle_bytes_per_connection(fill_frame_cache);
  if (plain && after_requests) {
    std::printf("[ measured ] %.0f heap bytes per idle connection, %.0f accepted after large frames were freed\n",
                *plain, *after_requests);
    EXPECT_LE(*after_requests, *plain + 64);  // the cache's own eight blocks, spread over the connections
  }
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
