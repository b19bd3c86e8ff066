#pragma once
// Token minting for the identity tests: real libjwt signing, plus a hand builder for headers
// libjwt refuses to produce (alg none, odd typ, crit).
#include <string>
#include <string_view>

namespace cutover::identity::test {

inline constexpr std::string_view kSecret = "an-hs256-secret-of-32-bytes-min!";

struct RsaKeyPair {
  std::string private_pem;
  std::string public_pem;
};

// A fresh 2048-bit key pair (OpenSSL 3 EVP); slow, so generate once per suite.
RsaKeyPair generate_rsa_key();

// Signed by libjwt. `grants_json` is a JSON object of claims; alg is "HS256" or "RS256".
std::string libjwt_token(std::string_view alg, std::string_view key, std::string_view grants_json);

std::string base64url(std::string_view bytes);

// `signing_input` + "." + base64url(HMAC-SHA256(hmac_key, signing_input)).
std::string hs256_signed(std::string_view signing_input, std::string_view hmac_key);

// header.payload.signature where the signature is HMAC-SHA256 over the first two parts with
// `hmac_key`, or empty when `hmac_key` is empty.
std::string hand_token(std::string_view header_json, std::string_view payload_json,
                       std::string_view hmac_key);

// `token` with its payload replaced (signature kept), as a forger would try.
std::string with_payload(std::string_view token, std::string_view payload_json);

}  // namespace cutover::identity::test
