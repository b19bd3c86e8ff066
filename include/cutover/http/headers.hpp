#pragma once
// Header rewriting on the way through the gateway. Pure functions over Beast field sets.
#include <string_view>

#include <boost/beast/http/fields.hpp>

namespace cutover::http {

namespace bhttp = boost::beast::http;

// Removes hop-by-hop headers (RFC 9110 7.6.1: Connection, Keep-Alive, Proxy-Connection, TE,
// Trailer, Upgrade, Proxy-Authorization, Proxy-Authenticate) and every header the Connection
// header names. Transfer-Encoding and Content-Length stay: they frame the body the serializer
// writes, and the gateway never changes a body's coding.
void strip_hop_by_hop(bhttp::fields& fields);

// Removes the identity header and every header in the gateway's namespace (e.g. X-Cutover-*),
// however the client spelled them (DESIGN.md invariant 2).
void strip_gateway_headers(bhttp::fields& fields, std::string_view identity_header,
                           std::string_view header_namespace);

struct ForwardedFor {
  std::string_view client_address;  // peer IP as text
  std::string_view proto = "http";
  bool trust_client_headers = false;  // false: client-sent X-Forwarded-* are replaced, not extended
};

// Sets X-Forwarded-For, -Proto and -Host.
void set_forwarded_headers(bhttp::fields& fields, const ForwardedFor& forwarded);

// A client-supplied X-Request-Id is kept when it is 1..128 characters of [A-Za-z0-9._:-];
// anything else could inject into logs and is replaced.
bool valid_request_id(std::string_view id);

}  // namespace cutover::http
