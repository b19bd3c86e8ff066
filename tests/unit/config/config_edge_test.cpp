// The edge's security settings: headers_with_underscores, paths, identity.allow_utf8 and
// identity.signature, and routes' return and allow_override_headers; defaults, values and errors
// at their lines.
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "unit/config/config_fixture.hpp"

namespace cutover::config {
namespace {

using test::dump;
using test::expect_error;
using test::kBase;
using test::parse;
using test::with_base;

TEST(ConfigEdge, SafeDefaults) {
  auto parsed = parse(kBase);
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  const auto& config = parsed.config;
  EXPECT_EQ(config.headers_with_underscores, UnderscoreHeaders::drop);
  EXPECT_EQ(config.paths.escaped_slashes, PathsConfig::EscapedSlashes::reject);
  EXPECT_EQ(config.paths.backslash, PathsConfig::Backslash::reject);
  EXPECT_FALSE(config.identity.allow_utf8);
  EXPECT_FALSE(config.identity.signature.enabled);
  EXPECT_EQ(config.identity.signature.header, "X-User-Id-Signature");
  EXPECT_FALSE(config.routes[0].answer.enabled);
  EXPECT_EQ(config.routes[0].allowed_overrides, 0);
}

TEST(ConfigEdge, HeaderAndPathSettings) {
  auto parsed = parse(with_base("headers_with_underscores: reject\npaths: { escaped_slashes: decode, backslash: slash }\n"));
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  EXPECT_EQ(parsed.config.headers_with_underscores, UnderscoreHeaders::reject);
  EXPECT_EQ(parsed.config.paths.escaped_slashes, PathsConfig::EscapedSlashes::decode);
  EXPECT_EQ(parsed.config.paths.backslash, PathsConfig::Backslash::slash);
  expect_error(with_base("headers_with_underscores: keep\n"), 1, {"'headers_with_underscores' must be one of", "keep"});
  expect_error(with_base("paths:\n  escaped_slashes: allow\n"), 2, {"'paths.escaped_slashes' must be one of"});
  expect_error(with_base("paths:\n  dot_segments: reject\n"), 2, {"unknown key 'dot_segments'"});
}

TEST(ConfigEdge, ReturnRoutes) {
  auto parsed = parse(std::string("backends:\n  legacy: { endpoints: [127.0.0.1:8000] }\nroutes:\n") +
                      "  - { id: internal, match: { prefix: /internal }, return: 403 }\n"
                      "  - id: gone\n    match: { prefix: /gone }\n    return: { status: 410, body: bye, content_type: text/html }\n"
                      "  - { id: default, match: { prefix: / }, backend: legacy }\n");
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  const auto& internal = parsed.config.routes[0].answer;
  EXPECT_TRUE(internal.enabled);
  EXPECT_EQ(internal.status, 403u);
  EXPECT_EQ(internal.body, "");
  const auto& gone = parsed.config.routes[1].answer;
  EXPECT_EQ(gone.status, 410u);
  EXPECT_EQ(gone.body, "bye");
  EXPECT_EQ(gone.content_type, "text/html");
}

TEST(ConfigEdge, ReturnRouteErrors) {
  const std::string head = "backends:\n  legacy: { endpoints: [127.0.0.1:8000] }\nroutes:\n";
  expect_error(head + "  - { id: a, match: { prefix: / }, return: 99 }\n", 4, {"status must be a number from 200 to 599", "99"});
  expect_error(head + "  - { id: a, match: { prefix: / }, return: { body: x } }\n", 4, {"needs 'status'"});
  expect_error(head + "  - { id: a, match: { prefix: / }, return: 403, backend: legacy }\n", 4,
               {"has 'return' and a backend"});
  expect_error(head + "  - { id: a, match: { prefix: / }, return: { status: 204, body: x } }\n", 4, {"carries no body"});
  expect_error(head + "  - { id: a, match: { prefix: / }, return: { status: 403, colour: red } }\n", 4,
               {"unknown key 'colour'"});
}

TEST(ConfigEdge, AllowedOverrideHeadersAreNamedFromTheKnownSet) {
  const std::string head = "backends:\n  legacy: { endpoints: [127.0.0.1:8000] }\nroutes:\n";
  auto parsed = parse(head + "  - { id: a, match: { prefix: / }, backend: legacy,"
                             " allow_override_headers: [x-http-method-override, X_Original_URL] }\n");
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  EXPECT_EQ(parsed.config.routes[0].allowed_overrides, (1u << 3) | (1u << 0));
  expect_error(head + "  - { id: a, match: { prefix: / }, backend: legacy, allow_override_headers: [X-Foo] }\n", 4,
               {"'X-Foo'", "not one of the override headers", "X-HTTP-Method-Override"});
  expect_error(head + "  - { id: a, match: { prefix: / }, backend: legacy, allow_override_headers: X-HTTP-Method }\n",
               4, {"must be a list"});
}

TEST(ConfigEdge, SignatureNeedsALongEnoughSecretFile) {
  cutover::test::TempDir dir{"signature"};
  dir.write("etc/sig.key", std::string(40, 's') + "\n");
  dir.write("etc/short.key", "short\n");
  const auto file = (dir.path() / "etc" / "gw.yaml").string();
  auto parsed = parse(with_base("identity:\n  allow_utf8: true\n  signature: { secret_file: sig.key, rotation_grace: 1m }\n"), file);
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  const auto& signature = parsed.config.identity.signature;
  EXPECT_TRUE(parsed.config.identity.allow_utf8);
  EXPECT_TRUE(signature.enabled);
  EXPECT_EQ(signature.secret, std::string(40, 's'));
  EXPECT_EQ(signature.rotation_grace, std::chrono::minutes(1));
  auto short_secret = parse(with_base("identity:\n  signature:\n    secret_file: short.key\n"), file).errors();
  ASSERT_EQ(short_secret.size(), 1u) << dump(short_secret);
  EXPECT_EQ(short_secret[0].mark.line, 3);
  EXPECT_THAT(short_secret[0].message, ::testing::HasSubstr("needs at least 32"));
  auto missing = parse(with_base("identity:\n  signature: { header: X-Sig }\n"), file).errors();
  ASSERT_EQ(missing.size(), 1u) << dump(missing);
  EXPECT_THAT(missing[0].message, ::testing::HasSubstr("needs 'secret_file'"));
  auto same = parse(with_base("identity:\n  signature: { secret_file: sig.key, header: X-User-Id }\n"), file).errors();
  ASSERT_EQ(same.size(), 1u) << dump(same);
  EXPECT_THAT(same[0].message, ::testing::HasSubstr("must differ from 'identity.header'"));
}

}  // namespace
}  // namespace cutover::config
