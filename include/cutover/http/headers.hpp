#pragma once
// Header rewriting on the way through the gateway. Pure functions that read the parsed fields
// and append the rewritten head to a string: the parsed message is never modified, so no field
// is erased, inserted or searched for by name (in Beast's basic_fields each of those walks a
// case-insensitive index and allocates; together they were ~20% of a proxied request's
// instructions).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>

#include "cutover/http/header_policy.hpp"
#include "cutover/http/message_parser.hpp"
#include "cutover/metrics/registry.hpp"

namespace cutover::http {

namespace bhttp = boost::beast::http;

struct ForwardedFor {
  std::string_view client_address;  // peer IP as text
  std::string_view proto = "http";
};

// What the gateway changes in a request on its way to a backend.
struct UpstreamRequestHead {
  std::string_view target;            // what was matched, plus the untouched query string
  std::string_view request_id;        // sent as X-Request-Id
  std::string_view user;              // sent in policy.identity_header when not empty
  // Host for a request that has none (HTTP/1.0 may leave it out; what goes upstream is HTTP/1.1).
  std::string_view host_if_missing;
  std::string_view signature;         // sent in policy.signature_header when not empty
  // The body's length as the parser read it: sent as one plain Content-Length in place of the
  // client's (which may repeat it, list it twice or pad it with zeros). Unset: passed as sent.
  std::optional<std::uint64_t> content_length;
  // Which client headers pass (identity header, namespace, forwarding trust, '_', overrides): the
  // caller's, which outlives the rewrite; null for the defaults.
  const HeaderPolicy* policy = nullptr;
  ForwardedFor forwarded;
};

// Client headers removed, by the reason an operator sees them counted under
// (cutover_client_headers_removed_total, metrics::RemovedHeader).
struct RemovedHeaders {
  std::array<std::uint32_t, metrics::kRemovedHeaderCount> count{};
  void add(HeaderVerdict verdict) {
    switch (verdict) {
      case HeaderVerdict::protected_name: ++count[static_cast<std::size_t>(metrics::RemovedHeader::protected_name)]; break;
      case HeaderVerdict::underscore: ++count[static_cast<std::size_t>(metrics::RemovedHeader::underscore)]; break;
      case HeaderVerdict::url_override: ++count[static_cast<std::size_t>(metrics::RemovedHeader::url_override)]; break;
      case HeaderVerdict::pass: break;
    }
  }
  bool any() const {
    for (auto n : count) {
      if (n > 0) return true;
    }
    return false;
  }
};

// Appends "METHOD target HTTP/1.1\r\n", the client's headers in their order, then X-Request-Id,
// the identity header and its signature, X-Forwarded-For/-Proto/-Host, then "\r\n". Removed on
// the way (DESIGN.md invariant 2):
// - hop-by-hop headers (RFC 9110 7.6.1): Connection, Keep-Alive, Proxy-Connection, TE, Trailer,
//   Upgrade, Proxy-Authorization, Proxy-Authenticate, and every header a Connection header names,
//   except Content-Length, Transfer-Encoding and Host, which frame the body and route it;
// - Expect (the gateway answers 100-continue itself);
// - every Content-Length but the first, which becomes `content_length` (when set), so repeated
//   equal values and leading zeros reach the backend as one plain length;
// - X-Request-Id, and whatever judge_client_header does not pass (header_policy.hpp), counted in
//   `removed`: the gateway's own names in every spelling a backend reads as the same, names with
//   '_', override headers;
// - with forwarding headers trusted, the client's X-Forwarded-For chain is extended with the peer,
//   and its X-Forwarded-Proto and -Host are kept instead of being set when present.
// `upgrade`: a protocol the request switches to (upgrade.hpp), sent as Upgrade with Connection:
// Upgrade, the only hop-by-hop headers that ever pass, and only then.
// For the data path's parsed requests and Beast's messages (tests, tools).
void append_upstream_request_head(std::string& out, const ParsedRequest& request, const UpstreamRequestHead& rewrite,
                                  RemovedHeaders* removed = nullptr, std::string_view upgrade = {});
void append_upstream_request_head(std::string& out, const bhttp::request_header<>& request,
                                  const UpstreamRequestHead& rewrite, RemovedHeaders* removed = nullptr,
                                  std::string_view upgrade = {});

// The end of a chunked request body for the backend: "0\r\n", the client's trailer fields that
// are allowed in a trailer (allowed_in_trailer) and that judge_client_header passes with no
// '_' at all, then "\r\n".
void append_last_chunk(std::string& out, std::span<const ParsedField> trailers, const HeaderPolicy& policy);

// What the gateway changes in a backend's response on its way to the client.
struct ClientResponseHead {
  unsigned version = 11;  // the client's: 10 or 11
  bool keep_alive = true;
  // remove: an HTTP/1.0 client cannot read chunked (the body then ends with the connection).
  // add: a close-delimited body is re-framed as chunked so the client's connection lives on.
  enum class Chunking { keep, add, remove } chunking = Chunking::keep;
  std::string_view set_cookie;  // a Set-Cookie value to add ("": none)
  // A 101's protocol: the answer carries Upgrade with Connection: Upgrade (and nothing about
  // keep-alive: the connection is the tunnel's now).
  std::string_view upgrade;
};

// Appends "HTTP/1.x status reason\r\n", the backend's headers minus hop-by-hop ones (as above),
// Transfer-Encoding as `chunking` says, Set-Cookie, and the Connection header that `keep_alive`
// needs for `version`, then "\r\n".
void append_client_response_head(std::string& out, const ParsedResponse& response, const ClientResponseHead& rewrite);
void append_client_response_head(std::string& out, const bhttp::response_header<>& response,
                                 const ClientResponseHead& rewrite);

// A client-supplied X-Request-Id is kept when it is 1..128 characters of [A-Za-z0-9._:-];
// anything else could inject into logs and is replaced.
bool valid_request_id(std::string_view id);

}  // namespace cutover::http
