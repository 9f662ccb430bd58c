#pragma once

// Makes the kernel maps equal to a desired state, writing only differences, in an order that never
// lets connect4 see a service whose backends are missing, nor a connection pass that neither the
// old nor the new authorizations let pass:
//   1. weir_config (proxy address, default verdict);
//   2. authorization entries that narrow (DENY, PROXY), then those that widen (ALLOW) — so a
//      policy moving from client A to client B never admits both — all before the workloads and
//      backends they are about, so a new client or server is never seen without its entries;
//   3. workloads; backends before the services that count them; stale services, then backends;
//   4. stale authorization entries last: until then a lookup finds the old, explicit verdict
//      rather than falling back to a wider one.

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
  int authz = -1;
  int skipOut = -1;
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

  // Applies the differences between the last applied state and `desired`. With `touched`, only
  // the keys it lists are compared (the caller vouches that no other entry changed), so the
  // cost follows the change.
  Result<ApplyStats> apply(const state::DesiredState& desired,
                           const state::Touched* touched = nullptr);

  // The names behind the last applied state, for metric labels. Safe from any thread.
  std::shared_ptr<const state::Names> applied() const;

 private:
  MapFds fds_;
  kmaps::MapSync<uint64_t, weir_workload> workloads_;
  kmaps::MapSync<weir_svc_key, weir_svc> services_;
  kmaps::MapSync<weir_backend_key, weir_backend> backends_;
  kmaps::MapSync<weir_authz_key, weir_authz> authz_;
  kmaps::MapSync<weir_skip_key, weir_skip> skipOut_;
  mutable std::mutex mutex_;
  std::shared_ptr<const state::Names> applied_;
};

}  // namespace weir::agent::sync
