#include "routing/route_trie.hpp"

#include <algorithm>
#include <tuple>

namespace cutover::routing::detail {

namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// `configured` is already lower case.
bool host_equals(std::string_view configured, std::string_view requested) {
  if (configured.size() != requested.size()) return false;
  for (std::size_t i = 0; i < configured.size(); ++i) {
    if (configured[i] != ascii_lower(requested[i])) return false;
  }
  return true;
}

bool fits(const TrieEntry& entry, std::string_view method, std::string_view host) {
  if (!entry.host.empty() && !host_equals(entry.host, host)) return false;
  if (entry.methods.empty()) return true;
  return std::find(entry.methods.begin(), entry.methods.end(), method) != entry.methods.end();
}

std::uint32_t first_fit(const std::vector<TrieEntry>& entries, std::string_view method,
                        std::string_view host) {
  for (const auto& entry : entries) {
    if (fits(entry, method, host)) return entry.route;
  }
  return kNoRoute;
}

struct Request {
  std::string_view method;
  std::string_view host;
};

// `rest` holds the remaining segments joined by '/' unless `done` (then there are none; an empty
// `rest` with !done is one empty segment: the trailing slash). Recursion depth is bounded by the
// trie's depth, not by the request, since it only descends into existing children.
std::uint32_t walk(const TrieNode& node, std::string_view rest, bool done, const Request& request) {
  if (done) {
    const auto route = first_fit(node.exact, request.method, request.host);
    if (route != kNoRoute) return route;
    return first_fit(node.wildcard, request.method, request.host);
  }
  const auto slash = rest.find('/');
  const bool last = slash == std::string_view::npos;
  const auto segment = rest.substr(0, slash);
  const auto next = last ? std::string_view{} : rest.substr(slash + 1);
  if (const TrieNode* child = node.literals.find(segment)) {
    const auto route = walk(*child, next, last, request);
    if (route != kNoRoute) return route;
  }
  // A parameter stands for a whole segment; the trailing slash's empty segment is not one.
  if (node.param && !segment.empty()) {
    const auto route = walk(*node.param, next, last, request);
    if (route != kNoRoute) return route;
  }
  return first_fit(node.wildcard, request.method, request.host);
}

void visit_node(TrieNode& node, const std::function<void(std::vector<TrieEntry>&)>& visit) {
  if (!node.exact.empty()) visit(node.exact);
  if (!node.wildcard.empty()) visit(node.wildcard);
  node.literals.for_each([&](std::string_view, TrieNode& child) { visit_node(child, visit); });
  if (node.param) visit_node(*node.param, visit);
}

}  // namespace

std::vector<TrieEntry>& RouteTrie::terminal(const PathPattern& pattern) {
  TrieNode* node = &root_;
  for (const auto& segment : pattern.segments) {
    if (segment.is_param) {
      if (!node->param) node->param = std::make_unique<TrieNode>();
      node = node->param.get();
    } else {
      node = &node->literals.child(segment.text);
    }
  }
  return pattern.wildcard ? node->wildcard : node->exact;
}

void RouteTrie::for_each_terminal(const std::function<void(std::vector<TrieEntry>&)>& visit) {
  visit_node(root_, visit);
}

void RouteTrie::sort_by_precedence() {
  for_each_terminal([](std::vector<TrieEntry>& entries) {
    const auto key = [](const TrieEntry& e) {
      const std::size_t method_rank = e.methods.empty() ? SIZE_MAX : e.methods.size();
      return std::make_tuple(e.host.empty(), method_rank, e.route);
    };
    std::sort(entries.begin(), entries.end(),
              [&](const TrieEntry& a, const TrieEntry& b) { return key(a) < key(b); });
  });
}

std::uint32_t RouteTrie::match(std::string_view method, std::string_view host,
                               std::string_view path) const noexcept {
  if (path.empty() || path.front() != '/') return kNoRoute;
  return walk(root_, path.substr(1), false, Request{method, host});
}

std::string_view bare_host(std::string_view host) noexcept {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  host = host.substr(0, host.find(':'));
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

}  // namespace cutover::routing::detail
