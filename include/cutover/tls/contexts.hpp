#pragma once
// OpenSSL contexts built from the config when a snapshot is built, so a certificate that does
// not load fails the reload (at its line) and the running snapshot keeps serving its own.
// Immutable once built: workers make their connections' SSL objects from them.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cutover/config/config.hpp"
#include "cutover/config/diagnostic.hpp"

struct ssl_ctx_st;

namespace cutover::tls {

// What the TLS listener serves: one context per certificate, the first the default, and the
// names each covers (its DNS subjectAltNames, else its common name) for SNI.
class ServerContexts {
 public:
  // Null when the config has no `tls:` or a certificate failed (reported into `sink`).
  static std::shared_ptr<const ServerContexts> build(const config::TlsConfig& tls, config::DiagnosticSink& sink);
  ~ServerContexts();
  ServerContexts(const ServerContexts&) = delete;
  ServerContexts& operator=(const ServerContexts&) = delete;

  // A new connection starts on the default; the SNI callback moves it to the one its name picks.
  ssl_ctx_st* default_context() const { return contexts_.front(); }
  const std::vector<std::vector<std::string>>& names() const { return names_; }

 private:
  ServerContexts() = default;
  std::vector<ssl_ctx_st*> contexts_;
  std::vector<std::vector<std::string>> names_;
};

// How connections to one backend are made (`backends.NAME.tls`).
class ClientContext {
 public:
  // Null when the backend has no `tls:` or its CA file failed (reported into `sink`).
  static std::shared_ptr<const ClientContext> build(const config::BackendTlsConfig& tls, const std::string& backend,
                                                    config::DiagnosticSink& sink);
  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  ssl_ctx_st* get() const { return context_; }
  bool verify() const { return verify_; }
  // The name to send and verify for an endpoint written as `host`.
  const std::string& server_name(const std::string& host) const { return server_name_.empty() ? host : server_name_; }
  // What a connection to `host` was made and checked with (verify, ca_file, the name), never 0:
  // a pooled connection serves only requests that would have made it the same way.
  std::uint64_t identity(const std::string& host) const;

 private:
  ClientContext() = default;
  ssl_ctx_st* context_ = nullptr;
  bool verify_ = true;
  std::string ca_file_;
  std::string server_name_;
};

}  // namespace cutover::tls
