// Deadlines kept in user space: a wait that outlives its deadline is cancelled and reads as a
// timeout, the socket stays usable, and a shorter deadline added later is still honoured. The
// first tests run the watchdog's own timer on the real clock; the rest run on a manual clock.
#include "http/watchdog.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include "cutover/common/read_buffer.hpp"
#include <algorithm>
#include <optional>

#include "http/parse_io.hpp"
#include "unit/http/socket_pair.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Waiting {
  std::optional<boost::system::error_code> result;
  Clock::time_point finished;
};

void start_fill(asio::io_context& io, Watchdog& watchdog, asio::ip::tcp::socket& socket,
                ReadBuffer& buffer, std::chrono::milliseconds timeout, Waiting& waiting) {
  asio::co_spawn(io, fill(watchdog, socket, buffer, timeout), [&](std::exception_ptr, boost::system::error_code ec) {
    waiting.result = ec;
    waiting.finished = Clock::now();
  });
}

// One EventRead under a deadline the caller computed, as the hot paths use it.
asio::awaitable<boost::system::error_code> read_until(Watchdog& watchdog, asio::ip::tcp::socket& socket,
                                                      ReadBuffer& buffer, Clock::time_point due) {
  EventRead read(watchdog, socket, buffer, due);
  auto [ec, n] = co_await read.start();
  co_return read.finish(ec, n);
}

void start_read_until(asio::io_context& io, Watchdog& watchdog, asio::ip::tcp::socket& socket,
                      ReadBuffer& buffer, Clock::time_point due, Waiting& waiting) {
  asio::co_spawn(io, read_until(watchdog, socket, buffer, due), [&](std::exception_ptr, boost::system::error_code ec) {
    waiting.result = ec;
    waiting.finished = Clock::now();
  });
}

// A wait on its own socket pair, with the buffer it reads into and what became of it.
struct PendingRead {
  explicit PendingRead(asio::io_context& io) : pair(io) {}
  SocketPair pair;
  ReadBuffer buffer;
  Waiting wait;
};

// Runs handlers until `done` (the watchdog's timer may stay armed for long after the last wait).
template <class Done>
void run_until(asio::io_context& io, Done done, std::chrono::seconds limit = 10s) {
  const auto give_up = Clock::now() + limit;
  while (!done() && Clock::now() < give_up) io.run_one_for(100ms);
}

TEST(Watchdog, AReadPastItsDeadlineIsATimeoutAndTheSocketStaysOpen) {
  asio::io_context io;
  SocketPair pair(io);
  Watchdog watchdog(io);
  ReadBuffer buffer;
  Waiting waiting;
  start_fill(io, watchdog, pair.near, buffer, 50ms, waiting);
  run_until(io, [&] { return waiting.result.has_value(); });
  ASSERT_TRUE(waiting.result.has_value());
  EXPECT_EQ(*waiting.result, boost::beast::error::timeout);
  EXPECT_EQ(watchdog.watching(), 0u);
  // Still open: the gateway can tell a slow client 408.
  ASSERT_TRUE(pair.near.is_open());
  asio::write(pair.near, asio::buffer(std::string_view("408")));
  char got[3];
  pair.far.non_blocking(false);
  asio::read(pair.far, asio::buffer(got));
  EXPECT_EQ(std::string_view(got, 3), "408");
}

TEST(Watchdog, AReadThatCompletesInTimeKeepsItsBytes) {
  asio::io_context io;
  SocketPair pair(io);
  Watchdog watchdog(io);
  ReadBuffer buffer;
  Waiting waiting;
  start_fill(io, watchdog, pair.near, buffer, 10s, waiting);
  asio::write(pair.far, asio::buffer(std::string_view("hello")));
  run_until(io, [&] { return waiting.result.has_value(); });
  ASSERT_TRUE(waiting.result.has_value());
  EXPECT_FALSE(*waiting.result) << waiting.result->message();
  EXPECT_EQ(boost::beast::buffers_to_string(buffer.data()), "hello");
  EXPECT_EQ(watchdog.watching(), 0u);
}

// On a manual clock: time moves only when the test says, and expire_due() does the timer's work.
struct ManualWatchdog {
  explicit ManualWatchdog(asio::io_context& io) : watchdog(io, &now) {}
  void advance(asio::io_context& io, std::chrono::milliseconds by) {
    now += by;
    watchdog.expire_due();
    io.poll();
    io.restart();
  }
  Clock::time_point now = Clock::now();
  Watchdog watchdog;
};

TEST(Watchdog, AShorterDeadlineAddedLaterIsNotHeldBackByALongerOne) {
  asio::io_context io;
  ManualWatchdog manual(io);
  PendingRead slow(io);
  PendingRead quick(io);
  start_fill(io, manual.watchdog, slow.pair.near, slow.buffer, 60s, slow.wait);
  io.poll();
  start_fill(io, manual.watchdog, quick.pair.near, quick.buffer, 50ms, quick.wait);
  io.poll();
  manual.advance(io, 49ms);
  EXPECT_FALSE(quick.wait.result.has_value()) << "fired before its deadline";
  manual.advance(io, 20ms);  // within a tick (16 ms) after it
  ASSERT_TRUE(quick.wait.result.has_value()) << "the 50 ms deadline waited for the 60 s one";
  EXPECT_EQ(*quick.wait.result, boost::beast::error::timeout);
  EXPECT_FALSE(slow.wait.result.has_value()) << "only the expired wait is cancelled";
  EXPECT_EQ(manual.watchdog.watching(), 1u);
  slow.pair.near.cancel();
  run_until(io, [&] { return slow.wait.result.has_value(); });
  EXPECT_EQ(manual.watchdog.watching(), 0u);
}

TEST(Watchdog, ManyDeadlinesAllFireEachInItsTurn) {
  asio::io_context io;
  ManualWatchdog manual(io);
  std::vector<std::unique_ptr<SocketPair>> pairs;
  std::vector<ReadBuffer> buffers(20);
  std::vector<Waiting> waits(20);
  for (std::size_t i = 0; i < 20; ++i) {
    pairs.push_back(std::make_unique<SocketPair>(io));
    start_fill(io, manual.watchdog, pairs.back()->near, buffers[i], std::chrono::milliseconds(100 * (1 + i % 5)), waits[i]);
  }
  io.poll();
  manual.advance(io, 20ms);  // a deadline fires within a tick (16 ms) after it passed
  for (std::size_t turn = 0; turn < 5; ++turn) {
    manual.advance(io, 100ms);
    for (std::size_t i = 0; i < 20; ++i) {
      EXPECT_EQ(waits[i].result.has_value(), i % 5 <= turn) << "wait " << i << " after " << (turn + 1) * 100 + 20 << " ms";
    }
  }
  for (const auto& wait : waits) {
    ASSERT_TRUE(wait.result.has_value());
    EXPECT_EQ(*wait.result, boost::beast::error::timeout);
  }
  EXPECT_EQ(manual.watchdog.watching(), 0u);
}

// The hot paths pass a deadline they computed from a clock reading they already had.
TEST(Watchdog, AReadUnderAGivenDeadlineEndsThereEvenIfItHasPassed) {
  asio::io_context io;
  ManualWatchdog manual(io);
  PendingRead on_time(io);
  PendingRead late(io);
  start_read_until(io, manual.watchdog, on_time.pair.near, on_time.buffer, manual.now + 100ms, on_time.wait);
  start_read_until(io, manual.watchdog, late.pair.near, late.buffer, manual.now - 1s, late.wait);
  io.poll();
  manual.advance(io, 0ms);
  ASSERT_TRUE(late.wait.result.has_value()) << "a passed deadline waited";
  EXPECT_EQ(*late.wait.result, boost::beast::error::timeout);
  EXPECT_FALSE(on_time.wait.result.has_value()) << "fired before its deadline";
  manual.advance(io, 120ms);
  ASSERT_TRUE(on_time.wait.result.has_value());
  EXPECT_EQ(*on_time.wait.result, boost::beast::error::timeout);
  EXPECT_EQ(manual.watchdog.watching(), 0u);
}

// Which deadline fires when (the wheel's slots, turns, lateness) is deadline_wheel_test.cpp's,
// on a synthetic clock; these tests are about what a deadline does to a wait on a socket.
TEST(Watchdog, AZeroTimeoutMeansNoDeadline) {
  asio::io_context io;
  SocketPair pair(io);
  Watchdog watchdog(io);
  ReadBuffer buffer;
  Waiting waiting;
  start_fill(io, watchdog, pair.near, buffer, 0ms, waiting);
  io.run_for(200ms);
  EXPECT_FALSE(waiting.result.has_value());
  EXPECT_EQ(watchdog.watching(), 0u);
  pair.near.cancel();
  run_until(io, [&] { return waiting.result.has_value(); });
  ASSERT_TRUE(waiting.result.has_value());
  EXPECT_EQ(*waiting.result, asio::error::operation_aborted);
}

}  // namespace
}  // namespace cutover::http
