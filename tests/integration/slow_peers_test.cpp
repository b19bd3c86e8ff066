// Clients and backends that are slow or misbehave (issue 20): a slow upload is not timed out by
// the backend's `timeout`, which waits for the answer only once the body is sent; a backend that
// answers 101 unasked is 502 at once; a client hanging up mid-header is an abort, not a
// malformed request.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/patterns.hpp"
#include "support/upstream.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class SlowPeers : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = Upstream::start("app");
    gateway_ = Gateway::launch(yaml_prologue(2, true) +
                               "backends:\n"
                               "  app: { endpoints: [" + app_->address() + "], timeout: 500ms }\n"
                               "routes:\n"
                               "  - { id: all, match: { prefix: / }, backend: app }\n");
  }

  std::uint16_t port() const { return gateway_->port(); }

  std::string metrics() { return http_get(gateway_->admin_port(), "/metrics").body; }

  // POSTs `bytes` of the pattern to `target` in `pieces` writes `gap` apart, then reads the answer.
  Response trickle_upload(const std::string& target, std::size_t bytes, int pieces, std::chrono::milliseconds gap) {
    std::string body(bytes, '\0');
    for (std::size_t i = 0; i < bytes; ++i) body[i] = pattern_byte(i);
    HttpConnection c(port(), 30s);
    EXPECT_FALSE(c.send_raw("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(bytes) +
                            "\r\n\r\n"));
    const std::size_t piece = bytes / static_cast<std::size_t>(pieces);
    for (std::size_t at = 0; at < bytes; at += piece) {
      std::this_thread::sleep_for(gap);
      // A refusal may close the connection before the body is all sent: its answer is read below.
      if (c.send_raw(std::string_view(body).substr(at, piece))) break;
    }
    return c.read_response();
  }

  std::unique_ptr<Upstream> app_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(SlowPeers, AnUploadSlowerThanTheBackendTimeoutArrivesWhole) {
  // 256 KiB over ~2.5 s, five times the backend's 500 ms timeout, and more than a buffered body.
  constexpr std::size_t kBytes = 256 * 1024;
  const auto r = trickle_upload("/sink", kBytes, 32, 80ms);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = parse_json(r.body);
  ASSERT_TRUE(body) << r.body;
  EXPECT_EQ((*body)["bytes"], kBytes) << "the backend got a truncated body";
  EXPECT_EQ((*body)["checksum"], pattern_checksum(kBytes));
}

TEST_F(SlowPeers, TheBackendTimeoutStillAppliesOnceTheBodyIsSent) {
  const auto start = Clock::now();
  const auto r = trickle_upload("/delay?ms=3000", 128 * 1024, 8, 100ms);
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_LT(elapsed, 2500ms) << "0.8 s of upload and a 500 ms timeout";
}

TEST_F(SlowPeers, AnUnaskedFor101Is502AtOnce) {
  const auto start = Clock::now();
  HttpConnection c(port(), 10s);
  const auto r = c.get("/status/101");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_LT(Clock::now() - start, 400ms) << "the gateway waited for another answer after the 101";
  EXPECT_THAT(r.body, ::testing::HasSubstr("101"));
  // The client connection is still good; the backend's is not reused.
  EXPECT_EQ(c.get("/after").status, 200);
}

TEST_F(SlowPeers, AClientHangingUpMidHeaderIsAnAbortNotABadRequest) {
  const auto before = metrics();
  const double aborts = metric_value(before, "cutover_client_aborts_total").value_or(0);
  for (int i = 0; i < 3; ++i) {
    HttpConnection c(port(), 5s);
    ASSERT_FALSE(c.send_raw("GET /slow HTTP/1.1\r\nHost: x\r\nX-Half: "));
    std::this_thread::sleep_for(50ms);  // read by the gateway before the close
    c.close();
  }
  // A connection closed before any byte is neither.
  HttpConnection(port(), 5s).close();
  ASSERT_TRUE(wait_until([&] { return metric_value(metrics(), "cutover_client_aborts_total").value_or(0) >= aborts + 3; },
                         5s))
      << metrics();
  const auto after = metrics();
  EXPECT_EQ(metric_value(after, "cutover_client_aborts_total").value_or(0), aborts + 3);
  EXPECT_EQ(metric_value(after, "cutover_local_replies_total", {{"reason", "bad_request"}}).value_or(0),
            metric_value(before, "cutover_local_replies_total", {{"reason", "bad_request"}}).value_or(0));
  // Each has an access-log line, whose duration runs from the first bytes: at least the 50 ms
  // before the hang-up.
  std::vector<nlohmann::json> aborted;
  ASSERT_TRUE(wait_until(
      [&] {
        aborted.clear();
        std::istringstream lines(gateway_->access_log());
        for (std::string line; std::getline(lines, line);) {
          auto record = parse_json(line);
          if (record && record->value("error", "") == "client_aborted") aborted.push_back(*record);
        }
        return aborted.size() >= 3;
      },
      5s))
      << gateway_->access_log();
  for (const auto& record : aborted) {
    EXPECT_EQ(record["status"], 0) << record.dump();
    EXPECT_GE(record["duration_ms"].get<double>(), 40) << record.dump();
  }
}

// A keep-alive client that sends its request and at once its FIN (`printf ... | nc -N`) waits for
// the gateway to close before it exits: the gateway closes within its first idle second, also when
// the FIN came in the same readable event as the request, which no later event announces.
TEST_F(SlowPeers, AClientThatHalfClosesAfterItsRequestIsClosedAfterItsAnswer) {
  for (int trial = 0; trial < 8; ++trial) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port()});
    const std::string request = "GET /half-" + std::to_string(trial) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    boost::asio::write(socket, boost::asio::buffer(request));
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send);
    const auto start = Clock::now();
    ::timeval wait{5, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    std::string answer;
    boost::system::error_code ec;
    char buffer[4096];
    for (;;) {
      const std::size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
      answer.append(buffer, n);
      if (ec) break;
    }
    EXPECT_EQ(ec, boost::asio::error::eof) << "trial " << trial << ": " << ec.message() << " (no close within 5 s)";
    EXPECT_LT(Clock::now() - start, 2500ms) << "trial " << trial;
    EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  }
}

}  // namespace
}  // namespace cutover::test
