// Host values and URL authorities (http/host.hpp): what may be routed on and repeated to a
// backend, and how two of them compare.
#include "cutover/http/host.hpp"

#include <gtest/gtest.h>

namespace cutover::http {
namespace {

// "name|port" of what was parsed, or "<refused>".
std::string parsed(std::string_view text) {
  auto host = parse_request_host(text);
  if (!host) return "<refused>";
  return std::string(host->name) + "|" + (host->port ? std::to_string(*host->port) : "");
}

TEST(RequestHost, NamesAddressesAndPorts) {
  EXPECT_EQ(parsed("example.com"), "example.com|");
  EXPECT_EQ(parsed("Example.COM."), "Example.COM.|") << "routing compares names without case and trailing dot";
  EXPECT_EQ(parsed("EXAMPLE.com.:8080"), "EXAMPLE.com.|8080");
  EXPECT_EQ(parsed("127.0.0.1:80"), "127.0.0.1|80");
  EXPECT_EQ(parsed("[::1]"), "[::1]|");
  EXPECT_EQ(parsed("[2001:DB8::1]:443"), "[2001:DB8::1]|443");
  EXPECT_EQ(parsed("my_host-1~x"), "my_host-1~x|");
  EXPECT_EQ(parsed("localhost:65535"), "localhost|65535");
}

TEST(RequestHost, AnythingElseIsRefused) {
  for (std::string_view text : {"", "a b", "x/secret/treasure", "evil.com:80@good", "user@host", "host:", "host:0x50",
                                "host:65536", "host:123456", "host:-1", ":80", ".", ".example.com", "a..b",
                                "exa%6Dple.com", "a,b", "a;b", "[::1", "[::1]x", "[::1]:", "[fe80::1%25eth0]",
                                "[v1.x]", "[not-an-address]", "host:80:80", "a\tb", "h\xC3\xA9", "a\\b", "*"}) {
    EXPECT_FALSE(parse_request_host(text)) << text;
  }
}

TEST(RequestHost, SameOriginReadsAMissingPortAsTheSchemesDefault) {
  const auto plain = *parse_request_host("a.example");
  EXPECT_TRUE(same_origin(plain, *parse_request_host("A.example.:80"), "http"));
  EXPECT_TRUE(same_origin(plain, *parse_request_host("a.example"), "HTTP"));
  EXPECT_FALSE(same_origin(plain, *parse_request_host("a.example:443"), "http"));
  EXPECT_TRUE(same_origin(plain, *parse_request_host("a.example:443"), "https"));
  EXPECT_FALSE(same_origin(plain, *parse_request_host("b.example"), "http"));
}

}  // namespace
}  // namespace cutover::http
