#include "session/session_tier.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "http/watchdog.hpp"

namespace cutover::session_test {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count - 1;  // the iterator's own
}

std::size_t peers_open = 0;  // descriptors the test holds as Peers: not the gateway's

void set_non_blocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

Peer::Peer(int fd) : fd_(fd) {
  set_non_blocking(fd_);
  // Each send() goes out at once: Nagle would hold a second small write until the gateway's
  // delayed ACK (40 ms), and a settle() would see nothing arrive.
  const int on = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  ++peers_open;
}

Peer::Peer(Peer&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), received_(std::move(other.received_)), eof_(other.eof_), reset_(other.reset_) {}

Peer& Peer::operator=(Peer&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    received_ = std::move(other.received_);
    eof_ = other.eof_;
    reset_ = other.reset_;
  }
  return *this;
}

Peer::~Peer() { close(); }

bool Peer::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) return false;  // would block on a loopback write this small means a bug in the test
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void Peer::read_available() {
  if (fd_ < 0 || eof_ || reset_) return;
  char chunk[16384];
  for (;;) {
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      received_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) eof_ = true;
    else if (errno == ECONNRESET) reset_ = true;
    return;
  }
}

const std::string& Peer::received() {
  read_available();
  return received_;
}

bool Peer::hung_up() {
  read_available();
  return eof_ || reset_;
}

bool Peer::was_reset() {
  read_available();
  return reset_;
}

void Peer::close() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  --peers_open;
}

void Peer::reset() {
  if (fd_ < 0) return;
  const linger abortive{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  close();
}

void Peer::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

void Peer::shrink_receive_buffer() {
  const int size = 4096;  // the kernel doubles it; still far below a 1 MiB body
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

int listen_on_loopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  port = ntohs(address.sin_port);
  return fd;
}

std::string temporary_log_path() {
  char directory[] = "/tmp/cutover-session-XXXXXX";
  if (!::mkdtemp(directory)) throw std::runtime_error("cannot make a temporary directory");
  return std::string(directory) + "/access.log";
}

}  // namespace

SessionTier::SessionTier(const TierOptions& options)
    : log_path_(temporary_log_path()),
      access_log_(std::make_unique<log::AccessLog>(options.access_log ? log_path_ : "off",
                                                   log::AccessLogOptions{.flush_period = std::chrono::milliseconds(5)})),
      now_(std::chrono::steady_clock::now()),
      client_acceptor_(client_io_) {
  backend_listener_ = listen_on_loopback(backend_port_);
  legacy_listener_ = listen_on_loopback(legacy_port_);
  publish(options);
  worker_ = std::make_unique<http::Worker>(0, store_, *access_log_, http::WorkerSeams{.seed = 42, .manual_now = &now_});
  client_acceptor_.open(tcp::v4());
  client_acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  client_acceptor_.listen();
  descriptors_at_start_ = open_descriptors();
}

SessionTier::~SessionTier() {
  worker_.reset();
  if (backend_listener_ >= 0) ::close(backend_listener_);
  if (legacy_listener_ >= 0) ::close(legacy_listener_);
  access_log_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(std::filesystem::path(log_path_).parent_path(), ignored);
}

void SessionTier::publish(const TierOptions& options) {
  std::string yaml = "listen: 127.0.0.1:0\nworkers: 1\nbackends:\n  app: { endpoints: [" + options.app_endpoints + "]" +
                     (options.backend_settings.empty() ? "" : ", " + options.backend_settings) + " }\n";
  if (options.legacy_settings) {
    yaml += "  legacy: { endpoints: [" + legacy_address() + "]" +
            (options.legacy_settings->empty() ? "" : ", " + *options.legacy_settings) + " }\n";
  }
  yaml += "routes:\n  - " + options.route + "\n" + options.extra_yaml;
  yaml = replace_all(replace_all(yaml, "{app}", backend_address()), "{legacy}", legacy_address());
  auto next = runtime::build_snapshot(yaml, "session.yaml");
  if (auto running = store_.current()) runtime::carry_health(*next, *running);  // as Server::reload does
  store_.publish(std::move(next));
}

void SessionTier::reload(const TierOptions& options) {
  publish(options);
  settle();
}

std::string SessionTier::backend_address() const { return "127.0.0.1:" + std::to_string(backend_port_); }
std::string SessionTier::legacy_address() const { return "127.0.0.1:" + std::to_string(legacy_port_); }

Peer SessionTier::connect_client(const std::function<void()>& just_before_start) {
  return connect(just_before_start, false);
}

Peer SessionTier::connect_tls_client() { return connect({}, true); }

Peer SessionTier::connect(const std::function<void()>& just_before_start, bool tls) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const auto endpoint = client_acceptor_.local_endpoint();
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(endpoint.port());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) throw std::runtime_error("connect");
  Peer client(fd);
  // Accepted on the test's own io_context, then handed to the worker's: the session owns it.
  tcp::socket accepted = client_acceptor_.accept();
  tcp::socket served(worker_->io(), tcp::v4(), accepted.release());
  asio::post(worker_->io(), [this, &just_before_start, &served, tls] {
    if (just_before_start) just_before_start();
    worker_->start_session(std::move(served), tls);
  });
  settle();
  return client;
}

bool SessionTier::backend_connection_pending() { return pending_on(backend_listener_); }
bool SessionTier::legacy_connection_pending() { return pending_on(legacy_listener_); }

bool SessionTier::pending_on(int listener) {
  settle();
  pollfd waiting{listener, POLLIN, 0};
  return listener >= 0 && ::poll(&waiting, 1, 0) == 1;
}

Peer SessionTier::accept_backend() { return accept_on(backend_listener_); }
Peer SessionTier::accept_legacy() { return accept_on(legacy_listener_); }

Peer SessionTier::accept_on(int listener) {
  int fd = -1;
  const bool connected = run_until([&] {
    fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    return fd >= 0;
  });
  if (!connected) throw std::runtime_error("the gateway never connected to the backend");
  Peer backend(fd);
  settle();
  return backend;
}

void SessionTier::stop_backend_listener() {
  ::close(backend_listener_);
  backend_listener_ = -1;
  --descriptors_at_start_;
}

void SessionTier::settle() {
  auto& io = worker_->io();
  for (int quiet = 0; quiet < 3;) {
    if (io.stopped()) io.restart();
    quiet = io.poll() == 0 ? quiet + 1 : 0;
  }
}

bool SessionTier::run_until(const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  auto& io = worker_->io();
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    if (io.stopped()) io.restart();
    if (io.poll() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  settle();
  return true;
}

void SessionTier::advance(std::chrono::milliseconds by) {
  settle();
  now_ += by;
  worker_->watchdog().expire_due();
  settle();
}

std::vector<nlohmann::json> SessionTier::access_log() {
  settle();
  access_log_->flush();
  std::ifstream file(log_path_);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

std::size_t SessionTier::backend_connections_open() const {
  std::vector<upstream::EndpointConnections> endpoints;
  worker_->pool().connections(endpoints);
  std::size_t open = 0;
  for (const auto& endpoint : endpoints) open += endpoint.open;
  return open;
}

std::size_t SessionTier::backend_connections_idle() const {
  std::vector<upstream::EndpointConnections> endpoints;
  worker_->pool().connections(endpoints);
  std::size_t idle = 0;
  for (const auto& endpoint : endpoints) idle += endpoint.idle;
  return idle;
}

void SessionTier::expect_nothing_leaked() {
  settle();
  EXPECT_EQ(worker_->active_sessions(), 0u) << "a session still runs";
  EXPECT_EQ(worker_->idle_sessions(), 0u);
  EXPECT_EQ(worker_->watchdog().watching(), 0u) << "a deadline is still linked";
  EXPECT_EQ(worker_->pool().waiting(), 0u) << "a request is still queued";
  EXPECT_EQ(backend_connections_open(), backend_connections_idle()) << "a backend connection is busy with no request";
  EXPECT_EQ(open_descriptors(), descriptors_at_start_ + peers_open + backend_connections_open())
      << "descriptors beyond the test's peers and the pool's idle connections";
}

std::string get_request(std::string_view path, std::string_view extra_headers) {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: example.test\r\n" + std::string(extra_headers) + "\r\n";
}

std::string post_request(std::string_view body, std::string_view extra_headers) {
  return "POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}

std::string chunked_post_request(std::string_view body) {
  std::ostringstream out;
  out << "POST /upload HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n";
  out << std::hex << body.size() << "\r\n" << body << "\r\n0\r\n\r\n";
  return out.str();
}

std::string ok_response(std::string_view body, std::string_view extra_headers) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(extra_headers) +
         "\r\n" + std::string(body);
}

std::string chunked_response(std::string_view body) {
  std::ostringstream out;
  out << "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  out << std::hex << body.size() << "\r\n" << body << "\r\n0\r\n\r\n";
  return out.str();
}

unsigned status_of(std::string_view bytes) {
  if (bytes.size() < 12 || bytes.substr(0, 5) != "HTTP/") return 0;
  return static_cast<unsigned>(std::stoi(std::string(bytes.substr(9, 3))));
}

namespace {
// The bodies the tests send never hold these words.
std::size_t occurrences(std::string_view bytes, std::string_view word) {
  std::size_t count = 0;
  for (std::size_t at = 0; (at = bytes.find(word, at)) != std::string_view::npos; at += word.size()) ++count;
  return count;
}
}  // namespace

std::size_t responses_in(std::string_view bytes) { return occurrences(bytes, "HTTP/1.1 "); }

std::size_t requests_in(std::string_view bytes) {
  return occurrences(bytes, "GET /") + occurrences(bytes, "POST /") + occurrences(bytes, "HEAD /");
}

}  // namespace cutover::session_test
