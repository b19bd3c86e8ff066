#include "cutover/metrics/upstream_pool.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace cutover::metrics {

namespace {

constexpr std::string_view kConnections = "cutover_upstream_connections";
constexpr std::string_view kConnectionsHelp =
    "Backend connections open in the workers' pools: active (an exchange on it, or connecting) or idle "
    "(kept for reuse). backend=\"(removed)\": to an address the config no longer names.";

void append_pair(std::vector<Sample>& out, std::string_view backend, std::uint64_t open, std::uint64_t idle) {
  idle = std::min(idle, open);
  for (const auto& [state, value] : {std::pair{"active", open - idle}, std::pair{"idle", idle}}) {
    out.push_back(Sample{std::string(kConnections), std::string(kConnectionsHelp), MetricType::kGauge,
                         {{"backend", std::string(backend)}, {"state", state}}, static_cast<double>(value)});
  }
}

}  // namespace

void append_upstream_connections(std::vector<Sample>& out, std::span<const BackendAddresses> backends,
                                 std::span<const AddressConnections> connections) {
  std::unordered_map<std::string_view, const AddressConnections*> by_address;
  for (const auto& entry : connections) by_address.emplace(entry.address, &entry);
  std::unordered_set<std::string_view> named;
  for (const auto& backend : backends) {
    std::uint64_t open = 0;
    std::uint64_t idle = 0;
    std::unordered_set<std::string_view> counted;  // an address listed twice is one pool
    for (const auto& address : backend.addresses) {
      named.insert(address);
      if (!counted.insert(address).second) continue;
      const auto found = by_address.find(address);
      if (found == by_address.end()) continue;
      open += found->second->open;
      idle += found->second->idle;
    }
    append_pair(out, backend.backend, open, idle);
  }
  std::uint64_t open = 0;
  std::uint64_t idle = 0;
  for (const auto& entry : connections) {
    if (named.contains(entry.address)) continue;
    open += entry.open;
    idle += entry.idle;
  }
  append_pair(out, kRemovedBackend, open, idle);
}

void append_pool_closes(std::vector<Sample>& out, std::span<const std::string_view> reasons,
                        std::span<const std::uint64_t> counts) {
  for (std::size_t i = 0; i < reasons.size() && i < counts.size(); ++i) {
    out.push_back(Sample{"cutover_upstream_pool_closed_total",
                         "Backend connections the pools closed instead of keeping for reuse: past the backend's "
                         "idle_timeout, closed (or written to) by the backend while idle, or to an endpoint a "
                         "reload removed.",
                         MetricType::kCounter, {{"reason", std::string(reasons[i])}}, static_cast<double>(counts[i])});
  }
}

}  // namespace cutover::metrics
