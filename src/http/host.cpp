#include "cutover/http/host.hpp"

#include <boost/asio/ip/address_v6.hpp>
#include <charconv>

namespace cutover::http {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::optional<std::uint16_t> parse_port(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool valid_reg_name(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i])) return false;
    if (name[i] == '.' && i + 1 < name.size() && name[i + 1] == '.') return false;  // an empty label
  }
  return true;
}

std::uint16_t default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

}  // namespace

std::string RequestHost::text() const {
  return port ? name + ":" + std::to_string(*port) : name;
}

std::optional<RequestHost> parse_request_host(std::string_view text) {
  RequestHost host;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string literal(text.substr(1, close - 1));
    // make_address_v6 also takes a zone ("fe80::1%eth0"), which no URI may carry.
    boost::system::error_code ec;
    if (literal.find('%') != std::string::npos || (boost::asio::ip::make_address_v6(literal, ec), ec)) {
      return std::nullopt;
    }
    host.name = "[" + literal + "]";
    rest = text.substr(close + 1);
  } else {
    const auto colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    if (!valid_reg_name(name)) return std::nullopt;
    host.name.assign(name);
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':') return std::nullopt;
    host.port = parse_port(rest.substr(1));
    if (!host.port) return std::nullopt;
  }
  for (char& c : host.name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (host.name.back() == '.') host.name.pop_back();
  return host;
}

bool same_origin(const RequestHost& a, const RequestHost& b, std::string_view scheme) {
  return a.name == b.name && a.port.value_or(default_port(scheme)) == b.port.value_or(default_port(scheme));
}

}  // namespace cutover::http
