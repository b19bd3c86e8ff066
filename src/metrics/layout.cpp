#include "cutover/metrics/layout.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

namespace cutover::metrics {

namespace {
std::atomic<std::uint64_t> next_generation{1};  // control path only: reloads, not requests
}  // namespace

MetricsLayout::MetricsLayout(std::vector<std::string> route_names,
                             std::vector<std::string> backend_names,
                             const std::vector<std::vector<std::uint16_t>>& backends_per_route)
    : route_names_(std::move(route_names)),
      backend_names_(std::move(backend_names)),
      generation_(next_generation.fetch_add(1, std::memory_order_relaxed)) {
  if (backends_per_route.size() != route_names_.size()) {
    throw std::invalid_argument("metrics layout: backends_per_route must have one entry per route");
  }
  if (backend_names_.size() > std::numeric_limits<std::uint16_t>::max()) {
    throw std::invalid_argument("metrics layout: too many backends");
  }
  route_cells_.reserve(route_names_.size());
  for (std::size_t route = 0; route < backends_per_route.size(); ++route) {
    RouteCells& cells = route_cells_.emplace_back();
    cells.first = static_cast<std::uint32_t>(cell_backend_.size());
    std::vector<std::uint16_t> list = backends_per_route[route];
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    for (std::uint16_t backend : list) {
      if (backend >= backend_names_.size()) {
        throw std::invalid_argument("metrics layout: route '" + route_names_[route] +
                                    "' names backend index " + std::to_string(backend) +
                                    " of " + std::to_string(backend_names_.size()));
      }
      if (cells.count < cells.backends.size()) cells.backends[cells.count] = backend;
      ++cells.count;
      cell_backend_.push_back(backend);
      cell_route_.push_back(static_cast<std::uint32_t>(route));
    }
    if (cell_backend_.size() >= kNoCell) {
      throw std::invalid_argument("metrics layout: too many cells");
    }
  }
}

MetricsLayout MetricsLayout::dense(std::vector<std::string> route_names,
                                   std::vector<std::string> backend_names) {
  std::vector<std::uint16_t> all(backend_names.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint16_t>(i);
  const std::vector<std::vector<std::uint16_t>> per_route(route_names.size(), all);
  return MetricsLayout(std::move(route_names), std::move(backend_names), per_route);
}

std::uint32_t MetricsLayout::cell(std::size_t route, std::size_t backend) const noexcept {
  if (route >= routes() || backend >= backends()) return kNoCell;
  const RouteCells& cells = route_cells_[route];
  // A sorted, duplicate-free list as long as the backend table is exactly 0..n-1.
  if (cells.count == backends()) return cells.first + static_cast<std::uint32_t>(backend);
  const std::uint32_t inline_count = std::min<std::uint32_t>(cells.count, cells.backends.size());
  for (std::uint32_t i = 0; i < inline_count; ++i) {
    if (cells.backends[i] == backend) return cells.first + i;
  }
  for (std::uint32_t c = cells.first + inline_count; c < cells.first + cells.count; ++c) {
    if (cell_backend_[c] == backend) return c;
  }
  return kNoCell;
}

std::vector<std::uint32_t> map_cells(const MetricsLayout& from, const MetricsLayout& to) {
  auto index_of = [](const std::vector<std::string>& names) {
    std::unordered_map<std::string_view, std::size_t> index;
    for (std::size_t i = 0; i < names.size(); ++i) index.emplace(names[i], i);  // first wins
    return index;
  };
  const auto to_routes = index_of(to.route_names());
  const auto to_backends = index_of(to.backend_names());

  std::vector<std::uint32_t> out(from.cells(), MetricsLayout::kNoCell);
  for (std::uint32_t c = 0; c < from.cells(); ++c) {
    const auto route = to_routes.find(from.route_names()[from.route_of(c)]);
    const auto backend = to_backends.find(from.backend_names()[from.backend_of(c)]);
    if (route != to_routes.end() && backend != to_backends.end()) {
      out[c] = to.cell(route->second, backend->second);
    }
  }
  return out;
}

}  // namespace cutover::metrics
