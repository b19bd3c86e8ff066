// identity: key files are read relative to the config file, and every problem with them (or with
// auth_request's backend) points at the line of the key that caused it.
#include <openssl/err.h>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "unit/config/config_fixture.hpp"

namespace cutover::config {
namespace {

using test::dump;
using test::kBase;
using test::kEcPublicPem;
using test::kRsaPublicPem;
using test::kSecret;

class ConfigIdentity : public ::testing::Test {
 protected:
  // Parses `identity` + kBase as if it were the file <tmp>/etc/gw.yaml.
  test::Parsed parse_identity(std::string_view identity) {
    file_ = (dir_.path() / "etc" / "gw.yaml").string();
    return test::parse(std::string(identity) + kBase, file_);
  }
  // The single error of the parse, at `line`, naming every fragment.
  void expect_error(std::string_view identity, int line, std::vector<std::string> fragments) {
    auto errors = parse_identity(identity).errors();
    ASSERT_EQ(errors.size(), 1u) << dump(errors);
    EXPECT_EQ(errors[0].file, file_);
    EXPECT_EQ(errors[0].mark.line, line) << errors[0].to_string();
    for (const auto& fragment : fragments) EXPECT_THAT(errors[0].message, ::testing::HasSubstr(fragment));
  }

  cutover::test::TempDir dir_{"identity"};
  std::string file_;
};

TEST_F(ConfigIdentity, SecretFileIsReadRelativeToTheConfigFile) {
  dir_.write("etc/keys/hs.secret", std::string(kSecret) + "\r\n");
  auto parsed = parse_identity("identity:\n  jwt:\n    hs256_secret_file: keys/hs.secret\n");
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  EXPECT_EQ(parsed.config.identity.jwt.hs256_secret, kSecret);  // line break of `echo > file` dropped
  EXPECT_EQ(parsed.config.identity.jwt.hs256_secret_file, "keys/hs.secret");
}

TEST_F(ConfigIdentity, AbsoluteSecretPathIsUsedAsIs) {
  auto secret = dir_.write("elsewhere/hs.secret", std::string(kSecret) + "!");
  auto parsed = parse_identity("identity:\n  jwt: { hs256_secret_file: " + secret.string() + " }\n");
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  EXPECT_EQ(parsed.config.identity.jwt.hs256_secret, std::string(kSecret) + "!");
}

TEST_F(ConfigIdentity, MissingSecretFileIsReportedAtItsKey) {
  expect_error("identity:\n  header: X-User-Id\n  jwt:\n    claim: sub\n    hs256_secret_file: keys/none\n", 5,
               {"cannot read 'identity.jwt.hs256_secret_file'", "etc/keys/none", "missing"});
}

TEST_F(ConfigIdentity, EmptySecretFileIsReported) {
  dir_.write("etc/empty.secret", "");
  expect_error("identity:\n  jwt:\n    hs256_secret_file: empty.secret\n", 3, {"empty"});
}

TEST_F(ConfigIdentity, SecretOfOnlyLineBreaksIsOneError) {
  // Stripping the trailing newline would otherwise leave an empty HMAC key.
  dir_.write("etc/blank.secret", "\n\r\n");
  expect_error("identity:\n  jwt:\n    hs256_secret_file: blank.secret\n", 3, {"only line breaks"});
}

TEST_F(ConfigIdentity, ShortSecretIsRejected) {
  dir_.write("etc/short.secret", std::string(kSecret).substr(1) + "\n");  // 31 bytes
  expect_error("identity:\n  jwt:\n    claim: sub\n    hs256_secret_file: short.secret\n", 4,
               {"holds 31 bytes", "at least 32"});
}

TEST_F(ConfigIdentity, PublicKeyFileMustHoldAnRsaPem) {
  dir_.write("etc/text.pem", "not a key\n");
  expect_error("identity:\n  jwt:\n    claim: sub\n    rs256_public_key_file: text.pem\n", 4,
               {"must hold a PEM RSA public key"});
  dir_.write("etc/fake.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  expect_error("identity:\n  jwt:\n    rs256_public_key_file: fake.pem\n", 3, {"must hold a PEM RSA public key"});
  dir_.write("etc/ec.pem", kEcPublicPem);
  expect_error("identity:\n  jwt:\n    rs256_public_key_file: ec.pem\n", 3, {"must hold a PEM RSA public key"});
  EXPECT_EQ(ERR_peek_error(), 0u) << "a rejected key must not leave errors queued for later OpenSSL calls";

  dir_.write("etc/good.pem", kRsaPublicPem);
  auto parsed = parse_identity("identity:\n  jwt: { rs256_public_key_file: good.pem }\n");
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  EXPECT_EQ(parsed.config.identity.jwt.rs256_public_key_pem, kRsaPublicPem);
  EXPECT_TRUE(parsed.config.identity.jwt.hs256_secret.empty());
}

TEST_F(ConfigIdentity, JwtNeedsAtLeastOneKeyFile) {
  expect_error("identity:\n  anonymous: allow\n  jwt:\n    issuer: me\n    audience: you\n", 4,
               {"'identity.jwt' needs hs256_secret_file or rs256_public_key_file"});
  expect_error("identity:\n  jwt: {}\n", 2, {"needs hs256_secret_file or rs256_public_key_file"});
}

TEST_F(ConfigIdentity, JwtValueChecks) {
  dir_.write("etc/k", kSecret);
  expect_error("identity:\n  jwt:\n    hs256_secret_file: k\n    claim: \"\"\n", 4, {"'identity.jwt.claim' must not be empty"});
  expect_error("identity:\n  jwt:\n    hs256_secret_file: k\n    leeway: 30\n", 4, {"'identity.jwt.leeway' must be a duration"});
  expect_error("identity:\n  jwt:\n    hs256_secret_file: k\n    header: \"Bad Header\"\n", 4, {"'identity.jwt.header'"});
}

TEST_F(ConfigIdentity, AuthRequestNeedsABackend) {
  expect_error("identity:\n  auth_request:\n    path: /whoami\n", 3, {"'identity.auth_request' needs 'backend'"});
}

TEST_F(ConfigIdentity, AuthRequestUnknownBackendPointsAtTheName) {
  expect_error("identity:\n  auth_request:\n    path: /whoami\n    cookie: sid\n    backend: monolith\n", 5,
               {"names unknown backend 'monolith'"});
  auto parsed = parse_identity("identity:\n  auth_request: { backend: legacy }\n");
  EXPECT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
}

TEST_F(ConfigIdentity, AuthRequestValueChecks) {
  expect_error("identity:\n  auth_request:\n    backend: legacy\n    path: whoami\n", 4, {"must start with '/'"});
  expect_error("identity:\n  auth_request:\n    backend: legacy\n    cookie: \"\"\n", 4, {"must name the session cookie"});
  expect_error("identity:\n  auth_request:\n    backend: legacy\n    cache_ttl: soon\n", 4,
               {"'identity.auth_request.cache_ttl' must be a duration"});
}

TEST_F(ConfigIdentity, AuthRequestHostAndStaleIfError) {
  auto parsed = parse_identity("identity:\n  auth_request: { backend: legacy }\n");
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  EXPECT_EQ(parsed.config.identity.auth_request.host, "");  // the client's Host
  EXPECT_EQ(parsed.config.identity.auth_request.stale_if_error, std::chrono::minutes(5));

  parsed = parse_identity("identity:\n  auth_request: { backend: legacy, host: shop.example:8000, stale_if_error: 0s }\n");
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  EXPECT_EQ(parsed.config.identity.auth_request.host, "shop.example:8000");
  EXPECT_EQ(parsed.config.identity.auth_request.stale_if_error, std::chrono::milliseconds(0));

  parsed = parse_identity("identity:\n  auth_request: { backend: legacy, host: '[::1]:8000' }\n");
  EXPECT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
}

TEST_F(ConfigIdentity, AuthRequestHostMustBeAHost) {
  // A line break would end the subrequest's head early; the rest, make it ambiguous.
  expect_error("identity:\n  auth_request:\n    backend: legacy\n    host: \"a.example\\r\\nX-User-Id: admin\"\n", 4,
               {"'identity.auth_request.host' must be a host[:port]"});
  expect_error("identity:\n  auth_request:\n    backend: legacy\n    host: user@shop.example\n", 4,
               {"'identity.auth_request.host' must be a host[:port]"});
  expect_error("identity:\n  auth_request:\n    backend: legacy\n    host: \"\"\n", 4,
               {"'identity.auth_request.host' must be a host[:port]"});
}

TEST_F(ConfigIdentity, AuthRequestDurations) {
  expect_error("identity:\n  auth_request:\n    backend: legacy\n    stale_if_error: forever\n", 4,
               {"'identity.auth_request.stale_if_error' must be a duration"});
  expect_error("identity:\n  auth_request:\n    backend: legacy\n    timeout: 0s\n", 4,
               {"'identity.auth_request.timeout' must be more than 0"});
}

TEST_F(ConfigIdentity, AnonymousDenyMakesRoutesRequireAUser) {
  auto parsed = parse_identity("identity: { anonymous: deny }\n");
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  EXPECT_FALSE(parsed.config.identity.allow_anonymous);
  ASSERT_EQ(parsed.config.routes.size(), 1u);
  EXPECT_TRUE(parsed.config.routes[0].require_user);
}

}  // namespace
}  // namespace cutover::config
