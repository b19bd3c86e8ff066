#include "http/upstream_acquire.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <spdlog/spdlog.h>

#include "http/queued_request.hpp"
#include "http/tls_handshake.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

// How `backend` connects to `endpoint`: 0 for plain TCP, else its TLS settings and name.
std::uint64_t tls_identity(const runtime::Backend& backend, const asio::ip::tcp::endpoint& endpoint) {
  if (!backend.tls) return 0;
  return backend.tls->identity(backend.config->endpoints[backend.index_of(endpoint)].host);
}

}  // namespace

std::unique_ptr<upstream::Connection> take_idle(upstream::Pool& pool, const runtime::Backend& backend,
                                                const asio::ip::tcp::endpoint& endpoint, Clock::time_point now, bool probe) {
  auto connection = pool.take_idle(endpoint, now, backend.config->idle_timeout, probe);
  if (!connection) return connection;
  // Made before a reload that changed how this address is reached (TLS on or off, another CA,
  // name or verification): not this request's to use.
  const std::uint64_t identity = tls_identity(backend, endpoint);
  while (connection && connection->tls_identity != identity) {
    connection = pool.take_idle(endpoint, now, backend.config->idle_timeout, probe);
  }
  return connection;
}

asio::awaitable<std::unique_ptr<upstream::Connection>> connect(UpstreamSupply& supply, const runtime::Backend& backend,
                                                               std::size_t index, std::chrono::milliseconds timeout,
                                                               error_code& ec, upstream::Waiter* reserved) {
  const auto& endpoint = backend.endpoints[index];
  auto connection = supply.pool.open(endpoint, reserved);
  auto& socket = connection->socket;
  const auto due = supply.watchdog.now() + timeout;
  {
    Watch deadline(supply.watchdog, socket, due);
    auto [connect_ec] = co_await socket.async_connect(endpoint, asio::as_tuple(asio::deferred));
    ec = deadline.result(connect_ec);
  }
  // A connection that took a descriptor of the reserve (open_files.hpp) is let go again: it fails
  // as if the connect had, and the admin API keeps its descriptors.
  if (!ec && !supply.within_descriptor_budget(socket)) ec = asio::error::no_descriptors;
  if (ec) co_return nullptr;
  supply.pool.connected(*connection);
  if (backend.tls) {
    const auto& tls = *backend.tls;
    const std::string& host = backend.config->endpoints[index].host;
    connection->tls = tls::Channel::connect(tls.get(), tls.server_name(host), tls.verify());
    connection->tls_identity = tls.identity(host);
    ec = connection->tls ? co_await handshake(supply.watchdog, stream_of(*connection), due)
                         : asio::ssl::error::unspecified_system_error;
    if (ec) {
      Counters::bump(supply.counters.upstream_tls_failures);
      if (const auto held_back = supply.tls_failure_log.admit(1, std::chrono::steady_clock::now())) {
        spdlog::warn("backend {}: TLS handshake with {} failed: {} ({} more since the last line)", backend.name,
                     endpoint.address().to_string() + ":" + std::to_string(endpoint.port()), tls::Channel::describe(ec),
                     *held_back);
      }
      co_return nullptr;
    }
  }
  co_return connection;
}

asio::awaitable<Acquired> queue_for_connection(UpstreamSupply& supply, const runtime::Backend& backend,
                                               const asio::ip::tcp::endpoint& endpoint) {
  Counters::bump(supply.counters.upstream_queued);
  QueuedRequest queued(supply.pool);
  Watch deadline(supply.watchdog, queued, supply.watchdog.now() + backend.config->queue_timeout);
  co_await queued.wait(endpoint);
  Acquired acquired;
  acquired.waited = true;
  switch (queued.result()) {
    case upstream::Waiter::Result::handed:
      // Fresh from a complete response on this worker: alive, so no probe is needed for a body.
      acquired.connection = queued.take_connection();
      if (acquired.connection->tls_identity == tls_identity(backend, endpoint)) break;
      // A request of the config before a reload gave back a connection made another way (TLS
      // turned on, another name): closed, and its place taken by a new one.
      acquired.connection.reset();
      [[fallthrough]];
    case upstream::Waiter::Result::may_connect: {
      error_code ec;
      acquired.connection = co_await connect(supply, backend, backend.index_of(endpoint), backend.config->connect_timeout,
                                             ec, &queued);
      if (!acquired.connection) {
        Counters::bump(supply.counters.upstream_connect_failures);
        backend.health->observe(backend.index_of(endpoint), upstream::Observation::failed, supply.watchdog.now());
        acquired.timed_out = ec == boost::beast::error::timeout;
      }
      break;
    }
    default:
      acquired.queue_timed_out = true;
      break;
  }
  co_return acquired;
}

asio::awaitable<Acquired> acquire(UpstreamSupply& supply, const runtime::Backend& backend, std::size_t start, bool probe,
                                  bool fresh_only, upstream::RetryBudget& budget,
                                  const config::RetryBudgetConfig& budget_config) {
  const RouteRetries retries{budget, budget_config};
  Acquired acquired;
  const std::size_t count = backend.endpoints.size();
  const std::size_t limit = backend.config->max_connections_per_endpoint;
  const asio::ip::tcp::endpoint* full = nullptr;
  bool tried = false;
  // With no usable endpoint, every one is tried: one that is failing may still answer (panic).
  const auto now = supply.watchdog.now();
  const bool panic = !backend.health->any_usable(now);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t index = (start + i) % count;
    if (!panic && !backend.health->usable(index, now)) continue;
    const auto& endpoint = backend.endpoints[index];
    if (!fresh_only) {
      acquired.connection = take_idle(supply.pool, backend, endpoint, supply.watchdog.now(), probe);
      if (acquired.connection) co_return acquired;
    }
    if (!supply.pool.has_room(endpoint, limit)) {
      if (!full) full = &endpoint;
      continue;
    }
    // Another endpoint after a refused connect is a retry: within the route's budget.
    if (tried && !retries.spend(supply, supply.watchdog.now())) break;
    tried = true;
    error_code ec;
    acquired.connection = co_await connect(supply, backend, index, backend.config->connect_timeout, ec);
    if (acquired.connection) co_return acquired;
    Counters::bump(supply.counters.upstream_connect_failures);
    backend.health->observe(index, upstream::Observation::failed, supply.watchdog.now());
    acquired.timed_out = acquired.timed_out || ec == boost::beast::error::timeout;
  }
  if (full) co_return co_await queue_for_connection(supply, backend, *full);
  co_return acquired;
}

std::unique_ptr<upstream::Connection> take_pooled(upstream::Pool& pool, const runtime::Backend& backend, std::size_t start,
                                                  bool probe, Clock::time_point now) {
  if (backend.endpoints.empty()) return nullptr;
  return take_idle(pool, backend, backend.endpoints[start], now, probe);
}

}  // namespace cutover::http
