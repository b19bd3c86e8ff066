// append_client_response_head: the status line for the client's version, hop-by-hop headers,
// Transfer-Encoding re-framing, Set-Cookie and the Connection header the client needs.
#include "cutover/http/headers.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <string>

#include "unit/http/header_fields.hpp"

namespace cutover::http {
namespace {

using test::HeaderList;
using test::make_response;
using test::parse_head;
using test::values_of;

using Chunking = ClientResponseHead::Chunking;
using Values = std::vector<std::string>;

ClientResponseHead client(unsigned version = 11, bool keep_alive = true, Chunking chunking = Chunking::keep,
                          std::string_view set_cookie = {}) {
  ClientResponseHead rewrite;
  rewrite.version = version;
  rewrite.keep_alive = keep_alive;
  rewrite.chunking = chunking;
  rewrite.set_cookie = set_cookie;
  return rewrite;
}

std::string client_head(const bhttp::response_header<>& response, const ClientResponseHead& rewrite) {
  std::string out;
  append_client_response_head(out, response, rewrite);
  return out;
}

// The fields of the head written for `response`, after checking that it is well formed.
HeaderList fields_after(const HeaderList& backend, const ClientResponseHead& rewrite) {
  auto out = client_head(make_response(backend), rewrite);
  auto head = parse_head(out);
  EXPECT_TRUE(head.well_formed) << out;
  return head.fields;
}

TEST(ClientStatusLine, VersionIsTheClientsAndTheReasonIsKept) {
  auto response = make_response({}, 404, 11, "Nope");
  EXPECT_EQ(client_head(response, client(11)), "HTTP/1.1 404 Nope\r\n\r\n");
  EXPECT_EQ(client_head(response, client(10, false)), "HTTP/1.0 404 Nope\r\n\r\n");
  // The backend's own version does not matter.
  EXPECT_EQ(client_head(make_response({}, 200, 10, "Fine"), client(11)), "HTTP/1.1 200 Fine\r\n\r\n");
}

TEST(ClientStatusLine, StandardReasonWhenTheResponseHasNone) {
  EXPECT_EQ(client_head(make_response({}, 404), client(11)), "HTTP/1.1 404 Not Found\r\n\r\n");
  EXPECT_EQ(client_head(make_response({}, 503), client(10, false)), "HTTP/1.0 503 Service Unavailable\r\n\r\n");
}

TEST(ClientStatusLine, AppendsToWhatIsAlreadyThere) {
  std::string out = "kept|";
  append_client_response_head(out, make_response({{"Content-Length", "0"}}, 204), client(11));
  EXPECT_EQ(out, "kept|HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
}

TEST(ClientResponseHead, HopByHopAndConnectionNamedHeadersAreRemoved) {
  EXPECT_EQ(fields_after({{"Content-Type", "text/plain"},
                          {"Connection", "keep-alive, X-Backend-Secret, content-length, Transfer-Encoding"},
                          {"Keep-Alive", "timeout=5"},
                          {"Proxy-Connection", "keep-alive"},
                          {"TE", "trailers"},
                          {"Trailer", "X-Checksum"},
                          {"upgrade", "h2c"},
                          {"Proxy-Authenticate", "Basic"},
                          {"Proxy-Authorization", "Basic Zm9vOmJhcg=="},
                          {"x-backend-secret", "1"},
                          {"Content-Length", "12"},
                          {"Transfer-Encoding", "gzip"},
                          {"connection", "X-Other"},
                          {"X-Other", "2"},
                          {"Cache-Control", "no-store"}},
                         client(11)),
            (HeaderList{{"Content-Type", "text/plain"},
                        {"Content-Length", "12"},
                        {"Transfer-Encoding", "gzip"},
                        {"Cache-Control", "no-store"}}));
}

TEST(ClientResponseHead, KeepLeavesTransferEncodingAlone) {
  EXPECT_EQ(fields_after({{"Transfer-Encoding", "gzip, chunked"}, {"Vary", "Accept"}}, client(11)),
            (HeaderList{{"Transfer-Encoding", "gzip, chunked"}, {"Vary", "Accept"}}));
}

TEST(ClientResponseHead, RemoveChunkingDropsATransferEncodingOfOnlyChunked) {
  EXPECT_EQ(fields_after({{"Content-Type", "text/html"}, {"Transfer-Encoding", "chunked"}, {"Vary", "Accept"}},
                         client(10, false, Chunking::remove)),
            (HeaderList{{"Content-Type", "text/html"}, {"Vary", "Accept"}}));
  EXPECT_EQ(fields_after({{"transfer-encoding", "Chunked"}}, client(10, false, Chunking::remove)), HeaderList{});
}

TEST(ClientResponseHead, RemoveChunkingKeepsTheOtherCodings) {
  EXPECT_EQ(fields_after({{"Transfer-Encoding", "gzip, chunked"}, {"Vary", "Accept"}},
                         client(10, false, Chunking::remove)),
            (HeaderList{{"Transfer-Encoding", "gzip"}, {"Vary", "Accept"}}));
}

TEST(ClientResponseHead, AddChunkingWithoutTransferEncodingAddsIt) {
  EXPECT_EQ(fields_after({{"Content-Type", "text/html"}}, client(11, true, Chunking::add)),
            (HeaderList{{"Content-Type", "text/html"}, {"Transfer-Encoding", "chunked"}}));
}

TEST(ClientResponseHead, AddChunkingPutsChunkedLast) {
  EXPECT_EQ(fields_after({{"Transfer-Encoding", "gzip"}, {"Vary", "Accept"}}, client(11, true, Chunking::add)),
            (HeaderList{{"Transfer-Encoding", "gzip, chunked"}, {"Vary", "Accept"}}));
}

TEST(ClientResponseHead, AddChunkingOnceAtTheEndOfSeveralTransferEncodingLines) {
  // The lines form one list (RFC 9110 5.3): chunked may appear once, and last (RFC 9112 6.1).
  // Beast keeps lines of one name together, after the first of them.
  EXPECT_EQ(fields_after({{"Transfer-Encoding", "gzip"}, {"Vary", "Accept"}, {"transfer-encoding", "deflate"}},
                         client(11, true, Chunking::add)),
            (HeaderList{{"Transfer-Encoding", "gzip"}, {"transfer-encoding", "deflate, chunked"}, {"Vary", "Accept"}}));
}

TEST(ClientResponseHead, RemoveChunkingAcrossSeveralTransferEncodingLines) {
  EXPECT_EQ(fields_after({{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}},
                         client(10, false, Chunking::remove)),
            (HeaderList{{"Transfer-Encoding", "gzip"}}));
}

TEST(ClientResponseHead, SetCookieIsAppendedWhenGiven) {
  EXPECT_EQ(fields_after({{"Set-Cookie", "backend=1"}, {"Content-Length", "0"}},
                         client(11, true, Chunking::keep, "cutover_uid=abc; Path=/; HttpOnly")),
            (HeaderList{{"Set-Cookie", "backend=1"},
                        {"Content-Length", "0"},
                        {"Set-Cookie", "cutover_uid=abc; Path=/; HttpOnly"}}));
  EXPECT_EQ(fields_after({{"Content-Length", "0"}}, client(11)), (HeaderList{{"Content-Length", "0"}}));
}

TEST(ClientResponseHead, ConnectionHeaderAsTheClientsVersionNeeds) {
  const HeaderList backend{{"Content-Length", "0"}};
  EXPECT_EQ(fields_after(backend, client(11, false)), (HeaderList{{"Content-Length", "0"}, {"Connection", "close"}}));
  EXPECT_EQ(fields_after(backend, client(10, true)),
            (HeaderList{{"Content-Length", "0"}, {"Connection", "keep-alive"}}));
  EXPECT_EQ(fields_after(backend, client(11, true)), backend);
  EXPECT_EQ(fields_after(backend, client(10, false)), backend);
}

TEST(ClientResponseHead, BackendConnectionHeadersNeverPassThrough) {
  const HeaderList backend{{"Connection", "close"}, {"Keep-Alive", "timeout=5, max=100"}, {"connection", "keep-alive"},
                           {"Content-Length", "0"}};
  EXPECT_EQ(fields_after(backend, client(11, false)), (HeaderList{{"Content-Length", "0"}, {"Connection", "close"}}));
  EXPECT_EQ(fields_after(backend, client(10, true)),
            (HeaderList{{"Content-Length", "0"}, {"Connection", "keep-alive"}}));
  EXPECT_EQ(fields_after(backend, client(11, true)), (HeaderList{{"Content-Length", "0"}}));
  EXPECT_EQ(fields_after(backend, client(10, false)), (HeaderList{{"Content-Length", "0"}}));
}

TEST(ClientResponseHead, OrderOfEverythingTheGatewayAdds) {
  EXPECT_EQ(client_head(make_response({{"Server", "nginx"}, {"Transfer-Encoding", "chunked"}}, 200, 11, "OK"),
                        client(10, true, Chunking::remove, "cutover_uid=abc")),
            "HTTP/1.0 200 OK\r\n"
            "Server: nginx\r\n"
            "Set-Cookie: cutover_uid=abc\r\n"
            "Connection: keep-alive\r\n"
            "\r\n");
  EXPECT_EQ(client_head(make_response({{"Server", "nginx"}}, 200, 10, "OK"),
                        client(11, false, Chunking::add, "cutover_uid=abc")),
            "HTTP/1.1 200 OK\r\n"
            "Server: nginx\r\n"
            "Transfer-Encoding: chunked\r\n"
            "Set-Cookie: cutover_uid=abc\r\n"
            "Connection: close\r\n"
            "\r\n");
}

// Parses `text` as a response head the way the gateway does (header first, body later).
bhttp::response<bhttp::empty_body> parsed_response(std::string_view text) {
  bhttp::response_parser<bhttp::empty_body> parser;
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(text.data(), text.size()), ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_header_done());
  return parser.release();
}

TEST(ClientResponseHead, ReasonFromRealBytes) {
  auto message = parsed_response(
      "HTTP/1.1 404 Nope\r\n"
      "Content-Type: text/plain\r\n"
      "Connection: keep-alive\r\n"
      "Keep-Alive: timeout=5\r\n"
      "Content-Length: 5\r\n"
      "\r\n");
  EXPECT_EQ(client_head(message.base(), client(11)),
            "HTTP/1.1 404 Nope\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 5\r\n"
            "\r\n");
  EXPECT_EQ(client_head(message.base(), client(10, false)),
            "HTTP/1.0 404 Nope\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 5\r\n"
            "\r\n");
}

TEST(ClientResponseHead, EmptyReasonFromRealBytesGetsTheStandardOne) {
  auto message = parsed_response("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(client_head(message.base(), client(11)), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

}  // namespace
}  // namespace cutover::http
