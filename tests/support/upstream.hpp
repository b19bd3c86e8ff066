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
  // Starts CUTOVER_TEST_UPSTREAM --listen 127.0.0.1:0 --name NAME [extra_args] and waits (10 s)
  // for its "listening" line. Throws std::runtime_error (with the process output) on failure.
  // extra_args: e.g. {"--idle-close-ms", "1000"} for a backend with a 1 s keep-alive timeout.
  static std::unique_ptr<Upstream> start(std::string name, int threads = 1, std::vector<std::string> extra_args = {});

  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  // SIGTERM and wait; the port stays reserved in `port` for restart().
  void stop();
  // Starts again on the same port (a backend restart as the gateway sees it).
  void restart();

  // GET /__stats: the raw JSON, the total, and the count for one path (0 if never hit).
  std::string stats_json() const;
  std::uint64_t total_requests() const;
  std::uint64_t connections_accepted() const;
  std::uint64_t hits(std::string_view path) const;

  std::string name;
  int threads = 1;
  std::vector<std::string> extra_args{};  // kept for restart()
  std::uint16_t port = 0;
  std::unique_ptr<Process> process;
};

}  // namespace cutover::test
