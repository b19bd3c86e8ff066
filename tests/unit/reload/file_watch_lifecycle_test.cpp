// Errors are returned, stop() and destruction are clean whatever is pending.
#include "watch_fixture.hpp"

namespace cutover::reload::test {
namespace {

using FileWatchLifecycle = WatchTest;

TEST_F(FileWatchLifecycle, MissingDirectoryIsAnErrorNotACrash) {
  FileWatch watch(io_.get_executor(), dir_.file("no/such/dir/cutover.yaml"), [this] { ++changes_; },
                  kDebounce, [](std::string_view) {});
  EXPECT_EQ(watch.start(), std::make_error_code(std::errc::no_such_file_or_directory));
  EXPECT_FALSE(watch.running());
  EXPECT_TRUE(watch.watched_directories().empty());
  pump(kDebounce);
}

TEST_F(FileWatchLifecycle, PathThatIsADirectoryIsAnError) {
  FileWatch watch(io_.get_executor(), dir_.path() / "", [] {}, kDebounce, [](std::string_view) {});
  EXPECT_TRUE(watch.start());
}

TEST_F(FileWatchLifecycle, AddWithAMissingDirectoryFailsAndKeepsWatching) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch();
  EXPECT_EQ(watch_->add(dir_.file("gone/key.pem")), std::make_error_code(std::errc::no_such_file_or_directory));
  EXPECT_TRUE(watch_->running());
  write_atomic(config(), "a: 2\n");
  expect_changes(1);
}

TEST_F(FileWatchLifecycle, StopCancelsAPendingCallback) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch();
  write_in_place(config(), "a: 2\n");
  pump(kDebounce / 5);  // the event is read and the debounce timer armed
  watch_->stop();
  EXPECT_FALSE(watch_->running());
  EXPECT_TRUE(watch_->watched_directories().empty());
  write_in_place(config(), "a: 3\n");
  pump(kSettle);
  EXPECT_EQ(changes_, 0);
  EXPECT_EQ(watch_->start(), std::make_error_code(std::errc::operation_not_permitted));
}

TEST_F(FileWatchLifecycle, DestructionWithPendingOperationsIsSafe) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch();
  write_in_place(config(), "a: 2\n");
  pump(kDebounce / 5);
  watch_.reset();  // a read and a timer wait are pending
  write_in_place(config(), "a: 3\n");
  pump(kSettle);
  EXPECT_EQ(changes_, 0);
}

TEST_F(FileWatchLifecycle, DestructionBeforeTheLoopEverRanIsSafe) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch();
  watch_.reset();
  pump(kDebounce);
  EXPECT_EQ(changes_, 0);
}

// The gateway's shutdown order: the watch goes, then the io_context, which never runs again.
TEST_F(FileWatchLifecycle, IoContextDestroyedWithAbortedHandlersQueuedIsSafe) {
  dir_.write("cutover.yaml", "a: 1\n");
  auto io = std::make_unique<boost::asio::io_context>();
  auto watch = std::make_unique<FileWatch>(io->get_executor(), config(), [this] { ++changes_; }, kDebounce,
                                           [](std::string_view) {});
  ASSERT_FALSE(watch->start());
  write_in_place(config(), "a: 2\n");
  io->run_for(kDebounce / 5);
  watch.reset();
  io.reset();
  EXPECT_EQ(changes_, 0);
}

TEST_F(FileWatchLifecycle, CallbackMayDestroyTheWatch) {
  dir_.write("cutover.yaml", "a: 1\n");
  watch_ = std::make_unique<FileWatch>(
      io_.get_executor(), config(),
      [this] {
        ++changes_;
        watch_.reset();
      },
      kDebounce, [](std::string_view) {});
  ASSERT_FALSE(watch_->start());
  write_in_place(config(), "a: 2\n");
  EXPECT_TRUE(wait_for_changes(1));
  EXPECT_EQ(watch_, nullptr);
  write_in_place(config(), "a: 3\n");
  pump(kSettle);
  EXPECT_EQ(changes_, 1);
}

TEST_F(FileWatchLifecycle, WatchedDirectoryRemovedIsLoggedNotFatal) {
  cutover::test::TempDir sub("sub");
  const fs::path inner = sub.path() / "conf";
  fs::create_directory(inner);
  write_in_place(inner / "cutover.yaml", "a: 1\n");
  watch(inner / "cutover.yaml");
  fs::remove_all(inner);
  pump(kSettle);
  EXPECT_EQ(changes_, 0);
  EXPECT_FALSE(logs_.empty());
  EXPECT_TRUE(watch_->watched_directories().empty());
}

TEST_F(FileWatchLifecycle, DefaultDebounceIsAQuarterSecond) {
  EXPECT_EQ(FileWatch::kDefaultDebounce, std::chrono::milliseconds(250));
}

}  // namespace
}  // namespace cutover::reload::test
