// Admin input for overrides: JSON percentages, PUT .../split bodies, checks against the config with
// messages that say what to fix, and the override builders.
#include "cutover/runtime/overrides.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cutover::runtime {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "(none)" : out;
}

std::string route_ids(const config::Config& config) {
  std::vector<std::string> ids;
  for (const auto& route : config.routes) ids.push_back(route.id);
  return join(ids);
}

std::string backend_names(const config::Config& config) {
  std::vector<std::string> names;
  for (const auto& backend : config.backends) names.push_back(backend.name);
  return join(names);
}

// The 404 for an unknown route, or nullptr with `out` set.
std::optional<OverrideError> lookup(const config::Config& config, std::string_view route_id,
                                    const config::RouteConfig*& out) {
  out = find_route(config, route_id);
  if (out) return std::nullopt;
  return OverrideError{404,
                       "no route '" + std::string(route_id) + "'; routes: " + route_ids(config)};
}

std::string single_backend_text(const config::RouteConfig& route) {
  if (route.answer.enabled) {
    return "route '" + route.id + "' answers " + std::to_string(route.answer.status) +
           " at the edge (return) and sends to no backend";
  }
  return "route '" + route.id + "' has one backend ('" + route.backend + "') and " +
         (route.rollback_to.empty() ? std::string("no rollback_to")
                                    : "its rollback_to is that same backend");
}

}  // namespace

std::optional<config::BasisPoints> basis_points_from_json(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    const auto whole = value.get<std::uint64_t>();
    if (whole > 100) return std::nullopt;
    return static_cast<config::BasisPoints>(whole * 100);
  }
  if (value.is_number_integer()) return std::nullopt;  // signed and not unsigned: negative
  if (!value.is_number_float()) return std::nullopt;
  const double percent = value.get<double>();
  if (!std::isfinite(percent) || percent < 0 || percent > 100) return std::nullopt;
  // A JSON parser turns "12.34" into the double nearest 12.34, and bp / 100.0 is correctly
  // rounded to the double nearest bp/100, so exact equality accepts precisely the two-digit
  // decimals (and nothing closer than double precision to anything else, e.g. 12.345).
  const double bp = std::round(percent * 100);
  if (bp / 100.0 != percent) return std::nullopt;
  return static_cast<config::BasisPoints>(bp);
}

double percent_value(config::BasisPoints bp) { return static_cast<double>(bp) / 100.0; }

nlohmann::json percent_json(config::BasisPoints bp) {
  if (bp % 100 == 0) return bp / 100;
  return percent_value(bp);
}

std::string percent_text(config::BasisPoints bp) {
  std::string text = std::to_string(bp / 100);
  const unsigned tenths = bp % 100 / 10;
  const unsigned hundredths = bp % 10;
  if (tenths != 0 || hundredths != 0) {
    text += '.';
    text += static_cast<char>('0' + tenths);
    if (hundredths != 0) text += static_cast<char>('0' + hundredths);
  }
  return text + "%";
}

std::optional<OverrideError> parse_split_body(const nlohmann::json& body, SplitShares& out) {
  out.clear();
  if (!body.is_object()) {
    return OverrideError{400,
                         "the body must be a JSON object of backend → percent, e.g. "
                         "{\"notes-svc\": 50}"};
  }
  std::string problems;
  for (const auto& [name, value] : body.items()) {
    const auto share = basis_points_from_json(value);
    if (!share) {
      problems += (problems.empty() ? "" : "; ") + std::string("'") + name +
                  "' must be a percentage from 0 to 100 in steps of 0.01 (e.g. 12.5), not " +
                  value.dump();
      continue;
    }
    out.emplace_back(name, *share);
  }
  if (!problems.empty()) return OverrideError{400, problems};
  std::sort(out.begin(), out.end());
  return std::nullopt;
}

std::optional<OverrideError> validate_split(const config::Config& config, std::string_view route_id,
                                            const SplitShares& split) {
  const config::RouteConfig* route = nullptr;
  if (auto error = lookup(config, route_id, route)) return error;
  if (!can_roll_back(*route)) {
    return OverrideError{409, single_backend_text(*route) +
                                  ", so it has no split to override; give it 'split' and "
                                  "'rollback_to' in the config first"};
  }
  const auto listed = overridable_backends(*route);
  const std::string may_name = "a split override of route '" + route->id +
                               "' may name: " + join(listed) + " (rollback_to '" +
                               route->rollback_to + "' takes the rest)";
  if (split.empty()) {
    return OverrideError{400, "the split names no backend; " + may_name +
                                  ". To send everything to '" + route->rollback_to +
                                  "', POST /admin/routes/" + route->id + "/rollback"};
  }
  std::vector<std::string> problems;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < split.size(); ++i) {
    const auto& [name, share] = split[i];
    total += share;
    if (share > config::kAllTraffic) {
      problems.push_back("'" + name + "' must be a percentage from 0 to 100");
    }
    if (std::any_of(split.begin(), split.begin() + static_cast<std::ptrdiff_t>(i),
                    [&](const auto& earlier) { return earlier.first == name; })) {
      problems.push_back("'" + name + "' is listed twice");
    } else if (name == route->rollback_to) {
      problems.push_back("'" + name + "' is the route's rollback_to and takes the rest; " +
                         may_name);
    } else if (!backend_index(config, name)) {
      problems.push_back("unknown backend '" + name + "'; backends: " + backend_names(config));
    } else if (std::find(listed.begin(), listed.end(), name) == listed.end()) {
      problems.push_back("backend '" + name + "' does not serve route '" + route->id + "'; " +
                         may_name);
    }
  }
  if (total > config::kAllTraffic) {
    problems.push_back("the shares add up to " +
                       percent_text(static_cast<config::BasisPoints>(
                           std::min<std::uint64_t>(total, 0xffffffffu))) +
                       ", over 100% (rollback_to '" + route->rollback_to + "' takes the rest)");
  }
  if (problems.empty()) return std::nullopt;
  std::string message;
  for (const auto& problem : problems) message += (message.empty() ? "" : "; ") + problem;
  return OverrideError{400, message};
}

std::optional<OverrideError> validate_rollback(const config::Config& config,
                                               std::string_view route_id) {
  const config::RouteConfig* route = nullptr;
  if (auto error = lookup(config, route_id, route)) return error;
  if (can_roll_back(*route)) return std::nullopt;
  return OverrideError{409, single_backend_text(*route) + "; there is nothing to roll back to"};
}

RouteOverride make_split_override(const config::RouteConfig& route, SplitShares split,
                                  std::string who, std::string why, std::int64_t at_unix) {
  std::sort(split.begin(), split.end());
  RouteOverride made;
  made.kind = RouteOverride::Kind::split;
  made.split = std::move(split);
  made.who = std::move(who);
  made.why = std::move(why);
  made.at_unix = at_unix;
  made.file_split = split_text(route);
  return made;
}

RouteOverride make_rollback_override(const config::RouteConfig& route, std::string who,
                                     std::string why, std::int64_t at_unix) {
  RouteOverride made;
  made.kind = RouteOverride::Kind::rollback;
  made.rollback_to = route.rollback_to;
  made.who = std::move(who);
  made.why = std::move(why);
  made.at_unix = at_unix;
  made.file_split = split_text(route);
  return made;
}

std::vector<std::string> rollback_all(const config::Config& config, OverrideSet& set,
                                      const std::string& who, const std::string& why,
                                      std::int64_t at_unix) {
  std::vector<std::string> rolled_back;
  for (const auto& route : config.routes) {
    if (!can_roll_back(route)) continue;
    const auto it = set.routes.find(route.id);
    if (it != set.routes.end() && it->second.kind == RouteOverride::Kind::rollback) continue;
    set.routes.insert_or_assign(route.id, make_rollback_override(route, who, why, at_unix));
    rolled_back.push_back(route.id);
  }
  return rolled_back;
}

}  // namespace cutover::runtime
