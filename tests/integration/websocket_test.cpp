// WebSocket through the real binary (README "routes[].upgrades"): a Beast client and test_upstream's
// /ws-echo, 10,000 messages both ways, the identity on the handshake set by the gateway; a route
// without upgrades refuses the handshake; a draining gateway lets an open tunnel finish.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <csignal>

namespace cutover::test {
namespace {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using asio::ip::tcp;
using namespace std::chrono_literals;

std::string routes(std::string_view route_extra = "") {
  return "routes:\n  - { id: live, match: { prefix: / }, backend: app" + std::string(route_extra) + " }\n";
}

class WebSocketClient {
 public:
  explicit WebSocketClient(std::uint16_t port) : ws_(io_) {
    ws_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    ws_.read_message_max(16 * 1024 * 1024);
  }

  // The handshake to /ws-echo with `headers`; the 101 (or what came instead, in `error`).
  websocket::response_type handshake(std::vector<std::pair<std::string, std::string>> headers, boost::system::error_code& error) {
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
      for (const auto& [name, value] : headers) request.set(name, value);
    }));
    websocket::response_type response;
    ws_.handshake(response, "127.0.0.1", "/ws-echo", error);
    return response;
  }

  std::string echo(const std::string& message, bool binary) {
    ws_.binary(binary);
    ws_.write(asio::buffer(message));
    boost::beast::flat_buffer buffer;
    ws_.read(buffer);
    return boost::beast::buffers_to_string(buffer.data());
  }

  void close() { ws_.close(websocket::close_code::normal); }

 private:
  asio::io_context io_;
  websocket::stream<tcp::socket> ws_;
};

double tunnels_open(Gateway& gw) {
  return metric_value(http_get(gw.admin_port(), "/metrics").body, "cutover_tunnels_open").value_or(-1);
}

TEST(WebSocket, TenThousandMessagesBothWaysWithTheIdentitySetOnTheHandshake) {
  auto app = Upstream::start("app");
  Gateway gw;
  const auto secret = gw.write_file("hs256.key", kJwtSecret);
  gw.write_config(yaml_prologue(1, true) + "identity:\n  jwt: { hs256_secret_file: " + secret.string() + " }\n" +
                  "backends:\n  app: { endpoints: [" + app->address() + "] }\n" + routes());
  gw.start();
  WebSocketClient client(gw.port());
  boost::system::error_code error;
  const auto response =
      client.handshake({{"Authorization", "Bearer " + hs256_user_token("user-42")}, {"X-User-Id", "admin"}}, error);
  ASSERT_FALSE(error) << error.message();
  EXPECT_EQ(response["X-Seen-User"], "user-42") << "the gateway's identity, not the client's forged header";
  EXPECT_EQ(response["X-Served-By"], "app");
  EXPECT_EQ(tunnels_open(gw), 1.0);

  std::size_t bytes = 0;
  for (int i = 0; i < 10000; ++i) {
    // Mostly small frames, now and then a large one, text and binary.
    std::string message = "message " + std::to_string(i) + ":";
    message.append(i % 1000 == 999 ? 200 * 1024 : static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26));
    const auto echoed = client.echo(message, i % 2 == 1);
    ASSERT_EQ(echoed, message) << "message " << i;
    bytes += message.size();
  }
  client.close();
  ASSERT_TRUE(wait_until([&] { return tunnels_open(gw) == 0.0; }, 5s));
  const auto metrics = http_get(gw.admin_port(), "/metrics").body;
  EXPECT_EQ(metric_value(metrics, "cutover_tunnels_opened_total"), 1.0);
  ASSERT_TRUE(wait_until([&] { return gw.access_log().find("\"status\":101") != std::string::npos; }, 3s));
  const auto line = parse_json(gw.access_log().substr(gw.access_log().find("{\"time\"")));
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ((*line)["route"], "live");
  EXPECT_EQ((*line)["user"], "user-42");
  EXPECT_GT((*line)["bytes_in"].get<std::uint64_t>(), bytes) << "frames carry a header each";
}

TEST(WebSocket, ARouteWithoutUpgradesRefusesTheHandshakeWith501) {
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(yaml_prologue(1) + "backends:\n  app: { endpoints: [" + app->address() + "] }\n" +
                            routes(", upgrades: []"));
  WebSocketClient client(gw->port());
  boost::system::error_code error;
  client.handshake({}, error);
  EXPECT_EQ(error, websocket::error::upgrade_declined);
  const auto r = http_get(gw->port(), "/ws-echo", {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}});
  EXPECT_EQ(r.status, 501);
  EXPECT_THAT(r.body, ::testing::HasSubstr("\"upgrade_not_allowed\""));
  EXPECT_EQ(app->hits("/ws-echo"), 0u);
}

TEST(WebSocket, ADrainingGatewayLetsAnOpenTunnelFinish) {
  auto app = Upstream::start("app");
  auto gw = Gateway::launch(yaml_prologue(1) + "drain_timeout: 20s\nbackends:\n  app: { endpoints: [" + app->address() +
                            "] }\n" + routes());
  WebSocketClient client(gw->port());
  boost::system::error_code error;
  client.handshake({}, error);
  ASSERT_FALSE(error) << error.message();
  ASSERT_EQ(client.echo("before", false), "before");
  ASSERT_TRUE(gw->process().send_signal(SIGTERM));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(client.echo("while draining", false), "while draining");
  client.close();
  EXPECT_EQ(gw->process().wait_exit(5s), 0) << "exits once the tunnel has ended, well before drain_timeout";
}

}  // namespace
}  // namespace cutover::test
