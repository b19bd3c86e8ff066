#pragma once
// Reads one YAML mapping strictly: every key the parser asks for is "known"; finish() reports
// the rest as unknown keys (with a did-you-mean), so a typo can never silently become a default.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/config/config.hpp"

namespace cutover::config {

Mark mark_of(const YAML::Node& node);

class MapReader {
 public:
  // `where` names the section in messages ("backends.legacy"). A non-map node is reported.
  MapReader(const YAML::Node& node, std::string where, DiagnosticSink& sink);

  bool ok() const { return ok_; }
  Mark mark() const { return mark_of(node_); }
  const std::string& where() const { return where_; }
  // Renames the section once a better name is known (routes[0] -> routes.notes-read).
  void rename(std::string where) { where_ = std::move(where); }

  // The value of `key` (undefined Node when absent or null). Marks the key as known.
  YAML::Node get(std::string_view key);
  Mark key_mark(std::string_view key) const;
  // True when `key` is written in the map, even with an empty (null) value.
  bool has(std::string_view key) const;

  // Typed reads: absent keys leave `out` untouched and return false; bad values are reported.
  bool read(std::string_view key, std::string& out);
  bool read(std::string_view key, bool& out);
  bool read(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
  bool read_duration(std::string_view key, Duration& out);
  bool read_size(std::string_view key, std::uint64_t& out);
  // Bytes per second: a size, optionally followed by "/s" (1KiB/s).
  bool read_rate(std::string_view key, std::uint64_t& out);
  bool read_enum(std::string_view key, std::string& out, const std::vector<std::string>& allowed);

  // Reports keys never asked for, and duplicate keys. Call after every get()/read().
  void finish();

 private:
  bool scalar(const YAML::Node& value, std::string_view key, std::string& out);

  YAML::Node node_;
  std::string where_;
  DiagnosticSink& sink_;
  std::vector<std::string> known_;
  bool ok_ = true;
};

// The config's one YAML document; another one with content after it, or text after it that
// YAML cannot read, is reported. Throws YAML::Exception on a syntax error.
YAML::Node load_single_document(std::string_view text, DiagnosticSink& sink);

// "backends.legacy" style path helper.
std::string join_path(std::string_view parent, std::string_view child);

}  // namespace cutover::config
