// same_session_answers: a reload keeps a worker's session cache only while the auth subrequest
// would ask the same question of the same endpoints.
#include "cutover/runtime/session_source.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cutover::runtime {
namespace {

std::shared_ptr<Snapshot> with_auth(const std::string& auth, const std::string& legacy = "127.0.0.1:8000") {
  return build_snapshot("identity:\n"
                        "  auth_request: { backend: legacy" + auth + " }\n"
                        "backends:\n"
                        "  legacy: { endpoints: [" + legacy + "] }\n"
                        "  notes: { endpoints: [127.0.0.1:9000] }\n"
                        "routes:\n"
                        "  - { id: r, match: { prefix: / }, backend: legacy }\n",
                        "/etc/cutover/gw.yaml");
}

TEST(SameSessionAnswers, AReloadThatLeavesTheLookupAloneKeepsTheAnswers) {
  const auto before = with_auth("");
  EXPECT_TRUE(same_session_answers(*before, *with_auth("")));
  // Other sections, and how long a question may take, do not change what the answers are.
  EXPECT_TRUE(same_session_answers(*before, *with_auth(", timeout: 5s")));
  auto routes_changed = build_snapshot("identity:\n"
                                       "  auth_request: { backend: legacy }\n"
                                       "backends:\n"
                                       "  legacy: { endpoints: [127.0.0.1:8000] }\n"
                                       "  notes: { endpoints: [127.0.0.1:9000] }\n"
                                       "routes:\n"
                                       "  - { id: n, match: { prefix: /notes }, backend: notes }\n"
                                       "  - { id: r, match: { prefix: / }, backend: legacy }\n",
                                       "/etc/cutover/gw.yaml");
  EXPECT_TRUE(same_session_answers(*before, *routes_changed));
}

TEST(SameSessionAnswers, AnotherQuestionOrAnotherBackendStartsAfresh) {
  const auto before = with_auth("");
  const std::string changes[] = {", path: /whoami",     ", cookie: sid",        ", user_header: X-Who",
                                 ", host: shop.example", ", cache_ttl: 10s",     ", stale_if_error: 1m",
                                 ", cache_entries: 5"};
  for (const auto& change : changes) {
    EXPECT_FALSE(same_session_answers(*before, *with_auth(change))) << change;
  }
  EXPECT_FALSE(same_session_answers(*before, *with_auth("", "127.0.0.1:8001")));
  EXPECT_FALSE(same_session_answers(*before, *with_auth("", "127.0.0.1:8000, 127.0.0.1:8001")));
}

TEST(SameSessionAnswers, WithoutAuthRequestOnBothSidesNothingIsKept) {
  const auto off = build_snapshot("backends:\n  legacy: { endpoints: [127.0.0.1:8000] }\n"
                                  "routes:\n  - { id: r, match: { prefix: / }, backend: legacy }\n",
                                  "/etc/cutover/gw.yaml");
  EXPECT_FALSE(same_session_answers(*off, *off));
  EXPECT_FALSE(same_session_answers(*off, *with_auth("")));
  EXPECT_FALSE(same_session_answers(*with_auth(""), *off));
}

}  // namespace
}  // namespace cutover::runtime
