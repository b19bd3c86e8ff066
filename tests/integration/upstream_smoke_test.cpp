// test_upstream and the support library, end to end over real sockets.
#include "support/curl.hpp"
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/patterns.hpp"
#include "support/process.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

namespace cutover::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

class UpstreamSmoke : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { upstream_ = Upstream::start("alpha").release(); }
  static void TearDownTestSuite() {
    delete upstream_;
    upstream_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(upstream_, nullptr) << "test_upstream did not start"; }
  static std::uint16_t port() { return upstream_->port; }

  static Upstream* upstream_;
};

Upstream* UpstreamSmoke::upstream_ = nullptr;

TEST_F(UpstreamSmoke, RootEchoesRequestAndUser) {
  HttpConnection c(port());
  auto r = c.get("/some/path?x=1", {{"X-User-Id", "bob"}});
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(r.header("x-served-by"), "alpha");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  const auto body = json::parse(r.body);
  EXPECT_EQ(body["backend"], "alpha");
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["target"], "/some/path?x=1");
  EXPECT_EQ(body["user"], "bob");

  r = c.request({.method = "DELETE", .target = "/"});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["method"], "DELETE");
  EXPECT_TRUE(json::parse(r.body)["user"].is_null());
}

TEST_F(UpstreamSmoke, HeadersArePreservedInOrderWithDuplicates) {
  const Headers sent{{"X-B", "1"}, {"x-a", "two words"}, {"X-B", "3"}, {"X-Bin", "caf\xc3\xa9 \xff"}};
  const auto r = http_request(port(), {.method = "POST", .target = "/headers?q", .headers = sent, .body = "xyz"});
  ASSERT_EQ(r.status, 200) << r.error.message();
  const auto body = json::parse(r.body);
  EXPECT_EQ(body["method"], "POST");
  EXPECT_EQ(body["target"], "/headers?q");
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& pair : body["headers"]) got.emplace_back(pair[0], pair[1]);
  const Headers expected{{"Host", "127.0.0.1:" + std::to_string(port())},
                         {"X-B", "1"},
                         {"x-a", "two words"},
                         {"X-B", "3"},
                         {"X-Bin", "caf\xc3\xa9 \xc3\xbf"},
                         {"Content-Length", "3"}};
  EXPECT_EQ(got, expected);
}

TEST_F(UpstreamSmoke, KeepAliveServesManyRequestsOnOneConnection) {
  HttpConnection c(port());
  const auto local = c.local_port();
  for (int i = 0; i < 50; ++i) {
    const auto r = c.get("/k" + std::to_string(i));
    ASSERT_EQ(r.status, 200) << r.error.message();
    EXPECT_TRUE(r.keep_alive);
  }
  EXPECT_EQ(c.local_port(), local);
  EXPECT_FALSE(c.closed_by_peer(50ms));
}

TEST_F(UpstreamSmoke, ConnectionCloseAndHttp10EndTheConnection) {
  HttpConnection c(port());
  auto r = c.get("/", {{"Connection", "close"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_FALSE(c.is_open());

  HttpConnection old(port());
  ASSERT_FALSE(old.send_raw("GET /old HTTP/1.0\r\n\r\n"));
  r = old.read_response();
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(r.version, 10u);
  EXPECT_TRUE(old.closed_by_peer());
}

TEST_F(UpstreamSmoke, HeadHasGetContentLengthAndNoBody) {
  HttpConnection c(port());
  auto r = c.request({.method = "HEAD", .target = "/bytes?n=12345"});
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_EQ(r.header("Content-Length"), "12345");
  EXPECT_TRUE(r.body.empty());
  r = c.request({.method = "HEAD", .target = "/"});
  const auto get = c.get("/");
  // Same JSON but for the method name, and "HEAD" is one byte longer than "GET".
  EXPECT_EQ(r.header("Content-Length"), std::to_string(get.body.size() + 1));
  ASSERT_EQ(get.status, 200);  // the HEAD left nothing unread on the connection
  EXPECT_EQ(json::parse(get.body)["backend"], "alpha");
}

TEST_F(UpstreamSmoke, BytesFollowThePattern) {
  auto r = http_get(port(), "/bytes?n=1000");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, pattern_string(1000));
  EXPECT_FALSE(r.chunked);
  r = http_get(port(), "/bytes?n=70000&chunked=1");
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(r.body, pattern_string(70000));
  EXPECT_EQ(http_get(port(), "/bytes?n=0").body, "");
  EXPECT_EQ(http_get(port(), "/bytes?n=oops").status, 400);

  constexpr std::uint64_t kBig = 100ULL * 1024 * 1024 + 7;
  for (const bool chunked : {false, true}) {
    const auto s = stream_download(port(), "/bytes?n=" + std::to_string(kBig) + (chunked ? "&chunked=1" : ""));
    ASSERT_EQ(s.status, 200) << s.error.message();
    EXPECT_EQ(s.chunked, chunked);
    EXPECT_EQ(s.bytes, kBig);
    EXPECT_EQ(s.checksum, pattern_checksum(kBig));
    EXPECT_EQ(s.body, pattern_string(kStreamBodyKept));
  }
}

TEST_F(UpstreamSmoke, EchoRoundTrips64MiBChunked) {
  constexpr std::uint64_t kSize = 64ULL * 1024 * 1024;
  HttpConnection c(port(), 60s);
  const std::string body = pattern_string(kSize);
  const auto r = c.request({.method = "POST",
                            .target = "/echo",
                            .headers = {{"Content-Type", "application/x-test"}},
                            .body = body,
                            .chunked = true});
  ASSERT_EQ(r.status, 200) << r.error.message();
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(r.header("Content-Type"), "application/x-test");
  EXPECT_EQ(r.body.size(), kSize);
  EXPECT_EQ(fnv1a64_hex(r.body), pattern_checksum(kSize));
  EXPECT_TRUE(r.body == body);
  EXPECT_EQ(c.get("/after-echo").status, 200);  // the chunked body ended exactly once
  const auto small = c.request({.method = "POST", .target = "/echo", .body = "tiny", .chunked = true});
  EXPECT_EQ(small.body, "tiny");
  EXPECT_EQ(c.get("/after-small-echo").status, 200);

  const auto s = stream_upload(port(), "/echo", kSize, true);
  ASSERT_EQ(s.status, 200) << s.error.message();
  EXPECT_TRUE(s.chunked);
  EXPECT_EQ(s.bytes, kSize);
  EXPECT_EQ(s.checksum, pattern_checksum(kSize));
}

TEST_F(UpstreamSmoke, EchoWithContentLengthKeepsLength) {
  const auto s = stream_upload(port(), "/echo", 3'000'001, false);
  ASSERT_EQ(s.status, 200) << s.error.message();
  EXPECT_FALSE(s.chunked);
  EXPECT_EQ(s.header("Content-Length"), "3000001");
  EXPECT_EQ(s.checksum, pattern_checksum(3'000'001));

  const auto empty = http_request(port(), {.method = "POST", .target = "/echo"});
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(empty.header("Content-Length"), "0");
}

TEST_F(UpstreamSmoke, SinkCountsAndHashes) {
  for (const bool chunked : {false, true}) {
    const auto s = stream_upload(port(), "/sink", 5'000'000, chunked);
    ASSERT_EQ(s.status, 200) << s.error.message();
    const auto body = json::parse(s.body);
    EXPECT_EQ(body["bytes"], 5'000'000);
    EXPECT_EQ(body["checksum"], pattern_checksum(5'000'000));
    EXPECT_EQ(body["chunked"], chunked);
  }
  const auto r = http_request(port(), {.method = "PUT", .target = "/sink", .body = "hello"});
  EXPECT_EQ(json::parse(r.body)["checksum"], fnv1a64_hex("hello"));
  EXPECT_EQ(fnv1a64_hex(""), "cbf29ce484222325");  // the published FNV-1a 64 offset basis
}

TEST_F(UpstreamSmoke, StatusEndpoint) {
  HttpConnection c(port());
  auto r = c.get("/status/418");
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(json::parse(r.body)["status"], 418);
  EXPECT_EQ(r.header("X-Served-By"), "alpha");
  r = c.get("/status/503");
  EXPECT_EQ(r.status, 503);
  for (const int code : {204, 304}) {
    r = c.get("/status/" + std::to_string(code));
    EXPECT_EQ(r.status, code);
    EXPECT_TRUE(r.body.empty());
    EXPECT_FALSE(r.header("Content-Length"));
  }
  EXPECT_EQ(c.get("/status/99").status, 400);
  EXPECT_EQ(c.get("/status/abc").status, 400);
  EXPECT_EQ(c.get("/").status, 200);  // still in sync after the bodiless ones
}

TEST_F(UpstreamSmoke, DelayWaits) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = http_get(port(), "/delay?ms=200");
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(http_get(port(), "/delay?ms=200", {}, 50ms).error, std::make_error_code(std::errc::timed_out));
}

TEST_F(UpstreamSmoke, CloseAndGarbageGiveCleanErrors) {
  HttpConnection c(port());
  const auto r = c.get("/close");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.error);
  EXPECT_TRUE(c.closed_by_peer());

  HttpConnection g(port());
  EXPECT_TRUE(g.get("/garbage").error);
  HttpConnection raw(port());
  ASSERT_FALSE(raw.send_raw("GET /garbage HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_THAT(raw.read_until_close(), ::testing::StartsWith("\x01\x02 this is not HTTP"));
}

TEST_F(UpstreamSmoke, Whoami) {
  auto r = http_get(port(), "/whoami", {{"Cookie", "theme=dark; sessionid=s-alice; x=1"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("X-User-Id"), "alice");
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(http_get(port(), "/whoami", {{"Cookie", "sessionid=down"}}).status, 503);
  EXPECT_EQ(http_get(port(), "/whoami", {{"Cookie", "sessionid=alice"}}).status, 401);
  EXPECT_EQ(http_get(port(), "/whoami").status, 401);
}

TEST_F(UpstreamSmoke, MalformedInputGets400AndClose) {
  HttpConnection c(port());
  ASSERT_FALSE(c.send_raw("BAD\x01 / HTTP/1.1\r\n\r\n"));
  auto r = c.read_response();
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("X-Served-By"), "alpha");
  EXPECT_TRUE(c.closed_by_peer());

  HttpConnection chunk(port());
  ASSERT_FALSE(chunk.send_raw("POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
  EXPECT_EQ(chunk.read_response().status, 400);

  HttpConnection big(port());
  ASSERT_FALSE(big.send_raw("GET / HTTP/1.1\r\nX-Big: " + std::string(100'000, 'a') + "\r\n\r\n"));
  EXPECT_EQ(big.read_response().status, 431);
  EXPECT_EQ(http_get(port(), "/").status, 200);  // and the server is fine
}

// A head larger than the gateway's first read, and one dribbled out a few bytes at a time (past
// the fast path's tries, so Beast takes it): both arrive whole, in order, on one connection.
TEST_F(UpstreamSmoke, AHeadArrivingInPiecesIsForwardedWhole) {
  const std::string cookie(3000, 'c');
  const std::string head = "GET /headers HTTP/1.1\r\nHost: x\r\nCookie: k=" + cookie + "\r\nX-After: last\r\n\r\n";
  HttpConnection c(port());
  for (std::size_t at = 0; at < head.size(); at += 1200) {
    ASSERT_FALSE(c.send_raw(std::string_view(head).substr(at, 1200)));
    std::this_thread::sleep_for(20ms);
  }
  auto r = c.read_response();
  ASSERT_EQ(r.status, 200) << r.body;
  const auto headers = json::parse(r.body)["headers"];
  bool cookie_seen = false;
  bool last_seen = false;
  for (const auto& field : headers) {
    if (field[0] == "Cookie") cookie_seen = field[1] == "k=" + cookie;
    if (field[0] == "X-After") last_seen = field[1] == "last";
  }
  EXPECT_TRUE(cookie_seen);
  EXPECT_TRUE(last_seen);

  const std::string small = "GET /headers HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n";
  for (std::size_t at = 0; at < small.size(); at += 5) {
    ASSERT_FALSE(c.send_raw(std::string_view(small).substr(at, 5)));
    std::this_thread::sleep_for(5ms);
  }
  r = c.read_response();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, ::testing::HasSubstr("X-Slow"));
}

TEST_F(UpstreamSmoke, PipelinedRequestsAnswerInOrder) {
  HttpConnection c(port());
  ASSERT_FALSE(c.send_raw("GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(json::parse(c.read_response().body)["target"], "/p1");
  EXPECT_EQ(json::parse(c.read_response().body)["target"], "/p2");
}

TEST_F(UpstreamSmoke, CurlSeesTheSameServer) {
  const auto url = "http://127.0.0.1:" + std::to_string(port());
  auto r = run_curl({"-sS", "-i", url + "/curl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("X-Served-By: alpha"));
  // Over 1 MB curl sends Expect: 100-continue; an immediate 100 saves it a 1 s pause.
  const auto start = std::chrono::steady_clock::now();
  r = run_curl({"-sS", "--data-binary", "@" CUTOVER_TEST_UPSTREAM, url + "/sink"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 900ms);
  EXPECT_GT(json::parse(r.out)["bytes"].get<std::uint64_t>(), 1'000'000u);
}

TEST(UpstreamProcess, StatsThreadsAndCleanSigterm) {
  auto up = Upstream::start("beta", 2);
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([port = up->port] {
      for (int i = 0; i < 25; ++i) EXPECT_EQ(http_get(port, "/count?i=1").status, 200);
    });
  }
  for (auto& t : clients) t.join();
  http_get(up->port, "/whoami");
  EXPECT_EQ(up->hits("/count"), 100u);
  EXPECT_EQ(up->hits("/whoami"), 1u);
  EXPECT_EQ(up->total_requests(), 101u);  // /__stats itself is not counted
  const auto rss = up->process->rss_kib();
  ASSERT_TRUE(rss);
  EXPECT_GT(*rss, 0u);
  EXPECT_GE(up->process->peak_rss_kib().value_or(0), *rss);

  const auto old_port = up->port;
  up->restart();
  EXPECT_EQ(up->port, old_port);
  EXPECT_EQ(up->total_requests(), 0u);
  ASSERT_TRUE(up->process->send_signal(SIGTERM));
  EXPECT_EQ(up->process->wait_exit(5s), 0);
  EXPECT_FALSE(up->process->rss_kib());
}

TEST(SupportProcess, CapturesOutputAndStatus) {
  Process p({"/bin/sh", "-c", "echo out-1; echo 'port 42' >&2; sleep 0.2; echo late >&2; exit 3"});
  const auto m = p.wait_for_line(std::regex(R"(port (\d+))"), 5s, Process::Stream::kStderr);
  ASSERT_TRUE(m) << p.output();
  EXPECT_EQ((*m)[1], "42");
  const auto mark = p.output_size(Process::Stream::kStderr);
  EXPECT_TRUE(p.wait_for_line(std::regex("late"), 5s, Process::Stream::kStderr, mark));
  EXPECT_EQ(p.wait_exit(5s), 3);
  EXPECT_FALSE(p.wait_for_line(std::regex("never"), 5s));  // returns at once: it exited
  EXPECT_EQ(p.output(Process::Stream::kStdout), "out-1\n");

  Process sleeper({"/bin/sleep", "30"});
  EXPECT_FALSE(sleeper.wait_exit(20ms));
  sleeper.send_signal(SIGKILL);
  EXPECT_EQ(sleeper.wait_exit(5s), 128 + SIGKILL);
  EXPECT_THROW(Process({"/nonexistent/binary"}), std::system_error);
}

// The real binary is not ready yet; a fake that logs like it exercises the Gateway plumbing.
TEST(SupportGateway, ReadsPortsFromStderrAndStops) {
  Gateway gw;
  const auto secret = gw.write_file("secrets/hs256.key", "k3y");
  EXPECT_EQ(gw.read_file("secrets/hs256.key"), "k3y");
  gw.write_config("listen: 127.0.0.1:0\nsecret: " + secret.string() + "\n");
  const auto fake = gw.write_file("fake-cutover.sh",
                                  "#!/bin/sh\n"
                                  "test \"$1\" = --config && test -f \"$2\" || exit 9\n"
                                  "echo 'admin API listening on 127.0.0.1:1111' >&2\n"
                                  "echo 'traffic listening on 127.0.0.1:2222' >&2\n"
                                  "exec sleep 30\n");
  std::filesystem::permissions(fake, std::filesystem::perms::owner_all);
  gw.use_binary(fake);
  gw.start();
  EXPECT_EQ(gw.port(), 2222);
  EXPECT_EQ(gw.admin_port(), 1111);
  EXPECT_EQ(gw.config_path().filename(), "cutover.yaml");
  EXPECT_EQ(gw.access_log_path().parent_path(), gw.dir());
  EXPECT_EQ(gw.stop(), 128 + SIGTERM);
}

}  // namespace
}  // namespace cutover::test
