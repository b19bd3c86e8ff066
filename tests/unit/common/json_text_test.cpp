// append_json_string: exact escaping, valid UTF-8 kept, invalid bytes escaped, and every output
// (including every single byte and every two-byte string) parses as JSON.
#include "cutover/common/json_text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace cutover {
namespace {

using nlohmann::json;

std::string json_literal(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

// Parses `literal` as a JSON string; fails the test when it isn't one.
std::string parse_string(const std::string& literal) {
  json parsed = json::parse(literal, nullptr, false);
  EXPECT_TRUE(parsed.is_string()) << "not a JSON string: " << literal;
  return parsed.is_string() ? parsed.get<std::string>() : std::string{};
}

TEST(JsonText, EscapingTable) {
  struct Case {
    std::string in;
    std::string out;
  };
  const std::vector<Case> cases = {
      {"", R"("")"},
      {"plain /path?q=1", R"("plain /path?q=1")"},
      {"\"", R"("\"")"},
      {"\\", R"("\\")"},
      {"\n\r\t", R"("\n\r\t")"},
      {std::string("\0", 1), R"("\u0000")"},
      {"\x01\x08\x0c\x1f", R"("\u0001\u0008\u000c\u001f")"},
      {"\x7f", R"("\u007f")"},
      {"</script>", R"("</script>")"},
      {"caf\xc3\xa9", "\"caf\xc3\xa9\""},                        // 2-byte sequence kept
      {"\xe2\x82\xac", "\"\xe2\x82\xac\""},                      // 3-byte
      {"\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},              // 4-byte
      {"\xef\xbf\xbf\xf4\x8f\xbf\xbf", "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\""},  // U+FFFF, U+10FFFF
      {"\xff", R"("\u00ff")"},                                   // never valid
      {"\x80", R"("\u0080")"},                                   // lone continuation byte
      {"\xc3", R"("\u00c3")"},                                   // truncated at the end
      {"\xc3(", R"("\u00c3(")"},                                 // truncated mid-string
      {"\xc0\xaf", R"("\u00c0\u00af")"},                         // overlong '/'
      {"\xe0\x80\xaf", R"("\u00e0\u0080\u00af")"},               // overlong 3-byte
      {"\xed\xa0\x80", R"("\u00ed\u00a0\u0080")"},               // UTF-16 surrogate
      {"\xf0\x80\x80\xaf", R"("\u00f0\u0080\u0080\u00af")"},     // overlong 4-byte
      {"\xf4\x90\x80\x80", R"("\u00f4\u0090\u0080\u0080")"},     // above U+10FFFF
      {"\xf5\x80\x80\x80", R"("\u00f5\u0080\u0080\u0080")"},     // lead byte beyond F4
      {"\xff\x80\x80", R"("\u00ff\u0080\u0080")"},
      {"\xe2\x82", R"("\u00e2\u0082")"},
      {"a\xe2\x82" "b", R"("a\u00e2\u0082b")"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(json_literal(c.in), c.out) << "input bytes: " << json(json::binary_t(std::vector<std::uint8_t>(c.in.begin(), c.in.end()))).dump();
  }
}

TEST(JsonText, AppendsWithoutTouchingWhatIsThere) {
  std::string out = "{\"a\":";
  append_json_string(out, "x\"y");
  EXPECT_EQ(out, R"({"a":"x\"y")");
}

TEST(JsonText, ValidUtf8RoundTrips) {
  for (std::string text : {"", "ascii", "caf\xc3\xa9", "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x8e\x89 emoji",
                           "\xe2\x80\xa8\xe2\x80\xa9", "mixed \"q\" \\ \n \xc3\xa9"}) {
    EXPECT_EQ(parse_string(json_literal(text)), text);
  }
}

TEST(JsonText, EverySingleByteParses) {
  for (int b = 0; b < 256; ++b) {
    std::string text(1, static_cast<char>(b));
    std::string decoded = parse_string(json_literal(text));
    if (b < 0x80) {
      EXPECT_EQ(decoded, text) << b;
    } else {
      EXPECT_EQ(decoded.size(), 2u) << b;  // the byte's value as a code point U+0080..U+00FF
    }
  }
}

TEST(JsonText, EveryTwoAndThreeByteStringParses) {
  // Exhaustive over two bytes, and over three bytes from a lead byte 0xC0..0xFF plus two tails,
  // which covers every truncated, overlong, surrogate and out-of-range shape.
  std::string text(2, '\0');
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      text[0] = static_cast<char>(a);
      text[1] = static_cast<char>(b);
      json parsed = json::parse(json_literal(text), nullptr, false);
      ASSERT_TRUE(parsed.is_string()) << a << " " << b;
    }
  }
  const int tails[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff};
  std::string three(3, '\0');
  for (int a = 0xc0; a < 256; ++a) {
    for (int b : tails) {
      for (int c : tails) {
        three = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
        json parsed = json::parse(json_literal(three), nullptr, false);
        ASSERT_TRUE(parsed.is_string()) << a << " " << b << " " << c;
      }
    }
  }
}

TEST(JsonText, FourByteBoundaries) {
  const int leads[] = {0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7};
  const int seconds[] = {0x80, 0x8f, 0x90, 0xbf, 0xc0};
  for (int a : leads) {
    for (int b : seconds) {
      std::string text = {static_cast<char>(a), static_cast<char>(b), '\x80', '\x80'};
      json parsed = json::parse(json_literal(text), nullptr, false);
      ASSERT_TRUE(parsed.is_string()) << a << " " << b;
      bool well_formed = (a == 0xf0 && b >= 0x90 && b <= 0xbf) || ((a == 0xf1 || a == 0xf3) && b <= 0xbf) ||
                         (a == 0xf4 && b <= 0x8f);
      EXPECT_EQ(parsed.get<std::string>() == text, well_formed) << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace cutover
