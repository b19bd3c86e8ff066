// Overrides are durable (DESIGN.md invariant 4): a split override or a rollback survives SIGHUP,
// POST /admin/reload and a full restart with the same config directory, through the state file
// (default cutover-state.json next to the config, or `state_file:`). A YAML edit under an
// override leaves it applied but stale; a route removed from the YAML leaves it orphaned; a
// corrupt state file stops start-up with its name; a DELETE is as durable as a PUT.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <set>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr std::string_view kDefaultStateFile = "cutover-state.json";

class Durability : public ::testing::Test {
 protected:
  void SetUp() override {
    legacy_ = Upstream::start("legacy");
    fresh_ = Upstream::start("fresh");
    gateway_ = std::make_unique<Gateway>();
  }

  // `notes` splits /api/notes between fresh (`percent`) and legacy; `default` is legacy.
  std::string config(int percent, const std::string& top = "", bool with_notes = true) const {
    std::string yaml = yaml_prologue(1) + top +
                       "backends:\n"
                       "  legacy: { endpoints: [" + legacy_->address() + "] }\n"
                       "  fresh: { endpoints: [" + fresh_->address() + "] }\n"
                       "routes:\n";
    if (with_notes) {
      yaml += "  - { id: notes, match: { prefix: /api/notes }, split: { fresh: " + std::to_string(percent) +
              " }, rollback_to: legacy, sticky: none }\n";
    }
    return yaml + "  - { id: default, match: { prefix: / }, backend: legacy }\n";
  }

  void start(const std::string& yaml) {
    gateway_->write_config(yaml);
    gateway_->start();
    admin_ = gateway_->admin_port();
  }

  void restart() {
    ASSERT_EQ(gateway_->stop(), 0) << gateway_->process().output();
    gateway_->start();
    admin_ = gateway_->admin_port();
  }

  // Rewrites the config (unless empty), sends SIGHUP and waits for the "reloaded" verdict.
  void sighup(const std::string& yaml = "") {
    auto& p = gateway_->process();
    const auto mark = p.output_size(Process::Stream::kStderr);
    if (!yaml.empty()) gateway_->write_config(yaml);
    ASSERT_TRUE(p.send_signal(SIGHUP));
    ASSERT_TRUE(p.wait_for_line(std::regex("reloaded"), 10s, Process::Stream::kStderr, mark)) << p.output();
  }

  Response call(const std::string& method, const std::string& target, const std::string& body = "") {
    return admin_call(admin_, method, target, body);
  }

  nlohmann::json route(const std::string& id) {
    const auto r = call("GET", "/admin/routes/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    auto body = json_body(r);
    EXPECT_TRUE(body.is_object() && body.value("id", "") == id && body.contains("override")) << r.body;
    return body;
  }

  // The backends that served 30 GETs of /api/notes/N (sticky none: both when the split is mixed).
  std::set<std::string> notes_backends() {
    std::set<std::string> out;
    HttpConnection c(gateway_->port());
    for (int i = 0; i < 30; ++i) {
      const auto r = c.get("/api/notes/" + std::to_string(i));
      EXPECT_EQ(r.status, 200) << r.error.message();
      out.insert(served_by(r));
    }
    return out;
  }

  std::unique_ptr<Upstream> legacy_;
  std::unique_ptr<Upstream> fresh_;
  std::unique_ptr<Gateway> gateway_;
  std::uint16_t admin_ = 0;
};

using Backends = std::set<std::string>;

TEST_F(Durability, SplitOverrideSurvivesSighupAdminReloadAndRestart) {
  start(config(0));
  ASSERT_EQ(notes_backends(), Backends{"legacy"});
  const auto put = call("PUT", "/admin/routes/notes/split", R"({"split": {"fresh": 100}, "who": "alice", "reason": "ramp"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(notes_backends(), Backends{"fresh"});

  // The state file is where the contract puts it by default, and it is JSON naming the route.
  const auto state_path = gateway_->file(kDefaultStateFile);
  ASSERT_TRUE(std::filesystem::exists(state_path)) << "no state file at " << state_path;
  const auto state = parse_json(gateway_->read_file(kDefaultStateFile));
  ASSERT_TRUE(state) << gateway_->read_file(kDefaultStateFile);
  EXPECT_THAT(state->dump(), HasSubstr("notes"));
  auto status = json_body(call("GET", "/admin/status"));
  EXPECT_EQ(std::filesystem::path(status.value("state_file", "")), state_path) << status.dump();
  EXPECT_EQ(status.value("active_overrides", -1), 1) << status.dump();

  sighup();
  EXPECT_EQ(notes_backends(), Backends{"fresh"}) << "SIGHUP dropped the override";
  const auto reload = call("POST", "/admin/reload");
  ASSERT_EQ(reload.status, 200) << reload.body;
  auto reload_body = json_body(reload);
  ASSERT_TRUE(reload_body.is_object()) << reload.body;
  EXPECT_EQ(reload_body.value("reloaded", false), true) << reload.body;
  EXPECT_TRUE(reload_body["last_reload"].is_object()) << reload.body;
  EXPECT_EQ(notes_backends(), Backends{"fresh"}) << "POST /admin/reload dropped the override";

  restart();
  EXPECT_EQ(notes_backends(), Backends{"fresh"}) << "a restart dropped the override";
  auto notes = route("notes");
  ASSERT_TRUE(notes.is_object() && notes["override"].is_object()) << notes.dump(2);
  EXPECT_EQ(notes["override"].value("kind", ""), "split");
  EXPECT_EQ(notes["override"].value("who", ""), "alice");
  EXPECT_EQ(notes["override"].value("reason", ""), "ramp");
  EXPECT_EQ(notes["override"].value("applied", false), true);
  EXPECT_EQ(notes["override"].value("stale", true), false);
  EXPECT_EQ(split_percents(notes["effective_split"]), (std::map<std::string, double>{{"fresh", 100.0}, {"legacy", 0.0}}));
  EXPECT_EQ(json_body(call("GET", "/admin/status")).value("active_overrides", -1), 1);
}

TEST_F(Durability, RollbackSurvivesRestartInAConfiguredStateFile) {
  std::filesystem::create_directories(gateway_->dir() / "var");
  const std::string top = "state_file: var/overrides.json\n";
  start(config(100, top));
  ASSERT_EQ(notes_backends(), Backends{"fresh"});
  const auto rb = call("POST", "/admin/routes/notes/rollback", R"({"reason": "errors up", "who": "bob"})");
  ASSERT_EQ(rb.status, 200) << rb.body;
  EXPECT_EQ(notes_backends(), Backends{"legacy"});

  const auto configured = gateway_->dir() / "var" / "overrides.json";
  EXPECT_TRUE(std::filesystem::exists(configured)) << "state_file: is relative to the config's directory";
  EXPECT_FALSE(std::filesystem::exists(gateway_->file(kDefaultStateFile))) << "the default path was used anyway";
  EXPECT_TRUE(parse_json(read_text_file(configured))) << read_text_file(configured);
  EXPECT_EQ(std::filesystem::path(json_body(call("GET", "/admin/status")).value("state_file", "")), configured);

  sighup();
  EXPECT_EQ(notes_backends(), Backends{"legacy"}) << "SIGHUP dropped the rollback";
  restart();
  EXPECT_EQ(notes_backends(), Backends{"legacy"}) << "a restart dropped the rollback";
  auto notes = route("notes");
  ASSERT_TRUE(notes.is_object() && notes["override"].is_object()) << notes.dump(2);
  EXPECT_EQ(notes["override"].value("kind", ""), "rollback");
  EXPECT_EQ(notes["override"].value("rollback_to", ""), "legacy");
  EXPECT_EQ(notes["override"].value("reason", ""), "errors up");
  EXPECT_EQ(notes["override"].value("who", ""), "bob");
}

TEST_F(Durability, AnOverrideUnderAnEditedYamlStaysAppliedAndIsMarkedStale) {
  start(config(30));
  ASSERT_EQ(call("PUT", "/admin/routes/notes/split", R"({"fresh": 100})").status, 200);
  EXPECT_FALSE(route("notes")["override"].value("stale", true));

  sighup(config(60));
  EXPECT_EQ(notes_backends(), Backends{"fresh"}) << "the YAML edit replaced the override";
  auto notes = route("notes");
  ASSERT_TRUE(notes.is_object() && notes["override"].is_object()) << notes.dump(2);
  EXPECT_EQ(split_percents(notes["file_split"]), (std::map<std::string, double>{{"fresh", 60.0}, {"legacy", 40.0}}));
  EXPECT_EQ(split_percents(notes["effective_split"]), (std::map<std::string, double>{{"fresh", 100.0}, {"legacy", 0.0}}));
  EXPECT_EQ(notes["override"].value("applied", false), true) << notes.dump(2);
  EXPECT_EQ(notes["override"].value("stale", false), true) << notes.dump(2);
  ASSERT_TRUE(notes["override"].contains("stale_reason") && notes["override"]["stale_reason"].is_string())
      << notes.dump(2);
  EXPECT_FALSE(notes["override"]["stale_reason"].get<std::string>().empty());

  // Still so after a restart.
  restart();
  EXPECT_EQ(notes_backends(), Backends{"fresh"});
  EXPECT_EQ(route("notes")["override"].value("stale", false), true);
}

TEST_F(Durability, AnOverrideOfARemovedRouteIsOrphanedUntilTheRouteReturnsOrItIsDeleted) {
  start(config(0));
  ASSERT_EQ(call("PUT", "/admin/routes/notes/split", R"({"fresh": 100})").status, 200);

  gateway_->write_config(config(0, "", /*with_notes=*/false));
  const auto reload = call("POST", "/admin/reload");
  ASSERT_EQ(reload.status, 200) << reload.body;
  EXPECT_EQ(notes_backends(), Backends{"legacy"}) << "/api/notes now falls to the default route";
  auto list = json_body(call("GET", "/admin/routes"));
  ASSERT_TRUE(list.is_object()) << list.dump();
  EXPECT_TRUE(find_by_id(list["routes"], "notes").is_null()) << list.dump(2);
  ASSERT_TRUE(list["orphaned_overrides"].is_array()) << list.dump(2);
  ASSERT_EQ(list["orphaned_overrides"].size(), 1u) << list.dump(2);
  EXPECT_EQ(list["orphaned_overrides"][0].value("route", ""), "notes") << list.dump(2);
  EXPECT_EQ(call("GET", "/admin/routes/notes").status, 404);

  // Durable while orphaned.
  restart();
  list = json_body(call("GET", "/admin/routes"));
  ASSERT_TRUE(list.is_object());
  ASSERT_EQ(list["orphaned_overrides"].size(), 1u) << "the orphan did not survive a restart: " << list.dump(2);

  // The route comes back: the override applies to it again.
  sighup(config(0));
  EXPECT_EQ(notes_backends(), Backends{"fresh"});
  list = json_body(call("GET", "/admin/routes"));
  EXPECT_EQ(list["orphaned_overrides"], nlohmann::json::array()) << list.dump(2);

  // Removed again, then deleted while orphaned: gone for good.
  sighup(config(0, "", false));
  const auto del = call("DELETE", "/admin/routes/notes/override");
  ASSERT_EQ(del.status, 200) << "an orphaned override can be deleted: " << del.body;
  auto del_body = json_body(del);
  ASSERT_TRUE(del_body.is_object()) << del.body;
  EXPECT_EQ(del_body.value("cleared", false), true) << del.body;
  EXPECT_TRUE(del_body.contains("route") && del_body["route"].is_null()) << "no such route to show: " << del.body;
  EXPECT_EQ(call("DELETE", "/admin/routes/notes/override").status, 404)
      << "unknown route and no override is a 404";
  sighup(config(0));
  EXPECT_EQ(notes_backends(), Backends{"legacy"}) << "the deleted override came back with the route";
  EXPECT_TRUE(route("notes")["override"].is_null());
}

TEST_F(Durability, ADeletedOverrideStaysDeletedAfterReloadAndRestart) {
  start(config(0));
  ASSERT_EQ(call("PUT", "/admin/routes/notes/split", R"({"fresh": 100})").status, 200);
  ASSERT_EQ(notes_backends(), Backends{"fresh"});
  const auto del = call("DELETE", "/admin/routes/notes/override");
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(notes_backends(), Backends{"legacy"});
  sighup();
  EXPECT_EQ(notes_backends(), Backends{"legacy"});
  restart();
  EXPECT_EQ(notes_backends(), Backends{"legacy"}) << "the state file still had the deleted override";
  EXPECT_TRUE(route("notes")["override"].is_null());
  EXPECT_EQ(json_body(call("GET", "/admin/status")).value("active_overrides", -1), 0);
}

TEST_F(Durability, AnOverrideThatCannotBeSavedIs500AndChangesNothing) {
  const auto state_dir = gateway_->dir() / "state";
  std::filesystem::create_directories(state_dir);
  start(config(0, "state_file: state/overrides.json\n"));
  ASSERT_EQ(notes_backends(), Backends{"legacy"});
  // The state directory becomes a plain file: no save can succeed, even as root.
  std::filesystem::remove_all(state_dir);
  { std::ofstream(state_dir) << "not a directory\n"; }

  const auto put = call("PUT", "/admin/routes/notes/split", R"({"fresh": 100})");
  EXPECT_EQ(put.status, 500) << put.body;
  auto body = json_body(put);
  ASSERT_TRUE(body.is_object()) << put.body;
  EXPECT_THAT(body.value("message", ""), HasSubstr("overrides.json")) << "the message should name the state file";
  EXPECT_EQ(notes_backends(), Backends{"legacy"}) << "an override that is not durable went live";
  EXPECT_TRUE(route("notes")["override"].is_null());
  EXPECT_EQ(call("POST", "/admin/routes/notes/rollback").status, 500);
  EXPECT_TRUE(route("notes")["override"].is_null());
  EXPECT_EQ(json_body(call("GET", "/admin/status")).value("active_overrides", -1), 0);
}

TEST_F(Durability, ACorruptStateFileStopsStartUpAndNamesTheFile) {
  for (const std::string corrupt : {R"({"version": 1, "overrides": {"notes": {"kind": )", "[1, 2, 3]",
                                    R"({"version": 1, "overrides": {"notes": {"kind": "teleport"}}})"}) {
    Gateway gateway;
    gateway.write_config(config(0));
    const auto path = gateway.write_file(kDefaultStateFile, corrupt);
    EXPECT_THROW(gateway.start({}, 5s), std::runtime_error) << "started with state file " << corrupt;
    EXPECT_EQ(gateway.process().wait_exit(5s), 1) << corrupt;
    EXPECT_THAT(gateway.process().output(Process::Stream::kStderr), HasSubstr(path.string())) << corrupt;
    // The file is left alone for the operator to repair.
    EXPECT_EQ(gateway.read_file(kDefaultStateFile), corrupt);
  }
}

}  // namespace
}  // namespace cutover::test
