// A route that answers at the edge (`return:`) has no backend: the control plane says so instead
// of showing a split, explaining a backend, or overriding one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cutover/runtime/explain.hpp"
#include "cutover/runtime/overrides_describe.hpp"
#include "cutover/runtime/plan_diff.hpp"
#include "overrides_fixture.hpp"

namespace cutover::runtime {
namespace {

using namespace test;

config::Config with_internal_closed(unsigned status = 403) {
  auto config = standard_config();
  config::RouteConfig internal;
  internal.id = "internal";
  internal.match.prefix = "/internal";
  internal.answer.enabled = true;
  internal.answer.status = status;
  config.routes.push_back(internal);
  return config;
}

TEST(RouteReturn, ExplainNamesNoBackend) {
  const auto config = with_internal_closed();
  const auto& route = route_of(config, "internal");
  const auto e = explain(config, route, effective_plan(config, route, nullptr), nullptr, "alice");
  EXPECT_EQ(e.reason, ExplainReason::route_return);
  EXPECT_EQ(e.backend, "");
  EXPECT_EQ(e.detail, "the route answers 403 at the edge (return); no backend");
  EXPECT_TRUE(to_json(e, "internal", "alice")["backend"].is_null());
}

TEST(RouteReturn, DescribeShowsTheStatusAndNoSplit) {
  const auto config = with_internal_closed();
  const auto report = describe_route(config, route_of(config, "internal"), {});
  EXPECT_TRUE(report.file_split.empty());
  EXPECT_TRUE(report.effective_split.empty());
  const auto json = to_json(report);
  EXPECT_EQ(json["return"]["status"], 403);
  const auto notes = to_json(describe_route(config, route_of(config, "notes"), {}));
  EXPECT_FALSE(notes.contains("return"));
}

TEST(RouteReturn, ItCannotBeSplitOrRolledBack) {
  const auto config = with_internal_closed();
  const auto split = validate_split(config, "internal", {{"legacy", 5000}});
  ASSERT_TRUE(split);
  EXPECT_EQ(split->status, 409);
  EXPECT_NE(split->message.find("answers 403 at the edge"), std::string::npos) << split->message;
}

TEST(RouteReturn, ADryRunSaysWhenARouteStartsOrStopsAnsweringAtTheEdge) {
  const auto before = standard_config();
  auto after = standard_config();
  auto& account = after.routes[2];  // "migrated": notes-svc, rollback_to legacy
  account.backend.clear();
  account.rollback_to.clear();
  account.answer.enabled = true;
  account.answer.status = 410;
  const auto diffs = diff_configs(before, after, {});
  const auto it = std::find_if(diffs.begin(), diffs.end(), [](const auto& d) { return d.id == "migrated"; });
  ASSERT_NE(it, diffs.end());
  EXPECT_EQ(it->change, RouteDiff::Change::changed);
  EXPECT_TRUE(it->after_split.empty());
  EXPECT_TRUE(it->moves.empty());
  ASSERT_FALSE(it->notes.empty());
  EXPECT_EQ(it->notes.front(), "the route will answer 410 at the edge (return)");
}

}  // namespace
}  // namespace cutover::runtime
