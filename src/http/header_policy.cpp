#include "cutover/http/header_policy.hpp"

#include <algorithm>

namespace cutover::http {
namespace {

// CGI and WSGI servers turn '-' into '_'; lighttpd turns every byte that is not a letter or a
// digit into '_'. Reading all of those as one character covers them all.
constexpr char fold(char c) {
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return c;
  return '-';
}

bool same_folded(const char* a, const char* b, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

// Headers that claim where a request came from: the de facto ones, and those Rack, PHP and
// several CDNs read the client's address from.
bool is_forwarding_header(std::string_view name) {
  if (header_name_starts_with(name, "X-Forwarded-")) return true;
  for (std::string_view forwarding : {"Forwarded", "X-Real-IP", "Client-IP", "X-Client-IP", "True-Client-IP",
                                      "X-Cluster-Client-IP"}) {
    if (same_header_name(name, forwarding)) return true;
  }
  return false;
}

// Fields that frame, route or carry a message hop by hop. Beast acts on them by their exact names
// only, so another spelling passed on would mean one thing to the gateway and another to a backend
// that folds it.
bool is_framing_header(std::string_view name) {
  for (std::string_view framing : {"Content-Length", "Transfer-Encoding", "Host", "Connection", "Keep-Alive", "TE",
                                   "Trailer", "Upgrade", "Proxy-Connection", "Expect"}) {
    if (same_header_name(name, framing)) return true;
  }
  return false;
}

// A name with a byte other than a letter, a digit or '-': no standard or gateway header is spelled
// that way, so folded onto one it is a disguise.
bool spelled_oddly(std::string_view name) {
  return std::any_of(name.begin(), name.end(), [](char c) { return fold(c) == '-' && c != '-'; });
}

// RFC 9110 6.5.1 and 6.5.2, plus the fields that frame or route a request.
constexpr std::array<std::string_view, 20> kNotInTrailers = {
    "Content-Length",  "Transfer-Encoding", "Host",          "Trailer",        "TE",
    "Connection",      "Keep-Alive",        "Upgrade",       "Authorization",  "Proxy-Authorization",
    "Cookie",          "Content-Type",      "Content-Encoding", "Content-Range", "Expect",
    "Max-Forwards",    "Cache-Control",     "Range",         "Proxy-Connection", "Set-Cookie"};

}  // namespace

bool same_header_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && same_folded(a.data(), b.data(), a.size());
}

bool header_name_starts_with(std::string_view name, std::string_view prefix) {
  return name.size() >= prefix.size() && same_folded(name.data(), prefix.data(), prefix.size());
}

int override_header_index(std::string_view name) {
  for (std::size_t i = 0; i < kOverrideHeaders.size(); ++i) {
    if (same_header_name(name, kOverrideHeaders[i])) return static_cast<int>(i);
  }
  return -1;
}

HeaderPolicy header_policy(const config::Config& config, OverrideMask allowed_overrides) {
  const auto& identity = config.identity;
  HeaderPolicy policy;
  policy.identity_header = identity.header;
  // Protected whether or not this gateway signs: a backend may check signatures all the same.
  policy.signature_header = identity.signature.header;
  policy.header_namespace = identity.header_namespace;
  policy.trust_forwarded = config.trust_forwarded_headers;
  policy.underscores = config.headers_with_underscores;
  policy.allowed_overrides = allowed_overrides;
  return policy;
}

HeaderVerdict judge_client_header(std::string_view name, const HeaderPolicy& policy) {
  const bool odd = spelled_oddly(name);
  if (same_header_name(name, policy.identity_header) ||
      (!policy.signature_header.empty() && same_header_name(name, policy.signature_header)) ||
      (!policy.header_namespace.empty() && header_name_starts_with(name, policy.header_namespace)) ||
      ((!policy.trust_forwarded || odd) && is_forwarding_header(name)) ||
      (odd && (is_framing_header(name) || same_header_name(name, "X-Request-Id")))) {
    return HeaderVerdict::protected_name;
  }
  if (const int index = override_header_index(name); index >= 0 && !(policy.allowed_overrides & (1u << index))) {
    return HeaderVerdict::url_override;
  }
  if (odd && policy.underscores != UnderscoreHeaders::allow && name.find('_') != std::string_view::npos) {
    return HeaderVerdict::underscore;
  }
  return HeaderVerdict::pass;
}

bool allowed_in_trailer(std::string_view name) {
  if (header_name_starts_with(name, "If-") || is_forwarding_header(name)) return false;
  return std::none_of(kNotInTrailers.begin(), kNotInTrailers.end(),
                      [name](std::string_view denied) { return same_header_name(name, denied); });
}

}  // namespace cutover::http
