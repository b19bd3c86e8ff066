// test_upstream internals: shared state, request view, reply builders and the session entry point.
// Reply builders are pure (header in, response out); session.cpp only puts I/O around them.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace cutover::test::upstream {

namespace http = boost::beast::http;
using StringResponse = http::response<http::string_body>;

// Request counts for /__stats; shared by all threads, so guarded by a mutex (one short critical
// section per request is noise next to the socket work).
class Stats {
 public:
  void record(std::string_view path);
  // A connection served its first request other than /__stats (so polling the stats does not
  // count): tests check that the gateway reuses pooled connections.
  void record_connection();
  std::string to_json() const;

 private:
  // Benchmarks may hit millions of distinct paths; beyond this many, counts go to kOtherPaths.
  static constexpr std::size_t kMaxPaths = 10000;
  static constexpr std::string_view kOtherPaths = "(other)";

  mutable std::mutex mutex_;
  std::uint64_t total_ = 0;
  std::uint64_t connections_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> by_path_;
};

// Ways real backends trip a gateway up, off by default.
struct Misbehaviour {
  // Hang up on a connection that waits longer than this for its next request, as gunicorn does
  // after its `keepalive` (2 s by default): a pooled connection dies while the gateway holds it.
  std::chrono::milliseconds idle_close{0};
  // Answer 400 to any other Host, as Django does for a Host outside ALLOWED_HOSTS (/__stats
  // excepted).
  std::string allowed_host;
  // Close without answering the K-th request of every connection (1: the first). With 2, a
  // connection dies under a request the moment it is reused, however quickly.
  std::uint64_t hang_up_on_request = 0;
  // Answer this status to every request (/__stats excepted), health checks included, as an app
  // whose database is gone does. 0: off.
  unsigned answer_status = 0;
};

struct ServerState {
  std::string name;
  Stats stats;
  Misbehaviour misbehaviour;
};

// The parts of a request head the handlers read; views into the parser's message.
struct RequestHead {
  std::string_view method;
  std::string_view target;
  std::string_view path;       // target up to '?'
  std::string_view query;      // after '?', without it
  const http::fields& fields;  // Beast's view: duplicates regrouped, so not wire order
  std::string_view raw_head;   // the head as received, for /headers
  unsigned version;
};

RequestHead make_head(const http::request_header<>& req, std::string_view raw_head);

// Value of `key` in a query string ("a=1&b=2"); no percent-decoding, tests send plain values.
std::optional<std::string_view> query_param(std::string_view query, std::string_view key);
std::optional<std::uint64_t> parse_uint(std::string_view text);

// A response with X-Served-By and, unless the status forbids a body, a JSON body + Content-Length.
// `code` may be any status 100..599, including ones Beast has no enum value for.
StringResponse json_reply(const ServerState& state, unsigned code, unsigned version, std::string body);
StringResponse error_reply(const ServerState& state, unsigned code, unsigned version, std::string_view why);

// Endpoints answered from the head alone: /, unknown paths, /headers, /status/N, /whoami, /__stats.
StringResponse make_reply(const RequestHead& head, const ServerState& state);
// /sink: what the body was (bytes, checksum, chunked) and the trailer fields that came after it.
StringResponse sink_reply(const ServerState& state, unsigned version, std::uint64_t bytes, const std::string& checksum,
                          bool chunked, const std::vector<std::pair<std::string, std::string>>& trailers);
// The fields a parser holds after the body that were not in the head as it came on the wire.
std::vector<std::pair<std::string, std::string>> trailer_fields(const http::fields& all, std::string_view raw_head);
StringResponse delay_reply(const ServerState& state, unsigned version, std::uint64_t ms);

// Serves one connection until the peer closes, an error, or a non-keep-alive exchange.
boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket, ServerState& state);
// The same over TLS (--tls-cert): the server handshake under a 10 s deadline, then the session.
boost::asio::awaitable<void> run_tls_session(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls,
                                             ServerState& state);

}  // namespace cutover::test::upstream
