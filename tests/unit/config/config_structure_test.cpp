// Structural mistakes (unknown or duplicate keys, YAML syntax, missing or odd sections) are
// reported at the exact line and column, and odd YAML never crashes the parser.
#include <gtest/gtest.h>

#include "unit/config/config_fixture.hpp"

namespace cutover::config {
namespace {

using test::expect_error;
using test::expect_errors;
using test::expect_valid;
using test::kBase;
using test::parse;
using test::with_base;

TEST(ConfigStructure, UnknownTopLevelKeySuggestsTheNearestKnownOne) {
  expect_errors(with_base("listen: 0.0.0.0:80\nworkrs: 2\n"),
                {{2, 1, {"unknown key 'workrs'", "did you mean 'workers'?"}}});
}

TEST(ConfigStructure, UnknownKeyFarFromAnyKnownOneHasNoSuggestion) {
  auto errors = parse(with_base("colour: blue\n")).errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].to_string(), "/etc/cutover/gw.yaml:1:1: error: unknown key 'colour'");
}

TEST(ConfigStructure, UnknownNestedKeyNamesItsSection) {
  expect_errors(with_base("limits:\n  header_timeout: 5s\n  idle_timout: 5s\n"),
                {{3, 3, {"unknown key 'idle_timout' in 'limits'", "did you mean 'idle_timeout'?"}}});
  expect_errors(with_base("identity:\n  jwt:\n    hedaer: X\n"),
                {{3, 5, {"needs hs256_secret_file or rs256_public_key_file"}},
                 {3, 5, {"'identity.jwt'", "hedaer", "did you mean 'header'?"}}});
}

TEST(ConfigStructure, TypoInARouteNamesTheRouteById) {
  expect_errors(
      "backends:\n"
      "  legacy: { endpoints: [127.0.0.1:8000] }\n"
      "  notes: { endpoints: [127.0.0.1:9000] }\n"
      "routes:\n"
      "  - id: notes-read\n"
      "    match: { prefix: /api/notes }\n"
      "    split: { notes: 10 }\n"
      "    rollbak_to: legacy\n",
      {{8, 5, {"unknown key 'rollbak_to' in 'routes.notes-read'", "did you mean 'rollback_to'?"}}});
}

TEST(ConfigStructure, TypoInABackendNamesTheBackend) {
  expect_error(
      "backends:\n"
      "  legacy:\n"
      "    endpoints: [127.0.0.1:8000]\n"
      "    connect_timout: 1s\n"
      "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
      4, {"'backends.legacy'", "did you mean 'connect_timeout'?"});
}

TEST(ConfigStructure, DuplicateKeysAreReportedAtTheSecondCopy) {
  expect_error(with_base("workers: 2\nlisten: 0.0.0.0:1\nworkers: 3\n"), 3, {"duplicate key 'workers'"});
  expect_error(with_base("limits:\n  idle_timeout: 1s\n  idle_timeout: 2s\n"), 3,
               {"duplicate key 'limits.idle_timeout'"});
  expect_error(
      "backends:\n"
      "  legacy: { endpoints: [127.0.0.1:8000] }\n"
      "  legacy: { endpoints: [127.0.0.1:9000] }\n"
      "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
      3, {"duplicate backend 'legacy'"});
}

TEST(ConfigStructure, YamlSyntaxErrorsPointAtTheProblem) {
  expect_error("listen: 0.0.0.0:80\nbackends:\n\tlegacy: {}\n", 3, {"YAML syntax"});
  expect_error("workers: 2\nlisten: \"0.0.0.0:80", 2, {"YAML syntax", "EOF in scalar"});
  expect_error("routes: [ { id: a }\n", 2, {"YAML syntax", "end of sequence flow not found"});
  expect_error("limits: { a: 1 }\nworkers: *nowhere\n", 2, {"YAML syntax", "anchor"});
}

TEST(ConfigStructure, AnUnquotedPathTemplateInAFlowMapIsToldToBeQuoted) {
  const std::string text =
      "backends:\n"
      "  legacy: { endpoints: [127.0.0.1:8000] }\n"
      "routes:\n"
      "  - { id: notes, match: { path: /api/notes/{id} }, backend: legacy }\n";
  expect_error(text, 4, {"YAML syntax", "end of map flow not found", "must be quoted", "\"/api/notes/{id}\""});
  // Quoted, it is a template like any other; and other syntax errors get no such hint.
  expect_valid("backends:\n  legacy: { endpoints: [127.0.0.1:8000] }\n"
               "routes:\n  - { id: notes, match: { path: \"/api/notes/{id}\" }, backend: legacy }\n");
  const auto other = test::parse("routes: [ { id: a }\n");
  ASSERT_FALSE(other.errors().empty());
  EXPECT_EQ(other.errors()[0].message.find("quoted"), std::string::npos) << other.errors()[0].message;
}

TEST(ConfigStructure, EmptyFileIsOneWholeFileError) {
  for (const char* text : {"", "\n\n", "# only a comment\n", "---\n", "~\n"}) {
    SCOPED_TRACE(text);
    auto errors = parse(text).errors();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].to_string(), "/etc/cutover/gw.yaml: error: the config is empty");
  }
}

TEST(ConfigStructure, MissingBackendsAndRoutesAreWholeFileErrors) {
  expect_errors("listen: 0.0.0.0:8080\n",
                {{0, 0, {"needs 'backends'"}}, {0, 0, {"needs 'routes'"}}});
}

TEST(ConfigStructure, EmptyBackendsOrRoutesPointAtTheirKey) {
  expect_errors("listen: 0.0.0.0:8080\nbackends:\nroutes:\n",
                {{2, 1, {"'backends' is empty"}}, {3, 1, {"'routes' is empty"}}});
  expect_errors("backends: {}\nroutes: []\n",
                {{1, 11, {"'backends' must map backend names"}}, {2, 9, {"'routes' must be a non-empty list"}}});
}

TEST(ConfigStructure, WrongShapesAreReportedNotCrashed) {
  expect_error("- listen\n- workers\n", 1, {"the config must be a mapping"});
  expect_error("just text\n", 1, {"the config must be a mapping"});
  expect_error(with_base("limits: [1, 2]\n"), 1, {"'limits' must be a mapping"});
  expect_error(with_base("identity: on\n"), 1, {"'identity' must be a mapping"});
  expect_error(with_base("access_log: stdout\n"), 1, {"'access_log' must be a mapping"});
  expect_error(with_base("listen: [0.0.0.0, 80]\n"), 1, {"'listen' must be a single value"});
  expect_errors("backends: [legacy]\nroutes: { id: r }\n",
                {{1, 11, {"'backends' must map"}}, {2, 9, {"'routes' must be a non-empty list"}}});
  expect_errors(
      "backends:\n"
      "  legacy: [127.0.0.1:8000]\n"
      "routes:\n"
      "  - just-a-string\n"
      "  - id: r\n"
      "    match: [prefix, /]\n"
      "    backend: legacy\n",
      {{2, 11, {"'backends.legacy' must be a mapping"}},
       {4, 5, {"'routes[0]' must be a mapping"}},
       {6, 12, {"'routes.r.match' must be a mapping"}}});
}

TEST(ConfigStructure, NonScalarKeysAreReported) {
  expect_error(with_base("? [a, b]\n: value\n"), 1, {"keys in the config must be plain names"});
  expect_error(with_base("limits:\n  ? { a: 1 }\n  : 2\n"), 2, {"keys in 'limits' must be plain names"});
}

TEST(ConfigStructure, AnchorsAndAliasesAreFollowed) {
  expect_valid(
      "backends:\n"
      "  legacy: &defaults { endpoints: [127.0.0.1:8000], timeout: 5s }\n"
      "  copy: *defaults\n"
      "routes:\n"
      "  - { id: r, match: &all { prefix: / }, backend: legacy }\n"
      "  - { id: s, match: *all, backend: copy }\n");
  auto parsed = parse(
      "backends:\n"
      "  legacy: &defaults { endpoints: [127.0.0.1:8000], timeout: 5s }\n"
      "  copy: *defaults\n"
      "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n");
  ASSERT_EQ(parsed.config.backends.size(), 2u);
  EXPECT_EQ(parsed.config.backends[1].name, "copy");
  EXPECT_EQ(parsed.config.backends[1].timeout, std::chrono::seconds(5));
}

TEST(ConfigStructure, SelfReferencingAliasIsAnErrorNotALoop) {
  // The alias makes `backends` contain itself; the parser must still finish with errors.
  auto parsed = parse("backends: &b\n  legacy: { endpoints: [127.0.0.1:8000] }\n  loop: *b\n"
                      "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n");
  EXPECT_FALSE(parsed.errors().empty());
  ASSERT_EQ(parsed.config.backends.size(), 2u);
  EXPECT_TRUE(parsed.config.backends[1].endpoints.empty());
}

TEST(ConfigStructure, SecondYamlDocumentIsAnErrorNotIgnored) {
  expect_error(with_base("listen: 0.0.0.0:80\n") + "---\nworkers: 4\n", 7, {"one YAML document"});
  expect_valid(std::string("---\n") + kBase + "...\n");
  expect_valid(std::string("---\n") + kBase + "---\n");
}

TEST(ConfigStructure, StrayTextAfterAFlowCollectionIsAnErrorNotAHang) {
  // yaml-cpp's LoadAll never returns on this: the parser yields empty documents forever.
  const std::string json = R"({"backends": {"legacy": {"endpoints": ["127.0.0.1:8000"]}}, )"
                           R"("routes": [{"id": "default", "match": {"prefix": "/"}, "backend": "legacy"}]},)";
  test::expect_error(json + "\n", 1, {"text after the first YAML document"});
  test::expect_errors("[1],\n", {{1, 1, {"must be a mapping"}}, {1, 4, {"text after the first YAML document"}}});
}

TEST(ConfigStructure, EveryIndependentErrorIsReported) {
  // Three unrelated mistakes in three sections: all three come back, not just the first.
  expect_errors(
      "workers: many\n"
      "backends:\n"
      "  legacy: { endpoints: [127.0.0.1], timeout: 30 }\n"
      "routes: [{ id: r, match: { prefix: / }, backend: legacy }]\n",
      {{1, 1, {"'workers'"}}, {3, 25, {"endpoint"}}, {3, 46, {"duration"}}});
}

}  // namespace
}  // namespace cutover::config
