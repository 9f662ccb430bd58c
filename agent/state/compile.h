#pragma once

// Compiles one node's plan (common/mesh/node_plan.h) into its desired kernel state: which cgroups
// are meshed, each service port's endpoints in slots with cumulative weights, each port's
// verdict (kernel fast path, or the node proxy), and the L4 authorizations between the node's
// workloads with the default verdict.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/state/desired_state.h"
#include "common/base/result.h"
#include "common/config/diagnostic.h"
#include "common/config/model.h"
#include "common/mesh/node_plan.h"

namespace weir::agent::state {

struct CompileOptions {
  std::string node;        // this node's name; workloads with another weir.io/node are remote
  std::string cgroupRoot;  // weir.io/cgroup paths are relative to it
  uint32_t proxyIp4 = 0;   // node proxy outbound listener (network order); 0 = no proxy
  uint16_t proxyPort = 0;
  uint64_t proxyCgroupId = 0;  // the node proxy's cgroup; 0 = unknown
  // Where other nodes reach the node proxy's inbound listener (network order, host order); sent
  // to weir-control, which tells other nodes' proxies. 0 = not reachable from elsewhere.
  uint32_t proxyInboundIp4 = 0;
  uint16_t proxyInboundPort = 0;
};

// Maps an absolute cgroup directory to its cgroup id (a seam so unit tests need no cgroupfs).
using CgroupResolver = std::function<Result<uint64_t>(const std::string& path)>;

struct CompileResult {
  DesiredState state;
  std::map<std::string, uint64_t> cgroupOf;  // by workload id: the cgroups of the node's workloads
  std::map<std::string, std::vector<uint64_t>> cgroupsOfIdentity;  // the same, by identity
  std::vector<config::Diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

CompileResult compilePlan(const mesh::NodePlan& plan, const CompileOptions& options,
                      const CgroupResolver& resolveCgroup);

// One service port's entries into `state` (its backends in slots, its service entry, its names),
// with local endpoints found in `cgroupOf`; or why it cannot be. The port's old entries must have
// been removed (removePort) when it had more endpoints before.
std::optional<config::Diagnostic> compilePort(const mesh::PlanServicePort& port,
                                              const std::map<std::string, uint64_t>& cgroupOf,
                                              const CompileOptions& options, DesiredState& state);
void removePort(uint32_t vip4, uint16_t port, DesiredState& state);

// The node's L4 authorizations as weir_authz entries: the server by its workload's cgroup, the
// client identity by the cgroups of the node's workloads that have it (0 for the port's entry
// for every other client). Replaces state.authz. An identity no workload of the node has gives
// no entry; an authorization of a workload without a cgroup here is an error.
std::vector<config::Diagnostic> compileAuthorizations(
    const std::vector<mesh::PlanAuthorization>& authorizations,
    const std::map<std::string, uint64_t>& cgroupOf,
    const std::map<std::string, std::vector<uint64_t>>& cgroupsOfIdentity, DesiredState& state);

// Host mode: plans the model for this node (mesh::plan) and compiles the plan.
CompileResult compile(const config::Model& model, const CompileOptions& options,
                      const CgroupResolver& resolveCgroup);

using mesh::portInList;

}  // namespace weir::agent::state
