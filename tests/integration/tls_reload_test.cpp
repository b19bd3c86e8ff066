// Certificates reload with the config (README "tls", DESIGN.md invariant 3): new connections get
// the new certificate after POST /admin/reload or SIGHUP, a connection opened before keeps
// working, and a broken certificate fails the reload with file:line while the old one serves on.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/test_certs.hpp"
#include "support/tls_client.hpp"
#include "support/tls_helpers.hpp"
#include "support/tls_probe.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <functional>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// The site's certificate lives in site.pem / site.key next to the config; a test renews it by
// rewriting those files (atomically, as a deploy tool would) and reloading.
class TlsReload : public ::testing::Test {
 protected:
  void SetUp() override {
    install(v1_);
    yaml_ = yaml_prologue(2) +
            "tls:\n"
            "  listen: 127.0.0.1:0\n"
            "  certificates:\n"
            "    - cert_file: site.pem\n"
            "      key_file: site.key\n"
            "backends:\n  app: { endpoints: [" + app_->address() + "] }\n"
            "routes:\n  - { id: all, match: { prefix: / }, backend: app }\n";
    gw_.write_config(yaml_);
    gw_.start();
  }

  void install(const CertFiles& cert) {
    gw_.write_file("site.key", read_text_file(cert.key));
    gw_.write_file("site.pem", read_text_file(cert.cert));
  }
  Response reload() { return admin_call(gw_.admin_port(), "POST", "/admin/reload"); }
  // The certificate a new connection gets.
  std::string served_pem() {
    const auto probe = probe_tls(gw_.tls_port(), {.server_name = "site.test", .ca_file = ca_.cert()});
    EXPECT_TRUE(probe.connected()) << probe.dump();
    return probe.peer_pem();
  }
  TlsConnection connect() { return TlsConnection(gw_.tls_port(), {.server_name = "site.test", .ca_file = ca_.cert()}); }
  // "<config>:<line>" of the first line of the config holding `needle`.
  std::string config_line_of(std::string_view needle) const {
    std::size_t line = 1;
    for (std::size_t i = 0; i < yaml_.find(needle); ++i) line += yaml_[i] == '\n' ? 1 : 0;
    return gw_.config_path().string() + ":" + std::to_string(line);
  }

  std::unique_ptr<Upstream> app_ = Upstream::start("app");
  Gateway gw_;
  TestCa ca_{gw_.dir()};
  CertFiles v1_ = ca_.issue("site.test", {"site.test"});
  std::string yaml_;
};

TEST_F(TlsReload, ARenewedCertificateServesNewConnectionsWhileAnOpenOneKeepsWorking) {
  auto open = connect();
  ASSERT_EQ(open.get("/before").status, 200);
  EXPECT_EQ(open.peer_certificate_pem(), v1_.pem());

  const auto v2 = ca_.issue("site.test", {"site.test"});
  install(v2);
  const auto reloaded = reload();
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;

  // The same TLS session, untouched by the reload.
  const auto after = open.get("/after");
  EXPECT_EQ(after.status, 200) << after.error.message();
  EXPECT_TRUE(after.keep_alive);
  EXPECT_EQ(served_pem(), v2.pem());
  auto fresh = connect();
  EXPECT_EQ(fresh.peer_certificate_pem(), v2.pem());
  EXPECT_EQ(fresh.get("/fresh").status, 200);

  // SIGHUP does the same.
  const auto v3 = ca_.issue("site.test", {"site.test"});
  install(v3);
  ASSERT_TRUE(gw_.process().send_signal(SIGHUP));
  EXPECT_TRUE(wait_until([&] { return served_pem() == v3.pem(); }, 5s, 100ms)) << "SIGHUP did not load site.pem";
  EXPECT_EQ(open.get("/after-sighup").status, 200) << "the first connection outlived two reloads";
  EXPECT_EQ(fresh.get("/after-sighup").status, 200);
  EXPECT_EQ(app_->hits("/after-sighup"), 2u);
}

TEST_F(TlsReload, WithWatchOnARenewedCertificateIsLoadedWithoutASignal) {
  gw_.stop();
  gw_.write_config(yaml_ + "watch: true\n");
  gw_.start();
  EXPECT_EQ(served_pem(), v1_.pem());
  const auto v2 = ca_.issue("site.test", {"site.test"});
  install(v2);  // the key, then the certificate: the first save alone fails its reload
  EXPECT_TRUE(wait_until([&] { return served_pem() == v2.pem(); }, 5s, 100ms)) << gw_.process().output();
}

TEST_F(TlsReload, ABrokenCertificateFailsTheReloadNamingItsFileAndTheOldOneServesOn) {
  auto open = connect();
  ASSERT_EQ(open.get("/").status, 200);
  const auto other = ca_.issue("site.test", {"site.test"});
  struct Breakage {
    std::string what;
    std::function<void()> apply;
    std::string file;  // named by the error
    std::string line;  // file:line of the config the error cites
  };
  const std::vector<Breakage> breakages{
      {"garbage certificate", [&] { gw_.write_file("site.pem", "-----BEGIN CERTIFICATE-----\nnope\n"); }, "site.pem",
       config_line_of("cert_file: site.pem")},
      {"missing key", [&] { std::filesystem::remove(gw_.file("site.key")); }, "site.key",
       config_line_of("key_file: site.key")},
      // ALIGN(TLS): a key that does not match its certificate is reported at cert_file or key_file.
      {"key of another certificate", [&] { gw_.write_file("site.pem", read_text_file(other.cert)); }, "site.",
       gw_.config_path().string() + ":"},
  };
  for (const auto& breakage : breakages) {
    SCOPED_TRACE(breakage.what);
    breakage.apply();
    const auto failed = reload();
    EXPECT_EQ(failed.status, 422) << failed.body;
    EXPECT_THAT(failed.body, HasSubstr(breakage.file));
    EXPECT_THAT(failed.body, HasSubstr(breakage.line));
    auto status = json_body(admin_call(gw_.admin_port(), "GET", "/admin/status"));
    EXPECT_EQ(status["last_reload"]["ok"], false);

    EXPECT_EQ(served_pem(), v1_.pem()) << "the old certificate serves on";
    const auto r = curl_https(gw_.tls_port(), "site.test", "/", ca_.cert());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(open.get("/").status, 200);
    install(v1_);
  }
  const auto metrics = http_get(gw_.admin_port(), "/metrics").body;
  EXPECT_EQ(metric_value(metrics, "cutover_reloads_total", {{"result", "failure"}}), 3.0);

  // Fixed: the next reload takes the new certificate.
  install(other);
  const auto reloaded = reload();
  EXPECT_EQ(reloaded.status, 200) << reloaded.body;
  EXPECT_EQ(served_pem(), other.pem());
  EXPECT_EQ(open.get("/").status, 200);
}

}  // namespace
}  // namespace cutover::test
