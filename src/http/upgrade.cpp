#include "cutover/http/upgrade.hpp"

#include <boost/beast/core/string.hpp>

namespace cutover::http {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// "websocket" of "websocket", "WebSocket/13" or "h2c": the name before any version.
std::string_view protocol_name(std::string_view protocol) { return protocol.substr(0, protocol.find('/')); }

}  // namespace

UpgradeDecision judge_upgrade(const UpgradeAsk& ask, std::span<const std::string> allowed) {
  const std::string_view value = trim(ask.upgrade);
  if (value.empty() || !ask.connection_upgrade || ask.version < 11) return {};
  // The client lists what it would take, most preferred first (RFC 9110 7.8).
  const std::string_view first = trim(value.substr(0, value.find(',')));
  bool only_h2c = true;
  for (std::string_view rest = value; !rest.empty();) {
    const auto comma = rest.find(',');
    const std::string_view protocol = trim(rest.substr(0, comma));
    if (!protocol.empty() && !boost::beast::iequals(protocol_name(protocol), "h2c")) only_h2c = false;
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  if (only_h2c) return {};
  for (const auto& name : allowed) {
    if (!boost::beast::iequals(protocol_name(first), name)) continue;
    if (ask.has_body) return {UpgradeVerdict::refuse_body, first};
    return {UpgradeVerdict::tunnel, first};
  }
  return {UpgradeVerdict::refuse_protocol, first};
}

UpgradeAsk upgrade_ask(const RequestParser& parser) {
  const auto& request = parser.get();
  const bool has_body = parser.chunked() || parser.content_length().value_or(0) > 0;
  return {request[boost::beast::http::field::upgrade], parser.upgrade(), request.version(), has_body};
}

}  // namespace cutover::http
