#pragma once
// Builds Beast field sets from literal (name, value) lists and reads them back in order, so a
// test can state the exact headers it expects after a rewrite.
#include <boost/beast/http/fields.hpp>

#include <string>
#include <utility>
#include <vector>

namespace cutover::http::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

inline boost::beast::http::fields make_fields(const HeaderList& headers) {
  boost::beast::http::fields fields;
  for (const auto& [name, value] : headers) fields.insert(name, value);
  return fields;
}

// Every header in iteration order, names as the client spelled them.
inline HeaderList list_fields(const boost::beast::http::fields& fields) {
  HeaderList out;
  for (const auto& field : fields) out.emplace_back(field.name_string(), field.value());
  return out;
}

// All values of `name` (case-insensitive), in order.
inline std::vector<std::string> values_of(const boost::beast::http::fields& fields, std::string_view name) {
  std::vector<std::string> out;
  auto [first, last] = fields.equal_range(name);
  for (auto it = first; it != last; ++it) out.emplace_back(it->value());
  return out;
}

}  // namespace cutover::http::test
