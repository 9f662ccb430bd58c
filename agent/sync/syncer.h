#pragma once

// Makes the kernel maps equal to a desired state, writing only differences, in an order that never
// lets connect4 see a service whose backends are missing.

#include <memory>
#include <mutex>

#include "agent/kmaps/map_sync.h"
#include "agent/state/desired_state.h"
#include "common/base/result.h"

namespace weir::agent::sync {

struct MapFds {
  int config = -1;
  int workloads = -1;
  int services = -1;
  int backends = -1;
  int svcStats = -1;
};

struct ApplyStats {
  size_t updated = 0;
  size_t deleted = 0;
  size_t unchanged = 0;
};

class Syncer {
 public:
  explicit Syncer(const MapFds& fds);

  // Reads what the kernel maps hold now (pinned state from an earlier agent) as the baseline.
  Status adopt();

  // Applies the differences between the last applied state and `desired`.
  Result<ApplyStats> apply(const state::DesiredState& desired);

  // The names behind the last applied state, for metric labels. Safe from any thread.
  std::shared_ptr<const state::DesiredState> applied() const;

 private:
  MapFds fds_;
  kmaps::MapSync<uint64_t, weir_workload> workloads_;
  kmaps::MapSync<weir_svc_key, weir_svc> services_;
  kmaps::MapSync<weir_backend_key, weir_backend> backends_;
  mutable std::mutex mutex_;
  std::shared_ptr<const state::DesiredState> applied_;
};

}  // namespace weir::agent::sync
