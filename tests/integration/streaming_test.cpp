// Bodies stream through the gateway in both directions, in either framing, byte for byte, and a
// gigabyte never sits in the gateway's memory (README "What backends receive").
#include "support/curl.hpp"
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/patterns.hpp"
#include "support/temp_dir.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t k64MiB = 64 * kMiB;
constexpr std::uint64_t kGigabyte = 1'000'000'000;
constexpr std::uint64_t kRssLimitKib = 64 * 1024;  // 64 MB for a 1 GB transfer
constexpr auto kGigabyteTimeout = std::chrono::seconds(120);

class Streaming : public ::testing::Test {
 protected:
  void SetUp() override {
    app_ = Upstream::start("app");
    gateway_ = Gateway::launch(yaml_prologue() +
                               "limits: { max_body_bytes: 2GiB }\n"
                               "backends:\n"
                               "  app: { endpoints: [" + app_->address() + "], timeout: 15s }\n"
                               "routes:\n"
                               "  - { id: all, match: { prefix: / }, backend: app }\n");
  }

  std::uint16_t port() const { return gateway_->port(); }

  void expect_bounded_memory() {
    const auto peak = gateway_->process().peak_rss_kib();
    ASSERT_TRUE(peak) << "the gateway is gone:\n" << gateway_->process().output();
    if (kMemoryBudgetsApply) {
      EXPECT_LT(*peak, kRssLimitKib) << "gateway peak RSS " << *peak << " KiB";
    }
  }

  // {"bytes": N, "checksum": "...", "chunked": b} from /sink.
  static void expect_sink(const StreamResult& s, std::uint64_t bytes, bool chunked) {
    ASSERT_EQ(s.status, 200) << s.error.message() << " " << s.body;
    const auto body = parse_json(s.body);
    ASSERT_TRUE(body) << s.body;
    EXPECT_EQ((*body)["bytes"], bytes);
    EXPECT_EQ((*body)["checksum"], pattern_checksum(bytes));
    EXPECT_EQ((*body)["chunked"], chunked) << "the body's framing changed on the way";
  }

  std::unique_ptr<Upstream> app_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(Streaming, ChunkedUploadsStayChunked) {
  constexpr std::uint64_t kSize = 8 * kMiB + 13;
  expect_sink(stream_upload(port(), "/sink", kSize, true), kSize, true);
  const auto echo = stream_upload(port(), "/echo", kSize, true);
  ASSERT_EQ(echo.status, 200) << echo.error.message();
  EXPECT_TRUE(echo.chunked) << "chunked in, chunked out";
  EXPECT_EQ(echo.bytes, kSize);
  EXPECT_EQ(echo.checksum, pattern_checksum(kSize));
  // Small and empty chunked bodies end exactly once: the connection stays in sync.
  HttpConnection c(port());
  for (const std::string body : {"", "x", "tiny body"}) {
    const auto r = c.request({.method = "POST", .target = "/echo", .body = body, .chunked = true});
    ASSERT_EQ(r.status, 200) << r.error.message();
    EXPECT_EQ(r.body, body);
  }
  EXPECT_EQ(c.get("/after").status, 200);
}

TEST_F(Streaming, ContentLength64MiBUpAndDown) {
  expect_sink(stream_upload(port(), "/sink", k64MiB, false), k64MiB, false);
  const auto down = stream_download(port(), "/bytes?n=" + std::to_string(k64MiB));
  ASSERT_EQ(down.status, 200) << down.error.message();
  EXPECT_FALSE(down.chunked);
  EXPECT_EQ(down.header("Content-Length"), std::to_string(k64MiB));
  EXPECT_EQ(down.bytes, k64MiB);
  EXPECT_EQ(down.checksum, pattern_checksum(k64MiB));
  const auto chunked = stream_download(port(), "/bytes?n=" + std::to_string(k64MiB) + "&chunked=1");
  ASSERT_EQ(chunked.status, 200) << chunked.error.message();
  EXPECT_TRUE(chunked.chunked);
  EXPECT_EQ(chunked.checksum, pattern_checksum(k64MiB));
  const auto echo = stream_upload(port(), "/echo", 16 * kMiB, false);
  ASSERT_EQ(echo.status, 200) << echo.error.message();
  EXPECT_EQ(echo.header("Content-Length"), std::to_string(16 * kMiB));
  EXPECT_EQ(echo.checksum, pattern_checksum(16 * kMiB));
  expect_bounded_memory();
}

TEST_F(Streaming, ExpectContinueUploadWithCurl) {
  constexpr std::uint64_t kSize = 3 * kMiB / 2 + 1;
  const TempDir dir("upload");
  const auto file = dir.write("body.bin", pattern_string(kSize));
  const auto url = "http://" + gateway_->address() + "/sink";
  // curl waits 1 s for "100 Continue" before sending anyway: a quick answer shows the gateway
  // said it itself.
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_curl({"-sS", "--max-time", "20", "-H", "Expect: 100-continue", "--data-binary",
                           "@" + file.string(), url});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto body = parse_json(r.out);
  ASSERT_TRUE(body) << r.out;
  EXPECT_EQ((*body)["bytes"], kSize);
  EXPECT_EQ((*body)["checksum"], pattern_checksum(kSize));
  EXPECT_LT(elapsed, 900ms) << "curl waited for 100 Continue";
  // Same with -T (PUT).
  const auto put = run_curl({"-sS", "--max-time", "20", "-H", "Expect: 100-continue", "-T", file.string(), url});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  EXPECT_EQ(parse_json(put.out).value_or(nullptr)["checksum"], pattern_checksum(kSize)) << put.out;
  // By hand: the gateway sends "100 Continue" before any body byte, and the backend never sees
  // the Expect header (the gateway is the client's peer for it).
  HttpConnection c(port());
  ASSERT_FALSE(c.send_raw("POST /headers HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  const auto interim = c.read_response();
  ASSERT_EQ(interim.status, 100) << interim.error.message();
  ASSERT_FALSE(c.send_raw("abc"));
  const auto seen = c.read_response();
  ASSERT_EQ(seen.status, 200) << seen.error.message();
  EXPECT_FALSE(find_header(upstream_headers(seen), "Expect")) << seen.body;
  EXPECT_EQ(find_header(upstream_headers(seen), "Content-Length"), "3");
  EXPECT_EQ(c.get("/after").status, 200);
}

TEST_F(Streaming, ClientHangingUpMidTransferIsHarmless) {
  for (int i = 0; i < 5; ++i) {
    // Mid-upload: 1 MiB of a promised 100 MiB, then gone.
    HttpConnection up(port());
    ASSERT_FALSE(up.send_raw("POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(100 * kMiB) +
                             "\r\n\r\n" + pattern_string(kMiB)));
    up.close();
    // Mid-download: the head and a little of a gigabyte, then gone.
    HttpConnection down(port());
    ASSERT_FALSE(down.send_raw("GET /bytes?n=" + std::to_string(kGigabyte) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    down.set_timeout(200ms);
    down.read_response();  // times out part-way through the body; that is the point
    down.close();
  }
  EXPECT_TRUE(gateway_->process().running()) << gateway_->process().output();
  const auto s = stream_upload(port(), "/sink", 10 * kMiB, false);
  expect_sink(s, 10 * kMiB, false);
  const auto d = stream_download(port(), "/bytes?n=" + std::to_string(10 * kMiB));
  EXPECT_EQ(d.checksum, pattern_checksum(10 * kMiB));
  expect_bounded_memory();
}

TEST_F(Streaming, GigabyteUploadInBoundedMemory) {
  const auto s = stream_upload(port(), "/sink", kGigabyte, false, {}, kGigabyteTimeout);
  expect_sink(s, kGigabyte, false);
  expect_bounded_memory();
}

TEST_F(Streaming, GigabyteChunkedUploadInBoundedMemory) {
  const auto s = stream_upload(port(), "/sink", kGigabyte, true, {}, kGigabyteTimeout);
  expect_sink(s, kGigabyte, true);
  expect_bounded_memory();
}

TEST_F(Streaming, GigabyteDownloadInBoundedMemory) {
  const auto s = stream_download(port(), "/bytes?n=" + std::to_string(kGigabyte), {}, kGigabyteTimeout);
  ASSERT_EQ(s.status, 200) << s.error.message();
  EXPECT_EQ(s.bytes, kGigabyte);
  EXPECT_EQ(s.checksum, pattern_checksum(kGigabyte));
  expect_bounded_memory();
}

TEST_F(Streaming, GigabyteEchoStreamsBothWaysAtOnce) {
  // test_upstream's /echo answers while it reads: a gateway that sends the whole request before
  // reading the response deadlocks here once the socket buffers fill.
  const auto s = stream_upload(port(), "/echo", kGigabyte, true, {}, kGigabyteTimeout);
  ASSERT_EQ(s.status, 200) << s.error.message();
  EXPECT_TRUE(s.chunked);
  EXPECT_EQ(s.bytes, kGigabyte);
  EXPECT_EQ(s.checksum, pattern_checksum(kGigabyte));
  expect_bounded_memory();
}

}  // namespace
}  // namespace cutover::test
