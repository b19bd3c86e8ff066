#include "cutover/tls/channel.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstring>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

namespace cutover::tls {

namespace asio = boost::asio;
using boost::system::error_code;

// The BIO between OpenSSL and a Channel's two ciphertext buffers: reads take from input(),
// writes append to output(). A read with nothing buffered asks to be retried, which OpenSSL
// reports as SSL_ERROR_WANT_READ; a write always succeeds.
struct ChannelBio {
  static Channel& of(BIO* bio) { return *static_cast<Channel*>(BIO_get_data(bio)); }

  static int read(BIO* bio, char* out, std::size_t size, std::size_t* read) {
    BIO_clear_retry_flags(bio);
    ReadBuffer& input = of(bio).input_;
    if (input.size() == 0) {
      BIO_set_retry_read(bio);
      *read = 0;
      return 0;
    }
    const std::size_t n = std::min(size, input.size());
    std::memcpy(out, input.data().data(), n);
    input.consume(n);
    *read = n;
    return 1;
  }

  static int write(BIO* bio, const char* in, std::size_t size, std::size_t* written) {
    BIO_clear_retry_flags(bio);
    of(bio).output_.append(in, size);
    *written = size;
    return 1;
  }

  static long control(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

  static int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }

  static BIO_METHOD* method() {
    static BIO_METHOD* const kMethod = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "cutover channel");
      BIO_meth_set_read_ex(m, &ChannelBio::read);
      BIO_meth_set_write_ex(m, &ChannelBio::write);
      BIO_meth_set_ctrl(m, &ChannelBio::control);
      BIO_meth_set_create(m, &ChannelBio::create);
      return m;
    }();
    return kMethod;
  }
};

namespace {

// Every SSL call starts with an empty error queue: SSL_get_error reads the thread's queue before
// anything else, and other code on the thread (libjwt, for one) leaves its failures there. A
// look first: emptying an empty queue costs ~3 % of a keep-alive TLS request.
void clear_stale_errors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

// The largest plaintext of one record (RFC 8446 5.1).
constexpr std::size_t kRecordSize = 16 * 1024;

bool is_ip_address(const std::string& host) {
  error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

Channel::Channel(SSL* ssl) : ssl_(ssl) {
  BIO* bio = BIO_new(ChannelBio::method());
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // one BIO both ways; the SSL owns it
}

Channel::~Channel() { SSL_free(ssl_); }

std::unique_ptr<Channel> Channel::accept(SSL_CTX* context) {
  SSL* ssl = SSL_new(context);
  if (!ssl) return nullptr;
  SSL_set_accept_state(ssl);
  return std::unique_ptr<Channel>(new Channel(ssl));
}

std::unique_ptr<Channel> Channel::connect(SSL_CTX* context, const std::string& server_name, bool verify) {
  SSL* ssl = SSL_new(context);
  if (!ssl) return nullptr;
  SSL_set_connect_state(ssl);
  const bool ip = is_ip_address(server_name);
  if (!ip && !server_name.empty()) SSL_set_tlsext_host_name(ssl, server_name.c_str());
  if (verify) {
    const bool named = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_name.c_str()) == 1
                          : SSL_set1_host(ssl, server_name.c_str()) == 1;
    if (!named) {  // (an address with a zone, "fe80::1%1"): fail closed
      ERR_clear_error();
      SSL_free(ssl);
      return nullptr;
    }
  }
  return std::unique_ptr<Channel>(new Channel(ssl));
}

error_code Channel::failure(int result) {
  const int reason = SSL_get_error(ssl_, result);
  if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) return asio::error::would_block;
  if (reason == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
  // The error queue is the thread's: what this connection left there must not be read as the
  // next connection's failure.
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return asio::ssl::error::unspecified_system_error;
  return {static_cast<int>(code), asio::error::get_ssl_category()};
}

error_code Channel::handshake() {
  if (established_) return {};
  clear_stale_errors();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    established_ = true;
    return {};
  }
  return failure(result);
}

error_code Channel::read(asio::mutable_buffer room, std::size_t& read) {
  read = 0;
  clear_stale_errors();
  if (SSL_read_ex(ssl_, room.data(), room.size(), &read) == 1) return {};
  return failure(0);
}

error_code Channel::write(std::span<const asio::const_buffer> data) {
  // Pieces are joined into records here rather than written one SSL_write each: a head, a chunk
  // size line and a small body would otherwise cost three records and their framing.
  static thread_local std::array<char, kRecordSize> joined;
  std::size_t filled = 0;
  std::size_t written = 0;
  bool failed = false;
  auto encrypt = [&](const char* bytes, std::size_t size) {
    if (failed) return;
    clear_stale_errors();
    failed = SSL_write_ex(ssl_, bytes, size, &written) != 1;
  };
  auto flush = [&] {
    if (filled > 0) encrypt(joined.data(), filled);
    filled = 0;
  };
  for (const auto& piece : data) {
    const char* bytes = static_cast<const char*>(piece.data());
    std::size_t left = piece.size();
    while (left > 0) {
      if (filled == 0 && left >= kRecordSize) {  // whole records: straight from the caller's buffer
        const std::size_t whole = left - left % kRecordSize;
        encrypt(bytes, whole);
        bytes += whole;
        left -= whole;
        continue;
      }
      const std::size_t n = std::min(left, kRecordSize - filled);
      std::memcpy(joined.data() + filled, bytes, n);
      filled += n;
      bytes += n;
      left -= n;
      if (filled == kRecordSize) flush();
    }
  }
  flush();
  return failed ? failure(0) : error_code{};
}

void Channel::close() {
  if (closed_ || !established_) return;
  closed_ = true;
  clear_stale_errors();
  SSL_shutdown(ssl_);  // queues close_notify; the peer's is not waited for
  ERR_clear_error();
}

void Channel::sent(std::size_t bytes) {
  sent_ += bytes;
  if (sent_ == output_.size()) {
    output_.clear();
    sent_ = 0;
    // A download's records grew it; an idle connection keeps a small one.
    if (output_.capacity() > 4 * kRecordSize) output_.shrink_to_fit();
  }
}

std::string Channel::take_output() {
  std::string records = sent_ == 0 ? std::move(output_) : output_.substr(sent_);
  output_.clear();
  sent_ = 0;
  return records;
}

std::string_view Channel::alpn() const {
  const unsigned char* name = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &name, &length);
  return {reinterpret_cast<const char*>(name), length};
}

std::string_view Channel::server_name() const {
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return name ? std::string_view(name) : std::string_view();
}

std::string_view Channel::version() const { return SSL_get_version(ssl_); }

bool Channel::resumed() const { return SSL_session_reused(ssl_) == 1; }

bool Channel::peer_closed() const { return (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0; }

std::string Channel::describe(const error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    if (const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) return reason;
  }
  return ec.message();
}

}  // namespace cutover::tls
