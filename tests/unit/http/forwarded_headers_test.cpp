// X-Forwarded-* in the head append_upstream_request_head writes, in both trust modes, and
// valid_request_id.
#include "cutover/http/headers.hpp"

#include <gtest/gtest.h>

#include "unit/http/header_fields.hpp"

namespace cutover::http {
namespace {

using test::HeaderList;
using test::make_request;
using test::parse_head;
using test::values_of;

using Values = std::vector<std::string>;

// Every field of the rewritten head, the gateway's own included; values_of reads them by name.
HeaderList forwarded(const HeaderList& in, bool trust, std::string_view client = "10.0.0.1",
                     std::string_view proto = "http") {
  UpstreamRequestHead rewrite = test::typical_rewrite();
  rewrite.forwarded = {client, proto};
  HeaderPolicy policy;
  policy.trust_forwarded = trust;
  rewrite.policy = &policy;
  std::string out;
  append_upstream_request_head(out, make_request(in), rewrite);
  auto head = parse_head(out);
  EXPECT_TRUE(head.well_formed) << out;
  return head.fields;
}

TEST(ForwardedUntrusted, ClientValuesAreReplaced) {
  auto f = forwarded({{"Host", "api.example.com"},
                      {"X-Forwarded-For", "6.6.6.6"},
                      {"x-forwarded-for", "7.7.7.7"},
                      {"X-Forwarded-Proto", "https"},
                      {"X-FORWARDED-HOST", "evil.example"}},
                     false);
  EXPECT_EQ(values_of(f, "X-Forwarded-For"), (Values{"10.0.0.1"}));
  EXPECT_EQ(values_of(f, "X-Forwarded-Proto"), (Values{"http"}));
  EXPECT_EQ(values_of(f, "X-Forwarded-Host"), (Values{"api.example.com"}));
}

TEST(ForwardedUntrusted, SetsAllThreeWhenTheClientSentNone) {
  auto f = forwarded({{"Host", "a.example:8080"}}, false, "2001:db8::1", "https");
  EXPECT_EQ(values_of(f, "X-Forwarded-For"), (Values{"2001:db8::1"}));
  EXPECT_EQ(values_of(f, "X-Forwarded-Proto"), (Values{"https"}));
  EXPECT_EQ(values_of(f, "X-Forwarded-Host"), (Values{"a.example:8080"}));
}

TEST(ForwardedUntrusted, NoHostMeansNoForwardedHost) {
  auto f = forwarded({{"X-Forwarded-Host", "evil.example"}}, false);
  EXPECT_TRUE(values_of(f, "X-Forwarded-Host").empty());
  EXPECT_EQ(values_of(f, "X-Forwarded-For"), (Values{"10.0.0.1"}));
}

TEST(ForwardedUntrusted, EveryOtherForwardingClaimIsDropped) {
  auto f = forwarded({{"Host", "a"},
                      {"X-Forwarded-Prefix", "/evil"},
                      {"x-forwarded-port", "8443"},
                      {"X-Forwarded-Ssl", "on"},
                      {"Forwarded", "for=6.6.6.6;proto=https"},
                      {"X-Forwardedish", "not a forwarding header"}},
                     false);
  EXPECT_TRUE(values_of(f, "X-Forwarded-Prefix").empty());
  EXPECT_TRUE(values_of(f, "X-Forwarded-Port").empty());
  EXPECT_TRUE(values_of(f, "X-Forwarded-Ssl").empty());
  EXPECT_TRUE(values_of(f, "Forwarded").empty());
  EXPECT_EQ(values_of(f, "X-Forwardedish"), (Values{"not a forwarding header"}));
}

TEST(ForwardedTrusted, OtherForwardingHeadersPassFromATrustedProxy) {
  auto f = forwarded({{"Host", "a"}, {"X-Forwarded-Prefix", "/app"}, {"Forwarded", "for=1.1.1.1"}}, true);
  EXPECT_EQ(values_of(f, "X-Forwarded-Prefix"), (Values{"/app"}));
  EXPECT_EQ(values_of(f, "Forwarded"), (Values{"for=1.1.1.1"}));
}

TEST(ForwardedTrusted, ClientChainIsExtended) {
  auto f = forwarded({{"Host", "a"}, {"X-Forwarded-For", "1.1.1.1, 2.2.2.2"}}, true);
  EXPECT_EQ(values_of(f, "X-Forwarded-For"), (Values{"1.1.1.1, 2.2.2.2, 10.0.0.1"}));
}

TEST(ForwardedTrusted, MultipleForwardedForHeadersAreJoinedInOrder) {
  auto f = forwarded({{"X-Forwarded-For", "1.1.1.1"},
                      {"Accept", "*/*"},
                      {"x-forwarded-for", "2.2.2.2, 3.3.3.3"},
                      {"Host", "a"},
                      {"X-FORWARDED-FOR", "4.4.4.4"}},
                     true);
  EXPECT_EQ(values_of(f, "X-Forwarded-For"), (Values{"1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4, 10.0.0.1"}));
}

TEST(ForwardedTrusted, WithoutAChainTheClientStartsIt) {
  auto f = forwarded({{"Host", "a"}}, true);
  EXPECT_EQ(values_of(f, "X-Forwarded-For"), (Values{"10.0.0.1"}));
}

TEST(ForwardedTrusted, ProtoAndHostFromTheClientAreKept) {
  auto f = forwarded({{"Host", "internal:8080"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "www.example"}},
                     true);
  EXPECT_EQ(values_of(f, "X-Forwarded-Proto"), (Values{"https"}));
  EXPECT_EQ(values_of(f, "X-Forwarded-Host"), (Values{"www.example"}));
}

TEST(ForwardedTrusted, MissingProtoAndHostAreFilledIn) {
  auto f = forwarded({{"Host", "api.example"}}, true, "10.0.0.1", "https");
  EXPECT_EQ(values_of(f, "X-Forwarded-Proto"), (Values{"https"}));
  EXPECT_EQ(values_of(f, "X-Forwarded-Host"), (Values{"api.example"}));
}

TEST(ForwardedTrusted, NoHostAddsNoEmptyForwardedHost) {
  auto f = forwarded({}, true);
  EXPECT_TRUE(values_of(f, "X-Forwarded-Host").empty());
  EXPECT_EQ(values_of(f, "X-Forwarded-Proto"), (Values{"http"}));
}

TEST(ForwardedTrusted, EmptyClientValuesAddNoEmptyHop) {
  // An empty X-Forwarded-For is no hop: the chain must not start with ", ".
  EXPECT_EQ(values_of(forwarded({{"Host", "a"}, {"X-Forwarded-For", ""}}, true), "X-Forwarded-For"),
            (Values{"10.0.0.1"}));
  EXPECT_EQ(values_of(forwarded({{"X-Forwarded-For", ""}, {"x-forwarded-for", "1.1.1.1"}, {"X-FORWARDED-FOR", ""}},
                                true),
                      "X-Forwarded-For"),
            (Values{"1.1.1.1, 10.0.0.1"}));
  EXPECT_EQ(values_of(forwarded({{"X-Forwarded-For", ""}}, false), "X-Forwarded-For"), (Values{"10.0.0.1"}));
}

TEST(ValidRequestId, Table) {
  struct Case {
    std::string id;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"a", true},
      {"0123456789abcdef0123456789abcdef", true},
      {"req-1.2_3:4", true},
      {"ABCxyz", true},
      {std::string(128, 'x'), true},
      {std::string(129, 'x'), false},
      {"", false},
      {"has space", false},
      {"crlf\r\nX-Injected: 1", false},
      {"new\nline", false},
      {"quote\"", false},
      {"slash/", false},
      {"semi;colon", false},
      {"tab\t", false},
      {std::string("nul\0byte", 8), false},
      {"caf\xc3\xa9", false},
      {"\xff", false},
      {"{json}", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(valid_request_id(c.id), c.valid) << "'" << c.id << "'";
  }
}

}  // namespace
}  // namespace cutover::http
