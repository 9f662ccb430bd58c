#include "userspace-proxy/balance/peak_ewma.h"

#include <gtest/gtest.h>

#include <cmath>

namespace weir::proxy::balance {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::nanoseconds kDecay = 10s;
const PeakEwma::TimePoint kT0 = PeakEwma::TimePoint{} + 1000s;

constexpr double ms(double v) { return v * 1e6; }

TEST(PeakEwmaTest, StartsAtTheDefaultUnsampled) {
  const PeakEwma ewma(30ms, kT0);
  EXPECT_FALSE(ewma.sampled());
  EXPECT_DOUBLE_EQ(ewma.valueNs(), ms(30));
  EXPECT_DOUBLE_EQ(ewma.estimateNs(kT0, kDecay), ms(30));
}

TEST(PeakEwmaTest, Samples) {
  struct Case {
    const char* name;
    std::chrono::nanoseconds first;    // the first sample, at kT0
    std::chrono::nanoseconds elapsed;  // until the second sample
    std::chrono::nanoseconds second;
    double expectedNs;
  };
  const double keep = std::exp(-1.0);  // elapsed == decay
  const Case cases[] = {
      {"first sample replaces the default even when lower", 1ms, 0s, 1ms, ms(1)},
      {"higher sample is taken at once (peak)", 5ms, 0s, 50ms, ms(50)},
      {"higher sample is taken at once after a while", 5ms, 20s, 6ms, ms(6)},
      {"lower sample with no elapsed time changes nothing", 10ms, 0s, 1ms, ms(10)},
      {"lower sample blends by exp(-elapsed/decay)", 10ms, 10s, 1ms,
       ms(10) * keep + ms(1) * (1 - keep)},
      {"lower sample long after mostly replaces", 10ms, 100s, 1ms, ms(1) + ms(9) * std::exp(-10.0)},
      {"equal sample keeps the value", 7ms, 3s, 7ms, ms(7)},
  };
  for (const Case& c : cases) {
    PeakEwma ewma(30ms, kT0);
    ewma.observe(c.first, kT0, kDecay);
    ewma.observe(c.second, kT0 + c.elapsed, kDecay);
    EXPECT_TRUE(ewma.sampled()) << c.name;
    EXPECT_NEAR(ewma.valueNs(), c.expectedNs, 1.0) << c.name;
  }
}

TEST(PeakEwmaTest, EstimateDecaysTowardZeroWhileIdle) {
  PeakEwma ewma(30ms, kT0);
  ewma.observe(10ms, kT0, kDecay);
  EXPECT_DOUBLE_EQ(ewma.estimateNs(kT0, kDecay), ms(10));
  EXPECT_NEAR(ewma.estimateNs(kT0 + 10s, kDecay), ms(10) * std::exp(-1.0), 1.0);
  EXPECT_NEAR(ewma.estimateNs(kT0 + 50s, kDecay), ms(10) * std::exp(-5.0), 1.0);
  // Reading does not change the stored value.
  EXPECT_DOUBLE_EQ(ewma.valueNs(), ms(10));
}

TEST(PeakEwmaTest, DefaultDecaysTooSoAnUntriedEndpointIsEventuallyCheap) {
  const PeakEwma ewma(30ms, kT0);
  EXPECT_LT(ewma.estimateNs(kT0 + 35s, kDecay), ms(1));
}

TEST(PeakEwmaTest, ClockGoingBackwardsNeitherDecaysNorRewinds) {
  PeakEwma ewma(30ms, kT0);
  ewma.observe(10ms, kT0, kDecay);
  EXPECT_DOUBLE_EQ(ewma.estimateNs(kT0 - 5s, kDecay), ms(10));
  ewma.observe(2ms, kT0 - 5s, kDecay);  // treated as no elapsed time
  EXPECT_DOUBLE_EQ(ewma.valueNs(), ms(10));
  EXPECT_NEAR(ewma.estimateNs(kT0 + 10s, kDecay), ms(10) * std::exp(-1.0), 1.0);
}

}  // namespace
}  // namespace weir::proxy::balance
