// RouteTable::build(): every error and warning names the route and points at a line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/routing/route_fixture.hpp"

namespace cutover::routing {
namespace {

using test::build;
using test::make_config;
using test::path_route;
using test::prefix_route;
using test::route_line;
using test::split_route;
using ::testing::HasSubstr;

struct Expect {
  config::Severity severity;
  int line;
  std::vector<std::string> fragments;  // all must appear in the message
};

// Builds `routes` and checks the diagnostics are exactly `expected`, in order.
void expect_diagnostics(std::vector<config::RouteConfig> routes,
                        const std::vector<Expect>& expected) {
  test::Built built;
  ASSERT_NO_THROW(built = build(make_config(std::move(routes))));
  const auto& all = built.sink.all();
  ASSERT_EQ(all.size(), expected.size())
      << (all.empty() ? "no diagnostics" : all.front().to_string());
  for (std::size_t i = 0; i < all.size(); ++i) {
    SCOPED_TRACE(all[i].to_string());
    EXPECT_EQ(all[i].severity, expected[i].severity);
    EXPECT_EQ(all[i].mark.line, expected[i].line);
    EXPECT_EQ(all[i].file, "routes.yaml");
    for (const auto& fragment : expected[i].fragments)
      EXPECT_THAT(all[i].message, HasSubstr(fragment));
  }
}

constexpr auto kError = config::Severity::error;
constexpr auto kWarning = config::Severity::warning;

// Lines of route i: its own mark, the match, the path/prefix, split target t.
int at_route(std::size_t i) { return route_line(i); }
int at_match(std::size_t i) { return route_line(i) + 1; }
int at_path(std::size_t i) { return route_line(i) + 2; }
int at_split(std::size_t i, int t) { return route_line(i) + 3 + t; }

TEST(RouteBuild, ValidConfigHasNoDiagnostics) {
  expect_diagnostics(
      {path_route("notes-read", "/api/notes/{id}", {"GET"}),
       split_route("notes", "/api/notes", {{"notes-svc", 2500}, {"search-svc", 7500}}),
       prefix_route("default", "/")},
      {});
}

TEST(RouteBuild, Ids) {
  expect_diagnostics(
      {path_route("", "/a"), path_route("dup", "/b"), path_route("dup", "/c")},
      {{kError, at_route(0), {"route #1", "id"}},
       {kError, at_route(2), {"duplicate route id 'dup'", "line " + std::to_string(at_route(1))}}});
}

TEST(RouteBuild, UnknownBackends) {
  auto single = path_route("single", "/a");
  single.backend = "nope";
  auto in_split = split_route("in-split", "/b", {{"notes-svc", 100}, {"ghost", 100}});
  auto rollback = split_route("bad-rollback", "/c", {{"notes-svc", 100}}, "phantom");
  auto single_rollback = path_route("single-rollback", "/d");
  single_rollback.rollback_to = "spectre";
  expect_diagnostics({single, in_split, rollback, single_rollback},
                     {{kError, at_route(0), {"route 'single'", "'nope'"}},
                      {kError, at_split(1, 1), {"route 'in-split'", "'ghost'"}},
                      {kError, at_route(2), {"route 'bad-rollback'", "rollback_to", "'phantom'"}},
                      {kError, at_route(3), {"route 'single-rollback'", "'spectre'"}}});
}

TEST(RouteBuild, BackendAndSplitAreExclusive) {
  auto both = split_route("both", "/a", {{"notes-svc", 100}});
  both.backend = "legacy";
  auto neither = path_route("neither", "/b");
  neither.backend.clear();
  expect_diagnostics({both, neither},
                     {{kError, at_route(0), {"route 'both'", "both 'backend' and 'split'"}},
                      {kError, at_route(1), {"route 'neither'", "needs 'backend', 'split' or 'return'"}}});
}

TEST(RouteBuild, SplitRules) {
  expect_diagnostics(
      {split_route("no-rollback", "/a", {{"notes-svc", 100}}, ""),
       split_route("rollback-in-split", "/b", {{"notes-svc", 100}, {"legacy", 100}}),
       split_route("over", "/c", {{"notes-svc", 6000}, {"search-svc", 4001}}),
       split_route("twice", "/d", {{"notes-svc", 100}, {"notes-svc", 100}}),
       split_route("exactly-all", "/e", {{"notes-svc", 6000}, {"search-svc", 4000}})},
      {{kError, at_route(0), {"route 'no-rollback'", "rollback_to"}},
       {kError,
        at_split(1, 1),
        {"route 'rollback-in-split'", "'legacy' is also listed in 'split'"}},
       {kError, at_route(2), {"route 'over'", "100.01%", "over 100%"}},
       {kError, at_split(3, 1), {"route 'twice'", "'notes-svc' twice"}}});
}

TEST(RouteBuild, PatternErrorsPointAtThePath) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"api/notes", "start with '/'"},
      {"", "needs 'path' or 'prefix'"},
      {"/static/*/x", "'*'"},
      {"/static*", "'*'"},
      {"/a/x{id}", "whole segment"},
      {"/a/{id", "whole segment"},
      {"/a/{id}x", "whole segment"},
      {"/a/{{id}}", "whole segment"},
      {"/a/{}", "needs a name"},
      {"/a/{i d}", "may only use"},
      {"/a/{id}/b/{id}", "{id} appears twice"},
      {"/a b", "'a b'"},
      {"/a\\b", "character or escape"},
      {"/a%zz", "character or escape"},
      {"/a%2", "character or escape"},
      {"/a%00", "%00"},
      {"/caf\xc3\xa9", "character or escape"},
  };
  std::vector<config::RouteConfig> routes;
  std::vector<Expect> expected;
  for (std::size_t i = 0; i < bad.size(); ++i) {
    routes.push_back(path_route("r" + std::to_string(i), bad[i].first));
    expected.push_back({kError, at_path(i), {"route 'r" + std::to_string(i) + "'", bad[i].second}});
  }
  expect_diagnostics(routes, expected);
}

TEST(RouteBuild, PrefixErrorsAndBothKinds) {
  auto both = path_route("both", "/a");
  both.match.prefix = "/a";
  expect_diagnostics({prefix_route("star", "/static/*"), prefix_route("rel", "static"), both},
                     {{kError, at_path(0), {"route 'star'", "prefix '/static/*'", "'*'"}},
                      {kError, at_path(1), {"route 'rel'", "start with '/'"}},
                      {kError, at_path(2), {"route 'both'", "both 'path' and 'prefix'"}}});
}

TEST(RouteBuild, PatternThatCanNeverMatchWarns) {
  expect_diagnostics({path_route("dotdot", "/a/../b"), path_route("dot", "/a/./b"),
                      path_route("double", "/a//b"), path_route("encoded", "/a/%2e%2E/b"),
                      prefix_route("prefix-double", "/api//"), path_route("wild-double", "/a//*")},
                     {{kWarning, at_path(0), {"route 'dotdot'", "can never match"}},
                      {kWarning, at_path(1), {"route 'dot'", "can never match"}},
                      {kWarning, at_path(2), {"route 'double'", "can never match", "'//'"}},
                      {kWarning, at_path(3), {"route 'encoded'", "can never match"}},
                      {kWarning, at_path(4), {"route 'prefix-double'", "can never match"}},
                      {kWarning, at_path(5), {"route 'wild-double'", "can never match"}}});
  const auto built = build(make_config({path_route("dotdot", "/a/../b")}));
  EXPECT_EQ(built.table.match({"GET", "h", "/b"}), nullptr);
  EXPECT_EQ(built.table.routes().size(), 1u);
}

TEST(RouteBuild, AmbiguousRoutes) {
  expect_diagnostics(
      {// Both any method.
       path_route("a1", "/a"), path_route("a2", "/a"),
       // Parameter names do not matter for matching.
       path_route("n1", "/n/{id}", {"GET"}), path_route("n2", "/n/{note}", {"GET"}),
       // A prefix and a trailing /* are the same pattern.
       prefix_route("p1", "/p"), path_route("p2", "/p/*"),
       // Same host in any case, as many methods, sharing PUT.
       path_route("h1", "/h", {"GET", "PUT"}, "x.com"),
       path_route("h2", "/h", {"PUT", "POST"}, "X.com")},
      {{kError, at_route(1), {"ambiguous: route 'a1' and route 'a2' match the same requests"}},
       {kError, at_route(3), {"route 'n1'", "route 'n2'"}},
       {kError, at_route(5), {"route 'p1'", "route 'p2'"}},
       {kError, at_route(7), {"route 'h1'", "route 'h2'"}}});
}

TEST(RouteBuild, SamePatternWithDisjointOrRankedMatchersIsFine) {
  expect_diagnostics({path_route("get", "/a", {"GET"}), path_route("post", "/a", {"POST"}),
                      path_route("get-put", "/a", {"GET", "PUT"}),  // PUT still reaches it
                      path_route("any", "/a"), path_route("host", "/a", {}, "x.com"),
                      path_route("other-host", "/a", {}, "y.com")},
                     {});
}

TEST(RouteBuild, MethodsClaimedByMoreSpecificRoutesWarn) {
  expect_diagnostics({path_route("get", "/a", {"GET"}), path_route("post", "/a", {"POST"}),
                      path_route("get-post", "/a", {"POST", "GET"}),
                      path_route("other-host", "/a", {"POST", "GET"}, "x.com")},  // not shadowed
                     {{kWarning,
                       at_match(2),
                       {"route 'get-post'", "can never match", "route 'get'", "route 'post'"}}});
}

TEST(RouteBuild, UnproxyableMethodsWarn) {
  expect_diagnostics(
      {path_route("tunnel", "/t", {"CONNECT"}), path_route("mixed", "/m", {"GET", "CONNECT"})},
      {{kWarning, at_match(0), {"route 'tunnel'", "can never match", "CONNECT"}},
       {kWarning, at_match(1), {"route 'mixed'", "CONNECT"}}});
}

TEST(RouteBuild, HostWithPortIsAnError) {
  expect_diagnostics({path_route("ported", "/a", {}, "example.com:8080")},
                     {{kError, at_match(0), {"route 'ported'", "port"}}});
}

TEST(RouteBuild, CompilesRouteFields) {
  auto split =
      split_route("notes", "/api/notes", {{"notes-svc", 2500}, {"search-svc", 0}}, "legacy");
  split.sticky = config::Sticky::cookie;
  split.require_user = true;
  auto cohort = path_route("cohort", "/c");
  cohort.cohort = "shared";
  cohort.backend = "static-svc";
  const auto built = build(make_config({split, cohort}));
  ASSERT_TRUE(built.sink.all().empty());
  const auto& routes = built.table.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].id, "notes");
  EXPECT_EQ(routes[0].cohort, "notes");  // defaults to the id
  EXPECT_EQ(routes[0].sticky, config::Sticky::cookie);
  EXPECT_TRUE(routes[0].require_user);
  ASSERT_EQ(routes[0].plan.bands.size(), 1u);  // zero share: no band
  EXPECT_EQ(routes[0].plan.bands[0].end, 2500u);
  EXPECT_EQ(routes[0].plan.bands[0].backend, 1);  // notes-svc is backends[1]
  EXPECT_EQ(routes[0].plan.rollback_to, 0);
  EXPECT_EQ(routes[1].index, 1u);
  EXPECT_EQ(routes[1].cohort, "shared");
  EXPECT_FALSE(routes[1].require_user);
  EXPECT_EQ(pick(routes[1].plan, 0), 3);
  EXPECT_EQ(pick(routes[1].plan, kBucketCount - 1), 3);
}

TEST(RouteBuild, NeverThrowsAndKeepsEveryRouteInOrder) {
  config::Config config = make_config(
      {path_route("", ""), split_route("x", "x", {{"?", 99999}}, "?"), path_route("ok", "/ok")});
  config.backends.clear();
  config::DiagnosticSink sink("routes.yaml");
  RouteTable table;
  ASSERT_NO_THROW(table = RouteTable::build(config, sink));
  EXPECT_TRUE(sink.has_errors());
  ASSERT_EQ(table.routes().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(table.routes()[i].index, i);
  EXPECT_THROW(sink.throw_if_errors(), config::ConfigError);
}

}  // namespace
}  // namespace cutover::routing
