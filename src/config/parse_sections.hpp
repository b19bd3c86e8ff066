#pragma once
// Section parsers shared by parse.cpp; each reports into the sink and never throws.
#include <yaml-cpp/yaml.h>

#include "cutover/config/config.hpp"

namespace cutover::config {

void parse_identity(const YAML::Node& node, const std::string& file, IdentityConfig& identity,
                    DiagnosticSink& sink);
void parse_backends(const YAML::Node& node, const std::string& file, std::vector<BackendConfig>& backends,
                    DiagnosticSink& sink);
void parse_tls(const YAML::Node& node, const std::string& file, TlsConfig& tls, DiagnosticSink& sink);
void parse_backend_tls(const YAML::Node& node, const std::string& where, const std::string& file,
                       BackendTlsConfig& tls, DiagnosticSink& sink);
void parse_routes(const YAML::Node& node, bool allow_anonymous, std::vector<RouteConfig>& routes,
                  DiagnosticSink& sink);
bool parse_host_port(std::string_view text, HostPort& out);

class MapReader;
// Reads the file named by `key` (relative to the config file) into `contents_out`; reports a
// missing, unreadable or empty file at the key. Returns whether the key was present and read.
bool read_key_file(MapReader& reader, std::string_view key, const std::string& config_file,
                   std::string& path_out, std::string& contents_out, DiagnosticSink& sink);

}  // namespace cutover::config
