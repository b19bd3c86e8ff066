#pragma once
// A hand-written control plane for the admin handler tests: a real snapshot compiled from YAML,
// overrides replaced in memory (or refused, to act out an unwritable state file), no sockets.
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cutover/admin/control_plane.hpp"
#include "cutover/admin/handlers.hpp"
#include "cutover/runtime/snapshot.hpp"

namespace cutover::admin::test {

inline constexpr const char* kRoutesYaml =
    "backends:\n"
    "  legacy: { endpoints: [127.0.0.1:8000] }\n"
    "  notes-svc: { endpoints: [127.0.0.1:9000] }\n"
    "routes:\n"
    "  - id: notes\n"
    "    match: { prefix: /notes, methods: [GET, POST] }\n"
    "    split: { notes-svc: 10 }\n"
    "    rollback_to: legacy\n"
    "  - { id: default, match: { prefix: / }, backend: legacy }\n";

class FakeControlPlane : public ControlPlane {
 public:
  explicit FakeControlPlane(const std::string& yaml = kRoutesYaml)
      : current_(runtime::build_snapshot(yaml, "/etc/cutover/gw.yaml")) {}

  nlohmann::json status() const override { return {{"config_hash", "abc"}}; }
  ReloadStatus reload() override {
    ++reloads;
    return next_reload;
  }
  bool ready() const override { return is_ready; }
  std::string metrics() const override { return "cutover_requests_total 7\n"; }
  std::shared_ptr<const runtime::Snapshot> snapshot() const override { return current_; }
  std::optional<std::string> replace_overrides(runtime::OverrideSet next) override {
    if (!save_error.empty()) return save_error;
    ++saves;
    current_ = runtime::with_overrides(*current_, std::move(next));
    return std::nullopt;
  }
  LiveStats live_stats() const override { return {}; }
  std::shared_ptr<const runtime::Snapshot> load_candidate() const override {
    return runtime::build_snapshot(candidate_yaml, "/etc/cutover/gw.yaml");
  }
  std::int64_t now_unix() const override { return 1795272249; }

  int reloads = 0;
  int saves = 0;
  bool is_ready = true;
  ReloadStatus next_reload{true, "", 1, "def"};
  std::string save_error;  // non-empty: replace_overrides fails with it
  std::string candidate_yaml = kRoutesYaml;

 private:
  std::shared_ptr<const runtime::Snapshot> current_;
};

inline nlohmann::json body_of(const AdminReply& reply) { return nlohmann::json::parse(reply.body); }

}  // namespace cutover::admin::test
