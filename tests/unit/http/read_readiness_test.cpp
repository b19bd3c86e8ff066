// Reads that skip the try that would find nothing (read_readiness.hpp, read_arrived, fill): once a
// read has emptied the socket, the next one waits for the next readable event; data that arrives
// at any moment, including while no read is waiting, is still read at once.
#include "http/read_readiness.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include "cutover/common/read_buffer.hpp"
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "http/parse_io.hpp"
#include "http/watchdog.hpp"
#include "unit/http/socket_pair.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

void send_all(asio::ip::tcp::socket& socket, std::string_view bytes) {
  ASSERT_EQ(::send(socket.native_handle(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
}

std::string take(ReadBuffer& buffer) {
  std::string text = boost::beast::buffers_to_string(buffer.data());
  buffer.consume(buffer.size());
  return text;
}

// Runs the io_context for `time`, handling any readable events, while nothing waits to read.
void handle_events_for(asio::io_context& io, std::chrono::milliseconds time) {
  asio::steady_timer tick(io, time);
  bool done = false;
  tick.async_wait([&](auto) { done = true; });
  while (!done) io.run_one_for(100ms);
  io.restart();  // it ran out of work: a later run must not return at once
}

struct Filling {
  std::optional<boost::system::error_code> result;
};

void start_fill(asio::io_context& io, Watchdog& watchdog, asio::ip::tcp::socket& socket,
                ReadBuffer& buffer, Filling& filling, std::chrono::milliseconds timeout = 5s) {
  filling.result.reset();
  asio::co_spawn(io, fill(watchdog, socket, buffer, timeout),
                 [&](std::exception_ptr, boost::system::error_code ec) { filling.result = ec; });
}

void run_until_filled(asio::io_context& io, Filling& filling, std::chrono::seconds limit = 10s) {
  io.restart();  // a fill that found its data at once left the io_context out of work, so stopped
  const auto give_up = Clock::now() + limit;
  while (!filling.result && Clock::now() < give_up) io.run_one_for(100ms);
}

// One fill() run to its end: its result, or nothing if it had none within `limit`.
std::optional<boost::system::error_code> fill_and_wait(asio::io_context& io, Watchdog& watchdog,
                                                       asio::ip::tcp::socket& socket,
                                                       ReadBuffer& buffer,
                                                       std::chrono::milliseconds timeout = 2s) {
  Filling filling;
  start_fill(io, watchdog, socket, buffer, filling, timeout);
  run_until_filled(io, filling);
  return filling.result;
}

// Sends `bytes` and reads them with read_arrived, which leaves the socket empty: the state the
// tests start from. Returns what was read.
std::string read_until_empty(SocketPair& pair, ReadBuffer& buffer, std::string_view bytes) {
  send_all(pair.far, bytes);
  EXPECT_FALSE(read_arrived(pair.near, buffer));
  return take(buffer);
}

TEST(ReadReadiness, IsSteeringTheReactorThisBuildUses) {
  // Debian 12's Boost 1.81 with the epoll reactor: if this fails, the build silently went back to
  // a wasted read per request (docs/performance.md).
  EXPECT_TRUE(read_readiness_supported());
}

TEST(ReadReadiness, ANewSocketIsReadAtOnce) {
  asio::io_context io;
  SocketPair pair(io);
  EXPECT_TRUE(next_read_is_tried_at_once(pair.near));
  send_all(pair.far, "GET");
  ReadBuffer buffer;
  EXPECT_FALSE(read_arrived(pair.near, buffer));
  EXPECT_EQ(take(buffer), "GET");
}

TEST(ReadReadiness, AfterAReadEmptiedTheSocketTheNextWaitsForAnEvent) {
  asio::io_context io;
  SocketPair pair(io);
  ReadBuffer buffer;
  EXPECT_EQ(read_until_empty(pair, buffer, "first"), "first");
  EXPECT_FALSE(next_read_is_tried_at_once(pair.near));
  EXPECT_EQ(read_arrived(pair.near, buffer), asio::error::would_block);  // and no system call made

  Watchdog watchdog(io);
  Filling filling;
  start_fill(io, watchdog, pair.near, buffer, filling);
  io.poll();
  EXPECT_FALSE(filling.result.has_value());
  send_all(pair.far, "second");
  run_until_filled(io, filling);
  ASSERT_TRUE(filling.result.has_value());
  EXPECT_FALSE(*filling.result);
  EXPECT_EQ(take(buffer), "second");
  // That read came from the event and emptied the socket: the one after it waits again.
  EXPECT_FALSE(next_read_is_tried_at_once(pair.near));
}

TEST(ReadReadiness, DataThatArrivedWhileNoReadWaitedIsReadAtOnce) {
  asio::io_context io;
  SocketPair pair(io);
  ReadBuffer buffer;
  EXPECT_EQ(read_until_empty(pair, buffer, "first"), "first");
  ASSERT_FALSE(next_read_is_tried_at_once(pair.near));

  send_all(pair.far, "early");
  handle_events_for(io, 50ms);  // the reactor sees the event with no read waiting
  EXPECT_TRUE(next_read_is_tried_at_once(pair.near));
  Watchdog watchdog(io);
  const auto result = fill_and_wait(io, watchdog, pair.near, buffer);
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(*result) << result->message();  // a timeout here is a lost event
  EXPECT_EQ(take(buffer), "early");
}

TEST(ReadReadiness, AFullReadLeavesTheNextReadTriedAtOnce) {
  asio::io_context io;
  SocketPair pair(io);
  ReadBuffer buffer;
  send_all(pair.far, std::string(3 * kHeadReadSize, 'x'));
  std::this_thread::sleep_for(20ms);  // all of it in near's receive queue
  ASSERT_FALSE(read_arrived(pair.near, buffer));
  EXPECT_EQ(buffer.size(), kHeadReadSize);  // the read filled what it asked for: more may wait
  EXPECT_TRUE(next_read_is_tried_at_once(pair.near));
  ASSERT_FALSE(read_arrived(pair.near, buffer));
  EXPECT_EQ(buffer.size(), 2 * kHeadReadSize);
}

TEST(ReadReadiness, EndOfStreamAfterAnEmptyingReadIsSeen) {
  asio::io_context io;
  SocketPair pair(io);
  ReadBuffer buffer;
  EXPECT_EQ(read_until_empty(pair, buffer, "last words"), "last words");
  pair.far.shutdown(asio::ip::tcp::socket::shutdown_send);  // as a backend closing a pooled connection
  handle_events_for(io, 20ms);
  Watchdog watchdog(io);
  const auto result = fill_and_wait(io, watchdog, pair.near, buffer);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, asio::error::eof);
}

// A writer on another thread sends small messages at random moments: before, during and after each
// read, with and without events handled in between. Every byte arrives, and no read waits for
// an event that had already come (each would show as a 2 s timeout).
TEST(ReadReadiness, MessagesSentAtAnyMomentAreAllRead) {
  asio::io_context io;
  SocketPair pair(io);
  Watchdog watchdog(io);
  constexpr int kMessages = 2000;
  std::thread writer([&] {
    std::mt19937 random(7);  // fixed: a failure repeats
    for (int i = 0; i < kMessages; ++i) {
      const auto pause = std::chrono::microseconds(random() % 300);
      if (pause > 50us) std::this_thread::sleep_for(pause);
      const char byte = static_cast<char>('a' + i % 26);
      ::send(pair.far.native_handle(), &byte, 1, MSG_NOSIGNAL);
    }
  });
  std::mt19937 random(11);
  ReadBuffer buffer;
  std::string received;
  int timeouts = 0;
  while (received.size() < kMessages && timeouts == 0) {
    if (random() % 4 == 0) handle_events_for(io, std::chrono::milliseconds(random() % 2));
    const auto result = fill_and_wait(io, watchdog, pair.near, buffer);
    if (!result || *result) {
      ++timeouts;
      break;
    }
    received += take(buffer);
  }
  writer.join();
  EXPECT_EQ(timeouts, 0) << "after " << received.size() << " bytes";
  ASSERT_EQ(received.size(), static_cast<std::size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) ASSERT_EQ(received[i], 'a' + i % 26) << "byte " << i;
}

}  // namespace
}  // namespace cutover::http
