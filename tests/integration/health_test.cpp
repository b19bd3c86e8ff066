// Endpoint health with real backend processes (README "Health checks, ejection and fallback",
// DESIGN.md invariant 7): a new service killed under load costs its users nothing and they come
// back to it when it does; a service answering 5xx is ejected and re-admitted on schedule; checks
// keep an endpoint out until it passes, and ask with the configured path and Host.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;

// `count` users, each with a sticky cookie of its own.
std::vector<Headers> users(int count) {
  std::vector<Headers> out;
  for (int i = 0; i < count; ++i) {
    char id[33];
    std::snprintf(id, sizeof id, "%032x", 0x5eed0000 + i);
    out.push_back({{"Cookie", std::string("cutover_uid=") + id}});
  }
  return out;
}

nlohmann::json route_status(Gateway& gw, std::string_view id) {
  return find_by_id(json_body(admin_call(gw.admin_port(), "GET", "/admin/routes"))["routes"], id);
}

struct Answer {
  Clock::time_point at;  // when the answer came
  int status = 0;
  std::string served_by;
};

// Requests for every user in turn, from `threads` keep-alive connections, until stopped.
class Load {
 public:
  Load(std::uint16_t port, std::vector<Headers> users, int threads = 4) : users_(std::move(users)) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, port, t] {
        std::optional<HttpConnection> c;
        for (std::size_t i = static_cast<std::size_t>(t); !stop_.load(); i = (i + 4) % users_.size()) {
          Answer answer;
          try {
            if (!c) c.emplace(port);
            const auto r = c->get("/notes", users_[i]);
            answer.status = r.status;
            answer.served_by = served_by(r);
            if (r.status != 200 || !r.keep_alive) c.reset();
          } catch (const std::exception&) {
            c.reset();
          }
          answer.at = Clock::now();
          std::lock_guard lock(mutex_);
          answers_.push_back(std::move(answer));
        }
      });
    }
  }
  ~Load() { stop(); }
  std::vector<Answer> stop() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    std::lock_guard lock(mutex_);
    return answers_;
  }

 private:
  std::vector<Headers> users_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Answer> answers_;
  std::vector<std::thread> threads_;
};

TEST(Health, AServiceKilledUnderLoadCostsItsUsersNothingAndTheyComeBackToIt) {
  auto legacy = Upstream::start("legacy", 2);
  auto svc = Upstream::start("svc", 2);
  auto gw = Gateway::launch(yaml_prologue(2) + "backends:\n  legacy: { endpoints: [" + legacy->address() +
                            "] }\n  svc:\n    endpoints: [" + svc->address() +
                            "]\n    health_check: { path: /healthz, interval: 300ms, timeout: 200ms, healthy: 2, "
                            "unhealthy: 2 }\n"
                            "routes:\n  - { id: notes, match: { prefix: / }, split: { svc: 50 }, rollback_to: legacy, "
                            "fallback: legacy, sticky: cookie }\n");
  const auto everyone = users(60);
  const auto before = served_by_each(gw->port(), everyone, "/notes");
  const auto on_svc = std::count(before.begin(), before.end(), "svc");
  ASSERT_GT(on_svc, 10);
  ASSERT_EQ(on_svc + std::count(before.begin(), before.end(), "legacy"), 60) << ::testing::PrintToString(before);
  EXPECT_GT(svc->hits("/healthz"), 0u) << "the prober asks the configured path";

  Load load(gw->port(), everyone);
  std::this_thread::sleep_for(300ms);
  svc->stop();
  const auto killed = Clock::now();  // svc is gone: what it answered before counts as before
  ASSERT_TRUE(wait_until([&] { return route_status(*gw, "notes").value("fallback_active", false); }, 3s))
      << "two failed checks 300 ms apart, or five refused connects";
  const auto route = route_status(*gw, "notes");
  EXPECT_EQ(route["fallback"], "legacy");
  EXPECT_EQ(route["fallback_for"], nlohmann::json::array({"svc"}));
  // Whichever noticed first: the checks, or the traffic's refused connects.
  EXPECT_THAT(route.value("fallback_reason", ""),
              ::testing::AnyOf(HasSubstr("svc: failed 2 health checks in a row"),
                               HasSubstr("svc: ejected after 5 failed requests in a row")));
  std::this_thread::sleep_for(500ms);
  const auto answers = load.stop();

  std::size_t after_kill = 0;
  std::size_t failed_in_first_interval = 0;
  for (const auto& answer : answers) {
    if (answer.at < killed) continue;
    ++after_kill;
    if (answer.status == 200) {
      EXPECT_EQ(answer.served_by, "legacy");
      continue;
    }
    // The issue allows failures in the first interval; after it, none.
    EXPECT_LT(answer.at, killed + 300ms) << "status " << answer.status << " after the first interval";
    ++failed_in_first_interval;
  }
  EXPECT_GT(after_kill, 100u);
  // Connect failures go to the fallback at once, so even the first interval loses at most the
  // requests in flight at svc when it died.
  EXPECT_LE(failed_in_first_interval, 4u);
  const auto metrics = http_get(gw->admin_port(), "/metrics").body;
  EXPECT_EQ(metric_value(metrics, "cutover_endpoint_usable", {{"backend", "svc"}}), 0.0);
  EXPECT_EQ(metric_value(metrics, "cutover_route_fallback_active", {{"route", "notes"}}), 1.0);
  EXPECT_GT(metric_value(metrics, "cutover_fallback_requests_total", {{"route", "notes"}, {"backend", "legacy"}}).value_or(0), 0.0);
  EXPECT_GT(metric_value(metrics, "cutover_health_checks_total", {{"backend", "svc"}, {"result", "fail"}}).value_or(0), 0.0);

  // Back in rotation after two passed checks (a pass also ends an ejection for refused connects).
  svc->restart();
  ASSERT_TRUE(wait_until([&] { return !route_status(*gw, "notes").value("fallback_active", true); }, 3s));
  EXPECT_EQ(served_by_each(gw->port(), everyone, "/notes"), before) << "the same users on the same backends";
}

TEST(Health, AServiceAnswering5xxIsEjectedAndReadmittedOnSchedule) {
  auto legacy = Upstream::start("legacy");
  auto svc = Upstream::start("svc", {"--answer-status", "503"});
  auto gw = Gateway::launch(yaml_prologue(1) + "backends:\n  legacy: { endpoints: [" + legacy->address() +
                            "] }\n  svc:\n    endpoints: [" + svc->address() +
                            "]\n    outlier: { consecutive_5xx: 3, base_ejection: 1s }\n"
                            "routes:\n  - { id: notes, match: { prefix: / }, backend: svc, fallback: legacy }\n");
  HttpConnection c(gw->port());
  std::vector<Answer> answers;
  const auto start = Clock::now();
  bool checked_admin = false;
  while (Clock::now() - start < 4500ms) {
    const auto r = c.get("/notes");
    answers.push_back({Clock::now(), r.status, served_by(r)});
    if (!checked_admin && served_by(r) == "legacy") {
      checked_admin = true;
      const auto route = route_status(*gw, "notes");
      EXPECT_TRUE(route.value("fallback_active", false));
      EXPECT_THAT(route.value("fallback_reason", ""), HasSubstr("ejected after 3 5xx answers in a row for 1s"));
      const auto explained =
          json_body(admin_call(gw->admin_port(), "GET", "/admin/routes/notes/explain?user=someone"));
      EXPECT_EQ(explained["reason"], "health_fallback");
      EXPECT_EQ(explained["backend"], "legacy");
      EXPECT_EQ(explained["bucketed_backend"], "svc");
      EXPECT_THAT(explained.value("detail", ""), HasSubstr("serving legacy"));
    }
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(checked_admin);
  // Streaks of three 503s from svc, legacy in between: the gaps are the ejections, 1 s then 2 s.
  std::vector<std::pair<Clock::time_point, Clock::time_point>> ejections;  // last 503 → next svc answer
  for (std::size_t i = 0; i < answers.size(); ++i) {
    ASSERT_EQ(answers[i].status, answers[i].served_by == "svc" ? 503 : 200) << i;
    if (i > 0 && answers[i - 1].served_by == "svc" && answers[i].served_by == "legacy") {
      ejections.push_back({answers[i - 1].at, {}});
    }
    if (i > 0 && answers[i - 1].served_by == "legacy" && answers[i].served_by == "svc") {
      ASSERT_FALSE(ejections.empty());
      ejections.back().second = answers[i].at;
    }
  }
  ASSERT_EQ(std::count_if(answers.begin(), answers.begin() + 3, [](const Answer& a) { return a.served_by == "svc"; }), 3);
  ASSERT_GE(ejections.size(), 2u);
  const std::vector<std::chrono::milliseconds> expected{1000ms, 2000ms};
  for (std::size_t e = 0; e < 2; ++e) {
    const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(ejections[e].second - ejections[e].first);
    EXPECT_GE(gap, expected[e] - 20ms) << "ejection " << e + 1;
    EXPECT_LE(gap, expected[e] + 400ms) << "ejection " << e + 1;
  }
  const auto metrics = http_get(gw->admin_port(), "/metrics").body;
  EXPECT_GE(metric_value(metrics, "cutover_endpoint_ejections_total", {{"backend", "svc"}}).value_or(0), 2.0);
}

TEST(Health, AnEndpointThatStartsUnhealthyTakesTrafficOnlyOnceItsChecksPass) {
  auto legacy = Upstream::start("legacy");
  auto svc = Upstream::start("svc", {"--allowed-host", "svc.internal"});
  auto gw = Gateway::launch(yaml_prologue(1) + "backends:\n  legacy: { endpoints: [" + legacy->address() +
                            "] }\n  svc:\n    endpoints: [" + svc->address() +
                            "]\n    health_check: { path: /ready, host: svc.internal, interval: 500ms, timeout: 200ms, "
                            "healthy: 2, start: unhealthy }\n"
                            "routes:\n  - { id: notes, match: { prefix: / }, backend: svc, fallback: legacy }\n");
  // Answered by legacy until the second passed check, half a second after the first.
  const auto first = http_get(gw->port(), "/notes", {{"Host", "svc.internal"}});
  EXPECT_EQ(served_by(first), "legacy");
  EXPECT_TRUE(wait_until([&] { return served_by(http_get(gw->port(), "/notes", {{"Host", "svc.internal"}})) == "svc"; }, 3s));
  EXPECT_GE(svc->hits("/ready"), 2u) << "the prober asks the configured path with the configured Host";
}

TEST(Health, AReloadKeepsWhatTheChecksFoundAndFollowsTheNewConfig) {
  auto legacy = Upstream::start("legacy");
  auto svc = Upstream::start("svc", {"--answer-status", "503"});
  const auto config = [&](std::string_view health_check) {
    return yaml_prologue(1) + "backends:\n  legacy: { endpoints: [" + legacy->address() + "] }\n  svc:\n    endpoints: [" +
           svc->address() + "]\n" + std::string(health_check) +
           "routes:\n  - { id: notes, match: { prefix: / }, backend: svc, fallback: legacy }\n";
  };
  const std::string checked = "    health_check: { interval: 10s, timeout: 1s, unhealthy: 1 }\n";
  auto gw = Gateway::launch(config(checked));
  ASSERT_TRUE(wait_until([&] { return route_status(*gw, "notes").value("fallback_active", false); }, 3s));
  // The same checks after a reload: the endpoint stays out, though its next check is 10 s away.
  gw->write_config(config(checked) + "# edited\n");
  ASSERT_EQ(admin_call(gw->admin_port(), "POST", "/admin/reload").status, 200);
  EXPECT_TRUE(route_status(*gw, "notes").value("fallback_active", false));
  EXPECT_EQ(served_by(http_get(gw->port(), "/notes")), "legacy");
  // Checks turned off: nothing will ever pass one again, so the endpoint is back at once.
  gw->write_config(config(""));
  ASSERT_EQ(admin_call(gw->admin_port(), "POST", "/admin/reload").status, 200);
  EXPECT_FALSE(route_status(*gw, "notes").value("fallback_active", true));
  EXPECT_EQ(served_by(http_get(gw->port(), "/notes")), "svc");
}

// Without a usable fallback, a backend that fails every check still gets its requests: an
// endpoint that fails its checks may yet answer, where none would never.
TEST(Health, WithEveryEndpointDownTheBackendStillGetsItsRequests) {
  auto svc = Upstream::start("svc", {"--allowed-host", "nobody"});  // every check answered 400
  auto gw = Gateway::launch(yaml_prologue(1) + "backends:\n  svc:\n    endpoints: [" + svc->address() +
                            "]\n    health_check: { interval: 200ms, timeout: 100ms, unhealthy: 1 }\n"
                            "routes:\n  - { id: notes, match: { prefix: / }, backend: svc }\n");
  ASSERT_TRUE(wait_until([&] {
    return metric_value(http_get(gw->admin_port(), "/metrics").body, "cutover_endpoint_usable", {{"backend", "svc"}}) == 0.0;
  }, 3s));
  const auto r = http_get(gw->port(), "/notes", {{"Host", "nobody"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(served_by(r), "svc");
}

}  // namespace
}  // namespace cutover::test
