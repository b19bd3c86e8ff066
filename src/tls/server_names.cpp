#include "cutover/tls/server_names.hpp"

#include <boost/algorithm/string/predicate.hpp>

namespace cutover::tls {

bool name_covers(std::string_view pattern, std::string_view host) {
  if (host.empty() || host.back() == '.') host = host.substr(0, host.size() - (host.empty() ? 0 : 1));
  if (host.empty()) return false;
  if (!pattern.starts_with("*.")) return boost::algorithm::iequals(pattern, host);
  const auto dot = host.find('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  return boost::algorithm::iequals(pattern.substr(1), host.substr(dot));
}

std::size_t choose_certificate(const std::vector<std::vector<std::string>>& names, std::string_view server_name) {
  if (server_name.empty()) return 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (const auto& name : names[i]) {
      if (!name.starts_with("*.") && name_covers(name, server_name)) return i;
    }
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (const auto& name : names[i]) {
      if (name.starts_with("*.") && name_covers(name, server_name)) return i;
    }
  }
  return 0;
}

}  // namespace cutover::tls
