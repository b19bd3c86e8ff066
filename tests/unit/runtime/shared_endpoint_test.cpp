// Backends that send to one address share a worker's connections to it, so a connection limit
// that differs between them is a config error at the endpoint's line (a reload is refused).
#include <gtest/gtest.h>

#include <string>

#include "cutover/config/diagnostic.hpp"
#include "cutover/runtime/snapshot.hpp"

namespace cutover::runtime {
namespace {

std::string two_backends(const std::string& first, const std::string& second) {
  return "backends:\n"
         "  legacy: { endpoints: [127.0.0.1:8000]" + first + " }\n"
         "  reports: { endpoints: [127.0.0.1:8000]" + second + " }\n"
         "routes:\n"
         "  - { id: r, match: { prefix: / }, backend: legacy }\n"
         "  - { id: s, match: { prefix: /reports }, backend: reports }\n";
}

TEST(SharedEndpoint, DifferentConnectionLimitsForOneAddressAreRejectedAtTheSecondBackend) {
  try {
    build_snapshot(two_backends(", max_connections_per_endpoint: 8", ""), "/etc/cutover/gw.yaml");
    FAIL() << "accepted two limits for 127.0.0.1:8000";
  } catch (const config::ConfigError& error) {
    ASSERT_EQ(error.diagnostics().size(), 1u);
    const auto& d = error.diagnostics()[0];
    EXPECT_EQ(d.mark.line, 3);
    EXPECT_NE(d.message.find("backends 'legacy' and 'reports' both send to 127.0.0.1:8000"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("max_connections_per_endpoint 8 and 0"), std::string::npos) << d.message;
  }
}

TEST(SharedEndpoint, TheSameLimitOrNoneIsFine) {
  EXPECT_NO_THROW(build_snapshot(two_backends("", ""), "/etc/cutover/gw.yaml"));
  EXPECT_NO_THROW(build_snapshot(two_backends(", max_connections_per_endpoint: 4", ", max_connections_per_endpoint: 4"),
                                 "/etc/cutover/gw.yaml"));
}

}  // namespace
}  // namespace cutover::runtime
