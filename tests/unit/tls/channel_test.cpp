// Two Channels talking through memory: the record layer and the contexts without a socket.
#include "cutover/tls/channel.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <boost/asio/error.hpp>
#include <filesystem>
#include <fstream>

#include "cutover/tls/contexts.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certs.hpp"

namespace cutover::tls {
namespace {

namespace asio = boost::asio;

// Moves what `from` wrote into `to`'s input; the bytes moved.
std::size_t carry(Channel& from, Channel& to) {
  const auto out = from.output();
  auto room = to.input().prepare(out.size());
  std::memcpy(room.data(), out.data(), out.size());
  to.input().commit(out.size());
  from.sent(out.size());
  return out.size();
}

std::string read_all(Channel& channel, boost::system::error_code& ec) {
  std::string text;
  char room[4096];
  std::size_t n = 0;
  while (!(ec = channel.read(asio::buffer(room), n))) text.append(room, n);
  return text;
}

class ChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::quick_self_signed(dir_.path(), "a", "a.test");
    test::quick_self_signed(dir_.path(), "other", "other.test");
    config::TlsConfig tls;
    tls.enabled = true;
    tls.certificates.push_back({(dir_.path() / "a.pem").string(), (dir_.path() / "a.key").string(), {3, 5}, {3, 7}, {4, 7}});
    server_contexts_ = ServerContexts::build(tls, sink_);
    ASSERT_TRUE(server_contexts_) << (sink_.all().empty() ? "" : sink_.all().front().to_string());
  }

  std::shared_ptr<const ClientContext> client_context(const std::string& ca, bool verify = true) {
    config::BackendTlsConfig tls;
    tls.enabled = true;
    tls.verify = verify;
    tls.ca_file = (dir_.path() / ca).string();
    return ClientContext::build(tls, "new", sink_);
  }

  // Runs both handshakes to their end; the client's result.
  boost::system::error_code handshake(Channel& client, Channel& server) {
    boost::system::error_code client_ec = client.handshake();
    for (int round = 0; round < 10 && client_ec == asio::error::would_block; ++round) {
      carry(client, server);
      server.handshake();
      carry(server, client);
      client_ec = client.handshake();
    }
    carry(client, server);
    server.handshake();
    return client_ec;
  }

  struct Connected {
    std::shared_ptr<const ClientContext> context;
    std::unique_ptr<Channel> server;
    std::unique_ptr<Channel> client;
  };
  // A client verifying "a.test" and the server, their handshake done.
  Connected connected() {
    Connected pair{client_context("a.pem"), Channel::accept(server_contexts_->default_context()), nullptr};
    EXPECT_TRUE(pair.context);
    pair.client = Channel::connect(pair.context->get(), "a.test", true);
    EXPECT_FALSE(handshake(*pair.client, *pair.server));
    return pair;
  }

  test::TempDir dir_{"tls-channel"};
  config::DiagnosticSink sink_{"cutover.yaml"};
  std::shared_ptr<const ServerContexts> server_contexts_;
};

TEST_F(ChannelTest, AHandshakeVerifiesTheNameAndAgreesOnHttp11) {
  auto [context, server, client] = connected();
  EXPECT_TRUE(client->established());
  EXPECT_TRUE(server->established());
  EXPECT_EQ(server->alpn(), "http/1.1");
  EXPECT_EQ(server->server_name(), "a.test");
  EXPECT_EQ(server_contexts_->names(), (std::vector<std::vector<std::string>>{{"a.test"}}));
}

TEST_F(ChannelTest, ACertificateForAnotherNameOrFromAnotherIssuerFailsTheHandshake) {
  auto context = client_context("a.pem");
  auto server = Channel::accept(server_contexts_->default_context());
  auto client = Channel::connect(context->get(), "b.test", true);
  auto ec = handshake(*client, *server);
  EXPECT_TRUE(ec && ec != asio::error::would_block) << ec.message();

  auto other_issuer = client_context("other.pem");
  server = Channel::accept(server_contexts_->default_context());
  client = Channel::connect(other_issuer->get(), "a.test", true);
  ec = handshake(*client, *server);
  EXPECT_TRUE(ec && ec != asio::error::would_block) << ec.message();

  auto unverified = client_context("other.pem", false);
  server = Channel::accept(server_contexts_->default_context());
  client = Channel::connect(unverified->get(), "a.test", false);
  EXPECT_FALSE(handshake(*client, *server));
}

TEST_F(ChannelTest, PiecesWrittenTogetherGoAsOneRecordAndArriveInOrder) {
  auto [context, server, client] = connected();
  boost::system::error_code ec;
  read_all(*client, ec);  // the session tickets that followed the handshake
  const std::string head = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n";
  const std::string body(100, 'x');
  const std::array<asio::const_buffer, 3> pieces{asio::buffer(head), asio::buffer(body), asio::buffer(std::string_view("end"))};
  client->write(pieces);
  // One TLS 1.3 record: a 5-byte header, the content type and a 16-byte tag around the plaintext.
  EXPECT_EQ(client->output().size(), head.size() + body.size() + 3 + 22);
  carry(*client, *server);
  EXPECT_EQ(read_all(*server, ec), head + body + "end");
  EXPECT_EQ(ec, asio::error::would_block);
}

TEST_F(ChannelTest, ALargeWriteArrivesWholeAndHalfARecordWaitsForTheRest) {
  auto [context, server, client] = connected();
  std::string large(100'000, '\0');
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>('a' + i % 26);
  const std::array<asio::const_buffer, 1> pieces{asio::buffer(large)};
  server->write(pieces);
  const auto records = server->take_output();
  auto room = client->input().prepare(records.size() / 2);
  std::memcpy(room.data(), records.data(), records.size() / 2);
  client->input().commit(records.size() / 2);
  boost::system::error_code ec;
  std::string got = read_all(*client, ec);
  EXPECT_EQ(ec, asio::error::would_block);
  EXPECT_LT(got.size(), large.size());
  room = client->input().prepare(records.size() - records.size() / 2);
  std::memcpy(room.data(), records.data() + records.size() / 2, records.size() - records.size() / 2);
  client->input().commit(records.size() - records.size() / 2);
  got += read_all(*client, ec);
  EXPECT_EQ(got, large);
}

TEST_F(ChannelTest, CloseNotifyReadsAsEndOfStream) {
  auto [context, server, client] = connected();
  client->close();
  carry(*client, *server);
  boost::system::error_code ec;
  read_all(*server, ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST_F(ChannelTest, BytesThatAreNotTlsFailTheHandshake) {
  auto server = Channel::accept(server_contexts_->default_context());
  const std::string plain = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n";
  auto room = server->input().prepare(plain.size());
  std::memcpy(room.data(), plain.data(), plain.size());
  server->input().commit(plain.size());
  const auto ec = server->handshake();
  EXPECT_TRUE(ec && ec != asio::error::would_block);
  EXPECT_FALSE(Channel::describe(ec).empty());
}

TEST_F(ChannelTest, AKeyThatIsNotTheCertificatesIsReportedAtItsLine) {
  config::TlsConfig tls;
  tls.enabled = true;
  tls.certificates.push_back({(dir_.path() / "a.pem").string(), (dir_.path() / "other.key").string(), {7, 5}, {7, 7}, {8, 7}});
  config::DiagnosticSink sink("cutover.yaml");
  EXPECT_FALSE(ServerContexts::build(tls, sink));
  ASSERT_EQ(sink.all().size(), 1u);
  EXPECT_EQ(sink.all()[0].mark.line, 7);
  EXPECT_NE(sink.all()[0].message.find("is not the key of cert_file"), std::string::npos) << sink.all()[0].message;
}

TEST_F(ChannelTest, FilesThatHoldNoCertificateOrKeyAreReportedAtTheirKeys) {
  std::ofstream(dir_.path() / "text.pem") << "not a certificate\n";
  const auto text = (dir_.path() / "text.pem").string();
  for (const auto& [cert, key, line] : {std::tuple{text, (dir_.path() / "a.key").string(), 7},
                                        std::tuple{(dir_.path() / "a.pem").string(), text, 8}}) {
    config::TlsConfig tls;
    tls.enabled = true;
    tls.certificates.push_back({cert, key, {6, 5}, {7, 7}, {8, 7}});
    config::DiagnosticSink sink("cutover.yaml");
    EXPECT_FALSE(ServerContexts::build(tls, sink));
    ASSERT_EQ(sink.all().size(), 1u);
    EXPECT_EQ(sink.all()[0].mark.line, line);
    EXPECT_NE(sink.all()[0].message.find("text.pem"), std::string::npos) << sink.all()[0].message;
  }
}

TEST_F(ChannelTest, FailuresOtherCodeLeftOnTheThreadsErrorQueueAreNotThisConnections) {
  auto [context, server, client] = connected();
  boost::system::error_code ec;
  read_all(*client, ec);
  // As libjwt leaves an RSA padding failure behind after a forged token.
  ERR_raise(ERR_LIB_RSA, RSA_R_PADDING_CHECK_FAILED);
  char room[64];
  std::size_t n = 0;
  EXPECT_EQ(server->read(asio::buffer(room), n), asio::error::would_block);
  ERR_raise(ERR_LIB_RSA, RSA_R_PADDING_CHECK_FAILED);
  const std::string reply = "HTTP/1.1 204 No Content\r\n\r\n";
  const std::array<asio::const_buffer, 1> pieces{asio::buffer(reply)};
  EXPECT_FALSE(server->write(pieces));
  carry(*server, *client);
  EXPECT_EQ(read_all(*client, ec), reply);
}

TEST_F(ChannelTest, ANameThatCannotBeCheckedMakesNoConnection) {
  auto context = client_context("a.pem");
  EXPECT_FALSE(Channel::connect(context->get(), "fe80::1%1", true)) << "verification would check the chain alone";
  EXPECT_TRUE(Channel::connect(context->get(), "fe80::1%1", false));
}

TEST_F(ChannelTest, OnlyAConnectionWithNothingPendingAndNoCloseNotifyIsReusable) {
  auto [context, server, client] = connected();
  boost::system::error_code ec;
  read_all(*client, ec);
  EXPECT_TRUE(client->reusable());
  EXPECT_FALSE(client->peer_closed());
  server->close();
  carry(*server, *client);
  read_all(*client, ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_TRUE(client->peer_closed());
  EXPECT_FALSE(client->reusable());
}

}  // namespace
}  // namespace cutover::tls
