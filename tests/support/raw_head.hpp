// Header fields exactly as they were on the wire. Beast's fields container files a repeated name
// next to its first occurrence, so "A, B, A" would come back as "A, A, B"; tests that check what
// the gateway forwarded need the real order, so both test_upstream and the test client keep the
// raw head and split it here. Header-only: test_upstream includes it too.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cutover::test {

// Offset just past the empty line that ends the head at the start of `bytes`, or npos. Empty
// lines before the start line (which servers must tolerate) are skipped, not taken as the end.
inline std::size_t find_head_end(std::string_view bytes) {
  std::size_t start = 0;
  while (bytes.substr(start, 2) == "\r\n") start += 2;
  const auto end = bytes.find("\r\n\r\n", start);
  return end == std::string_view::npos ? std::string_view::npos : end + 4;
}

// Fields of a raw head in wire order: the start line is skipped, values lose surrounding
// whitespace, obs-fold continuation lines are joined with one space (as RFC 9112 allows).
inline std::vector<std::pair<std::string, std::string>> parse_head_fields(std::string_view head) {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  std::vector<std::pair<std::string, std::string>> fields;
  while (head.substr(0, 2) == "\r\n") head.remove_prefix(2);
  bool start_line = true;
  while (!head.empty()) {
    const auto eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
    if (start_line) {
      start_line = false;
      continue;
    }
    if (line.empty()) break;
    if ((line.front() == ' ' || line.front() == '\t') && !fields.empty()) {
      auto& value = fields.back().second;
      value += ' ';
      value += trim(line);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // the parser already rejected real garbage
    fields.emplace_back(std::string(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
  }
  return fields;
}

}  // namespace cutover::test
