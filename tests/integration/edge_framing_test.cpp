// Every byte a client sends counts against a limit, and what a backend receives frames, names and
// locates exactly what the gateway judged: chunk lines and trailer sections are bounded (memory
// stays flat while clients stream into them), repeated lengths are normalized, Host is validated,
// paths a backend would read otherwise are refused, and routes may answer at the edge.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class EdgeFraming : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = Upstream::start("app");
    gateway_ = Gateway::launch(yaml_prologue(1) +
                               "limits: { max_header_bytes: 8KiB }\n"
                               "backends:\n"
                               "  app: { endpoints: [" + app_->address() + "] }\n"
                               "routes:\n"
                               "  - { id: secret, match: { prefix: /secret }, return: 403 }\n"
                               "  - { id: gone, match: { prefix: /gone }, return: { status: 410, body: \"gone for good\", content_type: text/plain } }\n"
                               "  - { id: open, match: { prefix: / }, backend: app }\n");
  }

  // Sends `bytes` on a new connection and reads one response.
  Response raw(std::string_view bytes) {
    HttpConnection c(gateway_->port(), 5s);
    EXPECT_FALSE(c.send_raw(bytes));
    return c.read_response();
  }

  void expect_reply(const Response& r, int status, std::string_view error) {
    ASSERT_EQ(r.status, status) << r.error.message() << " " << r.body;
    const auto body = parse_json(r.body);
    ASSERT_TRUE(body) << r.body;
    EXPECT_EQ((*body)["error"], error) << r.body;
  }

  std::unique_ptr<Upstream> app_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(EdgeFraming, RepeatedEqualLengthsReachTheBackendAsOne) {
  for (std::string_view lengths : {"Content-Length: 5, 5\r\n", "Content-Length: 5\r\nContent-Length: 5\r\n",
                                   "Content-Length: 005\r\n"}) {
    SCOPED_TRACE(lengths);
    const auto r = raw("POST /headers HTTP/1.1\r\nHost: h\r\n" + std::string(lengths) + "\r\nhello");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(find_headers(upstream_headers(r), "Content-Length"), std::vector<std::string>{"5"}) << r.body;
  }
  expect_reply(raw("POST /headers HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\nhello!"), 400, "bad_request");
}

TEST_F(EdgeFraming, TransferEncodingOnHttp10IsRefused) {
  expect_reply(raw("POST /sink HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), 400,
               "bad_request");
  EXPECT_EQ(app_->hits("/sink"), 0u);
}

TEST_F(EdgeFraming, AnOverlongChunkLineIs400AndNothingIsForwarded) {
  for (const std::string& line : {"5;" + std::string(5000, 'e'), std::string(5000, '0') + "5"}) {
    HttpConnection c(gateway_->port(), 5s);
    ASSERT_FALSE(c.send_raw("POST /sink HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + line));
    expect_reply(c.read_response(), 400, "bad_request");
    EXPECT_TRUE(c.closed_by_peer(3s));
  }
  EXPECT_EQ(app_->hits("/sink"), 0u);
}

TEST_F(EdgeFraming, TrailersAreBoundedAndOnlyHarmlessOnesForwarded) {
  // Whole or still arriving, a trailer section over max_header_bytes is refused.
  for (const std::string end : {"\r\n\r\n", ""}) {
    HttpConnection big(gateway_->port(), 5s);
    ASSERT_FALSE(big.send_raw("POST /sink HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                              "X-Big: " + std::string(9000, 'b') + end));
    expect_reply(big.read_response(), 431, "header_too_large");
  }
  EXPECT_EQ(app_->hits("/sink"), 0u);
  // Beast refuses framing fields in a trailer outright.
  expect_reply(raw("POST /sink HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                   "Content-Length: 99\r\n\r\n"),
               400, "bad_request");

  const auto r = raw("POST /sink HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
                     "X-Checksum: abc\r\nX-User-Id: admin\r\nX_User_Id: admin\r\nConnection: close\r\n"
                     "Host: evil\r\nAuthorization: Bearer x\r\nX-Cutover-Via: c\r\nIf-Match: x\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = parse_json(r.body);
  ASSERT_TRUE(body) << r.body;
  EXPECT_EQ((*body)["bytes"], 5);
  EXPECT_EQ((*body)["trailers"], nlohmann::json::parse(R"([["X-Checksum", "abc"]])")) << r.body;
}

// Bytes in the gateway's resident memory (KiB).
std::uint64_t rss_kib(Gateway& gateway) { return gateway.process().rss_kib().value_or(0); }

// Sends `start`, then up to `bytes` of `fill` as fast as the socket takes them: one chunk
// extension, chunk size or field value that never ends.
std::uint64_t stream_into(std::uint16_t port, std::string_view start, char fill, std::uint64_t bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::uint64_t sent = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, start.data(), start.size(), MSG_NOSIGNAL) > 0) {
    const std::string block(64 * 1024, fill);
    while (sent < bytes) {
      const auto n = ::send(fd, block.data(), block.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::uint64_t>(n);
    }
  }
  ::close(fd);
  return sent;
}

TEST_F(EdgeFraming, MemoryStaysFlatWhileFiftyClientsStreamIntoFramingElements) {
  const auto idle = rss_kib(*gateway_);
  ASSERT_GT(idle, 0u);
  const std::vector<std::pair<std::string, char>> starts{
      {"POST /sink HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=", 'e'},           // a chunk extension
      {"POST /sink HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", '0'},                 // leading zeros
      {"POST /sink HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: ", 't'},  // a trailer value
      {"GET / HTTP/1.1\r\nHost: h\r\nX-Header: ", 'h'},                                              // a header line
  };
  std::atomic<std::uint64_t> peak{idle};
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      peak = std::max<std::uint64_t>(peak, rss_kib(*gateway_));
      std::this_thread::sleep_for(5ms);
    }
  });
  std::vector<std::thread> clients;
  std::atomic<std::uint64_t> total_sent{0};
  for (int i = 0; i < 50; ++i) {
    clients.emplace_back([&, i] {
      const auto& [start, fill] = starts[static_cast<std::size_t>(i) % starts.size()];
      total_sent += stream_into(gateway_->port(), start, fill, 256ull << 20);
    });
  }
  for (auto& client : clients) client.join();
  done = true;
  watcher.join();
  EXPECT_LE(peak - idle, 8u * 1024) << "idle " << idle << " KiB, peak " << peak << " KiB, clients sent "
                                     << total_sent << " bytes";
  EXPECT_LT(total_sent, 50ull * (256ull << 20)) << "nobody was cut off";
  EXPECT_EQ(app_->hits("/sink"), 0u);
  EXPECT_EQ(http_get(gateway_->port(), "/after").status, 200) << "still serving";
}

TEST_F(EdgeFraming, HostMustBeOneValidHost) {
  for (std::string_view host : {"a b", "x/secret/treasure", "evil.com:80@good", "a:99999", "[::1", "exa%6Dple.com"}) {
    SCOPED_TRACE(host);
    expect_reply(raw("GET /headers HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n"), 400, "bad_host");
  }
  expect_reply(raw("GET /headers HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), 400, "bad_host");
  expect_reply(raw("GET http://evil.example/headers HTTP/1.1\r\nHost: good.example\r\n\r\n"), 400, "bad_host");
  EXPECT_EQ(app_->hits("/headers"), 0u);
  // An absolute URL naming the same origin is routed by its path, and the backend gets that path.
  const auto r = raw("GET http://Good.Example/headers?x=1 HTTP/1.1\r\nHost: good.example\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(upstream_target(r), "/headers?x=1");
}

TEST_F(EdgeFraming, AnHttp10RequestWithoutHostReachesTheBackendWithOne) {
  const auto r = raw("GET /headers HTTP/1.0\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(find_headers(upstream_headers(r), "Host"), std::vector<std::string>{"127.0.0.1"}) << r.body;
  const auto absolute = raw("GET http://public.example:8080/headers HTTP/1.0\r\n\r\n");
  ASSERT_EQ(absolute.status, 200) << absolute.body;
  EXPECT_EQ(find_headers(upstream_headers(absolute), "Host"), std::vector<std::string>{"public.example:8080"})
      << "the URL's authority, which routing matched (RFC 9112 3.2.2)";
}

TEST_F(EdgeFraming, PathsABackendWouldReadOtherwiseAreRefused) {
  for (std::string_view path : {"/secret%2Ftreasure", "/x%5C..%5Csecret", "/x/..;/secret/treasure",
                                "/x/%252e%252e/secret/treasure", "/x/..%252Fsecret", "/%2573ecret/treasure",
                                "/x/%C0%AE%C0%AE/secret/treasure"}) {
    SCOPED_TRACE(path);
    expect_reply(raw("GET " + std::string(path) + " HTTP/1.1\r\nHost: h\r\n\r\n"), 400, "invalid_path");
  }
  EXPECT_EQ(app_->total_requests(), 0u);
}

TEST_F(EdgeFraming, RoutesThatAnswerThemselvesNeverForward) {
  expect_reply(http_get(gateway_->port(), "/secret/treasure"), 403, "route_return");
  expect_reply(http_get(gateway_->port(), "/x/../secret"), 403, "route_return");
  // Tomcat and Jetty read "/secret;x/treasure" as /secret/treasure: so does route matching.
  expect_reply(http_get(gateway_->port(), "/secret;x/treasure"), 403, "route_return");
  const auto gone = http_get(gateway_->port(), "/gone/x");
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(gone.body, "gone for good");
  EXPECT_EQ(gone.header("Content-Type"), "text/plain");
  HttpConnection c(gateway_->port());
  const auto head = c.request({.method = "HEAD", .target = "/gone"});
  EXPECT_EQ(head.status, 410);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(c.get("/headers").status, 200) << "the connection lives on after a HEAD to a return route";
  EXPECT_EQ(app_->hits("/secret/treasure") + app_->hits("/secret") + app_->hits("/gone/x"), 0u);
  const auto metrics = http_get(gateway_->admin_port(), "/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("cutover_local_replies_total{reason=\"route_return\"} 5\n"));
}

}  // namespace
}  // namespace cutover::test
