#pragma once
// One TLS connection's record layer, over a socket the data path reads and writes itself.
//
// OpenSSL never touches the socket: ciphertext the data path read is handed in (input()), and the
// ciphertext OpenSSL produces collects in output() until the data path sends it. So a TLS
// connection keeps every property of a plain one: reads go through the same read_arrived /
// EventRead (read_readiness.hpp spares the same empty reads), writes are tried at once and wait
// only when the kernel is full, and every wait is under the worker's Watchdog. Nothing here
// blocks or waits: each call does what the bytes at hand allow and says what it needs next.
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "cutover/common/read_buffer.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace cutover::tls {

class Channel {
 public:
  // Accepts a connection with `context` (which an SNI callback may swap for another).
  static std::unique_ptr<Channel> accept(ssl_ctx_st* context);
  // Connects to a backend: `server_name` is sent as SNI (not when it is an IP address) and, with
  // `verify`, checked against the certificate's names (null when that check cannot be set up:
  // never a connection that would skip it).
  static std::unique_ptr<Channel> connect(ssl_ctx_st* context, const std::string& server_name, bool verify);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Advances the handshake with the ciphertext at hand. {}: done. would_block: it needs more
  // input (after its output, if any, has been sent). Anything else: the handshake failed.
  boost::system::error_code handshake();
  bool established() const { return established_; }

  // Decrypts into `room`. {} with `read` > 0; would_block when no whole record is buffered;
  // eof after the peer's close_notify; an ssl error for a bad record.
  boost::system::error_code read(boost::asio::mutable_buffer room, std::size_t& read);
  // Encrypts all of `data` into output(), in records of up to 16 KiB: small pieces are joined
  // into one record, so a head and a small body go out as one. An error when the connection can
  // no longer write (a fatal alert before).
  boost::system::error_code write(std::span<const boost::asio::const_buffer> data);
  // Queues a close_notify (once).
  void close();

  // Ciphertext in: reads from the socket go here (the data path's read buffer type).
  ReadBuffer& input() { return input_; }
  // Ciphertext out, not yet sent.
  bool has_output() const { return output_.size() > sent_; }
  boost::asio::const_buffer output() const { return {output_.data() + sent_, output_.size() - sent_}; }
  void sent(std::size_t bytes);
  // All of output(), moved out: for a write that waits, during which more may be added.
  std::string take_output();

  // "http/1.1" when ALPN chose it, empty when the peer offered none.
  std::string_view alpn() const;
  // The name the client asked for (SNI), empty when none.
  std::string_view server_name() const;
  // "TLSv1.3" etc., for logs.
  std::string_view version() const;
  bool resumed() const;
  // The peer sent its close_notify: what its socket's end means is a clean end, not a cut.
  bool peer_closed() const;
  // Fit to go back to a pool: no half record left, no close_notify received.
  bool reusable() const { return input_.size() == 0 && !peer_closed(); }
  // Why the handshake failed, as OpenSSL says it (also logged with the connection).
  static std::string describe(const boost::system::error_code& ec);

 private:
  Channel(ssl_st* ssl);
  boost::system::error_code failure(int result);

  ssl_st* ssl_;
  ReadBuffer input_;
  std::string output_;
  std::size_t sent_ = 0;
  bool established_ = false;
  bool closed_ = false;

  friend struct ChannelBio;
};

}  // namespace cutover::tls
