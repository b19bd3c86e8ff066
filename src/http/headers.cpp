#include "cutover/http/headers.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/container/small_vector.hpp>
#include <type_traits>

#include "http/wire.hpp"

namespace cutover::http {
namespace {

using boost::beast::iequals;

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool is_standard_hop_by_hop(bhttp::field name) {
  switch (name) {
    case bhttp::field::connection:
    case bhttp::field::keep_alive:
    case bhttp::field::proxy_connection:
    case bhttp::field::te:
    case bhttp::field::trailer:
    case bhttp::field::upgrade:
    case bhttp::field::proxy_authorization:
    case bhttp::field::proxy_authenticate:
      return true;
    default:
      return false;
  }
}

// The hop-by-hop headers of one message: the standard ones, and those its Connection headers name.
class HopByHop {
 public:
  template <class Fields>
  explicit HopByHop(const Fields& fields) {
    for (const auto& field : fields) {
      if (field.name() != bhttp::field::connection) continue;
      for (auto token : bhttp::token_list(field.value())) {
        // Framing headers are never dropped, even when a client lists them in Connection.
        if (iequals(token, "content-length") || iequals(token, "transfer-encoding") || iequals(token, "host")) continue;
        named_.push_back(token);
      }
    }
  }

  template <class Field>
  bool contains(const Field& field) const {
    if (is_standard_hop_by_hop(field.name())) return true;
    for (auto name : named_) {
      if (iequals(field.name_string(), name)) return true;
    }
    return false;
  }

 private:
  // Views into the Connection values, which outlive this object.
  boost::container::small_vector<std::string_view, 8> named_;
};

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

// A field passed on unchanged: the parser kept it as the line to write.
void append_line(std::string& out, const ParsedField& field) { out += field.line(); }

template <class Field>
void append_line(std::string& out, const Field& field) {
  append_field(out, field.name_string(), field.value());
}

// Heads are built into strings released between requests (to keep idle connections small):
// one allocation up front instead of one per doubling while fields are appended.
constexpr std::size_t kHeadReserve = 512;

void reserve_for_head(std::string& out) {
  if (out.capacity() - out.size() < kHeadReserve) out.reserve(out.size() + kHeadReserve);
}

template <class Request>
void append_request_head(std::string& out, const Request& request, const UpstreamRequestHead& rewrite) {
  reserve_for_head(out);
  out += request.method_string();
  out += ' ';
  out += rewrite.target;
  out += " HTTP/1.1\r\n";

  const HopByHop hop_by_hop(request);
  const bool trust = rewrite.forwarded.trust_client_headers;
  std::string_view host;
  bool has_forwarded_proto = false;
  bool has_forwarded_host = false;
  boost::container::small_vector<std::string_view, 4> forwarded_chain;
  for (const auto& field : request) {
    const auto name = field.name_string();
    if (hop_by_hop.contains(field) || field.name() == bhttp::field::expect || iequals(name, "X-Request-Id") ||
        iequals(name, rewrite.identity_header) ||
        (!rewrite.header_namespace.empty() && starts_with_ci(name, rewrite.header_namespace))) {
      continue;
    }
    if (field.name() == bhttp::field::host && host.empty()) host = field.value();
    if (iequals(name, "X-Forwarded-For")) {
      if (trust && !field.value().empty()) forwarded_chain.push_back(field.value());
      continue;  // written once, below
    }
    // From an untrusted client, every forwarding claim is a forgery: X-Forwarded-Prefix and
    // -Port steer URL generation in many frameworks, and RFC 7239's Forwarded does it all.
    if (!trust && (starts_with_ci(name, "X-Forwarded-") || field.name() == bhttp::field::forwarded)) continue;
    if (iequals(name, "X-Forwarded-Proto")) has_forwarded_proto = true;
    if (iequals(name, "X-Forwarded-Host")) has_forwarded_host = true;
    append_line(out, field);
  }

  append_field(out, "X-Request-Id", rewrite.request_id);
  if (!rewrite.user.empty()) append_field(out, rewrite.identity_header, rewrite.user);
  out += "X-Forwarded-For: ";
  for (auto hop : forwarded_chain) {
    out += hop;
    out += ", ";
  }
  out += rewrite.forwarded.client_address;
  out += "\r\n";
  if (!has_forwarded_proto) append_field(out, "X-Forwarded-Proto", rewrite.forwarded.proto);
  if (!has_forwarded_host && !host.empty()) append_field(out, "X-Forwarded-Host", host);
  out += "\r\n";
}

template <class Response>
void append_response_head(std::string& out, const Response& response, const ClientResponseHead& rewrite) {
  using Chunking = ClientResponseHead::Chunking;
  reserve_for_head(out);
  append_status_line(out, rewrite.version >= 11 ? 11 : 10, response.result_int(), response.reason());

  const HopByHop hop_by_hop(response);
  // Several Transfer-Encoding lines are one list: "chunked" goes once, at the end of the last.
  const std::remove_reference_t<decltype(*response.begin())>* last_transfer_encoding = nullptr;
  if (rewrite.chunking == Chunking::add) {
    for (const auto& field : response) {
      if (field.name() == bhttp::field::transfer_encoding) last_transfer_encoding = &field;
    }
  }
  for (const auto& field : response) {
    if (hop_by_hop.contains(field)) continue;
    if (field.name() == bhttp::field::transfer_encoding && rewrite.chunking != Chunking::keep) {
      // Rebuilt without "chunked", then with it last when the body is re-chunked.
      std::string codings;
      for (auto coding : bhttp::token_list(field.value())) {
        if (iequals(coding, "chunked")) continue;
        if (!codings.empty()) codings += ", ";
        codings += coding;
      }
      if (&field == last_transfer_encoding) {
        if (!codings.empty()) codings += ", ";
        codings += "chunked";
      }
      if (!codings.empty()) append_field(out, field.name_string(), codings);
      continue;
    }
    append_line(out, field);
  }
  if (rewrite.chunking == Chunking::add && !last_transfer_encoding) append_field(out, "Transfer-Encoding", "chunked");
  if (!rewrite.set_cookie.empty()) append_field(out, "Set-Cookie", rewrite.set_cookie);
  if (rewrite.version >= 11 && !rewrite.keep_alive) append_field(out, "Connection", "close");
  if (rewrite.version < 11 && rewrite.keep_alive) append_field(out, "Connection", "keep-alive");
  out += "\r\n";
}

}  // namespace

void append_upstream_request_head(std::string& out, const ParsedRequest& request, const UpstreamRequestHead& rewrite) {
  append_request_head(out, request, rewrite);
}

void append_upstream_request_head(std::string& out, const bhttp::request_header<>& request,
                                  const UpstreamRequestHead& rewrite) {
  append_request_head(out, request, rewrite);
}

void append_client_response_head(std::string& out, const ParsedResponse& response, const ClientResponseHead& rewrite) {
  append_response_head(out, response, rewrite);
}

void append_client_response_head(std::string& out, const bhttp::response_header<>& response,
                                 const ClientResponseHead& rewrite) {
  append_response_head(out, response, rewrite);
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace cutover::http
