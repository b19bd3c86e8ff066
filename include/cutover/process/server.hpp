#pragma once
// The process: the workers, signals (SIGHUP reload, SIGUSR1 access-log reopen, SIGTERM/SIGINT
// graceful drain).
#include <chrono>
#include <filesystem>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cutover/admin/admin_server.hpp"
#include "cutover/admin/control_plane.hpp"
#include "cutover/log/access_log.hpp"
#include "cutover/reload/file_watch.hpp"
#include "cutover/runtime/snapshot.hpp"
#include "cutover/upstream/health_prober.hpp"

namespace cutover::http {
class Worker;
}  // namespace cutover::http

namespace cutover::process {

struct ServerOptions {
  std::string config_path;
};

class Server : public admin::ControlPlane {
 public:
  Server(ServerOptions options, std::shared_ptr<runtime::Snapshot> initial);
  ~Server() override;
  // Binds, serves until SIGTERM/SIGINT, drains, returns the process exit code.
  int run();

  // admin::ControlPlane, all called on the control thread.
  nlohmann::json status() const override;
  admin::ReloadStatus reload() override;
  bool ready() const override { return !draining_; }
  std::string metrics() const override;
  std::shared_ptr<const runtime::Snapshot> snapshot() const override { return store_.current(); }
  std::optional<std::string> replace_overrides(runtime::OverrideSet next) override;
  admin::LiveStats live_stats() const override;
  std::shared_ptr<const runtime::Snapshot> load_candidate() const override;
  std::int64_t now_unix() const override;

 private:
  ServerOptions options_;
  runtime::SnapshotStore store_;
  std::unique_ptr<log::AccessLog> access_log_;
  std::vector<std::unique_ptr<http::Worker>> workers_;
  // `watch: true`: follows the config and the key files it names; re-synced after each reload.
  void sync_watch();
  // SIGUSR1, after logrotate has renamed the file.
  void reopen_access_log();
  boost::asio::any_io_executor control_executor_;
  std::unique_ptr<reload::FileWatch> watch_;
  std::vector<std::filesystem::path> watched_files_;
  std::unique_ptr<admin::AdminServer> admin_;
  // Active health checks of the serving config's backends (control thread); re-aimed on reload.
  std::unique_ptr<upstream::HealthProber> prober_;
  admin::ReloadStatus last_reload_;
  std::uint64_t reloads_ = 0;
  std::uint64_t reload_failures_ = 0;
  std::int64_t started_at_unix_ms_ = 0;
  std::int64_t started_steady_seconds_ = 0;
  // Where overrides are saved: the config's state_file at start-up (a change needs a restart).
  std::string state_file_;
  // The TLS listener's address, bound at start-up (`tls.listen`); empty without one. A reload
  // cannot move it: it says so.
  std::string tls_listen_;
  bool draining_ = false;
};

}  // namespace cutover::process
