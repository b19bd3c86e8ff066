#include "check_command.hpp"

#include <iomanip>
#include <sstream>

#include "cutover/runtime/snapshot.hpp"

namespace cutover {
namespace {

std::string percent(config::BasisPoints bp) {
  std::ostringstream out;
  out << bp / 100;
  if (bp % 100 != 0) out << '.' << std::setw(2) << std::setfill('0') << bp % 100;
  out << '%';
  return out.str();
}

std::string describe_match(const config::MatchConfig& match) {
  std::string text;
  if (match.methods.empty()) {
    text = "*";
  } else {
    for (const auto& m : match.methods) text += (text.empty() ? "" : ",") + m;
  }
  text += " " + (match.path.empty() ? match.prefix + " (prefix)" : match.path);
  if (!match.host.empty()) text += " host " + match.host;
  return text;
}

std::string describe_targets(const config::RouteConfig& route) {
  if (route.answer.enabled) return "return " + std::to_string(route.answer.status);
  if (!route.backend.empty()) return route.backend;
  std::string text;
  config::BasisPoints used = 0;
  for (const auto& target : route.split) {
    text += target.backend + " " + percent(target.share) + ", ";
    used += target.share;
  }
  return text + route.rollback_to + " " + percent(config::kAllTraffic - used) + " (rollback_to)";
}

}  // namespace

int run_check(const std::string& path, std::ostream& out) {
  std::shared_ptr<runtime::Snapshot> snapshot;
  try {
    snapshot = runtime::load_snapshot(path);
  } catch (const config::ConfigError& e) {
    std::size_t errors = 0;
    for (const auto& d : e.diagnostics()) {
      out << d.to_string() << "\n";
      errors += d.severity == config::Severity::error;
    }
    out << path << ": " << errors << (errors == 1 ? " error" : " errors") << "\n";
    return 1;
  }
  for (const auto& warning : snapshot->warnings) out << warning.to_string() << "\n";
  const auto& config = snapshot->config;
  auto count = [](std::size_t n, const char* noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); };
  out << path << ": OK (" << count(config.backends.size(), "backend") << ", " << count(config.routes.size(), "route") << ", config "
      << snapshot->config_hash.substr(0, 12) << ")\n";
  for (const auto& backend : config.backends) {
    out << "  backend " << backend.name << ":";
    for (const auto& endpoint : backend.endpoints) out << " " << endpoint.to_string();
    if (const auto& check = backend.health_check; check.enabled) {
      const auto ms = check.interval.count();
      out << " (health check GET " << check.path << " every "
          << (ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms") << ")";
    }
    if (const auto& tls = backend.tls; tls.enabled) {
      out << (tls.verify ? " (tls, verified" + (tls.server_name.empty() ? std::string() : " as " + tls.server_name) + ")"
                         : std::string(" (tls, not verified)"));
    }
    out << "\n";
  }
  if (snapshot->tls) {
    // Which certificate answers which names (SNI): what a renewal must keep covering.
    out << "  tls " << config.tls.listen.to_string() << ":";
    const auto& names = snapshot->tls->names();
    for (std::size_t i = 0; i < names.size(); ++i) {
      out << (i == 0 ? " " : "; ") << config.tls.certificates[i].cert_file << " (";
      for (std::size_t j = 0; j < names[i].size(); ++j) out << (j == 0 ? "" : ", ") << names[i][j];
      out << (i == 0 ? ", and clients naming none)" : ")");
    }
    out << "\n";
  }
  for (const auto& route : config.routes) {
    out << "  route " << route.id << ": " << describe_match(route.match) << " -> " << describe_targets(route);
    if (!route.fallback.empty()) out << ", fallback " << route.fallback;
    out << "\n";
  }
  return 0;
}

}  // namespace cutover
