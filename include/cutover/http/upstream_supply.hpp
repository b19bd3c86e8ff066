#pragma once
// What the upstream leg of a request draws on, all of it its worker's: the pool of backend
// connections and the round robin over endpoints, the deadlines, the counters, and the buffers and
// strings it borrows. The worker owns one and the upstream phases (acquire, call, body, delivery,
// the session lookup's subrequest) take it instead of the worker, so they cannot reach the
// access log, the identity caches, the sessions or the snapshot store.
#include <atomic>
#include <cstddef>
#include <cstdint>

#include <boost/asio/ip/tcp.hpp>

#include "cutover/http/counters.hpp"
#include "cutover/http/head_strings.hpp"
#include "cutover/log/throttle.hpp"
#include "cutover/upstream/endpoint_choice.hpp"
#include "cutover/upstream/pool.hpp"
#include "cutover/upstream/retry_budget.hpp"

namespace cutover::http {

class RelayBufferPool;
class Watchdog;

struct UpstreamSupply {
  upstream::Pool& pool;
  upstream::RoundRobin& round_robin;
  upstream::RetryBudgets& retry_budgets;  // per route of the serving config
  Watchdog& watchdog;
  Counters& counters;
  RelayBufferPool& relay_buffers;
  HeadStrings& head_strings;
  const std::atomic<bool>& draining;
  // Session lookups that failed: a line per cause every few seconds (auth_subrequest.hpp).
  log::Throttle& lookup_failure_log;
  // TLS handshakes with backends that failed: a line every few seconds (upstream_acquire.cpp).
  log::Throttle& tls_failure_log;
  // Sockets numbered from here on are the admin API's reserve (common/open_files.hpp); set when
  // the worker starts.
  std::uint64_t descriptor_ceiling = UINT64_MAX;

  // False when `socket` took a descriptor of the reserve: traffic must let it go again.
  bool within_descriptor_budget(boost::asio::ip::tcp::socket& socket) const {
    return static_cast<std::uint64_t>(socket.native_handle()) < descriptor_ceiling;
  }
  // Answers written now carry Connection: close.
  bool is_draining() const { return draining.load(std::memory_order_relaxed); }
  std::size_t next_endpoint(std::size_t backend, std::size_t endpoint_count) {
    return round_robin.next(backend, endpoint_count);
  }
};

}  // namespace cutover::http
