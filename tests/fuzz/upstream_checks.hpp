#pragma once
// fuzz_request's properties of what the gateway writes for the backend: the rewritten head
// (append_upstream_request_head) and the end of a chunked body with its trailers
// (append_last_chunk), each read back by Beast and checked field by field against issue 19's
// contract (/work/notes/issue19-spec.md) and DESIGN.md invariant 2. Names are compared as a
// CGI/WSGI/Rack backend reads them: lower case, '_' read as '-' (mapped_name).
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "beast_reference.hpp"
#include "cutover/http/header_policy.hpp"
#include "cutover/http/headers.hpp"
#include "cutover/http/message_parser.hpp"
#include "fuzz_check.hpp"

namespace cutover::fuzz {

// What the gateway itself sets, as the exchange would.
inline constexpr std::string_view kUser = "user-42";
inline constexpr std::string_view kSignature = "t=1800000000,v1=00ff";
inline constexpr std::string_view kRequestId = "fuzz-request-1";
inline constexpr std::string_view kPeer = "192.0.2.7";
inline constexpr std::string_view kHostIfMissing = "backend.internal";

inline bool starts_with(const std::string& text, std::string_view prefix) { return text.starts_with(prefix); }

// A client header a backend must never get from a client, whatever its spelling.
inline bool is_protected(const std::string& name, const http::HeaderPolicy& policy) {
  if (name == mapped_name(policy.identity_header) || name == mapped_name(policy.signature_header)) return true;
  if (!policy.header_namespace.empty() && starts_with(name, mapped_name(policy.header_namespace))) return true;
  if (policy.trust_forwarded) return false;
  for (std::string_view forwarding : {"forwarded", "x-real-ip", "client-ip", "x-client-ip", "true-client-ip",
                                      "x-cluster-client-ip"}) {
    if (name == forwarding) return true;
  }
  return starts_with(name, "x-forwarded-");
}

inline bool is_hop_by_hop(const std::string& name) {
  for (std::string_view hop : {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
                               "proxy-authorization", "proxy-authenticate", "expect"}) {
    if (name == hop) return true;
  }
  return false;
}

inline bool is_override(const std::string& name, const http::HeaderPolicy& policy) {
  for (std::size_t i = 0; i < http::kOverrideHeaders.size(); ++i) {
    if (name == mapped_name(http::kOverrideHeaders[i])) return (policy.allowed_overrides & (1u << i)) == 0;
  }
  return false;
}

// The names the client's Connection headers list (framing headers excepted), lower case: the
// headers they name are this hop's, in exactly that spelling.
inline std::vector<std::string> connection_tokens(const http::ParsedRequest& request) {
  std::vector<std::string> tokens;
  for (const auto& field : request) {
    if (field.name() != boost::beast::http::field::connection) continue;
    for (auto token : boost::beast::http::token_list(field.value())) {
      const std::string name = lower_case(token);
      if (name != "content-length" && name != "transfer-encoding" && name != "host") tokens.push_back(name);
    }
  }
  return tokens;
}

struct Counted {
  int identity = 0, signature = 0, request_id = 0, host = 0, length = 0;
  int forwarded_for = 0, forwarded_proto = 0, forwarded_host = 0;
};

inline void check_upstream_head(const http::RequestParser& parser, const http::HeaderPolicy& policy, bool user,
                                std::string_view target, const std::string& shown) {
  namespace bhttp = boost::beast::http;
  const http::ParsedRequest& request = parser.get();
  http::UpstreamRequestHead rewrite;
  rewrite.target = target;
  rewrite.request_id = kRequestId;
  rewrite.user = user ? kUser : std::string_view{};
  rewrite.signature = user ? kSignature : std::string_view{};
  if (auto length = parser.content_length()) rewrite.content_length = *length;
  rewrite.host_if_missing = kHostIfMissing;
  rewrite.policy = &policy;
  rewrite.forwarded = {kPeer, "http"};
  std::string out;
  http::append_upstream_request_head(out, request, rewrite);
  const std::string seen = shown + "\n--- written for the backend:\n" + out;

  bhttp::request_parser<bhttp::empty_body> again;
  again.header_limit(1u << 30);
  again.body_limit(boost::none);
  boost::system::error_code ec;
  const std::size_t used = again.put(boost::asio::buffer(out), ec);
  CHECK_PROPERTY(!ec && again.is_header_done() && used == out.size(),
                 "Beast reads the rewritten head as exactly one complete request head",
                 seen + "\n--- Beast: " + (ec ? ec.message() : "used " + std::to_string(used)));
  const auto& head = again.get();
  CHECK_PROPERTY(head.method_string() == request.method_string() && head.target() == target && head.version() == 11,
                 "the rewritten request line is the method, the normalized target and HTTP/1.1", seen);
  CHECK_PROPERTY(again.chunked() == parser.chunked() && again.content_length() == parser.content_length(),
                 "the client's framing (chunked, Content-Length) reaches the backend unchanged", seen);

  const std::vector<std::string> named = connection_tokens(request);
  const std::string identity = mapped_name(policy.identity_header);
  const std::string signature = mapped_name(policy.signature_header);
  Counted n;
  for (const auto& field : head) {
    const std::string name = mapped_name(field.name_string());
    const std::string_view value = field.value();
    bool gateways = true;  // one of the gateway's own headers (they may share a name Connection lists)
    if (name == identity) {
      ++n.identity;
      CHECK_PROPERTY(user && value == kUser, "the identity header carries only the gateway's value", seen);
    } else if (name == signature) {
      ++n.signature;
      CHECK_PROPERTY(user && value == kSignature, "the signature header carries only the gateway's value", seen);
    } else if (name == "x-request-id") {
      ++n.request_id;
      CHECK_PROPERTY(value == kRequestId, "X-Request-Id carries only the gateway's value", seen);
    } else if (name == "x-forwarded-for") {
      ++n.forwarded_for;
      CHECK_PROPERTY(policy.trust_forwarded ? value.ends_with(kPeer) : value == kPeer,
                     "X-Forwarded-For is the peer (appended to the client's chain when trusted)", seen);
    } else if (name == "x-forwarded-proto" && !policy.trust_forwarded) {
      ++n.forwarded_proto;
      CHECK_PROPERTY(value == "http", "X-Forwarded-Proto is the gateway's from an untrusted client", seen);
    } else if (name == "x-forwarded-host" && !policy.trust_forwarded) {
      ++n.forwarded_host;
      CHECK_PROPERTY(value == request[bhttp::field::host], "X-Forwarded-Host is the client's Host", seen);
    } else {
      gateways = false;
    }
    if (name == "host") ++n.host;
    if (name == "content-length") {
      ++n.length;
      CHECK_PROPERTY(parser.content_length() && value == std::to_string(*parser.content_length()),
                     "Content-Length is the parsed length, in plain digits", seen);
    }
    CHECK_PROPERTY(!is_hop_by_hop(name), "no hop-by-hop header and no Expect", seen);
    for (const auto& token : named) {
      CHECK_PROPERTY(gateways || lower_case(field.name_string()) != token,
                     "no header the client's Connection header names", seen);
    }
    if (gateways) continue;
    CHECK_PROPERTY(!is_protected(name, policy), "no client header the gateway owns, in any spelling", seen);
    CHECK_PROPERTY(!is_override(name, policy), "no URL or method override header the route does not allow", seen);
    CHECK_PROPERTY(policy.underscores == http::UnderscoreHeaders::allow ||
                       field.name_string().find('_') == std::string_view::npos,
                   "no header name with '_' (headers_with_underscores: drop)", seen);
  }
  CHECK_PROPERTY(n.identity == (user ? 1 : 0) && n.signature == (user ? 1 : 0),
                 "the identity header and its signature once for a user, never without one", seen);
  CHECK_PROPERTY(n.request_id == 1 && n.host == 1 && n.length <= 1 && n.forwarded_for == 1,
                 "X-Request-Id, Host and X-Forwarded-For exactly once, Content-Length at most once", seen);
  if (!policy.trust_forwarded) {
    CHECK_PROPERTY(n.forwarded_proto == 1 && n.forwarded_host <= 1, "X-Forwarded-Proto once, -Host at most once",
                   seen);
  }
}

// Fields a request's trailer section may not carry to a backend (RFC 9110 6.5.1, issue 19).
inline bool allowed_in_trailer(const std::string& name) {
  for (std::string_view denied : {"content-length", "transfer-encoding", "host", "trailer", "authorization", "cookie",
                                  "content-type", "content-encoding", "content-range", "expect", "max-forwards",
                                  "cache-control", "te", "range"}) {
    if (name == denied) return false;
  }
  return !starts_with(name, "if-");
}

// The end of a chunked body as the gateway writes it: Beast reads it as the end of one message,
// and no trailer the contract forbids reaches the backend.
inline void check_last_chunk(const http::ParsedRequest& request, const http::HeaderPolicy& policy,
                             const std::string& shown) {
  std::string out;
  http::append_last_chunk(out, request.trailers(), policy);
  const std::string message = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + out;
  const Verdict v = beast_verdict(message, 1u << 30);
  const std::string seen = shown + "\n--- last chunk written for the backend:\n" + out;
  CHECK_PROPERTY(!v.ec && v.used == message.size() && v.body.empty(),
                 "Beast reads the written last chunk and trailers as the end of one message", seen + describe(v));
  for (const auto& [raw, value] : v.trailers) {
    const std::string name = mapped_name(raw);
    CHECK_PROPERTY(!is_protected(name, policy) && name != "x-request-id",
                   "no trailer the gateway owns, in any spelling", seen);
    CHECK_PROPERTY(!is_hop_by_hop(name) && allowed_in_trailer(name), "no trailer a request may not carry", seen);
    CHECK_PROPERTY(raw.find('_') == std::string::npos, "no trailer name with '_'", seen);
  }
}

}  // namespace cutover::fuzz
