// strip_hop_by_hop and strip_gateway_headers: what a client sends that must never reach a backend
// (DESIGN.md invariant 2), and what must survive because it frames the body.
#include "cutover/http/headers.hpp"

#include <gtest/gtest.h>

#include "unit/http/header_fields.hpp"

namespace cutover::http {
namespace {

using test::HeaderList;
using test::list_fields;
using test::make_fields;

HeaderList after_hop_by_hop(const HeaderList& in) {
  auto fields = make_fields(in);
  strip_hop_by_hop(fields);
  return list_fields(fields);
}

HeaderList after_gateway(const HeaderList& in, std::string_view identity = "X-User-Id",
                         std::string_view header_namespace = "X-Cutover-") {
  auto fields = make_fields(in);
  strip_gateway_headers(fields, identity, header_namespace);
  return list_fields(fields);
}

TEST(StripHopByHop, RemovesEveryStandardHopByHopHeader) {
  EXPECT_EQ(after_hop_by_hop({{"Host", "a"},
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
  EXPECT_EQ(after_hop_by_hop({{"connection", "close"}, {"KEEP-ALIVE", "1"}, {"te", "x"}, {"uPgRaDe", "h2c"},
                              {"Accept", "*/*"}}),
            (HeaderList{{"Accept", "*/*"}}));
}

TEST(StripHopByHop, RemovesHeadersNamedInConnection) {
  EXPECT_EQ(after_hop_by_hop({{"Connection", "X-Secret, x-debug"},
                              {"X-Secret", "1"},
                              {"X-Debug", "2"},
                              {"x-debug", "3"},
                              {"X-Kept", "4"}}),
            (HeaderList{{"X-Kept", "4"}}));
}

TEST(StripHopByHop, OddSpacingAndEmptyListElements) {
  EXPECT_EQ(after_hop_by_hop({{"Connection", "  ,X-A ,,\t x-b,  "}, {"X-A", "1"}, {"X-B", "2"}, {"X-C", "3"}}),
            (HeaderList{{"X-C", "3"}}));
}

TEST(StripHopByHop, EveryConnectionHeaderCounts) {
  // Repeated Connection headers, not adjacent in the request, each naming different headers.
  EXPECT_EQ(after_hop_by_hop({{"Connection", "X-A"},
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
  EXPECT_EQ(after_hop_by_hop({{"Host", "example.com"},
                              {"Connection", "Content-Length, transfer-encoding, HOST, X-A"},
                              {"Content-Length", "5"},
                              {"X-A", "1"}}),
            (HeaderList{{"Host", "example.com"}, {"Content-Length", "5"}}));
  EXPECT_EQ(after_hop_by_hop({{"Transfer-Encoding", "chunked"}, {"Connection", "Transfer-Encoding"}}),
            (HeaderList{{"Transfer-Encoding", "chunked"}}));
}

TEST(StripHopByHop, ConnectionNamingTheIdentityHeaderRemovesIt) {
  // The classic hop-by-hop abuse: ask the proxy to drop a header. Both passes together must still
  // leave no client-supplied identity and no Connection header that could drop the injected one.
  auto fields = make_fields({{"Connection", "X-User-Id, X-Cutover-Route"},
                             {"X-User-Id", "admin"},
                             {"X-Cutover-Route", "evil"},
                             {"X-User-ID", "root"}});
  strip_hop_by_hop(fields);
  strip_gateway_headers(fields, "X-User-Id", "X-Cutover-");
  EXPECT_TRUE(list_fields(fields).empty());
  fields.set("X-User-Id", "alice");  // what the gateway injects afterwards survives untouched
  EXPECT_EQ(list_fields(fields), (HeaderList{{"X-User-Id", "alice"}}));
}

TEST(StripHopByHop, NothingToDoLeavesFieldsAlone) {
  HeaderList in{{"Host", "a"}, {"Accept", "*/*"}, {"X-Trace", "1"}};
  EXPECT_EQ(after_hop_by_hop(in), in);
  EXPECT_TRUE(after_hop_by_hop({}).empty());
}

TEST(StripGatewayHeaders, RemovesTheIdentityHeaderInAnyCaseAndEveryCopy) {
  EXPECT_EQ(after_gateway({{"X-User-Id", "a"}, {"x-user-id", "b"}, {"Accept", "*/*"}, {"X-USER-ID", "c"}}),
            (HeaderList{{"Accept", "*/*"}}));
}

TEST(StripGatewayHeaders, RemovesTheWholeNamespaceInAnyCase) {
  EXPECT_EQ(after_gateway({{"X-Cutover-Route", "r"},
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
  EXPECT_EQ(after_gateway({{"X-Auth-User", "a"}, {"X-User-Id", "b"}, {"x-edge-hop", "c"}, {"X-Cutover-Route", "d"}},
                          "X-Auth-User", "X-Edge-"),
            (HeaderList{{"X-User-Id", "b"}, {"X-Cutover-Route", "d"}}));
}

TEST(StripGatewayHeaders, EmptyNamespaceOnlyRemovesTheIdentity) {
  EXPECT_EQ(after_gateway({{"X-User-Id", "a"}, {"X-Cutover-Route", "d"}, {"Accept", "*/*"}}, "X-User-Id", ""),
            (HeaderList{{"X-Cutover-Route", "d"}, {"Accept", "*/*"}}));
}

TEST(StripGatewayHeaders, ManyHeadersAllInTheNamespace) {
  HeaderList in;
  for (int i = 0; i < 100; ++i) in.emplace_back("X-Cutover-H" + std::to_string(i), "v");
  in.emplace_back("Host", "a");
  EXPECT_EQ(after_gateway(in), (HeaderList{{"Host", "a"}}));
}

}  // namespace
}  // namespace cutover::http
