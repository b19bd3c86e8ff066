// cutover: a strangler-fig edge gateway.
//   cutover [--config FILE]   run the gateway
//   cutover check FILE        validate a config: every error as file:line:col, or a summary
//   cutover probe URL         GET a health endpoint: exit 0 on 2xx (container health checks)
//   cutover --version
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <system_error>

#include "check_command.hpp"
#include "probe_command.hpp"
#include "cutover/common/heap.hpp"
#include "cutover/common/open_files.hpp"
#include "cutover/process/server.hpp"
#include "cutover/runtime/state_file.hpp"

int main(int argc, char** argv) {
  cutover::configure_heap();
  CLI::App app{"cutover: a strangler-fig edge gateway. Routes each endpoint to the legacy backend or the "
               "service replacing it, by sticky per-user percentages from a YAML route table."};
  app.set_version_flag("--version", std::string("cutover ") + CUTOVER_VERSION);
  std::string config_path = "config/cutover.yaml";
  app.add_option("-c,--config", config_path, "config file to run with")->capture_default_str();

  std::string check_path;
  auto* check = app.add_subcommand("check", "validate a config file and print every problem as file:line:col");
  check->add_option("file", check_path, "config file")->required();

  std::string probe_url;
  double probe_timeout_seconds = 2;
  auto* probe = app.add_subcommand("probe", "GET a URL (e.g. http://127.0.0.1:9901/healthz): exit 0 on a 2xx "
                                            "answer, 1 otherwise; for health checks in images without curl");
  probe->add_option("url", probe_url, "http://HOST:PORT/PATH")->required();
  probe->add_option("--timeout", probe_timeout_seconds, "seconds for the whole exchange")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  CLI11_PARSE(app, argc, argv);

  if (check->parsed()) return cutover::run_check(check_path, std::cout);
  if (probe->parsed()) {
    const auto timeout = std::chrono::milliseconds(static_cast<long long>(probe_timeout_seconds * 1000));
    return cutover::run_probe(probe_url, timeout, std::cout, std::cerr);
  }

  // Operational logs go to stderr; stdout belongs to the access log by default.
  auto logger = spdlog::stderr_color_mt("cutover");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  std::signal(SIGPIPE, SIG_IGN);
  if (const auto open_files = cutover::raise_open_files_limit(); open_files && open_files->soft < cutover::kFewOpenFiles) {
    spdlog::warn("the open files limit is {}: about {} client connections fit (each proxied one holds two); "
                 "raise it (LimitNOFILE= in a systemd unit, ulimit -n)",
                 open_files->soft, open_files->soft / 2);
  }

  std::shared_ptr<cutover::runtime::Snapshot> snapshot;
  try {
    snapshot = cutover::runtime::load_snapshot(config_path);
  } catch (const cutover::config::ConfigError& e) {
    spdlog::error("cannot start: the config has errors:\n{}", e.what());
    return 1;
  }
  for (const auto& warning : snapshot->warnings) spdlog::warn("{}", warning.to_string());
  cutover::release_free_heap();  // what parsing the YAML took and freed
  // Overrides before the first request: a rollback an operator set must hold from the start.
  // An unreadable state file stops the gateway rather than silently serving the YAML.
  try {
    auto overrides = cutover::runtime::load_state_file(snapshot->config.state_file);
    if (!overrides.routes.empty()) {
      spdlog::info("{} admin override(s) from {}", overrides.routes.size(), snapshot->config.state_file);
    }
    cutover::runtime::apply_overrides(*snapshot, std::move(overrides));
    if (auto problem = cutover::runtime::state_file_problem(snapshot->config.state_file)) {
      // Not fatal (the gateway serves the YAML fine), but a rollback would fail with 500.
      spdlog::warn("{}; PUT/POST/DELETE overrides will fail until state_file points at a writable directory", *problem);
    }
  } catch (const cutover::runtime::StateFileError& e) {
    spdlog::error("cannot start: {}", e.what());
    return 1;
  }
  std::unique_ptr<cutover::process::Server> server;
  try {
    server = std::make_unique<cutover::process::Server>(cutover::process::ServerOptions{config_path}, std::move(snapshot));
  } catch (const std::system_error& e) {
    // The access log file cannot be opened: say which, and why, and exit 1.
    spdlog::error("cannot start: {}", e.what());
    return 1;
  }
  return server->run();
}
