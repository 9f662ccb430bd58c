#pragma once

// Delays between attempts to re-open a stream: initial, doubling up to max, each stretched by up
// to 20 % so the streams of many authorities do not retry in step after an outage.

#include <chrono>
#include <cstdint>
#include <random>

namespace weir::proxy::discovery {

struct BackoffPolicy {
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds max{5000};
};

class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy);

  // The delay before the next attempt (never above max); the one after it is twice as long.
  std::chrono::milliseconds next();
  // After a success: the next delay is `initial` again.
  void reset() { base_ = policy_.initial; }

 private:
  BackoffPolicy policy_;
  std::chrono::milliseconds base_;
  std::minstd_rand rng_;  // small: there are two per authority
};

}  // namespace weir::proxy::discovery
