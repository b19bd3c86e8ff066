// Heads serialised without Beast's serializer, chunk framing, and writes that try at once and
// wait only when the kernel's buffer is full.
#include "http/wire.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string>
#include <vector>

#include "unit/http/socket_pair.hpp"

namespace cutover::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

TEST(WireHead, RequestLineThenFieldsInOrderThenBlankLine) {
  bhttp::request<bhttp::string_body> request{bhttp::verb::post, "/notes/1?x=y", 11};
  request.set(bhttp::field::host, "app.example");
  request.insert("X-Custom", "a");
  request.insert("X-Custom", "b");
  std::string out = "kept|";
  append_head(out, request.base());
  EXPECT_EQ(out, "kept|POST /notes/1?x=y HTTP/1.1\r\nHost: app.example\r\nX-Custom: a\r\nX-Custom: b\r\n\r\n");
}

TEST(WireHead, UnknownMethodsKeepTheirSpelling) {
  bhttp::request<bhttp::string_body> request;
  request.method_string("PURGE");
  request.target("/");
  request.version(10);
  std::string out;
  append_head(out, request.base());
  EXPECT_EQ(out, "PURGE / HTTP/1.0\r\n\r\n");
}

TEST(WireHead, ResponseKeepsTheReasonItWasGiven) {
  bhttp::response<bhttp::string_body> response{bhttp::status::ok, 11};
  response.reason("Fine Thanks");
  response.set(bhttp::field::content_length, "0");
  std::string out;
  append_head(out, response.base());
  EXPECT_EQ(out, "HTTP/1.1 200 Fine Thanks\r\nContent-Length: 0\r\n\r\n");
}

TEST(WireHead, ResponseWithoutReasonGetsTheStandardOne) {
  bhttp::response<bhttp::string_body> response{bhttp::status::not_found, 10};
  std::string out;
  append_head(out, response.base());
  EXPECT_EQ(out, "HTTP/1.0 404 Not Found\r\n\r\n");
}

TEST(WireHead, UnregisteredStatusWithoutReasonHasAnEmptyOne) {
  bhttp::response<bhttp::string_body> response;
  response.result(299);
  response.version(11);
  std::string out;
  append_head(out, response.base());
  EXPECT_EQ(out, "HTTP/1.1 299 \r\n\r\n");
}

TEST(WireChunk, SizeLineIsLowerCaseHex) {
  EXPECT_EQ(ChunkSize(0).text(), "0\r\n");
  EXPECT_EQ(ChunkSize(255).text(), "ff\r\n");
  EXPECT_EQ(ChunkSize(65536).text(), "10000\r\n");
  EXPECT_EQ(ChunkSize(SIZE_MAX).text(), "ffffffffffffffff\r\n");
}

TEST(WireOutgoing, ConsumesAcrossBuffersAndSkipsEmptyOnes) {
  Outgoing out;
  out.add("abc");
  out.add("");
  out.add("defgh");
  EXPECT_EQ(out.size(), 8u);
  EXPECT_EQ(out.pending().size(), 2u);
  out.consume(4);
  ASSERT_EQ(out.pending().size(), 1u);
  EXPECT_EQ(std::string_view(static_cast<const char*>(out.pending()[0].data()), out.pending()[0].size()), "efgh");
  out.consume(4);
  EXPECT_TRUE(out.empty());
}

std::string read_available(asio::ip::tcp::socket& socket) {
  std::string got;
  char chunk[65536];
  boost::system::error_code ec;
  for (;;) {
    std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    if (ec) break;
    got.append(chunk, n);
  }
  return got;
}

std::size_t read_available_after(asio::ip::tcp::socket& socket) {
  socket.non_blocking(true);
  return read_available(socket).size();
}

TEST(WireWrite, ASmallWriteGoesOutAtOnceAsOneGatherWrite) {
  asio::io_context io;
  SocketPair pair(io);
  Outgoing out;
  out.add("head|");
  out.add("body");
  EXPECT_FALSE(write_now(pair.near, out));
  EXPECT_TRUE(out.empty());
  // Loopback delivers synchronously: the bytes are already readable.
  EXPECT_EQ(read_available(pair.far), "head|body");
}

TEST(WireWrite, AFullKernelBufferLeavesTheRestForWriteRest) {
  asio::io_context io;
  SocketPair pair(io);
  std::string big(32 * 1024 * 1024, 'x');
  Outgoing out;
  out.add(big);
  EXPECT_FALSE(write_now(pair.near, out));
  ASSERT_FALSE(out.empty()) << "32 MiB should not fit in a loopback socket's buffers";
  std::size_t left = out.size();
  EXPECT_LT(left, big.size());

  // The peer drains while write_rest waits for room.
  std::size_t received = 0;
  Watchdog watchdog(io);
  std::optional<boost::system::error_code> result;
  asio::co_spawn(io, write_rest(watchdog, pair.near, out, std::chrono::seconds(30)),
                 [&](std::exception_ptr, boost::system::error_code ec) { result = ec; });
  std::vector<char> chunk(1 << 20);
  std::function<void()> drain = [&] {
    pair.far.async_read_some(asio::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
      received += n;
      if (!ec && received < big.size()) drain();
    });
  };
  drain();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while ((!result || received < big.size()) && std::chrono::steady_clock::now() < give_up) {
    io.run_one_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(*result) << result->message();
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(received, big.size());
  EXPECT_EQ(read_available_after(pair.far), 0u) << "nothing beyond what was written";
}

TEST(WireWrite, APeerThatNeverReadsTimesOutAndTheSocketStaysOpen) {
  asio::io_context io;
  SocketPair pair(io);
  std::string big(32 * 1024 * 1024, 'x');
  Outgoing out;
  out.add(big);
  Watchdog watchdog(io);
  std::optional<boost::system::error_code> result;
  asio::co_spawn(io, write_rest(watchdog, pair.near, out, std::chrono::milliseconds(100)),
                 [&](std::exception_ptr, boost::system::error_code ec) {
                   result = ec;
                   io.stop();  // the watchdog's timer would keep run_for busy until it fires
                 });
  io.run_for(std::chrono::seconds(30));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, boost::beast::error::timeout);
  EXPECT_FALSE(out.empty());
  EXPECT_TRUE(pair.near.is_open());
  EXPECT_EQ(watchdog.watching(), 0u);
}

}  // namespace
}  // namespace cutover::http
