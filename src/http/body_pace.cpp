#include "http/body_pace.hpp"

#include <algorithm>
#include <string>

#include <boost/beast/core/error.hpp>

namespace cutover::http {
namespace {

// Boost's error_category has a protected, non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class PaceCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "cutover.pace"; }
  std::string message(int) const override { return "the request body came slower than the minimum rate"; }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& pace_category() noexcept {
  static const PaceCategory category;
  return category;
}

BodyPace::Clock::time_point BodyPace::read_due(std::chrono::milliseconds idle_timeout) const {
  const auto idle_due = last_progress_ + idle_timeout;
  if (rate_ == 0) return idle_due;
  return std::min(idle_due, window_start_ + kPaceWindow);
}

boost::system::error_code BodyPace::after_read(std::uint64_t bytes, Clock::time_point now, bool timed_out,
                                               std::chrono::milliseconds idle_timeout) {
  if (bytes > 0) {
    total_ += bytes;
    last_progress_ = now;
  }
  // Windows that ended by now, each judged by what came in it; a long read spans several only
  // when it brought nothing, and then the first of them is short already.
  while (rate_ != 0 && now >= window_start_ + kPaceWindow) {
    const std::uint64_t minimum = rate_ * static_cast<std::uint64_t>(kPaceWindow.count());
    if (total_ - window_first_byte_ < minimum) return PaceError::too_slow;
    window_start_ += kPaceWindow;
    window_first_byte_ = total_;
  }
  if (timed_out && now >= last_progress_ + idle_timeout) return boost::beast::error::timeout;
  return {};
}

}  // namespace cutover::http
