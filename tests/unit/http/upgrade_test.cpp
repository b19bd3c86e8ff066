// judge_upgrade: which requests switch protocols, which are plain requests, which are refused.
#include <gtest/gtest.h>

#include "cutover/http/upgrade.hpp"

namespace cutover::http {
namespace {

const std::vector<std::string> kWebSocket = {"websocket"};

UpgradeVerdict verdict(std::string_view upgrade, bool connection_upgrade = true, unsigned version = 11,
                       bool has_body = false, const std::vector<std::string>& allowed = kWebSocket) {
  return judge_upgrade({upgrade, connection_upgrade, version, has_body}, allowed).verdict;
}

TEST(JudgeUpgrade, AWebSocketTheRouteAllowsIsTunnelledInAnySpelling) {
  EXPECT_EQ(verdict("websocket"), UpgradeVerdict::tunnel);
  EXPECT_EQ(verdict("WebSocket"), UpgradeVerdict::tunnel);
  EXPECT_EQ(verdict(" websocket/13 "), UpgradeVerdict::tunnel);
  EXPECT_EQ(judge_upgrade({"WebSocket, foo", true, 11, false}, kWebSocket).protocol, "WebSocket");
}

TEST(JudgeUpgrade, WithoutConnectionUpgradeOrOnHttp10NothingIsAsked) {
  EXPECT_EQ(verdict("websocket", false), UpgradeVerdict::none);
  EXPECT_EQ(verdict("websocket", true, 10), UpgradeVerdict::none);
  EXPECT_EQ(verdict(""), UpgradeVerdict::none);
  EXPECT_EQ(verdict("  "), UpgradeVerdict::none);
}

TEST(JudgeUpgrade, H2cAloneIsAnsweredInHttp11) {
  EXPECT_EQ(verdict("h2c"), UpgradeVerdict::none);
  EXPECT_EQ(verdict("H2C, h2c"), UpgradeVerdict::none);
  EXPECT_EQ(verdict("h2c, foo"), UpgradeVerdict::refuse_protocol) << "h2c first, but something else asked too";
}

TEST(JudgeUpgrade, TheFirstProtocolDecides) {
  EXPECT_EQ(verdict("foo, websocket"), UpgradeVerdict::refuse_protocol);
  EXPECT_EQ(judge_upgrade({"IRC/6.9, websocket", true, 11, false}, kWebSocket).protocol, "IRC/6.9");
}

TEST(JudgeUpgrade, ARouteWithoutUpgradesRefusesEvenWebSocket) {
  EXPECT_EQ(verdict("websocket", true, 11, false, {}), UpgradeVerdict::refuse_protocol);
}

TEST(JudgeUpgrade, AnUpgradeWithABodyIsRefused) {
  EXPECT_EQ(verdict("websocket", true, 11, true), UpgradeVerdict::refuse_body);
}

}  // namespace
}  // namespace cutover::http
