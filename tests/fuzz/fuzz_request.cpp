// The request parser (http/message_parser.hpp) and what the gateway writes for a backend
// (append_upstream_request_head, append_last_chunk: http/headers.hpp). DESIGN.md invariants 2
// and 6, issue 19's contract.
//
// Input: two control bytes, then what a client sends on one connection.
//   byte 0: how the bytes arrive: bits 0-1 pick piece sizes (all at once, one byte at a time,
//           1..16, 1..512 bytes), bits 2-7 seed them;
//   byte 1: bit 0 a signed-in user (identity header and signature), bit 1
//           trust_forwarded_headers, bits 2-3 the body buffer (1, 7, 256 or 65536 bytes), bit 4
//           limits.max_header_bytes (set: 1 KiB, the smallest a config allows; clear: 64 KiB,
//           the default), bit 5 headers_with_underscores: allow (clear: drop), bit 6 the route
//           allows X-HTTP-Method-Override, bit 7 paths: { escaped_slashes: decode, backslash:
//           slash } (clear: both reject, the defaults).
// Up to four requests are read as the session reads them: parse_buffered() towards the header,
// one more piece each time it asks for more, then the body through the buffer (parse_io.hpp).
// Checked for each request:
// - the verdict is Beast's: its own parser reading the same bytes at once sees the same request
//   line, fields, framing, body, trailers and end of message; the gateway may refuse more (its
//   own limits) but never accepts what Beast refuses; the parser never stops making progress, and
//   while it waits for more it holds no more than a head, or a chunk line and a trailer section;
// - when the exchange would forward it (admit_request, its own checks of target, Host and
//   header names, lets it through), the head and the last chunk written for the backend pass
//   upstream_checks.hpp.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "beast_reference.hpp"
#include "cutover/http/header_policy.hpp"
#include "cutover/http/message_parser.hpp"
#include "fuzz_check.hpp"
#include "http/chunk_framing.hpp"
#include "http/parse_io.hpp"
#include "http/request_checks.hpp"
#include "upstream_checks.hpp"

namespace {

namespace bhttp = boost::beast::http;
using boost::system::error_code;
using cutover::ReadBuffer;
using cutover::fuzz::Verdict;
using namespace cutover::http;

constexpr int kMaxRequests = 4;

struct Options {
  bool user;
  std::size_t body_buffer;
  cutover::config::Config config;  // what the exchange judges a request by
  OverrideMask allowed_overrides;  // the route's
};

Options options_of(std::uint8_t byte) {
  static constexpr std::size_t kBodyBuffers[] = {1, 7, 256, 65536};
  Options options{(byte & 1) != 0, kBodyBuffers[(byte >> 2) & 3], {}, 0};
  auto& config = options.config;
  config.trust_forwarded_headers = (byte & 2) != 0;
  config.limits.max_header_bytes = (byte & 16) ? 1024 : 65536;
  config.headers_with_underscores = (byte & 32) ? UnderscoreHeaders::allow : UnderscoreHeaders::drop;
  if (byte & 128) config.paths = {cutover::config::PathsConfig::EscapedSlashes::decode,
                                  cutover::config::PathsConfig::Backslash::slash};
  options.allowed_overrides = (byte & 64) ? 1u << override_header_index("X-HTTP-Method-Override") : 0;
  return options;
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

// The target the exchange forwards, or nullopt when it answers the request itself.
std::optional<std::string> forwarded_target(const ParsedRequest& request, const cutover::config::Config& config) {
  AdmittedTarget admitted;
  if (admit_request(request, config, admitted)) return std::nullopt;
  return admitted.path + std::string(admitted.query);
}

// One request as the session reads it, from where the previous one ended.
Verdict gateway_verdict(Connection& connection, ReadBuffer& buffer, FieldArena& arena, const Options& options,
                        const std::string& shown) {
  Verdict v;
  const std::size_t start = connection.delivered() - buffer.size();
  std::optional<RequestParser> parsing;
  RequestParser& parser = parsing.emplace(arena);
  parser.header_limit(static_cast<std::uint32_t>(options.config.limits.max_header_bytes));
  parser.body_limit(boost::none);
  // Every turn reads a piece (a byte at least) or hands on parsed bytes: a parser that stopped
  // making progress (a wedged connection) would take more turns than that.
  const std::size_t max_turns = 4 * connection.size() + 64;
  std::size_t turns = 0;
  auto count_turn = [&] { CHECK_PROPERTY(++turns <= max_turns, "the parser keeps making progress", shown); };
  // While it waits for more, the parser holds at most a head, or a chunk line and a trailer
  // section: every byte a client sends counts against a limit (issue 19).
  const std::size_t max_pending = options.config.limits.max_header_bytes + kMaxChunkLineBytes + 4;
  auto next_piece = [&] {
    count_turn();
    CHECK_PROPERTY(buffer.size() <= max_pending, "a parser waiting for more holds no more than its limits allow",
                   shown + "\n--- holding " + std::to_string(buffer.size()) + " bytes");
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
  const HeaderPolicy policy = header_policy(options.config, options.allowed_overrides);  // views into the config
  const std::optional<std::string> target = forwarded_target(parser.get(), options.config);
  if (target) cutover::fuzz::check_upstream_head(parser, policy, options.user, *target, shown);

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
  for (const auto& field : parser.get().trailers()) v.trailers.emplace_back(field.name_string(), field.value());
  if (target && parser.chunked()) cutover::fuzz::check_last_chunk(parser.get(), policy, shown);
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
    const Verdict beast = cutover::fuzz::beast_verdict(
        bytes.substr(reference_at), static_cast<std::uint32_t>(options.config.limits.max_header_bytes));
    const std::string both = shown + "\n--- gateway: " + describe(ours) + "\n--- Beast: " + describe(beast);
    CHECK_PROPERTY(!(beast.ec && !ours.ec), "never accepts what Beast refuses", both);
    CHECK_PROPERTY(!(ours.ec && !beast.ec) || gateways_own_refusal(ours.ec),
                   "refuses what Beast accepts only by a limit of the gateway's own", both);
    if (ours.ec || beast.ec) break;
    CHECK_PROPERTY(ours.method == beast.method && ours.target == beast.target && ours.version == beast.version &&
                       ours.fields == beast.fields && ours.trailers == beast.trailers &&
                       ours.keep_alive == beast.keep_alive && ours.chunked == beast.chunked &&
                       ours.upgrade == beast.upgrade && ours.content_length == beast.content_length &&
                       ours.body == beast.body && ours.used == beast.used,
                   "the same request, framing, body, trailers and end of message as Beast's parser", both);
    if (!ours.keep_alive || ours.upgrade) break;
    reference_at += beast.used;
  }
  return 0;
}
