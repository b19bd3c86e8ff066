#include "unit/identity/jwt_tokens.hpp"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace cutover::identity::test {
namespace {

struct Free {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(BIO* bio) const { BIO_free(bio); }
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
  void operator()(char* text) const { std::free(text); }
};

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

}  // namespace

RsaKeyPair generate_rsa_key() {
  const std::unique_ptr<EVP_PKEY, Free> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}));
  check(key != nullptr, "EVP_PKEY_Q_keygen");
  const std::unique_ptr<BIO, Free> priv(BIO_new(BIO_s_mem()));
  const std::unique_ptr<BIO, Free> pub(BIO_new(BIO_s_mem()));
  check(priv && pub, "BIO_new");
  check(PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  check(PEM_write_bio_PUBKEY(pub.get(), key.get()) == 1, "PEM_write_bio_PUBKEY");
  return RsaKeyPair{bio_string(priv.get()), bio_string(pub.get())};
}

std::string libjwt_token(std::string_view alg, std::string_view key, std::string_view grants_json) {
  jwt_t* raw = nullptr;
  check(jwt_new(&raw) == 0, "jwt_new");
  const std::unique_ptr<jwt_t, Free> jwt(raw);
  const std::string key_copy(key);
  const std::string alg_copy(alg);
  check(jwt_set_alg(jwt.get(), jwt_str_alg(alg_copy.c_str()),
                    reinterpret_cast<const unsigned char*>(key_copy.data()),
                    static_cast<int>(key_copy.size())) == 0,
        "jwt_set_alg");
  check(jwt_add_grants_json(jwt.get(), std::string(grants_json).c_str()) == 0, "jwt_add_grants_json");
  const std::unique_ptr<char, Free> token(jwt_encode_str(jwt.get()));
  check(token != nullptr, "jwt_encode_str");
  return token.get();
}

std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(bytes.data()),
                                   static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(size));
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string hs256_signed(std::string_view signing_input, std::string_view hmac_key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  check(HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()),
             reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
             &mac_size) != nullptr,
        "HMAC");
  return std::string(signing_input) + "." +
         base64url(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
}

std::string hand_token(std::string_view header_json, std::string_view payload_json,
                       std::string_view hmac_key) {
  const std::string signing_input = base64url(header_json) + "." + base64url(payload_json);
  return hmac_key.empty() ? signing_input + "." : hs256_signed(signing_input, hmac_key);
}

std::string with_payload(std::string_view token, std::string_view payload_json) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  return std::string(token.substr(0, first + 1)) + base64url(payload_json) +
         std::string(token.substr(second));
}

}  // namespace cutover::identity::test
