// tls: (the TLS listener) and backends.<name>.tls: defaults, every key, and each problem reported
// once, at the line of the key that caused it. Certificate files are real (TestCa, openssl), read
// relative to the config file as the loader must.
//
// Messages are matched by fragments ("tls.certificates", the file name), not their wording. What
// the files hold is checked when the snapshot is built (tests/unit/tls).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "support/test_certs.hpp"
#include "unit/config/config_fixture.hpp"

namespace cutover::config {
namespace {

using ::testing::EndsWith;
using test::dump;
using test::kBase;

// Runs `check` on the parsed configs (a generic lambda over their fields).
template <class Check, class... Configs>
void check_tls_fields(Check check, const Configs&... configs) {
  check(configs...);
}

class ConfigTls : public ::testing::Test {
 protected:
  // Parses `yaml` as if it were the file <tmp>/etc/gw.yaml, next to the certificates.
  test::Parsed parse_tls(std::string_view yaml) { return test::parse(yaml, file_); }
  // The single error of the parse, at `line`, naming every fragment.
  void expect_error(std::string_view yaml, int line, std::vector<std::string> fragments) {
    auto errors = parse_tls(yaml).errors();
    ASSERT_EQ(errors.size(), 1u) << "config:\n" << yaml << "errors:" << dump(errors);
    EXPECT_EQ(errors[0].file, file_);
    EXPECT_EQ(errors[0].mark.line, line) << errors[0].to_string();
    for (const auto& fragment : fragments) EXPECT_THAT(errors[0].message, ::testing::HasSubstr(fragment));
  }
  // A tls section listing (cert, key) file names as written, on lines 4-5, 6-7, ...; `more` after
  // them, then kBase.
  static std::string tls(const std::vector<std::pair<std::string, std::string>>& certificates,
                         std::string_view more = "") {
    std::string yaml = "tls:\n  listen: 127.0.0.1:8443\n  certificates:\n";
    for (const auto& [cert, key] : certificates) yaml += "    - cert_file: " + cert + "\n      key_file: " + key + "\n";
    return yaml + std::string(more) + kBase;
  }
  // Backend `svc` whose tls settings start on line 5, before a route to it.
  static std::string backend_tls(std::string_view tls_lines) {
    return "backends:\n"
           "  legacy: { endpoints: [127.0.0.1:8000] }\n"
           "  svc:\n"
           "    endpoints: [127.0.0.1:9000]\n" +
           std::string(tls_lines) +
           "routes:\n"
           "  - { id: r, match: { prefix: / }, backend: svc }\n";
  }
  static std::string name(const std::filesystem::path& path) { return path.filename().string(); }

  cutover::test::TempDir dir_{"tls"};
  std::string file_ = (dir_.path() / "etc" / "gw.yaml").string();
  cutover::test::TestCa ca_{dir_.path() / "etc"};
  cutover::test::CertFiles a_ = ca_.issue("a.test", {"a.test", "*.a.test"});
  cutover::test::CertFiles b_ = ca_.issue("b.test", {"b.test"});
};

TEST_F(ConfigTls, WithoutTheSectionsNothingSpeaksTls) {
  auto parsed = parse_tls(kBase);
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  check_tls_fields([](const auto& config) {
    EXPECT_FALSE(config.tls.enabled);
    EXPECT_FALSE(config.find_backend("legacy")->tls.enabled);
  }, parsed.config);
}

TEST_F(ConfigTls, TheSectionsDefaults) {
  auto parsed = parse_tls(tls({{name(a_.cert), name(a_.key)}}));
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  auto backend = parse_tls(backend_tls("    tls: {}\n"));
  ASSERT_TRUE(backend.errors().empty()) << dump(backend.errors());
  check_tls_fields([](const auto& config, const auto& with_backend) {
    EXPECT_TRUE(config.tls.enabled);
    EXPECT_EQ(config.tls.min_version, TlsVersion::tls1_2);
    ASSERT_EQ(config.tls.certificates.size(), 1u);
    const auto& svc = with_backend.find_backend("svc")->tls;
    EXPECT_TRUE(svc.enabled);
    EXPECT_TRUE(svc.verify) << "verification is on unless turned off";
    EXPECT_EQ(svc.ca_file, "") << "the system store";
    EXPECT_EQ(svc.server_name, "") << "the endpoint's host";
  }, parsed.config, backend.config);
}

TEST_F(ConfigTls, EveryKey) {
  auto parsed = parse_tls(tls({{name(a_.cert), name(a_.key)}, {b_.cert.string(), b_.key.string()}},
                              "  min_version: 1.3\n"));  // unquoted: YAML reads it as a number
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  auto backend = parse_tls(backend_tls("    tls:\n      verify: false\n      ca_file: " + name(ca_.cert()) +
                                       "\n      server_name: api.internal\n"));
  ASSERT_TRUE(backend.errors().empty()) << dump(backend.errors());
  check_tls_fields([&](const auto& config, const auto& with_backend) {
    EXPECT_EQ(config.tls.listen.to_string(), "127.0.0.1:8443");
    EXPECT_EQ(config.tls.min_version, TlsVersion::tls1_3);
    ASSERT_EQ(config.tls.certificates.size(), 2u);
    EXPECT_THAT(config.tls.certificates[0].cert_file, EndsWith(name(a_.cert)));
    EXPECT_THAT(config.tls.certificates[0].key_file, EndsWith(name(a_.key)));
    EXPECT_THAT(config.tls.certificates[1].cert_file, EndsWith(name(b_.cert)));
    const auto& svc = with_backend.find_backend("svc")->tls;
    EXPECT_TRUE(svc.enabled);
    EXPECT_FALSE(svc.verify);
    EXPECT_THAT(svc.ca_file, EndsWith(name(ca_.cert())));
    EXPECT_EQ(svc.server_name, "api.internal");
  }, parsed.config, backend.config);
}

TEST_F(ConfigTls, ACertificateNeedsBothFiles) {
  expect_error("tls:\n  listen: 127.0.0.1:8443\n  certificates:\n    - key_file: " + name(a_.key) + "\n" + kBase, 4,
               {"tls.certificates", "cert_file"});
  expect_error("tls:\n  listen: 127.0.0.1:8443\n  certificates:\n    - cert_file: " + name(a_.cert) + "\n" + kBase, 4,
               {"tls.certificates", "key_file"});
}

TEST_F(ConfigTls, UnreadableFilesAreReportedAtTheirKey) {
  expect_error(tls({{"missing.pem", name(a_.key)}}), 4, {"tls.certificates", "missing.pem"});
  expect_error(tls({{name(a_.cert), name(a_.key)}, {name(b_.cert), "gone/b.key"}}), 7, {"tls.certificates", "b.key"});
  // What the files hold is checked when the snapshot is built (tls::ServerContexts: unit_tls,
  // and TlsReload in the integration tests), where OpenSSL loads them.
}

TEST_F(ConfigTls, MinVersionIs12Or13) {
  const auto with = [&](std::string_view value) {
    return tls({{name(a_.cert), name(a_.key)}}, "  min_version: " + std::string(value) + "\n");
  };
  for (const auto* good : {"\"1.2\"", "\"1.3\"", "1.2"}) {
    auto parsed = parse_tls(with(good));
    EXPECT_TRUE(parsed.errors().empty()) << good << dump(parsed.errors());
  }
  expect_error(with("\"1.1\""), 6, {"tls.min_version", "1.1"});
  expect_error(with("1.0"), 6, {"tls.min_version"});
  expect_error(with("tls13"), 6, {"tls.min_version", "tls13"});
}

TEST_F(ConfigTls, CertificatesMustBeANonEmptyList) {
  expect_error("tls:\n  listen: 127.0.0.1:8443\n  certificates: []\n" + std::string(kBase), 3, {"tls.certificates"});
  expect_error("tls:\n  listen: 127.0.0.1:8443\n  certificates: a.pem\n" + std::string(kBase), 3, {"tls.certificates"});
  // A missing key is reported where the section's mapping starts, as elsewhere in the config.
  expect_error("tls:\n  listen: 127.0.0.1:8443\n" + std::string(kBase), 2, {"tls", "certificates"});
}

TEST_F(ConfigTls, UnknownKeysAndBadListenAreLocated) {
  expect_error(tls({{name(a_.cert), name(a_.key)}}, "  min_verison: \"1.3\"\n"), 6,
               {"unknown key 'min_verison'", "did you mean 'min_version'"});
  expect_error("tls:\n  listen: 127.0.0.1:8443\n  certificates:\n    - cert_file: " + name(a_.cert) +
                   "\n      key_file: " + name(a_.key) + "\n      chain_file: x.pem\n" + kBase,
               6, {"unknown key 'chain_file'"});
  expect_error("tls:\n  listen: nowhere\n  certificates:\n    - { cert_file: " + name(a_.cert) + ", key_file: " +
                   name(a_.key) + " }\n" + kBase,
               2, {"tls.listen"});
}

TEST_F(ConfigTls, TheHttpsListenerNeedsAnAddressOfItsOwn) {
  // The plain listener's default is 0.0.0.0:8080: both would bind it (SO_REUSEPORT) and share it.
  expect_error("tls:\n  listen: 0.0.0.0:8080\n  certificates:\n    - { cert_file: " + name(a_.cert) + ", key_file: " +
                   name(a_.key) + " }\n" + kBase,
               2, {"tls.listen", "port of its own"});
}

TEST_F(ConfigTls, BackendTlsKeysAreChecked) {
  expect_error(backend_tls("    tls:\n      verfy: false\n"), 6, {"unknown key 'verfy'", "did you mean 'verify'"});
  expect_error(backend_tls("    tls:\n      verify: maybe\n"), 6, {"backends.svc.tls.verify"});
  expect_error(backend_tls("    tls:\n      ca_file: nowhere/ca.pem\n"), 6, {"backends.svc.tls.ca_file", "ca.pem"});
}

}  // namespace
}  // namespace cutover::config
