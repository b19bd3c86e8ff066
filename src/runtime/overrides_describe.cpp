// GET /admin/routes' view of splits and overrides.
#include "cutover/runtime/overrides_describe.hpp"

#include <algorithm>
#include <ctime>

#include <nlohmann/json.hpp>

#include "cutover/runtime/state_file.hpp"

namespace cutover::runtime {

namespace {

nlohmann::json shares_json(const std::vector<BackendShare>& shares) {
  auto out = nlohmann::json::array();
  for (const auto& share : shares) {
    nlohmann::json entry{{"backend", share.backend}, {"percent", percent_json(share.share)}};
    if (share.rollback_to) entry["rollback_to"] = true;
    out.push_back(std::move(entry));
  }
  return out;
}

nlohmann::json override_json(const RouteOverride& override_, const OverrideFit& fit) {
  auto out = to_json(override_);
  out.erase("file_split");  // bookkeeping for staleness; stale_reason quotes it when it matters
  out["at"] = utc_text(override_.at_unix);
  out["applied"] = fit.applied;
  out["stale"] = fit.stale;
  if (fit.stale) out["stale_reason"] = fit.reason;
  return out;
}

}  // namespace

std::vector<BackendShare> plan_shares(const config::Config& config,
                                      const config::RouteConfig& route,
                                      const routing::SplitPlan& plan) {
  if (route.answer.enabled) return {};
  auto name_of = [&](std::uint16_t index) {
    return index < config.backends.size() ? config.backends[index].name : std::string("?");
  };
  std::vector<std::string> order = overridable_backends(route);
  auto add = [&](const std::string& name) {
    if (!name.empty() && std::find(order.begin(), order.end(), name) == order.end())
      order.push_back(name);
  };
  for (const auto& band : plan.bands) {
    if (band.backend != plan.rollback_to) add(name_of(band.backend));
  }
  add(name_of(plan.rollback_to));
  add(route.rollback_to);

  std::vector<BackendShare> shares;
  for (const auto& name : order) shares.push_back({name, 0, name == route.rollback_to});
  auto credit = [&](std::uint16_t index, std::uint32_t buckets) {
    const auto name = name_of(index);
    for (auto& share : shares) {
      if (share.backend == name) share.share += buckets;
    }
  };
  std::uint32_t covered = 0;
  for (const auto& band : plan.bands) {
    credit(band.backend, band.end - band.begin);
    covered += band.end - band.begin;
  }
  // Buckets and basis points are the same unit: 10,000 of each.
  static_assert(routing::kBucketCount == config::kAllTraffic);
  credit(plan.rollback_to, routing::kBucketCount - std::min(covered, routing::kBucketCount));
  return shares;
}

RouteReport describe_route(const config::Config& config, const config::RouteConfig& route,
                           const OverrideSet& overrides) {
  RouteReport report;
  report.id = route.id;
  if (route.answer.enabled) report.answers = route.answer.status;
  const RouteOverride* override_ = overrides.find(route.id);
  report.file_split = plan_shares(config, route, effective_plan(config, route, nullptr));
  report.effective_split = plan_shares(config, route, effective_plan(config, route, override_));
  if (override_) {
    report.override_ = *override_;
    report.fit = fit_override(config, route, *override_);
  }
  return report;
}

std::vector<OrphanedOverride> orphaned_overrides(const config::Config& config,
                                                 const OverrideSet& overrides) {
  std::vector<OrphanedOverride> orphans;
  for (const auto& [id, override_] : overrides.routes) {
    if (find_route(config, id)) continue;
    orphans.push_back({id, override_,
                       "route '" + id + "' is no longer in the config; nothing is applied " +
                           "(DELETE /admin/routes/" + id + "/override to drop it)"});
  }
  return orphans;
}

OverridesReport describe_routes(const config::Config& config, const OverrideSet& overrides) {
  OverridesReport report;
  for (const auto& route : config.routes) {
    report.routes.push_back(describe_route(config, route, overrides));
  }
  report.orphaned = orphaned_overrides(config, overrides);
  return report;
}

std::string utc_text(std::int64_t at_unix) {
  const auto seconds = static_cast<std::time_t>(at_unix);
  std::tm parts{};
  if (gmtime_r(&seconds, &parts) == nullptr) return std::to_string(at_unix);
  char text[32];
  const auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return length == 0 ? std::to_string(at_unix) : std::string(text, length);
}

nlohmann::json to_json(const RouteReport& report) {
  nlohmann::json out{{"id", report.id},
                     {"file_split", shares_json(report.file_split)},
                     {"effective_split", shares_json(report.effective_split)},
                     {"override", nullptr}};
  if (report.answers) out["return"] = {{"status", *report.answers}};
  if (report.override_) out["override"] = override_json(*report.override_, report.fit);
  return out;
}

nlohmann::json to_json(const OverridesReport& report) {
  nlohmann::json out{{"routes", nlohmann::json::array()},
                     {"orphaned_overrides", nlohmann::json::array()}};
  for (const auto& route : report.routes) out["routes"].push_back(to_json(route));
  for (const auto& orphan : report.orphaned) {
    const OverrideFit fit{false, true, orphan.reason};
    out["orphaned_overrides"].push_back(
        {{"route", orphan.route_id}, {"override", override_json(orphan.override_, fit)}});
  }
  return out;
}

}  // namespace cutover::runtime
