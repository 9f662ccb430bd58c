#pragma once

// What the kernel maps of one node should hold, plus the names the metrics need. Produced by a
// source (the config directory today, the control plane's NodeSync later), applied by the syncer.

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/kmaps/map_sync.h"
#include "common/bpfabi/abi.h"

namespace weir::agent::state {

struct WorkloadMeta {
  std::string ns;
  std::string name;
  std::string identity;
  uint32_t ip4 = 0;  // network order; 0 when it has no address
  // The node proxy's outbound pools for this workload (0: the proxy's defaults).
  uint32_t maxIdleConnsPerHost = 0;
  uint32_t maxRequestsPerConnection = 0;

  bool operator==(const WorkloadMeta&) const = default;
};

struct ServiceMeta {
  std::string ns;
  std::string name;
  uint16_t port = 0;

  bool operator==(const ServiceMeta&) const = default;
};

using ServiceAddr = std::pair<uint32_t, uint16_t>;  // VIP (network order), port (host order)

struct DesiredState {
  weir_config config{};
  kmaps::Entries<uint64_t, weir_workload> workloads;  // by cgroup id
  kmaps::Entries<weir_svc_key, weir_svc> services;
  kmaps::Entries<weir_backend_key, weir_backend> backends;
  kmaps::Entries<weir_authz_key, weir_authz> authz;  // the node's L4 authorizations, expanded
  kmaps::Entries<weir_skip_key, weir_skip> skipOut;  // skip-outbound-ports, one entry per port
  std::map<uint64_t, WorkloadMeta> workloadMeta;  // by cgroup id
  std::map<ServiceAddr, ServiceMeta> serviceMeta;
};

// The keys a change may have altered, present or gone (state/view_compiler.h). Authorizations
// are always compared whole: a node has few.
struct Touched {
  std::vector<weir_svc_key> services;
  std::vector<weir_backend_key> backends;
};

// The names behind the maps, for metric labels: what outlives a version in the syncer.
struct Names {
  std::map<uint64_t, WorkloadMeta> workloadMeta;  // by cgroup id
  std::map<ServiceAddr, ServiceMeta> serviceMeta;

  bool operator==(const Names&) const = default;
};

}  // namespace weir::agent::state
