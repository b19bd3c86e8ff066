// Exact user movement between split plans, and the per-route dry run of a reload.
#include "cutover/runtime/plan_diff.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

namespace cutover::runtime {

namespace {

// Calls visit(begin, end) for every maximal run of buckets on which neither plan changes owner.
// Owners are constant between consecutive band edges of the two plans, so probing each run's
// first bucket with pick() decides the whole run.
template <typename Visit>
void for_each_run(const routing::SplitPlan& before, const routing::SplitPlan& after, Visit visit) {
  std::vector<std::uint32_t> edges{0, routing::kBucketCount};
  for (const auto* plan : {&before, &after}) {
    for (const auto& band : plan->bands) {
      edges.push_back(std::min(band.begin, routing::kBucketCount));
      edges.push_back(std::min(band.end, routing::kBucketCount));
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  for (std::size_t i = 0; i + 1 < edges.size(); ++i) visit(edges[i], edges[i + 1]);
}

const std::string& name_of(const config::Config& config, std::uint16_t index) {
  static const std::string unknown = "?";
  return index < config.backends.size() ? config.backends[index].name : unknown;
}

std::string cohort_of(const config::RouteConfig& route) {
  return route.cohort.empty() ? route.id : route.cohort;
}

std::string_view sticky_text(config::Sticky sticky) {
  switch (sticky) {
    case config::Sticky::user:
      return "user";
    case config::Sticky::cookie:
      return "cookie";
    case config::Sticky::none:
      return "none";
  }
  return "?";
}

// Independent bucket hashes: a user on `a` before lands on `b` after with P(a) * P(b).
std::vector<NamedMove> expected_moves(const std::vector<BackendShare>& before,
                                      const std::vector<BackendShare>& after) {
  std::vector<NamedMove> moves;
  for (const auto& a : before) {
    for (const auto& b : after) {
      if (a.backend == b.backend) continue;
      const auto share = static_cast<config::BasisPoints>(
          (std::uint64_t{a.share} * b.share + config::kAllTraffic / 2) / config::kAllTraffic);
      if (share > 0) moves.push_back({a.backend, b.backend, share});
    }
  }
  std::sort(moves.begin(), moves.end(), [](const NamedMove& x, const NamedMove& y) {
    return std::tie(x.from, x.to) < std::tie(y.from, y.to);
  });
  return moves;
}

void note_override(const config::Config& config, const config::RouteConfig& route,
                   const OverrideSet& overrides, RouteDiff& diff) {
  const RouteOverride* override_ = overrides.find(route.id);
  if (!override_) return;
  const auto fit = fit_override(config, route, *override_);
  if (fit.stale) {
    diff.notes.push_back("after the reload the override is stale: " + fit.reason);
  } else {
    diff.notes.push_back("an override decides this route; the file's split is not in effect");
  }
}

RouteDiff diff_route(const config::Config& before_config, const config::RouteConfig& before,
                     const config::Config& after_config, const config::RouteConfig& after,
                     const OverrideSet& overrides) {
  RouteDiff diff;
  diff.id = after.id;
  const RouteOverride* override_ = overrides.find(after.id);
  const auto before_plan = effective_plan(before_config, before, override_);
  const auto after_plan = effective_plan(after_config, after, override_);
  diff.before_split = plan_shares(before_config, before, before_plan);
  diff.after_split = plan_shares(after_config, after, after_plan);
  const bool rebucketed = cohort_of(before) != cohort_of(after) ||
                          (before.sticky != after.sticky && before.sticky != config::Sticky::none &&
                           after.sticky != config::Sticky::none);
  if (rebucketed && routing::splits(before_plan) && routing::splits(after_plan)) {
    diff.exact = false;
    diff.moves = expected_moves(diff.before_split, diff.after_split);
    diff.notes.push_back("buckets change (cohort '" + cohort_of(before) + "' -> '" +
                         cohort_of(after) + "', sticky " + std::string(sticky_text(before.sticky)) +
                         " -> " + std::string(sticky_text(after.sticky)) +
                         "): users are re-bucketed at random; moves are expected values");
  } else {
    diff.moves = moved_share(before_config, before_plan, after_config, after_plan);
  }
  if (before.sticky == config::Sticky::none || after.sticky == config::Sticky::none) {
    diff.exact = false;
    diff.notes.push_back(
        "sticky: none picks per request, so users are not sticky; moves are "
        "the shift in traffic share");
  }
  if (before.answer.enabled || after.answer.enabled) {
    // A route that answers at the edge has no backend for users to move to or from.
    diff.moves.clear();
    diff.exact = true;
    if (before.answer.status != after.answer.status || before.answer.enabled != after.answer.enabled) {
      diff.notes.push_back(after.answer.enabled
                               ? "the route will answer " + std::to_string(after.answer.status) + " at the edge (return)"
                               : "the route will send to its backends again instead of answering at the edge");
    }
  }
  diff.moved = total_moved(diff.moves);
  const bool buckets_differ =
      cohort_of(before) != cohort_of(after) || before.sticky != after.sticky;
  const bool changed =
      diff.moved > 0 || diff.before_split != diff.after_split || before.answer.enabled != after.answer.enabled ||
      before.answer.status != after.answer.status ||
      (buckets_differ && (routing::splits(before_plan) || routing::splits(after_plan)));
  diff.change = changed ? RouteDiff::Change::changed : RouteDiff::Change::unchanged;
  note_override(after_config, after, overrides, diff);
  return diff;
}

}  // namespace

std::vector<Move> moved_share(const routing::SplitPlan& before, const routing::SplitPlan& after) {
  std::map<std::pair<std::uint16_t, std::uint16_t>, config::BasisPoints> moved;
  for_each_run(before, after, [&](std::uint32_t begin, std::uint32_t end) {
    const auto from = routing::pick(before, begin);
    const auto to = routing::pick(after, begin);
    if (from != to) moved[{from, to}] += end - begin;
  });
  std::vector<Move> moves;
  for (const auto& [key, share] : moved) moves.push_back({key.first, key.second, share});
  return moves;
}

std::vector<NamedMove> moved_share(const config::Config& before_config,
                                   const routing::SplitPlan& before,
                                   const config::Config& after_config,
                                   const routing::SplitPlan& after) {
  std::map<std::pair<std::string, std::string>, config::BasisPoints> moved;
  for_each_run(before, after, [&](std::uint32_t begin, std::uint32_t end) {
    const auto& from = name_of(before_config, routing::pick(before, begin));
    const auto& to = name_of(after_config, routing::pick(after, begin));
    if (from != to) moved[{from, to}] += end - begin;
  });
  std::vector<NamedMove> moves;
  for (const auto& [key, share] : moved) moves.push_back({key.first, key.second, share});
  return moves;
}

std::vector<RouteDiff> diff_configs(const config::Config& before, const config::Config& after,
                                    const OverrideSet& overrides) {
  std::vector<RouteDiff> diffs;
  for (const auto& route : after.routes) {
    if (const auto* old = find_route(before, route.id)) {
      diffs.push_back(diff_route(before, *old, after, route, overrides));
      continue;
    }
    RouteDiff added;
    added.id = route.id;
    added.change = RouteDiff::Change::added;
    added.after_split =
        plan_shares(after, route, effective_plan(after, route, overrides.find(route.id)));
    added.notes.push_back(
        "new route: the requests it matches were served by other routes (or "
        "got 404) before");
    note_override(after, route, overrides, added);
    diffs.push_back(std::move(added));
  }
  for (const auto& route : before.routes) {
    if (find_route(after, route.id)) continue;
    RouteDiff removed;
    removed.id = route.id;
    removed.change = RouteDiff::Change::removed;
    removed.before_split =
        plan_shares(before, route, effective_plan(before, route, overrides.find(route.id)));
    removed.notes.push_back("route removed: its requests will match other routes (or get 404)");
    if (overrides.find(route.id)) {
      removed.notes.push_back("its override is kept as orphaned until deleted");
    }
    diffs.push_back(std::move(removed));
  }
  return diffs;
}

std::string_view to_string(RouteDiff::Change change) {
  switch (change) {
    case RouteDiff::Change::unchanged:
      return "unchanged";
    case RouteDiff::Change::changed:
      return "changed";
    case RouteDiff::Change::added:
      return "added";
    case RouteDiff::Change::removed:
      return "removed";
  }
  return "?";
}

nlohmann::json to_json(const RouteDiff& diff) {
  auto shares = [](const std::vector<BackendShare>& list) {
    auto out = nlohmann::json::array();
    for (const auto& share : list) {
      out.push_back({{"backend", share.backend}, {"percent", percent_json(share.share)}});
    }
    return out;
  };
  auto moves = nlohmann::json::array();
  for (const auto& move : diff.moves) {
    moves.push_back(
        {{"from", move.from}, {"to", move.to}, {"percent", percent_json(move.basis_points)}});
  }
  return {{"id", diff.id},
          {"change", to_string(diff.change)},
          {"exact", diff.exact},
          {"moved_percent", percent_json(diff.moved)},
          {"moves", std::move(moves)},
          {"before", shares(diff.before_split)},
          {"after", shares(diff.after_split)},
          {"notes", diff.notes}};
}

}  // namespace cutover::runtime
