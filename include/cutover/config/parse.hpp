#pragma once
// YAML -> Config. Reports every error with file:line:col, including unknown keys (a typo must not
// silently become a default). Reads key files named by the config (JWT secrets) relative to it.
#include <string>
#include <string_view>

#include "cutover/config/config.hpp"

namespace cutover::config {

// Parses YAML text. `file` names the source in diagnostics and anchors relative paths.
// Errors and warnings go to `sink`; the returned Config is meaningful only without errors.
Config parse_config(std::string_view yaml_text, const std::string& file, DiagnosticSink& sink);

// Reads `path` and parses it; throws ConfigError on any error. Warnings go to `warnings`.
Config load_config_file(const std::string& path, std::vector<Diagnostic>* warnings = nullptr);

// "30s", "250ms", "2m", "1h" -> milliseconds. False when malformed.
bool parse_duration(std::string_view text, Duration& out);
// "64KiB", "1GiB", "512", "10MB" -> bytes. False when malformed.
bool parse_size(std::string_view text, std::uint64_t& out);
// "25", "0.5", "12.34" -> basis points. False when malformed or not a multiple of 0.01.
bool parse_percent(std::string_view text, BasisPoints& out);

}  // namespace cutover::config
