#pragma once
// Section parsers shared by parse.cpp; each reports into the sink and never throws.
#include <yaml-cpp/yaml.h>

#include "cutover/config/config.hpp"

namespace cutover::config {

void parse_identity(const YAML::Node& node, const std::string& file, IdentityConfig& identity,
                    DiagnosticSink& sink);
void parse_backends(const YAML::Node& node, std::vector<BackendConfig>& backends, DiagnosticSink& sink);
void parse_routes(const YAML::Node& node, bool allow_anonymous, std::vector<RouteConfig>& routes,
                  DiagnosticSink& sink);
bool parse_host_port(std::string_view text, HostPort& out);

}  // namespace cutover::config
