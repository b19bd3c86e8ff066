// Headers a backend trusts the gateway for, judged the way CGI, WSGI and Rack backends read names
// (`X_User_Id` is HTTP_X_USER_ID there, as `X-User-Id` is): no spelling of the identity header,
// the gateway's namespace or the forwarding headers gets through; names with '_' follow
// headers_with_underscores; URL and method overrides need the route's permission; injected user
// ids are refused when a backend could misread them; and the identity can be signed.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/identity_checks.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <csignal>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A header name as a CGI-style backend reads it: upper case, '-' as '_'.
std::string cgi_name(std::string_view name) {
  std::string out;
  for (char c : name) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Values of every header the backend saw that a CGI-style backend reads as `name`.
std::vector<std::string> cgi_values(const Response& r, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [seen, value] : upstream_headers(r)) {
    if (cgi_name(seen) == cgi_name(name)) out.push_back(value);
  }
  return out;
}

// Names the backend saw that a CGI-style backend reads as starting with `prefix`.
std::vector<std::string> cgi_names_with_prefix(const Response& r, std::string_view prefix) {
  std::vector<std::string> out;
  for (const auto& [seen, value] : upstream_headers(r)) {
    if (cgi_name(seen).starts_with(cgi_name(prefix))) out.push_back(seen);
  }
  return out;
}

// The spellings of Puma's CVE-2024-45614 and its relatives.
const Headers kUnderscoreSpoofs{{"X_User_Id", "admin"},          {"x_user_id", "root"},
                                {"X-User_Id", "admin2"},         {"X_User-Id", "admin3"},
                                {"X_Cutover_User", "admin"},     {"x_cutover-role", "admin"},
                                {"X_Forwarded_For", "10.6.6.6"}, {"X_Forwarded_Host", "evil.example"},
                                {"X_Forwarded-Proto", "https"},  {"X-Forwarded_Prefix", "/evil"},
                                {"X_Real_IP", "10.6.6.6"},       {"X_Request_Id", "forged"},
                                {"X.User.Id", "admin4"},         {"X-User-Id-Signature", "t=1,v1=00"},
                                {"X_User_Id_Signature", "t=1,v1=00"}};

class EdgeHeaders : public ::testing::Test {
 protected:
  void start(const std::string& extra_top = "", const std::string& extra_identity = "",
             const std::string& extra_routes = "") {
    app_ = Upstream::start("app");
    gateway_ = std::make_unique<Gateway>();
    const auto secret = gateway_->write_file("hs256.key", std::string(kJwtSecret) + "\n");
    signature_key_ = gateway_->write_file("signature.key", std::string(kSignatureSecret) + "\n");
    gateway_->write_config(yaml_prologue(2, true) + extra_top +
                           "identity:\n"
                           "  jwt: { hs256_secret_file: " + secret.string() + " }\n" + extra_identity +
                           "backends:\n"
                           "  app: { endpoints: [" + app_->address() + "] }\n"
                           "routes:\n" + extra_routes +
                           "  - { id: open, match: { prefix: / }, backend: app }\n"
                           "  - { id: private, match: { prefix: /private }, backend: app, require_user: true }\n");
    gateway_->start();
  }

  Response headers_seen(Headers headers, unsigned version = 11) {
    Request request{.target = "/headers", .headers = std::move(headers)};
    if (version == 10) {
      HttpConnection c(gateway_->port());
      std::string raw = "GET /headers HTTP/1.0\r\nHost: h\r\n";
      for (const auto& [name, value] : request.headers) raw += name + ": " + value + "\r\n";
      EXPECT_FALSE(c.send_raw(raw + "\r\n"));
      return c.read_response();
    }
    return http_request(gateway_->port(), request);
  }

  void expect_no_forgery(const Response& r, const std::vector<std::string>& users) {
    ASSERT_EQ(r.status, 200) << r.error.message() << " " << r.body;
    EXPECT_EQ(cgi_values(r, "X-User-Id"), users) << r.body;
    EXPECT_THAT(cgi_names_with_prefix(r, "X-Cutover-"), IsEmpty()) << r.body;
    EXPECT_EQ(cgi_values(r, "X-Forwarded-For"), std::vector<std::string>{"127.0.0.1"}) << r.body;
    EXPECT_THAT(cgi_values(r, "X-Forwarded-Host"), ::testing::Not(::testing::Contains("evil.example"))) << r.body;
    EXPECT_THAT(cgi_values(r, "X-Forwarded-Proto"), ::testing::ElementsAre("http")) << r.body;
    EXPECT_THAT(cgi_values(r, "X-Forwarded-Prefix"), IsEmpty()) << r.body;
    EXPECT_THAT(cgi_values(r, "X-Real-IP"), IsEmpty()) << r.body;
    EXPECT_THAT(cgi_values(r, "X-Request-Id"), ::testing::Not(::testing::Contains("forged"))) << r.body;
    EXPECT_THAT(cgi_values(r, "X-User-Id-Signature"), IsEmpty()) << "not signing, and no forged signature" << r.body;
    for (const auto& [name, value] : upstream_headers(r)) EXPECT_NE(name, "X.User.Id") << "lighttpd reads it as X_USER_ID";
  }

  static constexpr std::string_view kSignatureSecret = "signature-secret-0123456789abcdef-0123";
  std::unique_ptr<Upstream> app_;
  std::unique_ptr<Gateway> gateway_;
  std::filesystem::path signature_key_;
};

TEST_F(EdgeHeaders, NoSpellingOfAProtectedHeaderReachesTheBackend) {
  start();
  expect_no_forgery(headers_seen(kUnderscoreSpoofs), {});
  expect_no_forgery(headers_seen(with(kUnderscoreSpoofs, kSpoofs)), {});
  expect_no_forgery(headers_seen(kUnderscoreSpoofs, 10), {});
  // With a valid token for bob, the backend sees bob and only bob, never "admin,bob".
  const auto bob = Headers{{"Authorization", bearer(hs256_user_token("bob"))}};
  expect_no_forgery(headers_seen(with(bob, kUnderscoreSpoofs)), {"bob"});
  expect_no_forgery(headers_seen(with(kUnderscoreSpoofs, bob), 10), {"bob"});
}

TEST_F(EdgeHeaders, NoSpellingGetsThroughWithABodyOrExpectContinue) {
  start();
  std::string head = "POST /headers HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n";
  for (const auto& [name, value] : kUnderscoreSpoofs) head += name + ": " + value + "\r\n";
  HttpConnection c(gateway_->port());
  ASSERT_FALSE(c.send_raw(head + "\r\n"));
  ASSERT_EQ(c.read_response().status, 100);
  ASSERT_FALSE(c.send_raw("x"));
  expect_no_forgery(c.read_response(), {});
  const auto chunked = http_request(gateway_->port(),
                                    {.method = "POST", .target = "/headers", .headers = kUnderscoreSpoofs,
                                     .body = "x", .chunked = true});
  expect_no_forgery(chunked, {});
}

TEST_F(EdgeHeaders, ASpoofedUnderscoreIdentityIsNotAUserForRequireUser) {
  start();
  expect_401(http_get(gateway_->port(), "/private/x", {{"X_User_Id", "admin"}}));
  EXPECT_EQ(app_->hits("/private/x"), 0u);
}

TEST_F(EdgeHeaders, UnderscoreNamesAreDroppedByDefaultAndCounted) {
  start();
  const auto r = headers_seen({{"X_Custom", "1"}, {"X-Fine", "2"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(cgi_values(r, "X-Custom"), IsEmpty()) << r.body;
  EXPECT_THAT(cgi_values(r, "X-Fine"), ::testing::ElementsAre("2"));
  const auto text = http_get(gateway_->admin_port(), "/metrics").body;
  EXPECT_THAT(text, HasSubstr("cutover_client_headers_removed_total{reason=\"underscore\"} 1\n"));
}

TEST_F(EdgeHeaders, UnderscoreNamesRejectedWhenTheConfigSaysSo) {
  start("headers_with_underscores: reject\n");
  const auto r = http_get(gateway_->port(), "/headers", {{"X_Custom", "1"}});
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(parse_json(r.body).value_or(nullptr)["error"], "bad_header");
  EXPECT_EQ(app_->hits("/headers"), 0u);
  // A protected spelling is dropped, never a reason to refuse the request.
  expect_no_forgery(headers_seen({{"X_User_Id", "admin"}}), {});
}

TEST_F(EdgeHeaders, UnderscoreNamesPassWhenAllowedButProtectedOnesNever) {
  start("headers_with_underscores: allow\n");
  const auto r = headers_seen(with({{"X_Custom", "1"}}, kUnderscoreSpoofs));
  expect_no_forgery(r, {});
  EXPECT_THAT(cgi_values(r, "X-Custom"), ::testing::ElementsAre("1"));
}

TEST_F(EdgeHeaders, OverrideHeadersNeedTheRoutesPermission) {
  start("", "", "  - { id: legacy-forms, match: { path: /headers, host: forms.example }, backend: app,"
                " allow_override_headers: [X-HTTP-Method-Override] }\n");
  const Headers overrides{{"X-Original-URL", "/admin"}, {"X-Rewrite-URL", "/admin"},
                          {"X_HTTP_Method_Override", "DELETE"}, {"X-HTTP-Method-Override", "PUT"}};
  const auto plain = http_get(gateway_->port(), "/headers", overrides);
  ASSERT_EQ(plain.status, 200);
  EXPECT_THAT(cgi_values(plain, "X-Original-URL"), IsEmpty());
  EXPECT_THAT(cgi_values(plain, "X-Rewrite-URL"), IsEmpty());
  EXPECT_THAT(cgi_values(plain, "X-HTTP-Method-Override"), IsEmpty());
  const auto allowed = http_get(gateway_->port(), "/headers", with({{"Host", "forms.example"}}, overrides));
  ASSERT_EQ(allowed.status, 200);
  EXPECT_THAT(cgi_values(allowed, "X-HTTP-Method-Override"), ::testing::ElementsAre("PUT"))
      << "the allowed name passes as spelled; its '_' spelling is still a name with '_'";
  EXPECT_THAT(cgi_values(allowed, "X-Original-URL"), IsEmpty());
}

TEST_F(EdgeHeaders, InjectedUserIdsABackendCouldMisreadAreRefused) {
  start();
  const auto now = unix_now();
  for (std::string sub : {" admin", "admin ", "", "jos\\u00e9", "a\\u0001b"}) {
    SCOPED_TRACE(sub);
    const auto token =
        sign_jwt("HS256", kJwtSecret, R"({"sub":")" + sub + R"(","exp":)" + std::to_string(now + 600) + "}");
    const auto r = http_get(gateway_->port(), "/private/x", {{"Authorization", bearer(token)}});
    expect_401(r);
    EXPECT_THAT(parse_json(r.body).value_or(nullptr)["message"].get<std::string>(), HasSubstr("invalid credentials"));
    const auto open = headers_seen({{"Authorization", bearer(token)}});
    ASSERT_EQ(open.status, 200);
    EXPECT_THAT(cgi_values(open, "X-User-Id"), IsEmpty()) << open.body;
  }
  EXPECT_EQ(app_->hits("/private/x"), 0u);
  // The access log says why, for the 401s and for the requests that went on anonymous.
  ASSERT_TRUE(wait_until([&] { return gateway_->access_log().find("credentials_refused") != std::string::npos; }, 3s));
  EXPECT_THAT(gateway_->access_log(), HasSubstr("\"credentials_refused\":\"the user id has leading or trailing whitespace\""));
}

TEST_F(EdgeHeaders, Utf8UserIdsArePercentEncodedWhenAllowed) {
  start("", "  allow_utf8: true\n");
  const auto token = sign_jwt("HS256", kJwtSecret,
                              R"({"sub":"jos\u00e9 100%","exp":)" + std::to_string(unix_now() + 600) + "}");
  const auto r = headers_seen({{"Authorization", bearer(token)}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(cgi_values(r, "X-User-Id"), ::testing::ElementsAre("jos%C3%A9 100%25"));
}

std::string hmac_hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &length);
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

// t=..., v1=... pairs of an X-User-Id-Signature value, in order.
std::vector<std::pair<std::string, std::string>> signature_parts(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> parts;
  while (!value.empty()) {
    const auto comma = value.find(',');
    const auto part = value.substr(0, comma);
    const auto eq = part.find('=');
    parts.emplace_back(std::string(part.substr(0, eq)), std::string(part.substr(eq + 1)));
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
  }
  return parts;
}

TEST_F(EdgeHeaders, ASignedIdentityVerifiesAndRotatesWithAGracePeriod) {
  start("", "  signature: { secret_file: signature.key, rotation_grace: 5m }\n");
  const auto bob = Headers{{"Authorization", bearer(hs256_user_token("bob"))}, {"X-User-Id-Signature", "forged"},
                           {"X_User_Id_Signature", "forged"}};
  auto r = headers_seen(bob);
  ASSERT_EQ(r.status, 200) << r.body;
  auto signatures = cgi_values(r, "X-User-Id-Signature");
  ASSERT_EQ(signatures.size(), 1u) << r.body;
  auto parts = signature_parts(signatures[0]);
  ASSERT_EQ(parts.size(), 2u) << signatures[0];
  ASSERT_EQ(parts[0].first, "t");
  EXPECT_NEAR(std::stoll(parts[0].second), unix_now(), 5);
  const auto request_id = cgi_values(r, "X-Request-Id").at(0);
  const std::string message = parts[0].second + "\n" + request_id + "\nbob";
  EXPECT_EQ(parts[1], (std::pair<std::string, std::string>{"v1", hmac_hex(kSignatureSecret, message)}));
  // Anonymous requests carry no signature (and no forged one).
  EXPECT_THAT(cgi_values(headers_seen({{"X-User-Id-Signature", "forged"}}), "X-User-Id-Signature"), IsEmpty());

  // A new secret: the old one keeps signing beside it for the grace period.
  const std::string rotated = "rotated-signature-secret-0123456789abcdef";
  gateway_->write_file("signature.key", rotated + "\n");
  ::kill(gateway_->process().pid(), SIGHUP);
  ASSERT_TRUE(wait_until([&] { return signature_parts(cgi_values(headers_seen(bob), "X-User-Id-Signature").at(0)).size() == 3; }, 5s));
  r = headers_seen(bob);
  parts = signature_parts(cgi_values(r, "X-User-Id-Signature").at(0));
  const std::string again = parts[0].second + "\n" + cgi_values(r, "X-Request-Id").at(0) + "\nbob";
  EXPECT_EQ(parts[1].second, hmac_hex(rotated, again));
  EXPECT_EQ(parts[2].second, hmac_hex(kSignatureSecret, again));
}

}  // namespace
}  // namespace cutover::test
