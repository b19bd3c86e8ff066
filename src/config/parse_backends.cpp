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

void parse_backend(const std::string& name, const YAML::Node& key, const YAML::Node& node,
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
  reader.finish();
}

}  // namespace

void parse_backends(const YAML::Node& node, std::vector<BackendConfig>& backends, DiagnosticSink& sink) {
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
    parse_backend(name, item.first, item.second, backend, sink);
    backends.push_back(std::move(backend));
  }
}

}  // namespace cutover::config
