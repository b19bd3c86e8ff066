#include "cutover/http/headers.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/container/small_vector.hpp>
#include <charconv>
#include <type_traits>

#include "http/wire.hpp"

namespace cutover::http {
namespace {

using boost::beast::iequals;

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

void append_content_length(std::string& out, std::uint64_t length) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, length).ptr;
  out += "Content-Length: ";
  out.append(digits, end);
  out += "\r\n";
}

template <class Request>
void append_request_head(std::string& out, const Request& request, const UpstreamRequestHead& rewrite,
                         RemovedHeaders* removed, std::string_view upgrade) {
  reserve_for_head(out);
  out += request.method_string();
  out += ' ';
  out += rewrite.target;
  out += " HTTP/1.1\r\n";

  const HopByHop hop_by_hop(request);
  static const HeaderPolicy kDefaultPolicy;
  const HeaderPolicy& policy = rewrite.policy ? *rewrite.policy : kDefaultPolicy;
  const bool trust = policy.trust_forwarded;
  std::string_view host;
  bool length_written = false;
  bool has_forwarded_proto = false;
  bool has_forwarded_host = false;
  boost::container::small_vector<std::string_view, 4> forwarded_chain;
  for (const auto& field : request) {
    const auto name = field.name_string();
    if (hop_by_hop.contains(field) || field.name() == bhttp::field::expect || iequals(name, "X-Request-Id")) {
      continue;
    }
    // The length as the parser read it, once, where the client put the first one: "5, 5", a
    // repeated field or "05" become one plain "5".
    if (field.name() == bhttp::field::content_length && rewrite.content_length) {
      if (!length_written) append_content_length(out, *rewrite.content_length);
      length_written = true;
      continue;
    }
    if (const HeaderVerdict verdict = judge_client_header(name, policy); verdict != HeaderVerdict::pass) {
      if (removed) removed->add(verdict);
      continue;
    }
    if (field.name() == bhttp::field::host && host.empty()) host = field.value();
    if (trust) {
      if (iequals(name, "X-Forwarded-For")) {
        if (!field.value().empty()) forwarded_chain.push_back(field.value());
        continue;  // written once, below
      }
      if (iequals(name, "X-Forwarded-Proto")) has_forwarded_proto = true;
      if (iequals(name, "X-Forwarded-Host")) has_forwarded_host = true;
    }
    append_line(out, field);
  }

  if (host.empty() && !rewrite.host_if_missing.empty()) append_field(out, "Host", rewrite.host_if_missing);
  append_field(out, "X-Request-Id", rewrite.request_id);
  if (!rewrite.user.empty()) append_field(out, policy.identity_header, rewrite.user);
  if (!rewrite.signature.empty()) append_field(out, policy.signature_header, rewrite.signature);
  out += "X-Forwarded-For: ";
  for (auto hop : forwarded_chain) {
    out += hop;
    out += ", ";
  }
  out += rewrite.forwarded.client_address;
  out += "\r\n";
  if (!has_forwarded_proto) append_field(out, "X-Forwarded-Proto", rewrite.forwarded.proto);
  if (!has_forwarded_host && !host.empty()) append_field(out, "X-Forwarded-Host", host);
  if (!upgrade.empty()) {
    append_field(out, "Connection", "Upgrade");
    append_field(out, "Upgrade", upgrade);
  }
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
  if (!rewrite.upgrade.empty()) {
    append_field(out, "Connection", "Upgrade");
    append_field(out, "Upgrade", rewrite.upgrade);
  } else if (rewrite.version >= 11 && !rewrite.keep_alive) {
    append_field(out, "Connection", "close");
  } else if (rewrite.version < 11 && rewrite.keep_alive) {
    append_field(out, "Connection", "keep-alive");
  }
  out += "\r\n";
}

}  // namespace

void append_upstream_request_head(std::string& out, const ParsedRequest& request, const UpstreamRequestHead& rewrite,
                                  RemovedHeaders* removed, std::string_view upgrade) {
  append_request_head(out, request, rewrite, removed, upgrade);
}

void append_upstream_request_head(std::string& out, const bhttp::request_header<>& request,
                                  const UpstreamRequestHead& rewrite, RemovedHeaders* removed, std::string_view upgrade) {
  append_request_head(out, request, rewrite, removed, upgrade);
}

void append_last_chunk(std::string& out, std::span<const ParsedField> trailers, const HeaderPolicy& policy) {
  out += "0\r\n";
  for (const auto& field : trailers) {
    const auto name = field.name_string();
    if (is_standard_hop_by_hop(field.name()) || name.find('_') != std::string_view::npos ||
        !allowed_in_trailer(name) || iequals(name, "X-Request-Id") ||
        judge_client_header(name, policy) != HeaderVerdict::pass) {
      continue;
    }
    append_line(out, field);
  }
  out += "\r\n";
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
