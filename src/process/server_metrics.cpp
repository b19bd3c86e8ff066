// GET /metrics: the workers' counters and cells summed at scrape time, with the control thread's
// own numbers, the pools' connections and the endpoints' health.
#include <algorithm>

#include "cutover/http/worker.hpp"
#include "cutover/metrics/prometheus.hpp"
#include "cutover/metrics/upstream_pool.hpp"
#include "cutover/process/server.hpp"
#include "process/health_samples.hpp"

namespace cutover::process {

using boost::asio::ip::tcp;

namespace {

std::string address_of(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

// The pools' connections (per worker and endpoint) as the config serving now names them.
void append_upstream_pool(std::vector<metrics::Sample>& samples, const runtime::Snapshot& snapshot,
                          const std::vector<upstream::EndpointConnections>& pooled,
                          const upstream::PoolCloses& closes) {
  std::vector<metrics::BackendAddresses> backends;
  for (const auto& backend : snapshot.backends) {
    auto& named = backends.emplace_back(metrics::BackendAddresses{backend.name, {}});
    for (const auto& endpoint : backend.endpoints) named.addresses.push_back(address_of(endpoint));
  }
  std::vector<metrics::AddressConnections> by_address;
  for (const auto& entry : pooled) {
    auto address = address_of(entry.endpoint);
    auto same = std::find_if(by_address.begin(), by_address.end(), [&](const auto& a) { return a.address == address; });
    if (same == by_address.end()) same = by_address.insert(by_address.end(), {std::move(address), 0, 0});
    same->open += entry.open;
    same->idle += entry.idle;
  }
  metrics::append_upstream_connections(samples, backends, by_address);
  metrics::append_pool_closes(samples, upstream::kPoolCloseNames, closes);
}

}  // namespace

std::string Server::metrics() const {
  // Per-worker cells and counters summed at scrape time: writers never share a cache line.
  std::vector<const metrics::WorkerMetrics*> cells;
  metrics::GatewayCounters gateway;
  std::vector<upstream::EndpointConnections> pooled;
  upstream::PoolCloses pool_closes{};
  for (const auto& worker : workers_) {
    cells.push_back(&worker->metrics());
    auto counted = worker->counters().snapshot();
    counted.connections_active = worker->active_sessions();
    counted.connections_idle = worker->idle_sessions();
    counted.upstream_queue_waiting = worker->pool().waiting();
    counted.tunnels_open = counted.tunnels_opened - std::min(counted.tunnels_opened, counted.tunnels_closed);
    gateway.merge(counted);
    worker->pool().connections(pooled);
    const auto closes = worker->pool().closes();
    for (std::size_t i = 0; i < closes.size(); ++i) pool_closes[i] += closes[i];
  }
  // Idle connections are open too; "active" means a request in flight.
  gateway.connections_active -= std::min(gateway.connections_active, gateway.connections_idle);
  const auto snapshot = store_.current();
  gateway.reloads = reloads_ - reload_failures_;
  gateway.reload_failures = reload_failures_;
  gateway.last_reload_ok = last_reload_.ok ? 1 : 0;
  gateway.active_overrides = snapshot->applied_overrides;
  auto samples = metrics::gateway_samples(gateway);
  samples.push_back({"cutover_config_generation", "Snapshots published since start (reloads and admin overrides).",
                     metrics::MetricType::kGauge, {}, static_cast<double>(snapshot->generation)});
  samples.push_back({"cutover_access_log_dropped_total", "Access-log lines dropped because the writer fell behind.",
                     metrics::MetricType::kCounter, {}, static_cast<double>(access_log_->dropped())});
  append_upstream_pool(samples, *snapshot, pooled, pool_closes);
  append_health_samples(samples, *snapshot, std::chrono::steady_clock::now());
  return metrics::render_prometheus(metrics::scrape_totals(cells), samples);
}

}  // namespace cutover::process
