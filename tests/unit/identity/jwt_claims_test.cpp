// verify_jwt: claim checks (exp, nbf, iss, aud, the user claim) on genuinely signed tokens.
#include "cutover/identity/jwt.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "unit/identity/jwt_tokens.hpp"

namespace cutover::identity {
namespace {

using nlohmann::json;
using test::kSecret;

constexpr std::int64_t kNow = 1'700'000'000;

JwtResult verify_claims(const json& claims, const JwtPolicy& policy = {}, std::int64_t now = kNow) {
  const auto token = test::sign_jwt("HS256", kSecret, claims.dump());
  return verify_jwt(token, JwtKeys{std::string(kSecret), {}}, policy, now);
}

JwtPolicy with_leeway(std::int64_t seconds) {
  JwtPolicy policy;
  policy.leeway_seconds = seconds;
  return policy;
}

TEST(JwtExpiry, ExpiredBeyondLeeway) {
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", kNow - 31}}).error, JwtError::expired);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", kNow - 30}}).error, JwtError::none);  // boundary
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", kNow - 29}}).error, JwtError::none);
}

TEST(JwtExpiry, ZeroLeewayIsExact) {
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", kNow - 1}}, with_leeway(0)).error, JwtError::expired);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", kNow}}, with_leeway(0)).error, JwtError::none);
}

TEST(JwtExpiry, NegativeLeewayCountsAsZero) {
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", kNow}}, with_leeway(-100)).error, JwtError::none);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", kNow - 1}}, with_leeway(-100)).error, JwtError::expired);
}

TEST(JwtExpiry, ExpiresAtReportsExpOrZero) {
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", kNow + 60}}).expires_at, kNow + 60);
  const auto no_exp = verify_claims({{"sub", "a"}});
  EXPECT_EQ(no_exp.error, JwtError::none);
  EXPECT_EQ(no_exp.expires_at, 0);
}

TEST(JwtExpiry, FractionalAndHugeExpAreNumericDates) {
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", kNow + 60.75}}).expires_at, kNow + 60);
  const auto far = verify_claims({{"sub", "a"}, {"exp", 1e300}});
  EXPECT_EQ(far.error, JwtError::none);
  EXPECT_GT(far.expires_at, kNow);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", -1e300}}).error, JwtError::expired);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", INT64_MAX}}).error, JwtError::none);
}

TEST(JwtExpiry, NonNumericDatesAreMalformed) {
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"exp", "tomorrow"}}).error, JwtError::malformed);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"nbf", json::array()}}).error, JwtError::malformed);
}

TEST(JwtNotBefore, FutureNbfBeyondLeeway) {
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"nbf", kNow + 31}}).error, JwtError::not_yet_valid);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"nbf", kNow + 30}}).error, JwtError::none);  // boundary
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"nbf", kNow - 1000}}).error, JwtError::none);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"nbf", kNow + 1}}, with_leeway(0)).error, JwtError::not_yet_valid);
}

TEST(JwtNotBefore, NowIsTheParameter) {
  const json claims = {{"sub", "a"}, {"nbf", kNow + 100}, {"exp", kNow + 200}};
  EXPECT_EQ(verify_claims(claims, {}, kNow).error, JwtError::not_yet_valid);
  EXPECT_EQ(verify_claims(claims, {}, kNow + 150).error, JwtError::none);
  EXPECT_EQ(verify_claims(claims, {}, kNow + 300).error, JwtError::expired);
}

TEST(JwtIssuer, MustMatchWhenConfigured) {
  JwtPolicy policy;
  policy.issuer = "https://auth.example";
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"iss", "https://auth.example"}}, policy).error, JwtError::none);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"iss", "https://evil.example"}}, policy).error,
            JwtError::wrong_issuer);
  EXPECT_EQ(verify_claims({{"sub", "a"}}, policy).error, JwtError::wrong_issuer);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"iss", 1}}, policy).error, JwtError::wrong_issuer);
}

TEST(JwtIssuer, IgnoredWhenNotConfigured) {
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"iss", "anyone"}}).error, JwtError::none);
}

TEST(JwtAudience, StringAud) {
  JwtPolicy policy;
  policy.audience = "gateway";
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"aud", "gateway"}}, policy).error, JwtError::none);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"aud", "billing"}}, policy).error, JwtError::wrong_audience);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"aud", "gateway-extra"}}, policy).error, JwtError::wrong_audience);
  EXPECT_EQ(verify_claims({{"sub", "a"}}, policy).error, JwtError::wrong_audience);
}

TEST(JwtAudience, ArrayAud) {
  JwtPolicy policy;
  policy.audience = "gateway";
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"aud", {"billing", "gateway"}}}, policy).error, JwtError::none);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"aud", {1, nullptr, "gateway"}}}, policy).error, JwtError::none);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"aud", {"billing", "search"}}}, policy).error,
            JwtError::wrong_audience);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"aud", json::array()}}, policy).error, JwtError::wrong_audience);
  EXPECT_EQ(verify_claims({{"sub", "a"}, {"aud", {{"gateway", 1}}}}, policy).error,
            JwtError::wrong_audience);  // an object, not a list
}

TEST(JwtUserClaim, StringUser) {
  const auto result = verify_claims({{"sub", "user-42"}});
  EXPECT_EQ(result.error, JwtError::none);
  EXPECT_EQ(result.user, "user-42");
}

TEST(JwtUserClaim, IntegerUsersRenderInDecimal) {
  EXPECT_EQ(verify_claims({{"sub", 12345}}).user, "12345");
  EXPECT_EQ(verify_claims({{"sub", -7}}).user, "-7");
  EXPECT_EQ(verify_claims({{"sub", 0}}).user, "0");
  EXPECT_EQ(verify_claims({{"sub", INT64_MAX}}).user, "9223372036854775807");
}

TEST(JwtUserClaim, MissingEmptyOrOddTypesAreMissingClaim) {
  EXPECT_EQ(verify_claims({{"name", "alice"}}).error, JwtError::missing_claim);
  EXPECT_EQ(verify_claims({{"sub", ""}}).error, JwtError::missing_claim);
  EXPECT_EQ(verify_claims({{"sub", 1.5}}).error, JwtError::missing_claim);
  EXPECT_EQ(verify_claims({{"sub", true}}).error, JwtError::missing_claim);
  EXPECT_EQ(verify_claims({{"sub", nullptr}}).error, JwtError::missing_claim);
  EXPECT_EQ(verify_claims({{"sub", {"a", "b"}}}).error, JwtError::missing_claim);
  EXPECT_TRUE(verify_claims({{"sub", ""}}).user.empty());
}

// The user id becomes a header value: a CR/LF in it would be header injection.
TEST(JwtUserClaim, ControlCharactersAreRefused) {
  EXPECT_EQ(verify_claims({{"sub", "alice\r\nX-Admin: 1"}}).error, JwtError::missing_claim);
  EXPECT_EQ(verify_claims({{"sub", "bell\a"}}).error, JwtError::missing_claim);
  EXPECT_EQ(verify_claims({{"sub", "tab\there"}}).error, JwtError::missing_claim);
  EXPECT_EQ(verify_claims({{"sub", "del\x7f"}}).error, JwtError::missing_claim);
  EXPECT_EQ(verify_claims({{"sub", "zoë"}}).user, "zoë");
}

TEST(JwtUserClaim, PolicyNamesTheClaim) {
  JwtPolicy policy;
  policy.claim = "uid";
  const auto result = verify_claims({{"sub", "service-account"}, {"uid", "alice"}}, policy);
  EXPECT_EQ(result.error, JwtError::none);
  EXPECT_EQ(result.user, "alice");
  EXPECT_EQ(verify_claims({{"sub", "alice"}}, policy).error, JwtError::missing_claim);
}

TEST(JwtClaims, ExpiryIsCheckedBeforeIdentity) {
  JwtPolicy policy;
  policy.issuer = "https://auth.example";
  EXPECT_EQ(verify_claims({{"exp", kNow - 3600}}, policy).error, JwtError::expired);
}

}  // namespace
}  // namespace cutover::identity
