// The request parser (http/message_parser.hpp) and the head the gateway writes for a backend
// (append_upstream_request_head, http/headers.hpp): DESIGN.md invariants 2 and 6.
//
// Input: two control bytes, then what a client sends on one connection.
//   byte 0: how the bytes arrive: bits 0-1 pick piece sizes (all at once, one byte at a time,
//           1..16, 1..512 bytes), bits 2-7 seed them;
//   byte 1: bit 0 a signed-in user, bit 1 trust_forwarded_headers, bits 2-3 the body buffer
//           (1, 7, 256 or 65536 bytes), bit 4 the header limit (set: 1 KiB, the smallest a config
//           allows; clear: 64 KiB, the default).
// Up to four requests are read as the session reads them: parse_buffered() towards the header,
// one more piece each time it asks for more, then the body through the buffer (parse_io.hpp).
// Checked for each request:
// - the verdict is Beast's: its own parser reading the same bytes at once sees the same request
//   line, fields, framing, body and end of message; the gateway may refuse more (its own limits)
//   but never accepts what Beast refuses; and the parser never stops making progress;
// - when the exchange would forward it (its path normalizes, and it has one Host, or none in
//   HTTP/1.0), the head written for the backend is read by Beast as exactly one complete request
//   head with the method, the normalized target and the client's framing; it carries the
//   identity header at most once and only with the gateway's value, X-Request-Id once with the
//   gateway's value, no hop-by-hop header and no Expect; and no client header whose name maps
//   (lower case, '_' read as '-', as CGI/WSGI/Rack backends read it) to the identity header or
//   its signature header, X-Request-Id, the X-Cutover- namespace, a URL/method override header
//   or, from an untrusted client, X-Forwarded-*, Forwarded or X-Real-IP (issue 19's contract).
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cutover/http/headers.hpp"
#include "cutover/http/message_parser.hpp"
#include "cutover/routing/path.hpp"
#include "fuzz_check.hpp"
#include "http/parse_io.hpp"

namespace {

namespace bhttp = boost::beast::http;
using boost::beast::iequals;
using boost::system::error_code;
using cutover::fuzz::mapped_name;
using namespace cutover::http;
using cutover::ReadBuffer;

constexpr std::string_view kUser = "user-42";
constexpr std::string_view kRequestId = "fuzz-request-1";
constexpr std::string_view kPeer = "192.0.2.7";
constexpr int kMaxRequests = 4;

struct Options {
  bool user;
  bool trust_forwarded;
  std::size_t body_buffer;
  std::uint32_t header_limit;
};

Options options_of(std::uint8_t byte) {
  static constexpr std::size_t kBodyBuffers[] = {1, 7, 256, 65536};
  return {(byte & 1) != 0, (byte & 2) != 0, kBodyBuffers[(byte >> 2) & 3], (byte & 16) ? 1024u : 65536u};
}

// The client's bytes, handed out in pieces as reads would return them.
class Connection {
 public:
  Connection(std::string_view bytes, std::uint8_t cut)
      : rest_(bytes), size_(bytes.size()), mode_(cut & 3), state_(static_cast<std::uint32_t>(cut >> 2) * 2654435761u + 1) {}
  bool more() const { return !rest_.empty(); }
  std::size_t size() const { return size_; }
  std::size_t delivered() const { return delivered_; }

  void read_into(ReadBuffer& buffer) {
    const std::size_t n = std::min(next_size(), rest_.size());
    std::memcpy(buffer.prepare(n).data(), rest_.data(), n);
    buffer.commit(n);
    rest_.remove_prefix(n);
    delivered_ += n;
  }

 private:
  std::size_t next_size() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    switch (mode_) {
      case 0: return rest_.size();
      case 1: return 1;
      case 2: return 1 + state_ % 16;
      default: return 1 + state_ % 512;
    }
  }

  std::string_view rest_;
  std::size_t size_;
  int mode_;
  std::uint32_t state_;
  std::size_t delivered_ = 0;
};

using FieldList = std::vector<std::pair<std::string, std::string>>;

// What a parser made of one message.
struct Verdict {
  error_code ec;
  std::string method, target;
  unsigned version = 0;
  FieldList fields;  // the head's, in order
  bool keep_alive = false, chunked = false, upgrade = false;
  std::optional<std::uint64_t> content_length;
  std::string body;
  std::size_t used = 0;  // bytes of the connection the message took
};

std::string describe(const Verdict& v) {
  std::string out = v.ec ? "error: " + v.ec.message()
                         : v.method + " " + v.target + " HTTP/" + std::to_string(v.version / 10) + "." +
                               std::to_string(v.version % 10);
  for (const auto& [name, value] : v.fields) out += "\n  " + name + ": " + value;
  out += "\n  keep_alive " + std::to_string(v.keep_alive) + ", chunked " + std::to_string(v.chunked) + ", upgrade " +
         std::to_string(v.upgrade) + ", length " + (v.content_length ? std::to_string(*v.content_length) : "none") +
         ", body " + std::to_string(v.body.size()) + " bytes, used " + std::to_string(v.used);
  return out;
}

void take_head(Verdict& v, const RequestParser& parser) {
  const ParsedRequest& request = parser.get();
  v.method = request.method_string();
  v.target = request.target();
  v.version = request.version();
  for (const auto& field : request) v.fields.emplace_back(field.name_string(), field.value());
  v.keep_alive = parser.keep_alive();
  v.chunked = parser.chunked();
  v.upgrade = parser.upgrade();
  if (auto length = parser.content_length()) v.content_length = *length;
}

// Beast's own parser, recording what it reports in order (its basic_fields would group fields
// of one name together).
class BeastReference final : public bhttp::basic_parser<true> {
 public:
  Verdict verdict;

 private:
  void on_request_impl(bhttp::verb, boost::beast::string_view method, boost::beast::string_view target, int version,
                       error_code& ec) override {
    verdict.method = method;
    verdict.target = target;
    verdict.version = static_cast<unsigned>(version);
    ec = {};
  }
  void on_response_impl(int, boost::beast::string_view, int, error_code& ec) override { ec = {}; }
  void on_field_impl(bhttp::field, boost::beast::string_view name, boost::beast::string_view value,
                     error_code& ec) override {
    if (!is_header_done()) verdict.fields.emplace_back(name, value);  // not the trailers
    ec = {};
  }
  void on_header_impl(error_code& ec) override { ec = {}; }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code& ec) override { ec = {}; }
  std::size_t on_body_impl(boost::beast::string_view body, error_code& ec) override {
    verdict.body.append(body);
    ec = {};
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code& ec) override { ec = {}; }
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, error_code& ec) override {
    return on_body_impl(body, ec);
  }
  void on_finish_impl(error_code& ec) override { ec = {}; }
};

// Beast's verdict on the same bytes, all at once: the reference.
Verdict beast_verdict(std::string_view bytes, std::uint32_t header_limit) {
  BeastReference parser;
  parser.header_limit(header_limit);
  parser.body_limit(boost::none);
  parser.eager(true);
  Verdict& v = parser.verdict;
  bool head_taken = false;
  for (;;) {
    const std::size_t n = parser.put(boost::asio::buffer(bytes.data() + v.used, bytes.size() - v.used), v.ec);
    v.used += n;
    if (!v.ec && parser.is_header_done() && !head_taken) {
      head_taken = true;
      v.keep_alive = parser.keep_alive();
      v.chunked = parser.chunked();
      v.upgrade = parser.upgrade();
      if (auto length = parser.content_length()) v.content_length = *length;
    }
    if ((v.ec && v.ec != bhttp::error::need_more) || parser.is_done()) break;
    if (n > 0 && v.used < bytes.size()) continue;
    // Beast wants bytes the connection never sends.
    parser.put_eof(v.ec);
    if (!v.ec && !parser.is_done()) v.ec = bhttp::error::partial_message;
    break;
  }
  return std::move(v);
}

std::vector<std::string> connection_tokens(const ParsedRequest& request) {
  std::vector<std::string> tokens;
  for (const auto& field : request) {
    if (field.name() != bhttp::field::connection) continue;
    for (auto token : bhttp::token_list(field.value())) {
      if (!iequals(token, "content-length") && !iequals(token, "transfer-encoding") && !iequals(token, "host")) {
        tokens.emplace_back(token);
      }
    }
  }
  return tokens;
}

bool is_hop_by_hop(std::string_view name, const std::vector<std::string>& named) {
  for (std::string_view standard : {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
                                    "proxy-authorization", "proxy-authenticate", "expect"}) {
    if (iequals(name, standard)) return true;
  }
  for (const auto& token : named) {
    if (iequals(name, token)) return true;
  }
  return false;
}

bool is_override_header(const std::string& mapped) {
  for (std::string_view name : {"x-original-url", "x-rewrite-url", "x-override-url", "x-http-method-override",
                                "x-http-method", "x-method-override"}) {
    if (mapped == name) return true;
  }
  return false;
}

// The head the gateway writes for the backend, read back by Beast and checked field by field.
void check_upstream_head(const RequestParser& parser, const Options& options, const std::string& shown) {
  const ParsedRequest& request = parser.get();
  const std::string_view target = request.target();
  const std::size_t query_at = std::min(target.find('?'), target.size());
  if (target.empty() || target.front() != '/') return;  // the exchange answers 400
  const std::optional<std::string> path = cutover::routing::normalize_path(target.substr(0, query_at));
  if (!path) return;  // 400 invalid_path
  const std::size_t hosts = request.count(bhttp::field::host);
  if (hosts > 1 || (request.version() >= 11 && hosts == 0)) return;  // 400 bad_host
  const std::string upstream_target = *path + std::string(target.substr(query_at));

  UpstreamRequestHead rewrite;
  rewrite.target = upstream_target;
  rewrite.request_id = kRequestId;
  rewrite.identity_header = "X-User-Id";
  rewrite.user = options.user ? kUser : std::string_view{};
  rewrite.header_namespace = "X-Cutover-";
  rewrite.forwarded = {kPeer, "http", options.trust_forwarded};
  std::string out;
  append_upstream_request_head(out, request, rewrite);
  const std::string seen = shown + "\n--- written for the backend:\n" + out;

  bhttp::request_parser<bhttp::empty_body> again;
  again.header_limit(1u << 30);
  again.body_limit(boost::none);
  error_code ec;
  const std::size_t used = again.put(boost::asio::buffer(out), ec);
  CHECK_PROPERTY(!ec && again.is_header_done() && used == out.size(),
                 "Beast reads the rewritten head as exactly one complete request head",
                 seen + "\n--- Beast: " + (ec ? ec.message() : "used " + std::to_string(used)));
  const auto& head = again.get();
  CHECK_PROPERTY(head.method_string() == request.method_string() && head.target() == upstream_target &&
                     head.version() == 11,
                 "the rewritten request line is the method, the normalized target and HTTP/1.1", seen);
  CHECK_PROPERTY(again.chunked() == parser.chunked() && again.content_length() == parser.content_length(),
                 "the client's framing (chunked, Content-Length) reaches the backend unchanged", seen);

  const std::string identity = mapped_name(rewrite.identity_header);
  const std::vector<std::string> named = connection_tokens(request);
  int identities = 0, request_ids = 0, forwarded_for = 0, forwarded_proto = 0, forwarded_host = 0;
  for (const auto& field : head) {
    const std::string name = mapped_name(field.name_string());
    const std::string_view value = field.value();
    // The gateway's own headers may carry a name the client listed in Connection.
    const bool gateways_name = name == identity || name == "x-request-id" || name == "x-forwarded-for" ||
                               name == "x-forwarded-proto" || name == "x-forwarded-host";
    CHECK_PROPERTY(!is_hop_by_hop(field.name_string(), gateways_name ? std::vector<std::string>{} : named),
                   "no hop-by-hop header and no Expect", seen);
    if (name == identity) {
      ++identities;
      CHECK_PROPERTY(options.user && value == kUser, "the identity header carries only the gateway's value", seen);
    } else if (name == "x-request-id") {
      ++request_ids;
      CHECK_PROPERTY(value == kRequestId, "X-Request-Id carries only the gateway's value", seen);
    } else if (!options.trust_forwarded && name == "x-forwarded-for") {
      ++forwarded_for;
      CHECK_PROPERTY(value == kPeer, "X-Forwarded-For is the gateway's (the peer) from an untrusted client", seen);
    } else if (!options.trust_forwarded && name == "x-forwarded-proto") {
      ++forwarded_proto;
      CHECK_PROPERTY(value == "http", "X-Forwarded-Proto is the gateway's from an untrusted client", seen);
    } else if (!options.trust_forwarded && name == "x-forwarded-host") {
      ++forwarded_host;
      CHECK_PROPERTY(value == request[bhttp::field::host], "X-Forwarded-Host is the client's Host", seen);
    }
    CHECK_PROPERTY(name != identity + "-signature", "no client copy of the identity signature header", seen);
    CHECK_PROPERTY(!name.starts_with("x-cutover-"), "no client header in the gateway's namespace", seen);
    CHECK_PROPERTY(!is_override_header(name), "no URL or method override header (no route allows one here)", seen);
    if (!options.trust_forwarded) {
      CHECK_PROPERTY(!name.starts_with("x-forwarded-") || name == "x-forwarded-for" || name == "x-forwarded-proto" ||
                         name == "x-forwarded-host",
                     "no X-Forwarded-* header from an untrusted client", seen);
      CHECK_PROPERTY(name != "forwarded" && name != "x-real-ip", "no Forwarded or X-Real-IP from an untrusted client",
                     seen);
    }
  }
  CHECK_PROPERTY(identities == (options.user ? 1 : 0), "the identity header once for a user, never without one", seen);
  CHECK_PROPERTY(request_ids == 1, "X-Request-Id exactly once", seen);
  if (!options.trust_forwarded) {
    CHECK_PROPERTY(forwarded_for == 1 && forwarded_proto == 1 && forwarded_host <= 1,
                   "X-Forwarded-For and -Proto once, X-Forwarded-Host at most once", seen);
  }
}

// One request as the session reads it, from where the previous one ended.
Verdict gateway_verdict(Connection& connection, ReadBuffer& buffer, FieldArena& arena, const Options& options,
                        const std::string& shown) {
  Verdict v;
  const std::size_t start = connection.delivered() - buffer.size();
  std::optional<RequestParser> parsing;
  RequestParser& parser = parsing.emplace(arena);
  parser.header_limit(options.header_limit);
  parser.body_limit(boost::none);
  // Every turn reads a piece (a byte at least) or hands on parsed bytes: a parser that stopped
  // making progress (a wedged connection) would take more turns than that.
  const std::size_t max_turns = 4 * connection.size() + 64;
  std::size_t turns = 0;
  auto count_turn = [&] { CHECK_PROPERTY(++turns <= max_turns, "the parser keeps making progress", shown); };
  auto next_piece = [&] {
    count_turn();
    if (!connection.more()) return false;
    connection.read_into(buffer);
    return true;
  };
  while (!parse_buffered(parser, buffer, ParseGoal::header, v.ec)) {
    if (!next_piece()) {
      v.ec = parse_eof(parser);
      if (!v.ec) v.ec = bhttp::error::partial_message;
      return v;
    }
  }
  if (v.ec) return v;
  take_head(v, parser);
  check_upstream_head(parser, options, shown);

  std::vector<char> room(options.body_buffer);
  while (!parser.is_done()) {
    auto& body = parser.get().body();
    body.data = room.data();
    body.size = room.size();
    const bool ready = parse_buffered(parser, buffer, ParseGoal::progress, v.ec);
    v.body.append(room.data(), room.size() - body.size);
    if (v.ec) return v;
    if (ready) {
      count_turn();
    } else if (!next_piece()) {
      v.ec = parse_eof(parser);
      if (!v.ec && !parser.is_done()) v.ec = bhttp::error::partial_message;
      if (v.ec) return v;
    }
  }
  v.used = connection.delivered() - buffer.size() - start;
  return v;
}

// The gateway may refuse what Beast accepts only with a limit of its own: a chunk line or a
// trailer section past its limit.
bool gateways_own_refusal(const error_code& ec) {
  return ec.category() != bhttp::make_error_code(bhttp::error::need_more).category() ||
         ec == bhttp::error::header_limit;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return -1;
  const Options options = options_of(data[1]);
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  Connection connection(bytes, data[0]);
  ArenaBlocks blocks;
  FieldArena arena(blocks);
  ReadBuffer buffer;
  std::size_t reference_at = 0;
  for (int i = 0; i < kMaxRequests && reference_at < bytes.size(); ++i) {
    arena.reset();
    const std::string shown = "request " + std::to_string(i + 1) + " of:\n" + std::string(bytes);
    const Verdict ours = gateway_verdict(connection, buffer, arena, options, shown);
    const Verdict beast = beast_verdict(bytes.substr(reference_at), options.header_limit);
    const std::string both = shown + "\n--- gateway: " + describe(ours) + "\n--- Beast: " + describe(beast);
    CHECK_PROPERTY(!(beast.ec && !ours.ec), "never accepts what Beast refuses", both);
    CHECK_PROPERTY(!(ours.ec && !beast.ec) || gateways_own_refusal(ours.ec),
                   "refuses what Beast accepts only by a limit of the gateway's own", both);
    if (ours.ec || beast.ec) break;
    CHECK_PROPERTY(ours.method == beast.method && ours.target == beast.target && ours.version == beast.version &&
                       ours.fields == beast.fields && ours.keep_alive == beast.keep_alive &&
                       ours.chunked == beast.chunked && ours.upgrade == beast.upgrade &&
                       ours.content_length == beast.content_length && ours.body == beast.body &&
                       ours.used == beast.used,
                   "the same request, framing, body and end of message as Beast's parser", both);
    if (!ours.keep_alive || ours.upgrade) break;
    reference_at += beast.used;
  }
  return 0;
}
