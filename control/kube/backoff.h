#pragma once

// Exponential backoff with jitter for retrying the API server: initial, doubling to max, each
// delay stretched by a random fraction so many watchers do not retry in step.

#include <chrono>
#include <cstdint>
#include <random>

namespace weir::control::kube {

struct BackoffPolicy {
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds max{30'000};
  double jitter = 0.2;  // each delay is base * [1, 1 + jitter), never above max
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy, uint64_t seed = std::random_device{}());

  // The delay before the next attempt; the one after it is twice as long (up to max).
  std::chrono::milliseconds next();
  // After a success: the next delay is `initial` again.
  void reset() { base_ = policy_.initial; }

 private:
  BackoffPolicy policy_;
  std::chrono::milliseconds base_;
  std::mt19937_64 rng_;
};

}  // namespace weir::control::kube
