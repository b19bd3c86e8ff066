#pragma once
// The upstream pools in /metrics. Each worker's pool counts connections per endpoint address; the
// config says which backends send to which address. So a scrape sums the pools per address and
// then reads them per backend of the config serving now:
//   cutover_upstream_connections{backend, state="active"|"idle"}   (gauge)
// An address two backends share counts under both (they share its connections). Connections to
// an address no backend names any more (a reload removed it; an exchange still runs on it) count
// under backend="(removed)", which no backend can be called. Control path: allocation is fine.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/metrics/prometheus.hpp"

namespace cutover::metrics {

inline constexpr std::string_view kRemovedBackend = "(removed)";

// One address's connections, summed over workers. `open` counts idle ones too.
struct AddressConnections {
  std::string address;  // as the caller spells addresses, the same way in BackendAddresses
  std::uint64_t open = 0;
  std::uint64_t idle = 0;
};

struct BackendAddresses {
  std::string backend;
  std::vector<std::string> addresses;
};

// Appends cutover_upstream_connections: both states of every backend in `backends` (zeros
// included, so a series never appears out of nowhere) and of "(removed)". Pure.
void append_upstream_connections(std::vector<Sample>& out, std::span<const BackendAddresses> backends,
                                 std::span<const AddressConnections> connections);

// Appends cutover_upstream_pool_closed_total{reason}: connections a pool closed rather than keep
// for reuse, `counts[i]` for `reasons[i]`. Pure.
void append_pool_closes(std::vector<Sample>& out, std::span<const std::string_view> reasons,
                        std::span<const std::uint64_t> counts);

}  // namespace cutover::metrics
