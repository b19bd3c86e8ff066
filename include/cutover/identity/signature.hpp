#pragma once
// A signature of each injected identity, for backends that can also be reached by other paths
// than the gateway (another proxy, a VPN, a misconfigured firewall) and must tell an identity the
// gateway established from one somebody typed. The README shows the check on the backend's side.
//
//   X-User-Id-Signature: t=1767225600,v1=5f2c...e1[,v1=...]
//
// v1 is HMAC-SHA256, keyed with the shared secret, over "<t>\n<request id>\n<user id>": the
// user id exactly as the identity header carries it, the X-Request-Id the backend receives, and
// the Unix time of signing. Neither t nor a request id can hold a line break, so no two triples
// sign the same bytes. A second v1 appears during a rotation's grace period.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cutover::identity {

struct SigningKeys {
  std::string current;             // the config's secret
  std::string previous;            // the secret it replaced, while its grace period lasts ("" otherwise)
  std::int64_t previous_until = 0; // Unix seconds: after this, `previous` no longer signs
};

// The keys after a reload to `secret`: a changed secret keeps the old one signing for `grace`;
// an unchanged one keeps a rotation already under way. "" (signing off) keeps nothing.
SigningKeys rotate_signing_keys(const SigningKeys& running, std::string secret, std::int64_t now,
                                std::chrono::seconds grace);

// The header value for `user` on the request `request_id`, signed at `unix_time`.
std::string sign_identity(const SigningKeys& keys, std::string_view user, std::string_view request_id,
                          std::int64_t unix_time);

}  // namespace cutover::identity
