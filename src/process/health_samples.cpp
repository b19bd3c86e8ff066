#include "process/health_samples.hpp"

#include "cutover/runtime/fallback_status.hpp"

namespace cutover::process {

void append_health_samples(std::vector<metrics::Sample>& samples, const runtime::Snapshot& snapshot,
                           std::chrono::steady_clock::time_point now) {
  using metrics::MetricType;
  std::vector<metrics::Sample> ejections;
  std::vector<metrics::Sample> checks;
  for (const auto& backend : snapshot.backends) {
    for (std::size_t i = 0; i < backend.health->size(); ++i) {
      const auto status = backend.health->status(i, now);
      const std::vector<metrics::Label> labels{{"backend", backend.name}, {"endpoint", status.address}};
      samples.push_back({"cutover_endpoint_usable",
                         "1 while the endpoint takes traffic: not ejected and passing its health checks.",
                         MetricType::kGauge, labels, status.usable ? 1.0 : 0.0});
      ejections.push_back({"cutover_endpoint_ejections_total",
                           "Times the endpoint was ejected by outlier detection (consecutive failures or 5xx).",
                           MetricType::kCounter, labels, static_cast<double>(status.ejections_total)});
      if (!backend.config->health_check.enabled) continue;
      for (const auto& [result, count] : {std::pair{"pass", status.checks_passed}, std::pair{"fail", status.checks_failed}}) {
        auto with_result = labels;
        with_result.push_back({"result", result});
        checks.push_back({"cutover_health_checks_total", "Active health checks of the endpoint, by result.",
                          MetricType::kCounter, std::move(with_result), static_cast<double>(count)});
      }
    }
  }
  samples.insert(samples.end(), ejections.begin(), ejections.end());
  samples.insert(samples.end(), checks.begin(), checks.end());
  for (const auto& route : snapshot.routes->routes()) {
    if (route.fallback < 0) continue;
    const auto status = runtime::fallback_status(snapshot, route.index, now);
    samples.push_back({"cutover_route_fallback_active",
                       "1 while some of the route's users are served by its fallback because the backend they "
                       "are bucketed to has no usable endpoint.",
                       MetricType::kGauge, {{"route", route.id}}, status.active ? 1.0 : 0.0});
  }
}

}  // namespace cutover::process
