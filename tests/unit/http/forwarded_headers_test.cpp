// set_forwarded_headers in both trust modes, and valid_request_id.
#include "cutover/http/headers.hpp"

#include <gtest/gtest.h>

#include "unit/http/header_fields.hpp"

namespace cutover::http {
namespace {

using test::HeaderList;
using test::make_fields;
using test::values_of;

using Values = std::vector<std::string>;

bhttp::fields forwarded(const HeaderList& in, bool trust, std::string_view client = "10.0.0.1",
                        std::string_view proto = "http") {
  auto fields = make_fields(in);
  set_forwarded_headers(fields, {client, proto, trust});
  return fields;
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
