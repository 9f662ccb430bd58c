#pragma once

// The current configuration model, versioned. Sources (the config directory, Kubernetes) publish
// whole valid models; every NodeSync stream waits here for a version newer than the one it sent.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "common/config/model.h"

namespace weir::control::nodesync {

struct Published {
  uint64_t version = 0;  // 0: nothing published yet
  std::shared_ptr<const config::Model> model;
};

class Publisher {
 public:
  void publish(config::Model model);
  Published current() const;
  // Returns the current model once its version is newer than `seen`, or after `timeout` (then
  // possibly with the same version). Streams use the timeout to notice cancellation.
  Published awaitNewer(uint64_t seen, std::chrono::milliseconds timeout) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Published current_;
};

}  // namespace weir::control::nodesync
