// The heads of a typical browser request and a typical nginx response, as the data path handles
// them: parsed (the data path's MessageParser next to Beast's own parser, which keeps fields in
// basic_fields), then rewritten, the head for the backend (hop-by-hop and gateway-namespace
// stripping, X-Request-Id, X-Forwarded-*) and the head for the client. Parsed messages are only
// read, so nothing is copied.
#include <benchmark/benchmark.h>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "cutover/http/headers.hpp"
#include "cutover/http/message_parser.hpp"

namespace {

using namespace cutover;
namespace bhttp = boost::beast::http;

const std::string kBrowserRequest =
    "GET /notes/42?view=full HTTP/1.1\r\n"
    "Host: notes.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: sessionid=abc123; cutover_uid=0123456789abcdef0123456789abcdef\r\n"
    "X-Request-Id: 6f1c0d2e9b\r\n"
    "\r\n";

const std::string kNginxResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Tue, 04 Jun 2024 10:12:31 GMT\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Length: 5123\r\n"
    "Last-Modified: Mon, 03 Jun 2024 08:00:00 GMT\r\n"
    "Connection: keep-alive\r\n"
    "ETag: \"665d7a40-1403\"\r\n"
    "Accept-Ranges: bytes\r\n"
    "\r\n";

template <class Parser>
void parse_head(Parser& parser, const std::string& bytes) {
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(bytes), ec);
  if (ec || !parser.is_header_done()) throw std::runtime_error("bench message did not parse: " + ec.message());
}

// As the data path does per message: a parser in the connection's arena, reset afterwards.
template <bool IsRequest>
void BM_ParseHead(benchmark::State& state, const std::string& bytes) {
  http::ArenaBlocks blocks;
  http::FieldArena arena(blocks);
  for (auto _ : state) {
    std::optional<http::MessageParser<IsRequest>> parser;
    parser.emplace(arena);
    parse_head(*parser, bytes);
    benchmark::DoNotOptimize(parser->get().begin());
    parser.reset();
    arena.reset();
  }
}

// The same with Beast's parser and its default allocator, as the data path did before.
template <bool IsRequest>
void BM_ParseHeadBeast(benchmark::State& state, const std::string& bytes) {
  for (auto _ : state) {
    bhttp::parser<IsRequest, bhttp::empty_body> parser;
    parse_head(parser, bytes);
    benchmark::DoNotOptimize(parser.get().begin());
  }
}

void BM_ParseRequestHead(benchmark::State& state) { BM_ParseHead<true>(state, kBrowserRequest); }
void BM_ParseRequestHeadBeast(benchmark::State& state) { BM_ParseHeadBeast<true>(state, kBrowserRequest); }
void BM_ParseResponseHead(benchmark::State& state) { BM_ParseHead<false>(state, kNginxResponse); }
void BM_ParseResponseHeadBeast(benchmark::State& state) { BM_ParseHeadBeast<false>(state, kNginxResponse); }
BENCHMARK(BM_ParseRequestHead);
BENCHMARK(BM_ParseRequestHeadBeast);
BENCHMARK(BM_ParseResponseHead);
BENCHMARK(BM_ParseResponseHeadBeast);

// No user is signed in, as in the old copy+rewrite figure. The string is reused across
// iterations, as the gateway reuses its per-connection buffer.
void BM_UpstreamRequestHead(benchmark::State& state) {
  http::ArenaBlocks blocks;
  http::FieldArena arena(blocks);
  http::RequestParser parser(arena);
  parse_head(parser, kBrowserRequest);
  http::UpstreamRequestHead rewrite;
  rewrite.target = "/notes/42?view=full";
  rewrite.request_id = "0123456789abcdef0123456789abcdef";
  rewrite.forwarded = {"203.0.113.7", "http"};
  std::string out;
  for (auto _ : state) {
    out.clear();
    http::append_upstream_request_head(out, parser.get(), rewrite);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_UpstreamRequestHead);

void BM_ClientResponseHead(benchmark::State& state) {
  http::ArenaBlocks blocks;
  http::FieldArena arena(blocks);
  http::ResponseParser parser(arena);
  parse_head(parser, kNginxResponse);
  http::ClientResponseHead rewrite;
  std::string out;
  for (auto _ : state) {
    out.clear();
    http::append_client_response_head(out, parser.get(), rewrite);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_ClientResponseHead);

}  // namespace
