#pragma once
// JWT verification as a pure function of (token, keys, policy, now). Signatures are checked by
// libjwt (Debian libjwt-dev, OpenSSL flavour); the algorithm is read from the token header first
// and the key is chosen by it, so an HS256 token can never be checked against the RSA public key
// (algorithm confusion). Claims (exp, nbf, iss, aud, user claim) are checked here against `now`.
#include <cstdint>
#include <string>
#include <string_view>

namespace cutover::identity {

struct JwtKeys {
  std::string hs256_secret;         // empty: HS256 not accepted
  std::string rs256_public_key_pem; // empty: RS256 not accepted
};

struct JwtPolicy {
  std::string issuer;     // required iss when non-empty
  std::string audience;   // must appear in aud (string or array) when non-empty
  std::string claim = "sub";
  std::int64_t leeway_seconds = 30;
};

enum class JwtError {
  none = 0,
  malformed,        // not three base64url parts, bad JSON
  unsupported_alg,  // alg not configured (includes "none")
  bad_signature,
  expired,
  not_yet_valid,
  wrong_issuer,
  wrong_audience,
  missing_claim,    // user claim absent, empty or not a string/number
};

std::string_view to_string(JwtError error);

struct JwtResult {
  JwtError error = JwtError::malformed;
  std::string user;             // the policy's claim, when error == none
  std::int64_t expires_at = 0;  // exp (unix seconds), 0 when the token has none
};

JwtResult verify_jwt(std::string_view token, const JwtKeys& keys, const JwtPolicy& policy,
                     std::int64_t now_unix_seconds);

}  // namespace cutover::identity
