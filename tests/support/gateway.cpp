#include "support/gateway.hpp"

#include <csignal>
#include <regex>
#include <stdexcept>

namespace cutover::test {
namespace {

constexpr auto kCheckTimeout = std::chrono::seconds(10);
// The TLS listener's start-up line ("TLS: serving HTTPS on 127.0.0.1:PORT (...)"), logged
// before the ready line and without its words (see Gateway::tls_port).
constexpr const char* kTlsListeningPattern = R"(serving HTTPS on 127\.0\.0\.1:(\d+))";

CheckResult run_check(const std::filesystem::path& config) {
  Process p({CUTOVER_BINARY, "check", config.string()}, ProcessOptions{.output_dir = config.parent_path(), .env = {}});
  CheckResult result;
  result.config_path = config;
  result.exit_code = p.wait_exit(kCheckTimeout).value_or(-1);
  result.out = p.output(Process::Stream::kStdout);
  result.err = p.output(Process::Stream::kStderr);
  return result;
}

}  // namespace

Gateway::Gateway() : dir_("gateway") {}

Gateway::Gateway(std::string_view yaml) : Gateway() { write_config(yaml); }

Gateway::~Gateway() = default;

std::unique_ptr<Gateway> Gateway::launch(std::string_view yaml, std::vector<std::string> extra_args) {
  auto gw = std::make_unique<Gateway>(yaml);
  gw->start(std::move(extra_args));
  return gw;
}

std::filesystem::path Gateway::write_file(std::string_view name, std::string_view content) {
  return dir_.write(name, content);
}

void Gateway::write_config(std::string_view yaml) { dir_.write(kConfigName, yaml); }

std::string Gateway::read_file(std::string_view name) const { return dir_.read(name); }

void Gateway::start(std::vector<std::string> extra_args, std::chrono::milliseconds timeout) {
  if (process_ && process_->running()) throw std::logic_error("Gateway::start: already running");
  std::vector<std::string> argv{binary_.string(), "--config", config_path().string()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  admin_port_.reset();
  tls_port_.reset();
  process_ = std::make_unique<Process>(std::move(argv), ProcessOptions{.output_dir = dir_.path(), .env = {}});
  // The admin and TLS listeners log the same phrase; skip any line that names them.
  const std::regex traffic(R"(^(?!.*admin).*listening on 127\.0\.0\.1:(\d+))", std::regex::icase);
  const auto m = process_->wait_for_line(traffic, timeout, Process::Stream::kStderr);
  if (!m) {
    throw std::runtime_error(binary_.filename().string() + " did not report its listener within " +
                             std::to_string(timeout.count()) + " ms (config " + config_path().string() + ")\n" +
                             process_->output());
  }
  port_ = static_cast<std::uint16_t>(std::stoul((*m)[1]));
}

std::optional<int> Gateway::stop(std::chrono::milliseconds timeout) {
  if (!process_) return std::nullopt;
  process_->send_signal(SIGTERM);
  return process_->wait_exit(timeout);
}

std::uint16_t Gateway::admin_port() {
  if (admin_port_) return *admin_port_;
  const std::regex admin(R"(admin.*listening on 127\.0\.0\.1:(\d+)|listening on 127\.0\.0\.1:(\d+).*admin)",
                         std::regex::icase);
  const auto m = process().wait_for_line(admin, kStartTimeout, Process::Stream::kStderr);
  if (!m) throw std::runtime_error("cutover did not report an admin listener\n" + process_->output());
  admin_port_ = static_cast<std::uint16_t>(std::stoul((*m)[1].empty() ? (*m)[2] : (*m)[1]));
  return *admin_port_;
}

std::uint16_t Gateway::tls_port() {
  if (tls_port_) return *tls_port_;
  const std::regex tls(kTlsListeningPattern, std::regex::icase);
  const auto m = process().wait_for_line(tls, kStartTimeout, Process::Stream::kStderr);
  if (!m) {
    throw std::runtime_error(std::string("cutover did not report a TLS listener (a line matching /") +
                             kTlsListeningPattern + "/)\n" + process_->output());
  }
  tls_port_ = static_cast<std::uint16_t>(std::stoul((*m)[1]));
  return *tls_port_;
}

Process& Gateway::process() {
  if (!process_) throw std::logic_error("Gateway::process: not started");
  return *process_;
}

CheckResult Gateway::check() const { return run_check(config_path()); }

CheckResult Gateway::check(const std::string& yaml) {
  const TempDir dir("check");
  return run_check(dir.write(kConfigName, yaml));
}

}  // namespace cutover::test
