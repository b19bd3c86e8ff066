#include "cutover/http/host.hpp"

#include <array>

#include <boost/asio/ip/address_v6.hpp>
#include <boost/beast/core/string.hpp>
#include <charconv>
#include <string>

namespace cutover::http {
namespace {

// Letters, digits, '-', '.', '_' and '~': what a reg-name may hold here. A table: every request's
// Host is scanned with it.
constexpr std::array<bool, 256> kNameChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (char c : std::string_view("-._~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool valid_reg_name(std::string_view name) {
  if (name.empty() || name.size() > 254) return false;
  char previous = '.';  // a leading '.' is an empty first label
  for (char c : name) {
    if (!kNameChars[static_cast<unsigned char>(c)] || (c == '.' && previous == '.')) return false;
    previous = c;
  }
  return true;
}

bool valid_ip_literal(std::string_view literal) {
  // make_address_v6 also takes a zone ("fe80::1%eth0"), which no URI may carry.
  if (literal.empty() || literal.size() > 45 || literal.find('%') != std::string_view::npos) return false;
  boost::system::error_code ec;
  boost::asio::ip::make_address_v6(std::string(literal), ec);
  return !ec;
}

std::string_view without_trailing_dot(std::string_view name) {
  return name.size() > 1 && name.back() == '.' ? name.substr(0, name.size() - 1) : name;
}

std::uint16_t default_port(std::string_view scheme) { return boost::beast::iequals(scheme, "https") ? 443 : 80; }

}  // namespace

std::optional<RequestHost> parse_request_host(std::string_view text) {
  RequestHost host;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || !valid_ip_literal(text.substr(1, close - 1))) return std::nullopt;
    host.name = text.substr(0, close + 1);
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    host.name = text.substr(0, colon);
    if (!valid_reg_name(host.name)) return std::nullopt;
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    host.port = parse_port(rest.substr(1));
    if (!host.port) return std::nullopt;
  }
  return host;
}

bool same_origin(const RequestHost& a, const RequestHost& b, std::string_view scheme) {
  return boost::beast::iequals(without_trailing_dot(a.name), without_trailing_dot(b.name)) &&
         a.port.value_or(default_port(scheme)) == b.port.value_or(default_port(scheme));
}

}  // namespace cutover::http
