// The per-worker upstream pool against a real listener on 127.0.0.1:0: what it keeps, what it
// refuses to reuse, and what an idle connection holds.
#include "cutover/upstream/pool.hpp"
#include "unit/upstream/pool_connect.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace cutover::upstream {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class PoolTest : public ::testing::Test {
 protected:
  PoolTest() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), pool_(io_.get_executor()) {}

  // A new connection through the pool, and the server's end of it.
  std::unique_ptr<Connection> connect() {
    auto connection = connect_now(pool_, endpoint());
    server_sides_.emplace_back(io_);
    acceptor_.accept(server_sides_.back());
    return connection;
  }

  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  Pool pool_;
  std::vector<tcp::socket> server_sides_;
};

TEST_F(PoolTest, AConnectionGivenBackIsReusedAndMarkedSo) {
  auto connection = connect();
  ASSERT_TRUE(connection);
  EXPECT_FALSE(connection->reused);
  const auto now = Clock::now();
  pool_.give_back(std::move(connection), 8, now);
  EXPECT_EQ(pool_.stats().idle, 1u);
  auto again = pool_.take_idle(endpoint(), now, 60s, false);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->reused);
  EXPECT_EQ(pool_.stats().reuses, 1u);
  EXPECT_EQ(pool_.stats().idle, 0u);
}

TEST_F(PoolTest, AnIdleConnectionHoldsNoReadBuffer) {
  auto connection = connect();
  ASSERT_TRUE(connection);
  connection->buffer.prepare(64 * 1024);  // a download grew it
  ASSERT_GE(connection->buffer.capacity(), 64u * 1024);
  const auto now = Clock::now();
  pool_.give_back(std::move(connection), 8, now);
  auto again = pool_.take_idle(endpoint(), now, 60s, false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->buffer.capacity(), 0u);
}

TEST_F(PoolTest, LeftoverBytesAfterAResponseMeanNoReuse) {
  auto connection = connect();
  ASSERT_TRUE(connection);
  auto room = connection->buffer.prepare(5);
  std::memcpy(room.data(), "extra", 5);
  connection->buffer.commit(5);
  pool_.give_back(std::move(connection), 8, Clock::now());
  EXPECT_EQ(pool_.stats().idle, 0u);
  EXPECT_FALSE(pool_.take_idle(endpoint(), Clock::now(), 60s, false));
}

TEST_F(PoolTest, KeepsAtMostMaxIdlePerEndpoint) {
  const auto now = Clock::now();
  for (int i = 0; i < 3; ++i) pool_.give_back(connect(), 2, now);
  EXPECT_EQ(pool_.stats().idle, 2u);
  pool_.give_back(connect(), 0, now);  // 0: pooling off
  EXPECT_EQ(pool_.stats().idle, 2u);
}

TEST_F(PoolTest, AConnectionIdleTooLongIsNotReused) {
  const auto then = Clock::now();
  pool_.give_back(connect(), 8, then);
  EXPECT_FALSE(pool_.take_idle(endpoint(), then + 61s, 60s, false));
  EXPECT_EQ(pool_.stats().idle, 0u);
}

TEST_F(PoolTest, AProbeDropsAConnectionThePeerClosed) {
  const auto now = Clock::now();
  pool_.give_back(connect(), 8, now);
  server_sides_.back().close();
  std::this_thread::sleep_for(20ms);  // the FIN arrives
  EXPECT_FALSE(pool_.take_idle(endpoint(), now, 60s, true));
}

TEST_F(PoolTest, AProbeKeepsAConnectionThePeerKeptOpen) {
  const auto now = Clock::now();
  pool_.give_back(connect(), 8, now);
  EXPECT_TRUE(pool_.take_idle(endpoint(), now, 60s, true));
}

TEST_F(PoolTest, AProbeDropsAConnectionWithUnsolicitedBytes) {
  const auto now = Clock::now();
  pool_.give_back(connect(), 8, now);
  asio::write(server_sides_.back(), asio::buffer(std::string_view("HTTP/1.1 408 Request Timeout\r\n\r\n")));
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(pool_.take_idle(endpoint(), now, 60s, true));
}

}  // namespace
}  // namespace cutover::upstream
