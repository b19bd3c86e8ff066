// RouteTable: build() validates and compiles config.routes into a segment trie
// (routing/route_trie.hpp) and packs it for matching (routing/packed_trie.hpp); match() is one
// walk of the packed copy. build() reports every problem to the sink
// and never throws for bad input, since it also runs on reload.
#include "cutover/routing/route_table.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

#include "routing/packed_trie.hpp"
#include "routing/path_pattern.hpp"
#include "routing/route_checks.hpp"
#include "routing/route_trie.hpp"

namespace cutover::routing {

using config::DiagnosticSink;
using config::Mark;
using config::RouteConfig;

struct RouteTable::Impl {
  std::vector<Route> routes;
  detail::PackedTrie trie;
};

namespace {

using detail::first_set;
using detail::is_unproxyable;
using detail::join;
using detail::route_name;

class Builder {
 public:
  Builder(const config::Config& config, DiagnosticSink& sink, std::vector<Route>& routes,
          detail::RouteTrie& trie)
      : config_(config), sink_(sink), routes_(routes), trie_(trie) {}

  void run() {
    if (config_.backends.size() > std::numeric_limits<std::uint16_t>::max()) {
      sink_.error({}, "too many backends (" + std::to_string(config_.backends.size()) + ")");
      return;
    }
    for (std::size_t i = 0; i < config_.backends.size(); ++i) {
      backends_.emplace(config_.backends[i].name, static_cast<std::uint16_t>(i));
    }
    routes_.reserve(config_.routes.size());
    for (std::size_t i = 0; i < config_.routes.size(); ++i) add_route(i);
    std::vector<detail::Finding> findings;
    trie_.for_each_terminal([&](std::vector<detail::TrieEntry>& entries) {
      detail::check_same_pattern(entries, config_, findings);
    });
    // The trie is visited in segment order; report in file order, as the file is read.
    std::stable_sort(findings.begin(), findings.end(),
                     [](const auto& a, const auto& b) { return a.route < b.route; });
    for (auto& finding : findings) {
      if (finding.error) {
        sink_.error(finding.mark, std::move(finding.message));
      } else {
        sink_.warning(finding.mark, std::move(finding.message));
      }
    }
    trie_.sort_by_precedence();
  }

 private:
  void add_route(std::size_t index) {
    const RouteConfig& rc = config_.routes[index];
    const std::string name = route_name(rc, index);
    Route route;
    route.index = index;
    route.id = rc.id;
    route.sticky = rc.sticky;
    route.cohort = rc.cohort.empty() ? rc.id : rc.cohort;
    route.require_user = rc.require_user;

    bool ok = check_id(rc, name);
    ok = compile_plan(rc, name, route.plan) && ok;
    ok = compile_fallback(rc, name, route) && ok;
    detail::TrieEntry entry;
    entry.route = static_cast<std::uint32_t>(index);
    ok = compile_host(rc, name, entry.host) && ok;
    compile_methods(rc, name, entry.methods);
    const auto pattern = compile_match(rc, name);
    routes_.push_back(std::move(route));
    // A route that can never match stays out of the trie, so its warning is literally true.
    if (!ok || !pattern || !pattern->never_matches.empty()) return;
    trie_.terminal(*pattern).push_back(std::move(entry));
  }

  bool check_id(const RouteConfig& rc, const std::string& name) {
    if (rc.id.empty()) {
      sink_.error(rc.mark, name + " needs a non-empty id");
      return false;
    }
    const auto [it, inserted] = ids_.emplace(rc.id, &rc);
    if (!inserted) {
      sink_.error(rc.mark, "duplicate route id '" + rc.id + "' (first defined at line " +
                               std::to_string(it->second->mark.line) + ")");
      return false;
    }
    return true;
  }

  std::optional<std::uint16_t> backend(std::string_view backend_name, Mark at,
                                       const std::string& name, const char* field) {
    const auto it = backends_.find(backend_name);
    if (it != backends_.end()) return it->second;
    sink_.error(at,
                name + ": " + field + " names unknown backend '" + std::string(backend_name) + "'");
    return std::nullopt;
  }

  bool compile_plan(const RouteConfig& rc, const std::string& name, SplitPlan& plan) {
    // A route that answers at the edge picks no backend; the parser refused one beside `return`.
    if (rc.answer.enabled) return true;
    if (!rc.backend.empty() && !rc.split.empty()) {
      sink_.error(rc.mark, name + " has both 'backend' and 'split'; use one");
      return false;
    }
    if (rc.backend.empty() && rc.split.empty()) {
      sink_.error(rc.mark, name + " needs 'backend', 'split' or 'return'");
      return false;
    }
    if (!rc.backend.empty()) {
      const auto index = backend(rc.backend, rc.mark, name, "'backend'");
      // Unused by a single backend today, but a typo there must not wait for a later split.
      const bool rollback_ok =
          rc.rollback_to.empty() || backend(rc.rollback_to, rc.mark, name, "'rollback_to'");
      if (index) plan = single_backend(*index);
      return index.has_value() && rollback_ok;
    }
    bool ok = true;
    std::optional<std::uint16_t> rollback;
    if (rc.rollback_to.empty()) {
      sink_.error(rc.mark, name + ": 'split' needs 'rollback_to' (the backend taking the rest)");
      ok = false;
    } else {
      rollback = backend(rc.rollback_to, rc.mark, name, "'rollback_to'");
      ok = rollback.has_value();
    }
    std::vector<WeightedBackend> targets;
    std::uint64_t total = 0;
    for (const auto& target : rc.split) {
      const Mark at = first_set({target.mark, rc.mark});
      total += target.share;
      const auto index = backend(target.backend, at, name, "'split'");
      if (!index) {
        ok = false;
        continue;
      }
      if (target.backend == rc.rollback_to) {
        sink_.error(at, name + ": rollback_to '" + rc.rollback_to +
                            "' is also listed in 'split'; it already takes the rest");
        ok = false;
      }
      const bool listed =
          std::any_of(targets.begin(), targets.end(),
                      [&](const WeightedBackend& w) { return w.backend == *index; });
      if (listed) {
        sink_.error(at, name + ": 'split' lists backend '" + target.backend + "' twice");
        ok = false;
      }
      targets.push_back({*index, target.share});
    }
    if (total > config::kAllTraffic) {
      sink_.error(rc.mark, name + ": split shares add up to " + std::to_string(total / 100) + "." +
                               std::to_string(total % 100 / 10) + std::to_string(total % 10) +
                               "%, over 100%");
      ok = false;
    }
    if (ok) plan = plan_split(targets, *rollback);
    return ok;
  }

  bool compile_fallback(const RouteConfig& rc, const std::string& name, Route& route) {
    if (rc.fallback.empty()) return true;
    const auto index = backend(rc.fallback, rc.mark, name, "'fallback'");
    if (!index) return false;
    if (rc.split.empty() && rc.backend == rc.fallback) {
      sink_.warning(rc.mark, name + ": fallback '" + rc.fallback + "' is the route's only backend, so it never takes over");
    }
    route.fallback = static_cast<std::int32_t>(*index);
    return true;
  }

  // Config hosts are lower case without port already; brackets and a trailing dot are dropped
  // so they compare with bare_host() of the request.
  bool compile_host(const RouteConfig& rc, const std::string& name, std::string& host) {
    host = rc.match.host;
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) {
      return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    } else if (std::count(host.begin(), host.end(), ':') == 1) {
      sink_.error(first_set({rc.match.mark, rc.mark}),
                  name + ": host '" + rc.match.host + "' must not include a port");
      return false;
    }
    if (!host.empty() && host.back() == '.') host.pop_back();
    return true;
  }

  void compile_methods(const RouteConfig& rc, const std::string& name,
                       std::vector<std::string>& methods) {
    for (const auto& method : rc.match.methods) {
      if (method.empty()) continue;
      if (std::find(methods.begin(), methods.end(), method) == methods.end()) {
        methods.push_back(method);
      }
    }
    std::vector<std::string> unproxyable;
    std::copy_if(methods.begin(), methods.end(), std::back_inserter(unproxyable), is_unproxyable);
    if (unproxyable.empty()) return;
    const Mark at = first_set({rc.match.mark, rc.mark});
    if (unproxyable.size() == methods.size()) {
      sink_.warning(at, name + " can never match: the gateway does not proxy " + join(unproxyable));
    } else {
      sink_.warning(at, name + ": the gateway does not proxy " + join(unproxyable) +
                            "; those methods never reach this route");
    }
  }

  std::optional<detail::PathPattern> compile_match(const RouteConfig& rc, const std::string& name) {
    const auto& match = rc.match;
    const Mark at = first_set({match.path_mark, match.mark, rc.mark});
    if (!match.path.empty() && !match.prefix.empty()) {
      sink_.error(at, name + ": match has both 'path' and 'prefix'; use one");
      return std::nullopt;
    }
    if (match.path.empty() && match.prefix.empty()) {
      sink_.error(at, name + ": match needs 'path' or 'prefix'");
      return std::nullopt;
    }
    const bool is_prefix = match.path.empty();
    const std::string& text = is_prefix ? match.prefix : match.path;
    const std::string label = std::string(is_prefix ? "prefix" : "path") + " '" + text + "'";
    std::string error;
    auto pattern = detail::compile_pattern(text, is_prefix, error);
    if (!pattern) {
      sink_.error(at, name + ": " + label + ": " + error);
    } else if (!pattern->never_matches.empty()) {
      sink_.warning(at, name + " can never match: " + label + ": " + pattern->never_matches);
    }
    return pattern;
  }

  const config::Config& config_;
  DiagnosticSink& sink_;
  std::vector<Route>& routes_;
  detail::RouteTrie& trie_;
  std::unordered_map<std::string_view, std::uint16_t> backends_;
  std::unordered_map<std::string_view, const RouteConfig*> ids_;
};

}  // namespace

RouteTable RouteTable::build(const config::Config& config, DiagnosticSink& sink) {
  RouteTable table;
  detail::RouteTrie trie;
  Builder(config, sink, table.impl_->routes, trie).run();
  table.impl_->trie = detail::PackedTrie(trie);
  return table;
}

RouteTable::RouteTable() : impl_(std::make_unique<Impl>()) {}
RouteTable::~RouteTable() = default;
RouteTable::RouteTable(RouteTable&&) noexcept = default;
RouteTable& RouteTable::operator=(RouteTable&&) noexcept = default;

const Route* RouteTable::match(const RequestView& request) const {
  if (!impl_) return nullptr;  // moved-from
  const auto index =
      impl_->trie.match(request.method, detail::bare_host(request.host), request.path);
  return index == detail::kNoRoute ? nullptr : &impl_->routes[index];
}

const std::vector<Route>& RouteTable::routes() const {
  static const std::vector<Route> kEmpty;
  return impl_ ? impl_->routes : kEmpty;
}

}  // namespace cutover::routing
