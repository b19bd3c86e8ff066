// The real cutover binary under test, configured from a YAML string in a per-test directory.
#pragma once

#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cutover::test {

struct CheckResult {
  int exit_code = -1;  // -1 when `cutover check` did not finish in time
  std::string out{};
  std::string err{};
  std::filesystem::path config_path{};  // errors cite it as file:line
};

// Typical use:
//   auto gw = Gateway::launch(yaml);                  // or, when the YAML needs paths:
//   Gateway gw; auto key = gw.write_file("hs256.key", "secret");
//   gw.write_config("...hs256_secret_file: " + key.string() + "...");  gw.start();
// The YAML should say `listen: 127.0.0.1:0` (and `admin: {listen: 127.0.0.1:0}`); the ports are
// read from the gateway's stderr: traffic from the first "listening on 127.0.0.1:PORT" line that
// mentions neither "admin" nor "TLS listening", admin from the first one that mentions "admin",
// and the TLS listener (`tls: { listen: 127.0.0.1:0 }`) from "TLS listening on 127.0.0.1:PORT".
class Gateway {
 public:
  static constexpr std::string_view kConfigName = "cutover.yaml";
  static constexpr std::string_view kAccessLogName = "access.log";
  static constexpr std::chrono::milliseconds kStartTimeout{10'000};

  Gateway();  // creates the directory only
  explicit Gateway(std::string_view yaml);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Constructs, writes the config, starts; throws std::runtime_error with the output on failure.
  static std::unique_ptr<Gateway> launch(std::string_view yaml, std::vector<std::string> extra_args = {});

  // Files next to the config (secrets, state files). Atomic writes: safe while the gateway runs,
  // so rewrite_config + SIGHUP is a reload test.
  std::filesystem::path write_file(std::string_view name, std::string_view content);
  void write_config(std::string_view yaml);
  std::string read_file(std::string_view name) const;

  // Runs the binary (CUTOVER_BINARY unless use_binary) with --config FILE [extra_args] and waits
  // for the traffic port.
  void start(std::vector<std::string> extra_args = {}, std::chrono::milliseconds timeout = kStartTimeout);
  // SIGTERM and wait; the exit status (see Process::wait_exit), nullopt if it did not exit.
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));

  // Another executable taking the same arguments: an older build to compare, or a fake.
  void use_binary(std::filesystem::path binary) { binary_ = std::move(binary); }

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // Waits (kStartTimeout) for the admin listener line; throws if there is none.
  std::uint16_t admin_port();
  // ALIGN(TLS): waits (kStartTimeout) for the TLS listener's line, assumed to read
  // "TLS listening on 127.0.0.1:PORT" (anything before or after it on the line is fine); throws
  // if there is none. Change kTlsListeningPattern in gateway.cpp if the gateway words it otherwise.
  std::uint16_t tls_port();
  std::string tls_address() { return "127.0.0.1:" + std::to_string(tls_port()); }
  Process& process();

  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path config_path() const { return dir_.file(kConfigName); }
  std::filesystem::path file(std::string_view name) const { return dir_.file(name); }
  // Conventional place for the access log: put `access_log: <this>` in the YAML.
  std::filesystem::path access_log_path() const { return dir_.file(kAccessLogName); }
  std::string access_log() const { return read_file(kAccessLogName); }

  // `cutover check` on this gateway's config (extra files present).
  CheckResult check() const;
  // `cutover check` on `yaml` written to a fresh temp directory.
  static CheckResult check(const std::string& yaml);

 private:
  TempDir dir_;
  std::filesystem::path binary_ = CUTOVER_BINARY;
  std::unique_ptr<Process> process_;
  std::uint16_t port_ = 0;
  std::optional<std::uint16_t> admin_port_;
  std::optional<std::uint16_t> tls_port_;
};

}  // namespace cutover::test
