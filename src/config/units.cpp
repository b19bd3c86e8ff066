// Human-friendly units in config values: durations, sizes, percentages.
#include <charconv>
#include <cstdint>
#include <string_view>

#include "cutover/config/parse.hpp"

namespace cutover::config {
namespace {

bool parse_uint(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "30s" into ("30", "s").
std::pair<std::string_view, std::string_view> split_number(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  return {text.substr(0, i), trim(text.substr(i))};
}

bool checked_multiply(std::uint64_t value, std::uint64_t factor, std::uint64_t& out) {
  if (factor != 0 && value > UINT64_MAX / factor) return false;
  out = value * factor;
  return true;
}

}  // namespace

bool parse_duration(std::string_view text, Duration& out) {
  auto [digits, unit] = split_number(trim(text));
  std::uint64_t value = 0;
  if (!parse_uint(digits, value)) return false;
  std::uint64_t factor = 0;
  if (unit == "ms") factor = 1;
  else if (unit == "s") factor = 1000;
  else if (unit == "m") factor = 60'000;
  else if (unit == "h") factor = 3'600'000;
  else return false;  // a bare number is ambiguous (seconds? ms?), so a unit is required
  std::uint64_t ms = 0;
  // Cap at ~30 days: longer timeouts are typos, and the cap keeps chrono arithmetic safe.
  if (!checked_multiply(value, factor, ms) || ms > 30ull * 24 * 3'600'000) return false;
  out = Duration(static_cast<Duration::rep>(ms));
  return true;
}

bool parse_size(std::string_view text, std::uint64_t& out) {
  auto [digits, unit] = split_number(trim(text));
  std::uint64_t value = 0;
  if (!parse_uint(digits, value)) return false;
  std::uint64_t factor = 0;
  if (unit.empty() || unit == "B") factor = 1;
  else if (unit == "KiB") factor = 1ull << 10;
  else if (unit == "MiB") factor = 1ull << 20;
  else if (unit == "GiB") factor = 1ull << 30;
  else if (unit == "TiB") factor = 1ull << 40;
  else if (unit == "KB" || unit == "kB") factor = 1000;
  else if (unit == "MB") factor = 1000'000;
  else if (unit == "GB") factor = 1000'000'000;
  else return false;
  return checked_multiply(value, factor, out);
}

bool parse_percent(std::string_view text, BasisPoints& out) {
  text = trim(text);
  if (!text.empty() && text.back() == '%') text = trim(text.substr(0, text.size() - 1));
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (dot != std::string_view::npos && fraction.empty()) return false;
  // Only 0.01 steps exist: "12.345" is an error, not a silent rounding.
  while (fraction.size() > 2 && fraction.back() == '0') fraction.remove_suffix(1);
  if (fraction.size() > 2) return false;
  std::uint64_t units = 0;
  std::uint64_t hundredths = 0;
  if (!parse_uint(whole, units)) return false;
  if (!fraction.empty()) {
    if (!parse_uint(fraction, hundredths)) return false;
    if (fraction.size() == 1) hundredths *= 10;
  }
  if (units > 100) return false;
  std::uint64_t bp = units * 100 + hundredths;
  if (bp > kAllTraffic) return false;
  out = static_cast<BasisPoints>(bp);
  return true;
}

}  // namespace cutover::config
