// Top level of the config: reads every section, reports every problem with file:line:col.
#include "cutover/config/parse.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/parse_sections.hpp"
#include "config/yaml_reader.hpp"

namespace cutover::config {
namespace {

void parse_limits(const YAML::Node& node, LimitsConfig& limits, DiagnosticSink& sink) {
  MapReader reader(node, "limits", sink);
  if (!reader.ok()) return;
  std::uint64_t header_bytes = limits.max_header_bytes;
  if (reader.read_size("max_header_bytes", header_bytes)) {
    if (header_bytes < 1024 || header_bytes > (1u << 20)) {
      sink.error(reader.key_mark("max_header_bytes"), "'limits.max_header_bytes' must be from 1KiB to 1MiB");
    }
    limits.max_header_bytes = header_bytes;
  }
  reader.read_size("max_body_bytes", limits.max_body_bytes);
  reader.read_duration("header_timeout", limits.header_timeout);
  reader.read_duration("idle_timeout", limits.idle_timeout);
  reader.read_duration("body_timeout", limits.body_timeout);
  reader.read_duration("upgrade_idle_timeout", limits.upgrade_idle_timeout);
  for (auto [key, value] : {std::pair{"header_timeout", limits.header_timeout}, {"idle_timeout", limits.idle_timeout},
                            {"body_timeout", limits.body_timeout}, {"upgrade_idle_timeout", limits.upgrade_idle_timeout}}) {
    if (value.count() == 0) sink.error(reader.key_mark(key), std::string("'limits.") + key + "' must be more than 0");
  }
  if (reader.read_size("request_buffer", limits.request_buffer) && limits.request_buffer > kMaxRequestBuffer) {
    sink.error(reader.key_mark("request_buffer"), "'limits.request_buffer' must be at most 16MiB (each buffered request holds it in memory)");
  }
  reader.read_rate("min_body_rate", limits.min_body_rate);
  reader.finish();
}

void parse_paths(const YAML::Node& node, PathsConfig& paths, DiagnosticSink& sink) {
  MapReader reader(node, "paths", sink);
  if (!reader.ok()) return;
  std::string value;
  if (reader.read_enum("escaped_slashes", value, {"reject", "keep", "decode"})) {
    using E = PathsConfig::EscapedSlashes;
    paths.escaped_slashes = value == "reject" ? E::reject : value == "keep" ? E::keep : E::decode;
  }
  if (reader.read_enum("backslash", value, {"reject", "slash"})) {
    paths.backslash = value == "reject" ? PathsConfig::Backslash::reject : PathsConfig::Backslash::slash;
  }
  reader.finish();
}

void parse_access_log(const YAML::Node& node, const std::string& file, AccessLogConfig& log, DiagnosticSink& sink) {
  MapReader reader(node, "access_log", sink);
  if (!reader.ok()) return;
  if (reader.read("path", log.path)) {
    if (log.path.empty()) {
      sink.error(reader.key_mark("path"), "'access_log.path' must be stdout, stderr, off or a file path");
    } else if (log.path != "stdout" && log.path != "stderr" && log.path != "off" && log.path.front() != '/') {
      // Like key files: relative to the config file, so the gateway's working directory doesn't matter.
      log.path = (std::filesystem::path(file).parent_path() / log.path).lexically_normal().string();
    }
  }
  reader.finish();
}

void parse_admin(const YAML::Node& node, const std::string& file, AdminConfig& admin, DiagnosticSink& sink) {
  MapReader reader(node, "admin", sink);
  if (!reader.ok()) return;
  std::string listen;
  if (reader.read("listen", listen)) {
    if (listen == "off") {
      admin.enabled = false;
    } else if (!parse_host_port(listen, admin.listen)) {
      sink.error(reader.key_mark("listen"), "'admin.listen' must be host:port (e.g. 127.0.0.1:9901) or off, not '" + listen + "'");
    }
  }
  if (read_key_file(reader, "token_file", file, admin.token_file, admin.token, sink)) {
    // `echo token > file` leaves a newline no client will send.
    while (!admin.token.empty() && (admin.token.back() == '\n' || admin.token.back() == '\r' || admin.token.back() == ' ')) {
      admin.token.pop_back();
    }
    if (admin.token.empty()) sink.error(reader.key_mark("token_file"), "'admin.token_file' holds only whitespace");
  }
  reader.finish();
}

void parse_top(const YAML::Node& root, const std::string& file, Config& config, DiagnosticSink& sink) {
  MapReader reader(root, "", sink);
  if (!reader.ok()) return;
  std::string listen;
  if (reader.read("listen", listen) && !parse_host_port(listen, config.listen)) {
    sink.error(reader.key_mark("listen"), "'listen' must be host:port, e.g. 0.0.0.0:8080, not '" + listen + "'");
  }
  config.listen.mark = reader.key_mark("listen");
  std::string workers;
  if (reader.read("workers", workers) && workers != "auto") {
    std::uint64_t count = 0;
    if (!parse_size(workers, count) || workers.find_first_not_of("0123456789") != std::string::npos ||
        count < 1 || count > 256) {
      sink.error(reader.key_mark("workers"), "'workers' must be auto or a number from 1 to 256, not '" + workers + "'");
    } else {
      config.workers = static_cast<unsigned>(count);
    }
  }
  reader.read("trust_forwarded_headers", config.trust_forwarded_headers);
  reader.read("listen_shared", config.listen_shared);
  if (std::string underscores; reader.read_enum("headers_with_underscores", underscores, {"drop", "reject", "allow"})) {
    config.headers_with_underscores = underscores == "drop"     ? UnderscoreHeaders::drop
                                      : underscores == "reject" ? UnderscoreHeaders::reject
                                                                : UnderscoreHeaders::allow;
  }
  reader.read("watch", config.watch);
  // Next to the config by default: an operator finds it, and a rollback survives a restart
  // without anyone having to configure anything (DESIGN.md invariant 4).
  config.state_file = "cutover-state.json";
  if (reader.read("state_file", config.state_file) && config.state_file.empty()) {
    sink.error(reader.key_mark("state_file"), "'state_file' must be a file path (where admin overrides are kept)");
  }
  if (!config.state_file.empty() && config.state_file.front() != '/') {
    config.state_file = (std::filesystem::path(file).parent_path() / config.state_file).lexically_normal().string();
  }
  reader.read_duration("drain_timeout", config.drain_timeout);
  if (auto node = reader.get("limits"); node.IsDefined()) parse_limits(node, config.limits, sink);
  if (auto node = reader.get("paths"); node.IsDefined()) parse_paths(node, config.paths, sink);
  if (auto node = reader.get("tls"); node.IsDefined()) {
    parse_tls(node, file, config.tls, sink);
    const auto& tls = config.tls.listen;
    auto wildcard = [](const std::string& host) { return host == "0.0.0.0" || host == "::" || host == "[::]"; };
    if (tls.port != 0 && tls.port == config.listen.port &&
        (tls.host == config.listen.host || wildcard(tls.host) || wildcard(config.listen.host))) {
      sink.error(tls.mark, "'tls.listen' is '" + tls.to_string() + "', the plain listener's address: give HTTPS a port of its own");
    }
  }
  if (auto node = reader.get("admin"); node.IsDefined()) parse_admin(node, file, config.admin, sink);
  if (auto node = reader.get("access_log"); node.IsDefined()) parse_access_log(node, file, config.access_log, sink);
  if (auto node = reader.get("identity"); node.IsDefined()) parse_identity(node, file, config.identity, sink);
  // A key left empty (`backends:`) points at its line; a missing one at the whole file.
  auto required = [&](std::string_view key, const char* what) {
    auto node = reader.get(key);
    if (!node.IsDefined()) {
      if (reader.has(key)) sink.error(reader.key_mark(key), "'" + std::string(key) + "' is empty; it must say " + what);
      else sink.error({}, "the config needs '" + std::string(key) + "' (" + what + ")");
    }
    return node;
  };
  if (auto node = required("backends", "where traffic can go"); node.IsDefined()) parse_backends(node, file, config.backends, sink);
  if (auto node = required("routes", "which backend serves which requests"); node.IsDefined()) {
    parse_routes(node, config.identity.allow_anonymous, config.routes, sink);
  }
  reader.finish();

  const auto& auth = config.identity.auth_request;
  if (auth.enabled && !auth.backend.empty() && !config.find_backend(auth.backend)) {
    sink.error(auth.mark, "'identity.auth_request.backend' names unknown backend '" + auth.backend + "'");
  }
}

// What to do about a YAML syntax error on `line` (0-based) of `text`, when the cause is a common
// one: a path template's {param} unquoted inside a flow map, which YAML reads as a nested map.
std::string syntax_hint(std::string_view text, int line) {
  for (int i = 0; i < line && !text.empty(); ++i) {
    const auto end = text.find('\n');
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
  }
  const std::string_view row = text.substr(0, text.find('\n'));
  const auto open = row.find("/{");
  if (open == std::string_view::npos || row.find('}', open) == std::string_view::npos) return {};
  return " (a path template's {param} inside { ... } must be quoted, e.g. path: \"/api/notes/{id}\")";
}

}  // namespace

Config parse_config(std::string_view yaml_text, const std::string& file, DiagnosticSink& sink) {
  Config config;
  config.source_file = file;
  YAML::Node root;
  try {
    root = load_single_document(yaml_text, sink);
  } catch (const YAML::Exception& e) {
    sink.error({e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg + syntax_hint(yaml_text, e.mark.line));
    return config;
  }
  if (!root.IsDefined() || root.IsNull()) {
    sink.error({}, "the config is empty");
    return config;
  }
  try {
    parse_top(root, file, config, sink);
  } catch (const YAML::Exception& e) {  // e.g. an alias to something odd; still a located error
    sink.error({e.mark.line + 1, e.mark.column + 1}, e.msg);
  }
  return config;
}

Config load_config_file(const std::string& path, std::vector<Diagnostic>* warnings) {
  DiagnosticSink sink(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    sink.error({}, "cannot open config file");
    sink.throw_if_errors();
  }
  std::ostringstream text;
  text << in.rdbuf();
  Config config = parse_config(text.str(), path, sink);
  sink.throw_if_errors();
  if (warnings) *warnings = sink.all();
  return config;
}

}  // namespace cutover::config
