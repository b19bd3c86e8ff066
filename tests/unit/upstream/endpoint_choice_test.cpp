// Round robin over a backend's endpoints, per backend, restarted by a new config.
#include "cutover/upstream/endpoint_choice.hpp"

#include <gtest/gtest.h>

namespace cutover::upstream {
namespace {

TEST(RoundRobin, EachBackendCyclesThroughItsEndpointsOnItsOwn) {
  RoundRobin choice;
  choice.reset(2);
  EXPECT_EQ(choice.next(0, 3), 0u);
  EXPECT_EQ(choice.next(0, 3), 1u);
  EXPECT_EQ(choice.next(1, 2), 0u) << "another backend has a cursor of its own";
  EXPECT_EQ(choice.next(0, 3), 2u);
  EXPECT_EQ(choice.next(0, 3), 0u);
  EXPECT_EQ(choice.next(1, 2), 1u);
}

TEST(RoundRobin, OneEndpointAnUnknownBackendAndAResetStartAtTheFirst) {
  RoundRobin choice;
  EXPECT_EQ(choice.next(0, 3), 0u) << "before any config";
  choice.reset(1);
  EXPECT_EQ(choice.next(0, 1), 0u);
  EXPECT_EQ(choice.next(0, 1), 0u);
  EXPECT_EQ(choice.next(5, 4), 0u) << "a backend the config does not have";
  EXPECT_EQ(choice.next(0, 2), 0u);
  EXPECT_EQ(choice.next(0, 2), 1u);
  choice.reset(1);
  EXPECT_EQ(choice.next(0, 2), 0u);
}

}  // namespace
}  // namespace cutover::upstream
