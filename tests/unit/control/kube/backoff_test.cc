#include "control/kube/backoff.h"

#include <gtest/gtest.h>

namespace weir::control::kube {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesFromInitialToMaxWithoutJitter) {
  Backoff b({milliseconds(200), milliseconds(1000), 0.0});
  EXPECT_EQ(b.next(), milliseconds(200));
  EXPECT_EQ(b.next(), milliseconds(400));
  EXPECT_EQ(b.next(), milliseconds(800));
  EXPECT_EQ(b.next(), milliseconds(1000));
  EXPECT_EQ(b.next(), milliseconds(1000));
}

TEST(Backoff, ResetStartsOver) {
  Backoff b({milliseconds(200), milliseconds(30'000), 0.0});
  (void)b.next();
  (void)b.next();
  b.reset();
  EXPECT_EQ(b.next(), milliseconds(200));
}

TEST(Backoff, JitterStretchesWithinBoundsAndNeverPassesMax) {
  constexpr int64_t kMax = 30'000;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Backoff b({milliseconds(200), milliseconds(kMax), 0.2}, seed);
    int64_t base = 200;
    for (int i = 0; i < 12; ++i) {
      int64_t d = b.next().count();
      EXPECT_GE(d, std::min(base, kMax)) << "seed " << seed << " step " << i;
      EXPECT_LE(d, std::min(base * 12 / 10, kMax)) << "seed " << seed << " step " << i;
      base = std::min(base * 2, kMax);
    }
  }
}

}  // namespace
}  // namespace weir::control::kube
