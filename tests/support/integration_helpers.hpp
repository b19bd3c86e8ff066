// Small helpers shared by the integration tests (header-only: only integration_tests, which links
// nlohmann_json, includes it).
#pragma once

#include "support/http_client.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

namespace cutover::test {

// The top of every test config: loopback port 0 for traffic and for the admin API (tests run in
// parallel: the default admin port 9901 would collide), `workers`, and the access log in the
// gateway's directory when the test reads it (`access_log.path` is relative to the config file).
inline std::string yaml_prologue(int workers = 2, bool access_log = false) {
  std::string yaml = "listen: 127.0.0.1:0\nadmin: { listen: 127.0.0.1:0 }\nworkers: " + std::to_string(workers) + "\n";
  yaml += access_log ? "access_log: { path: access.log }\n" : "access_log: { path: 'off' }\n";
  return yaml;
}

// The body as JSON, or nullopt (never throws: a broken body is an assertion failure, not a crash).
inline std::optional<nlohmann::json> parse_json(std::string_view text) {
  auto value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

// Header fields test_upstream's /headers saw, in wire order; empty when the body is not its JSON.
inline Headers upstream_headers(const Response& response) {
  Headers out;
  const auto body = parse_json(response.body);
  if (!body || !body->contains("headers")) return out;
  for (const auto& pair : (*body)["headers"]) out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  return out;
}

// The `target` test_upstream saw (from / or /headers), empty when absent.
inline std::string upstream_target(const Response& response) {
  const auto body = parse_json(response.body);
  if (!body || !body->contains("target")) return {};
  return (*body)["target"].get<std::string>();
}

// The name of the test_upstream that answered (its X-Served-By).
inline std::string served_by(const Response& response) { return response.header("X-Served-By").value_or("<none>"); }

// Polls `done` every `step` until it is true or `timeout` passes; the last verdict.
template <class Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

// IPv4 TCP sockets on this machine (any state, TIME_WAIT included) whose remote port is `port`:
// the connections some process opened to a server listening there, open or recently closed.
inline std::size_t tcp_sockets_to_port(std::uint16_t port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  std::size_t count = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote;
    fields >> slot >> local >> remote;
    const auto colon = remote.find(':');
    if (colon == std::string::npos) continue;
    if (std::stoul(remote.substr(colon + 1), nullptr, 16) == port) ++count;
  }
  return count;
}

}  // namespace cutover::test
