#include "cutover/identity/signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace cutover::identity {
namespace {

void append_hmac_hex(std::string& out, std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
}

}  // namespace

SigningKeys rotate_signing_keys(const SigningKeys& running, std::string secret, std::int64_t now,
                                std::chrono::seconds grace) {
  SigningKeys next;
  if (secret.empty()) return next;
  if (!running.current.empty() && running.current != secret) {
    next.previous = running.current;
    next.previous_until = now + grace.count();
  } else if (running.current == secret && running.previous_until > now) {
    next.previous = running.previous;
    next.previous_until = running.previous_until;
  }
  next.current = std::move(secret);
  return next;
}

std::string sign_identity(const SigningKeys& keys, std::string_view user, std::string_view request_id,
                          std::int64_t unix_time) {
  const std::string time = std::to_string(unix_time);
  std::string message;
  message.reserve(time.size() + request_id.size() + user.size() + 2);
  message.append(time).append(1, '\n').append(request_id).append(1, '\n').append(user);
  std::string out = "t=" + time + ",v1=";
  append_hmac_hex(out, keys.current, message);
  if (!keys.previous.empty() && unix_time <= keys.previous_until) {
    out += ",v1=";
    append_hmac_hex(out, keys.previous, message);
  }
  return out;
}

}  // namespace cutover::identity
