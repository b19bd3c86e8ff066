#include "cutover/process/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <filesystem>
#include <thread>

#include "cutover/common/clock.hpp"
#include "cutover/common/heap.hpp"
#include "cutover/common/open_files.hpp"
#include "cutover/http/worker.hpp"
#include "cutover/runtime/overrides_describe.hpp"
#include "cutover/runtime/state_file.hpp"

namespace cutover::process {

namespace asio = boost::asio;
using http::Worker;
using asio::ip::tcp;

namespace {

// One per endpoint of every backend with a health_check.
std::vector<upstream::ProbeTarget> probe_targets(const runtime::Snapshot& snapshot) {
  std::vector<upstream::ProbeTarget> targets;
  for (const auto& backend : snapshot.backends) {
    const auto& check = backend.config->health_check;
    if (!check.enabled) continue;
    for (std::size_t i = 0; i < backend.endpoints.size(); ++i) {
      const auto& written = backend.config->endpoints[i];
      std::string host = check.host;
      if (host.empty()) {
        const bool ipv6 = written.host.find(':') != std::string::npos;
        host = (ipv6 ? "[" + written.host + "]" : written.host) + ":" + std::to_string(written.port);
      }
      targets.push_back({backend.health, i, backend.endpoints[i], check, std::move(host), backend.tls,
                         backend.tls ? backend.tls->server_name(written.host) : std::string()});
    }
  }
  return targets;
}

}  // namespace

Server::Server(ServerOptions options, std::shared_ptr<runtime::Snapshot> initial) : options_(std::move(options)) {
  access_log_ = std::make_unique<log::AccessLog>(initial->config.access_log.path);
  started_at_unix_ms_ = unix_ms();
  started_steady_seconds_ = steady_seconds();
  state_file_ = initial->config.state_file;
  last_reload_ = {true, "", started_at_unix_ms_, initial->config_hash};
  store_.publish(std::move(initial));
}

Server::~Server() = default;

admin::ReloadStatus Server::reload() {
  // Whether the new config is taken or refused, parsing it took memory it freed again.
  struct ReleaseHeapOnReturn {
    ~ReleaseHeapOnReturn() { release_free_heap(); }
  } release_heap_on_return;
  ++reloads_;
  std::string error;
  try {
    auto next = runtime::load_snapshot(options_.config_path);
    for (const auto& warning : next->warnings) spdlog::warn("{}", warning.to_string());
    if (next->config.state_file != state_file_) {
      spdlog::warn("state_file changed to {}; overrides stay in {} until a restart", next->config.state_file, state_file_);
    }
    const std::string tls_listen = next->config.tls.enabled ? next->config.tls.listen.to_string() : "";
    if (tls_listen != tls_listen_) {
      spdlog::warn("tls.listen is {} but the TLS listener bound at start-up is {}: it stays until a restart{}",
                   tls_listen.empty() ? "off" : tls_listen, tls_listen_.empty() ? "none" : tls_listen_,
                   tls_listen.empty() && !tls_listen_.empty() ? " (and closes every connection it accepts)" : "");
    }
    // The overrides in memory are the durable ones (every change was saved before it was
    // published): they carry over to the new YAML as they are.
    runtime::apply_overrides(*next, store_.current()->overrides);
    runtime::carry_signing_rotation(*next, *store_.current(), unix_seconds());
    runtime::carry_health(*next, *store_.current());
    for (const auto& orphan : runtime::orphaned_overrides(next->config, next->overrides)) {
      spdlog::warn("override of route '{}' applies to nothing: the config has no such route", orphan.route_id);
    }
    std::string hash = next->config_hash;
    if (prober_) prober_->follow(probe_targets(*next));
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

void Server::reopen_access_log() {
  if (const auto ec = access_log_->reopen()) {
    spdlog::error("SIGUSR1: cannot reopen access log {}: {}; still writing to the file open before", access_log_->path(),
                  ec.message());
  } else {
    spdlog::info("SIGUSR1: access log {} reopened", access_log_->path());
  }
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
  std::vector<const std::string*> named = {&config.identity.jwt.hs256_secret_file,
                                           &config.identity.jwt.rs256_public_key_file, &config.admin.token_file};
  // Certificates too: a renewal written over them is loaded like a changed config.
  for (const auto& certificate : config.tls.certificates) {
    named.push_back(&certificate.cert_file);
    named.push_back(&certificate.key_file);
  }
  for (const auto& backend : config.backends) named.push_back(&backend.tls.ca_file);
  for (const std::string* file : named) {
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
          {"state_file", state_file_},
          {"state_file_problem", [&] {
             auto problem = runtime::state_file_problem(state_file_);
             return problem ? nlohmann::json(*problem) : nlohmann::json(nullptr);
           }()},
          {"overrides", snapshot->overrides.routes.size()},
          {"active_overrides", snapshot->applied_overrides},
          {"reloads", reloads_},
          {"reload_failures", reload_failures_}};
}

std::optional<std::string> Server::replace_overrides(runtime::OverrideSet next) {
  // Durable first: an override that is live but not saved would vanish on restart.
  try {
    runtime::save_state_file(state_file_, next);
  } catch (const runtime::StateFileError& e) {
    spdlog::error("admin override not applied: {}", e.what());
    return std::string(e.what()) + " (set state_file to a writable path)";
  }
  const auto current = store_.current();
  std::size_t before = current->overrides.routes.size();
  store_.publish(runtime::with_overrides(*current, std::move(next)));
  const auto now = store_.current();
  spdlog::info("admin overrides: {} → {} ({} applied), saved to {}", before, now->overrides.routes.size(),
               now->applied_overrides, state_file_);
  return std::nullopt;
}

admin::LiveStats Server::live_stats() const {
  std::vector<const metrics::WorkerMetrics*> cells;
  for (const auto& worker : workers_) cells.push_back(&worker->metrics());
  const std::int64_t now = steady_seconds();
  // During the first minute the window is not full yet: dividing by 60 would understate rps.
  double seconds = static_cast<double>(std::clamp<std::int64_t>(now - started_steady_seconds_ + 1, 1, metrics::kWindowSeconds));
  return {metrics::scrape_windows(cells, now), seconds};
}

std::shared_ptr<const runtime::Snapshot> Server::load_candidate() const {
  return runtime::load_snapshot(options_.config_path);
}

std::int64_t Server::now_unix() const { return unix_seconds(); }

namespace {

// True when a socket is already listening on `endpoint`: a bind without SO_REUSEPORT then fails,
// where the workers' listeners, which set it, would join that socket's group.
bool listened_on_elsewhere(asio::io_context& io, const tcp::endpoint& endpoint) {
  tcp::acceptor probe(io);
  boost::system::error_code ec;
  probe.open(endpoint.protocol(), ec);
  if (!ec) probe.set_option(tcp::acceptor::reuse_address(true), ec);  // a TIME_WAIT left by a restart is no one
  if (!ec) probe.bind(endpoint, ec);
  return ec == asio::error::address_in_use;
}

}  // namespace

int Server::run() {
  auto snapshot = store_.current();
  const auto& config = snapshot->config;
  unsigned count = config.workers != 0 ? config.workers : std::max(1u, std::thread::hardware_concurrency());

  asio::io_context control;
  control_executor_ = control.get_executor();
  // Installed before the ready line: a signal right after it must never hit the default action.
  asio::signal_set signals(control, SIGINT, SIGTERM, SIGHUP);
  signals.add(SIGUSR1);
  tcp::endpoint endpoint;
  try {
    tcp::resolver resolver(control);
    endpoint = resolver.resolve(config.listen.host, std::to_string(config.listen.port)).begin()->endpoint();
    if (!config.listen_shared && endpoint.port() != 0 && listened_on_elsewhere(control, endpoint)) {
      spdlog::error("cannot listen on {}: another process already listens there (another cutover? its "
                    "connections would be shared with this one). Stop it, or set listen_shared: true for a "
                    "deliberate side-by-side upgrade",
                    config.listen.to_string());
      return 1;
    }
    for (unsigned i = 0; i < count; ++i) {
      workers_.push_back(std::make_unique<Worker>(i, store_, *access_log_));
      // Port 0 (tests) picks a port once; the other workers share it.
      endpoint = workers_.back()->listen(endpoint);
    }
  } catch (const boost::system::system_error& e) {
    spdlog::error("cannot listen on {}: {}", config.listen.to_string(), e.code().message());
    return 1;
  }
  if (config.tls.enabled) {
    // Logged before the ready line and without its words: scripts wait for "listening on".
    try {
      tcp::resolver resolver(control);
      auto tls_endpoint = resolver.resolve(config.tls.listen.host, std::to_string(config.tls.listen.port)).begin()->endpoint();
      for (auto& worker : workers_) tls_endpoint = worker->listen_tls(tls_endpoint);
      tls_listen_ = config.tls.listen.to_string();
      spdlog::info("TLS: serving HTTPS on {}:{} ({} certificates, TLS {} and later)", tls_endpoint.address().to_string(),
                   tls_endpoint.port(), config.tls.certificates.size(),
                   config.tls.min_version == config::TlsVersion::tls1_3 ? "1.3" : "1.2");
    } catch (const boost::system::system_error& e) {
      spdlog::error("cannot listen on {} (tls.listen): {}", config.tls.listen.to_string(), e.code().message());
      return 1;
    }
  }
  if (config.admin.enabled) {
    try {
      tcp::resolver resolver(control);
      auto admin_endpoint = resolver.resolve(config.admin.listen.host, std::to_string(config.admin.listen.port)).begin()->endpoint();
      admin_ = std::make_unique<admin::AdminServer>(control, *this);
      admin_endpoint = admin_->listen(admin_endpoint);
      spdlog::info("admin API listening on {}:{}{}", admin_endpoint.address().to_string(), admin_endpoint.port(),
                   config.admin.token.empty() ? "" : " (token required for changes)");
    } catch (const boost::system::system_error& e) {
      spdlog::error("cannot listen for the admin API on {}: {} (set admin.listen, or admin.listen: off)",
                    config.admin.listen.to_string(), e.code().message());
      admin_.reset();  // before `control`, which its acceptor lives on
      return 1;
    }
  }
  sync_watch();
  prober_ = std::make_unique<upstream::HealthProber>(control_executor_);
  prober_->follow(probe_targets(*snapshot));
  for (auto& worker : workers_) worker->start();
  const auto open_files = open_files_limit();  // raised at start-up (main.cpp)
  spdlog::info("listening on {}:{} ({} workers, config {}, allocator {}, open files {})", endpoint.address().to_string(),
               endpoint.port(), count, snapshot->config_hash.substr(0, 12), heap_allocator_name(),
               open_files ? std::to_string(open_files->soft) : std::string("unknown"));

  int exit_code = 0;
  auto drain = [&]() -> asio::awaitable<void> {
    // The config serving when the signal came: a reload just before it can change the bound.
    const auto drain_timeout = store_.current()->config.drain_timeout;
    auto deadline = std::chrono::steady_clock::now() + drain_timeout;
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
      } else if (signal == SIGUSR1) {
        reopen_access_log();
      } else if (!draining_) {
        draining_ = true;
        spdlog::info("draining: no new connections, finishing in-flight requests (up to {} ms)", store_.current()->config.drain_timeout.count());
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
  prober_.reset();
  // Its acceptor lives on `control`, which ends with this function (TSan caught ~Server doing it).
  admin_.reset();
  for (auto& worker : workers_) worker->stop();
  for (auto& worker : workers_) worker->join();
  access_log_->flush();
  spdlog::info("stopped");
  return exit_code;
}

}  // namespace cutover::process
