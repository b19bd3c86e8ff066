#include "cutover/routing/path.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace cutover::routing {
namespace {

struct Case {
  std::string input;
  std::optional<std::string> expected;  // nullopt: rejected (400)
};

void PrintTo(const Case& c, std::ostream* os) { *os << "\"" << c.input << "\""; }

class NormalizePath : public ::testing::TestWithParam<Case> {};

TEST_P(NormalizePath, MatchesTable) {
  const auto& c = GetParam();
  EXPECT_EQ(normalize_path(c.input), c.expected) << "input: " << c.input;
}

// One case a line reads best as a table.
// clang-format off
// Already-normal paths take the fast pass and must come back byte for byte.
INSTANTIATE_TEST_SUITE_P(AlreadyNormal, NormalizePath, ::testing::Values(
    Case{"/", "/"},
    Case{"/a", "/a"},
    Case{"/a/", "/a/"},
    Case{"/api/notes/42", "/api/notes/42"},
    Case{"/a/b/c/", "/a/b/c/"},
    Case{"/a%2Fb", "/a%2Fb"},
    Case{"/caf%C3%A9", "/caf%C3%A9"},
    Case{"/a:b@c!$&'()*+,;=", "/a:b@c!$&'()*+,;="},
    Case{"/-._~", "/-._~"},
    Case{"/.a/..b/...", "/.a/..b/..."},
    Case{"/a.b", "/a.b"}));

INSTANTIATE_TEST_SUITE_P(Escapes, NormalizePath, ::testing::Values(
    Case{"/%61%62%63", "/abc"},              // unreserved letters are decoded
    Case{"/%7E%2D%2e%5F", "/~-._"},          // unreserved marks are decoded
    Case{"/a%2fb", "/a%2Fb"},                // encoded slash stays encoded
    Case{"/a%2Fb/../c", "/c"},               // ... and is not a separator for ".."
    Case{"/caf%c3%a9", "/caf%C3%A9"},        // other escapes upper-cased
    Case{"/%3f%23", "/%3F%23"},
    Case{"/%252e%252e/", "/%252e%252e/"},    // no double decoding
    Case{"/%25", "/%25"}));

INSTANTIATE_TEST_SUITE_P(Segments, NormalizePath, ::testing::Values(
    Case{"//", "/"},
    Case{"//admin", "/admin"},
    Case{"/a//b///c", "/a/b/c"},
    Case{"/a//", "/a/"},
    Case{"/./", "/"},
    Case{"/.", "/"},
    Case{"/..", "/"},
    Case{"/../../etc/passwd", "/etc/passwd"},
    Case{"/a/./b/../c", "/a/c"},
    Case{"/a/b/..", "/a/"},
    Case{"/a/..", "/"},
    Case{"/a/.", "/a/"},
    Case{"/a/b/../../..", "/"},
    Case{"/a/b/./", "/a/b/"},
    Case{"/a/.b/c", "/a/.b/c"},
    Case{"/a/..b", "/a/..b"}));

// Encoded dots decode first and are then removed: otherwise "/%2e%2e/admin" would reach a backend
// that decodes it as "/../admin" while matching as a harmless segment here.
INSTANTIATE_TEST_SUITE_P(EncodedDots, NormalizePath, ::testing::Values(
    Case{"/a/%2e%2e/b", "/b"},
    Case{"/%2e%2E/", "/"},
    Case{"/%2E%2E/admin", "/admin"},
    Case{"/a/%2e/b", "/a/b"},
    Case{"/a/.%2e/b", "/b"},
    Case{"/a/b/%2e%2e", "/a/"},
    Case{"/%2e", "/"}));

INSTANTIATE_TEST_SUITE_P(Rejected, NormalizePath, ::testing::Values(
    Case{"", std::nullopt},
    Case{"a/b", std::nullopt},
    Case{"*", std::nullopt},
    Case{"http://x/", std::nullopt},
    Case{"/a\\b", std::nullopt},
    Case{"/\\", std::nullopt},
    Case{"/%00", std::nullopt},
    Case{"/a%00b", std::nullopt},
    Case{"/a/%2e%00", std::nullopt},
    Case{"/%G1", std::nullopt},
    Case{"/%1G", std::nullopt},
    Case{"/%", std::nullopt},
    Case{"/%4", std::nullopt},
    Case{"/a%", std::nullopt},
    Case{"/a/%2e/%", std::nullopt},          // rejected on the rewriting pass too
    Case{"/a b", std::nullopt},
    Case{"/a\tb", std::nullopt},
    Case{"/a\r\nb", std::nullopt},
    Case{std::string("/a\0b", 4), std::nullopt},
    Case{"/\x7f", std::nullopt},
    Case{"/\"", std::nullopt},
    Case{"/<script>", std::nullopt},
    Case{"/^", std::nullopt},
    Case{"/`", std::nullopt},
    Case{"/{id}", std::nullopt},
    Case{"/a|b", std::nullopt},
    Case{"/a?b", std::nullopt},
    Case{"/a#b", std::nullopt},
    Case{"/caf\xc3\xa9", std::nullopt},
    Case{"//../\xff", std::nullopt}));
// clang-format on

TEST(NormalizePathProperties, IsIdempotent) {
  for (const char* input : {"/a/%2e%2e/b", "//x//y/", "/a%2fb/./c/..", "/%7euser/", "/caf%c3%a9"}) {
    const auto once = normalize_path(input);
    ASSERT_TRUE(once.has_value()) << input;
    EXPECT_EQ(normalize_path(*once), once) << input;
  }
}

TEST(NormalizePathProperties, LongPathsWork) {
  std::string deep;
  std::string expected;
  for (int i = 0; i < 2000; ++i) {
    deep += "/seg" + std::to_string(i) + "/.";
    expected += "/seg" + std::to_string(i);
  }
  EXPECT_EQ(normalize_path(deep), expected + "/");
  EXPECT_EQ(normalize_path(expected), expected);
}

// Whatever comes out is a fixed point with none of the shapes normalization removes.
TEST(NormalizePathProperties, RandomPathsNormalizeToAFixedPoint) {
  const std::vector<std::string> pieces = {"/", "/", ".", "..", "a", "%2e", "%2E", "%2f",
                                           "%41", "%7e", "%c3", "%00", "%", "%g", "~", " "};
  std::mt19937 rng(20240611);
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string input = "/";
    const int length = static_cast<int>(rng() % 12);
    for (int i = 0; i < length; ++i) input += pieces[rng() % pieces.size()];
    const auto out = normalize_path(input);
    if (!out) continue;
    ++accepted;
    SCOPED_TRACE(input + " -> " + *out);
    ASSERT_EQ(out->front(), '/');
    ASSERT_EQ(out->find("//"), std::string::npos);
    const std::string closed = *out + "/";
    ASSERT_EQ(closed.find("/./"), std::string::npos);
    ASSERT_EQ(closed.find("/../"), std::string::npos);
    for (std::size_t i = out->find('%'); i != std::string::npos; i = out->find('%', i + 1)) {
      // Pieces may combine into any escape; it must be upper case and not decodable.
      ASSERT_LE(i + 3, out->size());
      const std::string hex = out->substr(i + 1, 2);
      ASSERT_EQ(hex.find_first_not_of("0123456789ABCDEF"), std::string::npos) << hex;
      const auto value = static_cast<char>(std::stoi(hex, nullptr, 16));
      ASSERT_EQ(std::string_view("-._~").find(value), std::string_view::npos) << hex;
      ASSERT_FALSE(std::isalnum(static_cast<unsigned char>(value))) << hex;
    }
    ASSERT_EQ(normalize_path(*out), out);
  }
  EXPECT_GT(accepted, 5000);
}

}  // namespace
}  // namespace cutover::routing
