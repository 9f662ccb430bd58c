#include "control/kube/backoff.h"

#include <algorithm>

namespace weir::control::kube {

Backoff::Backoff(BackoffPolicy policy, uint64_t seed)
    : policy_(policy), base_(policy.initial), rng_(seed) {}

std::chrono::milliseconds Backoff::next() {
  std::uniform_real_distribution<double> stretch(1.0, 1.0 + std::max(policy_.jitter, 0.0));
  auto delay = std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(base_.count()) * stretch(rng_)));
  base_ = std::min(base_ * 2, policy_.max);
  return std::min(delay, policy_.max);
}

}  // namespace weir::control::kube
