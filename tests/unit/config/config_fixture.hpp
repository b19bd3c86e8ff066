#pragma once
// Helpers for parser tests: parse inline YAML, then compare the errors (line, column, message
// fragments) against what a test expects, sorted by position so emission order doesn't matter.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cutover/config/parse.hpp"

namespace cutover::config::test {

inline constexpr const char* kFile = "/etc/cutover/gw.yaml";

// Appended after a section under test, so that section's line numbers start at 1.
inline constexpr const char* kBase =
    "backends:\n"
    "  legacy: { endpoints: [127.0.0.1:8000] }\n"
    "routes:\n"
    "  - { id: default, match: { prefix: / }, backend: legacy }\n";

// A section under test followed by kBase, so the section's line numbers start at 1.
inline std::string with_base(std::string_view section) { return std::string(section) + kBase; }

// Key material for identity.jwt: the loader parses the PEM and wants HS256 secrets of 32+ bytes.
inline constexpr const char* kSecret = "0123456789abcdef0123456789abcdef";  // exactly 32 bytes
inline constexpr const char* kRsaPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDKMbaqXa1qx9zqixmKbJAHGbcO\n"
    "D30wKs7+LQI1Ge0xNeQ3YoD0lPICpyMX+AQIfkk5l1ZzTo0xfazkQJn4qFHZTFeP\n"
    "2gY4ZqEoacQfNMMTQHCHGjkebcDf1ZclDBdgOrjHTFfyz8hb32RaXAp5FrgZSQRn\n"
    "bwJDT43vRqggKOEQ+QIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
inline constexpr const char* kEcPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE3+F33tuC79hrxWvZIoAoe1F8PF0C\n"
    "dZgp870a0kxFS9HmE8w5rqN1o6Qw48nrqZcipTSmYE3Sai9R7BNQ9vvlTA==\n"
    "-----END PUBLIC KEY-----\n";

struct Parsed {
  Config config;
  std::vector<Diagnostic> diagnostics;

  std::vector<Diagnostic> errors() const {
    std::vector<Diagnostic> out;
    for (const auto& d : diagnostics) {
      if (d.severity == Severity::error) out.push_back(d);
    }
    std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::pair{a.mark.line, a.mark.column} < std::pair{b.mark.line, b.mark.column};
    });
    return out;
  }
};

inline Parsed parse(std::string_view yaml, const std::string& file = kFile) {
  DiagnosticSink sink(file);
  Parsed parsed;
  parsed.config = parse_config(yaml, file, sink);
  parsed.diagnostics = sink.all();
  return parsed;
}

inline std::string dump(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics) out += "\n  " + d.to_string();
  return out.empty() ? " (none)" : out;
}

struct Expect {
  int line;    // 0 = whole file
  int column;  // 0 = don't care
  std::vector<std::string> fragments;  // all must appear in the message
};

// The errors of `yaml` are exactly `expected` (in line order), each in the test's file.
inline void expect_errors(std::string_view yaml, const std::vector<Expect>& expected) {
  auto parsed = parse(yaml);
  auto errors = parsed.errors();
  ASSERT_EQ(errors.size(), expected.size()) << "errors:" << dump(errors);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    SCOPED_TRACE(errors[i].to_string());
    EXPECT_EQ(errors[i].file, kFile);
    EXPECT_EQ(errors[i].mark.line, expected[i].line);
    if (expected[i].column != 0) {
      EXPECT_EQ(errors[i].mark.column, expected[i].column);
    }
    for (const auto& fragment : expected[i].fragments) {
      EXPECT_THAT(errors[i].message, ::testing::HasSubstr(fragment));
    }
  }
}

// One error, at `line`, naming every fragment.
inline void expect_error(std::string_view yaml, int line, std::vector<std::string> fragments) {
  expect_errors(yaml, {{line, 0, std::move(fragments)}});
}

inline void expect_valid(std::string_view yaml) {
  auto parsed = parse(yaml);
  EXPECT_TRUE(parsed.errors().empty()) << "errors:" << dump(parsed.errors());
}

}  // namespace cutover::config::test
