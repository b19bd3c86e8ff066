#include "cutover/http/headers.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <string>
#include <vector>

namespace cutover::http {
namespace {

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && boost::beast::iequals(text.substr(0, prefix.size()), prefix);
}

}  // namespace

void strip_hop_by_hop(bhttp::fields& fields) {
  // Collect names first: erasing while walking the Connection value would invalidate it.
  std::vector<std::string> named;
  for (auto it = fields.find(bhttp::field::connection); it != fields.end() && it->name() == bhttp::field::connection; ++it) {
    for (auto token : bhttp::token_list(it->value())) named.emplace_back(token);
  }
  for (const auto& name : named) {
    // Framing headers are never dropped, even when a client lists them in Connection.
    if (boost::beast::iequals(name, "content-length") || boost::beast::iequals(name, "transfer-encoding") ||
        boost::beast::iequals(name, "host")) {
      continue;
    }
    fields.erase(name);
  }
  for (auto field : {bhttp::field::connection, bhttp::field::keep_alive, bhttp::field::proxy_connection,
                     bhttp::field::te, bhttp::field::trailer, bhttp::field::upgrade,
                     bhttp::field::proxy_authorization, bhttp::field::proxy_authenticate}) {
    fields.erase(field);
  }
}

void strip_gateway_headers(bhttp::fields& fields, std::string_view identity_header,
                           std::string_view header_namespace) {
  fields.erase(identity_header);
  if (header_namespace.empty()) return;
  for (auto it = fields.begin(); it != fields.end();) {
    if (starts_with_ci(it->name_string(), header_namespace)) {
      it = fields.erase(it);
    } else {
      ++it;
    }
  }
}

void set_forwarded_headers(bhttp::fields& fields, const ForwardedFor& forwarded) {
  if (forwarded.trust_client_headers) {
    std::string chain;
    for (auto it = fields.find("X-Forwarded-For"); it != fields.end() && boost::beast::iequals(it->name_string(), "X-Forwarded-For"); ++it) {
      if (!chain.empty()) chain += ", ";
      chain.append(it->value());
    }
    if (!chain.empty()) chain += ", ";
    chain.append(forwarded.client_address);
    fields.set("X-Forwarded-For", chain);
    if (fields.find("X-Forwarded-Proto") == fields.end()) fields.set("X-Forwarded-Proto", forwarded.proto);
    auto host = fields[bhttp::field::host];
    if (fields.find("X-Forwarded-Host") == fields.end() && !host.empty()) fields.set("X-Forwarded-Host", host);
    return;
  }
  fields.set("X-Forwarded-For", forwarded.client_address);
  fields.set("X-Forwarded-Proto", forwarded.proto);
  auto host = fields[bhttp::field::host];
  if (host.empty()) {
    fields.erase("X-Forwarded-Host");
  } else {
    fields.set("X-Forwarded-Host", host);
  }
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
