#include "support/jwt_mint.hpp"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace cutover::test {
namespace {

struct Free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(BIO* bio) const { BIO_free(bio); }
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
  void operator()(char* text) const { std::free(text); }
};

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("jwt_mint: ") + what + " failed");
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}


}  // namespace

std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(size));
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

RsaKeys generate_rsa_keys() {
  const std::unique_ptr<EVP_PKEY, Free> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
  require(key != nullptr, "EVP_PKEY_Q_keygen");
  const std::unique_ptr<BIO, Free> priv(BIO_new(BIO_s_mem()));
  const std::unique_ptr<BIO, Free> pub(BIO_new(BIO_s_mem()));
  require(priv && pub, "BIO_new");
  require(PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
  require(PEM_write_bio_PUBKEY(pub.get(), key.get()) == 1, "PEM_write_bio_PUBKEY");
  return RsaKeys{bio_text(priv.get()), bio_text(pub.get())};
}

std::string sign_jwt(std::string_view alg, std::string_view key, std::string_view claims_json) {
  jwt_t* raw = nullptr;
  require(jwt_new(&raw) == 0, "jwt_new");
  const std::unique_ptr<jwt_t, Free> jwt(raw);
  const std::string key_copy(key);
  const std::string alg_copy(alg);
  require(jwt_set_alg(jwt.get(), jwt_str_alg(alg_copy.c_str()), reinterpret_cast<const unsigned char*>(key_copy.data()),
                      static_cast<int>(key_copy.size())) == 0,
          "jwt_set_alg");
  require(jwt_add_grants_json(jwt.get(), std::string(claims_json).c_str()) == 0, "jwt_add_grants_json");
  const std::unique_ptr<char, Free> token(jwt_encode_str(jwt.get()));
  require(token != nullptr, "jwt_encode_str");
  return token.get();
}

std::string hs256_user_token(std::string_view user, std::string_view secret, std::int64_t expires_in_s) {
  // User ids in these tests are plain [A-Za-z0-9-]: no JSON escaping needed.
  const std::string claims =
      "{\"sub\":\"" + std::string(user) + "\",\"exp\":" + std::to_string(unix_now() + expires_in_s) + "}";
  return sign_jwt("HS256", secret, claims);
}

std::string hs256_signed(std::string_view signing_input, std::string_view hmac_key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  require(HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()),
               reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
               &mac_size) != nullptr,
          "HMAC");
  return std::string(signing_input) + "." + base64url(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
}

std::string hand_jwt(std::string_view header_json, std::string_view payload_json, std::string_view hmac_key) {
  const std::string signing_input = base64url(header_json) + "." + base64url(payload_json);
  return hmac_key.empty() ? signing_input + "." : hs256_signed(signing_input, hmac_key);
}

std::string with_payload(std::string_view token, std::string_view payload_json) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  return std::string(token.substr(0, first + 1)) + base64url(payload_json) + std::string(token.substr(second));
}

}  // namespace cutover::test
