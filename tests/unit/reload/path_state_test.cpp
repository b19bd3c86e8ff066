// resolve_chain and fingerprint_file on real directories: what the watcher decides from.
#include "reload/path_state.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace cutover::reload {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

class PathStateTest : public ::testing::Test {
 protected:
  cutover::test::TempDir tmp_{"chain"};
  fs::path dir_ = fs::canonical(tmp_.path());
};

TEST_F(PathStateTest, PlainFileIsItsOwnEntry) {
  write(dir_ / "cutover.yaml", "a: 1\n");
  const LinkChain chain = resolve_chain(dir_ / "cutover.yaml");
  EXPECT_EQ(chain.entries, (std::vector<ChainEntry>{{dir_, "cutover.yaml"}}));
  EXPECT_EQ(chain.target, dir_ / "cutover.yaml");
  EXPECT_FALSE(chain.error);
}

TEST_F(PathStateTest, MissingFileKeepsItsEntry) {
  const LinkChain chain = resolve_chain(dir_ / "cutover.yaml");
  EXPECT_EQ(chain.entries, (std::vector<ChainEntry>{{dir_, "cutover.yaml"}}));
  EXPECT_FALSE(chain.target);
  EXPECT_EQ(chain.error, std::errc::no_such_file_or_directory);
}

TEST_F(PathStateTest, MissingDirectoryHasNoEntries) {
  const LinkChain chain = resolve_chain(dir_ / "nope" / "cutover.yaml");
  EXPECT_TRUE(chain.entries.empty());
  EXPECT_TRUE(chain.error);
}

TEST_F(PathStateTest, ConfigMapLayoutWalksEveryLink) {
  fs::create_directory(dir_ / "..2026_11_21");
  write(dir_ / "..2026_11_21" / "cutover.yaml", "a: 1\n");
  fs::create_symlink("..2026_11_21", dir_ / "..data");
  fs::create_symlink("..data/cutover.yaml", dir_ / "cutover.yaml");
  const LinkChain chain = resolve_chain(dir_ / "cutover.yaml");
  const std::vector<ChainEntry> expected{{dir_, "cutover.yaml"},
                                         {dir_, "..data"},
                                         {dir_, "..2026_11_21"},
                                         {dir_ / "..2026_11_21", "cutover.yaml"}};
  EXPECT_EQ(chain.entries, expected);
  EXPECT_EQ(chain.target, dir_ / "..2026_11_21" / "cutover.yaml");
}

TEST_F(PathStateTest, DotDotInALinkIsPhysical) {
  fs::create_directories(dir_ / "a" / "b");
  write(dir_ / "a" / "conf.yaml", "x");
  fs::create_symlink("a/b", dir_ / "sub");
  fs::create_symlink("sub/../conf.yaml", dir_ / "cutover.yaml");  // sub/.. is a, not dir_
  EXPECT_EQ(resolve_chain(dir_ / "cutover.yaml").target, dir_ / "a" / "conf.yaml");
}

TEST_F(PathStateTest, AbsoluteLinkTracksOnlyItsLastEntry) {
  fs::create_directory(dir_ / "elsewhere");
  write(dir_ / "elsewhere" / "real.yaml", "a: 1\n");
  fs::create_symlink(dir_ / "elsewhere" / "real.yaml", dir_ / "cutover.yaml");
  const LinkChain chain = resolve_chain(dir_ / "cutover.yaml");
  const std::vector<ChainEntry> expected{{dir_, "cutover.yaml"}, {dir_ / "elsewhere", "real.yaml"}};
  EXPECT_EQ(chain.entries, expected);
  EXPECT_EQ(chain.target, dir_ / "elsewhere" / "real.yaml");
}

TEST_F(PathStateTest, DanglingLinkEndsAtTheMissingEntry) {
  fs::create_symlink("data/cutover.yaml", dir_ / "cutover.yaml");
  const LinkChain chain = resolve_chain(dir_ / "cutover.yaml");
  const std::vector<ChainEntry> expected{{dir_, "cutover.yaml"}, {dir_, "data"}};
  EXPECT_EQ(chain.entries, expected);
  EXPECT_FALSE(chain.target);
}

TEST_F(PathStateTest, LinkLoopIsAnErrorNotAHang) {
  fs::create_symlink("b", dir_ / "a");
  fs::create_symlink("a", dir_ / "b");
  const LinkChain chain = resolve_chain(dir_ / "a");
  EXPECT_FALSE(chain.target);
  EXPECT_EQ(chain.error, std::errc::too_many_symbolic_link_levels);
}

TEST_F(PathStateTest, RelativePathIsResolvedFromTheWorkingDirectory) {
  write(dir_ / "cutover.yaml", "a: 1\n");
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  const LinkChain chain = resolve_chain("cutover.yaml");
  fs::current_path(cwd);
  EXPECT_EQ(chain.target, dir_ / "cutover.yaml");
}

TEST_F(PathStateTest, FingerprintFollowsContentOnly) {
  write(dir_ / "a.yaml", "same\n");
  write(dir_ / "b.yaml", "same\n");
  write(dir_ / "c.yaml", "other\n");
  std::error_code ec;
  const auto a = fingerprint_file(dir_ / "a.yaml", ec);
  ASSERT_TRUE(a) << ec.message();
  EXPECT_EQ(a->size, 5u);
  EXPECT_EQ(fingerprint_file(dir_ / "b.yaml", ec), a);
  EXPECT_NE(fingerprint_file(dir_ / "c.yaml", ec), a);
  write(dir_ / "empty", "");
  EXPECT_NE(fingerprint_file(dir_ / "empty", ec), std::nullopt);
}

TEST_F(PathStateTest, FingerprintRefusesWhatIsNotARegularFile) {
  std::error_code ec;
  EXPECT_FALSE(fingerprint_file(dir_ / "missing", ec));
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
  EXPECT_FALSE(fingerprint_file(dir_, ec));
  EXPECT_EQ(ec, std::errc::is_a_directory);
  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  EXPECT_FALSE(fingerprint_file(dir_ / "fifo", ec));  // returns at once, no writer needed
  EXPECT_EQ(ec, std::errc::invalid_argument);
}

}  // namespace
}  // namespace cutover::reload
