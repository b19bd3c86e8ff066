#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "cutover/routing/path.hpp"
#include "unit/routing/route_fixture.hpp"

namespace cutover::routing {
namespace {

using test::build;
using test::make_config;
using test::path_route;
using test::prefix_route;
using test::route_for;

std::vector<config::RouteConfig> precedence_routes() {
  return {
      prefix_route("default", "/"),
      prefix_route("api", "/api"),
      prefix_route("api-v1", "/api/v1/"),
      path_route("api-version-any", "/api/{version}/status"),
      path_route("note", "/api/notes/{id}"),
      path_route("note-search", "/api/notes/search"),
      path_route("note-sub", "/api/notes/{id}/*"),
      path_route("notes-slash", "/api/notes/"),
      path_route("static", "/static/*"),
      path_route("healthz", "/healthz"),
      path_route("root", "/"),
      path_route("docs", "/docs"),
      path_route("docs-slash", "/docs/"),
  };
}

// (path, expected route id): each exercises one step of the specificity order.
const std::vector<std::pair<std::string, std::string>> kPrecedence = {
    {"/", "root"},  // exact beats prefix "/"
    {"/x", "default"},
    {"/api", "api"},   // prefix matches its own path
    {"/api/", "api"},  // ... with a trailing slash
    {"/api/x", "api"},
    {"/apiary", "default"},  // prefixes are segment-aware
    {"/api/notes", "api"},
    {"/api/notes/", "notes-slash"},        // exact trailing slash beats prefix
    {"/api/notes/42", "note"},             // {param} beats prefix
    {"/api/notes/search", "note-search"},  // literal beats {param}
    {"/api/notes/42/comments", "note-sub"},
    {"/api/notes/42/", "note-sub"},
    {"/api/notes/search/x", "note-sub"},  // dead end under a literal falls back to {param}
    {"/api/v1/status", "api-v1"},         // literal "v1" (prefix) beats {version} at position 2
    {"/api/v2/status", "api-version-any"},
    {"/api/v2/status/x", "api"},
    {"/static", "static"},  // "/*" matches zero further segments ...
    {"/static/", "static"},
    {"/static/a/b", "static"},
    {"/staticx", "default"},
    {"/healthz", "healthz"},
    {"/healthz/", "default"},  // an exact path is exact about its trailing slash
    {"/healthz/x", "default"},
    {"/docs", "docs"},
    {"/docs/", "docs-slash"},
};

TEST(RouteMatch, MostSpecificWinsWhateverTheFileOrder) {
  auto routes = precedence_routes();
  std::mt19937 rng(7);
  for (int round = 0; round < 40; ++round) {
    if (round == 1) std::reverse(routes.begin(), routes.end());
    if (round > 1) std::shuffle(routes.begin(), routes.end(), rng);
    const auto built = build(make_config(routes));
    ASSERT_TRUE(built.sink.all().empty()) << built.sink.all().front().to_string();
    for (const auto& [path, expected] : kPrecedence) {
      EXPECT_EQ(route_for(built.table, "GET", "example.com", path), expected)
          << path << " in round " << round;
    }
  }
}

TEST(RouteMatch, ReturnsRouteWithItsIndex) {
  const auto built = build(make_config(precedence_routes()));
  const Route* route = built.table.match({"GET", "h", "/healthz"});
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->index, 9u);
  EXPECT_EQ(&built.table.routes()[route->index], route);
}

TEST(RouteMatch, NoRouteIsNull) {
  const auto built = build(make_config({prefix_route("api", "/api"), path_route("h", "/healthz")}));
  EXPECT_EQ(route_for(built.table, "GET", "h", "/apiary"), "-");
  EXPECT_EQ(route_for(built.table, "GET", "h", "/"), "-");
  EXPECT_EQ(route_for(built.table, "GET", "h", ""), "-");
  EXPECT_EQ(route_for(built.table, "OPTIONS", "h", "*"), "-");
  EXPECT_EQ(RouteTable().match({"GET", "h", "/"}), nullptr);
}

TEST(RouteMatch, TrailingSlashOnPrefixIsInsignificant) {
  const auto built = build(make_config({prefix_route("api", "/api/"), prefix_route("root", "/")}));
  EXPECT_EQ(route_for(built.table, "GET", "h", "/api"), "api");
  EXPECT_EQ(route_for(built.table, "GET", "h", "/api/"), "api");
  EXPECT_EQ(route_for(built.table, "GET", "h", "/api/a/b/"), "api");
  EXPECT_EQ(route_for(built.table, "GET", "h", "/apix"), "root");
}

TEST(RouteMatch, HostRouteBeatsAnyHostOnTheSamePattern) {
  const auto built = build(make_config({
      path_route("any-host", "/api/notes/{id}"),
      path_route("api-host", "/api/notes/{id}", {}, "api.example.com"),
      path_route("v6-host", "/api/notes/{id}", {}, "[::1]"),
      path_route("v6-bare", "/v6", {}, "::1"),
  }));
  ASSERT_TRUE(built.sink.all().empty());
  EXPECT_EQ(route_for(built.table, "GET", "api.example.com", "/api/notes/1"), "api-host");
  EXPECT_EQ(route_for(built.table, "GET", "API.Example.COM", "/api/notes/1"), "api-host");
  EXPECT_EQ(route_for(built.table, "GET", "api.example.com:8443", "/api/notes/1"), "api-host");
  EXPECT_EQ(route_for(built.table, "GET", "api.example.com.", "/api/notes/1"), "api-host");
  EXPECT_EQ(route_for(built.table, "GET", "other.example.com", "/api/notes/1"), "any-host");
  EXPECT_EQ(route_for(built.table, "GET", "", "/api/notes/1"), "any-host");
  EXPECT_EQ(route_for(built.table, "GET", "api.example.com.evil", "/api/notes/1"), "any-host");
  EXPECT_EQ(route_for(built.table, "GET", "[::1]:8080", "/api/notes/1"), "v6-host");
  EXPECT_EQ(route_for(built.table, "GET", "[::1]", "/api/notes/1"), "v6-host");
  EXPECT_EQ(route_for(built.table, "GET", "[::2]:8080", "/api/notes/1"), "any-host");
  EXPECT_EQ(route_for(built.table, "GET", "[::1]:8080", "/v6"), "v6-bare");
}

TEST(RouteMatch, PathSpecificityComesBeforeHost) {
  const auto built = build(make_config({
      prefix_route("admin-site", "/", {}, "admin.example.com"),
      path_route("healthz", "/healthz"),
  }));
  EXPECT_EQ(route_for(built.table, "GET", "admin.example.com", "/healthz"), "healthz");
  EXPECT_EQ(route_for(built.table, "GET", "admin.example.com", "/users"), "admin-site");
  EXPECT_EQ(route_for(built.table, "GET", "www.example.com", "/users"), "-");
}

TEST(RouteMatch, MethodMismatchFallsBackToLessSpecificPatterns) {
  const auto built = build(make_config({
      path_route("notes-read", "/api/notes/{id}", {"GET", "HEAD"}),
      path_route("notes-search", "/api/notes/search", {"GET"}),
      prefix_route("default", "/"),
  }));
  EXPECT_EQ(route_for(built.table, "GET", "h", "/api/notes/1"), "notes-read");
  EXPECT_EQ(route_for(built.table, "HEAD", "h", "/api/notes/1"), "notes-read");
  EXPECT_EQ(route_for(built.table, "POST", "h", "/api/notes/1"), "default");
  EXPECT_EQ(route_for(built.table, "GET", "h", "/api/notes/search"), "notes-search");
  EXPECT_EQ(route_for(built.table, "HEAD", "h", "/api/notes/search"), "notes-read");
  EXPECT_EQ(route_for(built.table, "POST", "h", "/api/notes/search"), "default");
  EXPECT_EQ(route_for(built.table, "get", "h", "/api/notes/1"),
            "default");  // methods are case-sensitive
}

TEST(RouteMatch, HostMismatchFallsBackToLessSpecificPatterns) {
  const auto built = build(make_config({
      path_route("beta-notes", "/api/notes/{id}", {}, "beta.example.com"),
      prefix_route("api", "/api"),
  }));
  EXPECT_EQ(route_for(built.table, "GET", "beta.example.com", "/api/notes/1"), "beta-notes");
  EXPECT_EQ(route_for(built.table, "GET", "example.com", "/api/notes/1"), "api");
}

TEST(RouteMatch, FewerMethodsBeatMoreAndAnyIsLast) {
  for (const bool reversed : {false, true}) {
    std::vector<config::RouteConfig> routes{
        path_route("any", "/things/{id}"),
        path_route("read-write", "/things/{id}", {"GET", "PUT", "DELETE"}),
        path_route("read", "/things/{id}", {"GET"}),
        path_route("host-any", "/things/{id}", {}, "admin.example.com"),
    };
    if (reversed) std::reverse(routes.begin(), routes.end());
    const auto built = build(make_config(routes));
    EXPECT_EQ(route_for(built.table, "GET", "h", "/things/1"), "read");
    EXPECT_EQ(route_for(built.table, "PUT", "h", "/things/1"), "read-write");
    EXPECT_EQ(route_for(built.table, "PATCH", "h", "/things/1"), "any");
    EXPECT_EQ(route_for(built.table, "GET", "admin.example.com", "/things/1"), "host-any");
  }
}

TEST(RouteMatch, ParamsNeedANonEmptySegment) {
  const auto built =
      build(make_config({path_route("note", "/notes/{id}"), prefix_route("notes", "/notes")}));
  EXPECT_EQ(route_for(built.table, "GET", "h", "/notes/1"), "note");
  EXPECT_EQ(route_for(built.table, "GET", "h", "/notes/"), "notes");
  EXPECT_EQ(route_for(built.table, "GET", "h", "/notes/1/"), "notes");
  EXPECT_EQ(route_for(built.table, "GET", "h", "/notes/%2F"), "note");  // an encoded slash is data
}

TEST(RouteMatch, PatternLiteralsAreNormalizedLikeRequests) {
  const auto built = build(make_config({
      path_route("cafe", "/caf%c3%a9"),
      path_route("abc", "/%61b%63/{id}"),
      path_route("slash", "/a%2fb"),
  }));
  ASSERT_TRUE(built.sink.all().empty());
  for (const char* raw : {"/caf%C3%A9", "/caf%c3%a9", "//caf%c3%a9"}) {
    EXPECT_EQ(route_for(built.table, "GET", "h", *normalize_path(raw)), "cafe") << raw;
  }
  EXPECT_EQ(route_for(built.table, "GET", "h", *normalize_path("/abc/1")), "abc");
  EXPECT_EQ(route_for(built.table, "GET", "h", *normalize_path("/%61bc/./1")), "abc");
  EXPECT_EQ(route_for(built.table, "GET", "h", *normalize_path("/a%2Fb")), "slash");
  EXPECT_EQ(route_for(built.table, "GET", "h", *normalize_path("/a/b")), "-");
}

TEST(RouteMatch, TraversalCannotEscapeIntoAnotherRoute) {
  const auto built = build(
      make_config({prefix_route("public", "/public"), prefix_route("admin", "/admin", {}, "")}));
  EXPECT_EQ(route_for(built.table, "GET", "h", *normalize_path("/public/%2e%2e/admin")), "admin");
  EXPECT_EQ(route_for(built.table, "GET", "h", *normalize_path("/public/..%2Fadmin")), "public");
}

}  // namespace
}  // namespace cutover::routing
