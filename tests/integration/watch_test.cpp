// `watch: true`: the gateway reloads by itself when its config file changes, including an
// editor's rename-over save, and a broken save changes nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/upstream.hpp"

namespace cutover::test {
namespace {

using namespace std::chrono_literals;

std::string config(const Upstream& old_backend, const Upstream& new_backend, int share, std::string_view extra = "") {
  return yaml_prologue(1) + "watch: true\nbackends:\n  old: { endpoints: [" + old_backend.address() +
         "] }\n  new: { endpoints: [" + new_backend.address() +
         "] }\nroutes:\n  - id: all\n    match: { prefix: / }\n    split: { new: " + std::to_string(share) +
         " }\n    rollback_to: old\n    sticky: none\n" + std::string(extra);
}

// Like an editor's atomic save: write a temp file, rename it over the config.
void save_by_rename(const std::filesystem::path& target, const std::string& text) {
  auto temp = target;
  temp += ".swp";
  std::ofstream(temp) << text;
  std::filesystem::rename(temp, target);
}

std::string served_by_now(std::uint16_t port) {
  auto r = http_get(port, "/");
  auto header = r.header("X-Served-By");
  return header ? *header : "";
}

bool eventually_served_by(std::uint16_t port, const std::string& backend) {
  for (int i = 0; i < 100; ++i) {
    if (served_by_now(port) == backend) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST(Watch, ReloadsOnRenameSaveAndIgnoresABrokenOne) {
  auto old_backend = Upstream::start("old");
  auto new_backend = Upstream::start("new");
  auto gateway = Gateway::launch(config(*old_backend, *new_backend, 0));
  ASSERT_EQ(served_by_now(gateway->port()), "old");

  save_by_rename(gateway->config_path(), config(*old_backend, *new_backend, 100));
  EXPECT_TRUE(eventually_served_by(gateway->port(), "new")) << gateway->process().output();

  const auto mark = gateway->process().output_size(Process::Stream::kStderr);
  save_by_rename(gateway->config_path(), config(*old_backend, *new_backend, 0, "    bogus: 1\n"));
  EXPECT_TRUE(gateway->process().wait_for_line(std::regex("reload failed"), 5s, Process::Stream::kStderr, mark))
      << gateway->process().output();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(served_by_now(gateway->port()), "new") << "a broken save must change nothing";

  // In-place write (no rename) is seen too, and the watch survived the failed reload.
  std::ofstream(gateway->config_path()) << config(*old_backend, *new_backend, 0);
  EXPECT_TRUE(eventually_served_by(gateway->port(), "old")) << gateway->process().output();
  auto status = parse_json(http_get(gateway->admin_port(), "/admin/status").body);
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["watching"], true);
}

}  // namespace
}  // namespace cutover::test
