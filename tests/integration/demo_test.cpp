// The bundled demo end to end: demo/legacy_app.py and demo/notes_service.py behind the real
// gateway with a config equivalent to config/cutover.yaml, driven by demo/loadgen.py, which
// checks every answer byte for byte and every user's stickiness.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPython = "/usr/bin/python3";

// Starts a demo service on port 0 and reads its port from "<name> listening on 127.0.0.1:PORT".
std::pair<std::unique_ptr<Process>, std::uint16_t> start_service(const std::string& script, const std::string& name) {
  auto p = std::make_unique<Process>(
      std::vector<std::string>{kPython, std::string(CUTOVER_SOURCE_DIR) + "/demo/" + script, "--port", "0"});
  const auto m = p->wait_for_line(std::regex(name + R"( listening on 127\.0\.0\.1:(\d+))"), 15s);
  if (!m) throw std::runtime_error(script + " did not start\n" + p->output());
  return {std::move(p), static_cast<std::uint16_t>(std::stoul((*m)[1]))};
}

TEST(Demo, LoadgenSeesCorrectStickyAnswersThroughTheGateway) {
  // scripts/install-deps.sh installs it: a missing interpreter is a broken setup, not a skip.
  ASSERT_TRUE(std::filesystem::exists(kPython)) << "no " << kPython << " (scripts/install-deps.sh installs python3)";
  auto [legacy, legacy_port] = start_service("legacy_app.py", "legacy");
  auto [notes, notes_port] = start_service("notes_service.py", "notes-svc");

  Gateway gw;
  const auto secret = gw.write_file("demo-jwt-secret.txt", std::string(kJwtSecret) + "\n");
  gw.write_config(yaml_prologue(2, true) +
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
                  "    backend: legacy\n");
  const auto check = gw.check();
  ASSERT_EQ(check.exit_code, 0) << check.out;
  gw.start();

  // The account route wants a user.
  EXPECT_EQ(http_get(gw.port(), "/api/account").status, 401);

  Process loadgen({kPython, std::string(CUTOVER_SOURCE_DIR) + "/demo/loadgen.py", "--gateway",
                   "http://" + gw.address(), "--users", "100", "--duration", "3", "--secret-file", secret.string(),
                   "--json", "--quiet"});
  const auto status = loadgen.wait_exit(60s);
  const auto out = loadgen.output(Process::Stream::kStdout);
  EXPECT_EQ(status, 0) << loadgen.output();
  // The summary is the last line of stdout.
  const auto last = out.substr(out.rfind('\n', out.size() >= 2 ? out.size() - 2 : 0) + 1);
  const auto report = parse_json(last);
  ASSERT_TRUE(report) << loadgen.output();
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
  EXPECT_TRUE(gw.process().running());
  EXPECT_EQ(gw.stop(), 0);
}

}  // namespace
}  // namespace cutover::test
