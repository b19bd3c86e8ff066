#include "cutover/runtime/snapshot.hpp"

#include <openssl/evp.h>

#include <boost/asio/io_context.hpp>
#include <fstream>
#include <sstream>

#include "cutover/config/parse.hpp"

namespace cutover::runtime {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

// Endpoints are resolved once per load: DNS answers change only on reload, never mid-request.
void resolve_backends(Snapshot& snapshot, config::DiagnosticSink& sink) {
  asio::io_context io;
  tcp::resolver resolver(io);
  for (const auto& backend : snapshot.config.backends) {
    Backend resolved{backend.name, {}, &backend};
    for (const auto& endpoint : backend.endpoints) {
      boost::system::error_code ec;
      auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port),
                                      tcp::resolver::numeric_service, ec);
      if (ec || results.empty()) {
        sink.error(endpoint.mark, "cannot resolve endpoint '" + endpoint.to_string() + "' of backend '" +
                                      backend.name + "': " + (ec ? ec.message() : "no addresses"));
        continue;
      }
      // First IPv4 answer when there is one: "localhost" must not flip between ::1 and 127.0.0.1.
      tcp::endpoint chosen = results.begin()->endpoint();
      for (const auto& r : results) {
        if (r.endpoint().address().is_v4()) {
          chosen = r.endpoint();
          break;
        }
      }
      resolved.endpoints.push_back(chosen);
    }
    snapshot.backends.push_back(std::move(resolved));
  }
}

void compile_identity(Snapshot& snapshot) {
  const auto& jwt = snapshot.config.identity.jwt;
  if (jwt.enabled) {
    snapshot.jwt_keys = {jwt.hs256_secret, jwt.rs256_public_key_pem};
    snapshot.jwt_policy = {jwt.issuer, jwt.audience, jwt.claim, jwt.leeway.count() / 1000};
  }
  const auto& auth = snapshot.config.identity.auth_request;
  if (auth.enabled) {
    for (std::size_t i = 0; i < snapshot.config.backends.size(); ++i) {
      if (snapshot.config.backends[i].name == auth.backend) snapshot.auth_backend = static_cast<int>(i);
    }
  }
}

}  // namespace

std::shared_ptr<Snapshot> build_snapshot(std::string_view yaml_text, const std::string& file) {
  config::DiagnosticSink sink(file);
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->config = config::parse_config(yaml_text, file, sink);
  sink.throw_if_errors();  // compiling half-parsed config would only add confusing follow-on errors
  snapshot->routes = routing::RouteTable::build(snapshot->config, sink);
  resolve_backends(*snapshot, sink);
  compile_identity(*snapshot);
  sink.throw_if_errors();
  snapshot->config_hash = sha256_hex(yaml_text);
  for (const auto& d : sink.all()) {
    if (d.severity == config::Severity::warning) snapshot->warnings.push_back(d);
  }
  return snapshot;
}

std::shared_ptr<Snapshot> load_snapshot(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    config::DiagnosticSink sink(path);
    sink.error({}, "cannot open config file");
    sink.throw_if_errors();
  }
  std::ostringstream text;
  text << in.rdbuf();
  return build_snapshot(text.str(), path);
}

void SnapshotStore::publish(std::shared_ptr<Snapshot> next) {
  std::lock_guard lock(mutex_);
  next->generation = generation_.load(std::memory_order_relaxed) + 1;
  current_ = std::move(next);
  // After the pointer: a worker that sees the new generation always finds the new snapshot.
  generation_.fetch_add(1, std::memory_order_release);
}

}  // namespace cutover::runtime
