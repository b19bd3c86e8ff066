// Paths that are symlinks: Kubernetes ConfigMap mounts and hand-made links elsewhere.
#include "watch_fixture.hpp"

#include <algorithm>

namespace cutover::reload::test {
namespace {

// What the kubelet does on every ConfigMap update (atomic_writer.go): a new timestamped
// directory, a temp symlink `..data_tmp` to it renamed over `..data`, the old directory removed.
class ConfigMapMount {
 public:
  explicit ConfigMapMount(fs::path dir) : dir_(std::move(dir)) {}

  void publish(std::string_view content) {
    const std::string stamp = "..2026_11_21_13_37_0" + std::to_string(generation_++);
    fs::create_directory(dir_ / stamp);
    write_in_place(dir_ / stamp / "cutover.yaml", content);
    fs::create_symlink(stamp, dir_ / "..data_tmp");
    fs::rename(dir_ / "..data_tmp", dir_ / "..data");
    if (!current_.empty()) fs::remove_all(dir_ / current_);
    if (!fs::is_symlink(dir_ / "cutover.yaml")) fs::create_symlink("..data/cutover.yaml", dir_ / "cutover.yaml");
    current_ = stamp;
  }
  const std::string& current() const { return current_; }

 private:
  fs::path dir_;
  std::string current_;
  int generation_ = 0;
};

bool contains(const std::vector<fs::path>& dirs, const fs::path& dir) {
  return std::find(dirs.begin(), dirs.end(), dir) != dirs.end();
}

using FileWatchLink = WatchTest;

TEST_F(FileWatchLink, ConfigMapSymlinkSwapCallsBackOncePerUpdate) {
  ConfigMapMount mount(dir_.path());
  mount.publish("a: 1\n");
  watch();
  const fs::path real = fs::canonical(dir_.path());
  EXPECT_TRUE(contains(watch_->watched_directories(), real / mount.current()));

  for (int update = 1; update <= 3; ++update) {
    const std::string old = mount.current();
    mount.publish("a: " + std::to_string(update + 1) + "\n");
    expect_changes(update);
    // The watches follow the swap: the new data directory in, the deleted one out.
    const auto dirs = watch_->watched_directories();
    EXPECT_TRUE(contains(dirs, real / mount.current()));
    EXPECT_FALSE(contains(dirs, real / old));
    EXPECT_EQ(dirs.size(), 2u);
  }
}

TEST_F(FileWatchLink, ConfigMapUpdateOfAnotherKeyGivesNone) {
  ConfigMapMount mount(dir_.path());
  mount.publish("a: 1\n");
  watch();
  mount.publish("a: 1\n");  // same text for our key: the ConfigMap changed elsewhere
  expect_changes(0);
}

TEST_F(FileWatchLink, AbsoluteLinkToAnotherDirectoryFollowsTheTarget) {
  cutover::test::TempDir elsewhere("target");
  elsewhere.write("real.yaml", "a: 1\n");
  elsewhere.write("next.yaml", "a: 2\n");
  fs::create_symlink(elsewhere.file("real.yaml"), config());
  watch();

  write_in_place(elsewhere.file("real.yaml"), "a: 3\n");  // the target edited in place
  expect_changes(1);

  fs::create_symlink(elsewhere.file("next.yaml"), dir_.file("link.tmp"));  // the link swapped
  fs::rename(dir_.file("link.tmp"), config());
  expect_changes(2);

  write_in_place(elsewhere.file("real.yaml"), "a: 4\n");  // the old target no longer matters
  expect_changes(2);
}

TEST_F(FileWatchLink, DanglingLinkCallsBackWhenItsTargetAppears) {
  fs::create_symlink("data/cutover.yaml", config());
  watch();
  fs::create_directory(dir_.file("data"));  // the directory first, the file after a pause
  pump(kSettle);
  EXPECT_EQ(changes_, 0);
  write_in_place(dir_.file("data/cutover.yaml"), "a: 1\n");
  expect_changes(1);
}

}  // namespace
}  // namespace cutover::reload::test
