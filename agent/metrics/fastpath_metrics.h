#pragma once

// The agent's /metrics: the kernel fast path's counters, and Linkerd's tcp_* series for
// connections that never reach a proxy, labelled with the workloads and services they belong to.

#include <atomic>
#include <cstdint>
#include <string>

#include "agent/state/desired_state.h"

namespace weir::agent::metrics {

struct MapFds {
  int counters = -1;
  int svcStats = -1;
  int traffic = -1;
  int conns = -1;
};

struct AgentCounters {
  std::atomic<uint64_t> reloadsOk{0};
  std::atomic<uint64_t> reloadsRejected{0};
  std::atomic<uint64_t> mapUpdates{0};
  std::atomic<uint64_t> mapDeletes{0};
};

// Renders Prometheus text from the live maps. `names` resolves cgroup ids and service addresses.
std::string render(const MapFds& fds, const state::Names& names,
                   const AgentCounters& counters);

}  // namespace weir::agent::metrics
