// The route admin API of the real binary (/tmp contract of issue 3): GET /admin/routes shows the
// match, the file split, the effective split, the override and live per-backend stats; PUT split
// overrides move real traffic; bad input gets 400/404/409 with a message that names the problem;
// mutations need the bearer token when one is configured; DELETE restores the file's split; and
// explain tells which backend serves a user, matching the backend that actually does.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* kToken = "admin-t0ken-for-tests";

Headers user_headers(const std::string& user) { return {{"Authorization", "Bearer " + hs256_user_token(user)}}; }

std::vector<Headers> users_headers(const std::string& prefix, int n) {
  std::vector<Headers> out;
  for (int i = 0; i < n; ++i) out.push_back(user_headers(prefix + std::to_string(i)));
  return out;
}

// Three upstreams; routes: `notes` (fresh 25%, rest legacy, sticky user), `multi` (two split
// targets), `mixed` (sticky none) and the single-backend `default`.
class AdminRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    legacy_ = Upstream::start("legacy");
    fresh_ = Upstream::start("fresh");
    other_ = Upstream::start("other");
  }

  void start(bool with_token = false) {
    gateway_ = std::make_unique<Gateway>();
    const auto secret = gateway_->write_file("hs256.key", kJwtSecret);
    std::string prologue = yaml_prologue();
    if (with_token) {
      gateway_->write_file("admin-token", std::string(kToken) + "\n");
      prologue = std::regex_replace(prologue, std::regex(R"(admin: \{ listen: 127\.0\.0\.1:0 \})"),
                                    "admin: { listen: 127.0.0.1:0, token_file: admin-token }");
    }
    gateway_->write_config(prologue + "identity:\n  jwt: { hs256_secret_file: " + secret.string() + " }\n" +
                           "backends:\n"
                           "  legacy: { endpoints: [" + legacy_->address() + "] }\n"
                           "  fresh: { endpoints: [" + fresh_->address() + "] }\n"
                           "  other: { endpoints: [" + other_->address() + "] }\n"
                           "routes:\n"
                           "  - id: notes\n"
                           "    match: { path: '/api/notes/{id}', methods: [GET] }\n"
                           "    split: { fresh: 25 }\n"
                           "    rollback_to: legacy\n"
                           "    sticky: user\n"
                           "  - id: multi\n"
                           "    match: { prefix: /api/multi }\n"
                           "    split: { fresh: 60, other: 30 }\n"
                           "    rollback_to: legacy\n"
                           "  - id: mixed\n"
                           "    match: { prefix: /api/mixed }\n"
                           "    split: { fresh: 50 }\n"
                           "    rollback_to: legacy\n"
                           "    sticky: none\n"
                           "  - id: default\n"
                           "    match: { prefix: / }\n"
                           "    backend: legacy\n");
    gateway_->start();
    admin_ = gateway_->admin_port();
  }

  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& token = "") {
    return admin_call(admin_, method, target, body, token);
  }

  // GET /admin/routes/{id} as JSON, expecting 200 and a ROUTE with an "override" member.
  nlohmann::json route(const std::string& id) {
    const auto r = call("GET", "/admin/routes/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    auto body = json_body(r);
    EXPECT_TRUE(body.is_object() && body.value("id", "") == id && body.contains("override")) << r.body;
    return body;
  }

  std::unique_ptr<Upstream> legacy_;
  std::unique_ptr<Upstream> fresh_;
  std::unique_ptr<Upstream> other_;
  std::unique_ptr<Gateway> gateway_;
  std::uint16_t admin_ = 0;
};

// Asserts the contract's error shape: {"error": code, "status": N, "message": "..."} with N the
// HTTP status and a message containing every one of `words`.
void expect_error(const Response& r, int status, const std::vector<std::string>& words, const std::string& what) {
  EXPECT_EQ(r.status, status) << what << ": " << r.body;
  auto body = json_body(r);
  ASSERT_TRUE(body.is_object()) << what << ": error body is not JSON: " << r.body;
  EXPECT_TRUE(body.contains("error") && body["error"].is_string()) << what << ": " << r.body;
  EXPECT_EQ(body.value("status", 0), status) << what << ": " << r.body;
  ASSERT_TRUE(body.contains("message") && body["message"].is_string()) << what << ": " << r.body;
  const auto message = body["message"].get<std::string>();
  for (const auto& word : words) EXPECT_THAT(message, HasSubstr(word)) << what << ": the message should name it";
}

std::map<std::string, double> file_notes_split() { return {{"fresh", 25.0}, {"legacy", 75.0}}; }

TEST_F(AdminRoutes, ListShowsMatchSplitsOverrideAndPerBackendStats) {
  start();
  // Traffic first: 80 users on notes, 7 requests on default.
  const auto got = served_by_each(gateway_->port(), users_headers("stats-user-", 80), "/api/notes/1");
  const auto on_fresh = static_cast<double>(std::count(got.begin(), got.end(), "fresh"));
  const auto on_legacy = static_cast<double>(std::count(got.begin(), got.end(), "legacy"));
  ASSERT_EQ(on_fresh + on_legacy, 80) << ::testing::PrintToString(got);
  ASSERT_GT(on_fresh, 0);
  ASSERT_GT(on_legacy, 0);
  for (int i = 0; i < 7; ++i) ASSERT_EQ(http_get(gateway_->port(), "/elsewhere").status, 200);

  // Stats may be gathered from the workers lazily: poll until they show the traffic, then check.
  nlohmann::json list;
  const auto stats_of = [](const nlohmann::json& r, const std::string& backend) {
    return find_by_id(r.value("stats", nlohmann::json::array()), backend, "backend");
  };
  const bool counted = wait_until(
      [&] {
        list = json_body(call("GET", "/admin/routes"));
        auto notes = find_by_id(list.value("routes", nlohmann::json::array()), "notes");
        auto def = find_by_id(list.value("routes", nlohmann::json::array()), "default");
        if (!notes.is_object() || !def.is_object()) return false;
        auto f = stats_of(notes, "fresh");
        auto l = stats_of(notes, "legacy");
        auto d = stats_of(def, "legacy");
        return f.is_object() && l.is_object() && d.is_object() && f.value("requests", -1.0) == on_fresh &&
               l.value("requests", -1.0) == on_legacy && d.value("requests", -1.0) == 7;
      },
      3s, 50ms);
  ASSERT_TRUE(list.is_object()) << list.dump();
  EXPECT_TRUE(counted) << "per-backend request counts never matched the traffic sent (fresh " << on_fresh
                       << ", legacy " << on_legacy << ", default 7):\n"
                       << list.dump(2);

  EXPECT_TRUE(list.contains("config_hash") && list["config_hash"].is_string()) << list.dump();
  EXPECT_TRUE(list.contains("generation") && list["generation"].is_number()) << list.dump();
  ASSERT_TRUE(list.contains("orphaned_overrides")) << list.dump();
  EXPECT_EQ(list["orphaned_overrides"], nlohmann::json::array());
  ASSERT_TRUE(list["routes"].is_array());
  EXPECT_EQ(list["routes"].size(), 4u) << list.dump(2);

  auto notes = find_by_id(list["routes"], "notes");
  ASSERT_TRUE(notes.is_object()) << list.dump(2);
  EXPECT_EQ(notes["match"].value("path", ""), "/api/notes/{id}") << notes.dump(2);
  EXPECT_EQ(notes["match"].value("methods", nlohmann::json::array()), nlohmann::json::array({"GET"})) << notes.dump(2);
  EXPECT_EQ(split_percents(notes["file_split"]), file_notes_split()) << notes.dump(2);
  EXPECT_EQ(split_percents(notes["effective_split"]), file_notes_split()) << notes.dump(2);
  auto legacy_entry = find_by_id(notes["file_split"], "legacy", "backend");
  ASSERT_TRUE(legacy_entry.is_object()) << notes.dump(2);
  EXPECT_EQ(legacy_entry.value("rollback_to", false), true) << "legacy is the route's rollback_to";
  EXPECT_EQ(find_by_id(notes["file_split"], "fresh", "backend").value("rollback_to", false), false);
  ASSERT_TRUE(notes.contains("override"));
  EXPECT_TRUE(notes["override"].is_null()) << notes.dump(2);

  for (const auto* backend : {"fresh", "legacy"}) {
    auto s = stats_of(notes, backend);
    ASSERT_TRUE(s.is_object()) << backend << " has no stats entry: " << notes.dump(2);
    for (const auto* field : {"requests", "rps", "error_rate_5xx", "p50_ms", "p99_ms"}) {
      EXPECT_TRUE(s.contains(field) && s[field].is_number()) << backend << "." << field << ": " << s.dump();
    }
    EXPECT_EQ(s.value("error_rate_5xx", -1.0), 0.0) << s.dump();
    EXPECT_GE(s.value("p99_ms", -1.0), s.value("p50_ms", 0.0)) << s.dump();
  }
  EXPECT_GT(stats_of(notes, "fresh").value("rps", 0.0), 0.0);
  // `other` is not reachable from notes; multi lists it, with no traffic.
  EXPECT_TRUE(stats_of(notes, "other").is_null()) << notes.dump(2);
  auto multi = find_by_id(list["routes"], "multi");
  EXPECT_EQ(split_percents(multi["file_split"]),
            (std::map<std::string, double>{{"fresh", 60.0}, {"other", 30.0}, {"legacy", 10.0}}))
      << multi.dump(2);
  EXPECT_EQ(stats_of(multi, "other").value("requests", -1.0), 0.0) << multi.dump(2);
  auto def = find_by_id(list["routes"], "default");
  EXPECT_EQ(split_percents(def["file_split"]), (std::map<std::string, double>{{"legacy", 100.0}})) << def.dump(2);
}

TEST_F(AdminRoutes, GetOneRouteAndUnknownRouteIs404) {
  start();
  auto notes = route("notes");
  ASSERT_TRUE(notes.is_object());
  EXPECT_EQ(notes.value("id", ""), "notes");
  EXPECT_EQ(split_percents(notes["effective_split"]), file_notes_split()) << notes.dump(2);
  EXPECT_TRUE(notes.contains("stats")) << notes.dump(2);
  expect_error(call("GET", "/admin/routes/no-such-route"), 404, {"no-such-route"}, "GET unknown route");
}

TEST_F(AdminRoutes, PutSplitChangesTheEffectiveSplitAndTrafficFollows) {
  start();
  const auto users = users_headers("put-user-", 100);
  const auto before = served_by_each(gateway_->port(), users, "/api/notes/1");
  ASSERT_GT(std::count(before.begin(), before.end(), "legacy"), 0);

  const auto put = call("PUT", "/admin/routes/notes/split", R"({"fresh": 100})");
  ASSERT_EQ(put.status, 200) << put.body;
  auto body = json_body(put);
  ASSERT_TRUE(body.is_object() && body["route"].is_object()) << put.body;
  auto& r = body["route"];
  EXPECT_EQ(split_percents(r["effective_split"]), (std::map<std::string, double>{{"fresh", 100.0}, {"legacy", 0.0}}))
      << r.dump(2);
  EXPECT_EQ(split_percents(r["file_split"]), file_notes_split()) << "the file split does not change";
  ASSERT_TRUE(r["override"].is_object()) << r.dump(2);
  auto& o = r["override"];
  EXPECT_EQ(o.value("kind", ""), "split");
  EXPECT_EQ(o["split"]["fresh"], 100) << o.dump();
  EXPECT_EQ(o.value("applied", false), true);
  EXPECT_EQ(o.value("stale", true), false);
  EXPECT_TRUE(o.contains("who") && o.contains("reason")) << o.dump();
  EXPECT_TRUE(std::regex_match(o.value("at", ""), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << o.dump();
  EXPECT_NEAR(o.value("at_unix", 0.0), static_cast<double>(unix_now()), 60.0) << o.dump();

  // Once the PUT returned, every user goes to fresh...
  for (const auto& b : served_by_each(gateway_->port(), users, "/api/notes/2")) ASSERT_EQ(b, "fresh");
  // ...and at 0 every user goes to legacy; GET agrees.
  ASSERT_EQ(call("PUT", "/admin/routes/notes/split", R"({"fresh": 0})").status, 200);
  for (const auto& b : served_by_each(gateway_->port(), users, "/api/notes/3")) ASSERT_EQ(b, "legacy");
  EXPECT_EQ(split_percents(route("notes")["effective_split"]),
            (std::map<std::string, double>{{"fresh", 0.0}, {"legacy", 100.0}}));
  // The other routes are untouched.
  EXPECT_TRUE(route("multi")["override"].is_null());
}

TEST_F(AdminRoutes, WrappedPutRecordsWhoAndWhyAndAFractionalSplit) {
  start();
  const auto put = call("PUT", "/admin/routes/multi/split",
                        R"({"split": {"fresh": 12.5, "other": 40}, "reason": "p99 looks fine", "who": "alice"})");
  ASSERT_EQ(put.status, 200) << put.body;
  auto multi = route("multi");
  ASSERT_TRUE(multi["override"].is_object()) << multi.dump(2);
  EXPECT_EQ(multi["override"].value("who", ""), "alice");
  EXPECT_EQ(multi["override"].value("reason", ""), "p99 looks fine");
  EXPECT_EQ(split_percents(multi["effective_split"]),
            (std::map<std::string, double>{{"fresh", 12.5}, {"other", 40.0}, {"legacy", 47.5}}))
      << multi.dump(2);
  // An override is the whole split: a target it does not name gets 0.
  ASSERT_EQ(call("PUT", "/admin/routes/multi/split", R"({"other": 20})").status, 200);
  EXPECT_EQ(split_percents(route("multi")["effective_split"]),
            (std::map<std::string, double>{{"fresh", 0.0}, {"other", 20.0}, {"legacy", 80.0}}));
  // Anonymous users on a sticky-user route are bucketed by their sticky cookie: 300 fresh ones
  // land on `other` about 20% of the time and never on fresh.
  int on_other = 0;
  HttpConnection c(gateway_->port());
  for (int i = 0; i < 300; ++i) {
    const auto r = c.get("/api/multi/x");
    ASSERT_EQ(r.status, 200);
    ASSERT_NE(served_by(r), "fresh");
    on_other += served_by(r) == "other";
  }
  EXPECT_NEAR(100.0 * on_other / 300, 20.0, 9.0);
}

TEST_F(AdminRoutes, BadSplitInputsGetAClearErrorAndChangeNothing) {
  start();
  expect_error(call("PUT", "/admin/routes/notes/split", R"({"fresh": )"), 400, {"JSON"}, "malformed JSON");
  expect_error(call("PUT", "/admin/routes/notes/split", R"({"fresh": 120})"), 400, {"fresh", "100"}, "120%");
  expect_error(call("PUT", "/admin/routes/notes/split", R"({"fresh": -5})"), 400, {"fresh"}, "-5%");
  expect_error(call("PUT", "/admin/routes/notes/split", R"({"fresh": "ten"})"), 400, {"fresh"}, "a string");
  expect_error(call("PUT", "/admin/routes/notes/split", R"({"nosuch": 10})"), 400, {"nosuch"}, "unknown backend");
  // `other` exists but does not serve notes.
  expect_error(call("PUT", "/admin/routes/notes/split", R"({"other": 10})"), 400, {"other"}, "backend not on route");
  expect_error(call("PUT", "/admin/routes/multi/split", R"({"fresh": 70, "other": 40})"), 400, {"110"},
               "sum over 100");
  expect_error(call("PUT", "/admin/routes/nope/split", R"({"fresh": 10})"), 404, {"nope"}, "unknown route");
  expect_error(call("PUT", "/admin/routes/default/split", R"({"legacy": 10})"), 409, {"default"},
               "single-backend route");
  expect_error(call("POST", "/admin/routes/default/rollback"), 409, {"default"}, "rollback of a single-backend route");
  expect_error(call("POST", "/admin/routes/nope/rollback"), 404, {"nope"}, "rollback of an unknown route");

  // Nothing changed: no override anywhere, notes still routes by the file.
  auto list = json_body(call("GET", "/admin/routes"));
  ASSERT_TRUE(list.is_object());
  ASSERT_EQ(list.value("routes", nlohmann::json::array()).size(), 4u) << list.dump(2);
  for (auto& r : list["routes"]) EXPECT_TRUE(r.contains("override") && r["override"].is_null()) << r.dump(2);
  EXPECT_EQ(split_percents(find_by_id(list["routes"], "notes")["effective_split"]), file_notes_split());
  EXPECT_FALSE(std::filesystem::exists(gateway_->file("cutover-state.json")) &&
               gateway_->read_file("cutover-state.json").find("fresh") != std::string::npos)
      << "a refused override reached the state file: " << gateway_->read_file("cutover-state.json");
}

TEST_F(AdminRoutes, DeleteOverrideRestoresTheFileSplit) {
  start();
  const auto users = users_headers("delete-user-", 120);
  const auto from_file = served_by_each(gateway_->port(), users, "/api/notes/1");
  ASSERT_EQ(call("PUT", "/admin/routes/notes/split", R"({"fresh": 80})").status, 200);
  const auto overridden = served_by_each(gateway_->port(), users, "/api/notes/1");
  ASSERT_NE(overridden, from_file) << "an 80% override moved nobody";

  const auto del = call("DELETE", "/admin/routes/notes/override");
  ASSERT_EQ(del.status, 200) << del.body;
  auto body = json_body(del);
  ASSERT_TRUE(body.is_object()) << del.body;
  EXPECT_EQ(body.value("cleared", false), true) << del.body;
  ASSERT_TRUE(body["route"].is_object()) << del.body;
  EXPECT_TRUE(body["route"].contains("override") && body["route"]["override"].is_null()) << del.body;
  EXPECT_EQ(split_percents(body["route"]["effective_split"]), file_notes_split()) << del.body;
  // Every user is back exactly where the file puts them.
  EXPECT_EQ(served_by_each(gateway_->port(), users, "/api/notes/1"), from_file);

  const auto again = call("DELETE", "/admin/routes/notes/override");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json_body(again).value("cleared", true), false) << again.body;
  expect_error(call("DELETE", "/admin/routes/nope/override"), 404, {"nope"}, "DELETE on an unknown route");
}

TEST_F(AdminRoutes, ExplainMatchesTheBackendThatServesEachUser) {
  start();
  constexpr int kUsers = 300;
  std::vector<Headers> headers;
  for (int i = 0; i < kUsers; ++i) headers.push_back(user_headers("explain-user-" + std::to_string(i)));
  const auto served = served_by_each(gateway_->port(), headers, "/api/notes/9");
  int on_fresh = 0;
  for (int i = 0; i < kUsers; ++i) {
    const std::string user = "explain-user-" + std::to_string(i);
    const auto r = call("GET", "/admin/routes/notes/explain?user=" + user);
    ASSERT_EQ(r.status, 200) << r.body;
    auto e = json_body(r);
    ASSERT_TRUE(e.is_object()) << r.body;
    EXPECT_EQ(e.value("route", ""), "notes");
    EXPECT_EQ(e.value("user", ""), user);
    ASSERT_TRUE(e["bucket"].is_number_integer()) << r.body;
    const auto bucket = e["bucket"].get<int>();
    ASSERT_GE(bucket, 0);
    ASSERT_LT(bucket, 10000);
    const auto backend = e.value("backend", "");
    EXPECT_EQ(backend, served[static_cast<std::size_t>(i)]) << user << ": explain says " << r.body;
    // The first split target owns buckets [0, 2500); the rest goes to rollback_to.
    EXPECT_EQ(backend, bucket < 2500 ? "fresh" : "legacy") << r.body;
    EXPECT_EQ(e.value("reason", ""), bucket < 2500 ? "bucket_band" : "bucket_rest") << r.body;
    EXPECT_FALSE(e.value("detail", "").empty()) << r.body;
    on_fresh += backend == "fresh";
  }
  EXPECT_NEAR(100.0 * on_fresh / kUsers, 25.0, 6.0);
}

TEST_F(AdminRoutes, ExplainReasonsFollowOverridesAndRouteKinds) {
  start();
  const auto explain = [&](const std::string& route_id, const std::string& user) {
    const auto r = call("GET", "/admin/routes/" + route_id + "/explain?user=" + user);
    EXPECT_EQ(r.status, 200) << r.body;
    return json_body(r);
  };
  auto single = explain("default", "u1");
  EXPECT_EQ(single.value("reason", ""), "single_backend") << single.dump();
  EXPECT_EQ(single.value("backend", ""), "legacy") << single.dump();
  EXPECT_EQ(explain("mixed", "u1").value("reason", ""), "sticky_none");

  ASSERT_EQ(call("PUT", "/admin/routes/notes/split", R"({"fresh": 50})").status, 200);
  for (int i = 0; i < 40; ++i) {
    const std::string user = "reason-user-" + std::to_string(i);
    auto e = explain("notes", user);
    ASSERT_TRUE(e["bucket"].is_number_integer()) << e.dump();
    EXPECT_EQ(e.value("reason", ""), "override_split") << e.dump();
    EXPECT_EQ(e.value("backend", ""), e["bucket"].get<int>() < 5000 ? "fresh" : "legacy") << e.dump();
    EXPECT_EQ(e.value("backend", ""), served_by(http_get(gateway_->port(), "/api/notes/1", user_headers(user))))
        << e.dump();
  }
  ASSERT_EQ(call("POST", "/admin/routes/notes/rollback", R"({"reason": "errors"})").status, 200);
  for (int i = 0; i < 40; ++i) {
    auto e = explain("notes", "reason-user-" + std::to_string(i));
    EXPECT_EQ(e.value("reason", ""), "override_rollback") << e.dump();
    EXPECT_EQ(e.value("backend", ""), "legacy") << e.dump();
  }
  expect_error(call("GET", "/admin/routes/notes/explain"), 400, {"user"}, "explain without ?user=");
}

TEST_F(AdminRoutes, MutationsNeedTheTokenWhenConfiguredReadsDoNot) {
  start(/*with_token=*/true);
  struct Mutation {
    std::string method, target, body;
  };
  const std::vector<Mutation> mutations{
      {"PUT", "/admin/routes/notes/split", R"({"fresh": 60})"},
      {"POST", "/admin/routes/notes/rollback", ""},
      {"POST", "/admin/rollback", ""},
      {"DELETE", "/admin/routes/notes/override", ""},
  };
  for (const auto& m : mutations) {
    EXPECT_EQ(call(m.method, m.target, m.body).status, 401) << m.method << " " << m.target << " without a token";
    EXPECT_EQ(call(m.method, m.target, m.body, "wrong-token").status, 401)
        << m.method << " " << m.target << " with a wrong token";
  }
  // Refused calls changed nothing.
  EXPECT_TRUE(route("notes")["override"].is_null());
  EXPECT_TRUE(route("multi")["override"].is_null());
  // Reads need no token.
  EXPECT_EQ(call("GET", "/admin/routes").status, 200);
  EXPECT_EQ(call("GET", "/admin/routes/notes/explain?user=u").status, 200);
  EXPECT_EQ(call("GET", "/admin/status").status, 200);
  // With the token each mutation works.
  const auto put = call("PUT", "/admin/routes/notes/split", R"({"fresh": 60})", kToken);
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(split_percents(route("notes")["effective_split"]),
            (std::map<std::string, double>{{"fresh", 60.0}, {"legacy", 40.0}}));
  EXPECT_EQ(call("POST", "/admin/routes/notes/rollback", "", kToken).status, 200);
  EXPECT_EQ(call("POST", "/admin/rollback", "", kToken).status, 200);
  const auto del = call("DELETE", "/admin/routes/notes/override", "", kToken);
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(json_body(del).value("cleared", false), true) << del.body;
}

TEST_F(AdminRoutes, StatusReportsTheContractFields) {
  start();
  ASSERT_EQ(call("PUT", "/admin/routes/notes/split", R"({"fresh": 30})").status, 200);
  const auto r = call("GET", "/admin/status");
  ASSERT_EQ(r.status, 200) << r.body;
  auto s = json_body(r);
  ASSERT_TRUE(s.is_object()) << r.body;
  EXPECT_TRUE(s["version"].is_string()) << r.body;
  EXPECT_EQ(std::filesystem::path(s.value("config_file", "")), gateway_->config_path()) << r.body;
  EXPECT_TRUE(s["config_hash"].is_string()) << r.body;
  EXPECT_TRUE(s["config_generation"].is_number()) << r.body;
  EXPECT_EQ(std::filesystem::path(s.value("state_file", "")), gateway_->file("cutover-state.json")) << r.body;
  EXPECT_EQ(s.value("active_overrides", -1), 1) << r.body;
  ASSERT_TRUE(s["last_reload"].is_object()) << r.body;
  for (const auto* field : {"ok", "error", "at_unix_ms", "config_hash"}) {
    EXPECT_TRUE(s["last_reload"].contains(field)) << "last_reload." << field << ": " << r.body;
  }
  EXPECT_TRUE(s["reloads"].is_number()) << r.body;
  EXPECT_TRUE(s["reload_failures"].is_number()) << r.body;
  EXPECT_EQ(s.value("draining", true), false) << r.body;
}

}  // namespace
}  // namespace cutover::test
