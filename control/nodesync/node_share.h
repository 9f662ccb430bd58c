#pragma once

// One node's share of the planned mesh, as NodeSync entries: the whole share for a Snapshot, or
// what a run of versions changed in it for a Diff. Every node sees every service port and its
// endpoints (the verdict and which endpoints are local differ per node), only the workloads
// placed on it, and the L4 authorizations of those workloads' ports for the identities of those
// workloads; a Snapshot always carries the node settings (the default verdict).

#include <vector>

#include "common/mesh/mesh_plan.h"
#include "control/nodesync/publisher.h"
#include "weir/v1/nodesync.pb.h"

namespace weir::control::nodesync {

v1::NodeState shareOf(const mesh::MeshPlan& mesh, const mesh::PlanOptions& node);

// Fills `upserts` and `deletes` with what consecutive `changes`, ending at `now`, did to the
// node's share; returns whether anything changed for it. Cost is proportional to the changed
// entries, except for authorizations: when the changes touch inbound policy, or workloads of
// the node while it has inbound policy, the node's authorizations before and after are compiled
// and compared by id.
bool shareDiff(const std::vector<ChangePtr>& changes, const mesh::MeshPlan& now,
               const mesh::PlanOptions& node, v1::NodeState* upserts, v1::Deletions* deletes);

}  // namespace weir::control::nodesync
