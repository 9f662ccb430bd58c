#include "userspace-proxy/discovery/backoff.h"

#include <algorithm>
#include <atomic>

namespace weir::proxy::discovery {

namespace {

constexpr double kJitter = 0.2;

// Distinct seeds for the many Backoffs of one process.
uint32_t nextSeed() {
  static std::atomic<uint32_t> counter{std::random_device{}()};
  return counter.fetch_add(0x9E3779B9u, std::memory_order_relaxed);
}

}  // namespace

Backoff::Backoff(BackoffPolicy policy)
    : policy_(policy), base_(policy.initial), rng_(nextSeed()) {}

std::chrono::milliseconds Backoff::next() {
  std::uniform_real_distribution<double> stretch(1.0, 1.0 + kJitter);
  auto delay = std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(base_.count()) * stretch(rng_)));
  base_ = std::min(base_ * 2, policy_.max);
  return std::min(delay, policy_.max);
}

}  // namespace weir::proxy::discovery
