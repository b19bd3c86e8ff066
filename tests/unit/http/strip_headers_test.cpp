// What append_upstream_request_head removes from what a client sends: nothing hop-by-hop or in
// the gateway's own headers may reach a backend (DESIGN.md invariant 2), and what frames the body
// must survive. The gateway's own additions are checked exactly, then set aside.
#include "cutover/http/headers.hpp"

#include <gtest/gtest.h>

#include <string>

#include "unit/http/header_fields.hpp"

namespace cutover::http {
namespace {

using test::HeaderList;
using test::make_request;
using test::parse_head;

constexpr std::string_view kRequestId = "req-1";
constexpr std::string_view kPeer = "10.0.0.1";

// The value of the first header named Host in any case, the one X-Forwarded-Host repeats.
std::string first_host(const HeaderList& in) {
  for (const auto& [name, value] : in) {
    if (boost::beast::iequals(name, "Host")) return value;
  }
  return {};
}

// What the gateway appends when no user is signed in and client X-Forwarded-* are not trusted.
HeaderList gateway_tail(const HeaderList& in) {
  HeaderList tail{{"X-Request-Id", std::string(kRequestId)},
                  {"X-Forwarded-For", std::string(kPeer)},
                  {"X-Forwarded-Proto", "http"}};
  if (auto host = first_host(in); !host.empty()) tail.emplace_back("X-Forwarded-Host", host);
  return tail;
}

// The headers of the rewritten head that came from the client, in order. The request line, the
// blank line at the end and the gateway's tail (gateway_tail) are checked exactly here.
HeaderList after_rewrite(const HeaderList& in, std::string_view identity = "X-User-Id",
                         std::string_view header_namespace = "X-Cutover-", std::string_view user = "") {
  UpstreamRequestHead rewrite;
  rewrite.target = "/";
  rewrite.request_id = kRequestId;
  HeaderPolicy policy;
  policy.identity_header = identity;
  rewrite.policy = &policy;
  rewrite.user = user;
  policy.header_namespace = header_namespace;
  rewrite.forwarded = {kPeer, "http"};
  std::string out;
  append_upstream_request_head(out, make_request(in), rewrite);
  auto head = parse_head(out);
  EXPECT_TRUE(head.well_formed) << out;
  EXPECT_EQ(head.start_line, "GET / HTTP/1.1");

  auto tail = gateway_tail(in);
  if (!user.empty()) tail.insert(tail.begin() + 1, {std::string(identity), std::string(user)});
  if (head.fields.size() < tail.size()) {
    ADD_FAILURE() << "fewer fields than the gateway appends:\n" << out;
    return head.fields;
  }
  auto split = head.fields.end() - static_cast<std::ptrdiff_t>(tail.size());
  EXPECT_EQ(HeaderList(split, head.fields.end()), tail) << out;
  return {head.fields.begin(), split};
}

TEST(StripHopByHop, RemovesEveryStandardHopByHopHeader) {
  EXPECT_EQ(after_rewrite({{"Host", "a"},
                           {"Connection", "keep-alive"},
                           {"Keep-Alive", "timeout=5"},
                           {"Proxy-Connection", "keep-alive"},
                           {"TE", "trailers"},
                           {"Trailer", "X-Checksum"},
                           {"Upgrade", "websocket"},
                           {"Proxy-Authorization", "Basic Zm9vOmJhcg=="},
                           {"Proxy-Authenticate", "Basic"},
                           {"Accept", "*/*"}}),
            (HeaderList{{"Host", "a"}, {"Accept", "*/*"}}));
}

TEST(StripHopByHop, AnyCaseIsTheSameHeader) {
  EXPECT_EQ(after_rewrite({{"connection", "close"}, {"KEEP-ALIVE", "1"}, {"te", "x"}, {"uPgRaDe", "h2c"},
                           {"Accept", "*/*"}}),
            (HeaderList{{"Accept", "*/*"}}));
}

TEST(StripHopByHop, RemovesHeadersNamedInConnection) {
  EXPECT_EQ(after_rewrite({{"Connection", "X-Secret, x-debug"},
                           {"X-Secret", "1"},
                           {"X-Debug", "2"},
                           {"x-debug", "3"},
                           {"X-Kept", "4"}}),
            (HeaderList{{"X-Kept", "4"}}));
}

TEST(StripHopByHop, OddSpacingAndEmptyListElements) {
  EXPECT_EQ(after_rewrite({{"Connection", "  ,X-A ,,\t x-b,  "}, {"X-A", "1"}, {"X-B", "2"}, {"X-C", "3"}}),
            (HeaderList{{"X-C", "3"}}));
}

TEST(StripHopByHop, EveryConnectionHeaderCounts) {
  // Repeated Connection headers, not adjacent in the request, each naming different headers.
  EXPECT_EQ(after_rewrite({{"Connection", "X-A"},
                           {"X-A", "1"},
                           {"Accept", "*/*"},
                           {"connection", "X-B, close"},
                           {"X-B", "2"},
                           {"CONNECTION", "x-c"},
                           {"X-C", "3"},
                           {"X-D", "4"}}),
            (HeaderList{{"Accept", "*/*"}, {"X-D", "4"}}));
}

TEST(StripHopByHop, NeverRemovesFramingOrHost) {
  EXPECT_EQ(after_rewrite({{"Host", "example.com"},
                           {"Connection", "Content-Length, transfer-encoding, HOST, X-A"},
                           {"Content-Length", "5"},
                           {"X-A", "1"}}),
            (HeaderList{{"Host", "example.com"}, {"Content-Length", "5"}}));
  EXPECT_EQ(after_rewrite({{"Transfer-Encoding", "chunked"}, {"Connection", "Transfer-Encoding"}}),
            (HeaderList{{"Transfer-Encoding", "chunked"}}));
}

TEST(StripHopByHop, ConnectionNamingTheIdentityHeaderRemovesIt) {
  // The classic hop-by-hop abuse: ask the proxy to drop a header. No client-supplied identity and
  // no Connection header that could drop the injected one may remain.
  const HeaderList in{{"Connection", "X-User-Id, X-Cutover-Route"},
                      {"X-User-Id", "admin"},
                      {"X-Cutover-Route", "evil"},
                      {"X-User-ID", "root"}};
  EXPECT_TRUE(after_rewrite(in).empty());
  // What the gateway injects survives untouched: after_rewrite checks that the tail holds exactly
  // one X-User-Id, "alice", and the client part is still empty.
  EXPECT_TRUE(after_rewrite(in, "X-User-Id", "X-Cutover-", "alice").empty());
}

TEST(StripHopByHop, NothingToDoLeavesFieldsAlone) {
  HeaderList in{{"Host", "a"}, {"Accept", "*/*"}, {"X-Trace", "1"}};
  EXPECT_EQ(after_rewrite(in), in);
  EXPECT_TRUE(after_rewrite({}).empty());
}

TEST(StripGatewayHeaders, RemovesTheIdentityHeaderInAnyCaseAndEveryCopy) {
  EXPECT_EQ(after_rewrite({{"X-User-Id", "a"}, {"x-user-id", "b"}, {"Accept", "*/*"}, {"X-USER-ID", "c"}}),
            (HeaderList{{"Accept", "*/*"}}));
}

TEST(StripGatewayHeaders, RemovesTheWholeNamespaceInAnyCase) {
  EXPECT_EQ(after_rewrite({{"X-Cutover-Route", "r"},
                           {"x-cutover-backend", "b"},
                           {"X-CUTOVER-USER", "u"},
                           {"X-Cutover-Route", "again"},
                           {"X-Cutover", "not in the namespace"},
                           {"X-Cutoverish", "no dash, not in it"},
                           {"Cutover-X", "1"},
                           {"Accept", "*/*"}}),
            (HeaderList{{"X-Cutover", "not in the namespace"},
                        {"X-Cutoverish", "no dash, not in it"},
                        {"Cutover-X", "1"},
                        {"Accept", "*/*"}}));
}

TEST(StripGatewayHeaders, ConfiguredNamesAreHonoured) {
  EXPECT_EQ(after_rewrite({{"X-Auth-User", "a"}, {"X-User-Id", "b"}, {"x-edge-hop", "c"}, {"X-Cutover-Route", "d"}},
                          "X-Auth-User", "X-Edge-"),
            (HeaderList{{"X-User-Id", "b"}, {"X-Cutover-Route", "d"}}));
}

TEST(StripGatewayHeaders, EmptyNamespaceOnlyRemovesTheIdentity) {
  EXPECT_EQ(after_rewrite({{"X-User-Id", "a"}, {"X-Cutover-Route", "d"}, {"Accept", "*/*"}}, "X-User-Id", ""),
            (HeaderList{{"X-Cutover-Route", "d"}, {"Accept", "*/*"}}));
}

TEST(StripGatewayHeaders, ManyHeadersAllInTheNamespace) {
  HeaderList in;
  for (int i = 0; i < 100; ++i) in.emplace_back("X-Cutover-H" + std::to_string(i), "v");
  in.emplace_back("Host", "a");
  EXPECT_EQ(after_rewrite(in), (HeaderList{{"Host", "a"}}));
}

}  // namespace
}  // namespace cutover::http
