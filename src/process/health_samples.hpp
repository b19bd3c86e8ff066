#pragma once
// Endpoint health and route fallbacks in /metrics, read from the serving snapshot at scrape time:
//   cutover_endpoint_usable{backend, endpoint}                  gauge, 1 or 0
//   cutover_endpoint_ejections_total{backend, endpoint}         counter
//   cutover_health_checks_total{backend, endpoint, result}      counter, backends with health_check
//   cutover_route_fallback_active{route}                        gauge, routes with a fallback
#include <chrono>
#include <vector>

#include "cutover/metrics/prometheus.hpp"
#include "cutover/runtime/snapshot.hpp"

namespace cutover::process {

void append_health_samples(std::vector<metrics::Sample>& samples, const runtime::Snapshot& snapshot,
                           std::chrono::steady_clock::time_point now);

}  // namespace cutover::process
