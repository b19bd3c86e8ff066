#pragma once
// Which (route, backend) pairs have metrics, and where each one's numbers live. Built once per
// config snapshot (control path), shared read-only by every worker and the scrape.
//
// Cells are indexed by position, never by string, so the hot path does no hashing. A layout
// lists for each route only the backends it can send to (split targets, rollback_to, fallback,
// anything an override may name): a 10,000-route table then costs 10,000-odd cells rather than
// 10,000 x backends, in memory and in /metrics lines. `dense` covers every pair, for small tables.
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace cutover::metrics {

class MetricsLayout {
 public:
  static constexpr std::uint32_t kNoCell = std::numeric_limits<std::uint32_t>::max();

  // backends_per_route[r] lists the backend indexes route r can reach (any order, duplicates
  // ignored). Throws std::invalid_argument when sizes disagree or an index is out of range.
  MetricsLayout(std::vector<std::string> route_names, std::vector<std::string> backend_names,
                const std::vector<std::vector<std::uint16_t>>& backends_per_route);
  // Every route with every backend.
  static MetricsLayout dense(std::vector<std::string> route_names,
                             std::vector<std::string> backend_names);

  std::size_t routes() const noexcept { return route_names_.size(); }
  std::size_t backends() const noexcept { return backend_names_.size(); }
  std::size_t cells() const noexcept { return cell_backend_.size(); }

  // The cell of (route, backend), or kNoCell when the layout does not track that pair. O(1) for
  // a route that lists every backend, else a scan of the route's (short) list. Never allocates.
  std::uint32_t cell(std::size_t route, std::size_t backend) const noexcept;
  std::size_t route_of(std::uint32_t cell) const noexcept { return cell_route_[cell]; }
  std::size_t backend_of(std::uint32_t cell) const noexcept { return cell_backend_[cell]; }

  const std::vector<std::string>& route_names() const noexcept { return route_names_; }
  const std::vector<std::string>& backend_names() const noexcept { return backend_names_; }

  // Increases with every layout built in this process: when two workers hold different layouts
  // during a reload, the larger generation is the newer table.
  std::uint64_t generation() const noexcept { return generation_; }

 private:
  std::vector<std::string> route_names_;
  std::vector<std::string> backend_names_;
  // Per route: its cells are first .. first + count - 1, one per backend in backend order, the
  // first few of those backends kept here too. One 16-byte record, so finding a request's cell
  // reads one cache line for nearly every route (docs/performance.md, target 8).
  struct alignas(16) RouteCells {
    std::uint32_t first = 0;
    std::uint16_t count = 0;
    std::array<std::uint16_t, 5> backends{};
  };
  std::vector<RouteCells> route_cells_;
  std::vector<std::uint16_t> cell_backend_;  // per cell; sorted within a route
  std::vector<std::uint32_t> cell_route_;    // per cell
  std::uint64_t generation_ = 0;
};

// For each cell of `from`, the cell of `to` with the same route name and backend name, or
// kNoCell. How statistics follow a route across a reload that reorders or edits the table.
std::vector<std::uint32_t> map_cells(const MetricsLayout& from, const MetricsLayout& to);

}  // namespace cutover::metrics
