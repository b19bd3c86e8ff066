#pragma once
// Everything a request needs from the config, compiled once and never mutated: the route table,
// resolved backend endpoints and identity keys. Published by one atomic pointer swap
// (SnapshotStore); a request takes it once and finishes on it even if a reload happens meanwhile.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "cutover/config/config.hpp"
#include "cutover/identity/jwt.hpp"
#include "cutover/routing/route_table.hpp"

namespace cutover::runtime {

struct Backend {
  std::string name;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;
  const config::BackendConfig* config = nullptr;  // points into Snapshot::config
};

struct Snapshot {
  config::Config config;
  routing::RouteTable routes;
  std::vector<Backend> backends;  // same order as config.backends
  identity::JwtKeys jwt_keys;
  identity::JwtPolicy jwt_policy;
  int auth_backend = -1;          // index of identity.auth_request.backend, -1 when off
  std::string config_hash;        // sha256 of the file text, hex
  std::vector<config::Diagnostic> warnings;
  std::uint64_t generation = 0;   // set by SnapshotStore
};

// Parses, validates and compiles a config file; resolves backend host names. Throws ConfigError
// carrying every problem. Never touches the running gateway.
std::shared_ptr<Snapshot> load_snapshot(const std::string& path);
// The same from text already read (for tests and `check`).
std::shared_ptr<Snapshot> build_snapshot(std::string_view yaml_text, const std::string& file);

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
