#include "cutover/config/config.hpp"

namespace cutover::config {

const BackendConfig* Config::find_backend(std::string_view name) const {
  for (const auto& backend : backends) {
    if (backend.name == name) return &backend;
  }
  return nullptr;
}

}  // namespace cutover::config
