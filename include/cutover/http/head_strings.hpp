#pragma once
// The strings heads are written into (the request head for the backend, the response head for
// the client), lent by the worker for one request at a time. A keep-alive connection waiting for
// its next request holds none (thousands of idle connections would each keep ~1 KiB), and a
// request takes one without a malloc and gives it back without a free. Single-threaded, like
// everything in a worker.
#include <cstddef>
#include <string>
#include <vector>

namespace cutover::http {

class HeadStrings {
 public:
  // Room for a usual head; a larger one grows its string, which comes back grown.
  static constexpr std::size_t kCapacity = 512;

  // Gives `text` room for a head, unless it has that already.
  void lend(std::string& text) {
    if (text.capacity() >= kCapacity) return;
    if (idle_.empty()) {
      text.reserve(kCapacity);
      return;
    }
    text.swap(idle_.back());
    idle_.pop_back();
    text.clear();
  }

  // Takes `text`'s memory back: it is left empty, holding nothing.
  void take_back(std::string& text) {
    if (text.capacity() <= std::string().capacity()) {
      text.clear();
      return;
    }
    if (idle_.size() < kMaxIdle && text.capacity() <= kMaxKept) idle_.push_back(std::move(text));
    std::string().swap(text);
  }

  std::size_t idle() const { return idle_.size(); }

 private:
  static constexpr std::size_t kMaxIdle = 256;        // 128 KiB per worker at most
  static constexpr std::size_t kMaxKept = 8 * 1024;  // a head grown past this goes back to malloc
  std::vector<std::string> idle_;
};

}  // namespace cutover::http
