// The admin routes API against a fake control plane holding a real compiled snapshot: listing,
// split overrides, rollback, clearing, explain, dry runs, and what bad input gets told.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cutover/admin/handlers.hpp"
#include "cutover/routing/split.hpp"
#include "unit/admin/fake_control_plane.hpp"

namespace cutover::admin {
namespace {

using ::testing::HasSubstr;
using test::body_of;
using test::FakeControlPlane;

AdminReply call(FakeControlPlane& control, std::string_view method, std::string_view target, std::string_view body = "",
                std::string_view token = "", std::string_view authorization = "") {
  return handle_admin({method, target, authorization, body, "10.0.0.7"}, control, token);
}

std::string message_of(const AdminReply& reply) { return body_of(reply)["message"].get<std::string>(); }

TEST(AdminRoutes, ListsMatchFileAndEffectiveSplitInFileOrder) {
  FakeControlPlane control;
  auto reply = call(control, "GET", "/admin/routes");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto body = body_of(reply);
  ASSERT_EQ(body["routes"].size(), 2u);
  const auto& notes = body["routes"][0];
  EXPECT_EQ(notes["id"], "notes");
  EXPECT_EQ(notes["match"]["prefix"], "/notes");
  EXPECT_EQ(notes["match"]["methods"], nlohmann::json({"GET", "POST"}));
  EXPECT_EQ(notes["file_split"][0]["backend"], "notes-svc");
  EXPECT_EQ(notes["file_split"][0]["percent"], 10);
  EXPECT_EQ(notes["effective_split"], notes["file_split"]);
  EXPECT_TRUE(notes["override"].is_null());
  EXPECT_TRUE(notes["stats"].is_array());
  EXPECT_TRUE(body["orphaned_overrides"].empty());

  auto one = call(control, "GET", "/admin/routes/default");
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(body_of(one)["effective_split"][0]["backend"], "legacy");
  auto missing = call(control, "GET", "/admin/routes/nope");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_THAT(message_of(missing), HasSubstr("no route 'nope'"));
}

TEST(AdminRoutes, SplitOverrideChangesThePlanAndReportsWhoWhyAndTheUsersMoved) {
  FakeControlPlane control;
  auto reply = call(control, "PUT", "/admin/routes/notes/split",
                    R"({"split": {"notes-svc": 35}, "reason": "p99 is fine", "who": "alice"})");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto body = body_of(reply);
  EXPECT_EQ(body["route"]["effective_split"][0]["percent"], 35);
  EXPECT_EQ(body["route"]["file_split"][0]["percent"], 10);
  EXPECT_EQ(body["route"]["override"]["who"], "alice");
  EXPECT_EQ(body["route"]["override"]["reason"], "p99 is fine");
  EXPECT_EQ(body["route"]["override"]["applied"], true);
  EXPECT_EQ(body["moved_percent"], 25);
  EXPECT_EQ(body["moves"][0]["from"], "legacy");
  EXPECT_EQ(body["moves"][0]["to"], "notes-svc");
  EXPECT_EQ(control.saves, 1);
  // The published snapshot is what requests pick from.
  const auto snapshot = control.snapshot();
  ASSERT_EQ(snapshot->plans[0].bands.size(), 1u);
  EXPECT_EQ(snapshot->plans[0].bands[0].end, 3500u);
  EXPECT_EQ(snapshot->applied_overrides, 1u);

  // The bare form; who defaults to the caller's address.
  auto bare = call(control, "PUT", "/admin/routes/notes/split", R"({"notes-svc": 50})");
  ASSERT_EQ(bare.status, 200u) << bare.body;
  EXPECT_EQ(body_of(bare)["route"]["override"]["who"], "admin@10.0.0.7");
}

TEST(AdminRoutes, BadSplitsSayWhatToFixAndChangeNothing) {
  FakeControlPlane control;
  struct Case {
    std::string_view target;
    std::string_view body;
    unsigned status;
    std::string_view says;
  };
  const Case cases[] = {
      {"/admin/routes/notes/split", "{nope", 400, "not valid JSON"},
      {"/admin/routes/notes/split", "[1]", 400, "JSON object"},
      {"/admin/routes/notes/split", "", 400, "the new split"},
      {"/admin/routes/notes/split", R"({"notes-svc": 120})", 400, "from 0 to 100"},
      {"/admin/routes/notes/split", R"({"notes-svc": "50"})", 400, "from 0 to 100"},
      {"/admin/routes/notes/split", R"({"search-svc": 5})", 400, "notes-svc"},
      {"/admin/routes/notes/split", R"({"split": {"notes-svc": 5}, "note": "x"})", 400, "unknown field 'note'"},
      {"/admin/routes/nope/split", R"({"notes-svc": 5})", 404, "nope"},
      {"/admin/routes/default/split", R"({"legacy": 5})", 409, "rollback_to"},
  };
  for (const auto& c : cases) {
    auto reply = call(control, "PUT", c.target, c.body);
    EXPECT_EQ(reply.status, c.status) << c.body << " → " << reply.body;
    EXPECT_THAT(message_of(reply), HasSubstr(std::string(c.says))) << c.body;
  }
  EXPECT_EQ(control.saves, 0);
  EXPECT_TRUE(control.snapshot()->overrides.routes.empty());
  EXPECT_EQ(call(control, "POST", "/admin/routes/notes/split", R"({"notes-svc": 5})").status, 405u);
}

TEST(AdminRoutes, RollbackSendsEverythingToRollbackToAndDeleteGoesBackToTheFile) {
  FakeControlPlane control;
  auto rolled = call(control, "POST", "/admin/routes/notes/rollback", R"({"reason": "5xx from notes-svc"})");
  ASSERT_EQ(rolled.status, 200u) << rolled.body;
  auto body = body_of(rolled);
  EXPECT_EQ(body["route"]["override"]["kind"], "rollback");
  EXPECT_EQ(body["route"]["override"]["reason"], "5xx from notes-svc");
  EXPECT_EQ(body["moved_percent"], 10);
  const auto& plan = control.snapshot()->plans[0];
  EXPECT_FALSE(routing::splits(plan)) << "one backend left: no bucket matters";
  for (std::uint32_t bucket : {0u, 999u, 5000u, 9999u}) EXPECT_EQ(routing::pick(plan, bucket), 0u) << bucket;

  auto cleared = call(control, "DELETE", "/admin/routes/notes/override");
  ASSERT_EQ(cleared.status, 200u) << cleared.body;
  EXPECT_EQ(body_of(cleared)["cleared"], true);
  EXPECT_EQ(body_of(cleared)["moves"][0]["to"], "notes-svc");
  EXPECT_TRUE(control.snapshot()->overrides.routes.empty());
  auto again = call(control, "DELETE", "/admin/routes/notes/override");
  EXPECT_EQ(again.status, 200u);
  EXPECT_EQ(body_of(again)["cleared"], false);
  EXPECT_EQ(call(control, "DELETE", "/admin/routes/nope/override").status, 404u);
  EXPECT_EQ(call(control, "POST", "/admin/routes/default/rollback").status, 409u);
}

TEST(AdminRoutes, TheReasonIsReportedAsReasonAndItsOldNameWhyIsAccepted) {
  FakeControlPlane control;
  auto rolled = call(control, "POST", "/admin/routes/notes/rollback", R"({"why": "said the old way"})");
  ASSERT_EQ(rolled.status, 200u) << rolled.body;
  const auto override_ = body_of(rolled)["route"]["override"];
  EXPECT_EQ(override_["reason"], "said the old way");
  EXPECT_FALSE(override_.contains("why")) << "one name in what is reported: " << override_.dump();
}

TEST(AdminRoutes, RollbackAllListsWhatItRolledBackAndWhatItCouldNot) {
  FakeControlPlane control;
  auto reply = call(control, "POST", "/admin/rollback", R"({"reason": "incident 42"})");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto body = body_of(reply);
  EXPECT_EQ(body["rolled_back"], nlohmann::json({"notes"}));
  EXPECT_EQ(body["not_rolled_back"][0]["id"], "default");
  EXPECT_EQ(control.snapshot()->applied_overrides, 1u);
}

TEST(AdminRoutes, DryRunChangesShowTheMovesWithoutSavingOrPublishing) {
  FakeControlPlane control;
  auto reply = call(control, "PUT", "/admin/routes/notes/split?dry_run=1", R"({"notes-svc": 60})");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(body_of(reply)["dry_run"], true);
  EXPECT_EQ(body_of(reply)["moved_percent"], 50);
  EXPECT_EQ(body_of(reply)["route"]["effective_split"][0]["percent"], 60);
  EXPECT_EQ(control.saves, 0);
  EXPECT_TRUE(control.snapshot()->overrides.routes.empty());
}

TEST(AdminRoutes, AFailedSaveAnswers500AndChangesNothing) {
  FakeControlPlane control;
  control.save_error = "cannot save state file /etc/cutover/cutover-state.json: Permission denied";
  auto reply = call(control, "POST", "/admin/routes/notes/rollback");
  EXPECT_EQ(reply.status, 500u);
  EXPECT_THAT(message_of(reply), HasSubstr("nothing changed"));
  EXPECT_THAT(message_of(reply), HasSubstr("Permission denied"));
  EXPECT_TRUE(control.snapshot()->overrides.routes.empty());
  EXPECT_EQ(call(control, "POST", "/admin/rollback").status, 500u);
}

TEST(AdminRoutes, ChangesNeedTheTokenReadsDoNot) {
  FakeControlPlane control;
  EXPECT_EQ(call(control, "PUT", "/admin/routes/notes/split", R"({"notes-svc": 5})", "tok").status, 401u);
  EXPECT_EQ(call(control, "POST", "/admin/routes/notes/rollback", "", "tok", "Bearer nope").status, 401u);
  EXPECT_EQ(call(control, "DELETE", "/admin/routes/notes/override", "", "tok").status, 401u);
  EXPECT_EQ(call(control, "POST", "/admin/rollback", "", "tok").status, 401u);
  EXPECT_EQ(control.saves, 0);
  EXPECT_EQ(call(control, "GET", "/admin/routes", "", "tok").status, 200u);
  EXPECT_EQ(call(control, "GET", "/admin/routes/notes/explain?user=u1", "", "tok").status, 200u);
  EXPECT_EQ(call(control, "POST", "/admin/routes/notes/rollback", "", "tok", "Bearer tok").status, 200u);
}

TEST(AdminRoutes, ExplainNamesTheBackendBucketAndReason) {
  FakeControlPlane control;
  auto reply = call(control, "GET", "/admin/routes/notes/explain?user=user%2D42");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto body = body_of(reply);
  EXPECT_EQ(body["user"], "user-42") << "query values are percent-decoded";
  ASSERT_TRUE(body["bucket"].is_number());
  const auto bucket = body["bucket"].get<unsigned>();
  EXPECT_EQ(body["backend"], bucket < 1000 ? "notes-svc" : "legacy");
  EXPECT_EQ(body["reason"], bucket < 1000 ? "bucket_band" : "bucket_rest");

  ASSERT_EQ(call(control, "POST", "/admin/routes/notes/rollback").status, 200u);
  auto rolled = body_of(call(control, "GET", "/admin/routes/notes/explain?user=user-42"));
  EXPECT_EQ(rolled["backend"], "legacy");
  EXPECT_EQ(rolled["reason"], "override_rollback");

  auto no_user = call(control, "GET", "/admin/routes/notes/explain");
  EXPECT_EQ(no_user.status, 400u);
  EXPECT_THAT(message_of(no_user), HasSubstr("explain?user="));
  EXPECT_EQ(call(control, "GET", "/admin/routes/nope/explain?user=a").status, 404u);
}

TEST(AdminRoutes, ReloadDryRunReportsTheExactShareOfUsersThatWouldMove) {
  FakeControlPlane control;
  std::string next = test::kRoutesYaml;
  next.replace(next.find("notes-svc: 10"), 13, "notes-svc: 35");
  control.candidate_yaml = next;
  auto reply = call(control, "POST", "/admin/reload?dry_run=1");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto body = body_of(reply);
  EXPECT_EQ(body["valid"], true);
  EXPECT_EQ(body["changed_routes"], 1);
  EXPECT_EQ(body["routes"][0]["id"], "notes");
  EXPECT_EQ(body["routes"][0]["change"], "changed");
  EXPECT_EQ(body["routes"][0]["moved_percent"], 25);
  EXPECT_EQ(control.reloads, 0) << "a dry run never reloads";

  control.candidate_yaml = "routes: [\n";
  auto broken = call(control, "POST", "/admin/reload?dry_run=1");
  EXPECT_EQ(broken.status, 422u);
  EXPECT_EQ(body_of(broken)["valid"], false);
  EXPECT_THAT(body_of(broken)["error"].get<std::string>(), HasSubstr("gw.yaml:"));
}

}  // namespace
}  // namespace cutover::admin
