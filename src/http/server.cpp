#include "cutover/http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>
#include <thread>

#include "cutover/http/worker.hpp"

namespace cutover::http {

namespace asio = boost::asio;
using asio::ip::tcp;

Server::Server(ServerOptions options, std::shared_ptr<runtime::Snapshot> initial) : options_(std::move(options)) {
  access_log_ = std::make_unique<log::AccessLog>(initial->config.access_log.path);
  store_.publish(std::move(initial));
}

Server::~Server() = default;

bool Server::reload() {
  try {
    auto next = runtime::load_snapshot(options_.config_path);
    for (const auto& warning : next->warnings) spdlog::warn("{}", warning.to_string());
    std::string hash = next->config_hash;
    store_.publish(std::move(next));
    spdlog::info("reloaded {} (config {})", options_.config_path, hash.substr(0, 12));
    return true;
  } catch (const config::ConfigError& e) {
    spdlog::error("reload failed, still serving the previous config:\n{}", e.what());
  } catch (const std::exception& e) {
    spdlog::error("reload failed, still serving the previous config: {}", e.what());
  }
  return false;
}

int Server::run() {
  auto snapshot = store_.current();
  const auto& config = snapshot->config;
  unsigned count = config.workers != 0 ? config.workers : std::max(1u, std::thread::hardware_concurrency());

  asio::io_context control;
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
  for (auto& worker : workers_) worker->start();
  spdlog::info("listening on {}:{} ({} workers, config {})", endpoint.address().to_string(), endpoint.port(), count,
               snapshot->config_hash.substr(0, 12));

  int exit_code = 0;
  bool draining = false;
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
      } else if (!draining) {
        draining = true;
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

  for (auto& worker : workers_) worker->stop();
  for (auto& worker : workers_) worker->join();
  access_log_->flush();
  spdlog::info("stopped");
  return exit_code;
}

}  // namespace cutover::http
