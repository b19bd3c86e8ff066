// verify_jwt: signatures, algorithm choice and malformed input. Claims are in jwt_claims_test.cpp.
#include "cutover/identity/jwt.hpp"

#include <jwt.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "unit/identity/jwt_tokens.hpp"

namespace cutover::identity {
namespace {

using nlohmann::json;
using test::kSecret;

constexpr std::int64_t kNow = 1'700'000'000;

const test::RsaKeys& rsa_key() {
  static const test::RsaKeys key = test::generate_rsa_keys();
  return key;
}

const test::RsaKeys& other_rsa_key() {
  static const test::RsaKeys key = test::generate_rsa_keys();
  return key;
}

JwtKeys hs_only() { return JwtKeys{std::string(kSecret), {}}; }
JwtKeys rs_only() { return JwtKeys{{}, rsa_key().public_pem}; }
JwtKeys both() { return JwtKeys{std::string(kSecret), rsa_key().public_pem}; }

std::string claims(std::string_view sub = "alice") {
  return json{{"sub", sub}, {"exp", kNow + 600}}.dump();
}

JwtError verify_error(std::string_view token, const JwtKeys& keys) {
  return verify_jwt(token, keys, JwtPolicy{}, kNow).error;
}

TEST(JwtSignature, ValidHs256) {
  const auto result = verify_jwt(test::sign_jwt("HS256", kSecret, claims()), hs_only(), {}, kNow);
  EXPECT_EQ(result.error, JwtError::none);
  EXPECT_EQ(result.user, "alice");
  EXPECT_EQ(result.expires_at, kNow + 600);
}

TEST(JwtSignature, ValidRs256) {
  const auto token = test::sign_jwt("RS256", rsa_key().private_pem, claims("bob"));
  const auto result = verify_jwt(token, rs_only(), {}, kNow);
  EXPECT_EQ(result.error, JwtError::none);
  EXPECT_EQ(result.user, "bob");
}

TEST(JwtSignature, BothAlgsAcceptedWhenBothConfigured) {
  EXPECT_EQ(verify_error(test::sign_jwt("HS256", kSecret, claims()), both()), JwtError::none);
  EXPECT_EQ(verify_error(test::sign_jwt("RS256", rsa_key().private_pem, claims()), both()),
            JwtError::none);
}

TEST(JwtSignature, AnIntegerLibjwtCannotReadIsMalformedNotABadSignature) {
  // Found by fuzz_jwt: jansson reads integers as 64-bit, so libjwt failed this rightly signed
  // token as if its signature were wrong.
  const std::string payload = R"({"sub":"alice","exp":)" + std::to_string(kNow + 600) + R"(,"n":18446744073709551616})";
  const std::string header = R"({"alg":"HS256","typ":"JWT"})";
  const auto token = test::hs256_signed(test::base64url(header) + "." + test::base64url(payload), kSecret);
  EXPECT_EQ(verify_error(token, hs_only()), JwtError::malformed);
}

TEST(JwtSignature, WrongSecretIsBadSignature) {
  const auto token = test::sign_jwt("HS256", "a-different-secret-of-32-bytes!!", claims());
  EXPECT_EQ(verify_error(token, hs_only()), JwtError::bad_signature);
}

TEST(JwtSignature, OtherRsaKeyIsBadSignature) {
  const auto token = test::sign_jwt("RS256", other_rsa_key().private_pem, claims());
  EXPECT_EQ(verify_error(token, rs_only()), JwtError::bad_signature);
}

TEST(JwtSignature, TamperedPayloadIsBadSignature) {
  const auto forged = json{{"sub", "admin"}, {"exp", kNow + 600}}.dump();
  const auto hs = test::sign_jwt("HS256", kSecret, claims());
  const auto rs = test::sign_jwt("RS256", rsa_key().private_pem, claims());
  EXPECT_EQ(verify_error(test::with_payload(hs, forged), hs_only()), JwtError::bad_signature);
  EXPECT_EQ(verify_error(test::with_payload(rs, forged), rs_only()), JwtError::bad_signature);
}

TEST(JwtSignature, TamperedSignatureIsBadSignature) {
  auto token = test::sign_jwt("HS256", kSecret, claims());
  const auto first_sig_char = token.rfind('.') + 1;
  token[first_sig_char] = token[first_sig_char] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify_error(token, hs_only()), JwtError::bad_signature);
}

TEST(JwtSignature, SignatureIsCheckedBeforeClaims) {
  const auto expired = json{{"sub", "alice"}, {"exp", kNow - 3600}}.dump();
  const auto token = test::sign_jwt("HS256", "a-different-secret-of-32-bytes!!", expired);
  EXPECT_EQ(verify_error(token, hs_only()), JwtError::bad_signature);
}

TEST(JwtAlg, NoneIsRejectedInEverySpelling) {
  for (const char* alg : {"none", "None", "NONE"}) {
    const auto token = test::hand_jwt(json{{"alg", alg}}.dump(), claims("admin"), "");
    EXPECT_EQ(verify_error(token, both()), JwtError::unsupported_alg) << alg;
  }
}

TEST(JwtAlg, UnconfiguredAlgIsUnsupported) {
  const auto hs = test::sign_jwt("HS256", kSecret, claims());
  const auto rs = test::sign_jwt("RS256", rsa_key().private_pem, claims());
  EXPECT_EQ(verify_error(hs, rs_only()), JwtError::unsupported_alg);
  EXPECT_EQ(verify_error(rs, hs_only()), JwtError::unsupported_alg);
  EXPECT_EQ(verify_error(hs, JwtKeys{}), JwtError::unsupported_alg);
}

TEST(JwtAlg, OtherAlgsAreUnsupportedEvenWithAMatchingKey) {
  const std::string long_secret(64, 'k');
  const auto hs512 = test::sign_jwt("HS512", long_secret, claims());
  EXPECT_EQ(verify_error(hs512, JwtKeys{long_secret, {}}), JwtError::unsupported_alg);
  const auto rs512 = test::sign_jwt("RS512", rsa_key().private_pem, claims());
  EXPECT_EQ(verify_error(rs512, rs_only()), JwtError::unsupported_alg);
}

// The classic attack: HMAC a forged token with the (public) RSA PEM as the secret.
TEST(JwtAlg, AlgorithmConfusionIsRejected) {
  const auto& pem = rsa_key().public_pem;
  const auto forged = test::sign_jwt("HS256", pem, claims("admin"));

  // Proof the attack is real: libjwt alone, handed the PEM, accepts the forgery.
  jwt_t* raw = nullptr;
  EXPECT_EQ(jwt_decode(&raw, forged.c_str(), reinterpret_cast<const unsigned char*>(pem.data()),
                       static_cast<int>(pem.size())),
            0);
  jwt_free(raw);

  EXPECT_EQ(verify_error(forged, rs_only()), JwtError::unsupported_alg);
  // With HS256 configured too, the PEM is still never the HMAC key.
  EXPECT_EQ(verify_error(forged, both()), JwtError::bad_signature);
}

TEST(JwtMalformed, GarbageNeverThrowsAndIsMalformed) {
  std::string huge = "eyJ";
  huge.append(9000, 'A').append(".e30.AAAA");
  const std::vector<std::string> garbage = {"",    "a.b",   "a.b.c.d",  "..",           "...", "!!!.###.$$$",
                                            "abc", " . . ", "e30.e30.", "e30.e30.AAAA", huge};
  for (const auto& token : garbage) {
    JwtResult result;
    EXPECT_NO_THROW(result = verify_jwt(token, both(), {}, kNow)) << token;
    EXPECT_EQ(result.error, JwtError::malformed) << token;
    EXPECT_TRUE(result.user.empty());
  }
}

TEST(JwtMalformed, TokenOver8KiBIsMalformedEvenIfSigned) {
  const auto big = [](std::size_t filler) {
    return test::sign_jwt("HS256", kSecret,
                              json{{"sub", "alice"}, {"pad", std::string(filler, 'x')}}.dump());
  };
  const auto fits = big(5000);
  const auto too_big = big(7000);
  ASSERT_LE(fits.size(), 8192U);
  ASSERT_GT(too_big.size(), 8192U);
  EXPECT_EQ(verify_error(fits, hs_only()), JwtError::none);
  EXPECT_EQ(verify_error(too_big, hs_only()), JwtError::malformed);
}

TEST(JwtMalformed, HeaderMustBeAJsonObjectWithAStringAlg) {
  const auto payload = claims();
  for (const char* header : {"[]", "\"HS256\"", "{", "not json", R"({"typ":"JWT"})", R"({"alg":256})"}) {
    EXPECT_EQ(verify_error(test::hand_jwt(header, payload, kSecret), hs_only()), JwtError::malformed)
        << header;
  }
}

TEST(JwtMalformed, PayloadMustBeAJsonObject) {
  for (const char* payload : {"[1,2]", "\"alice\"", "42", "{\"sub\":", "{\"sub\":\"\xff\xfe\"}"}) {
    EXPECT_EQ(verify_error(test::hand_jwt(R"({"alg":"HS256"})", payload, kSecret), hs_only()),
              JwtError::malformed)
        << payload;
  }
}

// JSON that nlohmann reads but libjwt's jansson refuses: calling it malformed up front keeps
// bad_signature meaning exactly that.
TEST(JwtMalformed, JsonLibjwtCannotReadIsMalformed) {
  const auto verify_payload = [](const std::string& payload) {
    return verify_error(test::hand_jwt(R"({"alg":"HS256"})", payload, kSecret), hs_only());
  };
  EXPECT_EQ(verify_payload(R"({"sub":"a","n":9223372036854775807})"), JwtError::none);
  EXPECT_EQ(verify_payload(R"({"sub":"a","n":18446744073709551615})"), JwtError::malformed);
  EXPECT_EQ(verify_payload(R"({"sub":"a\u0000b"})"), JwtError::malformed);
  EXPECT_EQ(verify_payload(R"({"sub":"a","k\u0000":1})"), JwtError::malformed);
  EXPECT_EQ(verify_payload(R"({"sub":"a","n":1e400})"), JwtError::malformed);
  const auto nested = [](std::size_t depth) {
    std::string payload = R"({"sub":"a","d":)";
    return payload.append(depth, '[').append(depth, ']').append("}");
  };
  EXPECT_EQ(verify_payload(nested(2)), JwtError::none);
  EXPECT_EQ(verify_payload(nested(20)), JwtError::malformed);
  EXPECT_EQ(verify_payload(nested(4000)), JwtError::malformed);
}

TEST(JwtMalformed, Base64urlIsStrict) {
  const auto token = test::sign_jwt("HS256", kSecret, claims());
  EXPECT_EQ(verify_error(token + "=", hs_only()), JwtError::malformed);         // padding
  EXPECT_EQ(verify_error(" " + token, hs_only()), JwtError::malformed);         // whitespace
  EXPECT_EQ(verify_error(token.substr(0, token.rfind('.') + 1), hs_only()), JwtError::malformed);

  // A non-zero trailing bit is a second spelling of the same bytes; refuse it even when signed.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const auto header = test::base64url(R"({"alg":"HS256"})");
  auto payload = test::base64url(R"({"sub":"bob"})");  // 13 bytes: 4 unused bits at the end
  ASSERT_EQ(payload.size() % 4, 2U);
  EXPECT_EQ(verify_error(test::hs256_signed(header + "." + payload, kSecret), hs_only()), JwtError::none);
  payload.back() = alphabet[alphabet.find(payload.back()) + 1];
  EXPECT_EQ(verify_error(test::hs256_signed(header + "." + payload, kSecret), hs_only()),
            JwtError::malformed);
}

TEST(JwtMalformed, HeaderFieldsLibjwtOrWeCannotHonour) {
  const auto payload = claims();
  const auto verify_header = [&](const char* header) {
    return verify_error(test::hand_jwt(header, payload, kSecret), hs_only());
  };
  EXPECT_EQ(verify_header(R"({"alg":"HS256","typ":"JWT"})"), JwtError::none);
  EXPECT_EQ(verify_header(R"({"alg":"HS256","typ":"jwt"})"), JwtError::none);
  EXPECT_EQ(verify_header(R"({"alg":"HS256","typ":"at+jwt"})"), JwtError::malformed);
  EXPECT_EQ(verify_header(R"({"alg":"HS256","typ":7})"), JwtError::malformed);
  EXPECT_EQ(verify_header(R"({"alg":"HS256","crit":["b64"],"b64":false})"), JwtError::malformed);
}

TEST(JwtErrorNames, AreStable) {
  EXPECT_EQ(to_string(JwtError::none), "none");
  EXPECT_EQ(to_string(JwtError::malformed), "malformed");
  EXPECT_EQ(to_string(JwtError::unsupported_alg), "unsupported_alg");
  EXPECT_EQ(to_string(JwtError::bad_signature), "bad_signature");
  EXPECT_EQ(to_string(JwtError::expired), "expired");
  EXPECT_EQ(to_string(JwtError::not_yet_valid), "not_yet_valid");
  EXPECT_EQ(to_string(JwtError::wrong_issuer), "wrong_issuer");
  EXPECT_EQ(to_string(JwtError::wrong_audience), "wrong_audience");
  EXPECT_EQ(to_string(JwtError::missing_claim), "missing_claim");
}

}  // namespace
}  // namespace cutover::identity
