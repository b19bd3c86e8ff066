// admin: and watch: at the top level.
#include "unit/config/config_fixture.hpp"

#include "support/temp_dir.hpp"

namespace cutover::config::test {
namespace {

TEST(ConfigAdmin, DefaultsToLoopbackWithoutATokenAndNoWatch) {
  auto parsed = parse(kBase);
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  EXPECT_TRUE(parsed.config.admin.enabled);
  EXPECT_EQ(parsed.config.admin.listen.to_string(), "127.0.0.1:9901");
  EXPECT_TRUE(parsed.config.admin.token.empty());
  EXPECT_FALSE(parsed.config.watch);
}

TEST(ConfigAdmin, ListenCanMoveOrBeOff) {
  auto moved = parse(std::string("admin: { listen: '[::1]:9999' }\nwatch: true\n") + kBase);
  ASSERT_TRUE(moved.errors().empty()) << dump(moved.errors());
  EXPECT_EQ(moved.config.admin.listen.host, "::1");
  EXPECT_EQ(moved.config.admin.listen.port, 9999);
  EXPECT_TRUE(moved.config.watch);
  auto off = parse(std::string("admin: { listen: off }\n") + kBase);
  ASSERT_TRUE(off.errors().empty()) << dump(off.errors());
  EXPECT_FALSE(off.config.admin.enabled);
}

TEST(ConfigAdmin, BadValuesAreLocated) {
  expect_error(std::string("admin:\n  listen: nowhere\n") + kBase, 2, {"'admin.listen' must be host:port", "or off"});
  expect_error(std::string("admin:\n  tokn_file: x\n") + kBase, 2, {"unknown key 'tokn_file'", "did you mean 'token_file'"});
  expect_error(std::string("watch: maybe\n") + kBase, 1, {"'watch' must be true or false"});
}

TEST(ConfigAdmin, TokenFileIsReadRelativeToTheConfigAndTrimmed) {
  cutover::test::TempDir dir("admin");
  dir.write("etc/admin-token", "s3cret-token\n");
  const std::string file = (dir.path() / "etc" / "gw.yaml").string();
  auto parsed = parse(std::string("admin: { token_file: admin-token }\n") + kBase, file);
  ASSERT_TRUE(parsed.errors().empty()) << dump(parsed.errors());
  EXPECT_EQ(parsed.config.admin.token, "s3cret-token");

  auto missing = parse(std::string("admin:\n  token_file: nope\n") + kBase, file);
  ASSERT_EQ(missing.errors().size(), 1u) << dump(missing.errors());
  EXPECT_EQ(missing.errors()[0].mark.line, 2);
  EXPECT_THAT(missing.errors()[0].message, ::testing::HasSubstr("cannot read 'admin.token_file'"));

  dir.write("etc/blank-token", "  \n");
  auto blank = parse(std::string("admin:\n  token_file: blank-token\n") + kBase, file);
  ASSERT_EQ(blank.errors().size(), 1u) << dump(blank.errors());
  EXPECT_THAT(blank.errors()[0].message, ::testing::HasSubstr("only whitespace"));
}

TEST(ConfigAdmin, StateFileDefaultsNextToTheConfigAndResolvesRelativePaths) {
  auto defaulted = parse(kBase);
  ASSERT_TRUE(defaulted.errors().empty()) << dump(defaulted.errors());
  EXPECT_EQ(defaulted.config.state_file, "/etc/cutover/cutover-state.json");
  auto relative = parse(with_base("state_file: ../var/overrides.json\n"));
  ASSERT_TRUE(relative.errors().empty()) << dump(relative.errors());
  EXPECT_EQ(relative.config.state_file, "/etc/var/overrides.json");
  auto absolute = parse(with_base("state_file: /var/lib/cutover/state.json\n"));
  ASSERT_TRUE(absolute.errors().empty()) << dump(absolute.errors());
  EXPECT_EQ(absolute.config.state_file, "/var/lib/cutover/state.json");
  expect_error(with_base("state_file: ''\n"), 1, {"'state_file' must be a file path"});
}

}  // namespace
}  // namespace cutover::config::test
