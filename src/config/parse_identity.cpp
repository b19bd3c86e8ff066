// identity: section — who the user is (JWT or auth subrequest) and which headers are the gateway's.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/parse_sections.hpp"
#include "config/yaml_reader.hpp"

namespace cutover::config {

// Secrets live in their own files (never inline in YAML that gets pasted into tickets).
bool read_key_file(MapReader& reader, std::string_view key, const std::string& config_file,
                   std::string& path_out, std::string& contents_out, DiagnosticSink& sink) {
  if (!reader.read(key, path_out)) return false;
  std::filesystem::path path(path_out);
  if (path.is_relative()) path = std::filesystem::path(config_file).parent_path() / path;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    sink.error(reader.key_mark(key), "cannot read '" + join_path(reader.where(), key) + "' file '" +
                                         path.string() + "' (missing, unreadable or empty)");
    return false;
  }
  contents_out = text.str();
  return true;
}

namespace {

// Checked at load time: a key that doesn't parse would otherwise fail every request as "bad signature".
bool loads_as_public_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return false;
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) ERR_clear_error();  // don't leave this failure queued for the thread's next OpenSSL call
  bool is_rsa = key && EVP_PKEY_base_id(key) == EVP_PKEY_RSA;
  EVP_PKEY_free(key);
  return is_rsa;
}

bool valid_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

void check_header_name(MapReader& reader, std::string_view key, const std::string& value, DiagnosticSink& sink) {
  if (!valid_header_name(value)) {
    sink.error(reader.key_mark(key), "'" + join_path(reader.where(), key) + "' must be a header name (letters, digits, '-'), not '" + value + "'");
  }
}

// What the subrequest's Host may be: a host[:port] of DNS-name characters, or an [IPv6] literal.
// Anything else (spaces, CR/LF, '@', '/') would make a malformed or ambiguous request head.
bool valid_host_value(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || c == '~' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

void parse_jwt(const YAML::Node& node, const std::string& file, JwtConfig& jwt, DiagnosticSink& sink) {
  MapReader reader(node, "identity.jwt", sink);
  if (!reader.ok()) return;
  jwt.enabled = true;
  jwt.mark = reader.mark();
  if (reader.read("header", jwt.header)) check_header_name(reader, "header", jwt.header, sink);
  reader.read("cookie", jwt.cookie);
  bool hs = read_key_file(reader, "hs256_secret_file", file, jwt.hs256_secret_file, jwt.hs256_secret, sink);
  bool rs = read_key_file(reader, "rs256_public_key_file", file, jwt.rs256_public_key_file, jwt.rs256_public_key_pem, sink);
  // `echo secret > file` leaves a newline that no token issuer means as part of the key.
  while (!jwt.hs256_secret.empty() && (jwt.hs256_secret.back() == '\n' || jwt.hs256_secret.back() == '\r')) {
    jwt.hs256_secret.pop_back();
  }
  if (hs && jwt.hs256_secret.empty()) {  // a file of blank lines would mean an empty HMAC key
    sink.error(reader.key_mark("hs256_secret_file"), "'identity.jwt.hs256_secret_file' file '" +
                                                         jwt.hs256_secret_file + "' holds only line breaks");
  } else if (hs && jwt.hs256_secret.size() < 32) {
    // RFC 7518 3.2: an HS256 key shorter than the hash output makes tokens guessable offline.
    sink.error(reader.key_mark("hs256_secret_file"), "'identity.jwt.hs256_secret_file' holds " + std::to_string(jwt.hs256_secret.size()) +
                                                         " bytes; an HS256 secret needs at least 32");
  }
  if (rs && !loads_as_public_key(jwt.rs256_public_key_pem)) {
    sink.error(reader.key_mark("rs256_public_key_file"), "'identity.jwt.rs256_public_key_file' must hold a PEM RSA public key (-----BEGIN PUBLIC KEY-----)");
  }
  if (!reader.get("hs256_secret_file").IsDefined() && !reader.get("rs256_public_key_file").IsDefined()) {
    sink.error(reader.mark(), "'identity.jwt' needs hs256_secret_file or rs256_public_key_file (or both)");
  }
  reader.read("issuer", jwt.issuer);
  reader.read("audience", jwt.audience);
  reader.read("claim", jwt.claim);
  if (jwt.claim.empty()) sink.error(reader.key_mark("claim"), "'identity.jwt.claim' must not be empty");
  reader.read_duration("leeway", jwt.leeway);
  std::uint64_t entries = jwt.cache_entries;
  if (reader.read("cache_entries", entries, 0, 10'000'000)) jwt.cache_entries = entries;
  reader.finish();
}

void parse_auth_request(const YAML::Node& node, AuthRequestConfig& auth, DiagnosticSink& sink) {
  MapReader reader(node, "identity.auth_request", sink);
  if (!reader.ok()) return;
  auth.enabled = true;
  auth.mark = reader.mark();
  if (!reader.read("backend", auth.backend)) {
    sink.error(reader.mark(), "'identity.auth_request' needs 'backend' (the service that knows sessions)");
  } else {
    auth.mark = mark_of(reader.get("backend"));  // where an unknown backend name is reported
  }
  if (reader.read("path", auth.path) && (auth.path.empty() || auth.path.front() != '/')) {
    sink.error(reader.key_mark("path"), "'identity.auth_request.path' must start with '/'");
  }
  reader.read("cookie", auth.cookie);
  if (auth.cookie.empty()) sink.error(reader.key_mark("cookie"), "'identity.auth_request.cookie' must name the session cookie");
  if (reader.read("user_header", auth.user_header)) check_header_name(reader, "user_header", auth.user_header, sink);
  if (reader.read("host", auth.host) && !valid_host_value(auth.host)) {
    sink.error(reader.key_mark("host"), "'identity.auth_request.host' must be a host[:port] like legacy.internal:8000, not '" +
                                            auth.host + "'");
  }
  reader.read_duration("cache_ttl", auth.cache_ttl);
  reader.read_duration("stale_if_error", auth.stale_if_error);
  if (reader.read_duration("timeout", auth.timeout) && auth.timeout.count() <= 0) {
    sink.error(reader.key_mark("timeout"), "'identity.auth_request.timeout' must be more than 0 (every lookup would fail)");
  }
  std::uint64_t entries = auth.cache_entries;
  if (reader.read("cache_entries", entries, 0, 10'000'000)) auth.cache_entries = entries;
  reader.finish();
}

void parse_signature(const YAML::Node& node, const std::string& file, SignatureConfig& signature,
                     DiagnosticSink& sink) {
  MapReader reader(node, "identity.signature", sink);
  if (!reader.ok()) return;
  signature.enabled = true;
  signature.mark = reader.mark();
  if (read_key_file(reader, "secret_file", file, signature.secret_file, signature.secret, sink)) {
    while (!signature.secret.empty() && (signature.secret.back() == '\n' || signature.secret.back() == '\r')) {
      signature.secret.pop_back();
    }
    // As for HS256 tokens (RFC 2104 2): a key shorter than the hash output weakens the HMAC.
    if (signature.secret.size() < 32) {
      sink.error(reader.key_mark("secret_file"), "'identity.signature.secret_file' holds " +
                                                     std::to_string(signature.secret.size()) +
                                                     " bytes (line breaks at the end left out); the secret needs at least 32");
    }
  } else if (!reader.has("secret_file")) {
    sink.error(reader.mark(), "'identity.signature' needs 'secret_file' (the HMAC key backends verify with)");
  }
  if (reader.read("header", signature.header)) check_header_name(reader, "header", signature.header, sink);
  reader.read_duration("rotation_grace", signature.rotation_grace);
  reader.finish();
}

}  // namespace

void parse_identity(const YAML::Node& node, const std::string& file, IdentityConfig& identity,
                    DiagnosticSink& sink) {
  MapReader reader(node, "identity", sink);
  if (!reader.ok()) return;
  if (reader.read("header", identity.header)) check_header_name(reader, "header", identity.header, sink);
  if (reader.read("namespace", identity.header_namespace)) {
    if (identity.header_namespace.size() < 3 || !valid_header_name(identity.header_namespace)) {
      sink.error(reader.key_mark("namespace"), "'identity.namespace' must be a header-name prefix like X-Cutover-");
    }
  }
  std::string anonymous;
  if (reader.read_enum("anonymous", anonymous, {"allow", "deny"})) identity.allow_anonymous = anonymous == "allow";
  if (reader.read("sticky_cookie", identity.sticky_cookie)) check_header_name(reader, "sticky_cookie", identity.sticky_cookie, sink);
  reader.read("allow_utf8", identity.allow_utf8);
  if (auto signature = reader.get("signature"); signature.IsDefined()) {
    parse_signature(signature, file, identity.signature, sink);
  }
  if (auto jwt = reader.get("jwt"); jwt.IsDefined()) parse_jwt(jwt, file, identity.jwt, sink);
  if (auto auth = reader.get("auth_request"); auth.IsDefined()) parse_auth_request(auth, identity.auth_request, sink);
  reader.finish();
  if (identity.signature.enabled && identity.signature.header == identity.header) {
    sink.error(identity.signature.mark, "'identity.signature.header' must differ from 'identity.header'");
  }
}

}  // namespace cutover::config
