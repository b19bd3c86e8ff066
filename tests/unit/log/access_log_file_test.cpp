// AccessLog writing to a real file: one parseable line per record, appended, never interleaved.
#include "cutover/log/access_log.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <sstream>
#include <system_error>
#include <thread>

#include "support/temp_dir.hpp"
#include "unit/log/log_file_lines.hpp"

namespace cutover::log {
namespace {

using nlohmann::json;

using test::lines_of;
using test::wait_for_lines;

AccessRecord record(std::string_view request_id, std::string_view path) {
  AccessRecord r;
  r.time_unix_ms = 1'700'000'000'000;
  r.request_id = request_id;
  r.method = "GET";
  r.path = path;
  r.client = "127.0.0.1";
  r.status = 200;
  return r;
}

TEST(AccessLogFile, ThreeRecordsAreThreeJsonLines) {
  cutover::test::TempDir dir("access");
  auto file = dir.file("access.log");
  AccessLog log(file.string());
  ASSERT_TRUE(log.enabled());
  log.write(record("a", "/one"));
  log.write(record("b", "/two\nFAKE {\"line\":1}"));
  log.write(record("c", "/three"));
  log.flush();  // synchronous: the lines are in the file when it returns
  auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 3u);
  std::vector<std::string> ids;
  for (const auto& line : lines) {
    json j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    ids.push_back(j["request_id"]);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(log.dropped(), 0u);
}

TEST(AccessLogFile, AppendsToAnExistingFile) {
  cutover::test::TempDir dir("access");
  auto file = dir.write("access.log", "{\"earlier\":true}\n");
  {
    AccessLog log(file.string());
    log.write(record("x", "/"));
    log.flush();
    ASSERT_EQ(lines_of(file).size(), 2u);
  }
  auto lines = lines_of(file);
  EXPECT_EQ(lines.front(), "{\"earlier\":true}");
}

TEST(AccessLogFile, OffWritesNothing) {
  AccessLog log("off");
  EXPECT_FALSE(log.enabled());
  log.write(record("x", "/"));  // must not crash
  log.flush();
}

TEST(AccessLogFile, TwoLogsAtOnceEachWriteTheirOwnFile) {
  // A reload may build a new AccessLog before the old one goes away: destroying the old one
  // must not stop the new one.
  cutover::test::TempDir dir("access");
  auto old_log = std::make_unique<AccessLog>(dir.file("old.log").string());
  AccessLog new_log(dir.file("new.log").string());
  old_log->write(record("o", "/"));
  old_log.reset();
  new_log.write(record("n", "/"));
  EXPECT_EQ(wait_for_lines(dir.file("new.log"), 1).size(), 1u);
  EXPECT_EQ(lines_of(dir.file("old.log")).size(), 1u);
}

TEST(AccessLogFile, AFileThatCannotBeOpenedIsAnErrorNamingIt) {
  cutover::test::TempDir dir("access");
  auto file = dir.file("missing-dir") / "access.log";
  try {
    AccessLog log(file.string());
    FAIL() << "opened " << file;
  } catch (const std::system_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr(file.string()));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("No such file or directory"));
    EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
  }
}

TEST(AccessLogFile, LinesAWriteFailedOnAreCountedAsDropped) {
  ASSERT_TRUE(std::filesystem::exists("/dev/full")) << "Linux's always-full device is the test's disk";
  AccessLog log("/dev/full");  // every write fails with ENOSPC
  for (int i = 0; i < 3; ++i) log.write(record("x", "/"));
  log.flush();
  EXPECT_EQ(log.dropped(), 3u);
}

}  // namespace
}  // namespace cutover::log
