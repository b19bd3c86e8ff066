#pragma once
// What a change of plan does to users, exactly: which part of the bucket space changes backend.
// A bucket is 1/10,000 of users (one basis point), and plans are bands over the buckets, so
// interval arithmetic over the band edges gives the exact share, with no sampling. This backs
// POST /admin/reload?dry_run=1 ("the exact percentage of users that would move").
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "cutover/config/config.hpp"
#include "cutover/routing/split.hpp"
#include "cutover/runtime/overrides.hpp"
#include "cutover/runtime/overrides_describe.hpp"

namespace cutover::runtime {

struct Move {
  std::uint16_t from = 0;  // backend indexes, as in the plans
  std::uint16_t to = 0;
  config::BasisPoints basis_points = 0;  // share of all buckets (users) moving from → to

  bool operator==(const Move&) const = default;
};

// Plans over the same backend indexes (one config). Sorted by (from, to); no zero entries.
std::vector<Move> moved_share(const routing::SplitPlan& before, const routing::SplitPlan& after);

struct NamedMove {
  std::string from;
  std::string to;
  config::BasisPoints basis_points = 0;

  bool operator==(const NamedMove&) const = default;
};

// Plans from two configs (a reload): indexes may shift when backends are added or reordered, so
// owners are compared by name. Sorted by (from, to).
std::vector<NamedMove> moved_share(const config::Config& before_config,
                                   const routing::SplitPlan& before,
                                   const config::Config& after_config,
                                   const routing::SplitPlan& after);

template <typename M>
config::BasisPoints total_moved(const std::vector<M>& moves) {
  config::BasisPoints total = 0;
  for (const auto& move : moves) total += move.basis_points;
  return total;
}

struct RouteDiff {
  enum class Change { unchanged, changed, added, removed };
  std::string id;
  Change change = Change::unchanged;
  std::vector<BackendShare> before_split;  // effective, overrides applied; empty when added
  std::vector<BackendShare> after_split;   // effective, overrides applied; empty when removed
  std::vector<NamedMove> moves;
  config::BasisPoints moved = 0;  // sum of moves
  // False when buckets themselves change (cohort, or sticky user <-> cookie: users re-bucket at
  // random, moves are the expected value) or sticky is none (requests, not users, are split:
  // moves are the shift of traffic share).
  bool exact = true;
  std::vector<std::string> notes;  // plain words: why not exact, override now stale, ...
};

// The dry run of a reload: every route of either config, file order (after's, then removed
// ones), each side's effective plan with `overrides` applied.
std::vector<RouteDiff> diff_configs(const config::Config& before, const config::Config& after,
                                    const OverrideSet& overrides);

std::string_view to_string(RouteDiff::Change change);
// {"id", "change", "exact", "moved_percent", "moves": [{"from", "to", "percent"}],
//  "before": [...], "after": [...], "notes": [...]}
nlohmann::json to_json(const RouteDiff& diff);

}  // namespace cutover::runtime
