#pragma once
// A backend connection for one request: a pooled one, a new one, or a place in an endpoint's
// queue when max_connections_per_endpoint are all in use. Round robin over the backend's
// endpoints; a failed connect moves on to the next (nothing was sent, so that is always safe).
#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "cutover/http/upstream_supply.hpp"
#include "cutover/runtime/snapshot.hpp"
#include "cutover/upstream/failure.hpp"
#include "cutover/upstream/pool.hpp"

namespace cutover::http {

// A route's retry budget as the upstream leg spends it (upstream/retry_budget.hpp).
struct RouteRetries {
  upstream::RetryBudget& budget;
  const config::RetryBudgetConfig& config;

  // One more retry, if the budget has room: counted either way (tried or refused).
  bool spend(UpstreamSupply& supply, std::chrono::steady_clock::time_point now) const {
    if (budget.try_retry(now, config)) {
      Counters::bump(supply.counters.upstream_retries);
      return true;
    }
    Counters::bump(supply.counters.upstream_retries_refused);
    return false;
  }
};

struct Acquired {
  std::unique_ptr<upstream::Connection> connection;
  bool timed_out = false;
  bool queue_timed_out = false;
  bool waited = false;  // came through the endpoint's queue: the client may have left meanwhile
};

// Why no connection came: the failure the client is answered for.
inline upstream::Failure connect_failure(const Acquired& acquired) {
  if (acquired.queue_timed_out) return upstream::Failure::queue_timeout;
  return acquired.timed_out ? upstream::Failure::connect_timeout : upstream::Failure::connect_refused;
}

// A new connection to endpoint `index` of `backend`, connected (for a TLS backend, its handshake
// done and the certificate verified) within `timeout` under the worker's deadlines, and not
// holding a descriptor of the admin API's reserve; nullptr when that failed, `ec` saying why
// (beast::error::timeout when the time ran out). `reserved`: as for Pool::open.
boost::asio::awaitable<std::unique_ptr<upstream::Connection>> connect(UpstreamSupply& supply,
                                                                      const runtime::Backend& backend, std::size_t index,
                                                                      std::chrono::milliseconds timeout,
                                                                      boost::system::error_code& ec,
                                                                      upstream::Waiter* reserved = nullptr);

// Every connection `endpoint` may have is in use: waits in its queue until the backend's
// queue_timeout (docs/design.md, "Connection limits and the queue").
boost::asio::awaitable<Acquired> queue_for_connection(UpstreamSupply& supply, const runtime::Backend& backend,
                                                      const boost::asio::ip::tcp::endpoint& endpoint);

// From `start`, the endpoint the round robin picked (take_pooled already tried its pool), across
// the backend's usable endpoints (all of them when none is usable); a failed connect counts against
// its endpoint's health, and moving on to the next endpoint spends a retry of `retries`; `probe` checks a pooled connection alive first (a body cannot be
// replayed), `fresh_only` takes no pooled one (a retry). When every endpoint that did not fail is
// at its limit, the request queues at the first of them.
// (The budget comes as two references, not a RouteRetries: a temporary argument would be kept in
// the calling coroutine's frame, which every waiting request holds.)
boost::asio::awaitable<Acquired> acquire(UpstreamSupply& supply, const runtime::Backend& backend, std::size_t start,
                                         bool probe, bool fresh_only, upstream::RetryBudget& budget,
                                         const config::RetryBudgetConfig& budget_config);

// An idle pooled connection to `endpoint` made the way `backend` connects (TLS or not).
std::unique_ptr<upstream::Connection> take_idle(upstream::Pool& pool, const runtime::Backend& backend,
                                                const boost::asio::ip::tcp::endpoint& endpoint,
                                                std::chrono::steady_clock::time_point now, bool probe);

// The usual case, without a coroutine: the picked endpoint has an idle pooled connection.
std::unique_ptr<upstream::Connection> take_pooled(upstream::Pool& pool, const runtime::Backend& backend, std::size_t start,
                                                  bool probe, std::chrono::steady_clock::time_point now);

}  // namespace cutover::http
