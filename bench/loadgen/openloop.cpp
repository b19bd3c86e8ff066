// openloop: an open-loop, rate-limited HTTP/1.1 load generator (what wrk2 does; Debian has no wrk2).
//   openloop --target 127.0.0.1:8080 --rate 20000 [--connections 64] [--duration 5] [--warmup 1]
//            [--path /] [--header 'Name: value']... [--timeout 10]
// Request j of the run is due at start + j/rate; connection k sends requests k, k+C, k+2C, ...
// (one in flight per keep-alive connection, like wrk2). Latency is measured from the time a
// request was *due*, not from when it was sent: a stalled server delays the requests queued behind
// the stall, and those delays are counted (no coordinated omission). Requests due during the
// warm-up are sent but not recorded.
// --rate 0 is closed loop instead (each connection sends its next request as soon as the last one
// is answered; latency from the send), which bench uses to measure many connections in steady state.
// All connections are open before the clock starts. "WINDOW_START" and "WINDOW_END" lines on stdout
// mark the recorded window (so a caller can read the server's CPU time exactly over it); the last
// line is one JSON object. window_completed counts the responses that arrived inside the window.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string path = "/";
  std::vector<std::string> headers;
  double rate = 1000;
  int connections = 64;
  double duration = 5;
  double warmup = 0;
  double timeout = 10;
};

struct Run {
  Options options;
  std::string request;  // the same bytes for every request
  Clock::time_point start, record_from, end;
  std::vector<std::int64_t> latencies_ns;  // requests due inside the recorded window
  std::uint64_t sent = 0, errors = 0, non2xx = 0, reconnects = 0, window_completed = 0;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "openloop: " << why
            << "\nusage: openloop --target HOST:PORT --rate N [--connections N] [--duration S] [--warmup S]"
               " [--path P] [--header 'K: V']... [--timeout S]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) usage("missing value for " + arg);
    const std::string value = argv[++i];
    try {
      if (arg == "--target") {
        const auto colon = value.rfind(':');
        if (colon == std::string::npos) usage("--target wants HOST:PORT");
        o.host = value.substr(0, colon);
        o.port = value.substr(colon + 1);
      } else if (arg == "--path") {
        o.path = value;
      } else if (arg == "--header") {
        o.headers.push_back(value);
      } else if (arg == "--rate") {
        o.rate = std::stod(value);
      } else if (arg == "--connections") {
        o.connections = std::stoi(value);
      } else if (arg == "--duration") {
        o.duration = std::stod(value);
      } else if (arg == "--warmup") {
        o.warmup = std::stod(value);
      } else if (arg == "--timeout") {
        o.timeout = std::stod(value);
      } else {
        usage("unknown option " + arg);
      }
    } catch (const std::logic_error&) {
      usage("bad value for " + arg + ": " + value);
    }
  }
  if (o.rate < 0 || o.connections < 1 || o.duration <= 0 || o.warmup < 0) usage("connections, duration > 0");
  return o;
}

std::string make_request(const Options& o) {
  std::string req = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + o.port + "\r\n";
  for (const auto& h : o.headers) req += h + "\r\n";
  return req + "\r\n";
}

Clock::duration seconds(double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); }

asio::awaitable<bool> connect(beast::tcp_stream& stream, const tcp::resolver::results_type& endpoints, Run& run) {
  stream.expires_after(seconds(run.options.timeout));
  auto [ec, ep] = co_await stream.async_connect(endpoints, kUseTuple);
  if (ec) co_return false;
  stream.socket().set_option(tcp::no_delay(true), ec);
  co_return true;
}

// One keep-alive connection: sends its share of the schedule, one request in flight at a time.
asio::awaitable<void> drive(Run& run, tcp::resolver::results_type endpoints, int k, beast::tcp_stream stream) {
  const auto& o = run.options;
  asio::steady_timer timer(stream.get_executor());
  beast::flat_buffer buffer;
  const bool closed_loop = o.rate == 0;
  for (std::uint64_t i = 0;; ++i) {
    auto due = Clock::now();
    if (!closed_loop) {
      const double due_s = (static_cast<double>(k) + static_cast<double>(i) * o.connections) / o.rate;
      due = run.start + seconds(due_s);
    }
    if (due >= run.end) break;
    if (Clock::now() < due) {
      timer.expires_at(due);
      co_await timer.async_wait(kUseTuple);
    }
    const bool recorded = due >= run.record_from;
    if (recorded) ++run.sent;
    if (!stream.socket().is_open()) {
      ++run.reconnects;
      buffer.clear();
      if (!co_await connect(stream, endpoints, run)) {
        if (recorded) ++run.errors;
        continue;
      }
    }
    stream.expires_after(seconds(o.timeout));
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(run.request), kUseTuple);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ULL << 30);
    beast::error_code rec = wec;
    if (!rec) std::tie(rec, std::ignore) = co_await http::async_read(stream, buffer, parser, kUseTuple);
    const auto done = Clock::now();
    const auto latency = done - due;
    if (!rec && done >= run.record_from && done < run.end) ++run.window_completed;
    if (rec) {
      if (recorded) ++run.errors;
      beast::error_code ignored;
      stream.socket().close(ignored);
      continue;
    }
    if (recorded) {
      run.latencies_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count());
      if (parser.get().result_int() / 100 != 2) ++run.non2xx;
    }
    if (!parser.get().keep_alive()) {
      beast::error_code ignored;
      stream.socket().close(ignored);
    }
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

// Prints the window's edges as they pass, for a caller sampling the server around them.
asio::awaitable<void> mark_window(Run& run) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_at(run.record_from);
  co_await timer.async_wait(kUseTuple);
  std::fputs("WINDOW_START\n", stdout);
  std::fflush(stdout);
  timer.expires_at(run.end);
  co_await timer.async_wait(kUseTuple);
  std::fputs("WINDOW_END\n", stdout);
  std::fflush(stdout);
}

double percentile_ms(const std::vector<std::int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  Run run;
  run.options = parse(argc, argv);
  const auto& o = run.options;
  run.request = make_request(o);
  run.latencies_ns.reserve(static_cast<std::size_t>(o.rate * o.duration * 1.1) + 16);

  asio::io_context ioc(1);
  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(o.host, o.port);
  // Connect everything before the clock starts, so connection set-up is not in the latencies.
  std::vector<beast::tcp_stream> streams;
  streams.reserve(static_cast<std::size_t>(o.connections));
  for (int k = 0; k < o.connections; ++k) {
    auto& stream = streams.emplace_back(ioc);
    beast::error_code ec;
    asio::connect(stream.socket(), endpoints, ec);
    if (ec) {
      std::cerr << "openloop: cannot connect to " << o.host << ":" << o.port << ": " << ec.message() << "\n";
      return 1;
    }
    stream.socket().set_option(tcp::no_delay(true), ec);
  }
  run.start = Clock::now() + std::chrono::milliseconds(10);
  run.record_from = run.start + seconds(o.warmup);
  run.end = run.record_from + seconds(o.duration);
  asio::co_spawn(ioc, mark_window(run), asio::detached);
  for (int k = 0; k < o.connections; ++k) {
    asio::co_spawn(ioc, drive(run, endpoints, k, std::move(streams[static_cast<std::size_t>(k)])), asio::detached);
  }
  ioc.run();

  auto& v = run.latencies_ns;
  std::sort(v.begin(), v.end());
  std::printf(
      "{\"target_rate\": %.1f, \"connections\": %d, \"duration_s\": %.3f, \"sent\": %llu, \"completed\": %zu, "
      "\"achieved_rps\": %.1f, \"window_completed\": %llu, \"errors\": %llu, \"non2xx\": %llu, \"reconnects\": %llu, "
      "\"p50_ms\": %.4f, \"p90_ms\": %.4f, \"p99_ms\": %.4f, \"p999_ms\": %.4f, \"max_ms\": %.4f}\n",
      o.rate, o.connections, o.duration, static_cast<unsigned long long>(run.sent), v.size(),
      static_cast<double>(run.window_completed) / o.duration,
      static_cast<unsigned long long>(run.window_completed), static_cast<unsigned long long>(run.errors),
      static_cast<unsigned long long>(run.non2xx), static_cast<unsigned long long>(run.reconnects),
      percentile_ms(v, 0.50), percentile_ms(v, 0.90), percentile_ms(v, 0.99), percentile_ms(v, 0.999),
      v.empty() ? 0.0 : static_cast<double>(v.back()) / 1e6);
  return run.errors == 0 ? 0 : 3;
}
