// How each algorithm distributes requests: latency skew, load skew, weights, degenerate sets.

#include "userspace-proxy/balance/balancer.h"

#include <gtest/gtest.h>

#include "tests/unit/userspace-proxy/balance/balance_test_util.h"

namespace weir::proxy::balance {
namespace {

using namespace fixture;

constexpr Algorithm kAllAlgorithms[] = {Algorithm::kEwma, Algorithm::kP2c, Algorithm::kRoundRobin};
constexpr uint64_t kSeeds[] = {1, 2, 3, 42, 0xdeadbeef};

// Host 1 answers in 1 ms, host 2 in 10 ms.
std::chrono::nanoseconds latencyOf(uint8_t host) { return host == 1 ? 1ms : 10ms; }

TEST(BalancerPickTest, SkewedLatency) {
  struct Case {
    const char* name;
    Algorithm algorithm;
    int minFast;  // of kRequests sequential requests
    int maxFast;
  };
  constexpr int kRequests = 1000;
  const Case cases[] = {
      {"ewma sends nearly all to the fast endpoint", Algorithm::kEwma, 950, kRequests},
      {"p2c ignores latency when nothing is pending", Algorithm::kP2c, 400, 600},
      {"round-robin is exactly even", Algorithm::kRoundRobin, kRequests / 2, kRequests / 2},
  };
  for (const Case& c : cases) {
    for (uint64_t seed : kSeeds) {
      Balancer lb(c.algorithm, seed);
      update(lb, {spec(1), spec(2)});
      // Warm-up: two concurrent requests, which every algorithm spreads over both endpoints, so
      // both have a latency sample.
      TimePoint now = kT0;
      const std::optional<Pick> first = lb.pick(now);
      const std::optional<Pick> second = lb.pick(now);
      ASSERT_TRUE(first && second) << c.name;
      ASSERT_NE(host(first), host(second)) << c.name;
      now += 10ms;
      lb.finish(first->handle, latencyOf(host(first)), now);
      lb.finish(second->handle, latencyOf(host(second)), now);

      int fast = 0;
      for (int i = 0; i < kRequests; ++i) {
        const std::optional<Pick> pick = lb.pick(now);
        ASSERT_TRUE(pick) << c.name;
        const std::chrono::nanoseconds latency = latencyOf(host(pick));
        now += latency;
        lb.finish(pick->handle, latency, now);
        fast += host(pick) == 1 ? 1 : 0;
      }
      EXPECT_GE(fast, c.minFast) << c.name << " seed=" << seed;
      EXPECT_LE(fast, c.maxFast) << c.name << " seed=" << seed;
    }
  }
}

TEST(BalancerPickTest, EwmaReprobesAnIdleSlowEndpointAfterItsEstimateDecays) {
  Balancer lb(Algorithm::kEwma, 7);
  update(lb, {spec(1), spec(2)});
  TimePoint now = kT0;
  const std::optional<Pick> first = lb.pick(now);
  const std::optional<Pick> second = lb.pick(now);
  ASSERT_TRUE(first && second);
  now += 10ms;
  lb.finish(first->handle, latencyOf(host(first)), now);
  lb.finish(second->handle, latencyOf(host(second)), now);

  // 10 ms decays below the fast endpoint's 1 ms after ln(10) * 10 s = 23 s of idleness.
  int slow = 0;
  const TimePoint end = now + 40s;
  while (now < end) {
    const std::optional<Pick> pick = lb.pick(now);
    ASSERT_TRUE(pick);
    const std::chrono::nanoseconds latency = latencyOf(host(pick));
    now += latency;
    lb.finish(pick->handle, latency, now);
    slow += host(pick) == 2 ? 1 : 0;
  }
  EXPECT_EQ(slow, 1);
}

TEST(BalancerPickTest, SkewedPending) {
  struct Case {
    const char* name;
    Algorithm algorithm;
    int expectedLoaded;  // picks of the loaded endpoint out of kRequests
  };
  constexpr int kRequests = 900;
  const Case cases[] = {
      {"ewma avoids the loaded endpoint", Algorithm::kEwma, 0},
      {"p2c avoids the loaded endpoint", Algorithm::kP2c, 0},
      {"round-robin ignores load", Algorithm::kRoundRobin, kRequests / 3},
  };
  for (const Case& c : cases) {
    for (uint64_t seed : kSeeds) {
      Balancer lb(c.algorithm, seed);
      // Host 1 alone first, so it takes 10 long-running requests; then hosts 2 and 3 join.
      update(lb, {spec(1)});
      for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(host(lb.pick(kT0)), 1) << c.name;
      }
      update(lb, {spec(1), spec(2), spec(3)});
      ASSERT_EQ(lb.stats(addr(1))->pending, 10U) << c.name;

      std::map<uint8_t, int> counts = pickAndAbandon(lb, kRequests);
      EXPECT_EQ(counts[1], c.expectedLoaded) << c.name << " seed=" << seed;
      EXPECT_EQ(counts[0], 0) << c.name;
      EXPECT_GT(counts[2], kRequests / 4) << c.name << " seed=" << seed;
      EXPECT_GT(counts[3], kRequests / 4) << c.name << " seed=" << seed;
    }
  }
}

TEST(BalancerPickTest, WeightsSplitTrafficForTwoChoicesAndAreIgnoredByRoundRobin) {
  struct Case {
    const char* name;
    Algorithm algorithm;
    int minLight;  // picks of the weight-1 endpoint (vs weight 3) out of kRequests
    int maxLight;
  };
  constexpr int kRequests = 4000;
  const Case cases[] = {
      {"ewma", Algorithm::kEwma, 880, 1120},
      {"p2c", Algorithm::kP2c, 880, 1120},
      {"round-robin", Algorithm::kRoundRobin, kRequests / 2, kRequests / 2},
  };
  for (const Case& c : cases) {
    Balancer lb(c.algorithm, 99);
    update(lb, {spec(1, 1), spec(2, 3)});
    std::map<uint8_t, int> counts = pickAndAbandon(lb, kRequests);
    EXPECT_GE(counts[1], c.minLight) << c.name;
    EXPECT_LE(counts[1], c.maxLight) << c.name;
    EXPECT_EQ(counts[1] + counts[2], kRequests) << c.name;
  }
}

TEST(BalancerPickTest, WeightZeroIsNeverPicked) {
  for (Algorithm algorithm : kAllAlgorithms) {
    Balancer lb(algorithm, 5);
    update(lb, {spec(1, 0), spec(2), spec(3)});
    EXPECT_EQ(lb.size(), 3U);
    std::map<uint8_t, int> counts = pickAndAbandon(lb, 1000);
    EXPECT_EQ(counts[1], 0) << algorithmName(algorithm);
    EXPECT_EQ(counts[2] + counts[3], 1000) << algorithmName(algorithm);
  }
}

TEST(BalancerPickTest, AllWeightZeroPicksNothing) {
  for (Algorithm algorithm : kAllAlgorithms) {
    Balancer lb(algorithm, 5);
    update(lb, {spec(1, 0), spec(2, 0)});
    EXPECT_EQ(lb.size(), 2U);
    EXPECT_FALSE(lb.pick(kT0)) << algorithmName(algorithm);
  }
}

TEST(BalancerPickTest, SingleEndpointTakesEverything) {
  for (Algorithm algorithm : kAllAlgorithms) {
    Balancer lb(algorithm, 5);
    update(lb, {spec(1)});
    for (int i = 0; i < 50; ++i) {  // held: pending grows, there is still no alternative
      ASSERT_EQ(host(lb.pick(kT0)), 1) << algorithmName(algorithm);
    }
    EXPECT_EQ(lb.stats(addr(1))->pending, 50U);
  }
}

TEST(BalancerPickTest, EmptySetPicksNothing) {
  for (Algorithm algorithm : kAllAlgorithms) {
    Balancer lb(algorithm, 5);
    EXPECT_FALSE(lb.pick(kT0)) << algorithmName(algorithm);
    update(lb, {spec(1)});
    update(lb, {});
    EXPECT_EQ(lb.size(), 0U);
    EXPECT_FALSE(lb.pick(kT0)) << algorithmName(algorithm);
  }
}

TEST(BalancerPickTest, RoundRobinCyclesInUpdateOrder) {
  Balancer lb(Algorithm::kRoundRobin, 5);
  update(lb, {spec(3), spec(1), spec(2)});
  std::vector<uint8_t> order;
  for (int i = 0; i < 6; ++i) {
    const std::optional<Pick> pick = lb.pick(kT0);
    order.push_back(host(pick));
    lb.abandon(pick->handle);
  }
  EXPECT_EQ(order, (std::vector<uint8_t>{3, 1, 2, 3, 1, 2}));
}

TEST(BalancerPickTest, SameSeedSamePicks) {
  for (Algorithm algorithm : {Algorithm::kEwma, Algorithm::kP2c}) {
    Balancer a(algorithm, 1234);
    Balancer b(algorithm, 1234);
    const std::vector<EndpointSpec> endpoints = {spec(1), spec(2), spec(3), spec(4), spec(5)};
    update(a, endpoints);
    update(b, endpoints);
    for (int i = 0; i < 200; ++i) {
      ASSERT_EQ(host(a.pick(kT0)), host(b.pick(kT0))) << algorithmName(algorithm);
    }
  }
}

}  // namespace
}  // namespace weir::proxy::balance
