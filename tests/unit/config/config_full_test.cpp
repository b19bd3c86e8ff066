// A config that sets every key parses to exactly those values; a minimal one gets the defaults.
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "unit/config/config_fixture.hpp"

namespace cutover::config {
namespace {

using test::dump;
using test::kRsaPublicPem;
using test::kSecret;
using test::parse;
using namespace std::chrono_literals;

// Every key of every section, in the layout an operator would write.
constexpr const char* kEverything = R"(listen: 127.0.0.1:9090
workers: 4
trust_forwarded_headers: true
limits:
  max_header_bytes: 32KiB
  max_body_bytes: 10MB
  header_timeout: 5s
  idle_timeout: 2m
  body_timeout: 250ms
access_log:
  path: logs/access.log
identity:
  header: X-Auth-User
  namespace: X-Edge-
  anonymous: deny
  sticky_cookie: edge_uid
  jwt:
    header: X-Token
    cookie: session_jwt
    hs256_secret_file: keys/hs.secret
    rs256_public_key_file: keys/rs.pem
    issuer: https://issuer.example
    audience: notes
    claim: uid
    leeway: 1m
    cache_entries: 500
  auth_request:
    backend: legacy
    path: /internal/whoami
    cookie: sid
    user_header: X-Who
    cache_ttl: 10s
    timeout: 1500ms
    cache_entries: 42
backends:
  legacy:
    endpoints: [127.0.0.1:8000, "[::1]:8001"]
    connect_timeout: 1s
    timeout: 45s
    idle_timeout: 20s
    max_idle_per_endpoint: 8
  notes-svc:
    endpoints:
      - notes.internal:9000
routes:
  - id: notes-read
    match:
      path: /api/notes/{id}
      methods: [get, HEAD]
      host: API.Example.com
    split: { notes-svc: 12.5 }
    rollback_to: legacy
    sticky: cookie
    cohort: notes
    require_user: false
  - id: default
    match: { prefix: / }
    backend: legacy
    sticky: none
)";

class ConfigFull : public ::testing::Test {
 protected:
  ConfigFull() {
    dir_.write("keys/hs.secret", std::string(kSecret) + "\n");
    dir_.write("keys/rs.pem", kRsaPublicPem);
    file_ = dir_.write("conf/../gw.yaml", kEverything).string();
  }
  cutover::test::TempDir dir_{"config"};
  std::string file_;
};

TEST_F(ConfigFull, EveryKeyParsesToItsValue) {
  Config c;
  std::vector<Diagnostic> warnings;
  ASSERT_NO_THROW(c = load_config_file(file_, &warnings));
  EXPECT_TRUE(warnings.empty()) << dump(warnings);
  EXPECT_EQ(c.source_file, file_);
  EXPECT_EQ(c.listen.host, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 9090);
  EXPECT_EQ(c.listen.mark.line, 1);
  EXPECT_EQ(c.workers, 4u);
  EXPECT_TRUE(c.trust_forwarded_headers);

  EXPECT_EQ(c.limits.max_header_bytes, 32u * 1024);
  EXPECT_EQ(c.limits.max_body_bytes, 10'000'000u);
  EXPECT_EQ(c.limits.header_timeout, 5s);
  EXPECT_EQ(c.limits.idle_timeout, 2min);
  EXPECT_EQ(c.limits.body_timeout, 250ms);
  EXPECT_EQ(c.access_log.path, (dir_.path() / "logs/access.log").string());

  const auto& id = c.identity;
  EXPECT_EQ(id.header, "X-Auth-User");
  EXPECT_EQ(id.header_namespace, "X-Edge-");
  EXPECT_FALSE(id.allow_anonymous);
  EXPECT_EQ(id.sticky_cookie, "edge_uid");
  EXPECT_TRUE(id.jwt.enabled);
  EXPECT_EQ(id.jwt.header, "X-Token");
  EXPECT_EQ(id.jwt.cookie, "session_jwt");
  EXPECT_EQ(id.jwt.hs256_secret_file, "keys/hs.secret");
  EXPECT_EQ(id.jwt.hs256_secret, kSecret);  // trailing newline of `echo > file` dropped
  EXPECT_EQ(id.jwt.rs256_public_key_file, "keys/rs.pem");
  EXPECT_EQ(id.jwt.rs256_public_key_pem, kRsaPublicPem);
  EXPECT_EQ(id.jwt.issuer, "https://issuer.example");
  EXPECT_EQ(id.jwt.audience, "notes");
  EXPECT_EQ(id.jwt.claim, "uid");
  EXPECT_EQ(id.jwt.leeway, 1min);
  EXPECT_EQ(id.jwt.cache_entries, 500u);
  EXPECT_EQ(id.jwt.mark.line, 18);
  EXPECT_TRUE(id.auth_request.enabled);
  EXPECT_EQ(id.auth_request.backend, "legacy");
  EXPECT_EQ(id.auth_request.path, "/internal/whoami");
  EXPECT_EQ(id.auth_request.cookie, "sid");
  EXPECT_EQ(id.auth_request.user_header, "X-Who");
  EXPECT_EQ(id.auth_request.cache_ttl, 10s);
  EXPECT_EQ(id.auth_request.timeout, 1500ms);
  EXPECT_EQ(id.auth_request.cache_entries, 42u);

  ASSERT_EQ(c.backends.size(), 2u);
  const auto& legacy = c.backends[0];
  EXPECT_EQ(legacy.name, "legacy");
  EXPECT_EQ(legacy.mark.line, 36);
  ASSERT_EQ(legacy.endpoints.size(), 2u);
  EXPECT_EQ(legacy.endpoints[0].to_string(), "127.0.0.1:8000");
  EXPECT_EQ(legacy.endpoints[1].host, "::1");
  EXPECT_EQ(legacy.endpoints[1].port, 8001);
  EXPECT_EQ(legacy.connect_timeout, 1s);
  EXPECT_EQ(legacy.timeout, 45s);
  EXPECT_EQ(legacy.idle_timeout, 20s);
  EXPECT_EQ(legacy.max_idle_per_endpoint, 8u);
  ASSERT_EQ(c.backends[1].endpoints.size(), 1u);
  EXPECT_EQ(c.backends[1].endpoints[0].host, "notes.internal");
  EXPECT_EQ(c.backends[1].endpoints[0].mark.line, 44);
  EXPECT_EQ(c.find_backend("notes-svc"), &c.backends[1]);
  EXPECT_EQ(c.find_backend("nope"), nullptr);

  ASSERT_EQ(c.routes.size(), 2u);
  const auto& notes = c.routes[0];
  EXPECT_EQ(notes.id, "notes-read");
  EXPECT_EQ(notes.mark.line, 46);
  EXPECT_EQ(notes.match.path, "/api/notes/{id}");
  EXPECT_EQ(notes.match.path_mark.line, 48);
  EXPECT_EQ(notes.match.methods, (std::vector<std::string>{"GET", "HEAD"}));
  EXPECT_EQ(notes.match.host, "api.example.com");
  ASSERT_EQ(notes.split.size(), 1u);
  EXPECT_EQ(notes.split[0].backend, "notes-svc");
  EXPECT_EQ(notes.split[0].share, 1250u);
  EXPECT_EQ(notes.split[0].mark.line, 51);
  EXPECT_EQ(notes.rollback_to, "legacy");
  EXPECT_EQ(notes.sticky, Sticky::cookie);
  EXPECT_EQ(notes.cohort, "notes");
  EXPECT_FALSE(notes.require_user);  // explicit false beats anonymous: deny
  const auto& fallback = c.routes[1];
  EXPECT_EQ(fallback.match.prefix, "/");
  EXPECT_EQ(fallback.backend, "legacy");
  EXPECT_EQ(fallback.sticky, Sticky::none);
  EXPECT_TRUE(fallback.require_user);  // inherited from anonymous: deny
  EXPECT_TRUE(fallback.cohort.empty());
}

TEST(ConfigDefaults, MinimalConfigGetsEveryDefault) {
  auto parsed = parse(test::kBase);
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  const Config& c = parsed.config;
  EXPECT_EQ(c.listen.to_string(), "0.0.0.0:8080");
  EXPECT_EQ(c.workers, 0u);
  EXPECT_FALSE(c.trust_forwarded_headers);
  EXPECT_EQ(c.limits.max_header_bytes, 64u * 1024);
  EXPECT_EQ(c.limits.max_body_bytes, 1ull << 30);
  EXPECT_EQ(c.limits.header_timeout, 10s);
  EXPECT_EQ(c.limits.idle_timeout, 60s);
  EXPECT_EQ(c.limits.body_timeout, 30s);
  EXPECT_EQ(c.limits.request_buffer, 64u * 1024);
  EXPECT_EQ(c.limits.min_body_rate, 1024u);
  EXPECT_EQ(c.access_log.path, "stdout");
  EXPECT_EQ(c.identity.header, "X-User-Id");
  EXPECT_EQ(c.identity.header_namespace, "X-Cutover-");
  EXPECT_TRUE(c.identity.allow_anonymous);
  EXPECT_EQ(c.identity.sticky_cookie, "cutover_uid");
  EXPECT_FALSE(c.identity.jwt.enabled);
  EXPECT_FALSE(c.identity.auth_request.enabled);
  ASSERT_EQ(c.backends.size(), 1u);
  EXPECT_EQ(c.backends[0].connect_timeout, 2s);
  EXPECT_EQ(c.backends[0].timeout, 30s);
  EXPECT_EQ(c.backends[0].idle_timeout, 30s);
  EXPECT_EQ(c.backends[0].max_idle_per_endpoint, 64u);
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].sticky, Sticky::user);
  EXPECT_FALSE(c.routes[0].require_user);
  EXPECT_TRUE(c.routes[0].match.methods.empty());
  EXPECT_TRUE(c.routes[0].match.host.empty());
}

TEST(ConfigDefaults, SectionDefaultsInsideJwtAndAuthRequest) {
  cutover::test::TempDir dir("defaults");
  dir.write("hs.secret", kSecret);
  auto file = dir.write("gw.yaml", std::string("identity:\n  jwt: { hs256_secret_file: hs.secret }\n"
                                               "  auth_request: { backend: legacy }\n") +
                                       test::kBase);
  Config c = load_config_file(file.string());
  EXPECT_EQ(c.identity.jwt.header, "Authorization");
  EXPECT_EQ(c.identity.jwt.claim, "sub");
  EXPECT_EQ(c.identity.jwt.leeway, 30s);
  EXPECT_EQ(c.identity.jwt.cache_entries, 10000u);
  EXPECT_TRUE(c.identity.jwt.rs256_public_key_pem.empty());
  EXPECT_EQ(c.identity.auth_request.path, "/internal/whoami");
  EXPECT_EQ(c.identity.auth_request.cookie, "sessionid");
  EXPECT_EQ(c.identity.auth_request.user_header, "X-User-Id");
  EXPECT_EQ(c.identity.auth_request.cache_ttl, 30s);
  EXPECT_EQ(c.identity.auth_request.timeout, 2s);
}

TEST(ConfigAccessLog, PathResolvesAgainstTheConfigDirectory) {
  auto path_of = [](std::string_view value, const std::string& file) {
    auto parsed = parse("access_log: { path: " + std::string(value) + " }\n" + test::kBase, file);
    EXPECT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
    return parsed.config.access_log.path;
  };
  EXPECT_EQ(path_of("access.log", "/etc/cutover/gw.yaml"), "/etc/cutover/access.log");
  EXPECT_EQ(path_of("../log/a.log", "/etc/cutover/gw.yaml"), "/etc/log/a.log");
  EXPECT_EQ(path_of("./a.log", "conf/gw.yaml"), "conf/a.log");
  EXPECT_EQ(path_of("/var/log/a.log", "/etc/cutover/gw.yaml"), "/var/log/a.log");
  for (const char* keyword : {"stdout", "stderr", "off"}) {
    EXPECT_EQ(path_of(keyword, "/etc/cutover/gw.yaml"), keyword);
  }
}

TEST(ConfigLoad, MissingFileThrowsWithItsName) {
  try {
    load_config_file("/nonexistent/cutover.yaml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, "/nonexistent/cutover.yaml");
    EXPECT_THAT(e.what(), ::testing::HasSubstr("/nonexistent/cutover.yaml: error: cannot open"));
  }
}

TEST(ConfigLoad, InvalidFileThrowsEveryError) {
  cutover::test::TempDir dir("load");
  auto file = dir.write("bad.yaml", "workers: 0\nlisten: nowhere\n");
  try {
    load_config_file(file.string());
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    // workers, listen, missing backends, missing routes.
    EXPECT_EQ(e.diagnostics().size(), 4u) << e.what();
    EXPECT_THAT(e.what(), ::testing::HasSubstr(file.string() + ":1:1: error: 'workers'"));
    EXPECT_THAT(e.what(), ::testing::HasSubstr(file.string() + ":2:1: error: 'listen'"));
  }
}

}  // namespace
}  // namespace cutover::config
