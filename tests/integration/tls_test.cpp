// TLS termination (README "tls"): a second listener in front of the same routes. Requests over it
// reach plain backends saying X-Forwarded-Proto: https; SNI picks one of several certificates by
// their names (the first otherwise); ALPN settles on http/1.1; min_version is enforced; sessions
// resume; and a client that does not speak TLS is closed without holding anyone else up.
// Reloading certificates: tls_reload_test.cpp. TLS to backends: tls_backend_test.cpp.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/test_certs.hpp"
#include "support/tls_helpers.hpp"
#include "support/tls_probe.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

class TlsListener : public ::testing::Test {
 protected:
  // The gateway with certificates a (the default) and b, plain backend `app`, and `more` keys in
  // the tls section.
  void start(int workers = 2, std::string_view more = "") {
    gw_.write_config(yaml_prologue(workers) + tls_listener_yaml({a_, b_}, gw_.dir(), more) +
                     "backends:\n  app: { endpoints: [" + app_->address() + "] }\n" +
                     "routes:\n  - { id: all, match: { prefix: / }, backend: app }\n");
    gw_.start();
  }
  HttpsResult https(const std::string& name, const std::string& target, std::vector<std::string> extra = {}) {
    return curl_https(gw_.tls_port(), name, target, ca_.cert(), std::move(extra));
  }
  // The leaf certificate the TLS listener presents for `server_name` ("": no SNI).
  std::string served_pem(const std::string& server_name) {
    const auto probe = probe_tls(gw_.tls_port(), {.server_name = server_name, .ca_file = ca_.cert()});
    EXPECT_TRUE(probe.connected()) << probe.dump();
    return probe.peer_pem();
  }

  std::unique_ptr<Upstream> app_ = Upstream::start("app");
  Gateway gw_;
  TestCa ca_{gw_.dir()};
  CertFiles a_ = ca_.issue("a.test", {"a.test", "*.a.test"});
  CertFiles b_ = ca_.issue("b.test", {"b.test", "*.b.test"});
};

// The X-Forwarded-Proto values the backend saw, from test_upstream's /headers body.
std::vector<std::string> forwarded_proto(const std::string& headers_body) {
  Response r;
  r.body = headers_body;
  return find_headers(upstream_headers(r), "X-Forwarded-Proto");
}

TEST_F(TlsListener, HttpsRequestsReachAPlainBackendWithForwardedProtoHttps) {
  start();
  // A client's own claim is replaced, as on the plain listener (trust_forwarded_headers is off).
  auto r = https("a.test", "/headers", {"-H", "X-Forwarded-Proto: http"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.http_version, "1.1");
  EXPECT_THAT(forwarded_proto(r.body), ElementsAre("https"));
  EXPECT_EQ(upstream_target(Response{.body = r.body}), "/headers");

  const auto plain = http_get(gw_.port(), "/headers", {{"X-Forwarded-Proto", "https"}});
  ASSERT_EQ(plain.status, 200);
  EXPECT_THAT(forwarded_proto(plain.body), ElementsAre("http"));
  EXPECT_EQ(app_->total_requests(), 2u);
}

TEST_F(TlsListener, SniPicksTheCertificateByItsNamesAndTheFirstOtherwise) {
  start();
  EXPECT_EQ(served_pem("a.test"), a_.pem());
  EXPECT_EQ(served_pem("b.test"), b_.pem());
  EXPECT_EQ(served_pem("B.Test"), b_.pem()) << "names compare without case";
  EXPECT_EQ(served_pem("www.b.test"), b_.pem()) << "*.b.test covers one label";
  EXPECT_EQ(served_pem("x.www.b.test"), a_.pem()) << "... and only one: the default";
  EXPECT_EQ(served_pem("unknown.test"), a_.pem());
  EXPECT_EQ(served_pem(""), a_.pem()) << "no SNI: the default";
  EXPECT_THAT(probe_tls(gw_.tls_port(), {.server_name = "b.test"}).subject(), ::testing::HasSubstr("b.test"));

  // curl checks the name itself: it only succeeds when the right certificate came.
  for (const std::string name : {"a.test", "www.a.test", "b.test", "api.b.test"}) {
    const auto r = https(name, "/");
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_EQ(r.status, 200) << name;
  }
}

TEST_F(TlsListener, AlpnSettlesOnHttp11) {
  start();
  const auto r = https("a.test", "/", {"--http2", "-v"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.http_version, "1.1") << "h2 is not offered";
  EXPECT_THAT(r.err, ::testing::ContainsRegex("ALPN.*server accepted (to use )?http/1\\.1")) << r.err;

  EXPECT_EQ(probe_tls(gw_.tls_port(), {.server_name = "a.test", .extra = {"-alpn", "h2,http/1.1"}}).alpn(),
            "http/1.1");
  // A client offering only h2 gets no protocol (or a refused handshake), never h2.
  EXPECT_NE(probe_tls(gw_.tls_port(), {.server_name = "a.test", .extra = {"-alpn", "h2"}}).alpn(), "h2");
}

TEST_F(TlsListener, TheDefaultMinimumAcceptsTls12) {
  start();
  const auto r = https("a.test", "/", {"--tls-max", "1.2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(probe_tls(gw_.tls_port(), {.server_name = "a.test", .extra = {"-tls1_2"}}).protocol(), "TLSv1.2");
  EXPECT_EQ(probe_tls(gw_.tls_port(), {.server_name = "a.test"}).protocol(), "TLSv1.3");
}

TEST_F(TlsListener, MinVersion13RefusesTls12Clients) {
  start(2, "  min_version: \"1.3\"\n");
  const auto refused = https("a.test", "/", {"--tls-max", "1.2"});
  EXPECT_NE(refused.exit_code, 0) << "curl --tls-max 1.2 got " << refused.status;
  EXPECT_EQ(refused.status, 0);
  EXPECT_FALSE(probe_tls(gw_.tls_port(), {.server_name = "a.test", .extra = {"-tls1_2"}}).connected());
  const auto ok = https("a.test", "/", {"--tlsv1.3"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(app_->total_requests(), 1u);
}

TEST_F(TlsListener, SessionsResumeOverTls13AndTls12) {
  start(2);  // two workers: a session made on one resumes on the other
  for (const std::string version : {"-tls1_3", "-tls1_2"}) {
    SCOPED_TRACE(version);
    const auto session = gw_.dir() / ("session" + version + "-0.pem");
    // TLS 1.3 tickets come after the handshake: a request that ends the connection waits for them.
    auto probe = probe_tls(gw_.tls_port(), {.server_name = "a.test", .ca_file = ca_.cert(),
                                            .extra = {version, "-sess_out", session.string()},
                                            .send = closing_get("a.test")});
    ASSERT_TRUE(probe.connected()) << probe.dump();
    EXPECT_FALSE(probe.reused());
    EXPECT_THAT(probe.out, ::testing::HasSubstr("HTTP/1.1 200")) << probe.dump();
    auto previous = session;
    for (int i = 1; i <= 3; ++i) {
      const auto next = gw_.dir() / ("session" + version + "-" + std::to_string(i) + ".pem");
      probe = probe_tls(gw_.tls_port(), {.server_name = "a.test", .ca_file = ca_.cert(),
                                         .extra = {version, "-sess_in", previous.string(), "-sess_out", next.string()},
                                         .send = closing_get("a.test")});
      EXPECT_TRUE(probe.reused()) << "resumption " << i << "\n" << probe.dump();
      EXPECT_THAT(probe.out, ::testing::HasSubstr("HTTP/1.1 200"));
      // A resumed TLS 1.2 session may come without a new ticket: then the old one is used again.
      if (std::filesystem::exists(next)) previous = next;
    }
  }
}

TEST_F(TlsListener, ClientsThatDoNotSpeakTlsAreClosedWithoutHoldingUpOthers) {
  start(1);  // one worker: anything that wedged it would show
  // Held open throughout: a client that never says anything, and one that stops mid-ClientHello.
  HttpConnection silent(gw_.tls_port());
  HttpConnection half(gw_.tls_port());
  ASSERT_FALSE(half.send_raw(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)));

  const std::vector<std::string> garbage{
      "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",                     // plain HTTP on the TLS port
      std::string("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", 10),  // a ClientHello that makes no sense
      std::string(64 * 1024, '\xff'),                               // noise
  };
  for (const auto& bytes : garbage) {
    HttpConnection c(gw_.tls_port());
    c.set_timeout(5s);
    c.send_raw(bytes);  // may fail half-way when the gateway has already closed
    const auto started = std::chrono::steady_clock::now();
    c.read_until_close();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 4500ms) << "the gateway kept the connection open";
    const auto r = https("a.test", "/");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.status, 200);
  }
  EXPECT_EQ(http_get(gw_.port(), "/").status, 200);
  EXPECT_EQ(app_->total_requests(), garbage.size() + 1) << "no garbage reached the backend";
}

TEST_F(TlsListener, CheckNamesWhatEachCertificateCovers) {
  gw_.write_config(yaml_prologue(1) + tls_listener_yaml({a_, b_}, gw_.dir()) + "backends:\n  app: { endpoints: [" +
                   app_->address() + "] }\n" + "routes:\n  - { id: all, match: { prefix: / }, backend: app }\n");
  const auto checked = gw_.check();
  ASSERT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_THAT(checked.out, ::testing::HasSubstr("(a.test, *.a.test, and clients naming none)")) << checked.out;
  EXPECT_THAT(checked.out, ::testing::HasSubstr("(b.test, *.b.test)")) << checked.out;
}

}  // namespace
}  // namespace cutover::test
