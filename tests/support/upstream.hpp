// A test_upstream process on 127.0.0.1 with an ephemeral port.
#pragma once

#include "support/process.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cutover::test {

struct Upstream {
  // Starts CUTOVER_TEST_UPSTREAM --listen 127.0.0.1:0 --name NAME and waits (10 s) for its
  // "listening" line. Throws std::runtime_error (with the process output) on failure.
  static std::unique_ptr<Upstream> start(std::string name, int threads = 1);
  // The same with more options (tests/upstream/main.cpp), e.g. {"--idle-close-ms", "1000"}:
  // a backend that misbehaves on purpose. restart() keeps them.
  static std::unique_ptr<Upstream> start(std::string name, std::vector<std::string> options);

  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  // Started with --tls-cert: it speaks HTTPS only (the stats calls below then use TLS too, without
  // verifying the certificate).
  bool tls() const;

  // SIGTERM and wait; the port stays reserved in `port` for restart().
  void stop();
  // Starts again on the same port (a backend restart as the gateway sees it).
  void restart();

  // GET /__stats: the raw JSON, the total, and the count for one path (0 if never hit).
  // connections_accepted() counts connections that carried a request other than /__stats.
  std::string stats_json() const;
  std::uint64_t total_requests() const;
  std::uint64_t connections_accepted() const;
  std::uint64_t hits(std::string_view path) const;

  std::string name;
  int threads = 1;
  std::vector<std::string> options;
  std::uint16_t port = 0;
  std::unique_ptr<Process> process;
};

}  // namespace cutover::test
