#pragma once
// The compiled route table. match() is a pure function of (table, request): the most specific
// route wins regardless of file order. Specificity, compared segment by segment from the left:
// end of an exact path > literal segment > {param} segment > trailing wildcard (prefix or /*);
// then a route with a host beats one without; then a route with fewer methods beats more/any.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/config/config.hpp"
#include "cutover/routing/split.hpp"

namespace cutover::routing {

struct RequestView {
  std::string_view method;  // as sent, e.g. "GET"
  std::string_view host;    // Host header, any case, may carry :port
  std::string_view path;    // normalized (normalize_path), without query
};

struct Route {
  // What every request reads from the route comes first, in one cache line. (Requests run the
  // snapshot's plans, not `plan` below, whose alignment only pads this struct.)
  std::size_t index = 0;        // position in config.routes
  bool require_user = false;
  config::Sticky sticky = config::Sticky::user;
  std::int32_t fallback = -1;   // backend index serving when the picked one has no usable endpoint
  SplitPlan plan;               // backend indexes into config.backends; single backend = one band
  std::string id;
  std::string cohort;           // salt for bucket_of()
};

class RouteTable {
 public:
  // Compiles routes; reports errors (bad patterns, unknown backends, shares over 100%, duplicate
  // ids, ambiguous identical matches) and warnings (routes that can never match) to `sink`.
  static RouteTable build(const config::Config& config, config::DiagnosticSink& sink);

  RouteTable();
  ~RouteTable();
  RouteTable(RouteTable&&) noexcept;
  RouteTable& operator=(RouteTable&&) noexcept;

  // The most specific matching route, or nullptr (404).
  const Route* match(const RequestView& request) const;

  const std::vector<Route>& routes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cutover::routing
