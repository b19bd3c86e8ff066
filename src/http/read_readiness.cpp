#include "http/read_readiness.hpp"

#include <boost/asio/detail/reactor.hpp>
#include <boost/version.hpp>

#if BOOST_VERSION == 108100 && defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT) && \
    !defined(BOOST_ASIO_HAS_IOCP)
#define CUTOVER_STEER_EPOLL_REACTOR 1
#endif

namespace cutover::http {

#ifdef CUTOVER_STEER_EPOLL_REACTOR
namespace {

namespace asio = boost::asio;

// The reactor keeps its per-socket state private. An explicit instantiation may name private
// members (C++20 [temp.spec.general]/6), and a friend function defined by it hands the member
// pointer out: the standard way to read one private field without patching the library.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-template-friend"
template <class Tag, auto Member>
struct Expose {
  friend constexpr auto member(Tag) { return Member; }
};
#pragma GCC diagnostic pop

struct SocketImpl {
  friend constexpr auto member(SocketImpl);
};
struct TryAtOnce {
  friend constexpr auto member(TryAtOnce);
};
struct DescriptorMutex {
  friend constexpr auto member(DescriptorMutex);
};

template struct Expose<SocketImpl, &asio::basic_socket<asio::ip::tcp, asio::any_io_executor>::impl_>;
template struct Expose<TryAtOnce, &asio::detail::epoll_reactor::descriptor_state::try_speculative_>;
template struct Expose<DescriptorMutex, &asio::detail::epoll_reactor::descriptor_state::mutex_>;

asio::detail::epoll_reactor::per_descriptor_data descriptor_of(asio::ip::tcp::socket& socket) {
  return (socket.*member(SocketImpl{})).get_implementation().reactor_data_;
}

constexpr int kReadOp = 0;  // epoll_reactor::read_op (private)

}  // namespace

bool read_readiness_supported() { return true; }

bool next_read_is_tried_at_once(asio::ip::tcp::socket& socket) {
  auto descriptor = descriptor_of(socket);
  if (!descriptor) return true;
  asio::detail::conditionally_enabled_mutex::scoped_lock lock(descriptor->*member(DescriptorMutex{}));
  return (descriptor->*member(TryAtOnce{}))[kReadOp];
}

void next_read_waits_for_event(asio::ip::tcp::socket& socket) {
  auto descriptor = descriptor_of(socket);
  if (!descriptor) return;
  asio::detail::conditionally_enabled_mutex::scoped_lock lock(descriptor->*member(DescriptorMutex{}));
  (descriptor->*member(TryAtOnce{}))[kReadOp] = false;
}

#else

bool read_readiness_supported() { return false; }
bool next_read_is_tried_at_once(boost::asio::ip::tcp::socket&) { return true; }
void next_read_waits_for_event(boost::asio::ip::tcp::socket&) {}

#endif

}  // namespace cutover::http
