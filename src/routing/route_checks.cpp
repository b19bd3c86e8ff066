#include "routing/route_checks.hpp"

#include <algorithm>
#include <span>

namespace cutover::routing::detail {

namespace {

using Group = std::span<const TrieEntry* const>;

bool has_method(const TrieEntry& entry, std::string_view method) {
  return std::find(entry.methods.begin(), entry.methods.end(), method) != entry.methods.end();
}

// Neither outranks the other (match() would pick by file order) yet some request fits both.
bool same_precedence_overlap(const TrieEntry& a, const TrieEntry& b) {
  if (a.methods.size() != b.methods.size()) return false;
  if (a.methods.empty()) return true;
  return std::any_of(a.methods.begin(), a.methods.end(),
                     [&](const std::string& m) { return has_method(b, m); });
}

class Checker {
 public:
  Checker(const config::Config& config, std::vector<Finding>& findings)
      : config_(config), findings_(findings) {}

  // `earlier` holds the routes before `later` in file order, all with its pattern and host.
  void report_ambiguity(const TrieEntry& later, Group earlier) {
    for (const auto* other : earlier) {
      if (!same_precedence_overlap(*other, later)) continue;
      const auto& rc = config_.routes[later.route];
      findings_.push_back({later.route, true, rc.mark,
                           "ambiguous: " + name(other->route) + " and " + name(later.route) +
                               " match the same requests"});
      return;
    }
  }

  void warn_if_shadowed(const TrieEntry& entry, Group same_host) {
    if (entry.methods.empty()) return;
    std::vector<std::string> claimed_by;
    for (const auto& method : entry.methods) {
      if (is_unproxyable(method)) continue;  // build() warned about those already
      const auto owner = std::find_if(same_host.begin(), same_host.end(), [&](const auto* other) {
        return !other->methods.empty() && other->methods.size() < entry.methods.size() &&
               has_method(*other, method);
      });
      if (owner == same_host.end()) return;  // this method still reaches the route
      const auto owner_name = name((*owner)->route);
      if (std::find(claimed_by.begin(), claimed_by.end(), owner_name) == claimed_by.end()) {
        claimed_by.push_back(owner_name);
      }
    }
    if (claimed_by.empty()) return;  // only unproxyable methods: warned already
    const auto& rc = config_.routes[entry.route];
    findings_.push_back({entry.route, false, first_set({rc.match.mark, rc.mark}),
                         name(entry.route) + " can never match: its methods are all taken by " +
                             "more specific " + join(claimed_by) + " with the same path and host"});
  }

 private:
  std::string name(std::uint32_t route) const { return route_name(config_.routes[route], route); }

  const config::Config& config_;
  std::vector<Finding>& findings_;
};

}  // namespace

std::string route_name(const config::RouteConfig& route, std::size_t index) {
  if (route.id.empty()) return "route #" + std::to_string(index + 1);
  return "route '" + route.id + "'";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

void check_same_pattern(const std::vector<TrieEntry>& entries, const config::Config& config,
                        std::vector<Finding>& findings) {
  // Only routes with the same host can collide; grouping keeps thousands of virtual hosts on
  // one path linear instead of quadratic.
  std::vector<const TrieEntry*> by_host;
  by_host.reserve(entries.size());
  for (const auto& entry : entries) by_host.push_back(&entry);
  std::stable_sort(by_host.begin(), by_host.end(),
                   [](const auto* a, const auto* b) { return a->host < b->host; });
  Checker checker(config, findings);
  for (std::size_t begin = 0; begin < by_host.size();) {
    std::size_t end = begin + 1;
    while (end < by_host.size() && by_host[end]->host == by_host[begin]->host) ++end;
    const Group group(by_host.data() + begin, end - begin);
    for (std::size_t j = 0; j < group.size(); ++j) {
      checker.report_ambiguity(*group[j], group.first(j));
      checker.warn_if_shadowed(*group[j], group);
    }
    begin = end;
  }
}

}  // namespace cutover::routing::detail
