// Header rewriting on a typical browser request: hop-by-hop and gateway-namespace stripping,
// then X-Forwarded-*.
#include <benchmark/benchmark.h>

#include "cutover/http/headers.hpp"

namespace {

using namespace cutover;
namespace bhttp = boost::beast::http;

bhttp::fields browser_request() {
  bhttp::fields fields;
  fields.set(bhttp::field::host, "notes.example.com");
  fields.set(bhttp::field::user_agent, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36");
  fields.set(bhttp::field::accept, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
  fields.set(bhttp::field::accept_language, "en-US,en;q=0.5");
  fields.set(bhttp::field::accept_encoding, "gzip, deflate, br");
  fields.set(bhttp::field::connection, "keep-alive");
  fields.set(bhttp::field::cookie, "sessionid=abc123; cutover_uid=0123456789abcdef0123456789abcdef");
  fields.set("X-Request-Id", "6f1c0d2e9b");
  return fields;
}

// The copy alone: subtract it from the next figure (PauseTiming per iteration would cost more
// than what is measured).
void BM_CopyRequestHeaders(benchmark::State& state) {
  const auto original = browser_request();
  for (auto _ : state) {
    auto fields = original;
    benchmark::DoNotOptimize(fields);
  }
}
BENCHMARK(BM_CopyRequestHeaders);

void BM_CopyAndRewriteRequestHeaders(benchmark::State& state) {
  const auto original = browser_request();
  for (auto _ : state) {
    auto fields = original;
    http::strip_hop_by_hop(fields);
    http::strip_gateway_headers(fields, "X-User-Id", "X-Cutover-");
    http::set_forwarded_headers(fields, {"203.0.113.7", "http", false});
    benchmark::DoNotOptimize(fields);
  }
}
BENCHMARK(BM_CopyAndRewriteRequestHeaders);

}  // namespace
