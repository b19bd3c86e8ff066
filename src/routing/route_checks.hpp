#pragma once
// Checks across routes that share one trie terminal (same path pattern), plus the small helpers
// build() uses to phrase diagnostics. Internal to routing.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/config/config.hpp"
#include "routing/route_trie.hpp"

namespace cutover::routing::detail {

// Methods a route may list but the gateway never forwards (CONNECT opens a tunnel, it is not a
// request to a backend), so listing them can't make the route match.
inline bool is_unproxyable(std::string_view method) { return method == "CONNECT"; }

// The first mark that carries a line, so a diagnostic points as close to the cause as the
// parser recorded.
inline config::Mark first_set(std::initializer_list<config::Mark> marks) {
  for (const auto& mark : marks) {
    if (mark.line > 0) return mark;
  }
  return {};
}

// "route 'id'", or "route #N" (1-based) for a route without an id.
std::string route_name(const config::RouteConfig& route, std::size_t index);

std::string join(const std::vector<std::string>& items);

// A diagnostic about one route, reported by the caller once all terminals were checked.
struct Finding {
  std::uint32_t route = 0;
  bool error = false;
  config::Mark mark;
  std::string message;
};

// `entries` are the routes (file order) ending at one terminal, so they match the same paths.
// Same host, overlapping methods and equal precedence (both any-method, or explicit sets of the
// same size) is ambiguous: an error at the later route. Sets of different sizes are ordered by
// precedence (fewer methods first), so overlap there is fine unless a route's every method is
// taken by smaller sets: a warning that it can never match.
void check_same_pattern(const std::vector<TrieEntry>& entries, const config::Config& config,
                        std::vector<Finding>& findings);

}  // namespace cutover::routing::detail
