#pragma once
// What the admin API can see and do in the running gateway. An interface so the admin handlers
// are testable with a hand-written fake (tests/unit/admin), and the gateway implements it once.
// Every call runs on the control thread, one at a time: an admin call, a SIGHUP and a file-watch
// reload never interleave.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cutover/metrics/registry.hpp"
#include "cutover/runtime/overrides.hpp"
#include "cutover/runtime/snapshot.hpp"

namespace cutover::admin {

struct ReloadStatus {
  bool ok = true;
  std::string error;          // file:line:col messages when !ok
  std::int64_t at_unix_ms = 0;
  std::string config_hash;    // of the config now serving (unchanged after a failed reload)
};

// The last 60 s of every (route, backend) pair, summed over workers.
struct LiveStats {
  metrics::Scrape windows;
  double seconds = 60;  // what the window covers: less during the first minute after start
};

class ControlPlane {
 public:
  virtual ~ControlPlane() = default;
  // Version, config path and hash, workers, start time, last reload, draining.
  virtual nlohmann::json status() const = 0;
  // Loads the config file again; on any error keeps the current one. Same as SIGHUP.
  virtual ReloadStatus reload() = 0;
  // False while draining: load balancers must stop sending new traffic.
  virtual bool ready() const = 0;
  // Prometheus text exposition.
  virtual std::string metrics() const = 0;

  // The snapshot serving now (config, plans, overrides); never null.
  virtual std::shared_ptr<const runtime::Snapshot> snapshot() const = 0;
  // Makes `next` the override set: saves the state file, then publishes a snapshot running it,
  // so a live override is always a durable one. On failure nothing changed and the reason is
  // returned.
  virtual std::optional<std::string> replace_overrides(runtime::OverrideSet next) = 0;
  virtual LiveStats live_stats() const = 0;
  // The config file compiled as a reload would, without publishing it (the dry run). Throws
  // config::ConfigError with every problem.
  virtual std::shared_ptr<const runtime::Snapshot> load_candidate() const = 0;
  virtual std::int64_t now_unix() const = 0;
};

}  // namespace cutover::admin
