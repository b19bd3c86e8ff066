// The pool's connection limit (max_connections_per_endpoint) and its queue: who gets a
// connection, in what order, and that every place taken is given back. Real connections to a
// listening socket on 127.0.0.1:0.
#include "cutover/upstream/pool.hpp"
#include "unit/upstream/pool_connect.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace cutover::upstream {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using Result = Waiter::Result;

class RecordingWaiter final : public Waiter {
 public:
  RecordingWaiter(std::vector<int>& resumed, int id) : resumed_(resumed), id_(id) {}
  bool abandoned = false;

 private:
  void resume() override { resumed_.push_back(id_); }
  // As the frame it lives in would be: its connection goes with it.
  void abandon() override {
    abandoned = true;
    take_connection().reset();
  }
  std::vector<int>& resumed_;
  int id_;
};

class PoolLimit : public ::testing::Test {
 protected:
  PoolLimit() : listener_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    endpoint_ = listener_.local_endpoint();
  }

  // A new connection; then what the pool posted meanwhile runs (a waiter's resumption).
  std::unique_ptr<Connection> open(Waiter* reserved = nullptr) {
    auto connection = connect_now(pool_, endpoint_, reserved);
    settle();
    return connection;
  }

  // Opens one connection and sets the endpoint's limit to 1: anyone else must queue.
  std::unique_ptr<Connection> the_only_connection() {
    auto only = open();
    EXPECT_FALSE(pool_.has_room(endpoint_, 1));
    return only;
  }

  // Runs what the pool posted (the waiters' resumptions).
  void settle() {
    io_.poll();
    io_.restart();
  }

  void hand_back(std::unique_ptr<Connection> connection) {
    pool_.give_back(std::move(connection), 64, std::chrono::steady_clock::now());
  }

  asio::io_context io_;
  tcp::acceptor listener_;  // connections complete in the kernel's backlog: nothing accepts them
  tcp::endpoint endpoint_;
  Pool pool_{io_.get_executor()};
  std::vector<int> resumed_;
};

TEST_F(PoolLimit, WithoutALimitThereIsAlwaysRoom) {
  std::vector<std::unique_ptr<Connection>> held;
  for (int i = 0; i < 5; ++i) held.push_back(open());
  EXPECT_TRUE(pool_.has_room(endpoint_, 0));
}

TEST_F(PoolLimit, TheLimitCountsOpenConnectionsIdleOnesIncluded) {
  auto a = open();
  EXPECT_TRUE(pool_.has_room(endpoint_, 2));
  auto b = open();
  EXPECT_FALSE(pool_.has_room(endpoint_, 2));
  hand_back(std::move(a));  // idle, still open
  EXPECT_FALSE(pool_.has_room(endpoint_, 2));
  b.reset();  // closed
  EXPECT_TRUE(pool_.has_room(endpoint_, 2));
}

TEST_F(PoolLimit, AConnectionComingBackGoesToTheOldestWaiterNotIdle) {
  auto only = the_only_connection();
  RecordingWaiter first(resumed_, 1), second(resumed_, 2);
  pool_.enqueue(endpoint_, first);
  pool_.enqueue(endpoint_, second);
  EXPECT_EQ(pool_.waiting(), 2u);

  Connection* raw = only.get();
  hand_back(std::move(only));
  EXPECT_EQ(first.result(), Result::handed);
  EXPECT_EQ(second.result(), Result::waiting);
  EXPECT_TRUE(resumed_.empty()) << "resumed inline, inside the request that gave the connection back";
  settle();
  EXPECT_EQ(resumed_, std::vector<int>{1});
  auto got = first.take_connection();
  EXPECT_EQ(got.get(), raw);
  EXPECT_TRUE(got->reused);
  EXPECT_EQ(pool_.stats().idle, 0u);

  hand_back(std::move(got));
  settle();
  EXPECT_EQ(resumed_, (std::vector<int>{1, 2}));
  EXPECT_EQ(second.result(), Result::handed);
  EXPECT_EQ(pool_.waiting(), 0u);
  EXPECT_EQ(pool_.stats().handed_over, 2u);
}

TEST_F(PoolLimit, AClosedConnectionLetsTheOldestWaiterOpenOneInItsPlace) {
  auto only = open();
  RecordingWaiter first(resumed_, 1), second(resumed_, 2);
  pool_.enqueue(endpoint_, first);
  pool_.enqueue(endpoint_, second);
  ASSERT_FALSE(pool_.has_room(endpoint_, 1));  // records the limit
  only.reset();
  settle();
  EXPECT_EQ(first.result(), Result::may_connect);
  EXPECT_TRUE(first.holds_reservation());
  EXPECT_EQ(second.result(), Result::waiting);
  // The place is kept for the first waiter: a newcomer must not take it.
  EXPECT_FALSE(pool_.has_room(endpoint_, 1));
  auto replacement = open(&first);
  ASSERT_TRUE(replacement);
  EXPECT_FALSE(first.holds_reservation());
  // Counted once: closing it lets the second waiter in, and then there is still no room.
  replacement.reset();
  settle();
  EXPECT_EQ(second.result(), Result::may_connect);
  EXPECT_FALSE(pool_.has_room(endpoint_, 1));
}

TEST_F(PoolLimit, AnUnusedLeaveToConnectIsGivenBack) {
  auto only = the_only_connection();
  {
    RecordingWaiter gone(resumed_, 1);
    pool_.enqueue(endpoint_, gone);
    only.reset();
    EXPECT_EQ(gone.result(), Result::may_connect);
    settle();
  }  // never connected (its request ended another way)
  EXPECT_TRUE(pool_.has_room(endpoint_, 1));
}

TEST_F(PoolLimit, AnExpiredWaiterLeavesTheQueueAndTheNextOneIsServed) {
  auto only = the_only_connection();
  RecordingWaiter late(resumed_, 1), next(resumed_, 2);
  pool_.enqueue(endpoint_, late);
  pool_.enqueue(endpoint_, next);
  pool_.expire(late);
  EXPECT_EQ(late.result(), Result::timed_out);
  pool_.expire(late);  // a second expiry (or one after settling) changes nothing
  hand_back(std::move(only));
  settle();
  EXPECT_EQ(resumed_, (std::vector<int>{1, 2}));
  EXPECT_EQ(next.result(), Result::handed);
  EXPECT_FALSE(late.take_connection());
}

TEST_F(PoolLimit, AWaiterThatLeavesBeforeItsTurnIsSkipped) {
  auto only = the_only_connection();
  RecordingWaiter stays(resumed_, 2);
  {
    RecordingWaiter leaves(resumed_, 1);
    pool_.enqueue(endpoint_, leaves);
    pool_.enqueue(endpoint_, stays);
    EXPECT_EQ(pool_.waiting(), 2u);
  }
  EXPECT_EQ(pool_.waiting(), 1u);
  hand_back(std::move(only));
  settle();
  EXPECT_EQ(resumed_, std::vector<int>{2});
}

TEST_F(PoolLimit, NewcomersQueueBehindWaitersAndARaisedLimitLetsWaitersInFirst) {
  auto a = open();
  ASSERT_FALSE(pool_.has_room(endpoint_, 1));
  RecordingWaiter waiting(resumed_, 1);
  pool_.enqueue(endpoint_, waiting);
  // A reload raised the limit to 2: the waiter gets the new place, not the newcomer asking.
  EXPECT_FALSE(pool_.has_room(endpoint_, 2));
  EXPECT_EQ(waiting.result(), Result::may_connect);
  auto b = open(&waiting);
  EXPECT_FALSE(pool_.has_room(endpoint_, 2));
  EXPECT_TRUE(pool_.has_room(endpoint_, 3));
}

TEST_F(PoolLimit, ALoweredLimitLetsNobodyInUntilEnoughHaveClosed) {
  auto a = open();
  auto b = open();
  auto c = open();
  ASSERT_FALSE(pool_.has_room(endpoint_, 1));
  RecordingWaiter waiting(resumed_, 1);
  pool_.enqueue(endpoint_, waiting);
  a.reset();
  b.reset();
  EXPECT_EQ(waiting.result(), Result::waiting);  // 1 open: at the new limit
  c.reset();
  EXPECT_EQ(waiting.result(), Result::may_connect);
  settle();
}

TEST_F(PoolLimit, AConnectionOpenedPastTheLimitIsClosedWhenItComesBackNotHandedOn) {
  auto only = the_only_connection();
  auto extra = open();  // an auth subrequest's: counted, but it never waited for room
  RecordingWaiter waiting(resumed_, 1);
  pool_.enqueue(endpoint_, waiting);
  hand_back(std::move(extra));
  settle();
  EXPECT_EQ(waiting.result(), Result::waiting) << "the endpoint would stay over its limit for as long as requests queue";
  EXPECT_EQ(pool_.stats().idle, 0u);
  hand_back(std::move(only));
  settle();
  EXPECT_EQ(waiting.result(), Result::handed);
}

TEST_F(PoolLimit, ALoweredLimitClosesConnectionsAsTheyComeBackUntilItIsMet) {
  auto a = open();
  auto b = open();
  auto c = open();
  ASSERT_FALSE(pool_.has_room(endpoint_, 1));  // a reload lowered it from 3
  RecordingWaiter waiting(resumed_, 1);
  pool_.enqueue(endpoint_, waiting);
  hand_back(std::move(a));
  hand_back(std::move(b));
  EXPECT_EQ(waiting.result(), Result::waiting);  // closed: 1 left, at the limit
  hand_back(std::move(c));
  EXPECT_EQ(waiting.result(), Result::handed);
  settle();
  EXPECT_FALSE(pool_.has_room(endpoint_, 1));
}

TEST_F(PoolLimit, ShutdownAbandonsQueuedWaiters) {
  auto only = the_only_connection();
  RecordingWaiter queued(resumed_, 1);
  pool_.enqueue(endpoint_, queued);
  pool_.abandon_waiters();
  EXPECT_TRUE(queued.abandoned);
  EXPECT_EQ(pool_.waiting(), 0u);
  EXPECT_TRUE(resumed_.empty());
}

TEST(PoolShutdown, ASettledWaiterWhoseResumptionNeverRunsIsAbandoned) {
  std::vector<int> resumed;
  RecordingWaiter stranded(resumed, 1);
  auto io = std::make_unique<asio::io_context>();
  Pool pool(io->get_executor());
  tcp::acceptor listener(*io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto endpoint = listener.local_endpoint();
  auto connection = connect_now(pool, endpoint);
  ASSERT_TRUE(connection);
  ASSERT_FALSE(pool.has_room(endpoint, 1));
  pool.enqueue(endpoint, stranded);
  pool.give_back(std::move(connection), 64, std::chrono::steady_clock::now());
  EXPECT_EQ(stranded.result(), Result::handed);
  listener.close();
  // The worker stops with the resumption still queued: nothing else would let go of the waiter.
  io.reset();
  EXPECT_TRUE(stranded.abandoned);
  EXPECT_TRUE(resumed.empty());
}

}  // namespace
}  // namespace cutover::upstream
