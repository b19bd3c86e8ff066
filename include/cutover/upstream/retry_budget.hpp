#pragma once
// How many retries a route may make: at most `percent` of its requests over the last `window`,
// and always `min_retries` (a quiet route may retry its occasional stale connection). Retries
// beyond that are refused, so when a backend fails everything, retries add a fifth to its load
// instead of doubling it (Finagle's and Envoy's retry budgets).
//
// Per worker and route, no sharing: a worker owns its RetryBudgets, as it owns its pool. The window
// is counted in two halves, the current one and the one before, so it slides in half-window steps
// without keeping a timestamp per request. Time comes in as a parameter.
#include <chrono>
#include <cstdint>
#include <vector>

#include "cutover/config/config.hpp"

namespace cutover::upstream {

class RetryBudget {
 public:
  using Clock = std::chrono::steady_clock;

  // A request of the route went to a backend (a first try: retries are counted by try_retry).
  void count_request(Clock::time_point now, const config::RetryBudgetConfig& budget) {
    roll(now, budget);
    ++requests_[current()];
  }

  // Whether one more retry fits; when it does, it is counted.
  bool try_retry(Clock::time_point now, const config::RetryBudgetConfig& budget) {
    roll(now, budget);
    const std::uint64_t requests = requests_[0] + requests_[1];
    const std::uint64_t retries = retries_[0] + retries_[1];
    if (retries >= budget.min_retries && retries * 100 >= requests * budget.percent) return false;
    ++retries_[current()];
    return true;
  }

 private:
  std::size_t current() const { return static_cast<std::size_t>(half_ & 1); }

  void roll(Clock::time_point now, const config::RetryBudgetConfig& budget) {
    const auto half_length = std::max<std::int64_t>(budget.window.count() / 2, 1);
    const std::int64_t half = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() / half_length;
    if (half == half_) return;
    // The half about to be reused is cleared; after a longer silence, both are.
    const std::size_t next = static_cast<std::size_t>(half & 1);
    if (half != half_ + 1) requests_[1 - next] = retries_[1 - next] = 0;
    requests_[next] = retries_[next] = 0;
    half_ = half;
  }

  std::int64_t half_ = 0;
  std::uint64_t requests_[2] = {0, 0};
  std::uint64_t retries_[2] = {0, 0};
};

// A worker's budgets, one per route of the serving config (by Route::index).
class RetryBudgets {
 public:
  void reset(std::size_t routes) { budgets_.assign(routes, RetryBudget{}); }
  // The route's budget; a route index beyond the table (a request on a snapshot older than the
  // worker's) shares the spare one.
  RetryBudget& of(std::size_t route) { return route < budgets_.size() ? budgets_[route] : spare_; }

 private:
  std::vector<RetryBudget> budgets_;
  RetryBudget spare_;
};

}  // namespace cutover::upstream
