#pragma once
// The host a request names, validated before anything routes on it or repeats it to a backend
// (Host, X-Forwarded-Host). Pure functions; nothing is copied: routing compares names without
// regard to case, port or a trailing dot itself (routing/route_table.hpp).
#include <cstdint>
#include <optional>
#include <string_view>

namespace cutover::http {

struct RequestHost {
  std::string_view name;  // as sent; an IPv6 literal keeps its brackets
  std::optional<std::uint16_t> port;
};

// A Host value or a URI's authority: `reg-name / IPv4address / "[" IPv6address "]"` with an
// optional `":" port` (RFC 3986 3.2.2). Stricter than RFC 3986 where a backend could read more
// into a name than the gateway did: a reg-name is letters, digits, '-', '.', '_' and '~' only (no
// percent-encoding, sub-delims, userinfo or spaces, none of which a DNS name has), labels are not
// empty, an IPv6 literal has no zone, and a port is 1 to 5 digits up to 65535. nullopt otherwise.
std::optional<RequestHost> parse_request_host(std::string_view text);

// Whether two hosts name the same origin for `scheme` ("http" or "https"): the same name (case and
// a trailing dot aside) and the same port, a missing port read as the scheme's default.
bool same_origin(const RequestHost& a, const RequestHost& b, std::string_view scheme);

}  // namespace cutover::http
