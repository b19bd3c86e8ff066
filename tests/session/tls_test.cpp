// The TLS listener's sessions on the manual clock: a request over TLS, a handshake that stalls,
// and a request header whose record comes a byte at a time. The test's client is a tls::Channel
// driven by hand over the tier's loopback connection.
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>

#include "cutover/tls/channel.hpp"
#include "cutover/tls/contexts.hpp"
#include "session/session_tier.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certs.hpp"

namespace cutover::session_test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

// The client's side of a TLS connection to the tier, its records carried by a Peer.
class TlsClient {
 public:
  explicit TlsClient(Peer peer) : peer_(std::move(peer)) {
    config::BackendTlsConfig settings;
    settings.enabled = true;
    settings.verify = false;  // the tier's certificate is self-signed; the handshake is under test
    config::DiagnosticSink sink("client");
    context_ = tls::ClientContext::build(settings, "client", sink);
    channel_ = tls::Channel::connect(context_->get(), "gw.test", false);
  }

  // Runs the handshake against the tier; false when it failed.
  bool handshake(SessionTier& tier) {
    for (int round = 0; round < 10; ++round) {
      const auto ec = channel_->handshake();
      flush();
      if (!ec) return true;
      if (ec != asio::error::would_block) return false;
      tier.settle();
      pull();
    }
    return false;
  }

  void send(std::string_view plain) {
    const std::array<asio::const_buffer, 1> pieces{asio::buffer(plain)};
    channel_->write(pieces);
    flush();
  }
  // The next `n` bytes of what the channel would send, sent alone (a record cut in pieces).
  std::string encrypt(std::string_view plain) {
    const std::array<asio::const_buffer, 1> pieces{asio::buffer(plain)};
    channel_->write(pieces);
    return channel_->take_output();
  }
  Peer& peer() { return peer_; }

  // Everything decrypted so far.
  const std::string& received() {
    pull();
    char room[4096];
    std::size_t n = 0;
    while (!channel_->read(asio::buffer(room), n)) plain_.append(room, n);
    return plain_;
  }

 private:
  void flush() {
    const auto out = channel_->output();
    peer_.send({static_cast<const char*>(out.data()), out.size()});
    channel_->sent(out.size());
  }
  void pull() {
    const std::string& all = peer_.received();
    auto room = channel_->input().prepare(all.size() - consumed_);
    std::memcpy(room.data(), all.data() + consumed_, all.size() - consumed_);
    channel_->input().commit(all.size() - consumed_);
    consumed_ = all.size();
  }

  Peer peer_;
  std::shared_ptr<const tls::ClientContext> context_;
  std::unique_ptr<tls::Channel> channel_;
  std::size_t consumed_ = 0;
  std::string plain_;
};

class TlsSession : public ::testing::Test {
 protected:
  TierOptions options() {
    TierOptions tier;
    tier.extra_yaml = "limits: { header_timeout: 5s }\ntls:\n  listen: 127.0.0.1:0\n  certificates:\n    - { cert_file: " +
                      cert_.cert.string() + ", key_file: " + cert_.key.string() + " }\n";
    return tier;
  }

  test::TempDir dir_{"tls-session"};
  test::CertFiles cert_ = test::quick_self_signed(dir_.path(), "gw", "gw.test");
};

TEST_F(TlsSession, ARequestOverTlsReachesTheBackendAsHttpsAndItsAnswerComesBackEncrypted) {
  SessionTier tier(options());
  TlsClient client(tier.connect_tls_client());
  ASSERT_TRUE(client.handshake(tier));
  client.send(get_request("/over-tls", "X-Forwarded-Proto: http\r\n"));
  Peer backend = tier.accept_backend();
  tier.settle();
  EXPECT_NE(backend.received().find("X-Forwarded-Proto: https\r\n"), std::string::npos) << backend.received();
  EXPECT_EQ(backend.received().find("X-Forwarded-Proto: http\r\n"), std::string::npos) << "the client's claim is replaced";
  ASSERT_TRUE(backend.send(ok_response("over tls")));
  tier.settle();
  EXPECT_EQ(status_of(client.received()), 200u);
  EXPECT_NE(client.received().find("over tls"), std::string::npos);
  EXPECT_EQ(client.peer().received().find("over tls"), std::string::npos) << "nothing crossed the wire in the clear";
  EXPECT_EQ(tier.counters().tls_handshakes.load(), 1u);

  // The connection stays open for the next request (keep-alive over TLS).
  client.send(get_request("/again"));
  tier.settle();
  ASSERT_TRUE(backend.send(ok_response("again")));
  tier.settle();
  EXPECT_EQ(responses_in(client.received()), 2u);
}

TEST_F(TlsSession, AHandshakeThatStallsIsClosedAtTheHeaderTimeout) {
  SessionTier tier(options());
  TlsClient client(tier.connect_tls_client());
  // Half a ClientHello, then nothing.
  const auto hello = [&] {
    config::BackendTlsConfig settings;
    settings.enabled = true;
    settings.verify = false;
    config::DiagnosticSink sink("client");
    auto context = tls::ClientContext::build(settings, "client", sink);
    auto channel = tls::Channel::connect(context->get(), "gw.test", false);
    channel->handshake();
    return channel->take_output();
  }();
  ASSERT_TRUE(client.peer().send(hello.substr(0, hello.size() / 2)));
  tier.settle();
  tier.advance(4900ms);
  EXPECT_FALSE(client.peer().hung_up());
  tier.advance(130ms);
  EXPECT_TRUE(client.peer().hung_up());
  EXPECT_EQ(tier.counters().tls_handshake_failures.load(), 1u);
  EXPECT_EQ(tier.counters().tls_handshakes.load(), 0u);
  tier.expect_nothing_leaked();
}

// A record that comes a byte at a time is progress on the socket but none on the request: the
// connection's deadline is not renewed by each byte.
TEST_F(TlsSession, ARecordSentAByteAtATimeGetsNoNewDeadlinePerByte) {
  SessionTier tier(options());
  TlsClient client(tier.connect_tls_client());
  ASSERT_TRUE(client.handshake(tier));
  const std::string record = client.encrypt(get_request("/slow"));
  for (int second = 0; second < 4; ++second) {  // before any request byte: the idle deadline (5 s)
    ASSERT_TRUE(client.peer().send(record.substr(second, 1)));
    tier.settle();
    tier.advance(1000ms);
  }
  ASSERT_TRUE(client.peer().send(record.substr(4, 1)));
  tier.advance(900ms);
  EXPECT_FALSE(client.peer().hung_up());
  tier.advance(200ms);
  EXPECT_TRUE(client.peer().hung_up());
  EXPECT_EQ(tier.local_replies(metrics::LocalReason::client_timeout), 1u);
  EXPECT_FALSE(tier.backend_connection_pending());
}

TEST_F(TlsSession, AHeaderWhoseLastRecordTricklesIsAnswered408AtTheHeaderTimeout) {
  SessionTier tier(options());
  TlsClient client(tier.connect_tls_client());
  ASSERT_TRUE(client.handshake(tier));
  client.send("GET /slow HTTP/1.1\r\n");  // the header's first bytes: header_timeout (5 s) runs from here
  tier.settle();
  const std::string rest = client.encrypt("Host: gw.test\r\n\r\n");
  for (int second = 0; second < 4; ++second) {
    ASSERT_TRUE(client.peer().send(rest.substr(second, 1)));
    tier.settle();
    tier.advance(1000ms);
  }
  ASSERT_TRUE(client.peer().send(rest.substr(4, 1)));
  tier.advance(900ms);
  EXPECT_EQ(status_of(client.received()), 0u);
  tier.advance(200ms);
  EXPECT_EQ(status_of(client.received()), 408u) << client.received();
  EXPECT_FALSE(tier.backend_connection_pending());
}

}  // namespace
}  // namespace cutover::session_test
