#include "cutover/upstream/endpoint_health.hpp"

#include <spdlog/spdlog.h>

#include "cutover/common/clock.hpp"

namespace cutover::upstream {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

// A streak reset only writes when there is something to reset: every answer does this, and a
// store into a line other workers read would cost them a cache miss each time.
void clear(std::atomic<unsigned>& streak) {
  if (streak.load(kRelaxed) != 0) streak.store(0, kRelaxed);
}

std::string seconds_text(std::chrono::milliseconds length) {
  const auto ms = length.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

}  // namespace

BackendHealth::BackendHealth(std::string backend, const config::BackendConfig& config, std::vector<std::string> addresses,
                             std::vector<std::shared_ptr<EndpointHealth>> endpoints)
    : backend_(std::move(backend)),
      outlier_(config.outlier),
      check_(config.health_check),
      addresses_(std::move(addresses)),
      endpoints_(std::move(endpoints)) {
  // An endpoint carried over from a config that checked it, into one that does not: nothing
  // will ever pass a check again, so it is back in rotation now.
  if (!check_.enabled) {
    for (auto& endpoint : endpoints_) {
      if (!endpoint->check_passing_.load(kRelaxed)) {
        endpoint->streak_ = {};
        endpoint->reason_ = "health checks turned off";
        endpoint->changed_unix_ms_ = unix_ms();
        endpoint->check_passing_.store(true, kRelaxed);
      }
    }
  }
}

std::shared_ptr<BackendHealth> BackendHealth::fresh(std::string backend, const config::BackendConfig& config,
                                                    std::vector<std::string> addresses) {
  std::vector<std::shared_ptr<EndpointHealth>> endpoints;
  const bool start_healthy = !config.health_check.enabled || config.health_check.start_healthy;
  for (std::size_t i = 0; i < addresses.size(); ++i) endpoints.push_back(std::make_shared<EndpointHealth>(start_healthy));
  return std::make_shared<BackendHealth>(std::move(backend), config, std::move(addresses), std::move(endpoints));
}

bool BackendHealth::any_usable(Clock::time_point now) const noexcept {
  for (const auto& endpoint : endpoints_) {
    if (endpoint->usable(now)) return true;
  }
  return false;
}

std::size_t BackendHealth::first_usable(std::size_t start, Clock::time_point now) const noexcept {
  const std::size_t count = endpoints_.size();
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t candidate = (start + i) % count;
    if (endpoints_[candidate]->usable(now)) return candidate;
  }
  return start;
}

void BackendHealth::observe(std::size_t endpoint, Observation observation, Clock::time_point now) {
  auto& health = *endpoints_[endpoint];
  switch (observation) {
    case Observation::answered:
      clear(health.failures_);
      clear(health.server_errors_);
      return;
    case Observation::answered_5xx: {
      // It answered, so the failure streak ends; 5xx answers are their own streak.
      clear(health.failures_);
      const unsigned streak = health.server_errors_.fetch_add(1, kRelaxed) + 1;
      if (trips(EjectCause::consecutive_5xx, streak, outlier_)) eject(endpoint, EjectCause::consecutive_5xx, streak, now);
      return;
    }
    case Observation::failed: {
      const unsigned streak = health.failures_.fetch_add(1, kRelaxed) + 1;
      if (trips(EjectCause::consecutive_failures, streak, outlier_)) {
        eject(endpoint, EjectCause::consecutive_failures, streak, now);
      }
      return;
    }
  }
}

void BackendHealth::eject(std::size_t endpoint, EjectCause cause, unsigned streak, Clock::time_point now) {
  auto& health = *endpoints_[endpoint];
  std::lock_guard lock(mutex_);
  // Another worker got here first, or requests that started before the ejection are still
  // finishing: one ejection per streak.
  (cause == EjectCause::consecutive_5xx ? health.server_errors_ : health.failures_).store(0, kRelaxed);
  const auto now_ticks = now.time_since_epoch().count();
  if (now_ticks < health.ejected_until_.load(kRelaxed)) return;
  std::size_t ejected = 0;
  for (const auto& other : endpoints_) ejected += now_ticks < other->ejected_until_.load(kRelaxed) ? 1 : 0;
  const std::string what = std::to_string(streak) + (cause == EjectCause::consecutive_5xx ? " 5xx answers in a row"
                                                                                           : " failed requests in a row");
  if (!may_eject(ejected, endpoints_.size(), outlier_)) {
    spdlog::warn("backend '{}' endpoint {}: {}, but {} of {} endpoints are ejected already (max_ejected_percent {}): "
                 "kept in rotation",
                 backend_, addresses_[endpoint], what, ejected, endpoints_.size(), outlier_.max_ejected_percent);
    return;
  }
  const Clock::time_point readmitted_at{Clock::duration(health.ejected_until_.load(kRelaxed))};
  const auto since_readmitted = std::chrono::duration_cast<std::chrono::milliseconds>(now - readmitted_at);
  health.ejections_ = decayed_ejections(health.ejections_, since_readmitted, outlier_) + 1;
  const auto length = ejection_length(health.ejections_, outlier_);
  health.ejected_until_.store((now + length).time_since_epoch().count(), kRelaxed);
  health.ejected_for_ = cause;
  health.ejections_total_.fetch_add(1, kRelaxed);
  health.reason_ = "ejected after " + what + " for " + seconds_text(length);
  health.changed_unix_ms_ = unix_ms();
  spdlog::warn("backend '{}' endpoint {} {}", backend_, addresses_[endpoint], health.reason_);
}

void BackendHealth::check_result(std::size_t endpoint, bool passed, std::string_view detail, Clock::time_point now) {
  auto& health = *endpoints_[endpoint];
  (passed ? health.checks_passed_ : health.checks_failed_).fetch_add(1, kRelaxed);
  std::lock_guard lock(mutex_);
  const bool ejected = now.time_since_epoch().count() < health.ejected_until_.load(kRelaxed);
  if (passed && ejected && health.ejected_for_ == EjectCause::consecutive_failures) {
    health.failures_.store(0, kRelaxed);
    health.ejected_until_.store(now.time_since_epoch().count(), kRelaxed);
    health.reason_ = "back in rotation: a health check passed after an ejection for failed requests";
    health.changed_unix_ms_ = unix_ms();
    spdlog::info("backend '{}' endpoint {} {}", backend_, addresses_[endpoint], health.reason_);
  }
  const CheckStreak before = health.streak_;
  health.streak_ = after_check(before, passed, check_);
  if (health.streak_.healthy == before.healthy) return;
  if (health.streak_.healthy) {
    health.reason_ = "back in rotation after " + std::to_string(check_.healthy) + " passed health checks";
    spdlog::info("backend '{}' endpoint {} {}", backend_, addresses_[endpoint], health.reason_);
  } else {
    health.reason_ = "failed " + std::to_string(check_.unhealthy) + " health checks in a row (" + std::string(detail) + ")";
    spdlog::warn("backend '{}' endpoint {} {}", backend_, addresses_[endpoint], health.reason_);
  }
  health.changed_unix_ms_ = unix_ms();
  health.check_passing_.store(health.streak_.healthy, kRelaxed);
}

EndpointStatus BackendHealth::status(std::size_t endpoint, Clock::time_point now) const {
  const auto& health = *endpoints_[endpoint];
  EndpointStatus out;
  out.address = addresses_[endpoint];
  out.usable = health.usable(now);
  out.check_passing = health.check_passing_.load(kRelaxed);
  const Clock::time_point until{Clock::duration(health.ejected_until_.load(kRelaxed))};
  out.ejected = now < until;
  if (out.ejected) out.ejected_for = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
  out.ejections_total = health.ejections_total_.load(kRelaxed);
  out.checks_passed = health.checks_passed_.load(kRelaxed);
  out.checks_failed = health.checks_failed_.load(kRelaxed);
  std::lock_guard lock(mutex_);
  out.reason = health.reason_;
  out.changed_unix_ms = health.changed_unix_ms_;
  return out;
}

BackendDown BackendHealth::down(Clock::time_point now) const {
  BackendDown out;
  if (any_usable(now)) return out;
  out.down = true;
  std::lock_guard lock(mutex_);
  for (const auto& endpoint : endpoints_) {
    if (endpoint->changed_unix_ms_ >= out.since_unix_ms) {
      out.since_unix_ms = endpoint->changed_unix_ms_;
      out.reason = endpoint->reason_;
    }
  }
  return out;
}

}  // namespace cutover::upstream
