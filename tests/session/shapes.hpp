#pragma once
// The shapes of request the session tier runs each failure with.
#include <string>
#include <vector>

#include "session/session_tier.hpp"

namespace cutover::session_test {

enum class Shape { get, buffered_post, streamed_post, chunked_post };

inline const char* name_of(Shape shape) {
  switch (shape) {
    case Shape::get: return "Get";
    case Shape::buffered_post: return "BufferedPost";
    case Shape::streamed_post: return "StreamedPost";
    case Shape::chunked_post: return "ChunkedPost";
  }
  return "?";
}

inline const std::vector<Shape> kEveryShape = {Shape::get, Shape::buffered_post, Shape::streamed_post,
                                               Shape::chunked_post};

inline const std::string kBody(64, 'b');

inline std::string request_of(Shape shape) {
  switch (shape) {
    case Shape::get: return get_request();
    case Shape::buffered_post:
    case Shape::streamed_post: return post_request(kBody);
    case Shape::chunked_post: return chunked_post_request(kBody);
  }
  return {};
}

inline bool has_body(Shape shape) { return shape != Shape::get; }
// Relayed as it comes, rather than read whole before a backend connection is taken.
inline bool streams(Shape shape) { return shape == Shape::streamed_post || shape == Shape::chunked_post; }

// `limits`: more keys of the limits map. A streamed body is relayed as it comes; a buffered one is
// read whole before a backend connection is taken (limits.request_buffer).
inline TierOptions options_for(Shape shape, std::string limits = "", std::string backend_settings = "") {
  TierOptions options;
  if (shape == Shape::streamed_post) limits += std::string(limits.empty() ? "" : ", ") + "request_buffer: 0";
  if (!limits.empty()) options.extra_yaml = "limits: { " + limits + " }\n";
  options.backend_settings = std::move(backend_settings);
  return options;
}

}  // namespace cutover::session_test
