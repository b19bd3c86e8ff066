// A request that switches protocols (upgrade.hpp): sent like any request without a body, its
// identity stripped and injected the same way; a 101 is relayed and the two connections become a
// tunnel (tunnel.hpp) until either side ends it. Any other answer is relayed as usual: the client
// asked, the backend declined.
#include <boost/beast/core/error.hpp>

#include "cutover/http/headers.hpp"
#include "http/relay.hpp"
#include "http/tunnel.hpp"
#include "http/upstream_call.hpp"
#include "http/watchdog.hpp"
#include "http/wire.hpp"

namespace cutover::http {

namespace asio = boost::asio;
using boost::system::error_code;

asio::awaitable<void> UpstreamCall::run_upgrade() {
  sent_at_ = watchdog_.now();
  retries().budget.count_request(sent_at_, retries().config);
  const std::size_t start =
      target_.start_at(request_.supply.next_endpoint(request_.backend, target_.endpoints.size()), sent_at_);
  // A tunnel keeps its connection for good; a pooled one must be checked alive first, as the
  // request is not retried.
  Acquired acquired = co_await acquire(request_.supply, target_, start, true, false,
                                       request_.supply.retry_budgets.of(request_.route), route_settings().retry_budget);
  if (!use(acquired)) co_return;
  sent_at_ = watchdog_.now();
  write_request_head();
  Outgoing out;
  out.add(request_.client.upstream_head);
  error_code ec = write_now(stream_of(*connection_), out);
  if (!ec && !all_sent(stream_of(*connection_), out)) {
    ec = co_await send_rest(out);
  }
  request_.supply.head_strings.take_back(request_.client.upstream_head);
  if (ec) {
    fail(upstream::classify_send(ec), ec);
    co_return;
  }
  ec = co_await read_response_header(watchdog_.now() + settings_.timeout);
  if (ec) {
    fail(upstream::classify_response_header(ec), ec);
    co_return;
  }
  if (response_->get().result_int() != 101) {
    RelayResult delivered = co_await deliver_response();
    finish_delivery(delivered);
    co_return;
  }
  co_await tunnel();
}

asio::awaitable<void> UpstreamCall::tunnel() {
  answered_at_ = watchdog_.now();
  outcome_.upstream_ms = std::chrono::duration<double, std::milli>(answered_at_ - sent_at_).count();
  outcome_.status = 101;
  outcome_.keep_alive = false;  // the connection is the tunnel's now
  target_.health->observe(target_.index_of(connection_->endpoint), upstream::Observation::answered, answered_at_);
  const auto& message = response_->get();
  auto& head = request_.client.head;
  request_.supply.head_strings.lend(head);
  head.clear();
  ClientResponseHead rewrite;
  rewrite.upgrade = message[bhttp::field::upgrade];
  if (rewrite.upgrade.empty()) rewrite.upgrade = upgrade_protocol();
  append_client_response_head(head, message, rewrite);
  Outgoing out;
  out.add(head);
  error_code ec = write_now(request_.client.stream(), out);
  if (!ec && !all_sent(request_.client.stream(), out)) {
    ec = co_await write_rest(watchdog_, request_.client.stream(), out, limits_.body_timeout);
  }
  request_.supply.head_strings.take_back(head);
  if (ec) {
    Counters::bump(counters_.client_aborts);
    outcome_.error = "client_aborted";
    co_return;
  }
  Counters::bump(counters_.tunnels_opened);
  const TunnelResult result = co_await run_tunnel(watchdog_, {request_.client.stream(), request_.client.buffer},
                                                  {stream_of(*connection_), connection_->buffer},
                                                  limits_.upgrade_idle_timeout);
  Counters::bump(counters_.tunnels_closed);
  outcome_.bytes_in = result.to_backend;
  outcome_.bytes_out = result.to_client;
  if (result.idle) outcome_.error = "tunnel_idle_timeout";
  if (result.failed) outcome_.error = "tunnel_reset";
}

}  // namespace cutover::http
