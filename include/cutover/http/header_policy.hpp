#pragma once
// Which client headers may reach a backend, judged by name as the backend will read it. CGI,
// WSGI (gunicorn, uWSGI, wsgiref), Rack and PHP-FPM hand a header to the application as
// HTTP_<NAME>, upper-cased and with '-' turned into '_', so `X_User_Id`, `x-user-id` and
// `X-User_Id` are one name there (Puma's CVE-2024-45614 is this class of hole); lighttpd turns
// every other byte into '_' as well (`X.User.Id`). Every comparison here reads names that way:
// ASCII case folded, and any byte but a letter or digit read as '-'. Pure functions; the head
// rewriting (headers.hpp) and the exchange's checks apply them.
#include <cstdint>
#include <string_view>

#include "cutover/config/config.hpp"

namespace cutover::http {

using config::kOverrideHeaders;  // removed unless the route allows them by name
using config::UnderscoreHeaders;
// Bit i allows kOverrideHeaders[i].
using OverrideMask = std::uint8_t;

struct HeaderPolicy {
  std::string_view identity_header = "X-User-Id";
  std::string_view signature_header = "X-User-Id-Signature";  // identity.signature.header
  std::string_view header_namespace = "X-Cutover-"; // "" for none
  bool trust_forwarded = false;                     // trust_forwarded_headers
  UnderscoreHeaders underscores = UnderscoreHeaders::drop;
  OverrideMask allowed_overrides = 0;               // the route's allow_override_headers
};

enum class HeaderVerdict : std::uint8_t {
  pass,
  protected_name,  // a name the gateway owns, in some spelling: always removed
  underscore,      // a name with '_' that the policy does not allow
  url_override,    // an override header the route does not allow
};

// Equal as a backend reads them: case-insensitive, every byte but letters and digits alike.
bool same_header_name(std::string_view a, std::string_view b);
bool header_name_starts_with(std::string_view name, std::string_view prefix);

// Index into kOverrideHeaders of `name` in any spelling; -1 for none.
int override_header_index(std::string_view name);

// The policy `config` sets, with the route's allowed override headers.
HeaderPolicy header_policy(const config::Config& config, OverrideMask allowed_overrides = 0);

// What becomes of a client header named `name`. Protected: the identity header, the signature
// header (whether or not this gateway signs), X-Request-Id in a spelling other than its own (the
// exact one is the client's request id, which the gateway reads and re-sets), every name in the
// namespace, the forwarding headers (X-Forwarded-*, Forwarded, X-Real-IP, Client-IP,
// X-Client-IP, True-Client-IP, X-Cluster-Client-IP) unless trusted, and, trusted or not, a
// forwarding or framing header (Content-Length, Transfer-Encoding, Host, ...) spelled with any
// byte but letters, digits and '-'. Then override headers the route does not allow, then names
// with '_' (unless allowed). Hop-by-hop and framing fields in their own spelling are the head
// rewriter's to handle, not this.
HeaderVerdict judge_client_header(std::string_view name, const HeaderPolicy& policy);

// False for fields a trailer section may not carry into a request (RFC 9110 6.5.1): framing,
// routing, authentication, request modifiers and content metadata a receiver has acted on by the
// time trailers arrive. Judged by name as backends read it, like everything here.
bool allowed_in_trailer(std::string_view name);

}  // namespace cutover::http
