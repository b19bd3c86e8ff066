#pragma once
// Active health checks: one prober for the whole gateway, on the control thread, so an endpoint is
// asked once per interval however many workers there are. Each result goes to the endpoint's
// BackendHealth, which every worker reads (endpoint_health.hpp).
//
// A check is a fresh connection, `GET <path> HTTP/1.1` with `Connection: close`, and the response
// header: it passes when the status is within `expect`, and fails on a refused or timed-out
// connect, a header later than `timeout`, or an answer that is not HTTP.
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "cutover/tls/contexts.hpp"
#include "cutover/config/config.hpp"
#include "cutover/upstream/endpoint_health.hpp"

namespace cutover::upstream {

struct ProbeTarget {
  std::shared_ptr<BackendHealth> health;
  std::size_t endpoint = 0;  // index in `health`
  boost::asio::ip::tcp::endpoint address;
  config::HealthCheckConfig check;
  std::string host;  // the Host header the check sends
  // A TLS backend's context: checks are made over TLS like its traffic, verified the same way.
  std::shared_ptr<const tls::ClientContext> tls;
  std::string server_name;  // SNI and the name verified (tls only)
};

// The request line and header of one check.
std::string check_request(const config::HealthCheckConfig& check, std::string_view host);

class HealthProber {
 public:
  explicit HealthProber(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}
  ~HealthProber() { stop(); }
  HealthProber(const HealthProber&) = delete;
  HealthProber& operator=(const HealthProber&) = delete;

  // Checks `targets` from now on, each at once and then every interval; the previous targets'
  // checks stop (a check in flight is abandoned, its result dropped).
  void follow(std::vector<ProbeTarget> targets);
  void stop();

 private:
  struct Probe;
  boost::asio::any_io_executor executor_;
  std::vector<std::shared_ptr<Probe>> probes_;
};

}  // namespace cutover::upstream
