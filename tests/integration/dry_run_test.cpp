// POST /admin/reload?dry_run=1 says what a reload would do before it happens: which routes
// change and what share of users moves between which backends. It changes nothing; the real
// reload that follows moves the share of 2000 real users it predicted, and only from legacy to
// new (DESIGN.md invariant 1). A broken file gets 422 with file:line and changes nothing either.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr int kUsers = 2000;

class DryRun : public ::testing::Test {
 protected:
  void SetUp() override {
    legacy_ = Upstream::start("legacy", 2);
    new_ = Upstream::start("new", 2);
    gateway_ = std::make_unique<Gateway>();
    secret_ = gateway_->write_file("hs256.key", kJwtSecret);
    gateway_->write_config(config("new: 10"));
    gateway_->start();
    admin_ = gateway_->admin_port();
  }

  std::string config(const std::string& split) const {
    return yaml_prologue() + "identity:\n  jwt: { hs256_secret_file: " + secret_.string() + " }\n" +
           "backends:\n"
           "  legacy: { endpoints: [" + legacy_->address() + "] }\n"
           "  new: { endpoints: [" + new_->address() + "] }\n"
           "routes:\n"
           "  - id: notes\n"
           "    match: { prefix: /api/notes }\n"
           "    split: { " + split + " }\n"
           "    rollback_to: legacy\n"
           "    sticky: user\n"
           "  - id: default\n"
           "    match: { prefix: / }\n"
           "    backend: legacy\n";
  }

  static std::vector<Headers> users(int n) {
    std::vector<Headers> out;
    for (int i = 0; i < n; ++i) out.push_back({{"Authorization", "Bearer " + hs256_user_token("dry-user-" + std::to_string(i))}});
    return out;
  }

  nlohmann::json status() { return json_body(admin_call(admin_, "GET", "/admin/status")); }

  std::map<std::string, double> effective_notes_split() {
    return split_percents(json_body(admin_call(admin_, "GET", "/admin/routes/notes"))["effective_split"]);
  }

  std::unique_ptr<Upstream> legacy_;
  std::unique_ptr<Upstream> new_;
  std::unique_ptr<Gateway> gateway_;
  std::filesystem::path secret_;
  std::uint16_t admin_ = 0;
};

TEST_F(DryRun, PredictsTheShareOfUsersMovedAndTheRealReloadMovesThatShare) {
  const auto headers = users(kUsers);
  const auto before = served_by_each(gateway_->port(), headers, "/api/notes/1");
  for (const auto& b : before) ASSERT_THAT(b, ::testing::AnyOf("legacy", "new"));
  auto status_before = status();
  ASSERT_TRUE(status_before.is_object());

  gateway_->write_config(config("new: 35"));
  const auto dry = admin_call(admin_, "POST", "/admin/reload?dry_run=1");
  ASSERT_EQ(dry.status, 200) << dry.body;
  auto report = json_body(dry);
  ASSERT_TRUE(report.is_object()) << dry.body;
  EXPECT_EQ(report.value("dry_run", false), true);
  EXPECT_EQ(report.value("valid", false), true);
  EXPECT_EQ(report.value("changed_routes", -1), 1) << dry.body;
  ASSERT_TRUE(report["config_hash"].is_string()) << dry.body;
  EXPECT_NE(report["config_hash"], status_before["config_hash"]) << "the dry run's hash is the new file's";

  auto notes = find_by_id(report["routes"], "notes");
  ASSERT_TRUE(notes.is_object()) << dry.body;
  EXPECT_EQ(notes.value("change", ""), "changed");
  EXPECT_EQ(notes.value("exact", false), true);
  ASSERT_TRUE(notes["moved_percent"].is_number()) << notes.dump(2);
  EXPECT_DOUBLE_EQ(notes["moved_percent"].get<double>(), 25.0) << notes.dump(2);
  ASSERT_TRUE(notes["moves"].is_array()) << notes.dump(2);
  ASSERT_EQ(notes["moves"].size(), 1u) << notes.dump(2);
  EXPECT_EQ(notes["moves"][0].value("from", ""), "legacy");
  EXPECT_EQ(notes["moves"][0].value("to", ""), "new");
  EXPECT_DOUBLE_EQ(notes["moves"][0].value("percent", -1.0), 25.0);
  EXPECT_EQ(split_percents(notes["before"]), (std::map<std::string, double>{{"new", 10.0}, {"legacy", 90.0}}))
      << notes.dump(2);
  EXPECT_EQ(split_percents(notes["after"]), (std::map<std::string, double>{{"new", 35.0}, {"legacy", 65.0}}))
      << notes.dump(2);
  auto unchanged = find_by_id(report["routes"], "default");
  ASSERT_TRUE(unchanged.is_object()) << dry.body;
  EXPECT_EQ(unchanged.value("change", ""), "unchanged");
  EXPECT_EQ(unchanged.value("moved_percent", -1.0), 0.0);

  // Nothing changed: same split, hash, generation and last reload; users stay put.
  EXPECT_EQ(effective_notes_split(), (std::map<std::string, double>{{"new", 10.0}, {"legacy", 90.0}}));
  auto status_after_dry = status();
  EXPECT_EQ(status_after_dry["config_hash"], status_before["config_hash"]);
  EXPECT_EQ(status_after_dry["config_generation"], status_before["config_generation"]);
  EXPECT_EQ(status_after_dry["last_reload"], status_before["last_reload"]);
  const std::vector<Headers> sample(headers.begin(), headers.begin() + 200);
  EXPECT_EQ(served_by_each(gateway_->port(), sample, "/api/notes/2"),
            std::vector<std::string>(before.begin(), before.begin() + 200))
      << "a dry run moved users";

  // The real reload moves what the dry run said.
  const auto real = admin_call(admin_, "POST", "/admin/reload");
  ASSERT_EQ(real.status, 200) << real.body;
  EXPECT_EQ(effective_notes_split(), (std::map<std::string, double>{{"new", 35.0}, {"legacy", 65.0}}));
  const auto after = served_by_each(gateway_->port(), headers, "/api/notes/3");
  int moved = 0;
  int moved_back = 0;
  int on_new = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    ASSERT_THAT(after[i], ::testing::AnyOf("legacy", "new")) << i;
    moved += before[i] == "legacy" && after[i] == "new";
    moved_back += before[i] == "new" && after[i] == "legacy";
    on_new += after[i] == "new";
  }
  EXPECT_EQ(moved_back, 0) << "users moved from new back to legacy";
  EXPECT_NEAR(100.0 * moved / kUsers, notes["moved_percent"].get<double>(), 3.0);
  EXPECT_NEAR(100.0 * on_new / kUsers, 35.0, 3.0);
}

TEST_F(DryRun, ABrokenFileIs422WithFileLineAndChangesNothing) {
  auto status_before = status();
  ASSERT_TRUE(status_before.is_object());
  const std::string path = gateway_->config_path().string();
  struct Broken {
    std::string name, yaml, mentions;
  };
  const std::vector<Broken> cases{
      {"unknown backend", config("newer: 35"), "newer"},
      {"percentage over 100", config("new: 135"), "new"},
      {"YAML syntax", config("new: 35") + "routes: [\n", ""},
  };
  for (const auto& c : cases) {
    gateway_->write_config(c.yaml);
    const auto r = admin_call(admin_, "POST", "/admin/reload?dry_run=1");
    EXPECT_EQ(r.status, 422) << c.name << ": " << r.body;
    auto body = json_body(r);
    ASSERT_TRUE(body.is_object()) << c.name << ": " << r.body;
    EXPECT_EQ(body.value("dry_run", false), true) << c.name;
    EXPECT_EQ(body.value("valid", true), false) << c.name;
    ASSERT_TRUE(body["error"].is_string()) << c.name << ": " << r.body;
    const auto error = body["error"].get<std::string>();
    EXPECT_TRUE(error.find(path + ":") != std::string::npos &&
                std::isdigit(static_cast<unsigned char>(error[error.find(path + ":") + path.size() + 1])))
        << c.name << ": no " << path << ":LINE in " << error;
    EXPECT_THAT(error, HasSubstr(c.mentions)) << c.name;
  }
  // Nothing changed, not even the last reload's verdict: a dry run is not a reload.
  auto status_after = status();
  EXPECT_EQ(status_after["config_hash"], status_before["config_hash"]);
  EXPECT_EQ(status_after["last_reload"], status_before["last_reload"]);
  EXPECT_EQ(status_after["reload_failures"], status_before["reload_failures"]);
  EXPECT_EQ(effective_notes_split(), (std::map<std::string, double>{{"new", 10.0}, {"legacy", 90.0}}));
  EXPECT_EQ(http_get(gateway_->port(), "/api/notes/1").status, 200);
}

}  // namespace
}  // namespace cutover::test
