// Overrides on top of the YAML: lookups, how an override fits the current file, and the plan a
// route runs with it. Input checks and builders are in overrides_validate.cpp.
#include "cutover/runtime/overrides.hpp"

#include <algorithm>

namespace cutover::runtime {

namespace {

bool sum_fits(const SplitShares& split) {
  std::uint64_t total = 0;
  for (const auto& [name, share] : split) total += share;
  return total <= config::kAllTraffic;
}

routing::SplitPlan file_plan(const config::Config& config, const config::RouteConfig& route) {
  // value_or(0): the config passed RouteTable::build, so every name resolves.
  if (route.split.empty()) {
    return routing::single_backend(backend_index(config, route.backend).value_or(0));
  }
  std::vector<routing::WeightedBackend> targets;
  for (const auto& target : route.split) {
    targets.push_back({backend_index(config, target.backend).value_or(0), target.share});
  }
  return routing::plan_split(targets, backend_index(config, route.rollback_to).value_or(0));
}

routing::SplitPlan split_override_plan(const config::Config& config,
                                       const config::RouteConfig& route,
                                       const RouteOverride& override_) {
  auto share_of = [&](std::string_view name) -> config::BasisPoints {
    for (const auto& [backend, share] : override_.split) {
      if (backend == name) return share;
    }
    return 0;
  };
  // The file's targets first and in file order, unnamed ones at 0%: plan_split's layout depends
  // on a target's position, so keeping it is what keeps raising a share monotone.
  std::vector<routing::WeightedBackend> targets;
  const auto listed = overridable_backends(route);
  for (const auto& name : listed) {
    targets.push_back({backend_index(config, name).value_or(0), share_of(name)});
  }
  // Backends the YAML has since dropped from the route take the next positions, in name order
  // (split is sorted); when the file dropped only its last targets these are their old positions.
  for (const auto& [name, share] : override_.split) {
    if (std::find(listed.begin(), listed.end(), name) != listed.end()) continue;
    targets.push_back({backend_index(config, name).value_or(0), share});
  }
  return routing::plan_split(targets, backend_index(config, route.rollback_to).value_or(0));
}

std::string changed_text(const RouteOverride& override_, const config::RouteConfig& route) {
  return "the file's split changed since the override was set (was '" + override_.file_split +
         "', now '" + split_text(route) + "')";
}

// The file now says what the override says (an operator folded it into the YAML): the override
// is harmless but should go, so the next YAML edit is not silently ignored.
bool file_matches(const config::RouteConfig& route, const RouteOverride& override_) {
  for (const auto& target : route.split) {
    config::BasisPoints wanted = 0;
    if (override_.kind == RouteOverride::Kind::split) {
      for (const auto& [name, share] : override_.split) {
        if (name == target.backend) wanted = share;
      }
    }
    if (target.share != wanted) return false;
  }
  if (override_.kind == RouteOverride::Kind::split) {
    for (const auto& [name, share] : override_.split) {
      if (share == 0) continue;
      bool listed = false;
      for (const auto& target : route.split) listed = listed || target.backend == name;
      if (!listed) return false;
    }
  }
  return true;
}

std::string matches_text(const RouteOverride& override_, const config::RouteConfig& route) {
  return "the file's split changed since the override was set (was '" + override_.file_split +
         "', now '" + split_text(route) + "') and now says the same as the override: nothing moves when it goes";
}

OverrideFit fit_rollback(const config::Config& config, const config::RouteConfig& route,
                         const RouteOverride& override_) {
  const std::string& target = override_.rollback_to;
  if (!backend_index(config, target)) {
    if (can_roll_back(route)) {
      return {true, true,
              "backend '" + target + "' is gone from the config; everything goes to " +
                  "the route's rollback_to '" + route.rollback_to + "' instead"};
    }
    return {false, true,
            "backend '" + target +
                "' is gone from the config and the route has no rollback_to; the "
                "file decides"};
  }
  const std::string holds = "; the rollback still sends everything to '" + target + "'";
  if (route.rollback_to != target) {
    return {
        true, true,
        (route.rollback_to.empty() ? std::string("the route has no rollback_to any more")
                                   : "the file's rollback_to is now '" + route.rollback_to + "'") +
            holds};
  }
  if (override_.file_split != split_text(route)) {
    if (file_matches(route, override_)) return {true, true, matches_text(override_, route)};
    return {true, true, changed_text(override_, route) + holds};
  }
  return {true, false, {}};
}

OverrideFit fit_split(const config::Config& config, const config::RouteConfig& route,
                      const RouteOverride& override_) {
  const std::string file_decides = "; the override is not applied, the file decides";
  if (!can_roll_back(route)) {
    return {false, true, "the route has no rollback_to any more to take the rest" + file_decides};
  }
  if (!sum_fits(override_.split))
    return {false, true, "its shares add up to over 100%" + file_decides};
  const auto listed = overridable_backends(route);
  std::vector<std::string> extras;
  for (const auto& [name, share] : override_.split) {
    if (!backend_index(config, name)) {
      return {false, true,
              "it names backend '" + name + "', which the config no longer has" + file_decides};
    }
    if (name == route.rollback_to) {
      return {false, true, "it names '" + name + "', now the route's rollback_to" + file_decides};
    }
    if (std::find(listed.begin(), listed.end(), name) == listed.end()) extras.push_back(name);
  }
  if (!extras.empty()) {
    std::string names;
    for (const auto& name : extras) names += (names.empty() ? "'" : ", '") + name + "'";
    return {true, true,
            "it names " + names + ", no longer among the route's backends in the " +
                "file; the override still applies"};
  }
  if (override_.file_split != split_text(route)) {
    if (file_matches(route, override_)) return {true, true, matches_text(override_, route)};
    return {true, true, changed_text(override_, route) + "; the override still applies"};
  }
  return {true, false, {}};
}

}  // namespace

const RouteOverride* OverrideSet::find(std::string_view route_id) const {
  const auto it = routes.find(route_id);
  return it == routes.end() ? nullptr : &it->second;
}

bool can_roll_back(const config::RouteConfig& route) {
  if (route.rollback_to.empty()) return false;
  return !route.split.empty() || route.backend != route.rollback_to;
}

const config::RouteConfig* find_route(const config::Config& config, std::string_view id) {
  for (const auto& route : config.routes) {
    if (route.id == id) return &route;
  }
  return nullptr;
}

std::optional<std::uint16_t> backend_index(const config::Config& config, std::string_view name) {
  for (std::size_t i = 0; i < config.backends.size(); ++i) {
    if (config.backends[i].name == name) return static_cast<std::uint16_t>(i);
  }
  return std::nullopt;
}

std::vector<std::string> overridable_backends(const config::RouteConfig& route) {
  std::vector<std::string> names;
  if (!route.split.empty()) {
    for (const auto& target : route.split) names.push_back(target.backend);
  } else if (can_roll_back(route)) {
    names.push_back(route.backend);
  }
  return names;
}

std::string split_text(const config::RouteConfig& route) {
  if (route.split.empty()) {
    return route.rollback_to.empty() ? route.backend
                                     : route.backend + ", rollback_to " + route.rollback_to;
  }
  std::string text;
  for (const auto& target : route.split) {
    text += target.backend + " " + percent_text(target.share) + ", ";
  }
  return text + "rest " + route.rollback_to;
}

OverrideFit fit_override(const config::Config& config, const config::RouteConfig& route,
                         const RouteOverride& override_) {
  OverrideFit fit = override_.kind == RouteOverride::Kind::rollback
                        ? fit_rollback(config, route, override_)
                        : fit_split(config, route, override_);
  if (fit.stale)
    fit.reason += " (DELETE /admin/routes/" + route.id + "/override to follow the file)";
  return fit;
}

const RouteOverride* applied_override(const config::Config& config,
                                      const config::RouteConfig& route,
                                      const OverrideSet& overrides) {
  const RouteOverride* found = overrides.find(route.id);
  return found && fit_override(config, route, *found).applied ? found : nullptr;
}

routing::SplitPlan effective_plan(const config::Config& config, const config::RouteConfig& route,
                                  const RouteOverride* override_) {
  if (override_ == nullptr || !fit_override(config, route, *override_).applied) {
    return file_plan(config, route);
  }
  if (override_->kind == RouteOverride::Kind::split) {
    return split_override_plan(config, route, *override_);
  }
  // One band over every bucket: no bucket, band edge or stale plan can reach another backend.
  const auto target = backend_index(config, override_->rollback_to);
  return routing::single_backend(target ? *target
                                        : backend_index(config, route.rollback_to).value_or(0));
}

}  // namespace cutover::runtime
