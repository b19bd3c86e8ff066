#pragma once
// Sparing the read that finds nothing.
//
// Asio's epoll reactor, asked to read, first tries the read at once ("speculatively") whenever the
// socket has had a readable event since it last saw end-of-file, which is nearly always. On a
// keep-alive connection the next request, or the backend's answer to a request just sent, has
// not arrived yet at that moment: the try is a recvfrom that fails with EAGAIN, about one per
// proxied request (docs/performance.md). HAProxy and nginx remember that a short read emptied the
// socket and wait for the next event instead; this file teaches Asio the same.
//
// ReadReadiness wraps one async read. When that read was not tried at once, its completion runs
// inline from the reactor's handling of the readable event, with no other event handled between
// the recv and the completion; if the recv took fewer bytes than it asked for, the socket's
// receive queue was empty right then, so the reactor is told that the next read should wait for
// the next event. Any event that arrives later marks the socket readable again (the reactor does
// that whether or not a read is waiting), so no data can be left unread. A read that was tried
// at once completes later, after other events may have been handled; nothing is concluded from it.
//
// This reaches into Asio's epoll reactor (Boost 1.81, the version Debian 12 ships); with any
// other Boost or reactor it compiles to nothing and every read is tried at once, as before.
#include <cstddef>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace cutover::http {

// True when built against the reactor this knows how to steer.
bool read_readiness_supported();

// True when the next read on `socket` will be tried at once.
bool next_read_is_tried_at_once(boost::asio::ip::tcp::socket& socket);

// The socket's receive queue is empty: its next read waits for the next readable event.
void next_read_waits_for_event(boost::asio::ip::tcp::socket& socket);

// (The socket is passed to both calls rather than kept: the read's owner holds it already, and
// an EventRead lives in frames every connection holds.)
class ReadReadiness {
 public:
  // Construct right before starting the read.
  explicit ReadReadiness(boost::asio::ip::tcp::socket& socket) : tried_at_once_(next_read_is_tried_at_once(socket)) {}

  // Call right after the read completes, before anything else runs.
  void completed(boost::asio::ip::tcp::socket& socket, const boost::system::error_code& ec, std::size_t read,
                 std::size_t asked) const {
    if (!ec && !tried_at_once_ && read > 0 && read < asked) next_read_waits_for_event(socket);
  }

 private:
  bool tried_at_once_;
};

}  // namespace cutover::http
