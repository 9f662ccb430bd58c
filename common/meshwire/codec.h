#pragma once

// NodePlan <-> weir.v1.NodeState: the control plane sends a node its plan over NodeSync, and the
// agent turns what it received back into the same plan it would have built in host mode.

#include "common/base/result.h"
#include "common/mesh/node_plan.h"
#include "weir/v1/nodesync.pb.h"

namespace weir::meshwire {

v1::NodeState toWire(const mesh::NodePlan& plan);

// One entry each; a port as forNode() made it for the receiving node.
void toWire(const mesh::PlanServicePort& port, v1::ServicePort* out);
void toWire(const mesh::PlanEndpoint& endpoint, const std::string& portId,
            v1::ServiceEndpoint* out);
void toWire(const mesh::PlanWorkload& workload, v1::Workload* out);
void toWire(const mesh::PlanAuthorization& authorization, v1::L4Authorization* out);
v1::NodeSettings settingsToWire(policy::Verdict defaultVerdict);

// Fails on what the agent cannot use (an IPv6 address, a port out of range, an endpoint naming a
// service port that is not there, an authorization naming a workload that is not), naming the
// object's id.
Result<mesh::NodePlan> fromWire(const v1::NodeState& state);

// One entry each. A port comes without its endpoints; an endpoint is local when `local` names its
// workload (a Workload of this node); sortSlots puts a port's endpoints in slot order.
Result<mesh::PlanWorkload> fromWire(const v1::Workload& workload);
Result<mesh::PlanServicePort> fromWire(const v1::ServicePort& port);
Result<mesh::PlanEndpoint> fromWire(const v1::ServiceEndpoint& endpoint, const v1::Workload* local);
Result<mesh::PlanAuthorization> fromWire(const v1::L4Authorization& authorization);
void sortSlots(mesh::PlanServicePort& port);

}  // namespace weir::meshwire
