// Checks shared by the identity tests: the spoofed headers a client may send, and what the
// backend (test_upstream's /headers) saw of identity. Header-only; integration tests only.
#pragma once

#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace cutover::test {

// Every spelling a client might try to smuggle an identity through.
inline const Headers kSpoofs{{"X-User-Id", "admin"},      {"x-user-id", "root"},
                             {"X-USER-ID", "  admin "},   {"X-Cutover-Anything", "1"},
                             {"x-cutover-role", "admin"}, {"Connection", "X-User-Id, X-Cutover-Via"},
                             {"X-Cutover-Via", "client"}};

inline Headers with(Headers headers, const Headers& more) {
  headers.insert(headers.end(), more.begin(), more.end());
  return headers;
}

inline std::string bearer(const std::string& token) { return "Bearer " + token; }

// Identity headers the backend saw: X-User-Id values and every X-Cutover-* name, any spelling.
inline std::vector<std::string> user_ids_seen(const Response& r) {
  return find_headers(upstream_headers(r), "X-User-Id");
}
inline std::vector<std::string> namespace_headers_seen(const Response& r) {
  std::vector<std::string> names;
  for (const auto& [name, value] : upstream_headers(r)) {
    std::string lower = name;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower.starts_with("x-cutover-")) names.push_back(name);
  }
  return names;
}

// A 401 local reply as README describes it.
inline void expect_401(const Response& r) {
  ASSERT_EQ(r.status, 401) << r.error.message() << " " << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_THAT(r.header("WWW-Authenticate").value_or(""), ::testing::HasSubstr("Bearer"));
  const auto body = parse_json(r.body);
  ASSERT_TRUE(body) << r.body;
  EXPECT_EQ((*body)["error"], "unauthorized");
  EXPECT_EQ((*body)["status"], 401);
}

}  // namespace cutover::test
