// plan_response: version, framing, keep-alive and header-only for every shape of answer the
// gateway relays, as a table.
#include "cutover/http/response_plan.hpp"

#include <gtest/gtest.h>

namespace cutover::http {
namespace {

using Chunking = ClientResponseHead::Chunking;
constexpr std::optional<std::uint64_t> kNoLength = std::nullopt;

struct Row {
  const char* what;
  ClientFacts client;
  AnswerFacts answer;
  unsigned version;
  Chunking chunking;
  bool chunked;
  bool keep_alive;
  bool header_only;
};

TEST(ResponsePlan, EveryShapeOfAnswer) {
  const ClientFacts http11{11, true, false};
  const ClientFacts http10{10, true, false};
  const Row rows[] = {
      {"1.1, a length", http11, {200, false, false, 12, false}, 11, Chunking::keep, false, true, false},
      {"1.1, chunked", http11, {200, false, true, kNoLength, false}, 11, Chunking::keep, true, true, false},
      {"1.1, ends with the backend's close: re-framed", http11, {200, false, false, kNoLength, false}, 11, Chunking::add, true, true, false},
      {"1.1, no body at all", http11, {200, false, false, kNoLength, true}, 11, Chunking::keep, false, true, false},
      {"1.1, HEAD", http11, {200, true, false, 12, false}, 11, Chunking::keep, false, true, true},
      {"1.1, HEAD of a close-delimited answer: nothing to frame", http11, {200, true, false, kNoLength, false}, 11, Chunking::keep, false, true, true},
      {"1.1, 204", http11, {204, false, false, kNoLength, false}, 11, Chunking::keep, false, true, true},
      {"1.1, 304", http11, {304, false, false, kNoLength, false}, 11, Chunking::keep, false, true, true},
      {"1.0, a length", http10, {200, false, false, 12, false}, 10, Chunking::keep, false, true, false},
      {"1.0, chunked: unframed, ends with the connection", http10, {200, false, true, kNoLength, false}, 10, Chunking::remove, false, false, false},
      {"1.0, close-delimited", http10, {200, false, false, kNoLength, false}, 10, Chunking::keep, false, false, false},
      {"1.0, HEAD of a chunked answer", http10, {200, true, true, kNoLength, false}, 10, Chunking::remove, false, true, true},
      {"1.0, no body", http10, {200, false, false, kNoLength, true}, 10, Chunking::keep, false, true, false},
      {"client closes", {11, false, false}, {200, false, false, 12, false}, 11, Chunking::keep, false, false, false},
      {"draining", {11, true, true}, {200, false, false, 12, false}, 11, Chunking::keep, false, false, false},
  };
  for (const auto& row : rows) {
    const auto plan = plan_response(row.client, row.answer);
    EXPECT_EQ(plan.head.version, row.version) << row.what;
    EXPECT_EQ(plan.head.chunking, row.chunking) << row.what;
    EXPECT_EQ(plan.chunked, row.chunked) << row.what;
    EXPECT_EQ(plan.head.keep_alive, row.keep_alive) << row.what;
    EXPECT_EQ(plan.header_only, row.header_only) << row.what;
    EXPECT_TRUE(plan.head.set_cookie.empty()) << row.what;
  }
}

}  // namespace
}  // namespace cutover::http
