#pragma once
// Builders for route-table tests: a config with a few backends and routes written in one line each,
// every route placed on its own (fake) YAML lines so tests can assert where a diagnostic points.
#include <string>
#include <utility>
#include <vector>

#include "cutover/config/config.hpp"
#include "cutover/routing/route_table.hpp"

namespace cutover::routing::test {

inline constexpr int kFirstRouteLine = 100;
inline constexpr int kLinesPerRoute = 10;

// Route i sits at line kFirstRouteLine + i * kLinesPerRoute, its match one line lower, its path
// or prefix two lines lower.
inline int route_line(std::size_t index) {
  return kFirstRouteLine + static_cast<int>(index) * kLinesPerRoute;
}

inline config::RouteConfig path_route(std::string id, std::string path,
                                      std::vector<std::string> methods = {},
                                      std::string host = {}) {
  config::RouteConfig route;
  route.id = std::move(id);
  route.match.path = std::move(path);
  route.match.methods = std::move(methods);
  route.match.host = std::move(host);
  route.backend = "legacy";
  return route;
}

inline config::RouteConfig prefix_route(std::string id, std::string prefix,
                                        std::vector<std::string> methods = {},
                                        std::string host = {}) {
  auto route = path_route(std::move(id), {}, std::move(methods), std::move(host));
  route.match.prefix = std::move(prefix);
  return route;
}

inline config::RouteConfig split_route(
    std::string id, std::string prefix,
    std::vector<std::pair<std::string, config::BasisPoints>> split,
    std::string rollback_to = "legacy") {
  auto route = prefix_route(std::move(id), std::move(prefix));
  route.backend.clear();
  for (auto& [backend, share] : split) route.split.push_back({backend, share, {}});
  route.rollback_to = std::move(rollback_to);
  return route;
}

inline config::Config make_config(std::vector<config::RouteConfig> routes) {
  config::Config config;
  config.source_file = "routes.yaml";
  for (const char* name : {"legacy", "notes-svc", "search-svc", "static-svc"}) {
    config::BackendConfig backend;
    backend.name = name;
    backend.endpoints.push_back({"127.0.0.1", 8000, {}});
    backend.mark = {static_cast<int>(config.backends.size()) + 10, 3};
    config.backends.push_back(std::move(backend));
  }
  for (std::size_t i = 0; i < routes.size(); ++i) {
    auto& route = routes[i];
    const int line = route_line(i);
    route.mark = {line, 5};
    route.match.mark = {line + 1, 12};
    route.match.path_mark = {line + 2, 14};
    for (std::size_t t = 0; t < route.split.size(); ++t) {
      route.split[t].mark = {line + 3 + static_cast<int>(t), 20};
    }
  }
  config.routes = std::move(routes);
  return config;
}

struct Built {
  config::DiagnosticSink sink{"routes.yaml"};
  RouteTable table;
};

inline Built build(const config::Config& config) {
  Built built;
  built.table = RouteTable::build(config, built.sink);
  return built;
}

// Id of the matched route, or "-" for no match; `path` must already be normalized.
inline std::string route_for(const RouteTable& table, std::string_view method,
                             std::string_view host, std::string_view path) {
  const Route* route = table.match({method, host, path});
  return route ? route->id : "-";
}

}  // namespace cutover::routing::test
