// AccessLog's batching: lines from many threads arrive whole and exactly once, without flush()
// within a second or so, and a full buffer drops lines (counted) instead of growing.
#include "cutover/log/access_log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"
#include "unit/log/log_file_lines.hpp"

namespace cutover::log {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using test::lines_of;
using test::wait_for_lines;

AccessRecord record(std::string_view request_id) {
  AccessRecord r;
  r.time_unix_ms = 1'700'000'000'000;
  r.request_id = request_id;
  r.method = "GET";
  r.path = "/batch";
  r.client = "127.0.0.1";
  r.status = 200;
  return r;
}

// The writer thread never wakes on its own: only flush() and the destructor write.
AccessLogOptions writer_asleep(std::size_t max_pending_bytes = 8 * 1024 * 1024) {
  return {.flush_period = std::chrono::hours(1), .wake_bytes = SIZE_MAX, .max_pending_bytes = max_pending_bytes};
}

TEST(AccessLogBatching, ManyThreadsWriteWholeLinesExactlyOnceInOrder) {
  // More threads than shards, so some share one; a small wake threshold makes the writer swap
  // buffers while they are being appended to.
  constexpr int kThreads = 24;
  constexpr int kLinesEach = 2000;
  cutover::test::TempDir dir("access");
  auto file = dir.file("access.log");
  {
    AccessLog log(file.string(), {.flush_period = 5ms, .wake_bytes = 4096});
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kLinesEach; ++i) {
          std::string id = std::to_string(t) + "-" + std::to_string(i);
          log.write(record(id));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    log.flush();
    EXPECT_EQ(log.dropped(), 0u);
  }
  auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLinesEach));
  std::map<int, int> next_of_thread;
  for (const auto& line : lines) {
    json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "broken line: " << line;
    ASSERT_EQ(line, format_access_record(record(j["request_id"].get<std::string>())));
    std::string id = j["request_id"];
    int thread = std::stoi(id.substr(0, id.find('-')));
    int index = std::stoi(id.substr(id.find('-') + 1));
    ASSERT_EQ(index, next_of_thread[thread]++) << "thread " << thread << " out of order";
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next_of_thread[t], kLinesEach) << "thread " << t;
}

TEST(AccessLogBatching, LinesAppearWithoutFlush) {
  cutover::test::TempDir dir("access");
  auto file = dir.file("access.log");
  AccessLog log(file.string());  // default period
  log.write(record("a"));
  log.write(record("b"));
  EXPECT_EQ(wait_for_lines(file, 2).size(), 2u);
}

TEST(AccessLogBatching, AFullBufferWakesTheWriterEarly) {
  cutover::test::TempDir dir("access");
  auto file = dir.file("access.log");
  const std::size_t line_size = format_access_record(record("w")).size() + 1;
  AccessLog log(file.string(), {.flush_period = std::chrono::hours(1), .wake_bytes = 10 * line_size});
  for (int i = 0; i < 10; ++i) log.write(record("w"));
  EXPECT_EQ(wait_for_lines(file, 10).size(), 10u);
}

TEST(AccessLogBatching, NothingIsWrittenBeforeTheWriterWakes) {
  // The other tests' premise: with the writer asleep, lines wait in memory.
  cutover::test::TempDir dir("access");
  auto file = dir.file("access.log");
  AccessLog log(file.string(), writer_asleep());
  log.write(record("a"));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(cutover::test::read_text_file(file), "");
  log.flush();
  EXPECT_EQ(lines_of(file).size(), 1u);
}

TEST(AccessLogBatching, TheDestructorWritesPendingLines) {
  cutover::test::TempDir dir("access");
  auto file = dir.file("access.log");
  {
    AccessLog log(file.string(), writer_asleep());
    for (auto id : {"a", "b", "c"}) log.write(record(id));
  }
  auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], format_access_record(record("c")));
}

TEST(AccessLogBatching, LinesBeyondTheCapAreDroppedAndCounted) {
  cutover::test::TempDir dir("access");
  auto file = dir.file("access.log");
  const std::size_t line_size = format_access_record(record("d")).size() + 1;
  AccessLog log(file.string(), writer_asleep(10 * line_size));
  for (int i = 0; i < 25; ++i) log.write(record("d"));
  EXPECT_EQ(log.dropped(), 15u);
  log.flush();
  EXPECT_EQ(lines_of(file).size(), 10u);
  // Writing out made room again; the count only ever rises.
  log.write(record("d"));
  log.flush();
  EXPECT_EQ(lines_of(file).size(), 11u);
  EXPECT_EQ(log.dropped(), 15u);
}

TEST(AccessLogBatching, ALineLongerThanTheCapIsDroppedAndShorterOnesStillFit) {
  cutover::test::TempDir dir("access");
  auto file = dir.file("access.log");
  const std::size_t line_size = format_access_record(record("short")).size() + 1;
  AccessLog log(file.string(), writer_asleep(line_size + line_size / 2));
  log.write(record(std::string(line_size, 'x')));
  log.write(record("short"));
  EXPECT_EQ(log.dropped(), 1u);
  log.flush();
  EXPECT_EQ(lines_of(file), std::vector<std::string>{format_access_record(record("short"))});
}

}  // namespace
}  // namespace cutover::log
