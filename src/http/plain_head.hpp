#pragma once
// A fast path in front of Beast's parser for the heads a proxy sees nearly always: wholly arrived,
// CRLF line endings, printable ASCII, no obs-fold, a known method, HTTP/1.0 or 1.1, framing by at
// most one plain Content-Length, and Connection (if present) saying only close or keep-alive.
// Beast spends ~700 instructions per header line (a byte-at-a-time scan, a token-list parse of
// Connection); this scans a line in a fraction of that.
//
// It only ever accepts or declines. Anything outside that shape (Transfer-Encoding, Upgrade,
// duplicate Content-Length, obs-text, bare LF...) is declined before
// anything is decided, and MessageParser hands the message to Beast from its first byte, so every
// verdict on an unusual or malformed head is still Beast's. What is accepted, Beast accepts too,
// with the same start line, fields, framing and keep-alive: plain_head_test.cpp checks that
// against Beast on generated and randomly mutated heads.
#include <cstdint>
#include <optional>
#include <string_view>

#include <boost/beast/http/verb.hpp>

#include "cutover/http/message_parser.hpp"

namespace cutover::http {

struct PlainHead {
  std::size_t size = 0;  // bytes of the head, its final empty line included
  unsigned version = 11;
  // The request line (requests)...
  boost::beast::http::verb method = boost::beast::http::verb::unknown;
  std::string_view method_string;
  std::string_view target;
  // ...or the status line (responses). Views into the scanned input.
  unsigned status = 0;
  std::string_view reason;
  std::optional<std::uint64_t> content_length;
  bool connection_close = false;
  bool connection_keep_alive = false;

  // As Beast decides it from the version and Connection.
  bool keep_alive() const { return version >= 11 ? !connection_close : connection_keep_alive; }
};

// True when `input` starts with a whole plain head of at most `header_limit` bytes: `head`
// describes it, and its fields were added to `fields` in order. False when declined; `fields` may
// then hold some of the head's fields, and the caller clears them.
template <bool IsRequest>
bool scan_plain_head(std::string_view input, std::uint32_t header_limit, PlainHead& head, ParsedFields& fields);

// True when `input` holds no whole head yet, is shorter than `header_limit`, and is the beginning
// of a head that would be plain: Beast, given the same bytes, would be waiting for more too
// (their every byte belongs to a head it accepts). A head larger than the first read can then
// take the fast path once the rest has arrived. `scratch` is left empty.
template <bool IsRequest>
bool may_become_plain(std::string_view input, std::uint32_t header_limit, ParsedFields& scratch);

extern template bool scan_plain_head<true>(std::string_view, std::uint32_t, PlainHead&, ParsedFields&);
extern template bool scan_plain_head<false>(std::string_view, std::uint32_t, PlainHead&, ParsedFields&);
extern template bool may_become_plain<true>(std::string_view, std::uint32_t, ParsedFields&);
extern template bool may_become_plain<false>(std::string_view, std::uint32_t, ParsedFields&);

}  // namespace cutover::http
