// parse_duration, parse_size and parse_percent: what each accepts, what it refuses, and overflow.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "cutover/config/parse.hpp"

namespace cutover::config {
namespace {

template <class T>
struct Case {
  std::string text;
  std::optional<T> expected;  // nullopt = must be refused
};

std::string show(const std::string& text) { return "'" + text + "'"; }

TEST(ParseDuration, Table) {
  using D = Duration;
  const std::vector<Case<D>> cases = {
      {"250ms", D(250)},        {"30s", D(30'000)},     {"2m", D(120'000)},     {"1h", D(3'600'000)},
      {"0s", D(0)},             {"0ms", D(0)},          {" 5s ", D(5'000)},     {"5 s", D(5'000)},
      {"720h", D(2'592'000'000)},                       // the 30-day cap itself
      {"43200m", D(2'592'000'000)},
      {"30", std::nullopt},     {"5x", std::nullopt},   {"-1s", std::nullopt},  {"+1s", std::nullopt},
      {"1.5s", std::nullopt},   {"s", std::nullopt},    {"", std::nullopt},     {"1S", std::nullopt},
      {"1sec", std::nullopt},   {"1d", std::nullopt},   {"1h30m", std::nullopt}, {"721h", std::nullopt},
      {"2592000001ms", std::nullopt},
      {"18446744073709551615h", std::nullopt},          // multiplication would overflow
      {"99999999999999999999999ms", std::nullopt},      // does not fit 64 bits at all
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(show(c.text));
    D out{-7};
    bool ok = parse_duration(c.text, out);
    ASSERT_EQ(ok, c.expected.has_value());
    if (ok) {
      EXPECT_EQ(out, *c.expected);
    } else {
      EXPECT_EQ(out, D(-7)) << "a refused value must leave the output untouched";
    }
  }
}

TEST(ParseSize, Table) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  const std::vector<Case<std::uint64_t>> cases = {
      {"0", 0},
      {"512", 512},
      {"512B", 512},
      {"64KiB", 65'536},
      {"10MiB", 10ull << 20},
      {"1GiB", 1ull << 30},
      {"2TiB", 2ull << 40},
      {"10KB", 10'000},
      {"10kB", 10'000},
      {"10MB", 10'000'000},
      {"3GB", 3'000'000'000},
      {" 4 KiB ", 4096},
      {"18446744073709551615", kMax},
      {"16777215TiB", 16'777'215ull << 40},
      {"16777216TiB", std::nullopt},  // 2^64: overflow
      {"18446744073709551616", std::nullopt},
      {"18446744073709551615KB", std::nullopt},
      {"", std::nullopt},
      {"KiB", std::nullopt},
      {"-1", std::nullopt},
      {"1.5MiB", std::nullopt},
      {"64kib", std::nullopt},
      {"64K", std::nullopt},
      {"64 bytes", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(show(c.text));
    std::uint64_t out = 7;
    bool ok = parse_size(c.text, out);
    ASSERT_EQ(ok, c.expected.has_value());
    if (ok) {
      EXPECT_EQ(out, *c.expected);
    }
  }
}

TEST(ParsePercent, Table) {
  const std::vector<Case<BasisPoints>> cases = {
      {"0", 0u},           {"25", 2500u},       {"100", 10000u},    {"0.01", 1u},      {"0.1", 10u},
      {"12.34", 1234u},    {"12.5", 1250u},     {"99.99", 9999u},   {"100.00", 10000u}, {"12.340", 1234u},
      {"12.3400000", 1234u}, {"25%", 2500u},    {"25 %", 2500u},    {" 7.5 ", 750u},   {"0.10", 10u},
      {"101", std::nullopt},      {"100.01", std::nullopt},  {"12.345", std::nullopt}, {"0.001", std::nullopt},
      {"-1", std::nullopt},       {"+1", std::nullopt},      {"abc", std::nullopt},    {"", std::nullopt},
      {"%", std::nullopt},        {"5.", std::nullopt},      {".5", std::nullopt},     {"1.2.3", std::nullopt},
      {"1e2", std::nullopt},      {"25%%", std::nullopt},    {"0x10", std::nullopt},   {"1.-5", std::nullopt},
      {"18446744073709551616", std::nullopt},                // does not fit 64 bits
      {"184467440737095516", std::nullopt},                  // fits, but *100 would overflow
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(show(c.text));
    BasisPoints out = 7;
    bool ok = parse_percent(c.text, out);
    ASSERT_EQ(ok, c.expected.has_value());
    if (ok) {
      EXPECT_EQ(out, *c.expected);
    }
  }
}

TEST(ParsePercent, EveryHundredthRoundTrips) {
  for (BasisPoints bp = 0; bp <= kAllTraffic; ++bp) {
    std::string text = std::to_string(bp / 100) + "." + (bp % 100 < 10 ? "0" : "") + std::to_string(bp % 100);
    BasisPoints out = 0;
    ASSERT_TRUE(parse_percent(text, out)) << text;
    ASSERT_EQ(out, bp) << text;
  }
}

}  // namespace
}  // namespace cutover::config
