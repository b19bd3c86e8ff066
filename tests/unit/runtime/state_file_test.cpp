// The state file survives restarts, is replaced atomically, and a damaged file is a clear error
// rather than a silent "no overrides" (invariant 4: a rollback must not vanish).
#include <sys/resource.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cutover/runtime/state_file.hpp"
#include "overrides_fixture.hpp"

namespace cutover::runtime {
namespace {

namespace fs = std::filesystem;
using namespace test;

class StateFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "cutover-state-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "cutover-state.json").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
  std::string read() const {
    std::ostringstream text;
    text << std::ifstream(path_, std::ios::binary).rdbuf();
    return text.str();
  }
  std::string load_error() const {
    try {
      load_state_file(path_);
    } catch (const StateFileError& error) {
      return error.what();
    }
    return "loaded";
  }
  std::size_t files_in_dir() const {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }

  static OverrideSet sample() {
    const auto config = standard_config();
    OverrideSet set;
    set.routes["notes"] = make_split_override(route_of(config, "notes"), {{"notes-svc", 1234}},
                                              "alice", "p99 fine \"quoted\" ünïcode", 1763728358);
    set.routes["search"] = make_split_override(
        route_of(config, "search"), {{"search-svc", 1}, {"static-svc", 9999}}, "", "", 0);
    set.routes["migrated"] = make_rollback_override(route_of(config, "migrated"), "bob", "5xx", -5);
    return set;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(StateFile, MissingFileIsNoOverrides) { EXPECT_EQ(load_state_file(path_), OverrideSet{}); }

TEST_F(StateFile, AFileFromBeforeReasonWasRenamedStillLoadsItsWhy) {
  save_state_file(path_, sample());
  std::string text = read();
  ASSERT_NE(text.find("\"reason\""), std::string::npos) << text;
  for (std::size_t at; (at = text.find("\"reason\"")) != std::string::npos;) text.replace(at, 8, "\"why\"");
  write(text);
  EXPECT_EQ(load_state_file(path_), sample());
}

TEST_F(StateFile, SurvivesARestart) {
  const auto saved = sample();
  save_state_file(path_, saved);
  const OverrideSet loaded = load_state_file(path_);  // a fresh object, as after a restart
  EXPECT_EQ(loaded, saved);
  // Replacing works the same way, and leaves no temp file behind.
  OverrideSet smaller = saved;
  smaller.routes.erase("search");
  save_state_file(path_, smaller);
  EXPECT_EQ(load_state_file(path_), smaller);
  EXPECT_EQ(files_in_dir(), 1u);
  EXPECT_EQ(fs::status(path_).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
}

TEST_F(StateFile, FormatIsVersionedReadableJson) {
  save_state_file(path_, sample());
  const auto json = nlohmann::json::parse(read());
  EXPECT_EQ(json["version"], 1);
  EXPECT_EQ(json["overrides"]["notes"]["split"]["notes-svc"], 12.34);
  EXPECT_EQ(json["overrides"]["search"]["split"]["static-svc"], 99.99);
  EXPECT_EQ(json["overrides"]["migrated"]["kind"], "rollback");
  EXPECT_EQ(json["overrides"]["migrated"]["rollback_to"], "legacy");
  save_state_file(path_, {});
  EXPECT_EQ(read(), "{\n  \"overrides\": {},\n  \"version\": 1\n}\n");
}

TEST_F(StateFile, FailedWriteLeavesTheOldFileIntact) {
  const auto old = sample();
  save_state_file(path_, old);
  const std::string before = read();
  OverrideSet big = old;
  big.routes["notes"].why = std::string(100000, 'x');
  // Root ignores permissions, so make the write itself fail: a file size limit below the new
  // file's size gives EFBIG half way (SIGXFSZ ignored so it is an error, not a kill).
  rlimit saved_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved_limit), 0);
  const auto saved_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string error;
  try {
    save_state_file(path_, big);
  } catch (const StateFileError& e) {
    error = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved_limit);
  std::signal(SIGXFSZ, saved_handler);
  EXPECT_NE(error.find("cannot save state file " + path_ + ": cannot write"), std::string::npos)
      << error;
  EXPECT_NE(error.find("File too large"), std::string::npos) << error;
  EXPECT_EQ(read(), before);
  EXPECT_EQ(load_state_file(path_), old);
  EXPECT_EQ(files_in_dir(), 1u);  // the temp file is gone
}

TEST_F(StateFile, MissingDirectoryNamesThePath) {
  const std::string path = (dir_ / "no-such-dir" / "state.json").string();
  try {
    save_state_file(path, sample());
    FAIL() << "saved into a missing directory";
  } catch (const StateFileError& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot save state file " + path + ": cannot create a temp file in " +
                  (dir_ / "no-such-dir").string() + ": No such file or directory");
  }
}

TEST_F(StateFile, ProblemIsReportedBeforeAnySaveIsTried) {
  EXPECT_EQ(state_file_problem(path_), std::nullopt) << "a writable directory, no file yet";
  const std::string missing = (dir_ / "no-such-dir" / "state.json").string();
  const auto problem = state_file_problem(missing);
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find((dir_ / "no-such-dir").string()), std::string::npos) << *problem;
  EXPECT_NE(problem->find("No such file or directory"), std::string::npos) << *problem;
}

TEST_F(StateFile, RenameOntoADirectoryFailsAndCleansUp) {
  fs::create_directory(path_);
  fs::create_directory(fs::path(path_) / "keep");
  try {
    save_state_file(path_, sample());
    ADD_FAILURE() << "renamed over a directory";
  } catch (const StateFileError& error) {
    EXPECT_EQ(std::string(error.what()), "cannot save state file " + path_ +
                                             ": cannot rename over " + path_ + ": Is a directory");
  }
  EXPECT_TRUE(fs::is_directory(fs::path(path_) / "keep"));
  EXPECT_EQ(files_in_dir(), 1u);
  EXPECT_NE(load_error().find("cannot read state file " + path_), std::string::npos);
}

TEST_F(StateFile, CorruptJsonIsAClearError) {
  save_state_file(path_, sample());
  const std::string full = read();
  write(full.substr(0, full.size() / 2));  // torn by something other than us
  EXPECT_EQ(load_error(),
            "state file " + path_ +
                " is not valid JSON (fix it, or delete it to start without overrides)");
  write("");
  EXPECT_EQ(load_error(),
            "state file " + path_ +
                " is not valid JSON (fix it, or delete it to start without overrides)");
}

TEST_F(StateFile, UnknownVersionIsRefused) {
  write(R"({"version": 2, "overrides": {}})");
  EXPECT_EQ(load_error(), "state file " + path_ +
                              ": version 2 is not one this cutover reads (1); it was written by "
                              "another release (fix it, or delete it to start without overrides)");
  write(R"({"overrides": {}})");
  EXPECT_NE(load_error().find("the file: missing 'version'"), std::string::npos);
  write(R"({"version": "1", "overrides": {}})");
  EXPECT_NE(load_error().find("'version' has the wrong type (string)"), std::string::npos);
}

TEST_F(StateFile, BadFieldsNameTheRouteAndField) {
  auto expect = [&](const std::string& overrides, const std::string& message) {
    write(R"({"version": 1, "overrides": )" + overrides + "}");
    EXPECT_NE(load_error().find(message), std::string::npos) << load_error();
  };
  expect(R"({"notes": {"kind": "pause"}})",
         "route 'notes': override: 'kind' must be \"split\" or \"rollback\", not \"pause\"");
  expect(R"({"notes": {"kind": "split", "split": {"notes-svc": 12.345}}})",
         "route 'notes': override: split share of 'notes-svc' must be a percentage from 0 to 100 "
         "in steps of 0.01, not 12.345");
  expect(R"({"notes": {"kind": "rollback"}})", "route 'notes': override: missing 'rollback_to'");
  expect(R"({"notes": {"kind": "rollback", "rollback_to": ""}})", "'rollback_to' is empty");
  expect(R"({"notes": {"kind": "split", "split": [1]}})", "'split' has the wrong type (array)");
  expect(R"({"notes": {"kind": "rollback", "rollback_to": "legacy", "at_unix": 1.5}})",
         "'at_unix' has the wrong type (number)");
  expect(R"({"notes": 7})", "route 'notes': override must be an object");
  expect(R"([])", "'overrides' has the wrong type (array)");
}

TEST_F(StateFile, InvalidUtf8InWhyIsReplacedNotFatal) {
  OverrideSet set = sample();
  set.routes["notes"].who = "bad\xff byte";
  ASSERT_NO_THROW(save_state_file(path_, set));
  EXPECT_EQ(load_state_file(path_).find("notes")->who, "bad\xef\xbf\xbd byte");  // U+FFFD
}

TEST_F(StateFile, OptionalFieldsDefault) {
  write(R"({"version": 1, "overrides": {"notes": {"kind": "rollback", "rollback_to": "legacy"}}})");
  const auto set = load_state_file(path_);
  ASSERT_NE(set.find("notes"), nullptr);
  EXPECT_EQ(set.find("notes")->rollback_to, "legacy");
  EXPECT_EQ(set.find("notes")->at_unix, 0);
  EXPECT_EQ(set.find("notes")->who, "");
}

}  // namespace
}  // namespace cutover::runtime
