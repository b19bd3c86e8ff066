#include "cutover/tls/contexts.hpp"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <functional>
#include <cstring>

#include "cutover/tls/server_names.hpp"

namespace cutover::tls {
namespace {

// What OpenSSL said went wrong (its queue, emptied), e.g. "PEM lib" or "key values mismatch".
std::string openssl_reason() {
  std::string reasons;
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    if (!reason) continue;
    if (!reasons.empty()) reasons += "; ";
    reasons += reason;
  }
  return reasons.empty() ? "unknown OpenSSL error" : reasons;
}

// One ticket key for the life of the process, shared by every context of every snapshot: a
// client resumes its session on any worker and after any reload (ramping a route is a reload,
// and each would otherwise cost every returning client a full handshake). A restart makes a new
// one.
const std::array<unsigned char, 80>& ticket_keys() {
  static const std::array<unsigned char, 80> kKeys = [] {
    std::array<unsigned char, 80> keys{};
    RAND_bytes(keys.data(), static_cast<int>(keys.size()));
    return keys;
  }();
  return kKeys;
}

// ALPN (RFC 7301): http/1.1 when the client offers it. A client offering only others (h2) gets
// no ALPN answer rather than an alert, and speaks HTTP/1.1 or gives up itself.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* offered,
                  unsigned int offered_length, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, out_length, kHttp11, sizeof kHttp11, offered, offered_length) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

int select_certificate(SSL* ssl, int*, void* arg) {
  const auto& contexts = *static_cast<const std::vector<SSL_CTX*>*>(arg);
  const auto* names = static_cast<const std::vector<std::vector<std::string>>*>(SSL_CTX_get_app_data(contexts.front()));
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  const std::size_t chosen = choose_certificate(*names, name ? name : "");
  if (chosen != 0) SSL_set_SSL_CTX(ssl, contexts[chosen]);
  return SSL_TLSEXT_ERR_OK;
}

std::vector<std::string> names_of(X509* certificate) {
  std::vector<std::string> names;
  auto* alternatives = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; alternatives && i < sk_GENERAL_NAME_num(alternatives); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(alternatives, i);
    if (name->type != GEN_DNS) continue;
    const ASN1_STRING* dns = name->d.dNSName;
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)), ASN1_STRING_length(dns));
  }
  GENERAL_NAMES_free(alternatives);
  if (names.empty()) {  // no DNS names: the common name, as clients read it then
    char common_name[256];
    const int length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, common_name,
                                                 sizeof common_name);
    if (length > 0) names.emplace_back(common_name, static_cast<std::size_t>(length));
  }
  return names;
}

SSL_CTX* server_context(const config::TlsConfig& tls, const config::TlsCertificateConfig& certificate,
                        const std::string& where, std::vector<std::string>& names, config::DiagnosticSink& sink) {
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (!context) {
    sink.error(certificate.mark, where + ": cannot make a TLS context: " + openssl_reason());
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(context, tls.min_version == config::TlsVersion::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  // An idle connection gives its record buffers back (~34 KiB each way otherwise).
  SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS);
  static constexpr unsigned char kSessionContext[] = "cutover";
  SSL_CTX_set_session_id_context(context, kSessionContext, sizeof kSessionContext - 1);
  auto keys = ticket_keys();
  SSL_CTX_set_tlsext_ticket_keys(context, keys.data(), static_cast<long>(keys.size()));
  SSL_CTX_set_alpn_select_cb(context, &select_http11, nullptr);
  auto fail = [&](config::Mark at, const std::string& what) {
    sink.error(at, where + ": " + what + ": " + openssl_reason());
    SSL_CTX_free(context);
    return nullptr;
  };
  if (SSL_CTX_use_certificate_chain_file(context, certificate.cert_file.c_str()) != 1) {
    return fail(certificate.cert_mark, "cannot load cert_file '" + certificate.cert_file + "' (a PEM certificate, then its chain)");
  }
  const bool key_loaded = SSL_CTX_use_PrivateKey_file(context, certificate.key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  if (!key_loaded && ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
    return fail(certificate.key_mark, "cannot load key_file '" + certificate.key_file + "' (a PEM private key)");
  }
  if (!key_loaded || SSL_CTX_check_private_key(context) != 1) {
    return fail(certificate.mark, "key_file '" + certificate.key_file + "' is not the key of cert_file '" + certificate.cert_file + "'");
  }
  X509* leaf = SSL_CTX_get0_certificate(context);
  names = names_of(leaf);
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0) {
    sink.warning(certificate.mark, where + ": cert_file '" + certificate.cert_file + "' has expired: clients will refuse it");
  }
  return context;
}

}  // namespace

std::shared_ptr<const ServerContexts> ServerContexts::build(const config::TlsConfig& tls, config::DiagnosticSink& sink) {
  if (!tls.enabled || tls.certificates.empty()) return nullptr;
  std::shared_ptr<ServerContexts> built(new ServerContexts());
  bool failed = false;
  for (std::size_t i = 0; i < tls.certificates.size(); ++i) {
    std::vector<std::string> names;
    SSL_CTX* context = server_context(tls, tls.certificates[i], "tls.certificates[" + std::to_string(i) + "]", names, sink);
    if (!context) {
      failed = true;
      continue;
    }
    built->contexts_.push_back(context);
    built->names_.push_back(std::move(names));
  }
  ERR_clear_error();
  if (failed) return nullptr;
  // SNI is answered by the context a connection starts on. Its arguments point into this object,
  // which a connection's snapshot keeps alive for as long as it handshakes (http/tls_accept.cpp).
  SSL_CTX* first = built->contexts_.front();
  SSL_CTX_set_app_data(first, &built->names_);
  SSL_CTX_set_tlsext_servername_callback(first, &select_certificate);
  SSL_CTX_set_tlsext_servername_arg(first, &built->contexts_);
  return built;
}

ServerContexts::~ServerContexts() {
  for (SSL_CTX* context : contexts_) SSL_CTX_free(context);
}

std::shared_ptr<const ClientContext> ClientContext::build(const config::BackendTlsConfig& tls, const std::string& backend,
                                                          config::DiagnosticSink& sink) {
  if (!tls.enabled) return nullptr;
  std::shared_ptr<ClientContext> built(new ClientContext());
  built->verify_ = tls.verify;
  built->ca_file_ = tls.ca_file;
  built->server_name_ = tls.server_name;
  built->context_ = SSL_CTX_new(TLS_client_method());
  const std::string where = "backends." + backend + ".tls";
  if (!built->context_) {
    sink.error(tls.mark, where + ": cannot make a TLS context: " + openssl_reason());
    return nullptr;
  }
  SSL_CTX* context = built->context_;
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS);
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(context, kHttp11, sizeof kHttp11);
  if (tls.verify) {
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
    const bool loaded = tls.ca_file.empty() ? SSL_CTX_set_default_verify_paths(context) == 1
                                            : SSL_CTX_load_verify_file(context, tls.ca_file.c_str()) == 1;
    if (!loaded) {
      sink.error(tls.mark, where + ": cannot load " +
                               (tls.ca_file.empty() ? std::string("the system's trust store") : "ca_file '" + tls.ca_file + "'") +
                               ": " + openssl_reason());
      return nullptr;
    }
  }
  ERR_clear_error();
  return built;
}

ClientContext::~ClientContext() { SSL_CTX_free(context_); }

std::uint64_t ClientContext::identity(const std::string& host) const {
  const std::string settings = (verify_ ? "verify\n" : "any\n") + ca_file_ + "\n" + server_name(host);
  return std::hash<std::string>{}(settings) | 1;  // odd: never 0, which is plain TCP
}

}  // namespace cutover::tls
