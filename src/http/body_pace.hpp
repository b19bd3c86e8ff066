#pragma once
// A request body's minimum pace (limits.min_body_rate): every window of kPaceWindow must bring
// at least rate × window bytes, or the request is refused with 408. body_timeout alone bounds
// only the silence between bytes: a client sending a byte every few seconds never trips it, and
// holds its backend connection (or its buffer) for as long as it likes. Pure: the caller passes
// the clock readings in.
#include <chrono>
#include <cstdint>

#include <boost/system/error_code.hpp>

namespace cutover::http {

inline constexpr std::chrono::seconds kPaceWindow{10};

// The body came slower than the minimum rate.
enum class PaceError { too_slow = 1 };
const boost::system::error_category& pace_category() noexcept;
inline boost::system::error_code make_error_code(PaceError e) noexcept { return {static_cast<int>(e), pace_category()}; }

}  // namespace cutover::http

template <>
struct boost::system::is_error_code_enum<cutover::http::PaceError> : std::true_type {};

namespace cutover::http {

class BodyPace {
 public:
  using Clock = std::chrono::steady_clock;

  // `bytes_per_second` 0: no minimum (read_due is then the idle timeout alone).
  BodyPace(std::uint64_t bytes_per_second, Clock::time_point start)
      : rate_(bytes_per_second), window_start_(start), last_progress_(start) {}

  // When the next read must have brought something: the idle timeout after the last bytes, or
  // the end of the current window, whichever comes first.
  Clock::time_point read_due(std::chrono::milliseconds idle_timeout) const;

  // After a read that brought `bytes` (framing included), at `now`. Success to go on;
  // PaceError::too_slow when a window ended short of its minimum; beast::error::timeout when
  // `timed_out` and the idle timeout, not a window's end, is what passed.
  boost::system::error_code after_read(std::uint64_t bytes, Clock::time_point now, bool timed_out,
                                       std::chrono::milliseconds idle_timeout);

  std::uint64_t rate() const { return rate_; }

 private:
  std::uint64_t rate_;
  Clock::time_point window_start_;
  std::uint64_t total_ = 0;              // bytes so far
  std::uint64_t window_first_byte_ = 0;  // total_ when the window began
  Clock::time_point last_progress_;
};

}  // namespace cutover::http
