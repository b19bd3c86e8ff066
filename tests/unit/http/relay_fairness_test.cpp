// A relay whose sockets never make it wait still lets the worker's other connections run: reads
// and writes are tried at once, so without a pause a large body would hold the thread until its
// end (relay.hpp, kFairShareBytes).
#include "http/relay.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/watchdog.hpp"
#include "unit/http/socket_pair.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(RelayFairness, ALargeBodyAlwaysReadyPausesForOthersEveryFairShare) {
  asio::io_context io;
  SocketPair input(io);
  SocketPair output(io);
  Watchdog watchdog(io);

  // The whole message is already buffered, so the relay never waits to read.
  constexpr std::size_t kBody = 4 * kFairShareBytes;
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kBody) + "\r\n\r\n";
  ReadBuffer input_buffer;
  {
    std::string message = head + std::string(kBody, 'x');
    auto room = input_buffer.prepare(message.size());
    std::memcpy(room.data(), message.data(), message.size());
    input_buffer.commit(message.size());
  }
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  ResponseParser parser(arena);
  parser.body_limit(boost::none);
  boost::system::error_code ec;
  ASSERT_TRUE(parse_buffered(parser, input_buffer, ParseGoal::header, ec));
  ASSERT_FALSE(ec);

  // The output's peer drains as fast as it can, on its own thread.
  std::size_t drained = 0;
  std::thread reader([&] {
    output.far.non_blocking(false);
    std::vector<char> sink(1 << 20);
    while (drained < head.size() + kBody) {
      const ssize_t n = ::recv(output.far.native_handle(), sink.data(), sink.size(), 0);
      if (n <= 0) break;
      drained += static_cast<std::size_t>(n);
    }
  });

  bool relay_done = false;
  int ticks_before_done = 0;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    while (!relay_done) {
      ++ticks_before_done;
      auto executor = co_await asio::this_coro::executor;
      co_await asio::post(executor, asio::use_awaitable);
    }
  }, asio::detached);
  std::vector<char> relay_buffer(kRelayBufferSize);
  std::optional<RelayResult> result;
  asio::co_spawn(io,
                 relay_message<false>(watchdog, input.near, input_buffer, parser, output.near, {5s, 5s},
                                      relay_buffer.data(), head, false),
                 [&](std::exception_ptr, RelayResult relayed) {
                   result = relayed;
                   relay_done = true;
                 });
  io.run_for(10s);
  reader.join();

  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->ec) << result->ec.message();
  EXPECT_EQ(result->body_bytes, kBody);
  EXPECT_EQ(drained, head.size() + kBody);
  // One tick before the relay starts, then one per pause: after 1, 2 and 3 fair shares (none
  // after the last piece). Waiting on a full output could add more, never fewer.
  EXPECT_GE(ticks_before_done, 4);
}

}  // namespace
}  // namespace cutover::http
