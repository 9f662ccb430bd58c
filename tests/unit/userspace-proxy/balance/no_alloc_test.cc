// The per-request calls (pick, finish, abandon, connected, connectFailed) never allocate; only
// update() may. Counted by replacing the global operator new for this test binary.

#include "userspace-proxy/balance/balancer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "tests/unit/userspace-proxy/balance/balance_test_util.h"

namespace {

long gAllocations = 0;  // the tests are single-threaded

}  // namespace

void* operator new(std::size_t size) {
  ++gAllocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  std::abort();
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace weir::proxy::balance {
namespace {

using namespace fixture;

TEST(BalancerNoAllocTest, PerRequestCallsDoNotAllocate) {
  for (Algorithm algorithm : {Algorithm::kEwma, Algorithm::kP2c, Algorithm::kRoundRobin}) {
    Balancer lb(algorithm, 17);
    std::vector<EndpointSpec> endpoints;
    for (uint8_t h = 1; h <= 64; ++h) {
      endpoints.push_back(spec(h, h % 4));  // some weight 0
    }
    update(lb, endpoints);
    std::vector<Pick> held;
    held.reserve(256);

    const long before = gAllocations;
    TimePoint now = kT0;
    for (int i = 0; i < 20000; ++i) {
      now += 100us;
      const std::optional<Pick> pick = lb.pick(now);
      if (!pick) {
        continue;
      }
      if (i % 50 == 0) {
        lb.connectFailed(pick->handle, now);
        lb.abandon(pick->handle);
      } else if (i % 7 == 0 && held.size() < held.capacity()) {
        lb.connected(pick->handle);
        held.push_back(*pick);
      } else {
        lb.finish(pick->handle, std::chrono::microseconds(100 + i % 900), now);
      }
    }
    const long duringRequests = gAllocations - before;

    // Drop most endpoints while requests are held: they drain, and ending those requests frees
    // the slots without allocating.
    endpoints.resize(8);
    update(lb, endpoints, now);
    const long beforeDrain = gAllocations;
    for (const Pick& pick : held) {
      lb.finish(pick.handle, 1ms, now);
    }
    const long duringDrain = gAllocations - beforeDrain;

    EXPECT_EQ(duringRequests, 0) << algorithmName(algorithm);
    EXPECT_EQ(duringDrain, 0) << algorithmName(algorithm);
    EXPECT_EQ(lb.draining(), 0U) << algorithmName(algorithm);
  }
}

}  // namespace
}  // namespace weir::proxy::balance
