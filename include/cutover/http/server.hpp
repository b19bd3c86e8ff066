#pragma once
// The running gateway: workers, signals (SIGHUP reload, SIGTERM/SIGINT graceful drain).
#include <memory>
#include <string>
#include <vector>

#include "cutover/log/access_log.hpp"
#include "cutover/runtime/snapshot.hpp"

namespace cutover::http {

class Worker;

struct ServerOptions {
  std::string config_path;
  std::chrono::milliseconds drain_timeout{10000};
};

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<runtime::Snapshot> initial);
  ~Server();
  // Binds, serves until SIGTERM/SIGINT, drains, returns the process exit code.
  int run();
  // Loads the config file again; on any error keeps the current snapshot. Returns success.
  bool reload();

 private:
  ServerOptions options_;
  runtime::SnapshotStore store_;
  std::unique_ptr<log::AccessLog> access_log_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace cutover::http
