#pragma once

// Shared fixtures for the balancer tests: addresses, a fixed start time, and pick counting.

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

#include "userspace-proxy/balance/balancer.h"

namespace weir::proxy::balance::fixture {

using namespace std::chrono_literals;

// 10.0.0.<host>:8080, ip4 in network byte order.
inline Address addr(uint8_t host) {
  const uint32_t hostOrder = (10U << 24) | host;
  return Address{__builtin_bswap32(hostOrder), 8080};
}

inline EndpointSpec spec(uint8_t host, uint32_t weight = 1) { return {addr(host), weight}; }

inline const TimePoint kT0 = TimePoint{} + 1000s;

inline void update(Balancer& lb, const std::vector<EndpointSpec>& endpoints, TimePoint now = kT0) {
  lb.update(endpoints, now);
}

// Last octet of the picked address, or 0 for nullopt.
inline uint8_t host(const std::optional<Pick>& pick) {
  return pick ? static_cast<uint8_t>(__builtin_bswap32(pick->addr.ip4) & 0xff) : 0;
}

// Picks n times at `now`, abandoning each request at once; returns picks per host (0 = nullopt).
inline std::map<uint8_t, int> pickAndAbandon(Balancer& lb, int n, TimePoint now = kT0) {
  std::map<uint8_t, int> counts;
  for (int i = 0; i < n; ++i) {
    const std::optional<Pick> pick = lb.pick(now);
    ++counts[host(pick)];
    if (pick) {
      lb.abandon(pick->handle);
    }
  }
  return counts;
}

}  // namespace weir::proxy::balance::fixture
