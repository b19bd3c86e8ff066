// Request ids and sticky cookie ids: 32 lower-case hex characters, from the worker's splitmix64.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "cutover/http/worker.hpp"

namespace cutover::http {
namespace {

TEST(Random, Hex128IsThirtyTwoLowerCaseHexCharacters) {
  Random random(42);
  for (int i = 0; i < 1000; ++i) {
    const std::string id = random.hex128();
    ASSERT_EQ(id.size(), 32u);
    for (char c : id) ASSERT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
  }
}

TEST(Random, Hex128SpellsOutTwoDrawsEveryNibbleOfThem) {
  Random random(7);
  Random same(7);
  const std::string id = random.hex128();
  const std::uint64_t halves[2] = {same.next(), same.next()};
  std::set<char> seen;
  for (int half = 0; half < 2; ++half) {
    for (int byte = 0; byte < 8; ++byte) {
      const unsigned value = static_cast<unsigned>(halves[half] >> (8 * byte)) & 0xFF;
      const std::string expected = {"0123456789abcdef"[value >> 4], "0123456789abcdef"[value & 15]};
      EXPECT_EQ(id.substr(static_cast<std::size_t>(half * 16 + byte * 2), 2), expected);
    }
  }
}

TEST(Random, Hex128InPlaceAndAsAStringAgreeAndNeverRepeatHere) {
  Random a(1);
  Random b(1);
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) {
    char in_place[32];
    a.hex128(in_place);
    const std::string text = b.hex128();
    ASSERT_EQ(std::string(in_place, sizeof in_place), text);
    ids.insert(text);
  }
  EXPECT_EQ(ids.size(), 10000u);
}

}  // namespace
}  // namespace cutover::http
