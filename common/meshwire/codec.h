#pragma once

// NodePlan <-> weir.v1.NodeState: the control plane sends a node its plan over NodeSync, and the
// agent turns what it received back into the same plan it would have built in host mode.

#include "common/base/result.h"
#include "common/mesh/node_plan.h"
#include "weir/v1/nodesync.pb.h"

namespace weir::meshwire {

v1::NodeState toWire(const mesh::NodePlan& plan);

// Fails on what the agent cannot use (an IPv6 address, a port out of range, an endpoint naming a
// service port that is not there), naming the object's id.
Result<mesh::NodePlan> fromWire(const v1::NodeState& state);

}  // namespace weir::meshwire
