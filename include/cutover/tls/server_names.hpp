#pragma once
// Which certificate answers a TLS client, from the name it asked for (SNI, RFC 6066 3). Pure.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cutover::tls {

// Whether a certificate name covers `host`, compared without case: the same name, or a wildcard
// "*.example.com" that stands for exactly one label ("a.example.com", not "example.com" nor
// "a.b.example.com"; RFC 6125 6.4.3).
bool name_covers(std::string_view pattern, std::string_view host);

// The certificate for `server_name` among certificates that cover `names[i]`: the first one
// naming it exactly, else the first whose wildcard covers it, else the first certificate (also
// when the client sent no name).
std::size_t choose_certificate(const std::vector<std::vector<std::string>>& names, std::string_view server_name);

}  // namespace cutover::tls
