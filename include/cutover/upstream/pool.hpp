#pragma once
// Per-worker pool of keep-alive connections to upstream endpoints. One per worker thread, so it
// takes no locks. Keyed by endpoint address (not backend name) so pools stay warm across reloads
// for endpoints that did not change.
#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "cutover/common/warm_blocks.hpp"

namespace cutover::upstream {

struct Connection {
  explicit Connection(boost::asio::any_io_executor executor) : stream(std::move(executor)) {}
  boost::beast::tcp_stream stream;
  ReadBuffer buffer;  // bytes read past the previous response (normally none)
  boost::asio::ip::tcp::endpoint endpoint;
  std::chrono::steady_clock::time_point idle_since{};
  bool reused = false;  // came from the pool: a failure before any response byte is retryable
};

struct EndpointHash {
  std::size_t operator()(const boost::asio::ip::tcp::endpoint& e) const noexcept;
};

struct PoolStats {
  std::uint64_t connects = 0;
  std::uint64_t reuses = 0;
  std::uint64_t idle = 0;
};

class Pool {
 public:
  explicit Pool(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  // A pooled connection idle for less than `max_idle`, or nullptr. With `probe`, connections the
  // peer already closed are detected (one non-blocking peek) and dropped: used before sending a
  // request body, which could not be replayed after a failure.
  std::unique_ptr<Connection> take_idle(const boost::asio::ip::tcp::endpoint& endpoint,
                                        std::chrono::steady_clock::time_point now,
                                        std::chrono::milliseconds max_idle, bool probe);

  // Opens a new connection; ec is timed_out when `timeout` passes first.
  boost::asio::awaitable<std::unique_ptr<Connection>> connect(
      const boost::asio::ip::tcp::endpoint& endpoint, std::chrono::milliseconds timeout,
      boost::system::error_code& ec);

  // Keeps `connection` for reuse if fewer than `max_idle_per_endpoint` are idle there.
  void give_back(std::unique_ptr<Connection> connection, std::size_t max_idle_per_endpoint,
                 std::chrono::steady_clock::time_point now);

  // Closes everything idle (shutdown).
  void clear();
  const PoolStats& stats() const { return stats_; }

 private:
  boost::asio::any_io_executor executor_;
  std::unordered_map<boost::asio::ip::tcp::endpoint, std::vector<std::unique_ptr<Connection>>, EndpointHash> idle_;
  PoolStats stats_;
};

}  // namespace cutover::upstream
