// The pool's upkeep against a real listener on 127.0.0.1:0: the sweep closes idle connections past
// their endpoint's idle_timeout, closed or written to by the peer, or to endpoints configure() no
// longer names; busy ones to such endpoints close when they come back. Time is a parameter.
#include "cutover/upstream/pool.hpp"
#include "unit/upstream/pool_connect.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace cutover::upstream {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class PoolSweep : public ::testing::Test {
 protected:
  PoolSweep() {
    for (auto& listener : listeners_) listener.emplace(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  }

  // A new connection to listener `which`, and the server's end of it (kept in server_sides_).
  std::unique_ptr<Connection> connect(int which = 0) {
    auto connection = connect_now(pool_, endpoint(which));
    server_sides_.emplace_back(io_);
    listeners_[which]->accept(server_sides_.back());
    return connection;
  }

  tcp::endpoint endpoint(int which = 0) const { return listeners_[which]->local_endpoint(); }

  std::size_t pooled(int which = 0) const {
    std::vector<EndpointConnections> all;
    pool_.connections(all);
    for (const auto& entry : all) {
      if (entry.endpoint == endpoint(which)) return entry.open;
    }
    return 0;
  }

  std::uint64_t closed(PoolClose reason) const { return pool_.closes()[static_cast<std::size_t>(reason)]; }

  asio::io_context io_;
  std::optional<tcp::acceptor> listeners_[2];
  Pool pool_{io_.get_executor()};
  std::vector<tcp::socket> server_sides_;
};

TEST_F(PoolSweep, KeepsAConnectionWithinItsIdleTimeout) {
  const EndpointPolicy policy{endpoint(), 1000ms};
  pool_.configure({&policy, 1});
  const auto then = Clock::now();
  pool_.give_back(connect(), 8, then);
  pool_.sweep(then + 1000ms);
  EXPECT_EQ(pool_.stats().idle, 1u);
  EXPECT_EQ(pooled(), 1u);
  EXPECT_TRUE(pool_.take_idle(endpoint(), then + 1000ms, 1000ms, false));
}

TEST_F(PoolSweep, ClosesAConnectionPastItsEndpointsIdleTimeout) {
  const EndpointPolicy policy{endpoint(), 1000ms};
  pool_.configure({&policy, 1});
  const auto then = Clock::now();
  pool_.give_back(connect(), 8, then);
  pool_.give_back(connect(), 8, then + 500ms);
  pool_.sweep(then + 1001ms);
  EXPECT_EQ(pool_.stats().idle, 1u) << "only the older one is past its time";
  EXPECT_EQ(pooled(), 1u);
  EXPECT_EQ(closed(PoolClose::idle_timeout), 1u);
  pool_.sweep(then + 1501ms);
  EXPECT_EQ(pool_.stats().idle, 0u);
  EXPECT_EQ(pooled(), 0u);
  EXPECT_EQ(closed(PoolClose::idle_timeout), 2u);
}

TEST_F(PoolSweep, ClosesAConnectionThePeerClosedWhileItWasIdle) {
  const auto now = Clock::now();
  pool_.give_back(connect(), 8, now);
  pool_.give_back(connect(), 8, now);
  server_sides_.front().close();
  std::this_thread::sleep_for(20ms);  // the FIN arrives
  pool_.sweep(now);
  EXPECT_EQ(pool_.stats().idle, 1u);
  EXPECT_EQ(closed(PoolClose::backend_closed), 1u);
  EXPECT_EQ(pooled(), 1u);
}

TEST_F(PoolSweep, ClosesAConnectionThePeerWroteToWhileItWasIdle) {
  const auto now = Clock::now();
  pool_.give_back(connect(), 8, now);
  asio::write(server_sides_.back(), asio::buffer(std::string_view("HTTP/1.1 408 Request Timeout\r\n\r\n")));
  std::this_thread::sleep_for(20ms);
  pool_.sweep(now);
  EXPECT_EQ(pool_.stats().idle, 0u);
  EXPECT_EQ(closed(PoolClose::backend_closed), 1u);
}

TEST_F(PoolSweep, AskingTheHookSparesThePeekAndTrustsItsAnswer) {
  static int asked = 0;
  asked = 0;
  std::vector<std::unique_ptr<Connection>> made;
  for (int i = 0; i < 3; ++i) made.push_back(connect());
  pool_.start_sweeping({.before = nullptr, .peer_gone = [](tcp::socket&) {
                          ++asked;
                          return asked == 2;  // the second socket looked at "has news"
                        }});
  const auto now = Clock::now();
  for (auto& connection : made) pool_.give_back(std::move(connection), 8, now);
  pool_.sweep(now);
  EXPECT_EQ(asked, 3);
  EXPECT_EQ(pool_.stats().idle, 2u);
  pool_.stop_sweeping();
}

TEST_F(PoolSweep, ConfigureClosesIdleConnectionsToEndpointsItNoLongerNames) {
  const EndpointPolicy both[] = {{endpoint(0), 60s}, {endpoint(1), 60s}};
  pool_.configure(both);
  const auto now = Clock::now();
  pool_.give_back(connect(0), 8, now);
  pool_.give_back(connect(1), 8, now);
  pool_.configure({&both[1], 1});
  EXPECT_EQ(pooled(0), 0u);
  EXPECT_EQ(pooled(1), 1u);
  EXPECT_EQ(closed(PoolClose::endpoint_removed), 1u);
  EXPECT_FALSE(pool_.take_idle(endpoint(0), now, 60s, false));
  EXPECT_TRUE(pool_.take_idle(endpoint(1), now, 60s, false));
}

TEST_F(PoolSweep, ABusyConnectionToARemovedEndpointClosesWhenItComesBack) {
  const EndpointPolicy both[] = {{endpoint(0), 60s}, {endpoint(1), 60s}};
  pool_.configure(both);
  auto busy = connect(0);  // an exchange that started on the previous config
  pool_.configure({&both[1], 1});
  EXPECT_EQ(pooled(0), 1u) << "not cut while in use";
  pool_.give_back(std::move(busy), 8, Clock::now());
  EXPECT_EQ(pooled(0), 0u);
  EXPECT_EQ(pool_.stats().idle, 0u);
  EXPECT_EQ(closed(PoolClose::endpoint_removed), 1u);
  // A request still on the old config may connect there again; it leaves nothing behind either.
  pool_.give_back(connect(0), 8, Clock::now());
  EXPECT_EQ(pooled(0), 0u);
}

TEST_F(PoolSweep, AnEndpointThatComesBackIsPooledAgain) {
  const EndpointPolicy first{endpoint(0), 60s};
  const EndpointPolicy second{endpoint(1), 60s};
  pool_.configure({&first, 1});
  pool_.give_back(connect(0), 8, Clock::now());
  pool_.configure({&second, 1});
  pool_.configure({&first, 1});
  pool_.give_back(connect(0), 8, Clock::now());
  EXPECT_EQ(pooled(0), 1u);
  EXPECT_EQ(pool_.stats().idle, 1u);
}

TEST_F(PoolSweep, TwoBackendsOnOneAddressKeepTheShorterIdleTimeout) {
  const EndpointPolicy shared[] = {{endpoint(), 60s}, {endpoint(), 2s}};
  pool_.configure(shared);
  const auto then = Clock::now();
  pool_.give_back(connect(), 8, then);
  pool_.sweep(then + 2001ms);
  EXPECT_EQ(pool_.stats().idle, 0u);
}

TEST_F(PoolSweep, TheGaugeCountsBusyAndIdleConnections) {
  auto busy = connect();
  pool_.give_back(connect(), 8, Clock::now());
  std::vector<EndpointConnections> all;
  pool_.connections(all);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].open, 2u);
  EXPECT_EQ(all[0].idle, 1u);
  busy.reset();
  all.clear();
  pool_.connections(all);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].open, 1u);
}

TEST_F(PoolSweep, TheTimerSweepsWhileAnythingIsIdle) {
  int refreshed = 0;
  auto connection = connect();
  pool_.start_sweeping({.before = [&] { ++refreshed; }, .peer_gone = nullptr});
  pool_.give_back(std::move(connection), 8, Clock::now());
  server_sides_.back().close();
  // The next sweep (a quarter second away) finds the peer gone; with nothing idle left, the
  // timer is not armed again and run() returns.
  io_.restart();
  io_.run_for(5s);
  EXPECT_EQ(refreshed, 1);
  EXPECT_EQ(pool_.stats().idle, 0u);
  EXPECT_EQ(closed(PoolClose::backend_closed), 1u);
  pool_.stop_sweeping();
}

}  // namespace
}  // namespace cutover::upstream
