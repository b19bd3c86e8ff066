#pragma once
// Which endpoint of a backend a request tries first: round robin, per backend and per worker (no
// state shared between workers; over many requests each worker spreads evenly, and so do they
// all). A failed connect goes on to the following endpoints (upstream_acquire.cpp).
#include <cstddef>
#include <vector>

namespace cutover::upstream {

class RoundRobin {
 public:
  // A config with `backends` backends: every cursor starts again at the first endpoint.
  void reset(std::size_t backends) { next_.assign(backends, 0); }

  // The index, below `endpoint_count`, of the endpoint `backend`'s next request starts with.
  std::size_t next(std::size_t backend, std::size_t endpoint_count) {
    if (endpoint_count <= 1 || backend >= next_.size()) return 0;
    return next_[backend]++ % endpoint_count;
  }

 private:
  std::vector<std::size_t> next_;
};

}  // namespace cutover::upstream
