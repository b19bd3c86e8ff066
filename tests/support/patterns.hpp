// Deterministic body pattern and FNV-1a 64 checksum shared by test_upstream and the tests, so a
// test can check a multi-gigabyte body end to end without either side holding it in memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cutover::test {

// Byte i of every generated body is (i * 31 + 7) % 251; the prime period keeps chunk boundaries
// from lining up with the pattern, so a dropped or duplicated piece changes the checksum.
inline constexpr std::uint64_t kPatternPeriod = 251;
inline constexpr std::size_t kPatternPiece = 64 * 1024;

inline char pattern_byte(std::uint64_t i) {
  return static_cast<char>(((i % kPatternPeriod) * 31 + 7) % kPatternPeriod);
}

// Precomputed pattern longer than one piece by a period, so any piece starting at any offset
// is a plain slice: no per-byte work on the hot path.
class PatternSource {
 public:
  PatternSource() {
    for (std::size_t i = 0; i < table_.size(); ++i) table_[i] = pattern_byte(i);
  }

  // Up to kPatternPiece bytes of the pattern starting at body offset `offset`.
  std::span<const char> piece(std::uint64_t offset, std::uint64_t remaining) const {
    const auto start = static_cast<std::size_t>(offset % kPatternPeriod);
    const auto len = static_cast<std::size_t>(remaining < kPatternPiece ? remaining : kPatternPiece);
    return {table_.data() + start, len};
  }

 private:
  std::array<char, kPatternPiece + kPatternPeriod> table_{};
};

// Incremental FNV-1a 64; hex() is 16 lowercase hex digits, the format test_upstream replies with.
class Fnv1a64 {
 public:
  static constexpr std::uint64_t kOffsetBasis = 14695981039346656037ULL;
  static constexpr std::uint64_t kPrime = 1099511628211ULL;

  void update(std::string_view bytes) {
    std::uint64_t h = hash_;
    for (const char c : bytes) {
      h ^= static_cast<unsigned char>(c);
      h *= kPrime;
    }
    hash_ = h;
  }
  void update(const void* data, std::size_t size) { update(std::string_view(static_cast<const char*>(data), size)); }

  std::uint64_t value() const { return hash_; }

  std::string hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    std::uint64_t v = hash_;
    for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kDigits[v & 0xF];
    return out;
  }

 private:
  std::uint64_t hash_ = kOffsetBasis;
};

inline std::string fnv1a64_hex(std::string_view bytes) {
  Fnv1a64 h;
  h.update(bytes);
  return h.hex();
}

// The first n pattern bytes in memory; for small bodies only.
inline std::string pattern_string(std::uint64_t n) {
  std::string out(static_cast<std::size_t>(n), '\0');
  for (std::uint64_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = pattern_byte(i);
  return out;
}

// Checksum of the first n pattern bytes, computed piecewise so n can be gigabytes.
inline std::string pattern_checksum(std::uint64_t n) {
  static const PatternSource source;
  Fnv1a64 h;
  for (std::uint64_t off = 0; off < n;) {
    const auto piece = source.piece(off, n - off);
    h.update(piece.data(), piece.size());
    off += piece.size();
  }
  return h.hex();
}

}  // namespace cutover::test
