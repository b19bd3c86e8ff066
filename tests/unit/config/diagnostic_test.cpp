// Diagnostic::to_string, DiagnosticSink and ConfigError: every error survives to the exception.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/config/config_fixture.hpp"

namespace cutover::config {
namespace {

using ::testing::HasSubstr;

TEST(Diagnostic, ToStringIsFileLineColSeverityMessage) {
  Diagnostic d{Severity::error, "gw.yaml", {12, 7}, "unknown key 'x'"};
  EXPECT_EQ(d.to_string(), "gw.yaml:12:7: error: unknown key 'x'");
  d.severity = Severity::warning;
  EXPECT_EQ(d.to_string(), "gw.yaml:12:7: warning: unknown key 'x'");
}

TEST(Diagnostic, WholeFileHasNoPosition) {
  Diagnostic d{Severity::error, "/etc/gw.yaml", {}, "the config is empty"};
  EXPECT_EQ(d.to_string(), "/etc/gw.yaml: error: the config is empty");
}

TEST(Diagnostic, MissingColumnPrintsAsOne) {
  Diagnostic d{Severity::error, "gw.yaml", {3, 0}, "m"};
  EXPECT_EQ(d.to_string(), "gw.yaml:3:1: error: m");
}

TEST(DiagnosticSink, CollectsInOrderWithItsFile) {
  DiagnosticSink sink("a.yaml");
  EXPECT_FALSE(sink.has_errors());
  sink.warning({1, 1}, "w");
  EXPECT_FALSE(sink.has_errors());
  EXPECT_NO_THROW(sink.throw_if_errors());
  sink.error({2, 3}, "e");
  EXPECT_TRUE(sink.has_errors());
  ASSERT_EQ(sink.all().size(), 2u);
  EXPECT_EQ(sink.file(), "a.yaml");
  EXPECT_EQ(sink.all()[0].severity, Severity::warning);
  EXPECT_EQ(sink.all()[1].to_string(), "a.yaml:2:3: error: e");
}

TEST(DiagnosticSink, ThrowIfErrorsCarriesEveryDiagnostic) {
  DiagnosticSink sink("a.yaml");
  sink.error({1, 1}, "first");
  sink.warning({2, 1}, "careful");
  sink.error({3, 1}, "second");
  try {
    sink.throw_if_errors();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 3u);
    // what() lists the errors only, one per line.
    EXPECT_STREQ(e.what(), "a.yaml:1:1: error: first\na.yaml:3:1: error: second");
  }
}

TEST(ConfigError, WithoutErrorsStillHasAMessage) {
  ConfigError e({});
  EXPECT_STREQ(e.what(), "invalid configuration");
  EXPECT_TRUE(e.diagnostics().empty());
}

TEST(ConfigError, ThreeIndependentErrorsAreThreeDiagnostics) {
  DiagnosticSink sink("gw.yaml");
  parse_config(
      "listen: nowhere\n"                                  // 1: no port
      "limits: { idle_timeout: 5x }\n"                     // 2: bad duration
      "backends:\n"
      "  legacy: { endpoints: [127.0.0.1:8000] }\n"
      "routes:\n"
      "  - { id: r, match: { prefix: / }, backend: legacy, sticky: sometimes }\n",  // 6: bad enum
      "gw.yaml", sink);
  try {
    sink.throw_if_errors();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.diagnostics().size(), 3u) << e.what();
    std::vector<int> lines;
    for (const auto& d : e.diagnostics()) lines.push_back(d.mark.line);
    std::sort(lines.begin(), lines.end());
    EXPECT_EQ(lines, (std::vector<int>{1, 2, 6}));
    EXPECT_THAT(e.what(), HasSubstr("gw.yaml:1:1: error: 'listen'"));
    EXPECT_THAT(e.what(), HasSubstr("gw.yaml:2:25: error: 'limits.idle_timeout'"));
    EXPECT_THAT(e.what(), HasSubstr("gw.yaml:6:61: error: 'routes.r.sticky'"));
  }
}

}  // namespace
}  // namespace cutover::config
