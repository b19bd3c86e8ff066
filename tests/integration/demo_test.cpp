// The bundled demo end to end: demo/legacy_app.py and demo/notes_service.py behind the real
// gateway with a config equivalent to config/cutover.yaml, driven by demo/loadgen.py, which
// checks every answer byte for byte and every user's stickiness. With --admin the load generator
// follows the route's effective split in the admin API: users moved by an operator's ramp,
// rollback or cleared override are reported as such, any other move is still a violation.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/process.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPython = "/usr/bin/python3";

std::string loadgen_script() { return std::string(CUTOVER_SOURCE_DIR) + "/demo/loadgen.py"; }

// Starts a demo service on port 0 and reads its port from "<name> listening on 127.0.0.1:PORT".
std::pair<std::unique_ptr<Process>, std::uint16_t> start_service(const std::string& script, const std::string& name) {
  auto p = std::make_unique<Process>(
      std::vector<std::string>{kPython, std::string(CUTOVER_SOURCE_DIR) + "/demo/" + script, "--port", "0"});
  const auto m = p->wait_for_line(std::regex(name + R"( listening on 127\.0\.0\.1:(\d+))"), 15s);
  if (!m) throw std::runtime_error(script + " did not start\n" + p->output());
  return {std::move(p), static_cast<std::uint16_t>(std::stoul((*m)[1]))};
}

// config/cutover.yaml's routes; backend notes-svc is sent to `notes_port` (a test that fakes a
// misbehaving gateway points it at legacy: nothing the admin API shows changes).
std::string demo_config(std::uint16_t legacy_port, std::uint16_t notes_port) {
  return yaml_prologue(2, true) +
         "identity:\n"
         "  header: X-User-Id\n"
         "  anonymous: allow\n"
         "  jwt:\n"
         "    header: Authorization\n"
         "    cookie: session_jwt\n"
         "    hs256_secret_file: demo-jwt-secret.txt\n"
         "    claim: sub\n"
         "backends:\n"
         "  legacy:\n"
         "    endpoints: [127.0.0.1:" + std::to_string(legacy_port) + "]\n"
         "    timeout: 30s\n"
         "  notes-svc:\n"
         "    endpoints: [127.0.0.1:" + std::to_string(notes_port) + "]\n"
         "    timeout: 5s\n"
         "routes:\n"
         "  - id: notes\n"
         "    match: { path: /api/notes/*, methods: [GET, HEAD] }\n"
         "    split: { notes-svc: 25 }\n"
         "    rollback_to: legacy\n"
         "    sticky: user\n"
         "    cohort: notes\n"
         "  - id: account\n"
         "    match: { path: /api/account }\n"
         "    backend: legacy\n"
         "    require_user: true\n"
         "  - id: default\n"
         "    match: { prefix: / }\n"
         "    backend: legacy\n";
}

// The summary: the last line of the load generator's stdout, as JSON.
std::optional<nlohmann::json> report_of(const Process& loadgen) {
  const auto out = loadgen.output(Process::Stream::kStdout);
  return parse_json(out.substr(out.rfind('\n', out.size() >= 2 ? out.size() - 2 : 0) + 1));
}

class Demo : public ::testing::Test {
 protected:
  void SetUp() override {
    // scripts/install-deps.sh installs it: a missing interpreter is a broken setup, not a skip.
    ASSERT_TRUE(std::filesystem::exists(kPython)) << "no " << kPython << " (scripts/install-deps.sh installs python3)";
    std::tie(legacy_, legacy_port_) = start_service("legacy_app.py", "legacy");
    std::tie(notes_, notes_port_) = start_service("notes_service.py", "notes-svc");
    secret_ = gw_.write_file("demo-jwt-secret.txt", std::string(kJwtSecret) + "\n");
    gw_.write_config(demo_config(legacy_port_, notes_port_));
    const auto check = gw_.check();
    ASSERT_EQ(check.exit_code, 0) << check.out;
    gw_.start();
    admin_ = gw_.admin_port();
  }

  // The load generator with the demo's users and secret, plus `extra`.
  std::unique_ptr<Process> loadgen(std::vector<std::string> extra) {
    std::vector<std::string> argv{kPython, loadgen_script(), "--gateway", "http://" + gw_.address(),
                                  "--secret-file", secret_.string(), "--json", "--quiet"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(argv);
  }

  // A `--watch --admin` load generator over `users` users.
  std::unique_ptr<Process> watching_loadgen(int users) {
    return loadgen({"--users", std::to_string(users), "--concurrency", "8", "--watch", "--admin",
                    "http://127.0.0.1:" + std::to_string(admin_)});
  }

  double proxied() {
    return metric_value(admin_call(admin_, "GET", "/metrics").body, "cutover_requests_proxied_total").value_or(0);
  }

  // Waits until the gateway has proxied `n` more requests, and `at_least` has passed: every user
  // sent some on each side of a change however slow the machine, and the load generator's split
  // watch (a poll every 200 ms) sees each change on its own however fast it is.
  void let_traffic_run(double n, Process& loadgen, std::chrono::milliseconds at_least = 1s) {
    const auto until = std::chrono::steady_clock::now() + at_least;
    const double target = proxied() + n;
    ASSERT_TRUE(wait_until([&] { return proxied() >= target || !loadgen.running(); }, 60s, 50ms)) << loadgen.output();
    ASSERT_TRUE(loadgen.running()) << "the load generator stopped early\n" << loadgen.output();
    std::this_thread::sleep_until(until);
  }

  // Ends a --watch run the way Ctrl-C does and returns its exit status and summary.
  std::pair<std::optional<int>, nlohmann::json> finish(Process& loadgen) {
    EXPECT_TRUE(loadgen.send_signal(SIGINT));
    const auto status = loadgen.wait_exit(60s);
    auto report = report_of(loadgen);
    EXPECT_TRUE(report) << loadgen.output();
    return {status, report.value_or(nlohmann::json::object())};
  }

  // Users who moved from -> to along a split change, per the summary; 0 when none.
  static int moved_along(const nlohmann::json& report, std::string_view from, std::string_view to) {
    for (const auto& move : report.value("moved_along_changes", nlohmann::json::array())) {
      if (move["from"] == from && move["to"] == to) return move["users"].get<int>();
    }
    return 0;
  }

  std::unique_ptr<Process> legacy_, notes_;
  std::uint16_t legacy_port_ = 0, notes_port_ = 0, admin_ = 0;
  Gateway gw_;
  std::filesystem::path secret_;
};

TEST_F(Demo, LoadgenSeesCorrectStickyAnswersThroughTheGateway) {
  // The account route wants a user.
  EXPECT_EQ(http_get(gw_.port(), "/api/account").status, 401);

  auto loadgen = this->loadgen({"--users", "100", "--duration", "3"});
  const auto status = loadgen->wait_exit(60s);
  EXPECT_EQ(status, 0) << loadgen->output();
  const auto report = report_of(*loadgen);
  ASSERT_TRUE(report) << loadgen->output();
  const auto last = report->dump();
  EXPECT_GT((*report)["requests"].get<std::uint64_t>(), 100u) << last;
  EXPECT_EQ((*report)["errors"]["total"], 0) << last;
  EXPECT_EQ((*report)["sticky_violations"], 0) << last;
  for (const auto* kind : {"notes_list", "notes_item"}) {
    const auto share = (*report)["endpoints"][kind]["share"].value("notes-svc", 0.0);
    EXPECT_GE(share, 10.0) << kind << ": " << last;
    EXPECT_LE(share, 40.0) << kind << ": " << last;
  }
  // /api/account always stays on legacy.
  EXPECT_EQ((*report)["endpoints"]["account"]["share"].value("legacy", 0.0), 100.0) << last;
  EXPECT_TRUE(gw_.process().running());
  EXPECT_EQ(gw_.stop(), 0);
}

// The README's admin examples under load: a ramp, a rollback, clearing the override. Every user
// they move goes along the change; the run passes and says who moved which way.
TEST_F(Demo, LoadgenWithAdminReportsTheReadmesRampAndRollbackAsMovesNotViolations) {
  auto loadgen = watching_loadgen(60);
  ASSERT_NO_FATAL_FAILURE(let_traffic_run(300, *loadgen));
  const auto ramp = admin_call(admin_, "PUT", "/admin/routes/notes/split", R"({"notes-svc": 50})");
  ASSERT_EQ(ramp.status, 200) << ramp.body;
  ASSERT_NO_FATAL_FAILURE(let_traffic_run(600, *loadgen));
  const auto rollback = admin_call(admin_, "POST", "/admin/routes/notes/rollback", R"({"reason": "5xx on notes-svc"})");
  ASSERT_EQ(rollback.status, 200) << rollback.body;
  ASSERT_NO_FATAL_FAILURE(let_traffic_run(600, *loadgen));
  const auto cleared = admin_call(admin_, "DELETE", "/admin/routes/notes/override");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  ASSERT_NO_FATAL_FAILURE(let_traffic_run(600, *loadgen));

  const auto [status, report] = finish(*loadgen);
  const auto text = report.dump();
  EXPECT_EQ(status, 0) << loadgen->output();
  EXPECT_EQ(report.value("pass", false), true) << text;
  EXPECT_EQ(report["errors"]["total"], 0) << text;
  EXPECT_EQ(report["sticky_mode"], "admin") << text;
  EXPECT_EQ(report["sticky_violations"], 0) << text;
  EXPECT_GT(moved_along(report, "legacy", "notes-svc"), 0) << text;   // the ramp, the cleared override
  EXPECT_GT(moved_along(report, "notes-svc", "legacy"), 0) << text;   // the rollback
  EXPECT_EQ(report["moved_along_changes"].size(), 2u) << "only legacy<->notes-svc moves: " << text;
  const auto& changes = report["admin"]["split_changes"];
  ASSERT_EQ(changes.size(), 3u) << text;
  for (const auto& change : changes) EXPECT_EQ(change["route"], "notes") << text;
  EXPECT_EQ(changes[1]["to"], nlohmann::json({{"legacy", 100}})) << text;
  EXPECT_EQ(report["admin"]["routes"]["account"], "account") << text;
}

// True when one of the summary's violation samples contains `text`.
bool some_violation_says(const nlohmann::json& report, std::string_view text) {
  for (const auto& sample : report.value("violation_samples", nlohmann::json::array())) {
    if (sample.get<std::string>().find(text) != std::string::npos) return true;
  }
  return false;
}

// A gateway that moves users against the operator's change: as the split is raised (users may
// only move legacy -> notes-svc), notes-svc's users start getting answers from legacy (a reload
// points backend notes-svc at the legacy process; the admin API shows no change of it). Moves
// near *some* change are not enough: they must go its way.
TEST_F(Demo, LoadgenWithAdminCountsAMoveAgainstTheChangeAsAViolation) {
  auto loadgen = watching_loadgen(60);
  ASSERT_NO_FATAL_FAILURE(let_traffic_run(300, *loadgen));
  gw_.write_config(demo_config(legacy_port_, legacy_port_));
  const auto ramp = admin_call(admin_, "PUT", "/admin/routes/notes/split", R"({"notes-svc": 50})");
  ASSERT_EQ(ramp.status, 200) << ramp.body;
  const auto reload = admin_call(admin_, "POST", "/admin/reload");
  ASSERT_EQ(reload.status, 200) << reload.body;
  ASSERT_NO_FATAL_FAILURE(let_traffic_run(600, *loadgen));

  const auto [status, report] = finish(*loadgen);
  const auto text = report.dump();
  EXPECT_EQ(status, 1) << loadgen->output();
  EXPECT_EQ(report.value("pass", true), false) << text;
  EXPECT_EQ(report["errors"]["total"], 0) << text;
  EXPECT_GT(report["sticky_violations"].get<int>(), 0) << text;
  EXPECT_EQ(moved_along(report, "notes-svc", "legacy"), 0) << text;
  EXPECT_TRUE(some_violation_says(report, "notes-svc→legacy")) << text;
  EXPECT_TRUE(some_violation_says(report, "against the split change")) << text;
  EXPECT_EQ(report["admin"]["split_changes"].size(), 1u) << text;
}

// Users flipping back and forth while the admin API shows no change, seconds after a change that
// moved users the same way (a lowered split, notes-svc -> legacy): a move must be near its change.
TEST_F(Demo, LoadgenWithAdminCountsAFlipWhileNothingChangedAsAViolation) {
  auto loadgen = watching_loadgen(60);
  ASSERT_NO_FATAL_FAILURE(let_traffic_run(300, *loadgen));
  const auto lowered = admin_call(admin_, "PUT", "/admin/routes/notes/split", R"({"notes-svc": 10})");
  ASSERT_EQ(lowered.status, 200) << lowered.body;
  ASSERT_NO_FATAL_FAILURE(let_traffic_run(1500, *loadgen, 2s));
  for (const auto port : {legacy_port_, notes_port_}) {
    gw_.write_config(demo_config(legacy_port_, port));
    const auto reload = admin_call(admin_, "POST", "/admin/reload");
    ASSERT_EQ(reload.status, 200) << reload.body;
    ASSERT_NO_FATAL_FAILURE(let_traffic_run(600, *loadgen));
  }

  const auto [status, report] = finish(*loadgen);
  const auto text = report.dump();
  EXPECT_EQ(status, 1) << loadgen->output();
  EXPECT_EQ(report.value("pass", true), false) << text;
  EXPECT_EQ(report["errors"]["total"], 0) << text;
  EXPECT_GT(report["sticky_violations"].get<int>(), 0) << text;
  EXPECT_GT(moved_along(report, "notes-svc", "legacy"), 0) << text;  // the lowered split
  EXPECT_EQ(moved_along(report, "legacy", "notes-svc"), 0) << text;
  EXPECT_EQ(report["admin"]["split_changes"].size(), 1u) << text;
  EXPECT_TRUE(some_violation_says(report, "notes-svc→legacy")) << text;
  EXPECT_TRUE(some_violation_says(report, "while the split did not change")) << text;
}

// --admin that does not answer: the load generator says so and exits 2 before sending traffic.
TEST(DemoLoadgen, AdminApiThatDoesNotAnswerAtTheStartIsAUsageError) {
  // A bound socket that never listens: connecting is refused, and no other process can take the port.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const auto admin = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  Process loadgen({kPython, loadgen_script(), "--gateway", "http://127.0.0.1:1", "--direct-user-header",
                   "--duration", "1", "--admin", admin});
  EXPECT_EQ(loadgen.wait_exit(30s), 2) << loadgen.output();
  EXPECT_THAT(loadgen.output(Process::Stream::kStderr),
              ::testing::HasSubstr("cannot read the routes from the admin API at " + admin));
  ::close(fd);
}

}  // namespace
}  // namespace cutover::test
