// The ways a config file gets changed in practice, each giving exactly one callback, and the
// non-changes giving none.
#include "watch_fixture.hpp"

namespace cutover::reload::test {
namespace {

using FileWatchEdit = WatchTest;

TEST_F(FileWatchEdit, InPlaceWriteCallsBackOnce) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch();
  write_in_place(config(), "a: 2\n");
  expect_changes(1);
}

TEST_F(FileWatchEdit, AtomicRenameSaveCallsBackOnce) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch();
  write_atomic(config(), "a: 2\n");
  expect_changes(1);
}

// vim with `backupcopy=no`: the target is renamed to a backup, a new file is written under the
// old name, then the backup is deleted.
TEST_F(FileWatchEdit, VimBackupRenameDanceCallsBackOnce) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch();
  const fs::path backup = dir_.file("cutover.yaml~");
  fs::rename(config(), backup);
  write_in_place(config(), "a: 2\n");
  fs::remove(backup);
  expect_changes(1);
}

TEST_F(FileWatchEdit, BurstOfTenWritesCallsBackOnce) {
  dir_.write("cutover.yaml", "a: 0\n");
  watch();
  for (int i = 1; i <= 10; ++i) write_in_place(config(), "a: " + std::to_string(i) + "\n");
  expect_changes(1);
}

// The same with the loop reading every write as it happens: the timer is pushed back each time.
TEST_F(FileWatchEdit, BurstReadAsItHappensCallsBackOnce) {
  dir_.write("cutover.yaml", "a: 0\n");
  watch();
  for (int i = 1; i <= 10; ++i) {
    write_in_place(config(), "a: " + std::to_string(i) + "\n");
    pump(kDebounce / 10);
  }
  expect_changes(1);
}

TEST_F(FileWatchEdit, BurstMixingSaveStylesCallsBackOnce) {
  dir_.write("cutover.yaml", "a: 0\n");
  watch();
  write_atomic(config(), "a: 1\n");
  write_in_place(config(), "a: 2\n");
  fs::remove(config());
  write_atomic(config(), "a: 3\n");
  expect_changes(1);
}

TEST_F(FileWatchEdit, EachSaveAfterAQuietPeriodCallsBack) {
  dir_.write("cutover.yaml", "a: 0\n");
  watch();
  for (int i = 1; i <= 5; ++i) {
    write_atomic(config(), "a: " + std::to_string(i) + "\n");
    ASSERT_TRUE(wait_for_changes(i)) << "save " << i;
  }
  expect_changes(5);
}

TEST_F(FileWatchEdit, UnrelatedFileInTheSameDirectoryGivesNone) {
  dir_.write("cutover.yaml", "a: 1\n");
  dir_.write("other.yaml", "b: 1\n");
  watch();
  write_in_place(dir_.file("other.yaml"), "b: 2\n");
  write_atomic(dir_.file("other.yaml"), "b: 3\n");
  write_in_place(dir_.file("cutover.yaml.bak"), "x\n");
  fs::remove(dir_.file("cutover.yaml.bak"));
  expect_changes(0);
}

// Changes are by content: rewriting the same bytes, touch and chmod reload nothing.
TEST_F(FileWatchEdit, IdenticalContentTouchAndChmodGiveNone) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch();
  write_in_place(config(), "a: 1\n");
  write_atomic(config(), "a: 1\n");
  fs::last_write_time(config(), fs::file_time_type::clock::now());
  fs::permissions(config(), fs::perms::owner_read | fs::perms::owner_write);
  expect_changes(0);
}

TEST_F(FileWatchEdit, DeletedThenRecreatedCallsBackWhenItReappears) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch();
  fs::remove(config());
  pump(kSettle);
  EXPECT_EQ(changes_, 0) << "a missing file is not a change";
  const auto missing_logs = logs_.size();
  EXPECT_GE(missing_logs, 1u);
  write_in_place(dir_.file("other.yaml"), "noise\n");  // events while missing: still quiet
  pump(kSettle);
  EXPECT_EQ(logs_.size(), missing_logs) << "the missing file is reported once";
  write_in_place(config(), "a: 2\n");
  expect_changes(1);
}

TEST_F(FileWatchEdit, RecreatedWithTheSameContentGivesNone) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch();
  fs::remove(config());
  pump(kSettle);
  write_in_place(config(), "a: 1\n");
  expect_changes(0);
}

TEST_F(FileWatchEdit, MissingAtStartCallsBackWhenItAppears) {
  watch();
  EXPECT_TRUE(watch_->running());
  dir_.write("cutover.yaml", "a: 1\n");
  expect_changes(1);
}

TEST_F(FileWatchEdit, AddedFileChangesCallBack) {
  dir_.write("cutover.yaml", "a: 1\n");
  dir_.write("keys/jwt.pem", "key 1\n");
  watch();
  ASSERT_FALSE(watch_->add(dir_.file("keys/jwt.pem")));
  write_atomic(dir_.file("keys/jwt.pem"), "key 2\n");
  expect_changes(1);
  write_in_place(config(), "a: 2\n");
  expect_changes(2);
}

TEST_F(FileWatchEdit, FileAddedBeforeStartIsWatched) {
  dir_.write("cutover.yaml", "a: 1\n");
  dir_.write("hmac.key", "k1");
  watch_ = std::make_unique<FileWatch>(io_.get_executor(), config(), [this] { ++changes_; }, kDebounce,
                                       [](std::string_view) {});
  ASSERT_FALSE(watch_->add(dir_.file("hmac.key")));
  ASSERT_FALSE(watch_->start());
  write_in_place(dir_.file("hmac.key"), "k2");
  expect_changes(1);
}

// A stream of writes that never goes quiet for a whole interval is still checked (the debounce
// is capped), instead of waiting for the writer to stop.
TEST_F(FileWatchEdit, NeverQuietWriterIsStillChecked) {
  dir_.write("cutover.yaml", "a: 0\n");
  watch();
  const auto end = std::chrono::steady_clock::now() + 20 * kDebounce;
  for (int i = 1; std::chrono::steady_clock::now() < end; ++i) {
    write_in_place(config(), "a: " + std::to_string(i) + "\n");
    pump(kDebounce / 5);
  }
  EXPECT_GE(changes_, 1);
}

}  // namespace
}  // namespace cutover::reload::test
