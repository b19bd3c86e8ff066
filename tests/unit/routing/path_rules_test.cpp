// The edge's path rules (normalize_request_path): paths a backend would read otherwise than the
// gateway matched them are refused, kept or decoded as `paths:` says.
#include "cutover/routing/path.hpp"

#include <gtest/gtest.h>

namespace cutover::routing {
namespace {

using config::PathsConfig;

std::string normalized(std::string_view path, PathsConfig rules = {}) {
  PathProblem problem = PathProblem::none;
  auto out = normalize_request_path(path, rules, problem);
  EXPECT_EQ(out.has_value(), problem == PathProblem::none) << path;
  return out ? *out : "refused: " + std::to_string(static_cast<int>(problem));
}

PathProblem problem_of(std::string_view path, PathsConfig rules = {}) {
  PathProblem problem = PathProblem::none;
  EXPECT_FALSE(normalize_request_path(path, rules, problem)) << path;
  return problem;
}

PathsConfig with(PathsConfig::EscapedSlashes slashes, PathsConfig::Backslash backslash = PathsConfig::Backslash::reject) {
  PathsConfig rules;
  rules.escaped_slashes = slashes;
  rules.backslash = backslash;
  return rules;
}

TEST(PathRules, OrdinaryPathsAreNormalizedAsBefore) {
  EXPECT_EQ(normalized("/api/notes/1"), "/api/notes/1");
  EXPECT_EQ(normalized("/a//b/./c/../d"), "/a/b/d");
  EXPECT_EQ(normalized("/%61/%2e%2E/x"), "/x");
  EXPECT_EQ(normalized("/a;b=c/d"), "/a;b=c/d") << "parameters on a name are the backend's business";
  EXPECT_EQ(normalized("/100%25"), "/100%25") << "a literal percent sign is not a double encoding";
  EXPECT_EQ(problem_of("/a%00b"), PathProblem::malformed);
  EXPECT_EQ(problem_of("/a b"), PathProblem::malformed);
}

TEST(PathRules, EscapedSlashesAreRefusedByDefault) {
  for (std::string_view path : {"/secret%2Ftreasure", "/secret%2ftreasure", "/a%5Cb", "/a%5cb"}) {
    EXPECT_EQ(problem_of(path), PathProblem::escaped_slash) << path;
  }
}

TEST(PathRules, EscapedSlashesKeptStayInTheirSegment) {
  const auto keep = with(PathsConfig::EscapedSlashes::keep);
  EXPECT_EQ(normalized("/secret%2ftreasure", keep), "/secret%2Ftreasure");
  EXPECT_EQ(normalized("/a/..%2F..%2Fb", keep), "/a/..%2F..%2Fb");
  EXPECT_EQ(problem_of("/x/%252F", keep), PathProblem::double_encoded) << "kept once, never twice";
}

TEST(PathRules, EscapedSlashesDecodedAreSeparatorsBeforeDotSegmentsResolve) {
  const auto decode = with(PathsConfig::EscapedSlashes::decode);
  EXPECT_EQ(normalized("/secret%2Ftreasure", decode), "/secret/treasure");
  EXPECT_EQ(normalized("/public/..%2Fsecret", decode), "/secret");
  EXPECT_EQ(problem_of("/a%5Cb", decode), PathProblem::backslash) << "%5C decodes to a backslash, refused by default";
  EXPECT_EQ(normalized("/a%5Cb", with(PathsConfig::EscapedSlashes::decode, PathsConfig::Backslash::slash)), "/a/b");
}

TEST(PathRules, BackslashesAreRefusedOrReadAsSlashes) {
  EXPECT_EQ(problem_of("/a\\..\\secret"), PathProblem::backslash);
  const auto slash = with(PathsConfig::EscapedSlashes::reject, PathsConfig::Backslash::slash);
  EXPECT_EQ(normalized("/public\\..\\secret", slash), "/secret");
}

TEST(PathRules, DotAndEmptySegmentsWithParametersAreRefused) {
  for (std::string_view path : {"/x/..;/secret", "/x/..;jsessionid=1/secret", "/x/.;/secret", "/x/%2e%2e;/secret",
                                "/..;", "/x/.%2E;a=b", "/;x/secret", "/;/secret", "/a/../;x/secret", "/a;b/;c", "/app/..%3B/manager",
                                "/app/..%3b/manager", "/%3Bx/secret"}) {
    EXPECT_EQ(problem_of(path), PathProblem::segment_parameters) << path;
  }
  EXPECT_EQ(normalized("/x/...;/y"), "/x/...;/y");
}

TEST(PathRules, EscapesEncodedTwiceAreRefused) {
  for (std::string_view path : {"/x/%252e%252e/secret", "/x/%252E%252E/secret", "/x/.%252e/secret", "/x/%252e./y",
                                "/x/%252e", "/x/%252F/y", "/x/a%255Cb", "/%2573ecret/treasure", "/x/%252e%252e;/y"}) {
    EXPECT_EQ(problem_of(path), PathProblem::double_encoded) << path;
  }
  EXPECT_EQ(normalized("/100%25"), "/100%25");
  EXPECT_EQ(normalized("/100%25zz"), "/100%25zz") << "a percent sign before what is no escape";
}

TEST(PathRules, PathsMustDecodeToUtf8) {
  for (std::string_view path : {"/x/%C0%AE%C0%AE/secret", "/%C0%AF", "/%E0%80%AE", "/%ED%A0%80", "/%FF", "/a%C3"}) {
    EXPECT_EQ(problem_of(path), PathProblem::not_utf8) << path;
  }
  EXPECT_EQ(normalized("/caf%C3%A9"), "/caf%C3%A9");
}

TEST(PathRules, RoutesMatchSegmentsWithoutTheirParameters) {
  EXPECT_EQ(match_path("/secret;x/treasure"), "/secret/treasure");
  EXPECT_EQ(match_path("/secret;/treasure;jsessionid=1"), "/secret/treasure");
  EXPECT_EQ(match_path("/a;/b;c=d"), "/a/b");
  EXPECT_EQ(match_path("/secret%3Bx/treasure"), "/secret/treasure");
}

TEST(PathRules, EveryProblemIsDescribed) {
  for (auto problem : {PathProblem::malformed, PathProblem::escaped_slash, PathProblem::backslash,
                       PathProblem::segment_parameters, PathProblem::double_encoded, PathProblem::not_utf8}) {
    EXPECT_FALSE(describe(problem).empty());
  }
}

}  // namespace
}  // namespace cutover::routing
