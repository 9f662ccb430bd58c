#pragma once

// Compiles one node's plan (common/mesh/node_plan.h) into its desired kernel state: which cgroups
// are meshed, each service port's endpoints in slots with cumulative weights, and each port's
// verdict (kernel fast path, or the node proxy).

#include <functional>
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
};

// Maps an absolute cgroup directory to its cgroup id (a seam so unit tests need no cgroupfs).
using CgroupResolver = std::function<Result<uint64_t>(const std::string& path)>;

struct CompileResult {
  DesiredState state;
  std::vector<config::Diagnostic> errors;
  bool ok() const { return errors.empty(); }
};

CompileResult compilePlan(const mesh::NodePlan& plan, const CompileOptions& options,
                      const CgroupResolver& resolveCgroup);

// Host mode: plans the model for this node (mesh::plan) and compiles the plan.
CompileResult compile(const config::Model& model, const CompileOptions& options,
                      const CgroupResolver& resolveCgroup);

using mesh::portInList;

}  // namespace weir::agent::state
