// Header rewriting on a typical browser request and a typical nginx response: the head written
// for the backend (hop-by-hop and gateway-namespace stripping, X-Request-Id, X-Forwarded-*) and
// the head written for the client. The parsed messages are only read, so nothing is copied.
#include <benchmark/benchmark.h>

#include "cutover/http/headers.hpp"

namespace {

using namespace cutover;
namespace bhttp = boost::beast::http;

bhttp::request_header<> browser_request() {
  bhttp::request_header<> request;
  request.method(bhttp::verb::get);
  request.target("/notes/42?view=full");
  request.version(11);
  request.set(bhttp::field::host, "notes.example.com");
  request.set(bhttp::field::user_agent, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36");
  request.set(bhttp::field::accept, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
  request.set(bhttp::field::accept_language, "en-US,en;q=0.5");
  request.set(bhttp::field::accept_encoding, "gzip, deflate, br");
  request.set(bhttp::field::connection, "keep-alive");
  request.set(bhttp::field::cookie, "sessionid=abc123; cutover_uid=0123456789abcdef0123456789abcdef");
  request.set("X-Request-Id", "6f1c0d2e9b");
  return request;
}

bhttp::response_header<> nginx_response() {
  bhttp::response_header<> response;
  response.result(bhttp::status::ok);
  response.version(11);
  response.set(bhttp::field::server, "nginx/1.22.1");
  response.set(bhttp::field::date, "Tue, 04 Jun 2024 10:12:31 GMT");
  response.set(bhttp::field::content_type, "text/html; charset=utf-8");
  response.set(bhttp::field::content_length, "5123");
  response.set(bhttp::field::last_modified, "Mon, 03 Jun 2024 08:00:00 GMT");
  response.set(bhttp::field::connection, "keep-alive");
  response.set(bhttp::field::etag, "\"665d7a40-1403\"");
  response.set(bhttp::field::accept_ranges, "bytes");
  return response;
}

// No user is signed in, as in the old copy+rewrite figure. The string is reused across
// iterations, as the gateway reuses its per-connection buffer.
void BM_UpstreamRequestHead(benchmark::State& state) {
  const auto request = browser_request();
  http::UpstreamRequestHead rewrite;
  rewrite.target = "/notes/42?view=full";
  rewrite.request_id = "0123456789abcdef0123456789abcdef";
  rewrite.identity_header = "X-User-Id";
  rewrite.header_namespace = "X-Cutover-";
  rewrite.forwarded = {"203.0.113.7", "http", false};
  std::string out;
  for (auto _ : state) {
    out.clear();
    http::append_upstream_request_head(out, request, rewrite);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_UpstreamRequestHead);

void BM_ClientResponseHead(benchmark::State& state) {
  const auto response = nginx_response();
  http::ClientResponseHead rewrite;
  std::string out;
  for (auto _ : state) {
    out.clear();
    http::append_client_response_head(out, response, rewrite);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_ClientResponseHead);

}  // namespace
