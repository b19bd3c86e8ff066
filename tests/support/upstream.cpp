#include "support/upstream.hpp"

#include "support/http_client.hpp"

#include <csignal>
#include <regex>
#include <stdexcept>

namespace cutover::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);

std::uint16_t launch(Upstream& u, std::uint16_t port) {
  std::vector<std::string> argv{CUTOVER_TEST_UPSTREAM, "--listen", "127.0.0.1:" + std::to_string(port), "--name", u.name,
                                "--threads", std::to_string(u.threads)};
  argv.insert(argv.end(), u.extra_args.begin(), u.extra_args.end());
  u.process = std::make_unique<Process>(std::move(argv));
  const std::regex line("^test_upstream .* listening on 127\\.0\\.0\\.1:(\\d+)$");
  const auto m = u.process->wait_for_line(line, kStartTimeout);
  if (!m) throw std::runtime_error("test_upstream " + u.name + " did not start\n" + u.process->output());
  return static_cast<std::uint16_t>(std::stoul((*m)[1]));
}

// Reads `"key": N` from the flat JSON test_upstream writes; the format is ours, so a scan does.
std::uint64_t json_count(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\": ";
  const auto at = json.find(needle);
  if (at == std::string::npos) return 0;
  return std::stoull(json.substr(at + needle.size()));
}

}  // namespace

std::unique_ptr<Upstream> Upstream::start(std::string name, int threads, std::vector<std::string> extra_args) {
  auto u = std::make_unique<Upstream>();
  u->name = std::move(name);
  u->threads = threads;
  u->extra_args = std::move(extra_args);
  u->port = launch(*u, 0);
  return u;
}

void Upstream::stop() {
  if (!process) return;
  process->send_signal(SIGTERM);
  if (!process->wait_exit(std::chrono::seconds(5))) {
    throw std::runtime_error("test_upstream " + name + " ignored SIGTERM\n" + process->output());
  }
}

void Upstream::restart() {
  stop();
  process.reset();
  launch(*this, port);
}

std::string Upstream::stats_json() const {
  const auto r = http_get(port, "/__stats");
  if (r.error || r.status != 200) {
    throw std::runtime_error("GET /__stats on " + name + " failed: " + r.error.message());
  }
  return r.body;
}

std::uint64_t Upstream::total_requests() const { return json_count(stats_json(), "requests"); }

std::uint64_t Upstream::connections_accepted() const { return json_count(stats_json(), "connections"); }

std::uint64_t Upstream::hits(std::string_view path) const { return json_count(stats_json(), std::string(path)); }

}  // namespace cutover::test
