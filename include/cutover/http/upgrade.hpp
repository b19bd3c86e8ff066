#pragma once
// What the gateway does with a request that asks to switch protocols (RFC 9110 7.8), pure: the
// exchange reads the request's Upgrade and Connection headers and asks here.
//
// - No upgrade asked (no Upgrade header, or Connection does not list "upgrade", or HTTP/1.0, where
//   RFC 9110 says to ignore it): an ordinary request; Upgrade is dropped as hop-by-hop.
// - h2c alone: ignored the same way, as RFC 9113 allows: the request is answered in HTTP/1.1
//   (curl --http2 on http:// sends it on every request).
// - A protocol the route allows (`upgrades:`, websocket by default): tunnelled.
// - Any other: refused with 501 and a reason, never silently turned into a plain request.
#include <span>
#include <string>
#include <string_view>

#include "cutover/http/message_parser.hpp"

namespace cutover::http {

enum class UpgradeVerdict { none, tunnel, refuse_protocol, refuse_body };

struct UpgradeDecision {
  UpgradeVerdict verdict = UpgradeVerdict::none;
  std::string_view protocol;  // the first protocol asked for, as sent (tunnel, refuse_protocol)
};

struct UpgradeAsk {
  std::string_view upgrade;      // the Upgrade header's value, "" when there is none
  bool connection_upgrade = false;  // Connection lists "upgrade"
  unsigned version = 11;
  bool has_body = false;         // a Content-Length above 0, or chunked
};

UpgradeDecision judge_upgrade(const UpgradeAsk& ask, std::span<const std::string> allowed);

// What `parser`'s request (its header read) asks.
UpgradeAsk upgrade_ask(const RequestParser& parser);

}  // namespace cutover::http
