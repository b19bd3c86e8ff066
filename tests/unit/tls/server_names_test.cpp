#include "cutover/tls/server_names.hpp"

#include <gtest/gtest.h>

namespace cutover::tls {
namespace {

TEST(NameCovers, ExactNamesMatchWithoutCaseAndWithATrailingDot) {
  EXPECT_TRUE(name_covers("api.example.com", "api.example.com"));
  EXPECT_TRUE(name_covers("api.example.com", "API.Example.COM"));
  EXPECT_TRUE(name_covers("api.example.com", "api.example.com."));
  EXPECT_FALSE(name_covers("api.example.com", "example.com"));
  EXPECT_FALSE(name_covers("api.example.com", ""));
}

TEST(NameCovers, AWildcardStandsForExactlyOneLabel) {
  EXPECT_TRUE(name_covers("*.example.com", "a.example.com"));
  EXPECT_FALSE(name_covers("*.example.com", "example.com"));
  EXPECT_FALSE(name_covers("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(name_covers("*.example.com", ".example.com"));
  EXPECT_FALSE(name_covers("*.example.com", "a.example.org"));
}

TEST(ChooseCertificate, PicksTheCertificateNamingTheHost) {
  const std::vector<std::vector<std::string>> names{{"a.test"}, {"b.test", "*.b.test"}, {"c.test"}};
  EXPECT_EQ(choose_certificate(names, "a.test"), 0u);
  EXPECT_EQ(choose_certificate(names, "b.test"), 1u);
  EXPECT_EQ(choose_certificate(names, "x.b.test"), 1u);
  EXPECT_EQ(choose_certificate(names, "C.TEST"), 2u);
}

TEST(ChooseCertificate, AnExactNameWinsOverAnEarlierWildcard) {
  const std::vector<std::vector<std::string>> names{{"*.example.com"}, {"api.example.com"}};
  EXPECT_EQ(choose_certificate(names, "api.example.com"), 1u);
  EXPECT_EQ(choose_certificate(names, "www.example.com"), 0u);
}

TEST(ChooseCertificate, NoNameOrAnUnknownOneGetsTheFirst) {
  const std::vector<std::vector<std::string>> names{{"a.test"}, {"b.test"}};
  EXPECT_EQ(choose_certificate(names, ""), 0u);
  EXPECT_EQ(choose_certificate(names, "unknown.test"), 0u);
}

}  // namespace
}  // namespace cutover::tls
