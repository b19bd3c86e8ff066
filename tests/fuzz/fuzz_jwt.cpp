// JWT verification (identity/jwt.hpp), with an HS256 secret and an RS256 public key configured.
// Input, either:
// - a token, verified as a client would send it; or
// - "HEADER_JSON\nPAYLOAD_JSON" optionally followed by "\nKEY" (hs, rs, pub or none): the harness
//   encodes both parts and signs them with that key (by default the one the header's alg names;
//   pub is HMAC with the RSA public PEM as the secret, the algorithm-confusion forgery; none is an
//   empty signature), so the claims checks behind the signature are fuzzed too.
// Properties:
// - a token is accepted only if an independent OpenSSL check of its signature, with the key of the
//   alg its header names, passes: no forgery, no algorithm confusion, no "none";
// - an accepted user id is non-empty and free of control characters, and exp has not passed;
// - a token the harness signed with the right key is never a bad signature: the gateway's strict
//   decoding and libjwt's agree on which tokens are well formed;
// - the verdict is the same when asked twice.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cutover/identity/jwt.hpp"
#include "fuzz_check.hpp"
#include "jwt_keys.hpp"

namespace {

using cutover::fuzz::kHs256Secret;
using cutover::identity::JwtError;
using cutover::identity::JwtKeys;
using cutover::identity::JwtPolicy;
using cutover::identity::JwtResult;

constexpr std::int64_t kNow = 1'800'000'000;  // 2027-01-15; tokens in the seeds expire in 2033

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;

Key read_key(std::string_view pem, bool is_private) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = is_private ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)
                             : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return Key(key);
}

const Key& rsa_private() {
  static const Key key = read_key(cutover::fuzz::kRsaPrivatePem, true);
  return key;
}
const Key& rsa_public() {
  static const Key key = read_key(cutover::fuzz::kRsaPublicPem, false);
  return key;
}

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

// Lenient: only for reading what the gateway accepted; padding and stray characters are skipped.
std::string base64url_decoded(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '-' ? 62 : c == '_' ? 63 : -1;
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

std::string rs256_sign(std::string_view message) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t length = 0;
  std::string signature;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, rsa_private().get()) == 1 &&
      EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1) {
    signature.resize(length);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                   reinterpret_cast<const unsigned char*>(message.data()), message.size());
    signature.resize(length);
  }
  EVP_MD_CTX_free(ctx);
  return signature;
}

bool rs256_valid(std::string_view message, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool valid =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, rsa_public().get()) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return valid;
}

// The alg a token's header names, read leniently ("" when there is none).
std::string alg_of(std::string_view encoded_header) {
  const auto header = nlohmann::json::parse(base64url_decoded(encoded_header), nullptr, false);
  if (!header.is_object() || !header.contains("alg") || !header["alg"].is_string()) return {};
  return header["alg"].get<std::string>();
}

// A token the harness signs: whether the key is the one the gateway holds for its alg.
struct Signed {
  std::string token;
  bool right_key = false;
};

Signed sign(std::string_view input) {
  const auto first = input.find('\n');
  const std::string_view header = input.substr(0, first);
  std::string_view payload = first == std::string_view::npos ? std::string_view{} : input.substr(first + 1);
  std::string_view key;
  if (const auto second = payload.find('\n'); second != std::string_view::npos) {
    key = payload.substr(second + 1);
    payload = payload.substr(0, second);
  }
  const std::string signing_input = base64url(header) + "." + base64url(payload);
  const std::string alg = alg_of(base64url(header));
  if (key.empty()) key = alg == "RS256" ? "rs" : "hs";
  std::string signature;
  if (key == "rs") signature = rs256_sign(signing_input);
  else if (key == "pub") signature = hmac_sha256(cutover::fuzz::kRsaPublicPem, signing_input);
  else if (key == "hs") signature = hmac_sha256(kHs256Secret, signing_input);
  const bool right_key = (key == "hs" && alg == "HS256") || (key == "rs" && alg == "RS256");
  return {signing_input + "." + base64url(signature), right_key};
}

void check(std::string_view token, const JwtKeys& keys, const JwtPolicy& policy, bool signed_right,
           const std::string& shown) {
  const JwtResult result = cutover::identity::verify_jwt(token, keys, policy, kNow);
  const JwtResult again = cutover::identity::verify_jwt(token, keys, policy, kNow);
  CHECK_PROPERTY(result.error == again.error && result.user == again.user, "the same verdict twice", shown);
  if (signed_right) {
    CHECK_PROPERTY(result.error != JwtError::bad_signature,
                   "a token signed with the right key is not a bad signature", shown);
  }
  if (result.error != JwtError::none) return;

  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  const std::string_view signing_input = token.substr(0, dot2);
  const std::string signature = base64url_decoded(token.substr(dot2 + 1));
  const std::string alg = alg_of(token.substr(0, dot1));
  const bool hs_ok = alg == "HS256" && !keys.hs256_secret.empty() && signature == hmac_sha256(kHs256Secret, signing_input);
  const bool rs_ok = alg == "RS256" && !keys.rs256_public_key_pem.empty() && rs256_valid(signing_input, signature);
  CHECK_PROPERTY(hs_ok || rs_ok, "accepted only with a signature OpenSSL confirms for the header's alg", shown);
  CHECK_PROPERTY(!result.user.empty(), "an accepted user id is not empty", shown);
  for (char c : result.user) {
    const auto byte = static_cast<unsigned char>(c);
    CHECK_PROPERTY(byte >= 0x20 && byte != 0x7f, "an accepted user id has no control characters", shown);
  }
  CHECK_PROPERTY(result.expires_at == 0 || kNow <= result.expires_at + policy.leeway_seconds,
                 "an accepted token has not expired", shown);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string token(input);
  bool signed_right = false;
  if (input.starts_with("{")) {
    Signed made = sign(input);
    token = std::move(made.token);
    signed_right = made.right_key;
  }
  const std::string shown = std::string(input) + "\n  token: " + token;
  // Both keys with a strict policy, and the HS256 secret alone with the defaults.
  static const JwtKeys both{std::string(kHs256Secret), std::string(cutover::fuzz::kRsaPublicPem)};
  static const JwtKeys hs_only{std::string(kHs256Secret), ""};
  static const JwtPolicy strict{"https://issuer.example", "cutover", "user", 30};
  static const JwtPolicy defaults{};
  check(token, both, strict, signed_right, shown);
  check(token, hs_only, defaults, signed_right, shown);
  return 0;
}
