#pragma once
// Everything a request needs from the config, compiled once and never mutated: the route table,
// the plan each route runs (admin overrides applied), resolved backend endpoints, identity keys
// and the metrics layout. Published by one pointer swap (SnapshotStore); a request takes it once
// and finishes on it even if a reload or an admin override happens meanwhile.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "cutover/config/config.hpp"
#include "cutover/identity/jwt.hpp"
#include "cutover/identity/signature.hpp"
#include "cutover/metrics/layout.hpp"
#include "cutover/routing/route_table.hpp"
#include "cutover/runtime/overrides.hpp"
#include "cutover/tls/contexts.hpp"
#include "cutover/upstream/endpoint_health.hpp"

namespace cutover::runtime {

struct Backend {
  std::string name;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  const config::BackendConfig* config = nullptr;  // into Snapshot::config: a copy must re-point it
  // Which endpoints may take traffic, by the same index; shared with every worker and the prober.
  std::shared_ptr<upstream::BackendHealth> health;
  std::shared_ptr<const tls::ClientContext> tls;  // null: plain TCP to its endpoints

  // The index of `endpoint` in `endpoints` (the first when it is not one of them).
  std::size_t index_of(const boost::asio::ip::tcp::endpoint& endpoint) const {
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      if (endpoints[i] == endpoint) return i;
    }
    return 0;
  }
  // The endpoint a request starts at: the round robin's pick, or the next usable one after it.
  std::size_t start_at(std::size_t round_robin, std::chrono::steady_clock::time_point now) const {
    return health->first_usable(round_robin, now);
  }
};

struct Snapshot {
  config::Config config;
  // Shared by snapshots that differ only in overrides: an admin call never recompiles the table.
  std::shared_ptr<const routing::RouteTable> routes;
  // What each route runs, by Route::index: the file's split, or an applied override on top of it.
  // Requests pick from these, never from Route::plan (which is the file's).
  std::vector<routing::SplitPlan> plans;
  OverrideSet overrides;           // what `plans` were built with, orphans included
  std::size_t applied_overrides = 0;
  // Per route, the backends it can send to (file split, rollback_to, an override's extras): the
  // (route, backend) pairs that have metrics. Reused, pointer and all, while the pairs stay the
  // same, so an override that changes only shares does not make workers rebuild their cells.
  std::vector<std::vector<std::uint16_t>> reachable_backends;
  std::shared_ptr<const metrics::MetricsLayout> metrics_layout;
  std::vector<Backend> backends;  // same order as config.backends
  std::shared_ptr<const tls::ServerContexts> tls;  // the TLS listener's certificates; null: no `tls:`
  identity::JwtKeys jwt_keys;
  identity::JwtPolicy jwt_policy;
  identity::SigningKeys signing_keys;  // identity.signature's, with a rotation's previous secret
  int auth_backend = -1;          // index of identity.auth_request.backend, -1 when off
  std::string config_hash;        // sha256 of the file text, hex
  std::vector<config::Diagnostic> warnings;
  std::uint64_t generation = 0;   // set by SnapshotStore
  // One per config load: equal for snapshots that differ only in overrides, so workers keep
  // their token and session caches across an admin call.
  std::uint64_t build = 0;
};

// Parses, validates and compiles a config file; resolves backend host names. Throws ConfigError
// carrying every problem. Never touches the running gateway.
std::shared_ptr<Snapshot> load_snapshot(const std::string& path);
// The same from text already read (for tests and `check`).
std::shared_ptr<Snapshot> build_snapshot(std::string_view yaml_text, const std::string& file);

// A reload from `running` to `next`: a changed identity.signature secret leaves the previous one
// signing beside it for rotation_grace (identity/signature.hpp).
void carry_signing_rotation(Snapshot& next, const Snapshot& running, std::int64_t now_unix_seconds);

// A reload from `running` to `next`: every endpoint that stays (same backend name, same address)
// keeps its health, ejection and check streak; new ones start as their config says.
void carry_health(Snapshot& next, const Snapshot& running);

// Runs `overrides` over the YAML: recomputes every route's plan (effective_plan), the applied
// count and, only when the reachable pairs change, the metrics layout. In place: for a snapshot
// not yet published (a reload).
void apply_overrides(Snapshot& snapshot, OverrideSet overrides);
// A new snapshot equal to `base` but running `overrides`: what an admin override call publishes.
std::shared_ptr<Snapshot> with_overrides(const Snapshot& base, OverrideSet overrides);

// Workers check generation() (one relaxed-cost atomic load) per request and take the snapshot
// itself only when it changed, i.e. once per reload. That rare path uses a plain mutex rather than
// std::atomic<std::shared_ptr>: libstdc++ 12's implementation trips ThreadSanitizer
// (google/sanitizers#1558), and a lock taken once per reload per worker costs nothing.
class SnapshotStore {
 public:
  std::shared_ptr<const Snapshot> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Publishes a new snapshot; requests already running keep theirs.
  void publish(std::shared_ptr<Snapshot> next);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> current_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace cutover::runtime
