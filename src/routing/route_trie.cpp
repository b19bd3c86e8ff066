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

void visit_node(TrieNode& node, const std::function<void(std::vector<TrieEntry>&)>& visit) {
  if (!node.exact.empty()) visit(node.exact);
  if (!node.wildcard.empty()) visit(node.wildcard);
  for (auto& [text, child] : node.literals) visit_node(*child, visit);
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
      auto it = node->literals.find(segment.text);
      if (it == node->literals.end()) {
        it = node->literals.emplace(segment.text, std::make_unique<TrieNode>()).first;
      }
      node = it->second.get();
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

bool fits(const TrieEntry& entry, std::string_view method, std::string_view host) noexcept {
  if (!entry.host.empty() && !host_equals(entry.host, host)) return false;
  if (entry.methods.empty()) return true;
  return std::find(entry.methods.begin(), entry.methods.end(), method) != entry.methods.end();
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
