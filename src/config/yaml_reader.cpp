#include "config/yaml_reader.hpp"

#include <algorithm>
#include <set>

#include "cutover/config/parse.hpp"

namespace cutover::config {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string suggestion(std::string_view key, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = 3;  // beyond 2 edits a suggestion is noise
  for (const auto& candidate : known) {
    std::size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best.empty() ? std::string{} : " (did you mean '" + best + "'?)";
}

std::string list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

Mark mark_of(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  auto m = node.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string join_path(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  return std::string(parent) + "." + std::string(child);
}

MapReader::MapReader(const YAML::Node& node, std::string where, DiagnosticSink& sink)
    : node_(node), where_(std::move(where)), sink_(sink) {
  if (!node_.IsMap()) {
    ok_ = false;
    sink_.error(mark_of(node_), (where_.empty() ? std::string("the config") : "'" + where_ + "'") +
                                    " must be a mapping of keys to values");
  }
}

YAML::Node MapReader::get(std::string_view key) {
  known_.emplace_back(key);
  if (!ok_) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& item : node_) {
    if (item.first.IsScalar() && item.first.Scalar() == key) {
      if (item.second.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
      return item.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

Mark MapReader::key_mark(std::string_view key) const {
  if (!ok_) return mark();
  for (const auto& item : node_) {
    if (item.first.IsScalar() && item.first.Scalar() == key) return mark_of(item.first);
  }
  return mark();
}

bool MapReader::has(std::string_view key) const {
  if (!ok_) return false;
  for (const auto& item : node_) {
    if (item.first.IsScalar() && item.first.Scalar() == key) return true;
  }
  return false;
}

bool MapReader::scalar(const YAML::Node& value, std::string_view key, std::string& out) {
  if (!value.IsScalar()) {
    sink_.error(mark_of(value), "'" + join_path(where_, key) + "' must be a single value");
    return false;
  }
  out = value.Scalar();
  return true;
}

bool MapReader::read(std::string_view key, std::string& out) {
  auto value = get(key);
  if (!value.IsDefined()) return false;
  return scalar(value, key, out);
}

bool MapReader::read(std::string_view key, bool& out) {
  auto value = get(key);
  std::string text;
  if (!value.IsDefined() || !scalar(value, key, text)) return false;
  if (text == "true" || text == "yes" || text == "on") out = true;
  else if (text == "false" || text == "no" || text == "off") out = false;
  else {
    sink_.error(mark_of(value), "'" + join_path(where_, key) + "' must be true or false, not '" + text + "'");
    return false;
  }
  return true;
}

bool MapReader::read(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
  auto value = get(key);
  std::string text;
  if (!value.IsDefined() || !scalar(value, key, text)) return false;
  std::uint64_t parsed = 0;
  if (!parse_size(text, parsed) || text.find_first_not_of("0123456789") != std::string::npos ||
      parsed < min || parsed > max) {
    sink_.error(mark_of(value), "'" + join_path(where_, key) + "' must be a whole number from " +
                                    std::to_string(min) + " to " + std::to_string(max) + ", not '" + text + "'");
    return false;
  }
  out = parsed;
  return true;
}

bool MapReader::read_duration(std::string_view key, Duration& out) {
  auto value = get(key);
  std::string text;
  if (!value.IsDefined() || !scalar(value, key, text)) return false;
  if (!parse_duration(text, out)) {
    sink_.error(mark_of(value), "'" + join_path(where_, key) + "' must be a duration like 250ms, 30s, 5m or 1h, not '" + text + "'");
    return false;
  }
  return true;
}

bool MapReader::read_size(std::string_view key, std::uint64_t& out) {
  auto value = get(key);
  std::string text;
  if (!value.IsDefined() || !scalar(value, key, text)) return false;
  if (!parse_size(text, out)) {
    sink_.error(mark_of(value), "'" + join_path(where_, key) + "' must be a size like 65536, 64KiB, 10MiB or 1GiB, not '" + text + "'");
    return false;
  }
  return true;
}

bool MapReader::read_rate(std::string_view key, std::uint64_t& out) {
  auto value = get(key);
  std::string text;
  if (!value.IsDefined() || !scalar(value, key, text)) return false;
  std::string_view size = text;
  if (size.ends_with("/s")) size.remove_suffix(2);
  if (!parse_size(size, out)) {
    sink_.error(mark_of(value), "'" + join_path(where_, key) + "' must be a rate like 1KiB/s, 512/s or 0 (off), not '" + text + "'");
    return false;
  }
  return true;
}

bool MapReader::read_enum(std::string_view key, std::string& out, const std::vector<std::string>& allowed) {
  auto value = get(key);
  std::string text;
  if (!value.IsDefined() || !scalar(value, key, text)) return false;
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    sink_.error(mark_of(value), "'" + join_path(where_, key) + "' must be one of " + list(allowed) + ", not '" + text + "'");
    return false;
  }
  out = text;
  return true;
}

void MapReader::finish() {
  if (!ok_) return;
  std::set<std::string> seen;
  for (const auto& item : node_) {
    if (!item.first.IsScalar()) {
      sink_.error(mark_of(item.first), "keys in " + (where_.empty() ? std::string("the config") : "'" + where_ + "'") +
                                           " must be plain names");
      continue;
    }
    const std::string& key = item.first.Scalar();
    if (!seen.insert(key).second) {
      sink_.error(mark_of(item.first), "duplicate key '" + join_path(where_, key) + "'");
      continue;
    }
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
      sink_.error(mark_of(item.first), "unknown key '" + key + "'" +
                                           (where_.empty() ? std::string{} : " in '" + where_ + "'") +
                                           suggestion(key, known_));
    }
  }
}

}  // namespace cutover::config
