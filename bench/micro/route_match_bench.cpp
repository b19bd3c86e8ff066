// Route matching: the trie walk per request, from 1 to 10,000 routes (the scaling
// target: efficiency at 10,000 routes within 5% of 1 route needs matching to stay flat).
#include <benchmark/benchmark.h>

#include <string>

#include "cutover/config/diagnostic.hpp"
#include "cutover/routing/route_table.hpp"

namespace {

using namespace cutover;

config::Config table_of(int routes) {
  config::Config config;
  config.backends.push_back({});
  config.backends.back().name = "legacy";
  for (int i = 0; i < routes; ++i) {
    config::RouteConfig route;
    route.id = "r" + std::to_string(i);
    route.match.path = "/api/v1/service" + std::to_string(i) + "/items/{id}";
    route.backend = "legacy";
    config.routes.push_back(route);
  }
  config::RouteConfig fallback;
  fallback.id = "default";
  fallback.match.prefix = "/";
  fallback.backend = "legacy";
  config.routes.push_back(fallback);
  return config;
}

void BM_RouteMatch(benchmark::State& state) {
  const int routes = static_cast<int>(state.range(0));
  const auto config = table_of(routes);
  config::DiagnosticSink sink("bench.yaml");
  const auto table = routing::RouteTable::build(config, sink);
  const std::string path = "/api/v1/service" + std::to_string(routes / 2) + "/items/42";
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.match({"GET", "example.com", path}));
  }
}
BENCHMARK(BM_RouteMatch)->Arg(1)->Arg(100)->Arg(10000);

void BM_RouteMatchFallback(benchmark::State& state) {
  const auto config = table_of(static_cast<int>(state.range(0)));
  config::DiagnosticSink sink("bench.yaml");
  const auto table = routing::RouteTable::build(config, sink);
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.match({"GET", "example.com", "/static/app.js"}));
  }
}
BENCHMARK(BM_RouteMatchFallback)->Arg(1)->Arg(10000);

}  // namespace
