#include "http/upstream_acquire.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/beast/core/error.hpp>

#include "http/queued_request.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

asio::awaitable<std::unique_ptr<upstream::Connection>> connect(UpstreamSupply& supply, const asio::ip::tcp::endpoint& endpoint,
                                                               std::chrono::milliseconds timeout, error_code& ec,
                                                               upstream::Waiter* reserved) {
  auto connection = supply.pool.open(endpoint, reserved);
  auto& socket = connection->socket;
  Watch deadline(supply.watchdog, socket, timeout);
  auto [connect_ec] = co_await socket.async_connect(endpoint, asio::as_tuple(asio::deferred));
  ec = deadline.result(connect_ec);
  // A connection that took a descriptor of the reserve (open_files.hpp) is let go again: it fails
  // as if the connect had, and the admin API keeps its descriptors.
  if (!ec && !supply.within_descriptor_budget(socket)) ec = asio::error::no_descriptors;
  if (ec) co_return nullptr;
  supply.pool.connected(*connection);
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
      break;
    case upstream::Waiter::Result::may_connect: {
      error_code ec;
      acquired.connection = co_await connect(supply, endpoint, backend.config->connect_timeout, ec, &queued);
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
      acquired.connection = supply.pool.take_idle(endpoint, supply.watchdog.now(), backend.config->idle_timeout, probe);
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
    acquired.connection = co_await connect(supply, endpoint, backend.config->connect_timeout, ec);
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
  return pool.take_idle(backend.endpoints[start], now, backend.config->idle_timeout, probe);
}

}  // namespace cutover::http
