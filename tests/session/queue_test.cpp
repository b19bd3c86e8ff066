// The wait for a backend connection when max_connections_per_endpoint are all busy: arrival
// order, the hand-over of a connection that comes back, queue_timeout on the manual clock, and a
// client that leaves while it waits.
#include <gtest/gtest.h>

#include <algorithm>

#include "session/session_tier.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;

TierOptions one_connection() {
  TierOptions options;
  options.backend_settings = "max_connections_per_endpoint: 1, queue_timeout: 2s";
  return options;
}

bool saw(Peer& backend, std::string_view path) {
  return backend.received().find("GET " + std::string(path) + " ") != std::string::npos;
}

// The first request holds the backend's one connection; `backend` is its far end.
struct Busy {
  explicit Busy(SessionTier& tier) : first(tier.connect_client()) {
    EXPECT_TRUE(first.send(get_request("/first")));
    backend = tier.accept_backend();
  }
  Peer first;
  Peer backend;
};

TEST(UpstreamQueue, ARequestWaitsAndIsHandedTheConnectionThatComesBack) {
  SessionTier tier(one_connection());
  Busy busy(tier);
  Peer second = tier.connect_client();
  ASSERT_TRUE(second.send(get_request("/second")));
  tier.settle();
  EXPECT_FALSE(tier.backend_connection_pending()) << "no connection beyond the limit";
  EXPECT_EQ(tier.worker().pool().waiting(), 1u);
  EXPECT_EQ(tier.counters().upstream_queued.load(), 1u);
  ASSERT_TRUE(busy.backend.send(ok_response("first")));
  tier.settle();
  EXPECT_EQ(status_of(busy.first.received()), 200u);
  EXPECT_TRUE(saw(busy.backend, "/second")) << "the same connection carries the waiting request";
  ASSERT_TRUE(busy.backend.send(ok_response("second")));
  tier.settle();
  EXPECT_EQ(status_of(second.received()), 200u);
  EXPECT_EQ(tier.worker().pool().waiting(), 0u);
  busy.first.close();
  second.close();
  tier.expect_nothing_leaked();
}

TEST(UpstreamQueue, WaitingRequestsAreServedInArrivalOrder) {
  SessionTier tier(one_connection());
  Busy busy(tier);
  std::vector<Peer> waiting;
  for (const char* path : {"/a", "/b", "/c"}) {
    waiting.push_back(tier.connect_client());
    ASSERT_TRUE(waiting.back().send(get_request(path)));
    tier.settle();
  }
  EXPECT_EQ(tier.worker().pool().waiting(), 3u);
  ASSERT_TRUE(busy.backend.send(ok_response()));
  tier.settle();
  for (std::size_t i = 0; i < waiting.size(); ++i) {
    ASSERT_TRUE(busy.backend.send(ok_response("answer " + std::to_string(i))));
    tier.settle();
  }
  const std::string& seen = busy.backend.received();
  EXPECT_LT(seen.find("GET /a "), seen.find("GET /b "));
  EXPECT_LT(seen.find("GET /b "), seen.find("GET /c "));
  for (std::size_t i = 0; i < waiting.size(); ++i) {
    EXPECT_NE(waiting[i].received().find("answer " + std::to_string(i)), std::string::npos) << i;
  }
  busy.first.close();
  for (auto& client : waiting) client.close();
  tier.expect_nothing_leaked();
}

// 503 upstream_busy once queue_timeout passes, not before; the busy request is not disturbed.
TEST(UpstreamQueue, AWaitThatOutlastsTheQueueTimeoutGets503) {
  SessionTier tier(one_connection());
  Busy busy(tier);
  Peer second = tier.connect_client();
  ASSERT_TRUE(second.send(get_request("/second")));
  tier.advance(1990ms);
  EXPECT_EQ(status_of(second.received()), 0u);
  tier.advance(30ms);
  EXPECT_EQ(status_of(second.received()), 503u) << second.received();
  EXPECT_NE(second.received().find("\"upstream_busy\""), std::string::npos);
  EXPECT_EQ(tier.counters().upstream_queue_timeouts.load(), 1u);
  EXPECT_EQ(tier.worker().pool().waiting(), 0u);
  ASSERT_TRUE(busy.backend.send(ok_response("first")));
  tier.settle();
  EXPECT_EQ(status_of(busy.first.received()), 200u);
  EXPECT_FALSE(saw(busy.backend, "/second")) << "a request answered 503 is never sent";
  busy.first.close();
  second.close();
  tier.expect_nothing_leaked();
}

// A client that leaves while it waits is not sent: the connection goes to the next one. (A
// backend limited to a few connections would otherwise spend one on an answer nobody reads.)
TEST(UpstreamQueue, AClientThatLeavesWhileWaitingGivesUpItsPlace) {
  SessionTier tier(one_connection());
  Busy busy(tier);
  Peer leaving = tier.connect_client();
  ASSERT_TRUE(leaving.send(get_request("/leaving")));
  tier.settle();
  Peer staying = tier.connect_client();
  ASSERT_TRUE(staying.send(get_request("/staying")));
  tier.settle();
  EXPECT_EQ(tier.worker().pool().waiting(), 2u);
  leaving.reset();
  tier.settle();
  ASSERT_TRUE(busy.backend.send(ok_response("first")));
  tier.settle();
  EXPECT_TRUE(saw(busy.backend, "/staying"));
  ASSERT_TRUE(busy.backend.send(ok_response("staying")));
  tier.settle();
  EXPECT_EQ(status_of(staying.received()), 200u);
  EXPECT_FALSE(saw(busy.backend, "/leaving")) << "nobody is there to read its answer";
  EXPECT_EQ(tier.counters().client_aborts.load(), 1u);
  const auto log = tier.access_log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(std::count_if(log.begin(), log.end(), [](const auto& line) { return line.value("error", "") == "client_aborted"; }), 1);
  busy.first.close();
  staying.close();
  tier.expect_nothing_leaked();
}

// The busy connection breaks instead of coming back: the waiting request may open a new one.
TEST(UpstreamQueue, AConnectionThatBreaksLeavesRoomForTheNextRequestToConnect) {
  SessionTier tier(one_connection());
  Busy busy(tier);
  Peer second = tier.connect_client();
  ASSERT_TRUE(second.send(get_request("/second")));
  tier.settle();
  ASSERT_TRUE(busy.backend.send(ok_response("first", "Connection: close\r\n")));
  busy.backend.close();
  tier.settle();
  EXPECT_EQ(status_of(busy.first.received()), 200u);
  Peer fresh = tier.accept_backend();
  EXPECT_TRUE(saw(fresh, "/second"));
  ASSERT_TRUE(fresh.send(ok_response("second")));
  tier.settle();
  EXPECT_EQ(status_of(second.received()), 200u);
  busy.first.close();
  second.close();
  tier.expect_nothing_leaked();
}

// A request that waited is answered from when it was sent: the queue's wait is not the
// backend's timeout (which starts once the request is on its way).
TEST(UpstreamQueue, TheWaitDoesNotCountTowardsTheBackendTimeout) {
  TierOptions options;
  options.backend_settings = "max_connections_per_endpoint: 1, queue_timeout: 10s, timeout: 5s";
  SessionTier tier(options);
  Busy busy(tier);
  Peer second = tier.connect_client();
  ASSERT_TRUE(second.send(get_request("/second")));
  tier.advance(4s);
  ASSERT_TRUE(busy.backend.send(ok_response("first")));
  tier.settle();
  ASSERT_TRUE(saw(busy.backend, "/second"));
  tier.advance(4s);  // 8 s since it arrived, 4 s since it was sent
  EXPECT_EQ(status_of(second.received()), 0u) << "not timed out by the time it waited";
  tier.advance(1100ms);
  EXPECT_EQ(status_of(second.received()), 504u);
  busy.first.close();
  second.close();
  tier.expect_nothing_leaked();
}

}  // namespace
}  // namespace cutover::session_test
