// Percentages arriving as JSON numbers: exactly the 0.01 steps from 0 to 100, nothing rounded.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "cutover/runtime/overrides.hpp"

namespace cutover::runtime {
namespace {

using nlohmann::json;

std::optional<config::BasisPoints> from_text(const std::string& text) {
  return basis_points_from_json(json::parse(text));
}

TEST(BasisPointsFromJson, AcceptsTwoDigitDecimals) {
  EXPECT_EQ(from_text("25"), 2500u);
  EXPECT_EQ(from_text("12.5"), 1250u);
  EXPECT_EQ(from_text("12.34"), 1234u);
  EXPECT_EQ(from_text("0.01"), 1u);
  EXPECT_EQ(from_text("99.99"), 9999u);
  EXPECT_EQ(from_text("0"), 0u);
  EXPECT_EQ(from_text("0.0"), 0u);
  EXPECT_EQ(from_text("100"), 10000u);
  EXPECT_EQ(from_text("100.00"), 10000u);
  EXPECT_EQ(from_text("1.25e1"), 1250u);  // the same number, written differently
  EXPECT_EQ(from_text("-0.0"), 0u);
}

TEST(BasisPointsFromJson, EveryStepSurvivesTextAndDouble) {
  // What the state file and the admin API write, read back: every one of the 10,001 values.
  for (config::BasisPoints bp = 0; bp <= config::kAllTraffic; ++bp) {
    const json value = percent_value(bp);
    ASSERT_EQ(basis_points_from_json(value), bp);
    ASSERT_EQ(from_text(value.dump()), bp) << value.dump();
    ASSERT_EQ(from_text(percent_json(bp).dump()), bp) << percent_json(bp).dump();
  }
}

TEST(BasisPointsFromJson, RejectsWhatIsNotAStep) {
  for (const char* text : {"12.345", "0.001", "99.999", "100.01", "101", "-1", "-0.01", "1e3",
                           "\"12\"", "true", "null", "[25]", "{}", "33.333333333333336"}) {
    EXPECT_EQ(from_text(text), std::nullopt) << text;
  }
  EXPECT_EQ(basis_points_from_json(json(std::numeric_limits<double>::quiet_NaN())), std::nullopt);
  EXPECT_EQ(basis_points_from_json(json(std::numeric_limits<double>::infinity())), std::nullopt);
  EXPECT_EQ(basis_points_from_json(json(std::int64_t{-5})), std::nullopt);
  EXPECT_EQ(basis_points_from_json(json(std::uint64_t{1} << 40)), std::nullopt);
}

TEST(PercentJson, WholeNumbersAreIntegers) {
  EXPECT_EQ(percent_json(2500).dump(), "25");
  EXPECT_EQ(percent_json(1250).dump(), "12.5");
  EXPECT_EQ(percent_json(1234).dump(), "12.34");
  EXPECT_EQ(percent_json(1).dump(), "0.01");
}

TEST(PercentText, ShortestExactForm) {
  EXPECT_EQ(percent_text(2500), "25%");
  EXPECT_EQ(percent_text(1250), "12.5%");
  EXPECT_EQ(percent_text(1205), "12.05%");
  EXPECT_EQ(percent_text(1), "0.01%");
  EXPECT_EQ(percent_text(0), "0%");
  EXPECT_EQ(percent_text(10000), "100%");
}

TEST(ParseSplitBody, SortsByBackendName) {
  SplitShares split;
  EXPECT_EQ(parse_split_body(json::parse(R"({"static-svc": 5, "notes-svc": 12.5})"), split),
            std::nullopt);
  EXPECT_EQ(split, (SplitShares{{"notes-svc", 1250}, {"static-svc", 500}}));
}

TEST(ParseSplitBody, SaysWhatToFix) {
  SplitShares split;
  const auto not_object = parse_split_body(json::parse("[50]"), split);
  ASSERT_TRUE(not_object);
  EXPECT_EQ(not_object->status, 400);
  EXPECT_EQ(not_object->message,
            "the body must be a JSON object of backend → percent, e.g. {\"notes-svc\": 50}");

  const auto bad =
      parse_split_body(json::parse(R"({"notes-svc": 12.345, "search-svc": "5"})"), split);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->message,
            "'notes-svc' must be a percentage from 0 to 100 in steps of 0.01 (e.g. 12.5), not "
            "12.345; 'search-svc' must be a percentage from 0 to 100 in steps of 0.01 (e.g. "
            "12.5), not \"5\"");

  const auto over = parse_split_body(json::parse(R"({"notes-svc": 150})"), split);
  ASSERT_TRUE(over);
  EXPECT_NE(over->message.find("not 150"), std::string::npos);
}

}  // namespace
}  // namespace cutover::runtime
