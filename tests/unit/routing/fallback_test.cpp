// A route's fallback: compiled to a backend index (or refused with its line), and the pure choice
// of who serves once the sticky pick is made.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cutover/routing/fallback.hpp"
#include "unit/routing/route_fixture.hpp"

namespace cutover::routing {
namespace {

using test::build;
using test::make_config;
using test::route_line;
using test::split_route;
using ::testing::HasSubstr;

TEST(Fallback, CompilesToTheBackendsIndex) {
  auto route = split_route("notes", "/api/notes", {{"notes-svc", 2500}});
  route.fallback = "legacy";
  auto built = build(make_config({route}));
  EXPECT_TRUE(built.sink.all().empty());
  ASSERT_EQ(built.table.routes().size(), 1u);
  EXPECT_EQ(built.table.routes()[0].fallback, 0);  // legacy is the fixture's first backend
}

TEST(Fallback, WithoutOneTheRouteHasNone) {
  auto built = build(make_config({split_route("notes", "/api/notes", {{"notes-svc", 2500}})}));
  EXPECT_EQ(built.table.routes()[0].fallback, -1);
}

TEST(Fallback, AnUnknownBackendIsAnErrorAtTheRoutesLine) {
  auto route = split_route("notes", "/api/notes", {{"notes-svc", 2500}});
  route.fallback = "legcy";
  auto built = build(make_config({route}));
  ASSERT_EQ(built.sink.all().size(), 1u);
  EXPECT_EQ(built.sink.all()[0].severity, config::Severity::error);
  EXPECT_EQ(built.sink.all()[0].mark.line, route_line(0));
  EXPECT_THAT(built.sink.all()[0].message, HasSubstr("'fallback' names unknown backend 'legcy'"));
}

TEST(Fallback, TheRoutesOnlyBackendAsItsFallbackIsAWarning) {
  auto route = test::prefix_route("r", "/");
  route.fallback = "legacy";
  auto built = build(make_config({route}));
  ASSERT_EQ(built.sink.all().size(), 1u);
  EXPECT_EQ(built.sink.all()[0].severity, config::Severity::warning);
  EXPECT_THAT(built.sink.all()[0].message, HasSubstr("never takes over"));
}

TEST(ServingBackend, ThePickServesWhileItHasAUsableEndpoint) {
  EXPECT_EQ(serving_backend(2, 0, true, true).backend, 2);
  EXPECT_FALSE(serving_backend(2, 0, true, true).fell_back);
  EXPECT_FALSE(serving_backend(2, 0, true, false).fell_back);
}

TEST(ServingBackend, TheFallbackServesWhenThePickHasNone) {
  const auto serving = serving_backend(2, 0, false, true);
  EXPECT_EQ(serving.backend, 0);
  EXPECT_TRUE(serving.fell_back);
}

TEST(ServingBackend, WithoutAUsableFallbackThePickKeepsTheRequest) {
  EXPECT_EQ(serving_backend(2, 0, false, false).backend, 2);
  EXPECT_FALSE(serving_backend(2, 0, false, false).fell_back);
  EXPECT_EQ(serving_backend(2, -1, false, true).backend, 2) << "no fallback configured";
  EXPECT_FALSE(serving_backend(0, 0, false, true).fell_back) << "the pick is the fallback itself";
}

TEST(FallsBackAfter, ARequestSentNowhereGoesToAUsableFallbackOnce) {
  const ConnectFailure refused{.nothing_sent = true, .backend = 2};
  EXPECT_TRUE(falls_back_after(refused, 0, true));
  EXPECT_FALSE(falls_back_after(refused, 0, false)) << "the fallback has no usable endpoint";
  EXPECT_FALSE(falls_back_after(refused, -1, true)) << "no fallback";
  EXPECT_FALSE(falls_back_after({.nothing_sent = true, .backend = 0}, 0, true)) << "the fallback itself failed";
  EXPECT_FALSE(falls_back_after({.nothing_sent = true, .already_fell_back = true, .backend = 2}, 0, true)) << "once";
  EXPECT_FALSE(falls_back_after({.nothing_sent = true, .has_body = true, .backend = 2}, 0, true))
      << "a body may be partly read";
  EXPECT_FALSE(falls_back_after({.nothing_sent = false, .backend = 2}, 0, true)) << "it reached a backend";
}

}  // namespace
}  // namespace cutover::routing
