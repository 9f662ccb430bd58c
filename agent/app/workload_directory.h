#pragma once

// The node's workload directory for weir-proxy: which workload each meshed cgroup is (namespace,
// name, identity), written by the agent as JSON whenever the placed workloads change. The proxy
// learns a connection's source cgroup from the kernel (weir_orig_dst) and its names from here, to
// label every series with the workload it belongs to.
//
//   {"workloads": [{"cgroup_id": 1234, "namespace": "demo", "name": "web",
//                   "kind": "ExternalWorkload", "identity": "web.demo.serviceaccount...",
//                   "ip": "10.244.1.10"}]}

#include <map>
#include <string>

#include "agent/state/desired_state.h"
#include "common/base/result.h"

namespace weir::agent::app {

std::string renderWorkloadDirectory(const std::map<uint64_t, state::WorkloadMeta>& workloads);

// Replaces the file atomically (a temporary file renamed over it), so a reader sees the old
// directory or the new one, never half of one.
Status writeWorkloadDirectory(const std::string& path,
                              const std::map<uint64_t, state::WorkloadMeta>& workloads);

}  // namespace weir::agent::app
