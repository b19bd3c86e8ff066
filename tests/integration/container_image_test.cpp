// The container image as shipped (docker/Dockerfile, docs/deployment.md), run without a container
// engine: the user, directories, config, secrets, command and HEALTHCHECK are read from the
// Dockerfile and docker/cutover.yaml, laid out under a temporary root with the image's ownership
// and modes, and the gateway runs as the image's uid (setpriv, when the test runs as root). Only
// what a container would supply differs: the root prefix, 127.0.0.1:0 for the listeners, and the
// test's backends for the compose service names.
#include "support/gateway.hpp"
#include "support/http_client.hpp"
#include "support/integration_helpers.hpp"
#include "support/jwt_mint.hpp"
#include "support/upstream.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace cutover::test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string source_file(const std::string& relative) {
  std::ifstream in(std::string(CUTOVER_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What the Dockerfile says about the final image. A Dockerfile change that these patterns no
// longer find fails the test: keep them in step.
struct Image {
  std::string config_source;             // COPY docker/cutover.yaml ...
  std::string config_path;               // ... /etc/cutover/cutover.yaml
  uid_t uid = 0;                         // USER uid:gid
  gid_t gid = 0;
  std::vector<std::string> own_dirs;     // install -d -o cutover ... DIRS
  std::vector<std::string> command;      // ENTRYPOINT + CMD
  std::vector<std::string> health_check; // HEALTHCHECK CMD
};

std::string capture(const std::string& text, const std::string& pattern) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex(pattern))) {
    ADD_FAILURE() << "docker/Dockerfile: nothing matches " << pattern;
    return {};
  }
  return match[1];
}

std::vector<std::string> json_argv(const std::string& text) {
  const auto parsed = parse_json(text);
  if (!parsed || !parsed->is_array()) {
    ADD_FAILURE() << "not an exec-form JSON array: " << text;
    return {};
  }
  return parsed->get<std::vector<std::string>>();
}

Image read_image() {
  const auto dockerfile = source_file("docker/Dockerfile");
  // The final stage only: everything after the last FROM.
  const auto final_stage = dockerfile.substr(dockerfile.rfind("\nFROM "));
  Image image;
  const auto copy = capture(final_stage, R"(\nCOPY (docker/\S+\.yaml \S+))");
  image.config_source = copy.substr(0, copy.find(' '));
  image.config_path = copy.substr(copy.find(' ') + 1);
  image.uid = static_cast<uid_t>(std::stoul(capture(final_stage, R"(\nUSER (\d+):\d+)")));
  image.gid = static_cast<gid_t>(std::stoul(capture(final_stage, R"(\nUSER \d+:(\d+))")));
  std::istringstream dirs(capture(final_stage, R"(install -d -o cutover -g cutover -m 0750 ([^\n\\]+))"));
  for (std::string dir; dirs >> dir;) image.own_dirs.push_back(dir);
  image.command = json_argv(capture(final_stage, R"(\nENTRYPOINT (\[[^\n]*\]))"));
  for (auto& arg : json_argv(capture(final_stage, R"(\nCMD (\[[^\n]*\]))"))) image.command.push_back(arg);
  image.health_check = json_argv(capture(final_stage, R"(HEALTHCHECK[^\n]*\\\n\s*CMD (\[[^\n]*\]))"));
  return image;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// The image's absolute paths under `root`, and the image's binary as the one under test.
std::string in_root(std::string text, const fs::path& root) {
  for (const char* top : {"/etc/", "/var/", "/run/"}) replace_all(text, std::string(" ") + top, " " + root.string() + top);
  for (const char* top : {"/etc/", "/var/", "/run/"}) replace_all(text, std::string("\"") + top, "\"" + root.string() + top);
  return text;
}

std::string shell_quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

class ContainerImage : public ::testing::Test {
 protected:
  void SetUp() override {
    image_ = read_image();
    ASSERT_NE(image_.uid, 0u) << "the image must not run as root";
    ASSERT_FALSE(image_.command.empty());
    ASSERT_EQ(image_.command.front(), "/usr/local/bin/cutover");
    legacy_ = Upstream::start("legacy");
    notes_ = Upstream::start("notes-svc");
    // The test's own directory must be traversable by the image's user.
    fs::permissions(gw_.dir(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    root_ = gw_.dir() / "root";
    as_root_ = ::geteuid() == 0;
    lay_out();
  }

  void chown_to_image(const fs::path& path) const {
    if (as_root_) {
      ASSERT_EQ(::chown(path.c_str(), image_.uid, image_.gid), 0) << path;
    }
  }

  // The image's file system: root-owned config and secrets, the user's own writable directories.
  void lay_out() {
    auto config = source_file(image_.config_source);
    ASSERT_THAT(config, HasSubstr("legacy:8000"));
    ASSERT_THAT(config, HasSubstr("notes-svc:9000"));
    replace_all(config, "legacy:8000", legacy_->address());
    replace_all(config, "notes-svc:9000", notes_->address());
    replace_all(config, "0.0.0.0:8080", "127.0.0.1:0");
    replace_all(config, "0.0.0.0:9901", "127.0.0.1:0");
    const auto config_file = root_ / image_.config_path.substr(1);
    fs::create_directories(config_file.parent_path());
    std::ofstream(config_file) << in_root(config, root_);
    fs::permissions(config_file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                     fs::perms::others_read);
    for (const auto& dir : image_.own_dirs) {
      const auto path = root_ / dir.substr(1);
      fs::create_directories(path);
      fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
      chown_to_image(path);
    }
    // Secrets as Docker and Kubernetes mount them: read-only files owned by root.
    const std::regex secret_file(R"(_file: (/run/\S+))");
    for (auto it = std::sregex_iterator(config.begin(), config.end(), secret_file);
         it != std::sregex_iterator(); ++it) {
      const std::string path = (*it)[1];
      const auto file = root_ / path.substr(1);
      fs::create_directories(file.parent_path());
      std::ofstream(file) << (path.find("jwt") != std::string::npos ? std::string(kJwtSecret) : kAdminToken) << "\n";
      fs::permissions(file, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
      secrets_.push_back(path);
    }
  }

  // The image's user running `argv` (paths already under the root).
  std::string as_image_user(const std::vector<std::string>& argv) const {
    std::string line = "exec ";
    if (as_root_) {
      line += "setpriv --reuid=" + std::to_string(image_.uid) + " --regid=" + std::to_string(image_.gid) +
              " --clear-groups -- ";
    }
    for (const auto& arg : argv) line += shell_quote(arg) + " ";
    return line;
  }

  std::vector<std::string> with_binary(std::vector<std::string> argv) const {
    argv.front() = CUTOVER_BINARY;
    for (auto& arg : argv) arg = in_root(" " + arg, root_).substr(1);
    return argv;
  }

  // The ENTRYPOINT + CMD through a wrapper, which Gateway runs (and reads the ports from).
  void start() {
    const auto wrapper = gw_.write_file("image.sh", "#!/bin/sh\n" + as_image_user(with_binary(image_.command)) + "\n");
    fs::permissions(wrapper, fs::perms::owner_all);
    gw_.use_binary(wrapper);
    gw_.start();
  }

  static constexpr const char* kAdminToken = "image-test-admin-token";
  Image image_;
  std::unique_ptr<Upstream> legacy_;
  std::unique_ptr<Upstream> notes_;
  Gateway gw_;
  fs::path root_;
  bool as_root_ = false;
  std::vector<std::string> secrets_;
};

TEST_F(ContainerImage, RunsAsItsUserWithItsConfigAndPathsAndPassesItsHealthCheck) {
  ASSERT_EQ(secrets_.size(), 2u) << "the image's config names the admin token and the JWT secret";
  start();

  // Not root: the uid the image names.
  std::ifstream status("/proc/" + std::to_string(gw_.process().pid()) + "/status");
  std::string line;
  while (std::getline(status, line) && line.rfind("Uid:", 0) != 0) {
  }
  ASSERT_THAT(line, ::testing::StartsWith("Uid:\t"));
  const auto uid = std::stoul(line.substr(5));
  EXPECT_NE(uid, 0u);
  if (as_root_) {
    EXPECT_EQ(uid, image_.uid);
  }

  // Traffic: a proxied request with the user's identity, and the demo's routes.
  const auto token = hs256_user_token("image-user");
  const auto proxied = http_get(gw_.port(), "/headers", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(proxied.status, 200) << proxied.body << gw_.process().output();
  EXPECT_EQ(proxied.header("X-Served-By"), "legacy");
  EXPECT_THAT(proxied.body, HasSubstr("image-user"));
  EXPECT_EQ(http_get(gw_.port(), "/internal/x").status, 403);

  // The HEALTHCHECK, run as the image runs it, against the admin port the probes use.
  auto probe = with_binary(image_.health_check);
  ASSERT_FALSE(probe.empty());
  const auto admin = gw_.admin_port();
  replace_all(probe.back(), ":9901", ":" + std::to_string(admin));
  const auto probe_script = gw_.write_file("probe.sh", "#!/bin/sh\n" + as_image_user(probe) + "\n");
  fs::permissions(probe_script, fs::perms::owner_all);
  Process health({probe_script.string()});
  EXPECT_EQ(health.wait_exit(10s), 0) << health.output();
  EXPECT_THAT(health.output(Process::Stream::kStdout), HasSubstr("\"ok\""));
  EXPECT_EQ(http_get(admin, "/readyz").status, 200);

  // Changes need the token; with it, the override is saved in the state volume.
  const Request ramp{"PUT", "/admin/routes/notes/split", {}, R"({"notes-svc": 50})"};
  EXPECT_EQ(http_request(admin, ramp).status, 401);
  auto authorised = ramp;
  authorised.headers.push_back({"Authorization", std::string("Bearer ") + kAdminToken});
  const auto saved = http_request(admin, authorised);
  EXPECT_EQ(saved.status, 200) << saved.body;
  bool state_saved = false;
  for (const auto& dir : image_.own_dirs) {
    for (const auto& entry : fs::directory_iterator(root_ / dir.substr(1))) {
      state_saved |= entry.path().filename() == "state.json" && fs::file_size(entry.path()) > 0;
    }
  }
  EXPECT_TRUE(state_saved) << "the override was not written to the image's state directory";

  // The access log goes to stdout, where the container runtime collects it.
  EXPECT_TRUE(wait_until([&] { return gw_.process().output(Process::Stream::kStdout).find("\"/headers\"") != std::string::npos; }, 5s));
  EXPECT_EQ(gw_.stop(), 0) << gw_.process().output();
}

// Without the secrets the orchestrator mounts, the image refuses to start (the admin API is
// reachable from outside the container, so it never runs without a token), and says which file.
TEST_F(ContainerImage, WithoutItsSecretsItRefusesToStartAndNamesTheFile) {
  for (const auto& secret : secrets_) fs::remove(root_ / secret.substr(1));
  EXPECT_THROW(start(), std::runtime_error);
  EXPECT_EQ(gw_.process().wait_exit(5s), 1);
  EXPECT_THAT(gw_.process().output(Process::Stream::kStderr), HasSubstr("/run/secrets/"));
}

// The probe the HEALTHCHECK runs fails on anything but a 2xx: an error status, a refused
// connection, a listener that never answers within its timeout.
TEST(Probe, FailsOnAnErrorStatusARefusalAndSilence) {
  auto gw = Gateway::launch(yaml_prologue(1) + "backends:\n  app: { endpoints: [127.0.0.1:1] }\n" +
                            "routes:\n  - { id: closed, match: { prefix: / }, return: 403 }\n");
  const auto admin = std::to_string(gw->admin_port());
  auto probe = [](std::vector<std::string> args) {
    args.insert(args.begin(), {CUTOVER_BINARY, "probe"});
    Process process(args);
    const auto status = process.wait_exit(10s);
    return std::pair{status.value_or(-1), process.output(Process::Stream::kStderr)};
  };
  EXPECT_EQ(probe({"http://127.0.0.1:" + admin + "/healthz"}).first, 0);
  const auto missing = probe({"http://127.0.0.1:" + admin + "/nowhere"});
  EXPECT_EQ(missing.first, 1);
  EXPECT_THAT(missing.second, HasSubstr("status 404"));
  const auto refused = probe({"http://127.0.0.1:" + std::to_string(gw->port()) + "/"});
  EXPECT_EQ(refused.first, 1) << "403 is not healthy";
  gw->stop();
  const auto gone = probe({"http://127.0.0.1:" + admin + "/healthz"});
  EXPECT_EQ(gone.first, 1);
  EXPECT_THAT(gone.second, HasSubstr("refused"));
  // A listener that accepts and never answers: the kernel completes the handshake by itself.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto started = std::chrono::steady_clock::now();
  const auto silence = probe({"--timeout", "0.5", "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/healthz"});
  EXPECT_EQ(silence.first, 1);
  EXPECT_THAT(silence.second, HasSubstr("no answer within the timeout"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(probe({"https://127.0.0.1:1/"}).first, 1) << "only http";
}

}  // namespace
}  // namespace cutover::test
