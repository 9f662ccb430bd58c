#include "control/nodesync/publisher.h"

namespace weir::control::nodesync {

void Publisher::publish(config::Model model) {
  auto shared = std::make_shared<const config::Model>(std::move(model));
  {
    std::lock_guard lock(mutex_);
    current_.version += 1;
    current_.model = std::move(shared);
  }
  changed_.notify_all();
}

Published Publisher::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

Published Publisher::awaitNewer(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return current_.version > seen; });
  return current_;
}

}  // namespace weir::control::nodesync
