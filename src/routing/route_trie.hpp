#pragma once
// The segment trie behind RouteTable::match(). Internal to routing.
//
// One node per pattern prefix: literal children by segment text, one parameter child (names do
// not matter for matching, so /notes/{id} and /notes/{note} share it), and two route lists per
// node: `exact` for patterns ending there and `wildcard` for patterns ending there with "any
// rest" (prefix or /*). This is the shape the table is built and checked in; requests are
// matched against its packed copy (routing/packed_trie.hpp), which walks it depth first in
// specificity order, so the first route that fits host and method is the most specific one.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routing/path_pattern.hpp"

namespace cutover::routing::detail {

inline constexpr std::uint32_t kNoRoute = UINT32_MAX;

// One route at the end of a pattern.
struct TrieEntry {
  std::uint32_t route = kNoRoute;    // index into RouteTable::routes()
  std::string host;                  // lower case, no port, no brackets; empty = any host
  std::vector<std::string> methods;  // distinct, as configured; empty = any method
};

struct TrieNode {
  std::map<std::string, std::unique_ptr<TrieNode>, std::less<>> literals;
  std::unique_ptr<TrieNode> param;
  std::vector<TrieEntry> exact;
  std::vector<TrieEntry> wildcard;
};

class RouteTrie {
 public:
  // The route list `pattern` ends in; routes appended there share the exact same request set.
  std::vector<TrieEntry>& terminal(const PathPattern& pattern);

  // Visits every non-empty route list (in insertion order until sort_by_precedence()).
  void for_each_terminal(const std::function<void(std::vector<TrieEntry>&)>& visit);

  // Orders every list host-specific first, then fewer methods first, any-method last, then by
  // route index; after this, the first fitting entry of a list is the one to use.
  void sort_by_precedence();

  const TrieNode& root() const noexcept { return root_; }

 private:
  TrieNode root_;
};

// Whether a request with this method and (bare) host meets `entry`'s conditions.
bool fits(const TrieEntry& entry, std::string_view method, std::string_view host) noexcept;

// The Host header without port, IPv6 brackets or a trailing FQDN dot; case is left as sent.
std::string_view bare_host(std::string_view host) noexcept;

}  // namespace cutover::routing::detail
