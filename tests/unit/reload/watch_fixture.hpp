#pragma once
// A real io_context and a real temp directory for FileWatch tests. Time passes only by pumping
// the io_context until a deadline or a callback count, never by sleeping a fixed long time.
#include "cutover/reload/file_watch.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cutover::reload::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kDebounce{50};
constexpr std::chrono::milliseconds kDeadline{2000};
// Long enough for any late event plus a whole debounce interval: a second callback would show.
constexpr std::chrono::milliseconds kSettle{300};

inline void write_in_place(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// An editor's atomic save: a temp file renamed over the target.
inline void write_atomic(const fs::path& path, std::string_view content) {
  const fs::path staging = path.parent_path() / ("." + path.filename().string() + ".swp");
  write_in_place(staging, content);
  fs::rename(staging, path);
}

class WatchTest : public ::testing::Test {
 protected:
  fs::path config() const { return dir_.file("cutover.yaml"); }

  // Creates the watch on `path` (default: the config) and starts it.
  void watch(const fs::path& path) {
    watch_ = std::make_unique<FileWatch>(
        io_.get_executor(), path, [this] { ++changes_; }, kDebounce,
        [this](std::string_view message) { logs_.emplace_back(message); });
    ASSERT_FALSE(watch_->start()) << "start failed";
  }
  void watch() { watch(config()); }

  // Runs the io_context for `duration`.
  void pump(std::chrono::milliseconds duration) {
    io_.restart();
    io_.run_for(duration);
  }

  // Runs until `count` callbacks happened (true) or the deadline passed (false).
  bool wait_for_changes(int count) {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (changes_ < count && std::chrono::steady_clock::now() < deadline) pump(5ms);
    return changes_ >= count;
  }

  // Exactly `count` callbacks in total: reached before the deadline, and no more after settling.
  void expect_changes(int count) {
    EXPECT_TRUE(wait_for_changes(count)) << "only " << changes_ << " callbacks";
    pump(kSettle);
    EXPECT_EQ(changes_, count);
  }

  cutover::test::TempDir dir_{"watch"};
  boost::asio::io_context io_;
  std::unique_ptr<FileWatch> watch_;
  int changes_ = 0;
  std::vector<std::string> logs_;
};

}  // namespace cutover::reload::test
