#pragma once
// A request's place in an endpoint's connection queue (upstream/pool.hpp), awaitable from a
// coroutine: `co_await queued.wait(endpoint)` queues it and suspends until the pool settles it; a
// Watch on it (it is the Watch's Expiry) times it out.
//
// The waiting coroutine is resumed through the completion handler Asio gives the wait. That
// handler owns the coroutine, and it is kept here, in the coroutine's own frame, with no
// allocation: resume() moves it out before calling it, abandon() before dropping it, since either
// may end the frame this object lives in.
#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include "cutover/upstream/pool.hpp"
#include "http/watchdog.hpp"

namespace cutover::http {

class QueuedRequest final : public upstream::Waiter, public Expiry {
 public:
  explicit QueuedRequest(upstream::Pool& pool) : pool_(pool) {}
  ~QueuedRequest() override = default;  // a handler still held here is the one destroying this frame

  auto wait(const boost::asio::ip::tcp::endpoint& endpoint) {
    return boost::asio::async_initiate<decltype(boost::asio::deferred), void()>(
        [this, &endpoint](auto handler) {
          using Handler = decltype(handler);
          static_assert(sizeof(Handler) <= kHandlerBytes && alignof(Handler) <= alignof(std::max_align_t),
                        "Asio's awaitable handler outgrew its place in QueuedRequest");
          new (handler_) Handler(std::move(handler));
          finish_ = [](QueuedRequest& self, bool call) {
            Handler* stored = std::launder(reinterpret_cast<Handler*>(self.handler_));
            Handler owned(std::move(*stored));
            stored->~Handler();
            self.finish_ = nullptr;
            if (call) std::move(owned)();  // `self` may be gone after either line
          };
          pool_.enqueue(endpoint, *this);
        },
        boost::asio::deferred);
  }

  void expired() override { pool_.expire(*this); }

 private:
  static constexpr std::size_t kHandlerBytes = 64;
  void resume() override {
    if (finish_) finish_(*this, true);
  }
  void abandon() override {
    if (finish_) finish_(*this, false);
  }

  upstream::Pool& pool_;
  void (*finish_)(QueuedRequest&, bool call) = nullptr;
  alignas(std::max_align_t) unsigned char handler_[kHandlerBytes];
};

}  // namespace cutover::http
