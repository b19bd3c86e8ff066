// The pools' connections per backend in /metrics: per-address counts read through the config.
#include "cutover/metrics/upstream_pool.hpp"

#include <gtest/gtest.h>

#include <map>

namespace cutover::metrics {
namespace {

// (backend, state) -> value of the cutover_upstream_connections samples.
std::map<std::pair<std::string, std::string>, double> gauges(const std::vector<Sample>& samples) {
  std::map<std::pair<std::string, std::string>, double> out;
  for (const auto& sample : samples) {
    EXPECT_EQ(sample.name, "cutover_upstream_connections");
    EXPECT_EQ(sample.type, MetricType::kGauge);
    EXPECT_EQ(sample.labels.size(), 2u);
    out[{sample.labels[0].value, sample.labels[1].value}] += sample.value;
  }
  return out;
}

TEST(UpstreamPoolMetrics, SumsEachBackendsAddressesAndSplitsActiveFromIdle) {
  const std::vector<BackendAddresses> backends = {{"legacy", {"10.0.0.1:80", "10.0.0.2:80"}}, {"notes", {"10.0.0.3:80"}}};
  const std::vector<AddressConnections> pooled = {{"10.0.0.1:80", 5, 2}, {"10.0.0.2:80", 3, 3}};
  std::vector<Sample> out;
  append_upstream_connections(out, backends, pooled);
  const auto g = gauges(out);
  EXPECT_EQ(g.at({"legacy", "active"}), 3);
  EXPECT_EQ(g.at({"legacy", "idle"}), 5);
  EXPECT_EQ(g.at({"notes", "active"}), 0) << "every backend has its series, zeros included";
  EXPECT_EQ(g.at({"notes", "idle"}), 0);
  EXPECT_EQ(g.at({"(removed)", "active"}), 0);
  EXPECT_EQ(g.at({"(removed)", "idle"}), 0);
  EXPECT_EQ(out.size(), 6u);
}

TEST(UpstreamPoolMetrics, AnAddressNoBackendNamesCountsAsRemoved) {
  const std::vector<BackendAddresses> backends = {{"app", {"10.0.0.2:80"}}};
  const std::vector<AddressConnections> pooled = {{"10.0.0.1:80", 2, 0}, {"10.0.0.9:80", 1, 1}};
  std::vector<Sample> out;
  append_upstream_connections(out, backends, pooled);
  const auto g = gauges(out);
  EXPECT_EQ(g.at({"app", "active"}), 0);
  EXPECT_EQ(g.at({"(removed)", "active"}), 2);
  EXPECT_EQ(g.at({"(removed)", "idle"}), 1);
}

TEST(UpstreamPoolMetrics, BackendsSharingAnAddressEachShowItsConnections) {
  const std::vector<BackendAddresses> backends = {{"legacy", {"10.0.0.1:80", "10.0.0.1:80"}},
                                                  {"legacy-auth", {"10.0.0.1:80"}}};
  const std::vector<AddressConnections> pooled = {{"10.0.0.1:80", 4, 1}};
  std::vector<Sample> out;
  append_upstream_connections(out, backends, pooled);
  const auto g = gauges(out);
  EXPECT_EQ(g.at({"legacy", "active"}), 3) << "an address listed twice is one pool";
  EXPECT_EQ(g.at({"legacy-auth", "active"}), 3);
  EXPECT_EQ(g.at({"(removed)", "active"}), 0);
}

TEST(UpstreamPoolMetrics, IdleIsNeverShownAboveOpen) {
  const std::vector<BackendAddresses> backends = {{"app", {"a:1"}}};
  const std::vector<AddressConnections> pooled = {{"a:1", 1, 2}};  // two relaxed reads apart
  std::vector<Sample> out;
  append_upstream_connections(out, backends, pooled);
  const auto g = gauges(out);
  EXPECT_EQ(g.at({"app", "active"}), 0);
  EXPECT_EQ(g.at({"app", "idle"}), 1);
}

TEST(UpstreamPoolMetrics, PoolClosesAreCountersByReason) {
  const std::string_view reasons[] = {"idle_timeout", "backend_closed"};
  const std::uint64_t counts[] = {7, 2};
  std::vector<Sample> out;
  append_pool_closes(out, reasons, counts);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "cutover_upstream_pool_closed_total");
  EXPECT_EQ(out[0].type, MetricType::kCounter);
  EXPECT_EQ(out[0].labels[0].name, "reason");
  EXPECT_EQ(out[0].labels[0].value, "idle_timeout");
  EXPECT_EQ(out[0].value, 7);
  EXPECT_EQ(out[1].labels[0].value, "backend_closed");
  EXPECT_EQ(out[1].value, 2);
}

}  // namespace
}  // namespace cutover::metrics
