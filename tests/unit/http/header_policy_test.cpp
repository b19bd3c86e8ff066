// Names are judged as the backend reads them (header_policy.hpp): every spelling a CGI, WSGI or
// Rack server maps onto one of the gateway's own names is that name.
#include "cutover/http/header_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cutover::http {
namespace {

HeaderVerdict judge(std::string_view name, HeaderPolicy policy = {}) { return judge_client_header(name, policy); }

TEST(HeaderPolicy, EverySpellingOfTheIdentityHeaderIsProtected) {
  for (std::string_view name : {"X-User-Id", "x-user-id", "X-USER-ID", "X_User_Id", "x_user_id", "X-User_Id",
                                "X_User-Id", "X_USER_ID"}) {
    EXPECT_EQ(judge(name), HeaderVerdict::protected_name) << name;
  }
  HeaderPolicy policy;
  policy.identity_header = "Remote-User";
  EXPECT_EQ(judge("remote_user", policy), HeaderVerdict::protected_name);
  EXPECT_EQ(judge("X-User-Id", policy), HeaderVerdict::pass);
}

TEST(HeaderPolicy, TheNamespaceAndTheSignatureInAnySpelling) {
  HeaderPolicy policy;  // the signature header is protected even where the gateway does not sign
  for (std::string_view name : {"X-Cutover-User", "X_Cutover_User", "x_cutover-role", "X-CUTOVER_", "X_User_Id_Signature",
                                "x-user-id-signature"}) {
    EXPECT_EQ(judge(name, policy), HeaderVerdict::protected_name) << name;
  }
  EXPECT_EQ(judge("X-Cutover", policy), HeaderVerdict::pass) << "the prefix is 'X-Cutover-', with its dash";
  policy.header_namespace = "";
  EXPECT_EQ(judge("X-Cutover-User", policy), HeaderVerdict::pass);
}

TEST(HeaderPolicy, ForwardingHeadersAreProtectedUnlessTrusted) {
  const std::vector<std::string_view> names{"X-Forwarded-For", "X_Forwarded_For", "X_Forwarded_Host",
                                            "X_Forwarded-Proto", "X-Forwarded_Prefix", "x-forwarded-port",
                                            "Forwarded", "FORWARDED", "X-Real-IP", "X_Real_Ip"};
  for (auto name : names) EXPECT_EQ(judge(name), HeaderVerdict::protected_name) << name;
  HeaderPolicy trusted;
  trusted.trust_forwarded = true;
  EXPECT_EQ(judge("X-Forwarded-For", trusted), HeaderVerdict::pass);
  EXPECT_EQ(judge("X-Real-IP", trusted), HeaderVerdict::pass);
  // Trusted or not, only the real spelling is a forwarding header.
  EXPECT_EQ(judge("X_Forwarded_For", trusted), HeaderVerdict::protected_name);
  for (std::string_view name : {"Client-IP", "X-Client-IP", "True-Client-IP", "x_cluster_client_ip"}) {
    EXPECT_EQ(judge(name), HeaderVerdict::protected_name) << name;
  }
}

TEST(HeaderPolicy, RequestIdSpelledWithUnderscoresIsProtected) {
  EXPECT_EQ(judge("X_Request_Id"), HeaderVerdict::protected_name);
  EXPECT_EQ(judge("X-Request_ID"), HeaderVerdict::protected_name);
  // The exact name is the client's request id, which the rewriter reads and sets itself.
  EXPECT_EQ(judge("X-Request-Id"), HeaderVerdict::pass);
}

TEST(HeaderPolicy, FramingHeadersInDisguiseAreProtectedEvenWhenUnderscoresAreAllowed) {
  HeaderPolicy allow;
  allow.underscores = UnderscoreHeaders::allow;
  for (std::string_view name : {"Transfer_Encoding", "Content_Length", "transfer.encoding", "Content.Length", "Proxy_Connection"}) {
    EXPECT_EQ(judge(name, allow), HeaderVerdict::protected_name) << name;
  }
  EXPECT_EQ(judge("Content-Length", allow), HeaderVerdict::pass) << "the real spelling is the rewriter's to handle";
}

TEST(HeaderPolicy, UnderscoresFollowThePolicy) {
  HeaderPolicy policy;
  EXPECT_EQ(judge("X_Custom", policy), HeaderVerdict::underscore);
  policy.underscores = UnderscoreHeaders::reject;
  EXPECT_EQ(judge("X_Custom", policy), HeaderVerdict::underscore);
  policy.underscores = UnderscoreHeaders::allow;
  EXPECT_EQ(judge("X_Custom", policy), HeaderVerdict::pass);
  EXPECT_EQ(judge("X_User_Id", policy), HeaderVerdict::protected_name) << "allow never lets a protected name through";
  EXPECT_EQ(judge("X-Custom", policy), HeaderVerdict::pass);
}

TEST(HeaderPolicy, OverrideHeadersNeedTheRoutesPermission) {
  for (auto name : kOverrideHeaders) EXPECT_EQ(judge(name), HeaderVerdict::url_override) << name;
  EXPECT_EQ(judge("x_original_url"), HeaderVerdict::url_override);
  EXPECT_EQ(judge("X-HTTP-METHOD-OVERRIDE"), HeaderVerdict::url_override);
  HeaderPolicy policy;
  policy.allowed_overrides = 1u << override_header_index("X-HTTP-Method-Override");
  EXPECT_EQ(judge("X-HTTP-Method-Override", policy), HeaderVerdict::pass);
  EXPECT_EQ(judge("X-Original-URL", policy), HeaderVerdict::url_override);
  EXPECT_EQ(override_header_index("X-Not-An-Override"), -1);
}

TEST(HeaderPolicy, NamesCompareAsBackendsReadThem) {
  EXPECT_TRUE(same_header_name("X-A_b", "x_a-B"));
  EXPECT_TRUE(same_header_name("X.User.Id", "X-User-Id")) << "lighttpd maps every other byte to '_' too";
  EXPECT_EQ(judge("X.User~Id"), HeaderVerdict::protected_name);
  EXPECT_EQ(judge("X.Request.Id"), HeaderVerdict::protected_name);
  EXPECT_FALSE(same_header_name("X-Ab", "X-A"));
  EXPECT_TRUE(header_name_starts_with("X_CUTOVER_x", "X-Cutover-"));
  EXPECT_FALSE(header_name_starts_with("X-Cut", "X-Cutover-"));
}

TEST(HeaderPolicy, TrailersCarryNoFramingRoutingOrCredentials) {
  for (std::string_view name : {"Content-Length", "transfer-encoding", "Host", "Authorization", "Cookie", "TE",
                                "Trailer", "Content-Type", "If-Match", "if-none-match", "Expect", "Range",
                                "Content_Length"}) {
    EXPECT_FALSE(allowed_in_trailer(name)) << name;
  }
  for (std::string_view name : {"X-Checksum", "Server-Timing", "Digest"}) EXPECT_TRUE(allowed_in_trailer(name)) << name;
  EXPECT_FALSE(allowed_in_trailer("X-Forwarded-For")) << "not even from a trusted proxy";
}

}  // namespace
}  // namespace cutover::http
