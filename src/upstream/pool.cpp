#include "cutover/upstream/pool.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>

namespace cutover::upstream {

namespace asio = boost::asio;
using asio::ip::tcp;

std::size_t EndpointHash::operator()(const tcp::endpoint& e) const noexcept {
  std::size_t h = std::hash<unsigned short>{}(e.port());
  if (e.address().is_v4()) return h ^ (std::hash<std::uint32_t>{}(e.address().to_v4().to_uint()) << 1);
  auto bytes = e.address().to_v6().to_bytes();
  for (auto b : bytes) h = h * 131 + b;
  return h;
}

namespace {

// True when the peer has closed or sent something unsolicited: either way, not reusable.
bool peer_gone(tcp::socket& socket) {
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0 || n == 0) return true;
  return errno != EAGAIN && errno != EWOULDBLOCK;
}

}  // namespace

std::unique_ptr<Connection> Pool::take_idle(const tcp::endpoint& endpoint,
                                            std::chrono::steady_clock::time_point now,
                                            std::chrono::milliseconds max_idle, bool probe) {
  auto it = idle_.find(endpoint);
  if (it == idle_.end()) return nullptr;
  auto& stack = it->second;
  // Most recently used first: it is the least likely to have been closed by the upstream.
  while (!stack.empty()) {
    std::unique_ptr<Connection> connection = std::move(stack.back());
    stack.pop_back();
    --stats_.idle;
    if (now - connection->idle_since > max_idle) continue;
    if (probe && peer_gone(connection->stream.socket())) continue;
    connection->reused = true;
    ++stats_.reuses;
    return connection;
  }
  return nullptr;
}

asio::awaitable<std::unique_ptr<Connection>> Pool::connect(const tcp::endpoint& endpoint,
                                                           std::chrono::milliseconds timeout,
                                                           boost::system::error_code& ec) {
  auto connection = std::make_unique<Connection>(executor_);
  connection->endpoint = endpoint;
  connection->stream.expires_after(timeout);
  auto [error] = co_await connection->stream.async_connect(endpoint, asio::as_tuple(asio::deferred));
  ec = error;
  if (ec) co_return nullptr;
  ++stats_.connects;
  connection->stream.expires_never();
  connection->stream.socket().set_option(tcp::no_delay(true), ec);
  // The data path tries writes at once and waits only when the kernel's buffer is full.
  connection->stream.socket().non_blocking(true, ec);
  ec = {};
  co_return connection;
}

void Pool::give_back(std::unique_ptr<Connection> connection, std::size_t max_idle_per_endpoint,
                     std::chrono::steady_clock::time_point now) {
  if (!connection || max_idle_per_endpoint == 0) return;
  // Leftover bytes after a complete response mean the upstream broke framing: never reuse.
  if (connection->buffer.size() != 0) return;
  auto& stack = idle_[connection->endpoint];
  if (stack.size() >= max_idle_per_endpoint) return;
  // An idle connection keeps no read buffer (a download may have grown it to 64 KiB); the next
  // response's read takes 1 KiB again, from the thread's warm blocks (common/warm_blocks.hpp).
  connection->buffer.shrink_to_fit();
  connection->idle_since = now;
  connection->stream.expires_never();
  stack.push_back(std::move(connection));
  ++stats_.idle;
}

void Pool::clear() {
  idle_.clear();
  stats_.idle = 0;
}

}  // namespace cutover::upstream
