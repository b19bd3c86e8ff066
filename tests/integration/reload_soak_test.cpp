// Reload is atomic and safe (DESIGN.md invariant 3) under load: 100 SIGHUPs alternating two
// valid configs while wrk runs lose no request, and each counts once; broken configs of every
// kind fail visibly (422 with file:line, /admin/status, /metrics) while traffic keeps flowing on
// the old routes, until a good reload clears the failure.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/process.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <regex>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kWrk = "/usr/bin/wrk";
constexpr int kReloads = 100;

class ReloadSoak : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kWrk)) << kWrk << " is not installed (scripts/install-deps.sh installs it)";
    legacy_ = Upstream::start("legacy", 2);
    new_ = Upstream::start("new", 2);
  }

  // `routes` follows the shared backends section (legacy, new, spare = new's endpoint).
  std::string config(const std::string& routes, const std::string& spare_endpoint = "") const {
    return yaml_prologue() +
           "backends:\n"
           "  legacy: { endpoints: [" + legacy_->address() + "] }\n"
           "  new: { endpoints: [" + new_->address() + "] }\n"
           "  spare: { endpoints: [" + (spare_endpoint.empty() ? new_->address() : spare_endpoint) + "] }\n"
           "routes:\n" + routes;
  }

  static std::string notes_route(const std::string& split) {
    return "  - { id: notes, match: { prefix: /api/notes }, split: { " + split +
           " }, rollback_to: legacy, sticky: none }\n";
  }
  static std::string default_route() { return "  - { id: default, match: { prefix: / }, backend: legacy }\n"; }

  void start(const std::string& yaml) {
    gateway_ = Gateway::launch(yaml);
    admin_ = gateway_->admin_port();
  }

  // Points the config path at `name` (a file next to it) by renaming a fresh symlink over it:
  // atomic, the way a Kubernetes ConfigMap is updated. Rewriting the file 100 times instead
  // would make each save wait for ext4's flush-on-rename, seconds apiece on a busy disk.
  void point_config_at(const std::string& name) {
    const auto link = gateway_->dir() / ".cutover.yaml.link";
    std::filesystem::remove(link);
    std::filesystem::create_symlink(name, link);
    std::filesystem::rename(link, gateway_->config_path());
  }

  nlohmann::json status() { return json_body(admin_call(admin_, "GET", "/admin/status")); }
  std::string metrics() {
    const auto r = http_get(admin_, "/metrics");
    EXPECT_EQ(r.status, 200);
    return r.body;
  }
  double reloads_metric(const std::string& result) {
    return metric_value(metrics(), "cutover_reloads_total", {{"result", result}}).value_or(0);
  }

  std::unique_ptr<Upstream> legacy_;
  std::unique_ptr<Upstream> new_;
  std::unique_ptr<Gateway> gateway_;
  std::uint16_t admin_ = 0;
};

TEST_F(ReloadSoak, HundredSighupsUnderLoadLoseNothing) {
  const auto config_a = config(notes_route("new: 25") + default_route());
  const auto config_b = config(notes_route("new: 75, spare: 5") +
                               "  - { id: extra, match: { prefix: /extra }, backend: new }\n" + default_route());
  gateway_ = std::make_unique<Gateway>();
  gateway_->write_file("config-a.yaml", config_a);
  gateway_->write_file("config-b.yaml", config_b);
  point_config_at("config-a.yaml");
  gateway_->start();
  admin_ = gateway_->admin_port();
  auto status_before = status();
  ASSERT_TRUE(status_before.is_object());
  const double success_before = reloads_metric("success");

  // wrk on the split route; a few clients on a route that exists in only one of the configs.
  Process wrk({kWrk, "-t2", "-c32", "-d60s", "--timeout", "5s", "http://" + gateway_->address() + "/api/notes/7"});
  BackgroundLoad extra(gateway_->port(), "/extra/1", 2);
  ASSERT_TRUE(wait_until([&] { return new_->hits("/api/notes/7") > 100; }, 5s)) << wrk.output();

  auto& p = gateway_->process();
  std::vector<std::string> hashes;  // config_hash after each reload: must alternate A, B
  for (int i = 0; i < kReloads; ++i) {
    const auto mark = p.output_size(Process::Stream::kStderr);
    point_config_at(i % 2 == 0 ? "config-b.yaml" : "config-a.yaml");
    ASSERT_TRUE(p.send_signal(SIGHUP));
    ASSERT_TRUE(p.wait_for_line(std::regex("reloaded"), 5s, Process::Stream::kStderr, mark))
        << "reload " << i << "\n" << p.output();
    hashes.push_back(status().value("config_hash", ""));
    std::this_thread::sleep_for(15ms);  // paces the reloads so requests run on every snapshot
  }
  ASSERT_EQ(hashes.size(), static_cast<std::size_t>(kReloads));
  EXPECT_NE(hashes[0], hashes[1]);
  EXPECT_NE(hashes[0], status_before.value("config_hash", "")) << "config B has config A's hash";
  for (std::size_t i = 2; i < hashes.size(); ++i) {
    EXPECT_EQ(hashes[i], hashes[i % 2]) << "reload " << i << " did not load the file it was given";
  }
  EXPECT_EQ(hashes[1], status_before.value("config_hash", "")) << "A reloaded has A's hash";
  ASSERT_TRUE(wrk.running()) << "wrk ended before the reloads did: " << wrk.output();
  ASSERT_TRUE(wrk.send_signal(SIGINT));  // wrk prints its summary on SIGINT
  const auto exit_code = wrk.wait_exit(15s);
  extra.stop();
  const auto out = wrk.output(Process::Stream::kStdout) + wrk.output(Process::Stream::kStderr);

  ASSERT_EQ(exit_code, 0) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"((\d+) requests in)"))) << out;
  EXPECT_GT(std::stoull(m[1]), 1000u) << out;
  EXPECT_THAT(out, Not(HasSubstr("Socket errors"))) << out;
  EXPECT_THAT(out, Not(HasSubstr("Non-2xx or 3xx responses"))) << out;
  EXPECT_EQ(extra.failed(), 0u) << extra.failures();
  EXPECT_GT(extra.ok(), 0u);
  EXPECT_GT(legacy_->hits("/api/notes/7"), 0u);
  EXPECT_TRUE(p.running());

  // Every reload counted once, none failed.
  auto status_after = status();
  ASSERT_TRUE(status_after.is_object());
  EXPECT_EQ(status_after.value("reloads", 0) - status_before.value("reloads", 0), kReloads) << status_after.dump(2);
  EXPECT_EQ(status_after.value("reload_failures", -1), status_before.value("reload_failures", -2));
  EXPECT_EQ(status_after["last_reload"].value("ok", false), true);
  EXPECT_EQ(reloads_metric("success") - success_before, kReloads);
  EXPECT_EQ(metric_value(metrics(), "cutover_last_reload_successful"), 1.0);
  // The last config written (A, no `extra` route) is the one serving.
  EXPECT_EQ(served_by(http_get(gateway_->port(), "/extra/2")), "legacy");
}

TEST_F(ReloadSoak, BrokenConfigsFailVisiblyAndTrafficKeepsTheOldRoutes) {
  const auto good = config(notes_route("new: 100") + default_route());
  start(good);
  const std::string path = gateway_->config_path().string();
  auto hash_before = status()["config_hash"];
  BackgroundLoad load(gateway_->port(), "/api/notes/1", 4);
  ASSERT_TRUE(load.wait_for_progress(50, 5s)) << load.failures();
  double failures = reloads_metric("failure");
  const double successes = reloads_metric("success");

  struct Broken {
    std::string name, yaml;
  };
  const std::vector<Broken> cases{
      {"YAML syntax error", good + "  - { id: broken, match: { prefix: /b }\n"},
      {"unknown backend in a route", config(notes_route("newer: 100") + default_route())},
      {"split over 100%", config(notes_route("new: 70, spare: 40") + default_route())},
      {"bad port", config(notes_route("new: 0") + default_route(), "127.0.0.1:70000")},
  };
  const std::regex file_line(std::regex_replace(path, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") + R"(:\d+)");
  for (const auto& c : cases) {
    gateway_->write_config(c.yaml);
    const auto r = admin_call(admin_, "POST", "/admin/reload");
    EXPECT_EQ(r.status, 422) << c.name << ": " << r.body;
    EXPECT_TRUE(std::regex_search(r.body, file_line)) << c.name << ": no file:line in " << r.body;

    auto s = status();
    ASSERT_TRUE(s.is_object()) << c.name;
    EXPECT_EQ(s["last_reload"].value("ok", true), false) << c.name << ": " << s.dump(2);
    ASSERT_TRUE(s["last_reload"]["error"].is_string()) << c.name << ": " << s.dump(2);
    EXPECT_TRUE(std::regex_search(s["last_reload"]["error"].get<std::string>(), file_line)) << c.name << ": " << s.dump(2);
    EXPECT_EQ(s["config_hash"], hash_before) << c.name << " changed the config";

    const auto text = metrics();
    EXPECT_EQ(metric_value(text, "cutover_reloads_total", {{"result", "failure"}}).value_or(0), failures + 1) << c.name;
    EXPECT_EQ(metric_value(text, "cutover_last_reload_successful"), 0.0) << c.name;
    failures += 1;

    // The old routes still serve: everything on notes goes to new.
    for (int i = 0; i < 5; ++i) EXPECT_EQ(served_by(http_get(gateway_->port(), "/api/notes/2")), "new") << c.name;
  }

  // SIGHUP with a broken file fails the same way.
  auto& p = gateway_->process();
  const auto mark = p.output_size(Process::Stream::kStderr);
  gateway_->write_config(good + "bogus_key: 1\n");
  ASSERT_TRUE(p.send_signal(SIGHUP));
  ASSERT_TRUE(p.wait_for_line(std::regex("reload failed"), 5s, Process::Stream::kStderr, mark)) << p.output();
  EXPECT_TRUE(wait_until([&] { return reloads_metric("failure") == failures + 1; }, 2s));
  EXPECT_EQ(status()["last_reload"].value("ok", true), false);
  EXPECT_EQ(served_by(http_get(gateway_->port(), "/api/notes/3")), "new");

  // A good reload clears it and takes effect.
  gateway_->write_config(config(notes_route("new: 0") + default_route()));
  const auto ok = admin_call(admin_, "POST", "/admin/reload");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(metric_value(metrics(), "cutover_last_reload_successful"), 1.0);
  EXPECT_EQ(reloads_metric("success"), successes + 1);
  EXPECT_EQ(status()["last_reload"].value("ok", false), true);
  EXPECT_EQ(served_by(http_get(gateway_->port(), "/api/notes/4")), "legacy");

  ASSERT_TRUE(load.wait_for_progress(50, 5s)) << load.failures();
  load.stop();
  EXPECT_EQ(load.failed(), 0u) << load.failures();
}

}  // namespace
}  // namespace cutover::test
