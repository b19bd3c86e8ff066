// JSON Web Tokens for integration tests: real libjwt signing (HS256, RS256), an RSA key pair made
// at runtime with OpenSSL, and a hand builder for tokens libjwt refuses to produce (alg none).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cutover::test {

// 40 bytes: comfortably over the 32-byte HS256 minimum the gateway enforces.
inline constexpr std::string_view kJwtSecret = "integration-hs256-secret-0123456789abcdef";

struct RsaKeys {
  std::string private_pem;
  std::string public_pem;  // -----BEGIN PUBLIC KEY-----
};

// A fresh 2048-bit key pair; takes ~100 ms, so make one per test that needs it.
RsaKeys generate_rsa_keys();

// Signs `claims_json` (a JSON object) with libjwt; alg is "HS256" (key = secret) or "RS256"
// (key = private PEM). Throws std::runtime_error when libjwt refuses.
std::string sign_jwt(std::string_view alg, std::string_view key, std::string_view claims_json);

// {"sub": user, "exp": now + expires_in_s} signed HS256 with `secret` (negative: already expired).
std::string hs256_user_token(std::string_view user, std::string_view secret = kJwtSecret,
                             std::int64_t expires_in_s = 3600);

// base64url(header).base64url(payload).HMAC-SHA256 (or an empty signature when hmac_key is
// empty): for forgeries such as {"alg":"none"} or HS256 signed with an RSA public key.
std::string hand_jwt(std::string_view header_json, std::string_view payload_json, std::string_view hmac_key);

std::int64_t unix_now();

// Unpadded base64url (RFC 7515 section 2).
std::string base64url(std::string_view bytes);

// "signing_input.signature" with an HMAC-SHA256 signature over signing_input.
std::string hs256_signed(std::string_view signing_input, std::string_view hmac_key);

// The same token with its payload replaced and the old signature kept (a tampering attempt).
std::string with_payload(std::string_view token, std::string_view payload_json);

}  // namespace cutover::test
