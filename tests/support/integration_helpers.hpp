// Small helpers shared by the integration tests (header-only: only integration_tests, which links
// nlohmann_json, includes it).
#pragma once

#include "support/http_client.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cutover::test {

// Memory budgets (RSS per connection, peak RSS during a transfer) are the real allocator's: a
// sanitizer's keeps freed memory in quarantine and adds shadow memory, tens of MiB. Sanitizer
// builds still run those tests for everything else they check.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kMemoryBudgetsApply = false;
#else
inline constexpr bool kMemoryBudgetsApply = true;
#endif

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

// TCP states as /proc/net/tcp numbers them.
inline constexpr unsigned kTcpEstablished = 0x01, kTcpSynSent = 0x02, kTcpCloseWait = 0x08;

// IPv4 TCP sockets on this machine whose remote port is `port`: the connections some process
// opened to a server listening there. `states` empty: in any state, open or recently closed
// (TIME_WAIT included); otherwise only in those.
inline std::size_t tcp_sockets_to_port(std::uint16_t port, std::initializer_list<unsigned> states = {}) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  std::size_t count = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    const auto colon = remote.find(':');
    if (colon == std::string::npos || state.empty()) continue;
    if (std::stoul(remote.substr(colon + 1), nullptr, 16) != port) continue;
    const auto code = std::stoul(state, nullptr, 16);
    bool wanted = states.size() == 0;
    for (unsigned one : states) wanted = wanted || code == one;
    if (wanted) ++count;
  }
  return count;
}

// Sockets to a server listening on `port` that some process still holds a descriptor for:
// connecting, ESTABLISHED, or CLOSE_WAIT (the server closed its end, the owner not yet its own).
// A socket its owner closed (FIN_WAIT, TIME_WAIT) is left out.
inline std::size_t held_tcp_sockets_to_port(std::uint16_t port) {
  return tcp_sockets_to_port(port, {kTcpEstablished, kTcpSynSent, kTcpCloseWait});
}

// Descriptors process `pid` holds open right now (entries of /proc/PID/fd); 0 when unreadable.
inline std::size_t open_descriptors(int pid) {
  std::error_code ec;
  std::size_t count = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++count;
  }
  return count;
}

// One admin API call: a JSON body (Content-Type set when there is one) and, when `token` is not
// empty, "Authorization: Bearer <token>". POST/PUT/DELETE without a body send Content-Length: 0.
// The long default deadline is for mutations: they fsync the state file before answering, which
// takes seconds on a busy disk.
inline Response admin_call(std::uint16_t admin_port, std::string method, std::string target, std::string body = "",
                           const std::string& token = "",
                           std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  Request request{.method = std::move(method), .target = std::move(target), .headers = {}, .body = std::move(body)};
  if (!request.body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
  if (request.body.empty() && request.method != "GET") request.headers.emplace_back("Content-Length", "0");
  return http_request(admin_port, request, timeout);
}

// The body as JSON, or JSON null when it is not JSON (assert .is_object() before reading fields).
inline nlohmann::json json_body(const Response& response) { return parse_json(response.body).value_or(nullptr); }

// An admin split list, [{"backend": "b", "percent": 25, "rollback_to"?: true}, ...], as
// backend -> percent; empty when `list` is not such an array.
inline std::map<std::string, double> split_percents(const nlohmann::json& list) {
  std::map<std::string, double> out;
  if (!list.is_array()) return out;
  for (const auto& entry : list) {
    if (!entry.is_object() || !entry.contains("backend") || !entry.contains("percent")) continue;
    if (!entry["backend"].is_string() || !entry["percent"].is_number()) continue;
    out[entry["backend"].get<std::string>()] = entry["percent"].get<double>();
  }
  return out;
}

// The element of a JSON array whose "id" (or `key`) is `id`; JSON null when there is none.
inline nlohmann::json find_by_id(const nlohmann::json& list, std::string_view id, const char* key = "id") {
  if (!list.is_array()) return nullptr;
  for (const auto& entry : list) {
    if (entry.is_object() && entry.contains(key) && entry[key] == id) return entry;
  }
  return nullptr;
}

// One sample of Prometheus text exposition: name{labels} value.
struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Every sample line of a /metrics body (comments skipped; "+Inf"/"NaN" values parsed by strtod).
inline std::vector<MetricSample> parse_metrics(std::string_view text) {
  std::vector<MetricSample> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    MetricSample sample;
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    sample.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') break;
        std::string key = line.substr(i, eq - i);
        std::string value;
        std::size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value += line[j] == 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
        }
        sample.labels[std::move(key)] = std::move(value);
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i < line.size() && line[i] == '}') ++i;
    }
    while (i < line.size() && line[i] == ' ') ++i;
    if (i >= line.size()) continue;
    const std::string value_text = line.substr(i, line.find(' ', i) - i);
    char* end = nullptr;
    sample.value = std::strtod(value_text.c_str(), &end);
    if (end == value_text.c_str()) continue;
    out.push_back(std::move(sample));
  }
  return out;
}

// The sum of the samples named `name` whose labels include every pair of `labels` (other labels
// are summed over); nullopt when no sample matches.
inline std::optional<double> metric_value(std::string_view text, std::string_view name,
                                          const std::map<std::string, std::string>& labels = {}) {
  std::optional<double> sum;
  for (const auto& sample : parse_metrics(text)) {
    if (sample.name != name) continue;
    bool match = true;
    for (const auto& [key, value] : labels) {
      const auto it = sample.labels.find(key);
      if (it == sample.labels.end() || it->second != value) match = false;
    }
    if (match) sum = sum.value_or(0) + sample.value;
  }
  return sum;
}

// X-Served-By of GET `target` once per entry of `headers` (one user each), over `threads`
// keep-alive connections; "<error N>" for anything but a 200.
inline std::vector<std::string> served_by_each(std::uint16_t port, const std::vector<Headers>& headers,
                                               const std::string& target, int threads = 4) {
  std::vector<std::string> out(headers.size());
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::optional<HttpConnection> c;
      for (std::size_t i = static_cast<std::size_t>(t); i < headers.size(); i += static_cast<std::size_t>(threads)) {
        try {
          if (!c) c.emplace(port);
          const auto r = c->get(target, headers[i]);
          out[i] = r.status == 200 ? served_by(r) : "<error " + std::to_string(r.status) + ">";
          if (r.status != 200 || !r.keep_alive) c.reset();
        } catch (const std::exception& e) {
          out[i] = std::string("<error ") + e.what() + ">";
          c.reset();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return out;
}

// Clients in background threads, each looping GET `target` on its own keep-alive connection
// (reconnecting after a close or a failure) until stop(). Anything but a 200 is a failure; the
// first few are kept for the assertion message. At most `connections` requests are in flight.
class BackgroundLoad {
 public:
  BackgroundLoad(std::uint16_t port, std::string target, int connections, Headers headers = {})
      : port_(port), target_(std::move(target)), headers_(std::move(headers)) {
    for (int i = 0; i < connections; ++i) threads_.emplace_back([this] { run(); });
  }
  ~BackgroundLoad() { stop(); }
  BackgroundLoad(const BackgroundLoad&) = delete;
  BackgroundLoad& operator=(const BackgroundLoad&) = delete;

  void stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  std::uint64_t ok() const { return ok_; }
  std::uint64_t failed() const { return failed_; }
  std::string failures() const {
    const std::lock_guard lock(mutex_);
    return failures_;
  }
  // Waits until at least `n` more requests succeeded than when called (or `timeout`).
  bool wait_for_progress(std::uint64_t n, std::chrono::milliseconds timeout) const {
    const auto start = ok_.load();
    return wait_until([&] { return ok_.load() >= start + n; }, timeout);
  }

 private:
  void run() {
    std::optional<HttpConnection> c;
    while (!stop_) {
      try {
        if (!c) c.emplace(port_);
        const auto r = c->get(target_, headers_);
        if (r.status == 200) {
          ++ok_;
        } else {
          fail("status " + std::to_string(r.status) + " " + r.error.message() + " " + r.body.substr(0, 200));
        }
        if (r.status != 200 || !r.keep_alive) c.reset();
      } catch (const std::exception& e) {
        fail(std::string("connect: ") + e.what());
        c.reset();
      }
    }
  }
  void fail(const std::string& what) {
    ++failed_;
    const std::lock_guard lock(mutex_);
    if (failures_.size() < 2000) failures_ += what + "\n";
  }

  std::uint16_t port_;
  std::string target_;
  Headers headers_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> ok_{0};
  std::atomic<std::uint64_t> failed_{0};
  mutable std::mutex mutex_;
  std::string failures_;
  std::vector<std::thread> threads_;
};

}  // namespace cutover::test
