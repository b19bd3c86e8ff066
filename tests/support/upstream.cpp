#include "support/upstream.hpp"

#include "support/http_client.hpp"
#include "support/tls_client.hpp"

#include <algorithm>

#include <csignal>
#include <regex>
#include <stdexcept>

namespace cutover::test {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);

std::uint16_t launch(Upstream& u, std::uint16_t port) {
  std::vector<std::string> argv{CUTOVER_TEST_UPSTREAM, "--listen", "127.0.0.1:" + std::to_string(port),
                                "--name",              u.name,     "--threads", std::to_string(u.threads)};
  argv.insert(argv.end(), u.options.begin(), u.options.end());
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

std::unique_ptr<Upstream> Upstream::start(std::string name, int threads) {
  auto u = std::make_unique<Upstream>();
  u->name = std::move(name);
  u->threads = threads;
  u->port = launch(*u, 0);
  return u;
}

std::unique_ptr<Upstream> Upstream::start(std::string name, std::vector<std::string> options) {
  auto u = std::make_unique<Upstream>();
  u->name = std::move(name);
  u->options = std::move(options);
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

bool Upstream::tls() const { return std::find(options.begin(), options.end(), "--tls-cert") != options.end(); }

std::string Upstream::stats_json() const {
  const auto r = tls() ? TlsConnection(port).get("/__stats") : http_get(port, "/__stats");
  if (r.error || r.status != 200) {
    throw std::runtime_error("GET /__stats on " + name + " failed: " + r.error.message());
  }
  return r.body;
}

std::uint64_t Upstream::total_requests() const { return json_count(stats_json(), "requests"); }

std::uint64_t Upstream::connections_accepted() const { return json_count(stats_json(), "connections"); }

std::uint64_t Upstream::hits(std::string_view path) const { return json_count(stats_json(), std::string(path)); }

}  // namespace cutover::test
