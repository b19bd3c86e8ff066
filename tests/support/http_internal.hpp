// Shared plumbing of http_client.cpp and http_stream.cpp; not for tests to include.
#pragma once

#include "support/http_client.hpp"

// GCC 12 reports a false -Wnull-dereference inside Asio's any_io_executor comparison once it is
// inlined into a coroutine; silence it for these headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#pragma GCC diagnostic pop

#include <functional>
#include <optional>

namespace cutover::test::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

inline constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
inline constexpr std::uint32_t kResponseHeaderLimit = 1024 * 1024;

// A socket with a private io_context: each blocking call runs the context until its
// operations finish or the deadline passes.
struct ClientSocket {
  explicit ClientSocket(std::uint16_t p) : port(p) {}

  asio::io_context ioc{1};
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;  // bytes read past the last response (pipelined/early data)
  std::uint16_t port;
};

// Runs c.ioc until `finished()` or the deadline. On the deadline, closes the socket so pending
// operations abort, lets them unwind, and returns false.
bool run_until(ClientSocket& c, Clock::time_point deadline, const std::function<bool()>& finished);

std::error_code connect(ClientSocket& c, Clock::time_point deadline);

struct DuplexOutcome {
  std::error_code write;
  std::error_code read;
  bool timed_out = false;
};

// Runs writer and reader concurrently. When the reader finishes first, the writer is cancelled:
// the answer is in, and a peer that stopped reading would otherwise stall it until the deadline.
DuplexOutcome run_duplex(ClientSocket& c, asio::awaitable<std::error_code> writer,
                         asio::awaitable<std::error_code> reader, Clock::time_point deadline);

// Request heads are written by hand, not by Beast's serializer: Beast regroups repeated names
// and rejects odd ones, and tests need exactly the headers they listed, in order.
struct HeadSpec {
  std::string_view method;
  std::string_view target;
  const Headers& headers;
  bool add_host = true;                              // "Host: 127.0.0.1:PORT" first, unless given
  std::optional<std::uint64_t> content_length = {};  // appended as the last field
  bool chunked = false;                              // "Transfer-Encoding: chunked" last
};
std::string request_head(const HeadSpec& spec, std::uint16_t port);

bool has_header(const Headers& headers, std::string_view name);
std::string chunk_size_line(std::uint64_t size);  // "1a2b\r\n"

// Reads until c.buffer holds a whole response head and copies it to `raw`, so the headers can be
// reported in wire order (see raw_head.hpp). EOF becomes http::error::end_of_stream (nothing
// received) or partial_message, as Beast's parser would say.
asio::awaitable<std::error_code> read_raw_head(ClientSocket& c, std::string& raw);

inline std::error_code timed_out() { return std::make_error_code(std::errc::timed_out); }

}  // namespace cutover::test::detail
