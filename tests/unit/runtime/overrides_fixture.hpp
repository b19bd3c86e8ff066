#pragma once
// A small config for override, diff and explain tests: four backends and routes covering a
// ramping split, a two-target split, a finished migration that can still roll back, a plain
// single-backend route and a sticky: none split.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cutover/config/config.hpp"
#include "cutover/routing/split.hpp"

namespace cutover::runtime::test {

// Indexes into config.backends, as RouteTable numbers them.
inline constexpr std::uint16_t kLegacy = 0;
inline constexpr std::uint16_t kNotes = 1;
inline constexpr std::uint16_t kSearch = 2;
inline constexpr std::uint16_t kStatic = 3;
inline constexpr int kUsers = 100000;

inline config::RouteConfig split_route(
    std::string id, std::string prefix,
    std::vector<std::pair<std::string, config::BasisPoints>> split,
    std::string rollback_to = "legacy") {
  config::RouteConfig route;
  route.id = std::move(id);
  route.match.prefix = std::move(prefix);
  for (auto& [backend, share] : split) route.split.push_back({backend, share, {}});
  route.rollback_to = std::move(rollback_to);
  return route;
}

inline config::RouteConfig single_route(std::string id, std::string prefix, std::string backend,
                                        std::string rollback_to = {}) {
  config::RouteConfig route;
  route.id = std::move(id);
  route.match.prefix = std::move(prefix);
  route.backend = std::move(backend);
  route.rollback_to = std::move(rollback_to);
  return route;
}

inline config::Config make_config(std::vector<config::RouteConfig> routes,
                                  std::vector<std::string> backends = {
                                      "legacy", "notes-svc", "search-svc", "static-svc"}) {
  config::Config config;
  config.source_file = "cutover.yaml";
  for (auto& name : backends) {
    config::BackendConfig backend;
    backend.name = std::move(name);
    backend.endpoints.push_back({"127.0.0.1", 8000, {}});
    config.backends.push_back(std::move(backend));
  }
  config.routes = std::move(routes);
  return config;
}

// notes 25% (ramping), search 10% + static 5%, migrated (notes-svc, rollback_to legacy),
// default (legacy only), random (notes-svc 50%, sticky: none).
inline config::Config standard_config(config::BasisPoints notes_share = 2500) {
  auto random = split_route("random", "/random", {{"notes-svc", 5000}});
  random.sticky = config::Sticky::none;
  return make_config(
      {split_route("notes", "/api/notes", {{"notes-svc", notes_share}}),
       split_route("search", "/api/search", {{"search-svc", 1000}, {"static-svc", 500}}),
       single_route("migrated", "/api/account", "notes-svc", "legacy"),
       single_route("default", "/", "legacy"), std::move(random)});
}

inline const config::RouteConfig& route_of(const config::Config& config, std::string_view id) {
  for (const auto& route : config.routes) {
    if (route.id == id) return route;
  }
  throw std::out_of_range("no route " + std::string(id));
}

inline std::vector<std::uint32_t> user_buckets(std::string_view cohort) {
  std::vector<std::uint32_t> buckets;
  buckets.reserve(kUsers);
  for (int i = 0; i < kUsers; ++i)
    buckets.push_back(routing::bucket_of(cohort, "user-" + std::to_string(i)));
  return buckets;
}

inline std::vector<std::uint16_t> assign(const routing::SplitPlan& plan,
                                         const std::vector<std::uint32_t>& buckets) {
  std::vector<std::uint16_t> owners;
  owners.reserve(buckets.size());
  for (auto bucket : buckets) owners.push_back(routing::pick(plan, bucket));
  return owners;
}

}  // namespace cutover::runtime::test
