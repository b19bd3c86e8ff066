// TLS to backends (README "backends[].tls"): test_upstream --tls-cert on its own, then behind the
// gateway: a backend verified against its CA and name answers, one that fails verification is a
// 502 with the gateway's JSON body (and is never sent the request), `verify: false` accepts it, and
// pooled TLS connections to a backend are reused.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certs.hpp"
#include "support/tls_client.hpp"
#include "support/tls_helpers.hpp"
#include "support/tls_probe.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cutover::test {
namespace {

std::unique_ptr<Upstream> start_https(std::string name, const CertFiles& cert) {
  return Upstream::start(std::move(name), {"--tls-cert", cert.cert.string(), "--tls-key", cert.key.string()});
}

// test_upstream's HTTPS mode, no gateway involved: what the tests below rely on.
class TlsUpstream : public ::testing::Test {
 protected:
  TempDir dir_{"certs"};
  TestCa ca_{dir_.path()};
  CertFiles api_ = ca_.issue("api.internal", {"api.internal", "127.0.0.1"});
};

TEST_F(TlsUpstream, ServesHttpsWithItsCertificateAndShowsTheRequestHeaders) {
  auto up = start_https("secure", api_);
  const auto r = curl_https(up->port, "api.internal", "/headers", ca_.cert(), {"-H", "X-Forwarded-Proto: https"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.status, 200);
  auto body = parse_json(r.body);
  ASSERT_TRUE(body) << r.body;
  EXPECT_EQ((*body)["backend"], "secure");
  Response as_response;
  as_response.body = r.body;
  EXPECT_THAT(find_headers(upstream_headers(as_response), "X-Forwarded-Proto"), ::testing::ElementsAre("https"));

  // The certificate is the one given, and nothing else verifies it.
  EXPECT_EQ(probe_tls(up->port, {.server_name = "api.internal"}).peer_pem(), api_.pem());
  const auto wrong = self_signed(dir_.path(), "api.internal", {"api.internal"});
  EXPECT_EQ(curl_https(up->port, "api.internal", "/", wrong.cert).exit_code, 60) << "curl: certificate not trusted";
  // Plain HTTP gets no HTTP answer; the stats still come (over TLS).
  EXPECT_EQ(http_get(up->port, "/", {}, std::chrono::seconds(5)).status, 0);
  EXPECT_EQ(up->hits("/headers"), 1u);
}

TEST_F(TlsUpstream, KeepsATlsConnectionAliveAcrossRequests) {
  auto up = start_https("secure", api_);
  TlsConnection c(up->port, {.server_name = "api.internal", .ca_file = ca_.cert(), .alpn = {"h2", "http/1.1"}});
  EXPECT_EQ(c.alpn(), "http/1.1");
  EXPECT_EQ(c.peer_certificate_pem(), api_.pem());
  for (int i = 0; i < 5; ++i) {
    const auto r = c.get("/n/" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << r.error.message();
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(served_by(r), "secure");
  }
  EXPECT_EQ(up->connections_accepted(), 1u);
  EXPECT_EQ(up->total_requests(), 5u);
}

// The gateway in front of HTTPS backends. The CA lives next to the config, so `ca_file` is
// written relative to it.
class TlsBackend : public ::testing::Test {
 protected:
  // A backend `name` on `up` with `tls` as its flow-style TLS settings, and the route to it: the
  // requests whose Host is `name` (so every backend answers the same paths, /headers included).
  static std::string backend(const std::string& name, const Upstream& up, const std::string& tls) {
    return "  " + name + ":\n    endpoints: [" + up.address() + "]\n    tls: " + tls + "\n";
  }
  static std::string route(const std::string& name) {
    return "  - { id: " + name + ", match: { prefix: /, host: " + name + " }, backend: " + name + " }\n";
  }
  Response get(const std::string& host, const std::string& target) {
    return http_get(gw_.port(), target, {{"Host", host}});
  }

  Gateway gw_;
  TestCa ca_{gw_.dir()};
  CertFiles api_ = ca_.issue("api.internal", {"api.internal", "127.0.0.1"});
  std::string ca_file_ = config_relative(ca_.cert(), gw_.dir());
};

TEST_F(TlsBackend, AVerifiedBackendAnswersAndTlsClientsStillSayHttps) {
  // Two processes: connections to one address are pooled together, so backends there must agree
  // on their tls settings (the gateway refuses the config otherwise).
  auto up = start_https("secure", api_);
  auto up_by_host = start_https("secure", api_);
  const auto site = ca_.issue("gw.test", {"gw.test"});
  gw_.write_config(yaml_prologue(2) + tls_listener_yaml({site}, gw_.dir()) + "backends:\n" +
                   backend("named", *up, "{ ca_file: " + ca_file_ + ", server_name: api.internal }") +
                   // ALIGN(TLS): without server_name the name verified is the endpoint's host, here
                   // an IP literal, matched against the certificate's IP SAN (and no SNI is sent).
                   backend("by-host", *up_by_host, "{ ca_file: " + ca_file_ + " }") + "routes:\n" + route("named") +
                   route("by-host"));
  gw_.start();
  for (const std::string host : {"named", "by-host"}) {
    const auto r = get(host, "/headers");
    ASSERT_EQ(r.status, 200) << host << ": " << r.body;
    EXPECT_EQ(served_by(r), "secure");
    EXPECT_THAT(find_headers(upstream_headers(r), "X-Forwarded-Proto"), ::testing::ElementsAre("http"));
  }
  // TLS on both legs: the backend hears that the client came over https.
  const auto r = curl_https(gw_.tls_port(), "gw.test", "/headers", ca_.cert(), {"-H", "Host: named"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.status, 200) << r.body;
  Response as_response;
  as_response.body = r.body;
  EXPECT_THAT(find_headers(upstream_headers(as_response), "X-Forwarded-Proto"), ::testing::ElementsAre("https"));
}

TEST_F(TlsBackend, AFailedVerificationIs502WithAJsonBodyAndVerifyFalseAcceptsIt) {
  auto good = start_https("good", api_);
  const auto rogue_cert = self_signed(gw_.dir(), "api.internal", {"api.internal", "127.0.0.1"});
  auto rogue = start_https("rogue", rogue_cert);
  // `lax` has an address of its own: one shared with `untrusted` would pool connections that
  // were never verified with the ones that must be (the gateway refuses such a config).
  auto rogue_for_lax = start_https("rogue", rogue_cert);
  gw_.write_config(yaml_prologue(1) + "backends:\n" +
                   backend("untrusted", *rogue, "{ ca_file: " + ca_file_ + ", server_name: api.internal }") +
                   backend("misnamed", *good, "{ ca_file: " + ca_file_ + ", server_name: other.internal }") +
                   backend("lax", *rogue_for_lax, "{ verify: false, ca_file: " + ca_file_ + ", server_name: api.internal }") +
                   "routes:\n" + route("untrusted") + route("misnamed") + route("lax"));
  gw_.start();
  for (const std::string host : {"untrusted", "misnamed"}) {
    SCOPED_TRACE(host);
    const auto r = get(host, "/");
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_FALSE(r.header("X-Served-By")) << "the gateway answered, not a backend";
    auto body = parse_json(r.body);
    ASSERT_TRUE(body && body->is_object()) << r.body;
    EXPECT_EQ((*body)["status"], 502);
    EXPECT_TRUE((*body)["error"].is_string()) << r.body;
  }
  EXPECT_EQ(rogue->total_requests(), 0u) << "no request went over a connection that failed verification";
  EXPECT_EQ(good->total_requests(), 0u);

  const auto lax = get("lax", "/");
  EXPECT_EQ(lax.status, 200) << lax.body;
  EXPECT_EQ(served_by(lax), "rogue");
}

TEST_F(TlsBackend, PooledTlsConnectionsAreReused) {
  auto up = start_https("secure", api_);
  gw_.write_config(yaml_prologue(1) + "backends:\n" +
                   backend("app", *up, "{ ca_file: " + ca_file_ + ", server_name: api.internal }") + "routes:\n" +
                   "  - { id: all, match: { prefix: / }, backend: app }\n");
  gw_.start();
  HttpConnection c(gw_.port());
  for (int i = 0; i < 20; ++i) {
    const auto r = c.get("/item/" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << i << ": " << r.body;
    EXPECT_EQ(served_by(r), "secure");
  }
  EXPECT_EQ(up->total_requests(), 20u);
  EXPECT_EQ(up->connections_accepted(), 1u) << "one worker, sequential requests: one pooled TLS connection";
}

// A connection pooled under `verify: false` must not serve requests once a reload asks for
// verification: pooled connections are kept by address, with what they were checked for.
TEST_F(TlsBackend, AReloadThatTurnsVerificationOnDoesNotReuseUnverifiedConnections) {
  auto rogue = start_https("rogue", self_signed(gw_.dir(), "api.internal", {"api.internal", "127.0.0.1"}));
  const auto config = [&](const std::string& tls) {
    return yaml_prologue(1) + "backends:\n" + backend("app", *rogue, tls) + "routes:\n" +
           "  - { id: all, match: { prefix: / }, backend: app }\n";
  };
  gw_.write_config(config("{ verify: false, server_name: api.internal }"));
  gw_.start();
  HttpConnection c(gw_.port());
  ASSERT_EQ(c.get("/before").status, 200);
  EXPECT_EQ(rogue->connections_accepted(), 1u);
  gw_.write_config(config("{ ca_file: " + ca_file_ + ", server_name: api.internal }"));
  ASSERT_EQ(admin_call(gw_.admin_port(), "POST", "/admin/reload").status, 200);
  const auto after = c.get("/after");
  EXPECT_EQ(after.status, 502) << after.body;
  EXPECT_EQ(rogue->hits("/after"), 0u);
}

TEST_F(TlsBackend, BackendsOnOneAddressMustReachItTheSameWay) {
  auto up = start_https("secure", api_);
  const auto checked = gw_.check(yaml_prologue(1) + "backends:\n" +
                                 backend("one", *up, "{ ca_file: " + ca_.cert().string() + ", server_name: api.internal }") +
                                 backend("two", *up, "{ ca_file: " + ca_.cert().string() + ", server_name: other.internal }") +
                                 "routes:\n" + route("one") + route("two"));
  EXPECT_EQ(checked.exit_code, 1);
  EXPECT_THAT(checked.out + checked.err, ::testing::HasSubstr("another server name")) << checked.out << checked.err;
}

}  // namespace
}  // namespace cutover::test
