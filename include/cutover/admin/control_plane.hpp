#pragma once
// What the admin API can see and do in the running gateway. An interface so the admin handlers
// are testable with a hand-written fake (tests/unit/admin), and the gateway implements it once.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace cutover::admin {

struct ReloadStatus {
  bool ok = true;
  std::string error;          // file:line:col messages when !ok
  std::int64_t at_unix_ms = 0;
  std::string config_hash;    // of the config now serving (unchanged after a failed reload)
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
};

}  // namespace cutover::admin
