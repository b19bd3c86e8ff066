#pragma once
// Reading an access log file back in tests: its lines, and waiting for the background writer.
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

namespace cutover::log::test {

inline std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::istringstream in(cutover::test::read_text_file(file));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Polls until the file holds at least `count` complete lines or `limit` passes; generous, because
// what is under test is that no flush() is needed, not how fast the writer is.
inline std::vector<std::string> wait_for_lines(const std::filesystem::path& file, std::size_t count,
                                               std::chrono::seconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = cutover::test::read_text_file(file);
    if (!text.empty() && text.back() == '\n') {
      auto lines = lines_of(file);
      if (lines.size() >= count) return lines;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return lines_of(file);
}

}  // namespace cutover::log::test
