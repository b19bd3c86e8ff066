#pragma once
// A route's `path:` or `prefix:` compiled into segments for the route trie. Internal to routing.
//
//   path: /healthz            exact: literal "healthz", ends here
//   path: /api/notes/{id}     literal, literal, one whole non-empty segment
//   path: /static/*           literal "static", then zero or more further segments
//   prefix: /api  (= /api/)   literal "api", then zero or more further segments
//
// Literals are normalized like request paths (routing/pchar.hpp), so "/caf%c3%a9" and
// "/%61pi" compile to the literals a normalized request carries ("caf%C3%A9", "api").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cutover::routing::detail {

struct PatternSegment {
  bool is_param = false;
  std::string text;  // normalized literal, or the parameter's name
};

struct PathPattern {
  std::vector<PatternSegment> segments;
  bool wildcard = false;      // trailing /* or prefix: any further segments, including none
  std::string never_matches;  // non-empty: why no normalized path can match (".." segment, "//")
};

// Compiles `text` as a path (exact/template) or a prefix. On failure returns nullopt and sets
// `error` to why, phrased to follow "path '/x': ".
std::optional<PathPattern> compile_pattern(std::string_view text, bool is_prefix,
                                           std::string& error);

}  // namespace cutover::routing::detail
