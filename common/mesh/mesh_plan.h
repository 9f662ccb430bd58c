#pragma once

// Every node's plan at once. The control plane plans the mesh once per configuration version and
// derives each node's share (nodePlan, forNode) instead of planning every node from the model.
// Entries are immutable and shared: an entry equal to the previous version's keeps its pointer,
// so versions share memory and what changed between them is found by comparing pointers.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/config/diagnostic.h"
#include "common/config/mesh_delta.h"
#include "common/config/model.h"
#include "common/mesh/inbound_plan.h"
#include "common/mesh/node_plan.h"
#include "common/policy/options.h"

namespace weir::mesh {

using PortPtr = std::shared_ptr<const PlanServicePort>;
using WorkloadPtr = std::shared_ptr<const PlanWorkload>;

struct MeshPlan {
  // Node-independent: endpoints have local = false and ports toProxy = false (forNode fills them).
  std::map<std::string, PortPtr> ports;          // by id
  std::map<std::string, WorkloadPtr> workloads;  // by id; every workload with a cgroup, any node
  // By id: the ports of those workloads with an inbound policy of their own (inbound_plan.h).
  std::map<std::string, InboundPtr> inbound;
  policy::Verdict defaultVerdict = policy::Verdict::kProxy;  // the cluster's default policy
  std::shared_ptr<const PolicyInputs> policyInputs;          // what `inbound` was compiled from
  bool annotated = false;  // some workload or namespace may name a default inbound policy
  std::vector<config::Diagnostic> errors;
};

// Plans the model for every node, with inbound policy compiled with `options`. Entries equal to
// `previous`'s are `previous`'s pointers.
MeshPlan planMesh(const config::Model& model, const MeshPlan* previous = nullptr,
                  const policy::Options& options = {});

// The same result, when `model` is `previous`'s model changed by `delta`: only the services the
// delta touches are planned again (every one when the delta is not complete, or large); inbound
// policy only for the delta's workloads while the policy objects stay the same (all of it when
// they changed, or services changed and default policies are named by annotations).
MeshPlan replanMesh(const config::Model& model, const MeshPlan& previous,
                    const config::MeshDelta& delta, const policy::Options& options = {});

// One node's plan, as plan() would make it.
NodePlan nodePlan(const MeshPlan& mesh, const PlanOptions& options);

// One node's L4 authorizations (NodePlan::authorizations).
std::vector<PlanAuthorization> nodeAuthorizations(const MeshPlan& mesh, const std::string& node);

// What differs between two versions: (before, after) per entry id, null where absent.
struct MeshChange {
  std::vector<std::pair<PortPtr, PortPtr>> ports;
  std::vector<std::pair<WorkloadPtr, WorkloadPtr>> workloads;
  std::vector<std::pair<InboundPtr, InboundPtr>> inbound;
  bool defaultVerdict = false;  // the default verdict changed (node settings)
  bool empty() const {
    return ports.empty() && workloads.empty() && inbound.empty() && !defaultVerdict;
  }
};

MeshChange changesBetween(const MeshPlan& before, const MeshPlan& after);

}  // namespace weir::mesh
