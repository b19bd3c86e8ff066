#pragma once
// Whether each endpoint of a backend may take traffic, shared by every worker and the prober.
//
// An endpoint is usable while its active checks pass (always, without `health_check`) and it is
// not ejected. Workers read that per request: two relaxed atomic loads of memory that is written
// only when something changes. Streaks of failures are atomics that workers bump; the rare
// transitions (an ejection, a check flipping the state) run under the backend's mutex, which also
// makes max_ejected_percent exact.
//
// Snapshots hold a BackendHealth per backend. A reload builds new ones but carries over the
// EndpointHealth of every (backend, address) that stays (carry_health in snapshot.cpp), so a
// reload neither re-admits an ejected endpoint nor forgets a failing check.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/config/config.hpp"
#include "cutover/upstream/health.hpp"

namespace cutover::upstream {

class EndpointHealth {
 public:
  using Clock = std::chrono::steady_clock;
  explicit EndpointHealth(bool start_healthy) : check_passing_(start_healthy), streak_{start_healthy, 0, 0} {}
  EndpointHealth(const EndpointHealth&) = delete;
  EndpointHealth& operator=(const EndpointHealth&) = delete;

  bool usable(Clock::time_point now) const noexcept {
    return check_passing_.load(std::memory_order_relaxed) &&
           now.time_since_epoch().count() >= ejected_until_.load(std::memory_order_relaxed);
  }

 private:
  friend class BackendHealth;

  std::atomic<bool> check_passing_;
  std::atomic<Clock::rep> ejected_until_{0};  // steady clock ticks; usable again from then
  std::atomic<unsigned> failures_{0};         // no answer, in a row
  std::atomic<unsigned> server_errors_{0};    // 5xx answers, in a row
  std::atomic<std::uint64_t> ejections_total_{0};
  std::atomic<std::uint64_t> checks_passed_{0};
  std::atomic<std::uint64_t> checks_failed_{0};
  // Under the backend's mutex.
  CheckStreak streak_;
  unsigned ejections_ = 0;              // recent ones: what the next ejection's length is made of
  EjectCause ejected_for_ = EjectCause::consecutive_5xx;  // the last ejection's
  std::string reason_;                  // the last change, in words
  std::int64_t changed_unix_ms_ = 0;    // when it happened (0: never)
};

// One endpoint as the admin API, explain and /metrics show it.
struct EndpointStatus {
  std::string address;
  bool usable = true;
  bool check_passing = true;
  bool ejected = false;
  std::chrono::milliseconds ejected_for{0};  // left of the ejection
  std::string reason;                        // the last change, "" when nothing ever changed
  std::int64_t changed_unix_ms = 0;
  std::uint64_t ejections_total = 0;
  std::uint64_t checks_passed = 0;
  std::uint64_t checks_failed = 0;
};

// Why a backend has no usable endpoint, for fallback_active and explain.
struct BackendDown {
  bool down = false;
  std::int64_t since_unix_ms = 0;  // when its last usable endpoint went
  std::string reason;              // that endpoint's reason
};

class BackendHealth {
 public:
  using Clock = std::chrono::steady_clock;
  // `endpoints` are carried over from a running snapshot or new (fresh()); `addresses` name them
  // in logs and in the admin API, in the same order.
  BackendHealth(std::string backend, const config::BackendConfig& config, std::vector<std::string> addresses,
                std::vector<std::shared_ptr<EndpointHealth>> endpoints);
  // A backend none of whose endpoints were seen before.
  static std::shared_ptr<BackendHealth> fresh(std::string backend, const config::BackendConfig& config,
                                              std::vector<std::string> addresses);

  std::size_t size() const noexcept { return endpoints_.size(); }
  const std::shared_ptr<EndpointHealth>& shared(std::size_t endpoint) const { return endpoints_[endpoint]; }
  const std::string& address(std::size_t endpoint) const { return addresses_[endpoint]; }

  // Hot path, any thread.
  bool usable(std::size_t endpoint, Clock::time_point now) const noexcept { return endpoints_[endpoint]->usable(now); }
  bool any_usable(Clock::time_point now) const noexcept;
  // The endpoint a request starts at: `start` when usable, else the next usable one after it; and
  // `start` when none is, for then every endpoint is tried (panic: better a failing endpoint than
  // none).
  std::size_t first_usable(std::size_t start, Clock::time_point now) const noexcept;

  // What a request's exchange with `endpoint` showed (any worker). May eject it.
  void observe(std::size_t endpoint, Observation observation, Clock::time_point now);
  // One active check's result (the prober): `detail` says what failed. A pass ends an ejection
  // for failed requests (the endpoint is reachable again, as Envoy's active checks uneject), not
  // one for 5xx answers: a health endpoint that answers says little about the ones that did not.
  void check_result(std::size_t endpoint, bool passed, std::string_view detail, Clock::time_point now);

  // Control thread: for the admin API, explain and /metrics.
  EndpointStatus status(std::size_t endpoint, Clock::time_point now) const;
  BackendDown down(Clock::time_point now) const;

 private:
  void eject(std::size_t endpoint, EjectCause cause, unsigned streak, Clock::time_point now);

  std::string backend_;
  config::OutlierConfig outlier_;
  config::HealthCheckConfig check_;
  std::vector<std::string> addresses_;
  std::vector<std::shared_ptr<EndpointHealth>> endpoints_;
  mutable std::mutex mutex_;
};

}  // namespace cutover::upstream
