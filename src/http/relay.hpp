#pragma once
// Streams a message from one connection to another through a fixed buffer, never holding a whole
// body. The head is serialised once into a flat string (wire.hpp); chunked bodies are decoded by
// the parser and re-chunked here. Each read and each write that has to wait has its own deadline.
#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/beast/core/error.hpp>

#include "cutover/common/read_buffer.hpp"
#include "cutover/http/headers.hpp"
#include "cutover/http/message_parser.hpp"
#include "http/body_pace.hpp"
#include "http/parse_io.hpp"
#include "http/wire.hpp"

namespace cutover::http {

enum class RelaySide { none, input, output };

struct RelayResult {
  boost::system::error_code ec;
  RelaySide failed = RelaySide::none;  // which socket failed, when ec is set
  std::uint64_t body_bytes = 0;
  bool header_written = false;         // output already received the message header
};

inline constexpr std::size_t kRelayBufferSize = 64 * 1024;

// Reads and writes are tried at once (parse_io.hpp, wire.hpp), so a transfer whose sockets stay
// ready would never suspend and would hold the worker's thread until its body ends. After this
// many bytes without a pause it lets the worker's other connections run: body bytes, or bytes
// read when those are more, since a body of 1-byte chunks with 4 KiB extensions is nearly all
// framing.
inline constexpr std::uint64_t kFairShareBytes = 256 * 1024;

struct RelayTimeouts {
  std::chrono::milliseconds read;   // silence allowed from the input, per read
  std::chrono::milliseconds write;  // per write that has to wait for the output
  BodyPace* pace = nullptr;         // the input's minimum rate (a request body's), if any
};

// Writes `head` (the parser's message head as rewritten for `output`) and relays the body, framed
// as chunked when `chunked_out`, or nothing more when `header_only`. A chunked body ends with the
// trailer fields `trailer_policy` lets through (append_last_chunk), or with none when it is null.
template <bool IsRequest>
boost::asio::awaitable<RelayResult> relay_message(
    Watchdog& watchdog, Stream input, ReadBuffer& input_buffer,
    MessageParser<IsRequest>& parser,
    Stream output, RelayTimeouts timeouts, char* buffer, const std::string& head,
    bool chunked_out, bool header_only = false, const HeaderPolicy* trailer_policy = nullptr) {
  RelayResult result;
  auto& body = parser.get().body();
  Outgoing out;

  // HEAD, 204 and 304 answers: the header may say chunked or name a length, but no body bytes
  // (not even a last chunk) may follow, or the next response on the connection breaks.
  // Otherwise an answer's header goes out at once unless body bytes are already buffered: then
  // header and the first body bytes share one write (a body that is slow to start still shows
  // its header). A request's header waits for its body's first bytes, so that one whose framing
  // fails from the start (a chunk line or trailer section over its limit) reaches the backend
  // not at all rather than cut short.
  bool head_alone = header_only || (!IsRequest && !parser.is_done() && input_buffer.size() == 0);
  bool head_pending = true;
  std::uint64_t input_read = 0;  // bytes read from `input`, framing included
  std::uint64_t done_at_last_pause = 0;
  for (;;) {
    // Work done: body bytes relayed, or bytes read if those are more (framing-heavy input).
    if (const std::uint64_t done = std::max(result.body_bytes, input_read); done - done_at_last_pause >= kFairShareBytes) {
      done_at_last_pause = done;
      auto executor = co_await boost::asio::this_coro::executor;
      co_await boost::asio::post(executor, boost::asio::deferred);
    }
    std::size_t got = 0;
    if (!head_alone && !parser.is_done()) {
      body.data = buffer;
      body.size = kRelayBufferSize;
      boost::system::error_code ec;
      while (!parse_buffered(parser, input_buffer, ParseGoal::progress, ec)) {
        const std::size_t before = input_buffer.size();
        const auto wait = timeouts.pace ? time_left(watchdog, timeouts.pace->read_due(timeouts.read)) : timeouts.read;
        ec = co_await fill(watchdog, input, input_buffer, wait, kBodyReadSize);
        input_read += input_buffer.size() - before;
        if (timeouts.pace && (!ec || ec == boost::beast::error::timeout)) {
          ec = timeouts.pace->after_read(input_buffer.size() - before, watchdog.now(),
                                         ec == boost::beast::error::timeout, timeouts.read);
        }
        if (ec == boost::asio::error::eof) ec = parse_eof(parser, input);
        if (ec || parser.is_done()) break;
      }
      // A request body that has already arrived is parsed before anything goes out, without
      // waiting for more (up to a relay buffer's worth of input): a request that came whole is
      // judged whole, so a bad chunk or an oversized trailer is refused before any of it reaches
      // the backend. (Answers stream as they come: a backend's connection keeps its small read
      // buffer.)
      if constexpr (IsRequest) {
        for (std::size_t judged = 0; !ec && !parser.is_done() && body.size > 0 && judged < kRelayBufferSize;) {
          const std::size_t before = input_buffer.size();
          if (read_arrived(input, input_buffer, kBodyReadSize)) break;
          judged += input_buffer.size() - before;
          input_read += input_buffer.size() - before;
          if (timeouts.pace) ec = timeouts.pace->after_read(input_buffer.size() - before, watchdog.now(), false, timeouts.read);
          if (!ec) parse_buffered(parser, input_buffer, ParseGoal::progress, ec);
        }
      }
      if (ec) {
        result.ec = ec;
        result.failed = RelaySide::input;
        co_return result;
      }
      got = kRelayBufferSize - body.size;
      if (got == 0 && !parser.is_done()) continue;  // only framing was read (a chunk header)
      result.body_bytes += got;
    }
    const bool last = header_only || (!head_alone && parser.is_done());
    if (head_pending) out.add(head);
    ChunkSize size_line(got);
    if (chunked_out && got > 0) out.add(size_line.text());
    out.add(boost::asio::const_buffer(buffer, got));
    if (chunked_out && got > 0) out.add(kChunkEnd);
    std::string last_chunk;
    if (chunked_out && last && !header_only) {
      if (trailer_policy && !parser.get().trailers().empty()) {
        append_last_chunk(last_chunk, parser.get().trailers(), *trailer_policy);
        out.add(last_chunk);
      } else {
        out.add(kLastChunk);
      }
    }
    if (!out.empty()) {
      // The usual case, a socket with room, needs neither a wait nor a coroutine frame.
      boost::system::error_code ec = write_now(output, out);
      if (!ec && !all_sent(output, out)) ec = co_await write_rest(watchdog, output, out, timeouts.write);
      if (ec) {
        result.ec = ec;
        result.failed = RelaySide::output;
        co_return result;
      }
      result.header_written = true;
    }
    head_pending = false;
    head_alone = false;
    if (last) break;
  }
  co_return result;
}

}  // namespace cutover::http
