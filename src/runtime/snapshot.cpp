#include "cutover/runtime/snapshot.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <fstream>
#include <map>
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

// How connections to an endpoint written as `host` are made: plain, or TLS with which checks.
std::string reached_how(const config::BackendTlsConfig& tls, const std::string& host) {
  if (!tls.enabled) return "plain TCP";
  if (!tls.verify) return "TLS unverified, as " + (tls.server_name.empty() ? host : tls.server_name);
  return "TLS verified as " + (tls.server_name.empty() ? host : tls.server_name) +
         (tls.ca_file.empty() ? "" : " by " + tls.ca_file);
}

// Endpoints are resolved once per load: DNS answers change only on reload, never mid-request.
void resolve_backends(Snapshot& snapshot, config::DiagnosticSink& sink) {
  asio::io_context io;
  tcp::resolver resolver(io);
  // A worker keeps one set of connections per address, whichever backends send there, so their
  // connection limits must agree.
  std::map<tcp::endpoint, const config::BackendConfig*> limit_of;
  std::map<tcp::endpoint, std::pair<const config::BackendConfig*, std::string>> reached_as;
  for (const auto& backend : snapshot.config.backends) {
    Backend resolved{backend.name, {}, &backend, nullptr, nullptr};
    std::vector<std::string> addresses;
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
      addresses.push_back(endpoint.to_string());
      auto [first, inserted] = limit_of.emplace(chosen, &backend);
      if (!inserted && first->second->max_connections_per_endpoint != backend.max_connections_per_endpoint) {
        sink.error(endpoint.mark,
                   "backends '" + first->second->name + "' and '" + backend.name + "' both send to " +
                       endpoint.to_string() + " but set max_connections_per_endpoint " +
                       std::to_string(first->second->max_connections_per_endpoint) + " and " +
                       std::to_string(backend.max_connections_per_endpoint) +
                       ": connections to one address are counted together, so give them the same limit");
      }
      // Connections are pooled by address: one made under other TLS settings, or checked for
      // another name, must never carry these requests.
      const std::string how = reached_how(backend.tls, endpoint.host);
      auto [reached, first_here] = reached_as.emplace(chosen, std::pair{&backend, how});
      if (!first_here && reached->second.second != how) {
        sink.error(endpoint.mark, "'" + endpoint.to_string() + "' of backend '" + backend.name + "' is the address of " +
                                      (reached->second.first == &backend ? "another of its endpoints"
                                                                         : "backend '" + reached->second.first->name + "'") +
                                      ", reached with other tls settings or another server name (" +
                                      reached->second.second + " against " + how +
                                      "): connections to one address are pooled together, so give them the same tls "
                                      "(a server_name, or one host name per address)");
      }
    }
    resolved.health = upstream::BackendHealth::fresh(backend.name, backend, std::move(addresses));
    resolved.tls = tls::ClientContext::build(backend.tls, backend.name, sink);
    snapshot.backends.push_back(std::move(resolved));
  }
}

void compile_identity(Snapshot& snapshot) {
  const auto& jwt = snapshot.config.identity.jwt;
  if (jwt.enabled) {
    snapshot.jwt_keys = {jwt.hs256_secret, jwt.rs256_public_key_pem};
    snapshot.jwt_policy = {jwt.issuer, jwt.audience, jwt.claim, jwt.leeway.count() / 1000};
  }
  if (const auto& signature = snapshot.config.identity.signature; signature.enabled) {
    snapshot.signing_keys.current = signature.secret;
  }
  const auto& auth = snapshot.config.identity.auth_request;
  if (auth.enabled) {
    for (std::size_t i = 0; i < snapshot.config.backends.size(); ++i) {
      if (snapshot.config.backends[i].name == auth.backend) snapshot.auth_backend = static_cast<int>(i);
    }
  }
}

std::uint64_t next_build() {
  static std::atomic<std::uint64_t> builds{0};
  return builds.fetch_add(1, std::memory_order_relaxed) + 1;
}

void add_reachable(std::vector<std::uint16_t>& reachable, std::uint16_t backend) {
  if (std::find(reachable.begin(), reachable.end(), backend) == reachable.end()) reachable.push_back(backend);
}

}  // namespace

void carry_signing_rotation(Snapshot& next, const Snapshot& running, std::int64_t now_unix_seconds) {
  const auto grace = std::chrono::duration_cast<std::chrono::seconds>(next.config.identity.signature.rotation_grace);
  next.signing_keys = identity::rotate_signing_keys(running.signing_keys, next.signing_keys.current, now_unix_seconds, grace);
}

void carry_health(Snapshot& next, const Snapshot& running) {
  for (auto& backend : next.backends) {
    const auto before = std::find_if(running.backends.begin(), running.backends.end(),
                                     [&](const Backend& old) { return old.name == backend.name; });
    if (before == running.backends.end()) continue;
    std::vector<std::string> addresses;
    std::vector<std::shared_ptr<upstream::EndpointHealth>> endpoints;
    for (std::size_t i = 0; i < backend.endpoints.size(); ++i) {
      addresses.push_back(backend.health->address(i));
      const auto kept = std::find(before->endpoints.begin(), before->endpoints.end(), backend.endpoints[i]);
      endpoints.push_back(kept == before->endpoints.end()
                              ? backend.health->shared(i)
                              : before->health->shared(static_cast<std::size_t>(kept - before->endpoints.begin())));
    }
    backend.health = std::make_shared<upstream::BackendHealth>(backend.name, *backend.config, std::move(addresses),
                                                                std::move(endpoints));
  }
}

void apply_overrides(Snapshot& snapshot, OverrideSet overrides) {
  const auto& config = snapshot.config;
  const auto& routes = snapshot.routes->routes();
  std::vector<std::vector<std::uint16_t>> reachable(routes.size());
  snapshot.plans.assign(routes.size(), {});
  snapshot.applied_overrides = 0;
  for (const auto& route : routes) {
    const auto& route_config = config.routes[route.index];
    if (route_config.answer.enabled) continue;  // answered at the edge: no backend, no metrics pairs
    const RouteOverride* applied = applied_override(config, route_config, overrides);
    snapshot.plans[route.index] = applied ? effective_plan(config, route_config, applied) : route.plan;
    if (applied) ++snapshot.applied_overrides;
    auto& pairs = reachable[route.index];
    const routing::SplitPlan& effective = snapshot.plans[route.index];
    for (const routing::SplitPlan* plan : {&route.plan, &effective}) {
      for (const auto& band : plan->bands) add_reachable(pairs, band.backend);
      add_reachable(pairs, plan->rollback_to);
    }
    if (route.fallback >= 0) add_reachable(pairs, static_cast<std::uint16_t>(route.fallback));
    // Every backend an override may name: their rows exist before anyone ramps them.
    for (const auto& name : overridable_backends(route_config)) {
      if (auto index = backend_index(config, name)) add_reachable(pairs, *index);
    }
    std::sort(pairs.begin(), pairs.end());
  }
  if (!snapshot.metrics_layout || reachable != snapshot.reachable_backends) {
    std::vector<std::string> route_names;
    for (const auto& route : routes) route_names.push_back(route.id);
    std::vector<std::string> backend_names;
    for (const auto& backend : config.backends) backend_names.push_back(backend.name);
    snapshot.metrics_layout =
        std::make_shared<metrics::MetricsLayout>(std::move(route_names), std::move(backend_names), reachable);
    snapshot.reachable_backends = std::move(reachable);
  }
  snapshot.overrides = std::move(overrides);
}

std::shared_ptr<Snapshot> with_overrides(const Snapshot& base, OverrideSet overrides) {
  auto next = std::make_shared<Snapshot>(base);
  for (std::size_t i = 0; i < next->backends.size(); ++i) next->backends[i].config = &next->config.backends[i];
  next->generation = 0;
  apply_overrides(*next, std::move(overrides));
  return next;
}

std::shared_ptr<Snapshot> build_snapshot(std::string_view yaml_text, const std::string& file) {
  config::DiagnosticSink sink(file);
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->config = config::parse_config(yaml_text, file, sink);
  sink.throw_if_errors();  // compiling half-parsed config would only add confusing follow-on errors
  snapshot->routes = std::make_shared<routing::RouteTable>(routing::RouteTable::build(snapshot->config, sink));
  resolve_backends(*snapshot, sink);
  snapshot->tls = tls::ServerContexts::build(snapshot->config.tls, sink);
  compile_identity(*snapshot);
  sink.throw_if_errors();
  snapshot->config_hash = sha256_hex(yaml_text);
  snapshot->build = next_build();
  apply_overrides(*snapshot, {});
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
