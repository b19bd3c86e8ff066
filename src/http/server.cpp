#include "cutover/http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <filesystem>
#include <thread>

#include "cutover/common/clock.hpp"
#include "cutover/http/worker.hpp"

namespace cutover::http {

namespace asio = boost::asio;
using asio::ip::tcp;

Server::Server(ServerOptions options, std::shared_ptr<runtime::Snapshot> initial) : options_(std::move(options)) {
  access_log_ = std::make_unique<log::AccessLog>(initial->config.access_log.path);
  started_at_unix_ms_ = unix_ms();
  last_reload_ = {true, "", started_at_unix_ms_, initial->config_hash};
  store_.publish(std::move(initial));
}

Server::~Server() = default;

admin::ReloadStatus Server::reload() {
  ++reloads_;
  std::string error;
  try {
    auto next = runtime::load_snapshot(options_.config_path);
    for (const auto& warning : next->warnings) spdlog::warn("{}", warning.to_string());
    std::string hash = next->config_hash;
    store_.publish(std::move(next));
    spdlog::info("reloaded {} (config {})", options_.config_path, hash.substr(0, 12));
    last_reload_ = {true, "", unix_ms(), hash};
    // Posted: this reload may be running inside the watch's own callback.
    if (control_executor_) asio::post(control_executor_, [this] { sync_watch(); });
    return last_reload_;
  } catch (const config::ConfigError& e) {
    error = e.what();
  } catch (const std::exception& e) {
    error = e.what();
  }
  ++reload_failures_;
  spdlog::error("reload failed, still serving the previous config:\n{}", error);
  last_reload_ = {false, error, unix_ms(), store_.current()->config_hash};
  return last_reload_;
}

void Server::sync_watch() {
  const auto& config = store_.current()->config;
  if (!config.watch) {
    if (watch_) spdlog::info("watch: off");
    watch_.reset();
    watched_files_.clear();
    return;
  }
  auto base = std::filesystem::path(options_.config_path).parent_path();
  std::vector<std::filesystem::path> files;
  for (const std::string* file : {&config.identity.jwt.hs256_secret_file, &config.identity.jwt.rs256_public_key_file,
                                  &config.admin.token_file}) {
    if (file->empty()) continue;
    std::filesystem::path path(*file);
    files.push_back(path.is_relative() ? base / path : path);
  }
  // A running watch keeps its baseline: replacing it would take a new baseline and could miss
  // a save that lands in between. Only a different set of key files needs a new one.
  if (watch_ && files == watched_files_) return;
  watch_ = std::make_unique<reload::FileWatch>(control_executor_, options_.config_path, [this] {
    spdlog::info("watch: {} changed, reloading", options_.config_path);
    reload();
  });
  for (const auto& file : files) watch_->add(file);
  watched_files_ = files;
  if (auto ec = watch_->start()) {
    spdlog::error("watch: cannot watch {}: {}; SIGHUP and POST /admin/reload still work", options_.config_path,
                  ec.message());
    watch_.reset();
    watched_files_.clear();
  }
}

nlohmann::json Server::status() const {
  auto snapshot = store_.current();
  nlohmann::json last{{"ok", last_reload_.ok}, {"at_unix_ms", last_reload_.at_unix_ms},
                      {"config_hash", last_reload_.config_hash}};
  last["error"] = last_reload_.ok ? nlohmann::json(nullptr) : nlohmann::json(last_reload_.error);
  return {{"version", CUTOVER_VERSION},
          {"config_file", options_.config_path},
          {"config_hash", snapshot->config_hash},
          {"config_generation", snapshot->generation},
          {"workers", workers_.size()},
          {"started_at_unix_ms", started_at_unix_ms_},
          {"draining", draining_},
          {"watching", watch_ != nullptr},
          {"last_reload", last},
          {"reloads", reloads_},
          {"reload_failures", reload_failures_}};
}

std::string Server::metrics() const {
  // Per-worker counters summed at scrape time: writers never share a cache line.
  std::string out;
  auto emit = [&out](std::string_view name, std::string_view help, std::string_view type, std::uint64_t value) {
    out += "# HELP cutover_";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE cutover_";
    out += name;
    out += ' ';
    out += type;
    out += "\ncutover_";
    out += name;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  };
  std::vector<std::pair<std::string, std::pair<std::string, std::uint64_t>>> totals;
  for (const auto& worker : workers_) {
    std::size_t i = 0;
    worker->counters().for_each([&](std::string_view name, std::string_view help, const Counters::Counter& c) {
      if (totals.size() <= i) totals.push_back({std::string(name) + "_total", {std::string(help), 0}});
      totals[i++].second.second += c.load(std::memory_order_relaxed);
    });
  }
  for (const auto& [name, entry] : totals) emit(name, entry.first, "counter", entry.second);
  std::uint64_t active = 0;
  for (const auto& worker : workers_) active += worker->active_sessions();
  emit("connections_active", "Open client connections", "gauge", active);
  emit("reloads_total", "Config reloads attempted (SIGHUP or POST /admin/reload)", "counter", reloads_);
  emit("reload_failures_total", "Config reloads rejected; the previous config kept serving", "counter", reload_failures_);
  emit("last_reload_success", "1 when the last reload succeeded", "gauge", last_reload_.ok ? 1 : 0);
  emit("config_generation", "Snapshots published since start", "gauge", store_.current()->generation);
  emit("access_log_dropped_total", "Access-log lines dropped because the writer fell behind", "counter", access_log_->dropped());
  return out;
}

int Server::run() {
  auto snapshot = store_.current();
  const auto& config = snapshot->config;
  unsigned count = config.workers != 0 ? config.workers : std::max(1u, std::thread::hardware_concurrency());

  asio::io_context control;
  control_executor_ = control.get_executor();
  // Installed before the ready line: a signal right after it must never hit the default action.
  asio::signal_set signals(control, SIGINT, SIGTERM, SIGHUP);
  tcp::endpoint endpoint;
  try {
    tcp::resolver resolver(control);
    endpoint = resolver.resolve(config.listen.host, std::to_string(config.listen.port)).begin()->endpoint();
    for (unsigned i = 0; i < count; ++i) {
      workers_.push_back(std::make_unique<Worker>(i, store_, *access_log_));
      // Port 0 (tests) picks a port once; the other workers share it.
      endpoint = workers_.back()->listen(endpoint);
    }
  } catch (const boost::system::system_error& e) {
    spdlog::error("cannot listen on {}: {}", config.listen.to_string(), e.code().message());
    return 1;
  }
  if (config.admin.enabled) {
    try {
      tcp::resolver resolver(control);
      auto admin_endpoint = resolver.resolve(config.admin.listen.host, std::to_string(config.admin.listen.port)).begin()->endpoint();
      admin_ = std::make_unique<admin::AdminServer>(control, *this, config.admin.token);
      admin_endpoint = admin_->listen(admin_endpoint);
      spdlog::info("admin API listening on {}:{}{}", admin_endpoint.address().to_string(), admin_endpoint.port(),
                   config.admin.token.empty() ? "" : " (token required for changes)");
    } catch (const boost::system::system_error& e) {
      spdlog::error("cannot listen for the admin API on {}: {} (set admin.listen, or admin.listen: off)",
                    config.admin.listen.to_string(), e.code().message());
      return 1;
    }
  }
  sync_watch();
  for (auto& worker : workers_) worker->start();
  spdlog::info("listening on {}:{} ({} workers, config {})", endpoint.address().to_string(), endpoint.port(), count,
               snapshot->config_hash.substr(0, 12));

  int exit_code = 0;
  auto drain = [&]() -> asio::awaitable<void> {
    auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
    asio::steady_timer tick(control);
    for (;;) {
      std::size_t active = 0;
      for (auto& worker : workers_) active += worker->active_sessions();
      if (active == 0) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        spdlog::warn("drain timeout: closing {} connections still busy", active);
        break;
      }
      tick.expires_after(std::chrono::milliseconds(20));
      co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    control.stop();
  };
  asio::co_spawn(control, [&]() -> asio::awaitable<void> {
    for (;;) {
      auto [ec, signal] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      if (signal == SIGHUP) {
        reload();
      } else if (!draining_) {
        draining_ = true;
        spdlog::info("draining: no new connections, finishing in-flight requests (up to {} ms)", options_.drain_timeout.count());
        for (auto& worker : workers_) worker->begin_drain();
        asio::co_spawn(control, drain(), asio::detached);
      } else {
        spdlog::warn("second stop signal: exiting without waiting for in-flight requests");
        exit_code = 1;
        control.stop();
        co_return;
      }
    }
  }, asio::detached);
  control.run();

  watch_.reset();  // before the io_context it runs on goes away
  if (admin_) admin_->close();
  for (auto& worker : workers_) worker->stop();
  for (auto& worker : workers_) worker->join();
  access_log_->flush();
  spdlog::info("stopped");
  return exit_code;
}

}  // namespace cutover::http
