#pragma once
// The decisions behind an endpoint's health, pure: what one active check does to an endpoint's
// streak, whether a status passes, how long an ejection lasts and whether one more is allowed.
// endpoint_health.hpp keeps the state they act on; the prober and the upstream leg feed it.
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "cutover/config/config.hpp"

namespace cutover::upstream {

// Where an endpoint stands with its active health checks.
struct CheckStreak {
  bool healthy = true;
  unsigned passes = 0;    // in a row, while unhealthy
  unsigned failures = 0;  // in a row, while healthy
};

// After one check: `unhealthy` failures in a row take a healthy endpoint out, `healthy` passes in a
// row bring an unhealthy one back. A result that agrees with the state resets the other count.
constexpr CheckStreak after_check(CheckStreak streak, bool passed, const config::HealthCheckConfig& check) {
  if (passed) {
    streak.failures = 0;
    if (!streak.healthy && ++streak.passes >= check.healthy) streak = {true, 0, 0};
  } else {
    streak.passes = 0;
    if (streak.healthy && ++streak.failures >= check.unhealthy) streak = {false, 0, 0};
  }
  return streak;
}

constexpr bool status_passes(unsigned status, const config::HealthCheckConfig& check) {
  return status >= check.expect_min && status <= check.expect_max;
}

// What a request's exchange with an endpoint tells about it.
enum class Observation : std::uint8_t {
  answered,      // a response below 500
  answered_5xx,  // a response from 500 to 599
  failed,        // no response: refused, reset, timed out, or not HTTP
};

// Why an endpoint was ejected.
enum class EjectCause : std::uint8_t { consecutive_failures, consecutive_5xx };

// The streak `observation` extends has reached its trigger (0: that trigger is off).
constexpr bool trips(EjectCause cause, unsigned streak, const config::OutlierConfig& outlier) {
  const unsigned trigger = cause == EjectCause::consecutive_5xx ? outlier.consecutive_5xx : outlier.consecutive_failures;
  return trigger != 0 && streak >= trigger;
}

// The n-th ejection in a row (n from 1) lasts base × n, at most max: an endpoint that keeps failing
// is tried less and less often, one that failed once is back soon.
constexpr std::chrono::milliseconds ejection_length(unsigned ejections, const config::OutlierConfig& outlier) {
  const auto length = outlier.base_ejection * static_cast<std::int64_t>(ejections == 0 ? 1 : ejections);
  return length < outlier.max_ejection ? length : outlier.max_ejection;
}

// The ejection count an endpoint carries into its next ejection: one less for each base_ejection
// it has served since it was re-admitted, so an endpoint that recovered for good starts afresh.
constexpr unsigned decayed_ejections(unsigned ejections, std::chrono::milliseconds since_readmitted,
                                     const config::OutlierConfig& outlier) {
  if (since_readmitted.count() <= 0) return ejections;
  const auto periods = static_cast<std::uint64_t>(since_readmitted / outlier.base_ejection);
  return periods >= ejections ? 0 : ejections - static_cast<unsigned>(periods);
}

// Whether one more of a backend's `total` endpoints may be ejected while `ejected` are out: at
// most max_ejected_percent of them, rounded down, but always one (so the lone endpoint of a new
// service can be ejected and its route fall back). 0 % turns ejection off.
constexpr bool may_eject(std::size_t ejected, std::size_t total, const config::OutlierConfig& outlier) {
  if (outlier.max_ejected_percent == 0) return false;
  const std::size_t cap = total * outlier.max_ejected_percent / 100;
  return ejected < (cap == 0 ? 1 : cap);
}

}  // namespace cutover::upstream
