// Endpoint lifecycle: updates, draining, handles, connect backoff.

#include "userspace-proxy/balance/balancer.h"

#include <gtest/gtest.h>

#include "tests/unit/userspace-proxy/balance/balance_test_util.h"

namespace weir::proxy::balance {
namespace {

using namespace fixture;

constexpr Algorithm kAllAlgorithms[] = {Algorithm::kEwma, Algorithm::kP2c, Algorithm::kRoundRobin};

TEST(BalancerLifecycleTest, RemovedEndpointDrainsThenIsFreed) {
  Balancer lb(Algorithm::kRoundRobin, 1);
  update(lb, {spec(1), spec(2)});
  const std::optional<Pick> inFlight = lb.pick(kT0);
  ASSERT_EQ(host(inFlight), 1);

  update(lb, {spec(2)});
  EXPECT_EQ(lb.size(), 1U);
  EXPECT_EQ(lb.draining(), 1U);
  ASSERT_TRUE(lb.contains(inFlight->handle));
  EXPECT_TRUE(lb.stats(inFlight->handle)->draining);
  EXPECT_EQ(lb.stats(inFlight->handle)->pending, 1U);

  std::map<uint8_t, int> counts = pickAndAbandon(lb, 100);
  EXPECT_EQ(counts[1], 0);
  EXPECT_EQ(counts[2], 100);

  lb.finish(inFlight->handle, 5ms, kT0 + 5ms);
  EXPECT_FALSE(lb.contains(inFlight->handle));
  EXPECT_EQ(lb.draining(), 0U);
  EXPECT_FALSE(lb.stats(addr(1)));
}

TEST(BalancerLifecycleTest, RemovedIdleEndpointIsFreedAtOnce) {
  Balancer lb(Algorithm::kEwma, 1);
  update(lb, {spec(1), spec(2)});
  update(lb, {spec(2)});
  EXPECT_EQ(lb.draining(), 0U);
  EXPECT_FALSE(lb.stats(addr(1)));
  EXPECT_TRUE(lb.stats(addr(2)));
}

TEST(BalancerLifecycleTest, DrainingEndpointAddedBackKeepsItsRequestsAndStats) {
  Balancer lb(Algorithm::kRoundRobin, 1);
  update(lb, {spec(1), spec(2)});
  const std::optional<Pick> done = lb.pick(kT0);
  ASSERT_EQ(host(done), 1);
  lb.finish(done->handle, 4ms, kT0 + 4ms);
  const std::optional<Pick> other = lb.pick(kT0);
  lb.abandon(other->handle);
  const std::optional<Pick> inFlight = lb.pick(kT0);
  ASSERT_EQ(host(inFlight), 1);

  update(lb, {spec(2)});
  ASSERT_EQ(lb.draining(), 1U);
  update(lb, {spec(2), spec(1)});
  EXPECT_EQ(lb.draining(), 0U);
  EXPECT_EQ(lb.size(), 2U);
  ASSERT_TRUE(lb.contains(inFlight->handle));
  EXPECT_EQ(lb.stats(addr(1))->pending, 1U);
  EXPECT_DOUBLE_EQ(lb.stats(addr(1))->ewmaNs, 4e6);

  lb.finish(inFlight->handle, 4ms, kT0 + 10ms);
  EXPECT_TRUE(lb.contains(inFlight->handle));  // current again: not freed at zero in flight
  EXPECT_EQ(lb.stats(addr(1))->pending, 0U);
}

TEST(BalancerLifecycleTest, UpdateKeepsStatsForUnchangedEndpoints) {
  Balancer lb(Algorithm::kRoundRobin, 1);
  update(lb, {spec(1), spec(2)});
  const std::optional<Pick> one = lb.pick(kT0);
  const std::optional<Pick> two = lb.pick(kT0);
  ASSERT_EQ(host(one), 1);
  ASSERT_EQ(host(two), 2);
  lb.finish(one->handle, 5ms, kT0 + 5ms);
  lb.connectFailed(two->handle, kT0);
  lb.abandon(two->handle);
  const std::optional<Pick> held = lb.pick(kT0 + 5ms);
  ASSERT_EQ(host(held), 1);

  // Host 1 stays with a new weight, host 2 goes, host 3 arrives.
  update(lb, {spec(1, 5), spec(3)}, kT0 + 6ms);
  const std::optional<EndpointStats> kept = lb.stats(addr(1));
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->sampled);
  EXPECT_DOUBLE_EQ(kept->ewmaNs, 5e6);
  EXPECT_EQ(kept->weight, 5U);
  EXPECT_EQ(kept->pending, 1U);
  const std::optional<EndpointStats> fresh = lb.stats(addr(3));
  ASSERT_TRUE(fresh);
  EXPECT_FALSE(fresh->sampled);
  EXPECT_DOUBLE_EQ(fresh->ewmaNs, 30e6);  // the default RTT
  EXPECT_FALSE(lb.stats(addr(2)));

  // The handle taken before the update still ends its request.
  lb.finish(held->handle, 5ms, kT0 + 10ms);
  EXPECT_EQ(lb.stats(addr(1))->pending, 0U);

  // Host 2 comes back as a new endpoint: it was freed, so its backoff is gone.
  update(lb, {spec(1, 5), spec(3), spec(2)}, kT0 + 11ms);
  EXPECT_EQ(lb.stats(addr(2))->failures, 0U);
}

TEST(BalancerLifecycleTest, RepeatedAddressKeepsTheFirstEntry) {
  Balancer lb(Algorithm::kRoundRobin, 1);
  update(lb, {spec(1, 2), spec(2), spec(1, 0)});
  EXPECT_EQ(lb.size(), 2U);
  EXPECT_EQ(lb.stats(addr(1))->weight, 2U);
}

TEST(BalancerLifecycleTest, FreedHandleIsIgnoredAfterItsSlotIsReused) {
  Balancer lb(Algorithm::kRoundRobin, 1);
  update(lb, {spec(1)});
  const std::optional<Pick> old = lb.pick(kT0);
  ASSERT_TRUE(old);
  update(lb, {});
  lb.abandon(old->handle);  // drained: freed
  update(lb, {spec(9)});
  const std::optional<Pick> current = lb.pick(kT0);
  ASSERT_EQ(host(current), 9);
  ASSERT_EQ(current->handle.index, old->handle.index);  // same slot, new generation

  EXPECT_FALSE(lb.contains(old->handle));
  lb.finish(old->handle, 1ms, kT0);
  lb.abandon(old->handle);
  lb.connectFailed(old->handle, kT0);
  const std::optional<EndpointStats> stats = lb.stats(addr(9));
  EXPECT_EQ(stats->pending, 1U);
  EXPECT_EQ(stats->failures, 0U);
  EXPECT_FALSE(stats->sampled);
}

TEST(BalancerLifecycleTest, ConnectBackoffDoublesUpToTheCapWithJitter) {
  struct Case {
    uint32_t failures;
    std::chrono::nanoseconds delay;  // before jitter; jitter adds up to 10 %
  };
  const Case cases[] = {{1, 100ms}, {2, 200ms}, {3, 400ms}, {4, 500ms}, {5, 500ms}, {20, 500ms}};
  Balancer lb(Algorithm::kEwma, 3);
  update(lb, {spec(1)});
  TimePoint now = kT0;
  uint32_t failures = 0;
  for (const Case& c : cases) {
    while (failures < c.failures) {
      const std::optional<Pick> probe = lb.pick(now);
      ASSERT_TRUE(probe) << c.failures;
      lb.connectFailed(probe->handle, now);
      lb.abandon(probe->handle);
      ++failures;
      const std::optional<EndpointStats> stats = lb.stats(addr(1));
      ASSERT_EQ(stats->failures, failures);
      if (failures == c.failures) {
        EXPECT_GE(stats->retryAt - now, c.delay) << c.failures;
        EXPECT_LE(stats->retryAt - now, c.delay + c.delay / 10) << c.failures;
      }
      now = stats->retryAt;
    }
  }
}

TEST(BalancerLifecycleTest, RefusingEndpointIsSkippedThenProbedOnceThenResetByConnected) {
  Balancer lb(Algorithm::kRoundRobin, 1);
  update(lb, {spec(1), spec(2)});
  const std::optional<Pick> refused = lb.pick(kT0);
  ASSERT_EQ(host(refused), 1);
  lb.connectFailed(refused->handle, kT0);
  lb.abandon(refused->handle);

  // First backoff: 100 ms plus up to 10 % jitter.
  EXPECT_EQ(pickAndAbandon(lb, 10, kT0)[2], 10);
  EXPECT_EQ(pickAndAbandon(lb, 10, kT0 + 99ms)[2], 10);

  // Its time has come: one probe, and no more while it is out.
  TimePoint now = kT0 + 111ms;
  std::optional<Pick> probe = lb.pick(now);
  if (host(probe) == 2) {
    lb.abandon(probe->handle);
    probe = lb.pick(now);
  }
  ASSERT_EQ(host(probe), 1);
  EXPECT_EQ(pickAndAbandon(lb, 10, now)[2], 10);

  // The probe is refused too: the backoff doubles.
  lb.connectFailed(probe->handle, now);
  lb.abandon(probe->handle);
  EXPECT_EQ(lb.stats(addr(1))->failures, 2U);
  EXPECT_EQ(pickAndAbandon(lb, 10, now + 199ms)[2], 10);

  now += 221ms;
  probe = lb.pick(now);
  if (host(probe) == 2) {
    lb.abandon(probe->handle);
    probe = lb.pick(now);
  }
  ASSERT_EQ(host(probe), 1);
  lb.connected(probe->handle);
  lb.finish(probe->handle, 1ms, now + 1ms);
  EXPECT_EQ(lb.stats(addr(1))->failures, 0U);
  std::map<uint8_t, int> counts = pickAndAbandon(lb, 10, now + 1ms);
  EXPECT_EQ(counts[1], 5);
  EXPECT_EQ(counts[2], 5);
}

TEST(BalancerLifecycleTest, AllInBackoffPicksNothingUntilTheirTimeComes) {
  for (Algorithm algorithm : kAllAlgorithms) {
    Balancer lb(algorithm, 11);
    update(lb, {spec(1), spec(2)});
    for (int i = 0; i < 2; ++i) {  // a refused endpoint is not picked again: this hits both
      const std::optional<Pick> pick = lb.pick(kT0);
      ASSERT_TRUE(pick) << algorithmName(algorithm);
      lb.connectFailed(pick->handle, kT0);
      lb.abandon(pick->handle);
    }
    EXPECT_FALSE(lb.pick(kT0)) << algorithmName(algorithm);
    EXPECT_FALSE(lb.pick(kT0 + 99ms)) << algorithmName(algorithm);

    // Both are due: one probe each, then nothing until a probe ends.
    const TimePoint due = kT0 + 111ms;
    const std::optional<Pick> first = lb.pick(due);
    const std::optional<Pick> second = lb.pick(due);
    ASSERT_TRUE(first && second) << algorithmName(algorithm);
    EXPECT_NE(host(first), host(second)) << algorithmName(algorithm);
    EXPECT_FALSE(lb.pick(due)) << algorithmName(algorithm);
  }
}

}  // namespace
}  // namespace weir::proxy::balance
