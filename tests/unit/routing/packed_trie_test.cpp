// The packed route trie answers exactly as the specificity rules say (route_table.hpp): checked
// against a brute-force reference on random tables and paths, and on the shapes the packing
// treats specially (segments too long to sit in a slot, hashed child tables, odd entry counts).
#include "routing/packed_trie.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "routing/path_pattern.hpp"
#include "routing/route_trie.hpp"

namespace cutover::routing::detail {
namespace {

struct TestRoute {
  PathPattern pattern;
  TrieEntry entry;
};

PathPattern compile(std::string_view text, bool is_prefix) {
  std::string error;
  auto pattern = compile_pattern(text, is_prefix, error);
  EXPECT_TRUE(pattern) << text << ": " << error;
  return pattern ? *pattern : PathPattern{};
}

PackedTrie pack(const std::vector<TestRoute>& routes) {
  RouteTrie trie;
  for (const auto& route : routes) trie.terminal(route.pattern).push_back(route.entry);
  trie.sort_by_precedence();
  return PackedTrie(trie);
}

// How well `pattern` matches `segments`, as a sequence compared lexicographically: per pattern
// segment 3 (literal) or 2 (parameter), then 3 for an exact end or 1 for "any rest". Empty when
// it does not match.
std::vector<int> rank(const PathPattern& pattern, const std::vector<std::string>& segments) {
  if (pattern.segments.size() > segments.size()) return {};
  if (!pattern.wildcard && pattern.segments.size() != segments.size()) return {};
  std::vector<int> out;
  for (std::size_t i = 0; i < pattern.segments.size(); ++i) {
    const auto& segment = pattern.segments[i];
    if (segment.is_param) {
      if (segments[i].empty()) return {};
      out.push_back(2);
    } else {
      if (segment.text != segments[i]) return {};
      out.push_back(3);
    }
  }
  out.push_back(pattern.wildcard ? 1 : 3);
  return out;
}

// Host and method conditions, read independently of fits(): a configured host is lower case,
// the request's is compared without case; no methods listed means any.
bool meets(const TrieEntry& entry, std::string_view method, std::string_view host) {
  if (!entry.host.empty()) {
    std::string lower(host);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != entry.host) return false;
  }
  return entry.methods.empty() ||
         std::find(entry.methods.begin(), entry.methods.end(), method) != entry.methods.end();
}

// The brute-force answer: the best-ranked fitting route; among routes of the same pattern,
// host-specific first, then fewer methods (any method last), then file order.
std::uint32_t reference(const std::vector<TestRoute>& routes, std::string_view method,
                        std::string_view host, std::string_view path) {
  std::vector<std::string> segments;
  std::string_view rest = path.substr(1);
  for (;;) {
    const auto slash = rest.find('/');
    segments.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  std::optional<std::tuple<std::vector<int>, bool, std::size_t, std::uint32_t>> best;
  for (const auto& route : routes) {
    auto r = rank(route.pattern, segments);
    if (r.empty() || !meets(route.entry, method, host)) continue;
    const std::size_t methods = route.entry.methods.empty() ? SIZE_MAX : route.entry.methods.size();
    // Larger rank wins; then the smaller (no-host flag, methods, index).
    auto key = std::make_tuple(std::move(r), route.entry.host.empty(), methods, route.entry.route);
    if (!best || std::get<0>(key) > std::get<0>(*best) ||
        (std::get<0>(key) == std::get<0>(*best) &&
         std::tie(std::get<1>(key), std::get<2>(key), std::get<3>(key)) <
             std::tie(std::get<1>(*best), std::get<2>(*best), std::get<3>(*best)))) {
      best = std::move(key);
    }
  }
  return best ? std::get<3>(*best) : kNoRoute;
}

TestRoute route(std::uint32_t index, std::string_view text, bool is_prefix = false,
                std::string host = {}, std::vector<std::string> methods = {}) {
  return {compile(text, is_prefix), TrieEntry{index, std::move(host), std::move(methods)}};
}

TEST(PackedTrie, AnEmptyTableMatchesNothing) {
  const PackedTrie empty;
  EXPECT_EQ(empty.match("GET", "a", "/"), kNoRoute);
  const PackedTrie packed_empty = pack({});
  EXPECT_EQ(packed_empty.match("GET", "a", "/"), kNoRoute);
  EXPECT_EQ(packed_empty.match("GET", "a", "/x/y"), kNoRoute);
}

TEST(PackedTrie, SegmentsOfAnyLengthAreComparedWhole) {
  // A slot holds up to kInlineText bytes itself; longer segments are kept aside.
  const std::string eleven(PackedTrie::kInlineText, 'a');
  const std::string twelve(PackedTrie::kInlineText + 1, 'a');
  const std::string long_one(300, 'b');
  const std::vector<TestRoute> routes = {
      route(0, "/" + eleven),       route(1, "/" + twelve),
      route(2, "/" + long_one + "/x"), route(3, "/" + twelve + "/" + long_one, true),
      route(4, "/", true),
  };
  const auto packed = pack(routes);
  EXPECT_EQ(packed.match("GET", "", "/" + eleven), 0u);
  EXPECT_EQ(packed.match("GET", "", "/" + twelve), 1u);
  EXPECT_EQ(packed.match("GET", "", "/" + long_one + "/x"), 2u);
  EXPECT_EQ(packed.match("GET", "", "/" + twelve + "/" + long_one + "/deeper"), 3u);
  // Prefixes and extensions of the stored segments are other segments.
  EXPECT_EQ(packed.match("GET", "", "/" + std::string(10, 'a')), 4u);
  EXPECT_EQ(packed.match("GET", "", "/" + std::string(13, 'a')), 4u);
  EXPECT_EQ(packed.match("GET", "", "/" + std::string(299, 'b') + "/x"), 4u);
  EXPECT_EQ(packed.match("GET", "", "/" + std::string(301, 'b') + "/x"), 4u);
  EXPECT_EQ(packed.match("GET", "", "/" + std::string(299, 'b') + "c/x"), 4u) << "same size";
  EXPECT_EQ(packed.match("GET", "", "/" + std::string(10, 'a') + "b"), 4u) << "same size";
  EXPECT_EQ(packed.match("GET", "", "/" + twelve + "/" + std::string(300, 'c')), 4u);
}

TEST(PackedTrie, ManyChildrenAreFoundThroughTheTable) {
  // More than kLinearLimit children: a hashed table, here with long and short segments mixed.
  std::vector<TestRoute> routes;
  for (std::uint32_t i = 0; i < 500; ++i) {
    const std::string segment = i % 2 ? "s" + std::to_string(i) : "segment-number-" + std::to_string(i);
    routes.push_back(route(i, "/" + segment + "/items"));
  }
  routes.push_back(route(500, "/", true));
  const auto packed = pack(routes);
  for (std::uint32_t i = 0; i < 500; ++i) {
    const std::string segment = i % 2 ? "s" + std::to_string(i) : "segment-number-" + std::to_string(i);
    ASSERT_EQ(packed.match("GET", "", "/" + segment + "/items"), i) << segment;
    ASSERT_EQ(packed.match("GET", "", "/" + segment + "/other"), 500u) << segment;
  }
  EXPECT_EQ(packed.match("GET", "", "/s500/items"), 500u);
  EXPECT_EQ(packed.match("GET", "", "/segment-number-1/items"), 500u);
}

TEST(PackedTrie, ConditionsAndOddEntryCountsKeepTheirOrder) {
  // Three entries on one node (cells hold two), then a literal child's slot after them.
  const std::vector<TestRoute> routes = {
      route(0, "/a", false, {}, {"GET", "POST"}), route(1, "/a", false, "h1"),
      route(2, "/a", false, {}, {"PUT"}),         route(3, "/a/b"),
      route(4, "/a", true, "h2"),                 route(5, "/", true),
  };
  const auto packed = pack(routes);
  EXPECT_EQ(packed.match("GET", "h1", "/a"), 1u) << "a host beats methods";
  EXPECT_EQ(packed.match("PUT", "h3", "/a"), 2u) << "fewer methods first";
  EXPECT_EQ(packed.match("POST", "h3", "/a"), 0u);
  EXPECT_EQ(packed.match("DELETE", "h2", "/a"), 4u) << "no exact fits: the node's wildcard";
  EXPECT_EQ(packed.match("DELETE", "h3", "/a"), 5u) << "nothing fits here: back to the root";
  EXPECT_EQ(packed.match("DELETE", "h3", "/a/b"), 3u);
  EXPECT_EQ(packed.match("GET", "h2", "/a/c"), 4u);
}

// Segments of every size the packing treats differently: short ones held in a slot (up to 11
// bytes), and longer ones kept aside, some sharing a long prefix.
const std::vector<std::string>& random_literals() {
  static const std::vector<std::string> literals = {
      "a", "b", "items", "abcdefghijk", "abcdefghijkl", "", std::string(40, 'x'),
      std::string(40, 'x') + "y", std::string(200, 'z')};
  return literals;
}

template <class Range>
const auto& pick(std::mt19937& rng, const Range& from) {
  return from[rng() % from.size()];
}

// A route's path or prefix text: literals, parameters and "nN" segments (many of those under
// one node make a hashed child table).
std::string random_pattern_text(std::mt19937& rng) {
  std::string text;
  const int depth = 1 + static_cast<int>(rng() % 4);
  for (int d = 0; d < depth; ++d) {
    const auto roll = rng() % 10;
    text += "/";
    if (roll < 2) {
      text += "{p" + std::to_string(d) + "}";
    } else if (roll < 4) {
      text += "n" + std::to_string(rng() % 30);
    } else {
      text += pick(rng, random_literals());
    }
  }
  return text;
}

// A normalized request path from the same pieces, plus "zz" that no route names; now and then
// an empty segment where a pattern cannot have one.
std::string random_path(std::mt19937& rng) {
  std::string path;
  const int depth = 1 + static_cast<int>(rng() % 5);
  for (int d = 0; d < depth; ++d) {
    const auto roll = rng() % 10;
    path += "/";
    if (roll < 3) {
      path += "n" + std::to_string(rng() % 30);
    } else if (roll < 4) {
      path += "zz";
    } else if (d + 1 < depth || roll < 8) {
      const std::string& literal = pick(rng, random_literals());
      path += literal.empty() ? "a" : literal;  // only the last segment may be empty
    }
  }
  if (rng() % 20 == 0) path.insert(path.find('/', 1) == std::string::npos ? 0 : path.find('/', 1), "/");
  return path;
}

TEST(PackedTrie, RandomTablesMatchTheReference) {
  std::mt19937 rng(20261122);
  const std::vector<std::string> hosts = {"", "h1", "h2"};
  const std::vector<std::vector<std::string>> method_sets = {{}, {"GET"}, {"GET", "POST"}, {"PUT"}};
  const std::vector<std::string> methods = {"GET", "POST", "PUT", "DELETE"};
  const std::vector<std::string> request_hosts = {"h1", "h2", "h3", "H1", "hX", ""};
  int compared = 0;
  int matched = 0;
  for (int table = 0; table < 300; ++table) {
    std::vector<TestRoute> routes;
    const int count = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < count; ++i) {
      std::string text = random_pattern_text(rng);
      const bool is_prefix = rng() % 4 == 0;
      if (!is_prefix && rng() % 5 == 0) text += "/*";
      std::string error;
      auto pattern = compile_pattern(text, is_prefix, error);
      if (!pattern || !pattern->never_matches.empty()) continue;
      routes.push_back({std::move(*pattern), TrieEntry{static_cast<std::uint32_t>(routes.size()),
                                                       pick(rng, hosts), pick(rng, method_sets)}});
    }
    const auto packed = pack(routes);
    for (int probe = 0; probe < 200; ++probe) {
      const std::string path = random_path(rng);
      const std::string& method = pick(rng, methods);
      const std::string& host = pick(rng, request_hosts);
      const auto expected = reference(routes, method, host, path);
      ASSERT_EQ(packed.match(method, host, path), expected)
          << "table " << table << ", " << method << " " << host << " " << path;
      ++compared;
      matched += expected != kNoRoute;
    }
  }
  EXPECT_GT(matched, compared / 10) << "the generator should produce matches, not only misses";
  EXPECT_LT(matched, compared * 9 / 10) << "and misses, not only matches";
}

}  // namespace
}  // namespace cutover::routing::detail
