// backends: section — where traffic can go.
#include <charconv>

#include "config/parse_sections.hpp"
#include "config/yaml_reader.hpp"

namespace cutover::config {

bool parse_host_port(std::string_view text, HostPort& out) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {  // [::1]:8080
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return false;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return false;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || port.empty()) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) return false;
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(value);
  return true;
}

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// `expect: 200-399` or `expect: 204`.
bool parse_status_range(std::string_view text, unsigned& low, unsigned& high) {
  auto number = [](std::string_view digits, unsigned& out) {
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc() && end == digits.data() + digits.size() && out >= 100 && out <= 599;
  };
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (!number(text, low)) return false;
    high = low;
    return true;
  }
  return number(text.substr(0, dash), low) && number(text.substr(dash + 1), high) && low <= high;
}

// A path sent on the request line as it is: no spaces, controls or fragment.
bool valid_check_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  for (unsigned char c : path) {
    if (c <= 0x20 || c >= 0x7f || c == '#') return false;
  }
  return true;
}

void parse_health_check(const YAML::Node& node, const std::string& where, HealthCheckConfig& check,
                        DiagnosticSink& sink) {
  check.enabled = true;
  check.mark = mark_of(node);
  MapReader reader(node, where, sink);
  if (!reader.ok()) return;
  if (reader.read("path", check.path) && !valid_check_path(check.path)) {
    sink.error(reader.key_mark("path"), "'" + where + ".path' must start with '/' and hold no spaces or control characters");
  }
  reader.read("host", check.host);
  reader.read_duration("interval", check.interval);
  reader.read_duration("timeout", check.timeout);
  std::uint64_t count = 0;
  if (reader.read("healthy", count, 1, 100)) check.healthy = static_cast<unsigned>(count);
  if (reader.read("unhealthy", count, 1, 100)) check.unhealthy = static_cast<unsigned>(count);
  if (auto expect = reader.get("expect"); expect.IsDefined()) {
    if (!expect.IsScalar() || !parse_status_range(expect.Scalar(), check.expect_min, check.expect_max)) {
      sink.error(mark_of(expect), "'" + where + ".expect' must be a status or a range of them from 100 to 599, like 200 or 200-399");
    }
  }
  if (std::string start; reader.read_enum("start", start, {"healthy", "unhealthy"})) check.start_healthy = start == "healthy";
  if (check.interval.count() < 100) {
    sink.error(reader.key_mark("interval"), "'" + where + ".interval' must be at least 100ms");
  } else if (check.timeout.count() == 0 || check.timeout > check.interval) {
    sink.error(reader.key_mark("timeout"), "'" + where + ".timeout' must be more than 0 and at most the interval (" +
                                               std::to_string(check.interval.count()) + "ms), so checks never overlap");
  }
  reader.finish();
}

void parse_outlier(const YAML::Node& node, const std::string& where, OutlierConfig& outlier, DiagnosticSink& sink) {
  outlier.mark = mark_of(node);
  MapReader reader(node, where, sink);
  if (!reader.ok()) return;
  std::uint64_t value = 0;
  if (reader.read("consecutive_failures", value, 0, 1000)) outlier.consecutive_failures = static_cast<unsigned>(value);
  if (reader.read("consecutive_5xx", value, 0, 1000)) outlier.consecutive_5xx = static_cast<unsigned>(value);
  if (reader.read("max_ejected_percent", value, 0, 100)) outlier.max_ejected_percent = static_cast<unsigned>(value);
  reader.read_duration("base_ejection", outlier.base_ejection);
  reader.read_duration("max_ejection", outlier.max_ejection);
  if (outlier.base_ejection.count() == 0) {
    sink.error(reader.key_mark("base_ejection"), "'" + where + ".base_ejection' must be more than 0");
  } else if (outlier.max_ejection < outlier.base_ejection) {
    sink.error(reader.key_mark("max_ejection"), "'" + where + ".max_ejection' must be at least base_ejection (" +
                                                    std::to_string(outlier.base_ejection.count()) + "ms)");
  }
  reader.finish();
}

void parse_backend(const std::string& name, const YAML::Node& key, const YAML::Node& node, const std::string& file,
                   BackendConfig& backend, DiagnosticSink& sink) {
  backend.name = name;
  backend.mark = mark_of(key);
  if (!valid_name(name)) {
    sink.error(mark_of(key), "backend name '" + name + "' must be 1-64 letters, digits, '-', '_' or '.'");
  }
  MapReader reader(node, "backends." + name, sink);
  if (!reader.ok()) return;
  auto endpoints = reader.get("endpoints");
  if (!endpoints.IsDefined()) {
    sink.error(reader.mark(), "backend '" + name + "' needs 'endpoints', e.g. endpoints: [127.0.0.1:8000]");
  } else if (!endpoints.IsSequence() || endpoints.size() == 0) {
    sink.error(mark_of(endpoints), "'backends." + name + ".endpoints' must be a non-empty list of host:port");
  } else {
    for (const auto& item : endpoints) {
      HostPort endpoint;
      endpoint.mark = mark_of(item);
      if (!item.IsScalar() || !parse_host_port(item.Scalar(), endpoint) || endpoint.port == 0) {
        sink.error(mark_of(item), "endpoint of backend '" + name + "' must be host:port with a port from 1 to 65535, not '" +
                                      (item.IsScalar() ? item.Scalar() : std::string("a list or map")) + "'");
        continue;
      }
      backend.endpoints.push_back(endpoint);
    }
  }
  reader.read_duration("connect_timeout", backend.connect_timeout);
  reader.read_duration("timeout", backend.timeout);
  reader.read_duration("idle_timeout", backend.idle_timeout);
  std::uint64_t max_idle = backend.max_idle_per_endpoint;
  if (reader.read("max_idle_per_endpoint", max_idle, 0, 100'000)) backend.max_idle_per_endpoint = max_idle;
  std::uint64_t max_connections = backend.max_connections_per_endpoint;
  if (reader.read("max_connections_per_endpoint", max_connections, 0, 100'000)) {
    backend.max_connections_per_endpoint = max_connections;
  }
  reader.read_duration("queue_timeout", backend.queue_timeout);
  if (backend.queue_timeout.count() == 0) sink.error(reader.key_mark("queue_timeout"), "'backends." + name + ".queue_timeout' must be more than 0");
  if (backend.timeout.count() == 0) sink.error(reader.key_mark("timeout"), "'backends." + name + ".timeout' must be more than 0");
  if (backend.connect_timeout.count() == 0) sink.error(reader.key_mark("connect_timeout"), "'backends." + name + ".connect_timeout' must be more than 0");
  if (auto check = reader.get("health_check"); check.IsDefined()) {
    parse_health_check(check, "backends." + name + ".health_check", backend.health_check, sink);
  }
  if (auto outlier = reader.get("outlier"); outlier.IsDefined()) {
    parse_outlier(outlier, "backends." + name + ".outlier", backend.outlier, sink);
  }
  if (auto tls = reader.get("tls"); tls.IsDefined()) parse_backend_tls(tls, "backends." + name + ".tls", file, backend.tls, sink);
  reader.finish();
}

}  // namespace

void parse_backends(const YAML::Node& node, const std::string& file, std::vector<BackendConfig>& backends,
                    DiagnosticSink& sink) {
  if (!node.IsMap() || node.size() == 0) {
    sink.error(mark_of(node), "'backends' must map backend names to their settings, e.g. legacy: { endpoints: [127.0.0.1:8000] }");
    return;
  }
  for (const auto& item : node) {
    if (!item.first.IsScalar()) {
      sink.error(mark_of(item.first), "backend names must be plain names");
      continue;
    }
    const std::string& name = item.first.Scalar();
    bool duplicate = false;
    for (const auto& existing : backends) duplicate = duplicate || existing.name == name;
    if (duplicate) {
      sink.error(mark_of(item.first), "duplicate backend '" + name + "'");
      continue;
    }
    BackendConfig backend;
    parse_backend(name, item.first, item.second, file, backend, sink);
    backends.push_back(std::move(backend));
  }
}

}  // namespace cutover::config
