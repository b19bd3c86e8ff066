#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>
#include <vector>

namespace cutover::test {
namespace {

// "Suite.Test" of the running test (or "no-test"), reduced to characters safe in a file name.
std::string test_label() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string raw = info ? std::string(info->test_suite_name()) + "." + info->name() : "no-test";
  std::string out;
  for (const char c : raw) {
    const bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out.push_back(safe ? c : '_');
  }
  constexpr std::size_t kMaxLabel = 80;
  return out.substr(0, kMaxLabel);
}

}  // namespace

TempDir::TempDir(std::string_view label) {
  std::string pattern = "/tmp/cutover-" + test_label() + "-" + std::string(label) + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = buf.data();
}

TempDir::~TempDir() {
  if (::testing::Test::HasFailure() || std::getenv("CUTOVER_KEEP_TMP") != nullptr) {
    std::cerr << "[cutover-test] kept " << path_.string() << "\n";
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write(std::string_view name, std::string_view content) const {
  const auto target = path_ / name;
  std::filesystem::create_directories(target.parent_path());
  const auto staging = target.parent_path() / ("." + target.filename().string() + ".tmp");
  {
    std::ofstream out(staging, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + staging.string());
  }
  std::filesystem::rename(staging, target);
  return target;
}

std::string TempDir::read(std::string_view name) const { return read_text_file(path_ / name); }

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace cutover::test
