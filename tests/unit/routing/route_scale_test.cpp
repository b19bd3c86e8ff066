// A 10,000-route table, shaped like a large monolith's URL space: many services sharing top-level
// segments, each with exact, template, wildcard and host-specific routes. Correctness only; the
// trie makes match() independent of the route count, which bench/ measures.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/routing/route_fixture.hpp"

namespace cutover::routing {
namespace {

using test::build;
using test::make_config;
using test::path_route;
using test::prefix_route;
using test::route_for;

constexpr int kRoutes = 10000;

// Route i of kind i % 5 under "/api/v{i % 7}/svc{i}".
config::RouteConfig scale_route(int i) {
  const std::string base = "/api/v" + std::to_string(i % 7) + "/svc" + std::to_string(i);
  const std::string id = "r" + std::to_string(i);
  switch (i % 5) {
    case 0:
      return path_route(id, base + "/items");
    case 1:
      return path_route(id, base + "/items/{id}", {"GET"});
    case 2:
      return path_route(id, base + "/*");
    case 3:
      return prefix_route(id, base + "/files", {}, "h" + std::to_string(i) + ".example.com");
    default:
      return path_route(id, base + "/{tenant}/status/");
  }
}

// A request that route i, and only route i, is the best match for.
struct Probe {
  std::string method;
  std::string host;
  std::string path;
};

Probe probe_for(int i) {
  const std::string base = "/api/v" + std::to_string(i % 7) + "/svc" + std::to_string(i);
  switch (i % 5) {
    case 0:
      return {"GET", "example.com", base + "/items"};
    case 1:
      return {"GET", "example.com", base + "/items/" + std::to_string(i * 3)};
    case 2:
      return {"DELETE", "example.com", base + "/anything/deeper/"};
    case 3:
      return {"GET", "H" + std::to_string(i) + ".example.com:443", base + "/files/a/b.txt"};
    default:
      return {"GET", "example.com", base + "/acme/status/"};
  }
}

TEST(RouteScale, TenThousandRoutesMatchCorrectly) {
  std::vector<config::RouteConfig> routes;
  routes.reserve(kRoutes + 2);
  for (int i = 0; i < kRoutes; ++i) routes.push_back(scale_route(i));
  routes.push_back(prefix_route("api-default", "/api"));
  routes.push_back(prefix_route("default", "/"));
  const auto built = build(make_config(std::move(routes)));
  ASSERT_TRUE(built.sink.all().empty()) << built.sink.all().front().to_string();
  ASSERT_EQ(built.table.routes().size(), static_cast<std::size_t>(kRoutes + 2));

  for (int i = 0; i < kRoutes; ++i) {
    const auto probe = probe_for(i);
    ASSERT_EQ(route_for(built.table, probe.method, probe.host, probe.path), "r" + std::to_string(i))
        << probe.method << " " << probe.host << " " << probe.path;
  }

  // Near misses fall through to the defaults.
  const auto miss = [&](std::string_view method, std::string_view host, std::string_view path) {
    return route_for(built.table, method, host, path);
  };
  EXPECT_EQ(miss("POST", "example.com", "/api/v1/svc1/items/5"), "api-default");   // method
  EXPECT_EQ(miss("GET", "example.com", "/api/v3/svc3/files/x"), "api-default");    // host
  EXPECT_EQ(miss("GET", "h3.example.com", "/api/v3/svc3/filesx"), "api-default");  // segment-aware
  EXPECT_EQ(miss("GET", "example.com", "/api/v0/svc0/items/"), "api-default");     // trailing slash
  EXPECT_EQ(miss("GET", "example.com", "/api/v4/svc4/acme/status"),
            "api-default");                                                    // needs the slash
  EXPECT_EQ(miss("GET", "example.com", "/api/v1/svc0/items"), "api-default");  // wrong version
  EXPECT_EQ(miss("GET", "example.com", "/api/v0/svc10000/items"), "api-default");
  EXPECT_EQ(miss("GET", "example.com", "/apis"), "default");
  EXPECT_EQ(miss("GET", "example.com", "/"), "default");
}

}  // namespace
}  // namespace cutover::routing
