#pragma once

// What the kernel maps of one node should hold, plus the names the metrics need. Produced by a
// source (the config directory today, the control plane's NodeSync later), applied by the syncer.

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "agent/kmaps/map_sync.h"
#include "common/bpfabi/abi.h"

namespace weir::agent::state {

struct WorkloadMeta {
  std::string ns;
  std::string name;
  std::string identity;
};

struct ServiceMeta {
  std::string ns;
  std::string name;
  uint16_t port = 0;
};

using ServiceAddr = std::pair<uint32_t, uint16_t>;  // VIP (network order), port (host order)

struct DesiredState {
  weir_config config{};
  kmaps::Entries<uint64_t, weir_workload> workloads;  // by cgroup id
  kmaps::Entries<weir_svc_key, weir_svc> services;
  kmaps::Entries<weir_backend_key, weir_backend> backends;
  std::map<uint64_t, WorkloadMeta> workloadMeta;  // by cgroup id
  std::map<ServiceAddr, ServiceMeta> serviceMeta;
};

}  // namespace weir::agent::state
